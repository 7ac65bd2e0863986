"""Target scores per polling station (bureau de vote) for a chosen election and target.

The strategist picks an election, a target (candidate, list, nuance or bloc, read
as :mod:`dashboard.maps.measures` reads it) and, optionally, a reference election. For
every station of the scope :func:`compute_scores` returns a :class:`ScoreTable`:
one row per station with its inputs and four scores, a French formula per score
(``formulas``), the formula with one station's numbers substituted
(:meth:`ScoreTable.explain`) and French notes on what was missing or estimated.

Definitions (``s`` = estimated support, ``r`` = main rival's estimated share, shares of
the votes *expressed* in the station, both with one definition):

* **Support** ``s = (v + k·p) / (E + k)``: the target's votes ``v`` over the votes
  expressed ``E``, shrunk toward the target's share ``p`` in the commune (stations
  of the commune where the target stood) with the weight of ``k`` fictitious
  expressed votes (:attr:`ScoreParameters.shrinkage_votes`; ``k = 0`` gives the
  raw share). A beta-binomial style shrinkage: a 40-vote station moves a lot
  toward the commune, a 1 000-vote station barely. A station where the target
  was not on the ballot (no ``votes`` row, e.g. a legislative candidate of
  another circonscription) gets ``s = 0``.
* **Main rival** ``r``: the *other* candidate / list / nuance / bloc of the same
  target type with the highest estimated share in the station, that share computed
  as the support's: ``r = (v_r + k·p_r) / (E + k)``, ``p_r`` the rival's commune share.
* **Mobilisation** ``= registered × s × abstention rate``: the target's
  supporters among the abstainers, assuming abstainers lean like the station's
  voters (no individual data; ecological inference can refine this later).
* **Persuasion** ``= registered × closeness × (volatility + undecided)`` with
  ``closeness = 1 − |s − r|`` (1 = tie with the rival), ``volatility = |Δ target
  share|`` and ``undecided = (blank + null) / registered + |Δ turnout|``, turnout =
  voters / registered, so both terms are shares of the registered (Δ between
  the reference election and the chosen one, on comparable stations only: the
  turnout swing stands for intermittent voters and is counted once, in
  *undecided*). Read: electors plausibly movable, weighted by how much moving
  them matters. Stations without a comparable reference (contour changed, no
  crosswalk, no reference results) get the median of the comparable stations,
  and ``comparable`` is False.
* **Net votes per hour** ``= doors/h × contact rate × effect × (s − r)``: the
  expected net votes (target minus its main rival) of one hour of canvassing
  aimed at turnout: each extra voter brings ``s − r`` net votes, assuming the
  voters a contact brings out split like the station's voters. It is negative
  where the rival leads: canvassing there for turnout helps the rival.
  Doors per hour grow with address density (electors per address point: houses
  → :attr:`~ScoreParameters.house_doors_per_hour`, dense buildings →
  :attr:`~ScoreParameters.building_doors_per_hour`, log-linear in between);
  ``doors = max(address points, registered / electors per door)``.
* **Priority** = weighted mean of the three scores, each turned into its
  percentile rank within the scope (``(rank − 1) / (n − 1)``, ties averaged; 0 =
  lowest station, 1 = highest), weights from :attr:`ScoreParameters.weights`.
  ``rank`` 1 is the highest priority; ties are broken by station id (commune
  code, then polling-station number).

All parameters live in :class:`ScoreParameters` with French labels, help and
sources (:data:`SOURCES`, each with what was actually checked); what could not
be verified is labelled as an editable assumption there. Defaults:

* ``effect_size = 0.01`` (+1 point of turnout probability per elector met):
  an *assumption*. Checked: Bhatti, Dahlgaard, Hansen & Hansen (BJPolS, online
  19 Dec 2016, doi:10.1017/S0007123416000521) find the pooled European effect
  "substantially smaller" than in the United States, where the review they
  quote (Green, McGrath & Aronow, 71 experiments) gives a CACE of 2.536 points
  (95 % credible interval 1.817–3.255); the European pooled figure itself could
  not be read here, so 1 point is a cautious guess below the US figure. Pons
  (AER 108(6), 2018: Hollande 2012, five million doors) found no turnout effect
  but a persuasion effect on the vote.
* ``contact_rate = 0.30``, ``house/building_doors_per_hour = 10 / 30``,
  ``house/building_density = 1.5 / 30`` electors per address point,
  ``shrinkage_votes = 50``: assumptions (a canvasser stays 3–5 minutes per
  household according to G. Liegey in Paris Match, 1 March 2012).
* ``electors_per_door = 1.5``: derived from INSEE, 47.0 million French electors
  on the main communal lists in March 2022 (Insee Focus 264) over 30.9 million
  households (census 2022, FAM T1) ≈ 1.52.

Address density is ``registered / address points`` (distinct BAN points of the
station in the REU address table): the REU ``nb_adresses`` column counts
grouped address lines, not electors (Bondy's sample: 7 407 over 5 698 points
for 25 281 registered in 2022), so it is not used as an elector count. Everything is vectorised over stations (numpy /
pandas); the warehouse is read with bound parameters only.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd

from dashboard.maps import measures
from dashboard.errors import IsoloirError
from dashboard.formats import fmt_margin, fmt_number, fmt_percent
from dashboard.maps.territory import Scope
from dashboard.warehouse.database import Warehouse
from dashboard.maps.measure_types import TARGET_COLUMNS, target_column

__all__ = [
    "COLUMNS",
    "COLUMN_LABELS",
    "DECIMALS",
    "DEFAULT_WEIGHTS",
    "SCORES",
    "SOURCES",
    "ParameterField",
    "ScoreError",
    "ScoreParameters",
    "ScoreTable",
    "Source",
    "closeness_score",
    "combine",
    "compute_scores",
    "default_reference",
    "doors_per_hour",
    "estimated_support",
    "mobilisation_score",
    "net_votes_per_hour",
    "parse_fr_number",
    "percentile_rank",
    "persuasion_score",
    "reprioritise",
    "top_targets",
]

# score column -> French label; the three scores the priority combines.
SCORES: dict[str, str] = {
    "mobilisation": "Mobilisation",
    "persuasion": "Persuasion",
    "net_votes_per_hour": "Votes nets par heure",
}
DEFAULT_WEIGHTS: tuple[tuple[str, float], ...] = (("mobilisation", 1.0), ("persuasion", 1.0), ("net_votes_per_hour", 1.0))
# Decimals used when a value is shown (explain() and the UI): the same rounding everywhere.
DECIMALS: dict[str, int] = {
    "mobilisation": 1, "persuasion": 1, "net_votes_per_hour": 3, "priority": 2,
    "doors": 0, "doors_per_hour": 1, "contacts_per_hour": 1, "electors_per_point": 1,
}
COLUMNS = [
    "station_id", "set_id", "name", "commune", "commune_code", "bv_code",
    "registered", "voters", "expressed", "abstention", "turnout", "blank_null",
    "target_votes", "on_ballot", "support_raw", "support", "rival", "rival_share", "balance", "closeness",
    "share_now", "share_ref", "turnout_ref", "share_swing", "turnout_swing", "turnout_shift", "comparable",
    "volatility", "undecided",
    "address_points", "electors_per_point", "doors", "doors_per_hour", "contacts_per_hour",
    "mobilisation", "persuasion", "net_votes_per_hour",
    "mobilisation_pct", "persuasion_pct", "net_votes_per_hour_pct", "priority", "rank",
]

# Kept after COLUMNS for the explanations: the commune shares the two estimated shares are shrunk toward.
EXTRA_COLUMNS = ["prior_share", "rival_key", "rival_votes", "rival_prior"]

# French headers for the inputs and scores shown per station.
COLUMN_LABELS: dict[str, str] = {
    "station_id": "Bureau", "name": "Nom du bureau", "commune": "Commune", "registered": "Inscrits",
    "voters": "Votants", "expressed": "Exprimés", "abstention": "Abstention", "turnout": "Participation",
    "blank_null": "Blancs et nuls (part des inscrits)", "target_votes": "Voix de la cible", "support": "Soutien estimé",
    "rival": "Principal rival", "rival_share": "Score du rival", "balance": "Solde partisan", "closeness": "Proximité",
    "share_ref": "Score à la référence", "turnout_ref": "Participation à la référence",
    "comparable": "Comparable à la référence", "volatility": "Volatilité", "undecided": "Indécis",
    "address_points": "Points d'adresse", "electors_per_point": "Électeurs par point d'adresse", "doors": "Portes",
    "doors_per_hour": "Portes par heure", "contacts_per_hour": "Contacts par heure", "mobilisation": "Mobilisation",
    "persuasion": "Persuasion", "net_votes_per_hour": "Votes nets par heure", "priority": "Priorité", "rank": "Rang",
}


class ScoreError(IsoloirError):
    """The scores cannot be computed as asked (unknown election, invalid parameter…)."""


# -- parameters and their sources -------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """A reference the UI can cite: ``citation`` (French), ``url``, and what was checked."""

    citation: str
    url: str = ""
    verified: str = ""


SOURCES: dict[str, Source] = {
    "bhatti2016": Source(
        citation=(
            "Y. Bhatti, J. O. Dahlgaard, J. H. Hansen et K. M. Hansen, « Is Door-to-Door Canvassing Effective "
            "in Europe? Evidence from a Meta-study across Six European Countries », British Journal of Political "
            "Science, publié en ligne le 19 décembre 2016, doi:10.1017/S0007123416000521"
        ),
        url="https://doi.org/10.1017/S0007123416000521",
        verified=(
            "Résumé : l'effet moyen estimé en Europe est « substantiellement plus faible » qu'aux États-Unis, et nul "
            "dans les deux expériences danoises. Introduction : la revue de Green, McGrath et Aronow (71 expériences "
            "américaines) donne un effet moyen de 2,536 points de participation par personne contactée (CACE, "
            "intervalle crédible à 95 % : 1,817–3,255). Le chiffre européen agrégé n'a pas pu être relu ici."
        ),
    ),
    "pons2018": Source(
        citation=(
            "V. Pons, « Will a Five-Minute Discussion Change Your Mind? A Countrywide Experiment on Voter Choice "
            "in France », American Economic Review, 108(6), 2018, p. 1322–1363, doi:10.1257/aer.20160524"
        ),
        url="https://doi.org/10.1257/aer.20160524",
        verified=(
            "Résumé : campagne Hollande 2012, cinq millions de portes, tirage au sort par bureau de vote ; les visites "
            "n'ont pas modifié la participation mais ont augmenté le score de François Hollande au premier tour et "
            "représenté un quart de son avance au second (effet de persuasion, durable)."
        ),
    ),
    "insee_reu2022": Source(
        citation="Insee Focus n° 264, « 48,7 millions d'électeurs inscrits pour l'élection présidentielle 2022 », mars 2022",
        url="https://www.insee.fr/fr/statistiques/6322895",
        verified="47,0 millions d'électeurs français inscrits sur une liste électorale principale communale (France hors Nouvelle-Calédonie).",
    ),
    "insee_rp2022": Source(
        citation="Insee, recensement de la population 2022, tableau FAM T1 « Ménages selon leur composition », France",
        url="https://www.insee.fr/fr/statistiques/8569208?geo=FE-1",
        verified="30 907 289 ménages en 2022 (taille moyenne 2,15 personnes) ; 47,0 M / 30,9 M ≈ 1,52 électeur inscrit par ménage.",
    ),
    "liegey2012": Source(
        citation="G. Liegey, cité par Paris Match, « Le Parti socialiste va frapper à votre porte », 1er mars 2012",
        url="http://soutienfrancoishollande81.blogspot.com/2012/03/le-parti-socialiste-va-frapper-votre.html",
        verified="Les militants « restent de trois à cinq minutes dans chaque foyer » (reprise de l'article de Paris Match).",
    ),
    "assumption": Source(
        citation="Hypothèse modifiable, non tirée d'une étude : à ajuster avec les comptes rendus de vos équipes.",
    ),
}


@dataclass(frozen=True)
class ParameterField:
    """What the UI needs to draw one editable field."""

    name: str
    label: str
    help: str
    unit: str
    default: float
    minimum: float
    maximum: float
    step: float
    sources: tuple[str, ...]  # keys of SOURCES


def _param(default: float, label: str, help: str, unit: str, minimum: float, maximum: float, step: float,
           sources: tuple[str, ...]) -> float:
    return field(default=default, metadata={
        "label": label, "help": help, "unit": unit, "minimum": minimum, "maximum": maximum, "step": step,
        "sources": sources,
    })


@dataclass(frozen=True)
class ScoreParameters:
    """Every figure the scores use; the defaults, their sources and what is only an assumption.

    ``weights`` accepts a mapping ``{score: weight}`` (scores of :data:`SCORES`,
    weights ≥ 0, at least one > 0) and is stored as a sorted tuple so the
    parameters stay hashable (cache keys).
    """

    shrinkage_votes: float = _param(
        50.0, "Lissage des petits bureaux",
        "Poids du score communal de la cible, en voix exprimées fictives : soutien estimé = (voix + k × part "
        "communale) / (exprimés + k). 0 = score brut du bureau.",
        "voix", 0.0, 1000.0, 10.0, ("assumption",))
    electors_per_door: float = _param(
        1.5, "Électeurs inscrits par logement",
        "Sert à estimer le nombre de portes d'un bureau : inscrits / électeurs par logement (au moins une porte "
        "par point d'adresse). 47,0 millions d'inscrits sur les listes principales (2022) pour 30,9 millions de "
        "ménages (2022) ≈ 1,52.",
        "électeurs", 0.5, 5.0, 0.1, ("insee_reu2022", "insee_rp2022"))
    house_density: float = _param(
        1.5, "Densité « pavillons »",
        "Électeurs par point d'adresse en deçà duquel un bureau est traité comme pavillonnaire (un logement par "
        "adresse : même valeur que les électeurs par logement).",
        "électeurs par adresse", 0.5, 20.0, 0.5, ("assumption",))
    building_density: float = _param(
        30.0, "Densité « immeubles »",
        "Électeurs par point d'adresse au-delà duquel un bureau est traité comme un quartier d'immeubles "
        "(environ vingt logements par entrée).",
        "électeurs par adresse", 2.0, 500.0, 5.0, ("assumption",))
    house_doors_per_hour: float = _param(
        10.0, "Portes par heure (pavillons)",
        "Portes frappées en une heure par un militant quand les maisons sont individuelles (marche entre les "
        "portes). Entre les deux densités, interpolation logarithmique.",
        "portes/h", 1.0, 100.0, 1.0, ("assumption", "liegey2012"))
    building_doors_per_hour: float = _param(
        30.0, "Portes par heure (immeubles)",
        "Portes frappées en une heure dans les immeubles denses (paliers : peu de marche).",
        "portes/h", 1.0, 200.0, 1.0, ("assumption", "liegey2012"))
    contact_rate: float = _param(
        0.30, "Taux de contact",
        "Part des portes frappées où une conversation a lieu (quelqu'un ouvre et parle). Hypothèse : mesurez-la "
        "sur vos premières sessions.",
        "part des portes", 0.0, 1.0, 0.05, ("assumption",))
    effect_size: float = _param(
        0.01, "Effet d'un contact sur la participation",
        "Hausse de la probabilité de voter d'un électeur effectivement rencontré. Hypothèse prudente de "
        "1 point : les méta-analyses trouvent 2,5 points aux États-Unis et un effet « substantiellement plus "
        "faible » en Europe ; en France (2012) l'effet mesuré a porté sur le choix de vote, pas sur la "
        "participation.",
        "probabilité de voter", 0.0, 0.2, 0.005, ("assumption", "bhatti2016", "pons2018"))
    weights: Mapping[str, float] | tuple[tuple[str, float], ...] = DEFAULT_WEIGHTS

    def __post_init__(self) -> None:
        raw = self.weights.items() if isinstance(self.weights, Mapping) else self.weights
        try:
            pairs = tuple(sorted((str(k), float(v)) for k, v in raw))
        except (TypeError, ValueError):
            raise ScoreError("les poids doivent être des nombres") from None
        object.__setattr__(self, "weights", pairs)
        self.validate()

    def validate(self) -> None:
        for f in fields(self):
            if f.name == "weights":
                continue
            value = getattr(self, f.name)
            meta = f.metadata
            if not isinstance(value, (int, float)) or math.isnan(value) or not meta["minimum"] <= value <= meta["maximum"]:
                raise ScoreError(
                    f"« {meta['label']} » doit être compris entre {fmt_number(meta['minimum'], 2)} et "
                    f"{fmt_number(meta['maximum'], 2)} (valeur : {value})"
                )
        if self.building_density <= self.house_density:
            raise ScoreError("la densité « immeubles » doit dépasser la densité « pavillons »")
        weights = dict(self.weights)  # type: ignore[arg-type]
        unknown = sorted(set(weights) - set(SCORES))
        if unknown:
            raise ScoreError(f"poids pour un score inconnu : {', '.join(unknown)}")
        if any(not math.isfinite(w) or w < 0 for w in weights.values()):
            raise ScoreError("les poids doivent être positifs ou nuls")
        if sum(weights.values()) <= 0:
            raise ScoreError("au moins un score doit avoir un poids positif")

    def weight_map(self) -> dict[str, float]:
        """``{score: weight}`` for the three scores (0 for a score not given)."""
        given = dict(self.weights)  # type: ignore[arg-type]
        return {score: float(given.get(score, 0.0)) for score in SCORES}

    def with_weights(self, weights: Mapping[str, float]) -> ScoreParameters:
        return replace(self, weights=dict(weights))

    @classmethod
    def editable_fields(cls) -> list[ParameterField]:
        """The numeric parameters with their French label, help, bounds and sources, in display order."""
        out = []
        for f in fields(cls):
            if f.name == "weights":
                continue
            m = f.metadata
            out.append(ParameterField(f.name, m["label"], m["help"], m["unit"], float(f.default), m["minimum"],
                                      m["maximum"], m["step"], m["sources"]))
        return out


# -- pure formulas (arrays in, arrays out) --------------------------------------------------
def _arr(x: object) -> np.ndarray:
    return np.asarray(x, dtype=float)


def estimated_support(target_votes, expressed, prior_share, shrinkage_votes: float, on_ballot=True) -> np.ndarray:
    """``(v + k·p) / (E + k)``; 0 where the target was not on the ballot or nothing is known."""
    v, e, p = _arr(target_votes), _arr(expressed), np.nan_to_num(_arr(prior_share))
    k = float(shrinkage_votes)
    denominator = e + k
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(denominator > 0, (v + k * p) / np.where(denominator > 0, denominator, 1.0), 0.0)
    return np.where(np.asarray(on_ballot, dtype=bool), np.clip(s, 0.0, 1.0), 0.0)


def mobilisation_score(registered, support, abstention) -> np.ndarray:
    """Supporters among the abstainers: ``registered × support × abstention rate``."""
    return _arr(registered) * _arr(support) * _arr(abstention)


def closeness_score(support, rival_share) -> np.ndarray:
    """``1 − |support − rival share|``, in [0, 1] (1 = tie with the main rival)."""
    return np.clip(1.0 - np.abs(_arr(support) - _arr(rival_share)), 0.0, 1.0)


def persuasion_score(registered, closeness, volatility, undecided) -> np.ndarray:
    """``registered × closeness × (volatility + undecided)``."""
    return _arr(registered) * _arr(closeness) * (_arr(volatility) + _arr(undecided))


def doors_per_hour(electors_per_point, house_density: float, building_density: float,
                   house_speed: float, building_speed: float) -> np.ndarray:
    """Doors knocked per hour from the address density, log-linear between the two reference densities."""
    d = np.clip(np.nan_to_num(_arr(electors_per_point), nan=house_density), 1e-9, None)
    t = np.clip((np.log(d) - math.log(house_density)) / (math.log(building_density) - math.log(house_density)), 0.0, 1.0)
    return house_speed + t * (building_speed - house_speed)


def net_votes_per_hour(doors_hour, contact_rate, effect_size, support, rival_share) -> np.ndarray:
    """``doors/h × contact rate × effect × (support − rival share)``: net votes of one hour of canvassing."""
    return _arr(doors_hour) * _arr(contact_rate) * _arr(effect_size) * (_arr(support) - _arr(rival_share))


def percentile_rank(values) -> np.ndarray:
    """Percentile rank in [0, 1]: ``(rank − 1) / (n − 1)``, ties averaged; a single value gets 1."""
    series = pd.Series(_arr(values))
    n = len(series)
    if n == 0:
        return np.zeros(0)
    if n == 1:
        return np.ones(1)
    return ((series.rank(method="average") - 1.0) / (n - 1.0)).to_numpy()


def combine(normalised: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Weighted mean of the normalised score columns (``<score>_pct``)."""
    total = sum(weights.values())
    if total <= 0:
        raise ScoreError("au moins un score doit avoir un poids positif")
    out = pd.Series(0.0, index=normalised.index)
    for score, weight in weights.items():
        if weight:
            out = out + weight * normalised[f"{score}_pct"]
    return out / total


