"""What a map measure is: the kinds, targets and bases a user can pick, the ``Measure`` asked for
and the ``MeasureResult`` computed (values per station or IRIS). Shared by ``measures`` (per station)
and ``iris_measures`` (per IRIS, and the INSEE indicator estimated per station)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from dashboard.errors import IsoloirError

KINDS: dict[str, str] = {
    "turnout": "Participation",
    "abstention": "Abstention",
    "share": "Score",
    "winner": "En tête",
    "margin": "Écart entre les deux premiers",
    "blank_null": "Blancs et nuls",
    "blank": "Blancs",
    "null": "Nuls",
    "swing_share": "Évolution d'un score",
    "swing_turnout": "Évolution de la participation",
    "indicator": "Indicateur INSEE (estimé par bureau)",
    "voters": "Électeurs de la liste électorale importée",
}
# Kinds computed from the campaign store's personal data (counts only): offered and drawn only for the
# roles that may see personal-data aggregates (``view_personal_data``), never cached across users.
PERSONAL_KINDS = frozenset({"voters"})
TARGET_TYPES: dict[str, str] = {"bloc": "Bloc politique", "candidate": "Candidat ou liste", "nuance": "Nuance", "list": "Liste (libellé)"}
# Target type -> the votes column it is read from (``v``: the ``votes`` table). A candidate without a
# nuance or a list label stands for itself, so nothing is dropped from a grouping by nuance or list.
# The one copy: the map, the scores and the ecological inference all read it (``target_column``).
TARGET_COLUMNS: dict[str, str] = {
    "bloc": "v.bloc",
    "candidate": "v.candidate",
    "nuance": "coalesce(v.nuance, v.candidate)",
    "list": "coalesce(v.list_label, v.candidate)",
}
BASES: dict[str, str] = {"expressed": "des exprimés", "registered": "des inscrits"}
NEEDS_TARGET = frozenset({"share", "swing_share"})
SWINGS = frozenset({"swing_share", "swing_turnout"})
# How an INSEE indicator is shown (IRIS layer, or estimated per station by the "indicator" kind).
INDICATOR_MODES: dict[str, str] = {"value": "valeur", "share": "part de sa population de référence", "density": "par km²"}



class MeasureError(IsoloirError):
    """The measure cannot be computed as asked (unknown election, missing target…)."""


@dataclass(frozen=True)
class Measure:
    kind: str = "turnout"
    election_id: str = ""
    target_type: str = "bloc"
    target: str | None = None
    base: str = "expressed"
    reference_id: str | None = None  # the earlier election of a swing
    indicator: str | None = None  # the INSEE variable of the "indicator" kind (e.g. P16_ACT1564)
    indicator_year: int = 0
    indicator_mode: str = "value"  # one of INDICATOR_MODES

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise MeasureError(f"mesure inconnue : « {self.kind} »")
        if self.target_type not in TARGET_TYPES:
            raise MeasureError(f"type de cible inconnu : « {self.target_type} »")
        if self.base not in BASES:
            raise MeasureError(f"base inconnue : « {self.base} »")
        if self.kind in NEEDS_TARGET and not self.target:
            raise MeasureError("choisissez un candidat, une liste, une nuance ou un bloc")
        if self.kind in SWINGS and not self.reference_id:
            raise MeasureError("choisissez l'élection de référence de l'évolution")
        if self.kind in SWINGS and self.reference_id == self.election_id:
            raise MeasureError("l'élection de référence doit différer de l'élection affichée")
        if self.kind == "indicator" and not self.indicator:
            raise MeasureError("choisissez un indicateur INSEE")
        if self.indicator_mode not in INDICATOR_MODES:
            raise MeasureError(f"mode d'indicateur inconnu : « {self.indicator_mode} »")


@dataclass
class MeasureResult:
    """``frame``: station_id, set_id, commune_code, bv_code, name, value, text, category
    (the IRIS layer: code_iris, name, value, text, category; the "indicator" kind adds
    method and uncertainty)."""

    frame: pd.DataFrame
    title: str
    unit: str  # "ratio" (0..1), "points" (difference of ratios), "value", "density" (per km²)
    diverging: bool = False
    categories: list[tuple[str, str, str]] = field(default_factory=list)  # (key, label, bloc "#rrggbb") for "winner"
    category_blocs: dict[str, str] = field(default_factory=dict)  # "winner": each category's bloc label
    notes: list[str] = field(default_factory=list)
    legend_notes: list[str] = field(default_factory=list)  # how the values were obtained, shown in the legend
    not_comparable: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["station_id", "bv_code", "name", "reason"]))


def target_column(target_type: str) -> str:
    """The SQL expression of a target type's key in the ``votes`` table aliased ``v`` (fixed strings only)."""
    try:
        return TARGET_COLUMNS[target_type]
    except KeyError:
        raise MeasureError(f"type de cible inconnu : « {target_type} »") from None
