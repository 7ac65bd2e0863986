"""French labels, years and themes of INSEE IRIS variables (census RP and Filosofi).

Census variables are ``<P|C><yy>_<body>``: ``P`` = main count, ``C`` = complementary
count (for example the socio-professional category, CSP), and ``yy`` = the census year
(``P16`` → 2016). The body is composed from parts, e.g. ``[H|F]<stat><age>[_<detail>]``:
``P16_HCHOM1564`` = men (``H``), unemployed (``CHOM``), aged 15-64 (``1564``).

Filosofi variables are ``<DISP|DEC>_<indicator><yy>``: ``DISP_TP6019`` = poverty rate
of the disposable income, 2019. They can appear with the name of their source table in
front (``BASE_TD_FILO_DISP_IRIS_2019_DISP_TP6019``).

Unknown variables give ``None``; no function here ever raises.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

THEME_POPULATION = "population"
THEME_ACTIVITY = "activité"
THEME_HOUSING = "logement"
THEME_HOUSEHOLDS = "ménages"
THEME_INCOME = "revenus"
THEME_EDUCATION = "formation"

# Columns of the INSEE IRIS tables that identify the area and are not indicators.
IDENTIFIER_COLUMNS = frozenset(
    {
        "IRIS", "REG", "DEP", "UU2010", "UU2020", "COM", "LIBCOM", "TRIRIS", "GRD_QUART",
        "LIBIRIS", "TYP_IRIS", "MODIF_IRIS", "LAB_IRIS", "CODE_IRIS", "NOM_IRIS",
        "INSEE_COM", "NOM_COM",
    }
)

# The 8 socio-professional categories (PCS 2003, level 1).
CSP_LABELS = {
    "CS1": "agriculteurs exploitants",
    "CS2": "artisans, commerçants et chefs d'entreprise",
    "CS3": "cadres et professions intellectuelles supérieures",
    "CS4": "professions intermédiaires",
    "CS5": "employés",
    "CS6": "ouvriers",
    "CS7": "retraités",
    "CS8": "autres personnes sans activité professionnelle",
}


@dataclass(frozen=True)
class _Stat:
    label: str
    men: str | None
    women: str | None
    theme: str


# Population groups that combine with an optional sex prefix and an age band.
_STATS: dict[str, _Stat] = {
    "POP": _Stat("Population", "Hommes", "Femmes", THEME_POPULATION),
    "ACT": _Stat("Actifs", "Hommes actifs", "Femmes actives", THEME_ACTIVITY),
    "ACTOCC": _Stat("Actifs occupés", "Hommes actifs occupés", "Femmes actives occupées", THEME_ACTIVITY),
    "CHOM": _Stat("Chômeurs", "Hommes chômeurs", "Femmes chômeuses", THEME_ACTIVITY),
    "INACT": _Stat("Inactifs", "Hommes inactifs", "Femmes inactives", THEME_ACTIVITY),
    "ETUD": _Stat(
        "Élèves, étudiants et stagiaires non rémunérés",
        "Hommes élèves, étudiants et stagiaires non rémunérés",
        "Femmes élèves, étudiantes et stagiaires non rémunérées",
        THEME_ACTIVITY,
    ),
    "RETR": _Stat(
        "Retraités ou préretraités",
        "Hommes retraités ou préretraités",
        "Femmes retraitées ou préretraitées",
        THEME_ACTIVITY,
    ),
    "AINACT": _Stat("Autres inactifs", "Hommes autres inactifs", "Femmes autres inactives", THEME_ACTIVITY),
    "SAL": _Stat("Salariés", "Hommes salariés", "Femmes salariées", THEME_ACTIVITY),
    "NSAL": _Stat("Non-salariés", "Hommes non-salariés", "Femmes non-salariées", THEME_ACTIVITY),
    "SCOL": _Stat("Personnes scolarisées", "Hommes scolarisés", "Femmes scolarisées", THEME_EDUCATION),
    "NSCOL": _Stat(
        "Personnes non scolarisées", "Hommes non scolarisés", "Femmes non scolarisées", THEME_EDUCATION
    ),
    "PMEN": _Stat("Population des ménages", None, None, THEME_HOUSEHOLDS),
    "MEN": _Stat("Ménages", None, None, THEME_HOUSEHOLDS),
    "PHORMEN": _Stat("Population hors ménages", None, None, THEME_POPULATION),
    "FAM": _Stat("Familles", None, None, THEME_HOUSEHOLDS),
}

# Household types (``C16_MENPSEUL``, ``C16_PMEN_MENFAMMONO``…).
_HOUSEHOLD_TYPES = {
    "MENPSEUL": "personnes seules",
    "MENHSEUL": "hommes seuls",
    "MENFSEUL": "femmes seules",
    "MENSFAM": "autres ménages sans famille",
    "MENFAM": "ménages avec famille",
    "MENCOUPSENF": "couples sans enfant",
    "MENCOUPAENF": "couples avec enfant(s)",
    "MENFAMMONO": "familles monoparentales",
}

# Details after ``_`` (``_CS3``, ``_TP``, ``_ILT1``…), as a complement of the group.
_DETAILS: dict[str, str] = {
    **CSP_LABELS,
    **_HOUSEHOLD_TYPES,
    "TP": "à temps partiel",
    "CDI": "en CDI ou titulaires de la fonction publique",
    "CDD": "en CDD",
    "INTERIM": "en intérim",
    "EMPAID": "en emploi aidé",
    "APPR": "en apprentissage ou en stage",
    "INDEP": "indépendants",
    "EMPLOY": "employeurs",
    "AIDFAM": "aides familiaux",
    "ILT1": "travaillant dans la commune de résidence",
    "ILT2P": "travaillant dans une autre commune que la commune de résidence",
    "ILT2": "travaillant dans une autre commune du département de résidence",
    "ILT3": "travaillant dans un autre département de la région de résidence",
    "ILT4": "travaillant dans une autre région de France métropolitaine",
    "ILT5": "travaillant hors de France métropolitaine",
    "PAS": "n'utilisant pas de transport pour aller travailler",
    "MAR": "allant travailler à pied",
    "VELO": "allant travailler à vélo",
    "DROU": "allant travailler en deux-roues",
    "2ROUESMOT": "allant travailler en deux-roues motorisé",
    "VOIT": "allant travailler en voiture, camion ou fourgonnette",
    "TCOM": "allant travailler en transports en commun",
    "DIPLMIN": "aucun diplôme ou au plus un BEPC, brevet des collèges ou DNB",
    "BEPC": "BEPC, brevet des collèges ou DNB",
    "CAPBEP": "CAP ou BEP",
    "BAC": "baccalauréat (général, technologique ou professionnel)",
    "SUP": "diplôme de l'enseignement supérieur",
    "SUP2": "diplôme de l'enseignement supérieur de niveau bac + 2",
    "SUP34": "diplôme de l'enseignement supérieur de niveau bac + 3 ou bac + 4",
    "SUP5": "diplôme de l'enseignement supérieur de niveau bac + 5 ou plus",
}

# Whole census bodies that are not composed (mostly housing).
_WHOLE_BODIES: dict[str, tuple[str, str]] = {
    "LOG": ("Logements", THEME_HOUSING),
    "RP": ("Résidences principales", THEME_HOUSING),
    "RSECOCC": ("Résidences secondaires et logements occasionnels", THEME_HOUSING),
    "LOGVAC": ("Logements vacants", THEME_HOUSING),
    "MAISON": ("Maisons", THEME_HOUSING),
    "APPART": ("Appartements", THEME_HOUSING),
    "RPMAISON": ("Résidences principales : maisons", THEME_HOUSING),
    "RPAPPART": ("Résidences principales : appartements", THEME_HOUSING),
    "RP_1P": ("Résidences principales d'une pièce", THEME_HOUSING),
    "RP_2P": ("Résidences principales de 2 pièces", THEME_HOUSING),
    "RP_3P": ("Résidences principales de 3 pièces", THEME_HOUSING),
    "RP_4P": ("Résidences principales de 4 pièces", THEME_HOUSING),
    "RP_5PP": ("Résidences principales de 5 pièces ou plus", THEME_HOUSING),
    "NBPI_RP": ("Nombre de pièces des résidences principales", THEME_HOUSING),
    "NBPI_RPMAISON": ("Nombre de pièces des résidences principales : maisons", THEME_HOUSING),
    "NBPI_RPAPPART": ("Nombre de pièces des résidences principales : appartements", THEME_HOUSING),
    "RP_M30M2": ("Résidences principales de moins de 30 m²", THEME_HOUSING),
    "RP_3040M2": ("Résidences principales de 30 à 40 m²", THEME_HOUSING),
    "RP_4060M2": ("Résidences principales de 40 à 60 m²", THEME_HOUSING),
    "RP_6080M2": ("Résidences principales de 60 à 80 m²", THEME_HOUSING),
    "RP_80100M2": ("Résidences principales de 80 à 100 m²", THEME_HOUSING),
    "RP_100120M2": ("Résidences principales de 100 à 120 m²", THEME_HOUSING),
    "RP_120M2P": ("Résidences principales de 120 m² ou plus", THEME_HOUSING),
    "RP_PROP": ("Résidences principales occupées par leur propriétaire", THEME_HOUSING),
    "RP_LOC": ("Résidences principales occupées par des locataires", THEME_HOUSING),
    "RP_LOCHLMV": ("Résidences principales HLM louées vides", THEME_HOUSING),
    "RP_GRAT": ("Résidences principales occupées gratuitement", THEME_HOUSING),
    "NPER_RP": ("Personnes des résidences principales", THEME_HOUSING),
    "NPER_RP_PROP": ("Personnes des résidences principales occupées par leur propriétaire", THEME_HOUSING),
    "NPER_RP_LOC": ("Personnes des résidences principales occupées par des locataires", THEME_HOUSING),
    "NPER_RP_LOCHLMV": ("Personnes des résidences principales HLM louées vides", THEME_HOUSING),
    "NPER_RP_GRAT": ("Personnes des résidences principales occupées gratuitement", THEME_HOUSING),
    "RP_SDB": ("Résidences principales avec salle de bain (baignoire ou douche)", THEME_HOUSING),
    "RP_CCCOLL": ("Résidences principales avec chauffage central collectif", THEME_HOUSING),
    "RP_CCIND": ("Résidences principales avec chauffage central individuel", THEME_HOUSING),
    "RP_CINDELEC": ("Résidences principales avec chauffage individuel « tout électrique »", THEME_HOUSING),
    "RP_GARL": ("Ménages disposant d'au moins un emplacement de stationnement", THEME_HOUSING),
    "RP_VOIT1P": ("Ménages disposant d'au moins une voiture", THEME_HOUSING),
    "RP_VOIT1": ("Ménages disposant d'une voiture", THEME_HOUSING),
    "RP_VOIT2P": ("Ménages disposant de deux voitures ou plus", THEME_HOUSING),
    "MEN_ANEM0002": ("Ménages emménagés depuis moins de 2 ans", THEME_HOUSING),
    "MEN_ANEM0204": ("Ménages emménagés depuis 2 à 4 ans", THEME_HOUSING),
    "MEN_ANEM0509": ("Ménages emménagés depuis 5 à 9 ans", THEME_HOUSING),
    "MEN_ANEM10P": ("Ménages emménagés depuis 10 ans ou plus", THEME_HOUSING),
    "POPH": ("Population masculine", THEME_POPULATION),
    "POPF": ("Population féminine", THEME_POPULATION),
    "POP_FR": ("Population de nationalité française", THEME_POPULATION),
    "POP_ETR": ("Population de nationalité étrangère", THEME_POPULATION),
    "POP_IMM": ("Population immigrée", THEME_POPULATION),
    "COUPAENF": ("Familles : couples avec enfant(s)", THEME_HOUSEHOLDS),
    "COUPSENF": ("Familles : couples sans enfant", THEME_HOUSEHOLDS),
    "FAMMONO": ("Familles monoparentales", THEME_HOUSEHOLDS),
    "HMONO": ("Familles monoparentales : hommes seuls avec enfant(s)", THEME_HOUSEHOLDS),
    "FMONO": ("Familles monoparentales : femmes seules avec enfant(s)", THEME_HOUSEHOLDS),
    "NE24F0": ("Familles sans enfant de moins de 25 ans", THEME_HOUSEHOLDS),
    "NE24F1": ("Familles avec 1 enfant de moins de 25 ans", THEME_HOUSEHOLDS),
    "NE24F2": ("Familles avec 2 enfants de moins de 25 ans", THEME_HOUSEHOLDS),
    "NE24F3": ("Familles avec 3 enfants de moins de 25 ans", THEME_HOUSEHOLDS),
    "NE24F4P": ("Familles avec 4 enfants ou plus de moins de 25 ans", THEME_HOUSEHOLDS),
}

_ORDINALS = {"1": "1er", "2": "2e", "3": "3e", "4": "4e", "5": "5e", "6": "6e", "7": "7e", "8": "8e", "9": "9e"}

_CENSUS_RE = re.compile(r"^([PC])(\d{2})_([A-Z0-9_]+)$")
_FILOSOFI_RE = re.compile(r"(?:^|_)(DISP|DEC)_([A-Z0-9]+?)(\d{2})$")
_BODY_RE = re.compile(r"^([A-Z]+?)(\d{4}|\d{2}P)?((?:_[A-Z0-9]+)*)$")


@dataclass(frozen=True)
class IndicatorInfo:
    """What an INSEE variable measures: French ``label``, reference ``year``, ``theme``."""

    label: str
    year: int
    theme: str


def _age_label(age: str) -> str:
    if age.endswith("P"):
        return f"{int(age[:-1])} ans ou plus"
    return f"{int(age[:2])}-{int(age[2:])} ans"


def _two_digit_year(yy: str) -> int:
    value = int(yy)
    return 2000 + value if value < 70 else 1900 + value


def _filosofi_label(source: str, indicator: str) -> str | None:
    """Label of a Filosofi indicator (``DISP``: disposable income, ``DEC``: declared)."""
    income = "disponible" if source == "DISP" else "déclaré"
    if indicator == "TP60":
        if source == "DISP":
            return "Taux de pauvreté au seuil de 60 % (%)"
        return "Taux de bas revenus déclarés au seuil de 60 % (%)"
    if indicator == "MED":
        return f"Revenu {income} médian par UC (€)"
    quantile = re.fullmatch(r"([QD])([1-9])", indicator)
    if quantile:
        kind, rank = quantile.groups()
        if kind == "Q" and rank not in {"1", "3"}:
            return None
        word = "quartile" if kind == "Q" else "décile"
        return f"Revenu {income} par UC : {_ORDINALS[rank]} {word} (€)"
    simple = {
        "EQ": f"Écart interquartile du revenu {income} rapporté à la médiane",
        "RD": f"Rapport interdécile D9/D1 du revenu {income}",
        "S80S20": f"Rapport S80/S20 du revenu {income}",
        "GI": f"Indice de Gini du revenu {income}",
        "NOTE": f"Indicateur de qualité du revenu {income} (Filosofi)",
    }
    if indicator in simple:
        return simple[indicator]
    if source == "DEC" and indicator == "PIMP":
        return "Part des ménages fiscaux imposés (%)"
    shares = {
        "PACT": "revenus d'activité",
        "PTSA": "salaires et traitements",
        "PCHO": "indemnités de chômage",
        "PBEN": "revenus des activités non salariées",
        "PPEN": "pensions, retraites et rentes",
        "PPAT": "revenus du patrimoine et autres revenus",
        "PAUT": "autres revenus",
        "PPSOC": "prestations sociales",
        "PPFAM": "prestations familiales",
        "PPMINI": "minima sociaux",
        "PPLOGT": "prestations logement",
        "PIMPOT": "impôts",
    }
    if indicator in shares:
        return f"Part des {shares[indicator]} dans le revenu {income} (%)"
    return None


def _census_label(body: str) -> tuple[str, str] | None:
    """(label, theme) of a census variable body (``HCHOM1564``, ``ACT1564_CS3``…)."""
    if body in _WHOLE_BODIES:
        return _WHOLE_BODIES[body]
    if body in _HOUSEHOLD_TYPES:
        return f"Ménages : {_HOUSEHOLD_TYPES[body]}", THEME_HOUSEHOLDS
    match = _BODY_RE.match(body)
    if not match:
        return None
    head, age, tail = match.groups()
    sex = None
    if head in _STATS:
        stat = _STATS[head]
    elif head[0] in "HF" and (head[1:] in _STATS or head[1:] == ""):
        sex = head[0]
        stat = _STATS[head[1:] or "POP"]
    else:
        return None
    if sex == "H":
        label = stat.men
    elif sex == "F":
        label = stat.women
    else:
        label = stat.label
    if label is None:
        return None
    if age:
        label = f"{label} {_age_label(age)}"
    details = [part for part in tail.split("_") if part]
    if details:
        if any(part not in _DETAILS for part in details):
            return None
        if len(details) == 1 and details[0] in CSP_LABELS and head in {"PMEN", "MEN"}:
            label = f"{label} (personne de référence : {CSP_LABELS[details[0]]})"
        else:
            label = f"{label} : {', '.join(_DETAILS[part] for part in details)}"
    return label, stat.theme


@functools.lru_cache(maxsize=4096)
def _describe(variable: str) -> IndicatorInfo | None:
    name = variable.strip().upper()
    census = _CENSUS_RE.match(name)
    if census:
        _, yy, body = census.groups()
        parsed = _census_label(body)
        if parsed is None:
            return None
        label, theme = parsed
        return IndicatorInfo(label, _two_digit_year(yy), theme)
    filosofi = _FILOSOFI_RE.search(name)
    if filosofi:
        source, indicator, yy = filosofi.groups()
        label = _filosofi_label(source, indicator)
        if label is None:
            return None
        return IndicatorInfo(label, _two_digit_year(yy), THEME_INCOME)
    return None


def describe_indicator(variable: str) -> IndicatorInfo | None:
    """Label, year and theme of an INSEE IRIS variable, or ``None`` if it is unknown."""
    if not isinstance(variable, str) or len(variable) > 200:
        return None
    try:
        return _describe(variable)
    except (ValueError, KeyError, IndexError):  # defensive: a malformed name is "unknown"
        return None


def indicator_label(variable: str) -> str | None:
    """French label of an INSEE IRIS variable, or ``None`` if the variable is unknown.

    ``"C16_ACT1564_CS3"`` → ``"Actifs 15-64 ans : cadres et professions intellectuelles
    supérieures"``, ``"DISP_MED19"`` → ``"Revenu disponible médian par UC (€)"``.
    """
    info = describe_indicator(variable)
    return info.label if info else None


def indicator_year(variable: str) -> int | None:
    """Reference year of an INSEE IRIS variable (``P16_…`` → 2016, ``DISP_MED21`` → 2021).

    Returns ``None`` if the variable is unknown.
    """
    info = describe_indicator(variable)
    return info.year if info else None


def indicator_theme(variable: str) -> str | None:
    """Theme of an INSEE IRIS variable, or ``None`` if the variable is unknown.

    The themes are ``population``, ``activité``, ``logement``, ``ménages``, ``revenus``
    and ``formation``.
    """
    info = describe_indicator(variable)
    return info.theme if info else None