# -- the table ---------------------------------------------------------------------------------
@dataclass
class ScoreTable:
    """Scores per station. ``frame`` has the columns of :data:`COLUMNS`, ordered by station."""

    frame: pd.DataFrame
    formulas: dict[str, str]
    notes: list[str]
    params: ScoreParameters
    election_id: str
    election_label: str
    target_type: str
    target: str
    target_label: str
    reference_id: str | None = None
    reference_label: str | None = None
    seconds: float = 0.0

    def row(self, station_id: str) -> pd.Series:
        hits = self.frame.index[self.frame["station_id"] == station_id]
        if len(hits) == 0:
            raise ScoreError(f"bureau inconnu dans ce tableau : « {station_id} »")
        return self.frame.loc[hits[0]]

    def explain(self, station_id: str) -> list[str]:
        """Each formula with this station's numbers, in French format."""
        return list(self.explain_by_score(station_id).values())

    def explain_by_score(self, station_id: str) -> dict[str, str]:
        r = self.row(station_id)
        p = self.params
        n = len(self.frame)
        rival = r["rival"] if isinstance(r["rival"], str) and r["rival"] else "aucun"
        out: dict[str, str] = {}
        if not r["on_ballot"]:
            out["support"] = "soutien estimé = 0 % (la cible n'avait pas de voix dans ce bureau)"
        elif p.shrinkage_votes > 0:
            out["support"] = (
                f"soutien estimé = ({fmt_number(r['target_votes'])} voix + {fmt_number(p.shrinkage_votes)} × "
                f"{fmt_percent(r['prior_share'])} (part communale)) / ({fmt_number(r['expressed'])} exprimés + "
                f"{fmt_number(p.shrinkage_votes)}) = {fmt_percent(r['support'])}"
            )
        else:
            out["support"] = (
                f"soutien estimé = {fmt_number(r['target_votes'])} voix / {fmt_number(r['expressed'])} exprimés "
                f"= {fmt_percent(r['support'])}"
            )
        if not isinstance(r["rival"], str) or not r["rival"]:
            out["rival"] = "part estimée du principal rival = 0 % (aucun autre candidat dans ce bureau)"
        elif p.shrinkage_votes > 0:
            out["rival"] = (
                f"part estimée du principal rival ({rival}) = ({fmt_number(r['rival_votes'])} voix + "
                f"{fmt_number(p.shrinkage_votes)} × {fmt_percent(r['rival_prior'])} (part communale du rival)) / "
                f"({fmt_number(r['expressed'])} exprimés + {fmt_number(p.shrinkage_votes)}) = {fmt_percent(r['rival_share'])}"
            )
        else:
            out["rival"] = (
                f"part estimée du principal rival ({rival}) = {fmt_number(r['rival_votes'])} voix / "
                f"{fmt_number(r['expressed'])} exprimés = {fmt_percent(r['rival_share'])}"
            )
        out["mobilisation"] = (
            f"mobilisation = {fmt_number(r['registered'])} inscrits × {fmt_percent(r['support'])} (soutien) × "
            f"{fmt_percent(r['abstention'])} (abstention) = {fmt_number(r['mobilisation'], DECIMALS['mobilisation'])}"
        )
        out["closeness"] = (
            f"proximité = 1 − |{fmt_percent(r['support'])} − {fmt_percent(r['rival_share'])} ({rival})| "
            f"= {fmt_percent(r['closeness'])}"
        )
        if r["comparable"]:
            out["volatility"] = (
                f"volatilité = |{fmt_percent(r['share_now'])} − {fmt_percent(r['share_ref'])} (référence)| "
                f"= {fmt_margin(r['volatility'])}"
            )
            swing = f"|{fmt_percent(r['turnout'])} − {fmt_percent(r['turnout_ref'])}| (écart de participation)"
        else:
            out["volatility"] = (
                f"volatilité = {fmt_margin(r['volatility'])} (médiane des bureaux comparables : "
                "pas de référence comparable pour ce bureau)"
            )
            swing = f"{fmt_margin(r['turnout_shift'])} (écart de participation médian)"
        out["undecided"] = (
            f"indécis = {fmt_percent(r['blank_null'])} (blancs et nuls, part des inscrits) + {swing} "
            f"= {fmt_percent(r['undecided'])}"
        )
        out["persuasion"] = (
            f"persuasion = {fmt_number(r['registered'])} inscrits × {fmt_percent(r['closeness'])} (proximité) × "
            f"({fmt_margin(r['volatility'])} + {fmt_percent(r['undecided'])}) "
            f"= {fmt_number(r['persuasion'], DECIMALS['persuasion'])}"
        )
        by = (
            f"{fmt_number(r['address_points'])} points d'adresse" if r["address_points"] > 0
            else "aucune adresse : densité médiane du périmètre"
        )
        out["doors"] = (
            f"portes = max({fmt_number(r['address_points'])} points d'adresse ; {fmt_number(r['registered'])} "
            f"inscrits / {fmt_number(p.electors_per_door, 1)} électeur par logement) = {fmt_number(r['doors'])}"
        )
        out["doors_per_hour"] = (
            f"portes par heure = {fmt_number(r['doors_per_hour'], 1)} pour "
            f"{fmt_number(r['electors_per_point'], 1)} électeurs par point d'adresse ({by}), entre "
            f"{fmt_number(p.house_doors_per_hour)} portes/h ({fmt_number(p.house_density, 1)} électeur par adresse) "
            f"et {fmt_number(p.building_doors_per_hour)} portes/h ({fmt_number(p.building_density)} électeurs par "
            "adresse), interpolation logarithmique"
        )
        out["contacts_per_hour"] = (
            f"contacts par heure = {fmt_number(r['doors_per_hour'], 1)} portes/h × {fmt_percent(p.contact_rate)} "
            f"(taux de contact) = {fmt_number(r['contacts_per_hour'], 1)}"
        )
        out["net_votes_per_hour"] = (
            f"votes nets par heure = {fmt_number(r['doors_per_hour'], 1)} portes/h × {fmt_percent(p.contact_rate)} "
            f"(contact) × {fmt_percent(p.effect_size)} (effet par contact) × ({fmt_percent(r['support'])} − "
            f"{fmt_percent(r['rival_share'])}) (solde partisan) = "
            f"{fmt_number(r['net_votes_per_hour'], DECIMALS['net_votes_per_hour'])}, soit "
            f"{fmt_number(100 * r['net_votes_per_hour'], 1)} voix nettes pour 100 heures"
        )
        weights = p.weight_map()
        used = [(s, w) for s, w in weights.items() if w > 0]
        terms = " + ".join(
            f"{fmt_number(w, 2)} × {fmt_number(r[f'{s}_pct'], 2)} ({SCORES[s].lower()})" for s, w in used
        )
        out["priority"] = (
            f"priorité = ({terms}) / {fmt_number(sum(w for _, w in used), 2)} = "
            f"{fmt_number(r['priority'], DECIMALS['priority'])} — rang {int(r['rank'])} sur {n}"
        )
        return out


