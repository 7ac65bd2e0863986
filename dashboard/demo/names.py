"""French vocabularies for fictional names, and vectorised name builders.

Every builder takes integer arrays and returns numpy string arrays, so that the
national territory (35,000 communes, a million addresses) is named without a
Python loop per item.
"""

from __future__ import annotations

import unicodedata

import numpy as np

STREET_NAMES: tuple[str, ...] = (
    "des Lilas", "Jean Jaurès", "Victor Hugo", "de la République", "Pasteur", "Jules Ferry",
    "Gambetta", "de la Gare", "du Moulin", "de l'Église", "des Écoles", "du Stade", "de la Paix",
    "Voltaire", "Jean Moulin", "des Acacias", "des Tilleuls", "des Tanneurs",
    "du Général de Gaulle", "Émile Zola", "Paul Bert", "Anatole France", "Louise Michel",
    "Marie Curie", "Pierre Curie", "Carnot", "Denfert-Rochereau", "de Verdun", "du 8 Mai 1945",
    "du 11 Novembre", "de la Libération", "des Roses", "des Marronniers", "des Peupliers",
    "des Chênes", "des Érables", "des Cerisiers", "des Vignes", "des Prés", "des Champs",
    "du Château", "de la Fontaine", "du Lavoir", "de la Poste", "de la Mairie", "du Marché",
    "du Commerce", "de l'Industrie", "des Artisans", "des Forges", "des Potiers",
    "des Tisserands", "des Meuniers", "des Vignerons", "de la Loire", "du Canal",
    "des Bateliers", "du Port", "des Mariniers", "de la Levée", "des Saules", "des Aulnes",
    "des Bouleaux", "des Platanes", "des Ormes", "des Hêtres", "des Noyers", "des Pommiers",
    "des Glycines", "des Jonquilles", "des Violettes", "des Bleuets", "des Coquelicots",
    "des Mimosas", "des Hortensias", "des Pervenches", "des Primevères", "du Bois",
    "de la Forêt", "de la Croix Blanche", "du Calvaire", "du Prieuré", "de l'Abbaye",
    "du Cloître", "des Moines", "des Templiers", "Saint-Martin", "Saint-Jacques",
    "Sainte-Anne", "Saint-Nicolas", "Saint-Michel", "Notre-Dame", "Jeanne d'Arc", "Henri IV",
    "Colbert", "Turgot", "Condorcet", "Diderot", "Jean-Jacques Rousseau", "Montesquieu",
    "Racine", "Molière", "Jean de la Fontaine", "Corneille", "Rabelais", "Balzac", "Flaubert",
    "Stendhal", "George Sand", "Colette", "Alexandre Dumas", "Jules Verne", "Charles Péguy",
    "Paul Verlaine", "Arthur Rimbaud", "Guillaume Apollinaire", "Albert Camus",
    "Jean Giraudoux", "Marcel Pagnol", "Saint-Exupéry", "Louis Pergaud", "Berty Albrecht",
    "Danielle Casanova", "Lucie Aubrac", "Simone Veil", "Olympe de Gouges", "Camille Claudel",
    "Claude Debussy", "Hector Berlioz", "Maurice Ravel", "Georges Bizet", "Édith Piaf",
    "Gustave Eiffel", "Louis Blériot", "Roland Garros", "Jean Mermoz", "Hélène Boucher",
    "Pierre de Coubertin", "Aristide Briand", "Léon Blum", "Jean Zay", "Pierre Mendès France",
    "Salvador Allende", "Nelson Mandela", "Martin Luther King", "Gabriel Péri",
    "Pierre Sémard", "Danton", "Mirabeau", "Lafayette", "Kléber", "Hoche", "Marceau", "Foch",
    "Joffre", "Clemenceau", "Jean Monnet", "Robert Schuman", "de l'Europe",
    "des Droits de l'Homme", "de la Liberté", "de l'Égalité", "de la Fraternité",
    "du Progrès", "de l'Avenir", "des Sports", "de la Piscine", "du Collège", "du Lycée",
    "de l'Hôpital", "des Jardins", "du Parc", "des Vergers", "des Sablons", "des Carrières",
    "de la Butte", "du Coteau", "des Côtes", "du Val", "de la Vallée", "des Hauts",
    "du Plateau", "des Rochers", "des Sources", "du Ruisseau", "de l'Étang", "des Marais",
    "des Îles", "du Pont", "de la Tuilerie", "de la Briqueterie", "de la Verrerie",
    "de la Filature", "des Fours à Chaux", "du Four", "du Pressoir", "de la Grange",
    "des Granges", "de la Ferme", "des Écuries", "du Haras", "des Hirondelles",
    "des Alouettes", "des Mésanges", "des Pinsons", "des Fauvettes", "du Cormier",
    "des Tanneries", "de la Corderie", "des Cordiers", "des Charrons", "des Maréchaux",
    "des Couteliers", "des Orfèvres", "des Drapiers", "des Bouchers", "des Boulangers",
    "des Lavandières", "du Bac", "des Pêcheurs", "de la Chapelle", "des Rosiers",
)