# -- reading the warehouse ------------------------------------------------------------------------


def _election(wh: Warehouse, election_id: str) -> pd.Series:
    frame = wh.query("SELECT election_id, label, date, kind, round FROM election WHERE election_id = ?", [election_id])
    if frame.empty:
        raise ScoreError(f"élection inconnue : « {election_id} »")
    return frame.iloc[0]


def _station_counts(wh: Warehouse, election_id: str, communes: tuple[str, ...]) -> pd.DataFrame:
    """Turnout rows of the election in the communes (all their stations), with names and boundary version."""
    frame = wh.query(
        """SELECT t.station_id, t.commune_code, t.bv_code, es.set_id,
                  coalesce(nullif(s.name, ''), nullif(t.station_name, ''), 'Bureau ' || t.bv_code) AS name,
                  coalesce(c.name, t.commune_code) AS commune,
                  t.registered, t.voters, t.abstentions, coalesce(t.blank, 0) AS blank,
                  coalesce(t."null", 0) AS "null", t.expressed
           FROM turnout t
           LEFT JOIN election_station_set es ON es.election_id = t.election_id AND es.commune_code = t.commune_code
           LEFT JOIN station s ON s.station_id = t.station_id AND s.set_id = es.set_id
           LEFT JOIN commune c ON c.commune_code = t.commune_code
           WHERE t.election_id = ? AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], t.commune_code))""",
        [election_id, list(communes), list(communes)],
    )
    return frame.set_index("station_id")


def _votes_by_key(wh: Warehouse, election_id: str, target_type: str, communes: tuple[str, ...]) -> pd.DataFrame:
    """station_id, key, votes: the election's votes summed per target key (candidate, bloc…)."""
    key = target_column(target_type)
    return wh.query(
        f"""SELECT v.station_id, {key} AS key, sum(v.votes)::DOUBLE AS votes
            FROM votes v JOIN turnout t USING (election_id, station_id)
            WHERE v.election_id = ? AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], t.commune_code))
            GROUP BY ALL""",
        [election_id, list(communes), list(communes)],
    )


def _target_bloc(wh: Warehouse, election_id: str, target_type: str, target: str) -> str | None:
    key = target_column(target_type)
    frame = wh.query(
        f"""SELECT v.bloc, sum(v.votes) AS votes FROM votes v WHERE v.election_id = ? AND {key} = ?
            GROUP BY ALL ORDER BY votes DESC, v.bloc LIMIT 1""",
        [election_id, target],
    )
    return None if frame.empty else str(frame["bloc"].iloc[0])


def _bloc_labels(wh: Warehouse) -> dict[str, str]:
    try:
        table = measures.bloc_table(wh)
    except Exception:  # noqa: BLE001 - a warehouse without the bloc grid still scores
        return {}
    return dict(zip(table["bloc"], table["label_fr"]))