STREET_TYPES: tuple[str, ...] = (
    "Rue", "Avenue", "Allée", "Impasse", "Chemin", "Place", "Boulevard", "Route", "Square",
)


def _street_combos() -> tuple[str, ...]:
    """Type + name combinations, most names only as "Rue" (realistic type mix)."""
    out: list[str] = []
    for i, name in enumerate(STREET_NAMES):
        out.append(f"Rue {name}")
        if i % 5 == 0:
            out.append(f"Avenue {name}")
        if i % 6 == 1:
            out.append(f"Allée {name}")
        if i % 7 == 2:
            out.append(f"Impasse {name}")
        if i % 8 == 3:
            out.append(f"Chemin {name}")
        if i % 13 == 4:
            out.append(f"Place {name}")
        if i % 11 == 5:
            out.append(f"Boulevard {name}")
        if i % 17 == 6:
            out.append(f"Square {name}")
    return tuple(out)


STREET_COMBOS: tuple[str, ...] = _street_combos()
STREET_SUFFIXES: tuple[str, ...] = ("", " Prolongée", " Nord", " Sud", " Est", " Ouest", " Haute", " Basse")

QUARTER_NAMES: tuple[str, ...] = (
    "Centre Ancien", "La Gare", "Les Bords de Loire", "Le Faubourg", "Les Tilleuls",
    "La Croix Blanche", "Le Moulin", "Les Acacias", "Le Champ de Foire", "Les Tanneries",
    "La Source", "Les Grands Champs", "Le Val", "Les Coteaux", "La Prairie", "Le Clos Fleuri",
    "Les Sablons", "La Butte", "Le Parc", "Les Vergers", "La Cité Jardin", "Les Peupliers",
    "Saint-Martin", "Saint-Jacques", "Notre-Dame", "Le Port", "Le Canal", "La Fontaine",
    "Les Hauts", "Le Plateau", "Les Rives", "La Pépinière", "Le Stade", "Les Écoles",
    "L'Hôpital", "Le Château", "Les Marais", "Les Mariniers", "La Levée", "Les Aulnes",
    "Le Bourg", "Les Carrières", "La Tuilerie", "Le Prieuré", "Les Jardins", "La Roseraie",
    "Les Chaumes", "Le Grand Pré", "La Garenne", "Les Ormeaux", "Le Petit Bois", "La Motte",
    "Les Forges", "Le Mail", "La Chapelle", "Les Granges", "Le Bas Bourg", "La Fosse",
    "Les Noues", "Le Pressoir", "La Vallée", "Les Longues Raies", "Le Clos du Roy",
)

ACTIVITY_QUARTER_NAMES: tuple[str, ...] = (
    "Zone d'Activités des Tanneurs", "Parc d'Activités du Val", "Zone Industrielle Nord",
    "Zone Artisanale des Forges", "Parc d'Activités de la Levée",
)

DIVERS_QUARTER_NAMES: tuple[str, ...] = (
    "Bois de la Garenne", "Parc de la Levée", "Forêt Communale", "Plaine des Sports", "Étangs du Moulin",
)