def _label(key: str | None, target_type: str, blocs: dict[str, str]) -> str:
    if key is None or (isinstance(key, float) and math.isnan(key)):
        return ""
    return blocs.get(key, key) if target_type == "bloc" else str(key)


def _shares(counts: pd.DataFrame, votes: pd.DataFrame, target: str, shrinkage_votes: float) -> pd.DataFrame:
    """Per station: target votes, on_ballot, prior (commune) share, rival key, votes and prior share.

    Every key's commune share ``p`` is its votes over the votes expressed in the commune's stations
    where it stood; the main rival is the other key with the highest *estimated* share
    ``(v + k·p) / (E + k)`` in the station (the definition of the support, applied to it).
    """
    index = counts.index
    expressed = counts["expressed"].astype(float)
    commune = counts["commune_code"]
    named = votes[votes["key"].notna() & votes["station_id"].isin(index)].copy()
    named["commune"] = named["station_id"].map(commune)
    named["expressed"] = named["station_id"].map(expressed)
    # each key's commune share over the stations where it stood
    stood = named.drop_duplicates(["station_id", "key"])
    pooled = named.groupby(["commune", "key"])["votes"].sum() / stood.groupby(["commune", "key"])["expressed"].sum()
    named["prior"] = pd.MultiIndex.from_frame(named[["commune", "key"]]).map(pooled.replace([np.inf], np.nan))
    named["prior"] = named["prior"].fillna(0.0)
    named["estimated"] = estimated_support(named["votes"], named["expressed"], named["prior"], shrinkage_votes)
    mine = named[named["key"] == target]
    target_votes = mine.groupby("station_id")["votes"].sum()
    on_ballot = index.isin(target_votes.index)
    out = pd.DataFrame(index=index)
    out["target_votes"] = target_votes.reindex(index).fillna(0.0).to_numpy()
    out["on_ballot"] = on_ballot
    others = named[named["key"] != target]
    best = others.sort_values(["station_id", "estimated", "votes", "key"], ascending=[True, False, False, True])
    best = best.drop_duplicates("station_id").set_index("station_id")
    out["rival_key"] = best["key"].reindex(index)
    out["rival_votes"] = best["votes"].reindex(index).fillna(0.0)
    out["rival_prior"] = best["prior"].reindex(index).fillna(0.0)
    ballot_expressed = expressed.where(on_ballot, 0.0).groupby(commune).sum()
    ballot_votes = out["target_votes"].groupby(commune).sum()
    prior = (ballot_votes / ballot_expressed.where(ballot_expressed > 0)).fillna(0.0)
    out["prior_share"] = commune.map(prior).fillna(0.0).to_numpy()
    return out


def default_reference(wh: Warehouse, election_id: str, scope: Scope) -> str | None:
    """The reference election used when none is given.

    The latest election before ``election_id`` (by date) with results in scope,
    of the same kind and round when there is one, else the latest earlier one
    of any kind. None when nothing earlier exists.
    """
    catalogue = measures.elections(wh, scope)
    chosen = catalogue[catalogue["election_id"] == election_id]
    if chosen.empty or pd.isna(chosen["date"].iloc[0]):
        return None
    date = chosen["date"].iloc[0]
    earlier = catalogue[catalogue["date"].notna() & (catalogue["date"] < date)]
    if earlier.empty:
        return None
    kind, rnd = chosen["kind"].iloc[0], chosen["round"].iloc[0]
    same_round = earlier["round"].isna() if pd.isna(rnd) else earlier["round"] == rnd
    same = earlier[(earlier["kind"] == kind) & same_round]
    pick = same if not same.empty else earlier
    return str(pick.sort_values(["date", "election_id"])["election_id"].iloc[-1])


def _carry(values: pd.Series, mapping: pd.DataFrame) -> pd.Series:
    """Reference counts carried onto the chosen election's stations: Σ weight × count."""
    joined = mapping.assign(count=mapping["from_station_id"].map(values))
    joined = joined[joined["count"].notna()]
    return (joined["weight"].astype(float) * joined["count"].astype(float)).groupby(joined["to_station_id"]).sum()


def _short_list(ids: list[str]) -> str:
    return ", ".join(ids[:8]) + (" …" if len(ids) > 8 else "")


def _reference(
    wh: Warehouse, election_id: str, reference_id: str, target_type: str, target: str, scope: Scope,
    frame: pd.DataFrame, current_votes: pd.DataFrame, blocs: dict[str, str], drawn: pd.DataFrame,
) -> tuple[pd.DataFrame, list[str]]:
    """share_now, share_ref, turnout_ref, comparable per station of ``frame`` (indexed by station_id)."""
    notes: list[str] = []
    communes = scope.communes
    ref_counts = _station_counts(wh, reference_id, communes)
    ref_votes = _votes_by_key(wh, reference_id, target_type, communes)
    key, now_votes = target, current_votes
    if target_type != "bloc" and not (ref_votes["key"] == target).any():
        bloc = _target_bloc(wh, election_id, target_type, target)
        if bloc is not None:
            ref_votes = _votes_by_key(wh, reference_id, "bloc", communes)
            now_votes = _votes_by_key(wh, election_id, "bloc", communes)
            key = bloc
            notes.append(
                f"« {target} » est absent de l'élection de référence : la volatilité compare le score du "
                f"bloc « {blocs.get(bloc, bloc)} »."
            )
    now_target = now_votes[now_votes["key"] == key].groupby("station_id")["votes"].sum()
    share_now = now_target.reindex(frame.index).fillna(0.0) / frame["expressed"].where(frame["expressed"] > 0)
    ref_target = ref_votes[ref_votes["key"] == key].groupby("station_id")["votes"].sum()
    mapping, not_comparable = measures.comparable_stations(wh, reference_id, election_id, drawn)
    carried = {
        name: _carry(values, mapping)
        for name, values in {
            "target": ref_target.reindex(ref_counts.index).fillna(0.0),
            "expressed": ref_counts["expressed"].astype(float),
            "voters": ref_counts["voters"].astype(float),
            "registered": ref_counts["registered"].astype(float),
        }.items()
    }
    idx = frame.index
    expressed = carried["expressed"].reindex(idx)
    registered = carried["registered"].reindex(idx)
    out = pd.DataFrame(index=idx)
    out["share_now"] = share_now
    out["share_ref"] = carried["target"].reindex(idx) / expressed.where(expressed > 0)
    out["turnout_ref"] = carried["voters"].reindex(idx) / registered.where(registered > 0)
    refused = set(not_comparable["station_id"])
    mapped = set(mapping["to_station_id"])
    out["comparable"] = (
        idx.isin(list(mapped)) & ~idx.isin(list(refused)) & out["share_ref"].notna().to_numpy()
        & out["turnout_ref"].notna().to_numpy() & out["share_now"].notna().to_numpy()
    )
    lost = sorted(set(idx) - set(out.index[out["comparable"]]))
    if lost:
        reasons = dict(zip(not_comparable["station_id"], not_comparable["reason"]))
        def reason(station: str) -> str:
            if station in reasons:
                return str(reasons[station])
            return "aucun suffrage exprimé" if station in mapped else "pas de correspondance dans la référence"

        detail = "; ".join(f"{s} ({reason(s)})" for s in lost[:8])
        notes.append(
            f"{len(lost)} bureau(x) sans référence comparable : volatilité et écart de participation remplacés par "
            f"la médiane des bureaux comparables — {detail}{' …' if len(lost) > 8 else ''}."
        )
    return out, notes


def _address_points(wh: Warehouse, station_ids: list[str]) -> pd.Series:
    frame = wh.query(
        """SELECT station_id, count(DISTINCT ban_id) AS points FROM address
           WHERE list_contains(?::VARCHAR[], station_id) GROUP BY ALL""",
        [station_ids],
    )
    return frame.set_index("station_id")["points"].astype(float)