COMMUNE_PREFIXES: tuple[str, ...] = (
    "Beau", "Bel", "Ber", "Bon", "Bré", "Cha", "Char", "Chau", "Cour", "Cré", "Dam", "Don",
    "Fon", "Fré", "Gra", "Jou", "Lan", "Lau", "Mar", "Mau", "Mon", "Mont", "Neu", "Pré",
    "Quin", "Roche", "Rou", "Sau", "Sen", "Ton", "Tré", "Val", "Ver", "Vil", "Vau", "Al",
    "Ar", "Au", "Es", "Or", "Ker", "Plou", "Gué", "Lor", "Sar",
)
COMMUNE_SUFFIXES: tuple[str, ...] = (
    "ville", "court", "mont", "ay", "igny", "ac", "an", "ieux", "ange", "euil", "ières",
    "oy", "ans", "elle", "in", "at", "ogne", "ery", "ençon", "eval", "erre", "ignac",
    "illac", "ouze", "onne", "ort", "ieu", "ois", "ency", "eaux",
)
COMMUNE_QUALIFIERS: tuple[str, ...] = (
    "-sur-Loire", "-sur-Seine", "-sur-Marne", "-sur-Cher", "-en-Brie", "-en-Vexin",
    "-le-Château", "-les-Bains", "-la-Forêt", "-sous-Bois", "-le-Grand", "-le-Petit",
    "-la-Rivière", "-aux-Bois", "-en-Val", "-les-Vignes", "-le-Vieux", "-la-Ville",
    "-sur-Orne", "-en-Bocage", "-les-Prés", "-sur-Vienne", "-en-Forez", "-la-Côte",
)
SAINTS: tuple[str, ...] = (
    "Saint-Martin", "Saint-Aubin", "Saint-Germain", "Saint-Hilaire", "Saint-Georges",
    "Saint-Denis", "Saint-Laurent", "Saint-Julien", "Saint-Pierre", "Saint-Jean",
    "Saint-Rémy", "Saint-Didier", "Sainte-Marie", "Sainte-Colombe", "Saint-Étienne",
)

MALE_FIRST_NAMES: tuple[str, ...] = (
    "Pierre", "Jean", "Nicolas", "Thomas", "Julien", "François", "Laurent", "Stéphane",
    "Olivier", "Philippe", "Marc", "Antoine", "David", "Éric", "Sébastien", "Christophe",
    "Mathieu", "Frédéric", "Guillaume", "Alexandre", "Vincent", "Patrick", "Yannick", "Hugo",
    "Karim", "Mehdi", "Bruno", "Didier", "Xavier", "Benoît",
)
FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Marie", "Nathalie", "Isabelle", "Sophie", "Catherine", "Sandrine", "Valérie", "Céline",
    "Aurélie", "Camille", "Julie", "Claire", "Anne", "Émilie", "Laure", "Hélène", "Caroline",
    "Stéphanie", "Christine", "Martine", "Léa", "Sarah", "Nadia", "Fatima", "Élodie", "Agnès",
    "Chantal", "Véronique", "Sylvie", "Mathilde",
)
SURNAMES: tuple[str, ...] = (
    "BERTIN", "CHAUVEAU", "DELAUNAY", "FOUCHER", "GIRARDIN", "HAMON", "JOUBERT", "LACROIX",
    "MARCHAND", "NOËL", "PERRIN", "RENAUD", "TESSIER", "VALLÉE", "AUBRY", "BARBIER",
    "CARON", "DUMONT", "ÉTIENNE", "FLEURY", "GAUTHIER", "HUET", "JACOB", "LAMBERT",
    "MEUNIER", "NICOLAS", "OLLIVIER", "PICARD", "RIVIÈRE", "SCHMITT", "TRAORÉ", "VIDAL",
    "BENOIT", "COLIN", "DESCHAMPS", "FABRE", "GUILLOT", "HUBERT", "JOLY", "LE GALL",
    "MAILLARD", "NAUDIN", "PAYET", "REY", "SAUVAGE", "TOUSSAINT", "VASSEUR", "BOUCHET",
    "CHEVALIER", "DUPRÉ", "FERRAND", "GILLET", "HERVÉ", "JULIEN", "LEBRETON", "MOULIN",
    "NAVARRO", "POIRIER", "ROUSSELET", "SIMONNET", "THIBAULT", "VERDIER", "BOYER",
    "COUSIN", "DROUET", "FOURNIER", "GRONDIN", "HARDY", "JOUANNEAU", "LEROUX", "MARTEAU",
    "OUVRARD", "PELLETIER", "RAYNAUD", "SALMON", "TANGUY", "VIGNAL", "BRUNEAU", "CLÉMENT",
    "DURAND-LEROY", "FAURE", "GUÉRIN", "HOARAU", "KERGOAT", "LEMAIRE", "MERCIER",
    "PASQUIER", "ROBIN", "SABATIER", "TURPIN", "BAILLY", "CORDIER", "DAVID", "FOREST",
    "GERMAIN", "IMBERT", "LEBLANC", "MALLET", "PRÉVOST", "ROCHE", "BELKACEM", "N'DIAYE",
)