def _natural_order(frame: pd.DataFrame) -> np.ndarray:
    """Position of each row in station order: commune code, then polling-station number, then id."""
    bv = frame["station_id"].str.split("_", n=1).str[1].fillna("")
    number = pd.to_numeric(bv, errors="coerce").fillna(np.inf).to_numpy()
    commune = frame["station_id"].str.split("_", n=1).str[0].to_numpy()
    order = np.lexsort((frame["station_id"].to_numpy(), number, commune))
    position = np.empty(len(frame), dtype=int)
    position[order] = np.arange(len(frame))
    return position


def _rank(values: np.ndarray, tie_position: np.ndarray) -> np.ndarray:
    """1 = highest value; ties broken by ``tie_position`` (lower first)."""
    order = np.lexsort((tie_position, -np.nan_to_num(values, nan=-np.inf)))
    rank = np.empty(len(values), dtype=int)
    rank[order] = np.arange(1, len(values) + 1)
    return rank


def _formulas(params: ScoreParameters) -> dict[str, str]:
    k = fmt_number(params.shrinkage_votes)
    weights = params.weight_map()
    weighted = " + ".join(f"{fmt_number(w, 2)} × rang centile {SCORES[s].lower()}" for s, w in weights.items() if w > 0)
    return {
        "support": f"soutien estimé = (voix de la cible + {k} × part de la cible dans la commune) / (exprimés + {k})",
        "mobilisation": "mobilisation = inscrits × soutien estimé × abstention",
        "rival": (
            f"part estimée du principal rival = (voix du rival + {k} × part du rival dans la commune) / (exprimés + {k}) ; "
            "rival = l'autre cible de même type à la plus forte part estimée dans le bureau"
        ),
        "closeness": "proximité = 1 − |soutien estimé − part estimée du principal rival|",
        "volatility": (
            "volatilité = |part de la cible − part de la cible à l'élection de référence| "
            "(bureaux comparables ; sinon médiane des bureaux comparables)"
        ),
        "undecided": (
            "indécis = (blancs + nuls) / inscrits + |participation − participation à l'élection de référence| "
            "(participation = votants / inscrits : tout en part des inscrits)"
        ),
        "persuasion": "persuasion = inscrits × proximité × (volatilité + indécis)",
        "doors": "portes = max(points d'adresse ; inscrits / électeurs par logement)",
        "doors_per_hour": (
            f"portes par heure = de {fmt_number(params.house_doors_per_hour)} (≤ {fmt_number(params.house_density, 1)} "
            f"électeur par point d'adresse) à {fmt_number(params.building_doors_per_hour)} "
            f"(≥ {fmt_number(params.building_density)} électeurs par point d'adresse), interpolation logarithmique"
        ),
        "contacts_per_hour": "contacts par heure = portes par heure × taux de contact",
        "net_votes_per_hour": (
            "votes nets par heure = portes par heure × taux de contact × effet par contact × "
            "(soutien estimé − part estimée du principal rival)"
        ),
        "priority": (
            f"priorité = ({weighted}) / {fmt_number(sum(weights.values()), 2)} ; rang centile = (rang − 1) / "
            "(nombre de bureaux − 1), de 0 (le plus faible) à 1 (le plus fort)"
        ),
    }


def _empty_table(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})


def compute_scores(
    wh: Warehouse,
    election_id: str,
    target_type: str,
    target: str,
    scope: Scope,
    reference_id: str | None = None,
    params: ScoreParameters = ScoreParameters(),
) -> ScoreTable:
    """Scores of every station of ``scope`` with results for ``election_id`` (see the module docstring).

    ``reference_id``: the earlier election of the volatility and turnout swing;
    None picks :func:`default_reference`. Never fails on missing data: the
    gaps are filled as documented and listed in ``notes``.
    """
    started = time.perf_counter()
    if target_type not in TARGET_COLUMNS:
        raise ScoreError(f"type de cible inconnu : « {target_type} »")
    if not target:
        raise ScoreError("choisissez un candidat, une liste, une nuance ou un bloc")
    params.validate()
    election = _election(wh, election_id)
    blocs = _bloc_labels(wh)
    target_label = _label(target, target_type, blocs)
    notes: list[str] = []
    auto_reference = reference_id is None
    if auto_reference:
        reference_id = default_reference(wh, election_id, scope)
    elif reference_id == election_id:
        raise ScoreError("l'élection de référence doit différer de l'élection étudiée")
    reference_label = str(_election(wh, reference_id)["label"]) if reference_id else None

    counts = _station_counts(wh, election_id, scope.communes)
    votes = _votes_by_key(wh, election_id, target_type, scope.communes)
    shares = _shares(counts, votes, target, params.shrinkage_votes)
    frame = counts.join(shares)
    if scope.stations is not None:
        frame = frame[frame.index.isin(list(scope.stations))]
    formulas = _formulas(params)
    if frame.empty:
        notes.append("aucun bureau de ce périmètre n'a de résultats pour cette élection")
        empty = _empty_table(COLUMNS + EXTRA_COLUMNS)
        return ScoreTable(empty, formulas, notes, params, election_id, str(election["label"]), target_type, target,
                          target_label, reference_id, reference_label, time.perf_counter() - started)

    registered = frame["registered"].astype(float)
    voters = frame["voters"].astype(float)
    expressed = frame["expressed"].astype(float)
    frame["abstention"] = (frame["abstentions"].astype(float) / registered.where(registered > 0)).fillna(0.0).clip(0, 1)
    frame["turnout"] = (voters / registered.where(registered > 0)).fillna(0.0).clip(0, 1)
    # blank and null on the registered base, like the turnout swing they are added to in « indécis »
    frame["blank_null"] = ((frame["blank"] + frame["null"]).astype(float) / registered.where(registered > 0)).fillna(0.0)
    frame["support_raw"] = frame["target_votes"] / expressed.where(expressed > 0)
    frame["support"] = estimated_support(frame["target_votes"], expressed, frame["prior_share"], params.shrinkage_votes,
                                         frame["on_ballot"])
    # the rival's share has the support's definition: shrunk toward its own commune share
    frame["rival_share"] = estimated_support(frame["rival_votes"], expressed, frame["rival_prior"],
                                             params.shrinkage_votes, frame["rival_key"].notna())
    frame["rival"] = [_label(k, target_type, blocs) for k in frame["rival_key"]]
    frame["balance"] = frame["support"] - frame["rival_share"]
    frame["closeness"] = closeness_score(frame["support"], frame["rival_share"])
    if not frame["on_ballot"].any():
        notes.append(f"« {target_label} » n'a aucune voix dans ce périmètre pour cette élection : soutien nul partout.")
    elif not frame["on_ballot"].all():
        missing = sorted(frame.index[~frame["on_ballot"]])
        notes.append(
            f"{len(missing)} bureau(x) où « {target_label} » n'avait pas de voix (pas candidat) : soutien estimé nul — "
            f"{_short_list(missing)}."
        )

    # volatility and turnout swing against the reference election, comparable stations only
    drawn = measures.drawn_stations(wh, election_id, scope)
    if reference_id:
        ref, ref_notes = _reference(wh, election_id, reference_id, target_type, target, scope, frame, votes, blocs, drawn)
        how = " (choisie automatiquement : la plus récente avant l'élection étudiée)" if auto_reference else ""
        notes.append(f"Élection de référence : {reference_label}{how}.")
        notes.extend(ref_notes)
        frame["share_now"] = ref["share_now"]
        frame["share_ref"] = ref["share_ref"]
        frame["turnout_ref"] = ref["turnout_ref"]
        frame["comparable"] = ref["comparable"].astype(bool)
        frame["share_swing"] = (ref["share_now"] - ref["share_ref"]).where(frame["comparable"])
        frame["turnout_swing"] = (frame["turnout"] - frame["turnout_ref"]).where(frame["comparable"])
    else:
        notes.append("Pas d'élection de référence antérieure : volatilité et écart de participation comptés à 0.")
        for column in ("share_now", "share_ref", "turnout_ref", "share_swing", "turnout_swing"):
            frame[column] = np.nan
        frame["comparable"] = False
    share_fill = frame["share_swing"].abs().median()
    turnout_fill = frame["turnout_swing"].abs().median()
    if reference_id and not frame["comparable"].any():
        notes.append("Aucun bureau comparable avec l'élection de référence : volatilité et écart de participation comptés à 0.")
    frame["volatility"] = frame["share_swing"].abs().fillna(0.0 if pd.isna(share_fill) else share_fill)
    # turnout_shift: the |turnout swing| used (imputed where not comparable; the swing itself stays NaN there)
    frame["turnout_shift"] = frame["turnout_swing"].abs().fillna(0.0 if pd.isna(turnout_fill) else turnout_fill)
    frame["undecided"] = frame["blank_null"] + frame["turnout_shift"]

    # canvassing: doors, doors per hour, contacts per hour
    points = _address_points(wh, list(frame.index)).reindex(frame.index).fillna(0.0)
    frame["address_points"] = points
    density = (registered / points.where(points > 0))
    without = sorted(frame.index[points <= 0])
    if without:
        known = density.dropna()
        fallback = float(known.median()) if not known.empty else math.sqrt(params.house_density * params.building_density)
        density = density.fillna(fallback)
        origin = "médiane des bureaux avec adresses" if not known.empty else "densité intermédiaire par défaut"
        notes.append(
            f"{len(without)} bureau(x) sans adresse REU : portes estimées à partir des inscrits, vitesse de "
            f"porte-à-porte avec {fmt_number(fallback, 1)} électeurs par point d'adresse ({origin}) — "
            f"{_short_list(without)}."
        )
    frame["electors_per_point"] = density
    frame["doors"] = np.maximum(points, np.ceil(registered / params.electors_per_door))
    frame["doors_per_hour"] = doors_per_hour(density, params.house_density, params.building_density,
                                             params.house_doors_per_hour, params.building_doors_per_hour)
    frame["contacts_per_hour"] = frame["doors_per_hour"] * params.contact_rate

    frame["mobilisation"] = mobilisation_score(registered, frame["support"], frame["abstention"])
    frame["persuasion"] = persuasion_score(registered, frame["closeness"], frame["volatility"], frame["undecided"])
    frame["net_votes_per_hour"] = net_votes_per_hour(frame["doors_per_hour"], params.contact_rate, params.effect_size,
                                                     frame["support"], frame["rival_share"])

    frame = frame.reset_index()
    frame = frame.iloc[np.argsort(_natural_order(frame))].reset_index(drop=True)
    frame = _prioritise(frame, params.weight_map())
    frame = frame[COLUMNS + EXTRA_COLUMNS]
    no_results = sorted(set(drawn["station_id"]) - set(frame["station_id"]))
    if no_results:
        notes.append(f"{len(no_results)} bureau(x) dessiné(s) sans résultats pour cette élection (non notés) : {_short_list(no_results)}.")
    return ScoreTable(frame, formulas, notes, params, election_id, str(election["label"]), target_type, target,
                      target_label, reference_id, reference_label, time.perf_counter() - started)


def _prioritise(frame: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    frame = frame.copy()
    for score in SCORES:
        frame[f"{score}_pct"] = percentile_rank(frame[score])
    frame["priority"] = combine(frame, weights).to_numpy()
    frame["rank"] = _rank(frame["priority"].to_numpy(), _natural_order(frame))
    return frame


def reprioritise(table: ScoreTable, weights: Mapping[str, float]) -> ScoreTable:
    """The same table with other weights (no warehouse access): priority, rank and formulas updated."""
    params = table.params.with_weights(weights)
    frame = _prioritise(table.frame, params.weight_map())
    return replace(table, frame=frame, params=params, formulas=_formulas(params))


def top_targets(table: ScoreTable, n: int = 10, by: str = "priority") -> pd.DataFrame:
    """The ``n`` best stations by ``by`` (highest first; ties broken by station id), with a ``position`` column."""
    frame = table.frame
    if by not in frame.columns or by in ("station_id", "name", "commune", "rival", "set_id"):
        raise ScoreError(f"classement impossible sur « {by} »")
    if frame.empty:
        return frame.assign(position=pd.Series(dtype=int))
    rank = _rank(frame[by].astype(float).to_numpy(), _natural_order(frame))
    out = frame.assign(position=rank).sort_values("position").head(max(int(n), 0))
    return out.reset_index(drop=True)


_NUMBER = re.compile(r"[−-]?[\d\u202f]+(?:,\d+)?")


def parse_fr_number(text: str) -> float:
    """``"1 071,5"`` → 1071.5 (for tests and UI round trips of the French formats)."""
    match = _NUMBER.search(text)
    if not match:
        raise ValueError(text)
    return float(match.group(0).replace("\u202f", "").replace(",", ".").replace("−", "-"))