PLACE_KINDS: tuple[str, ...] = (
    "école élémentaire", "école maternelle", "groupe scolaire", "gymnase", "salle polyvalente",
    "centre de loisirs", "salle des fêtes", "maison des associations", "collège",
    "maison de quartier", "espace culturel", "hôtel de ville salle des mariages",
)
PLACE_DEDICATIONS: tuple[str, ...] = (
    "Jules Ferry", "Victor Hugo", "Jean Jaurès", "Louise Michel", "Pasteur", "Paul Bert",
    "Jean Moulin", "Marie Curie", "Jacques Prévert", "Anatole France", "Condorcet", "Jean Zay",
    "Simone Veil", "Lucie Aubrac", "Pierre Mendès France", "Romain Rolland", "Paul Langevin",
    "Jean de la Fontaine", "Charles Perrault", "Saint-Exupéry", "Olympe de Gouges",
    "Nelson Mandela", "Jean Macé", "Ferdinand Buisson", "Marcel Pagnol", "Colette",
    "Albert Camus", "Georges Brassens", "Camille Claudel", "Les Tilleuls", "Les Acacias",
)


def largest_prime_at_most(n: int) -> int:
    """The largest prime p <= n (n >= 2)."""
    for p in range(n, 1, -1):
        if all(p % d for d in range(2, int(p**0.5) + 1)):
            return p
    raise ValueError("n must be >= 2")


def distinct_indices(rank: np.ndarray, group: np.ndarray, n_vocab: int,
                     rng: np.random.Generator, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Vocabulary indices that are distinct within each group.

    ``rank`` is the 0-based rank of an item inside its group. Items get
    ``(offset_g + rank * step_g) mod p`` with ``p`` prime, which is a
    permutation of ``0..p-1`` for each group; ranks beyond ``p`` wrap around and
    get ``cycle >= 1`` (used to add a suffix). Returns (index, cycle).
    """
    p = largest_prime_at_most(n_vocab)
    offset = rng.integers(0, p, n_groups)
    step = rng.integers(1, p, n_groups)
    idx = (offset[group] + (rank % p) * step[group]) % p
    return idx.astype(np.int64), (rank // p).astype(np.int64)


def pick(vocab: tuple[str, ...], idx: np.ndarray) -> np.ndarray:
    """Vectorised lookup of ``vocab[idx]`` as a numpy string array."""
    return np.asarray(vocab, dtype=object)[idx].astype(str)


def commune_names(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` fictional commune names such as "Charigny-sur-Loire" or "Saint-Aubin-de-Bermont"."""
    pre_idx = rng.integers(0, len(COMMUNE_PREFIXES), n)
    pre = pick(COMMUNE_PREFIXES, pre_idx)
    suf = pick(COMMUNE_SUFFIXES, rng.integers(0, len(COMMUNE_SUFFIXES), n))
    root = np.strings.add(pre, suf)
    kind = rng.random(n)
    qual = pick(COMMUNE_QUALIFIERS, rng.integers(0, len(COMMUNE_QUALIFIERS), n))
    saint = pick(SAINTS, rng.integers(0, len(SAINTS), n))
    with_qual = np.strings.add(root, qual)
    vowel = np.asarray([p[0] in "AEIOUÉ" for p in COMMUNE_PREFIXES])[pre_idx]
    with_saint = np.strings.add(np.strings.add(saint, np.where(vowel, "-d'", "-de-")), root)
    return np.where(kind < 0.22, with_qual, np.where(kind < 0.32, with_saint, root))


def _ascii(values: np.ndarray, upper: bool) -> np.ndarray:
    """Strip accents (converting each distinct value once) and change case."""
    values = np.asarray(values, dtype=str)
    if not len(values):
        return values
    uniq, inv = np.unique(values, return_inverse=True)
    plain = [unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii") for s in uniq]
    conv = np.asarray([s.upper() if upper else s.lower() for s in plain], dtype=str)
    return conv[inv]


def ascii_lower(values: np.ndarray) -> np.ndarray:
    """Lower-case without accents (the REU ``libelle_reu`` style)."""
    return _ascii(values, upper=False)


def ascii_upper(values: np.ndarray) -> np.ndarray:
    """Upper-case without accents (the REU ``voie_reu`` style)."""
    return _ascii(values, upper=True)
