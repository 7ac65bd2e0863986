"""Lawful segmentation of the electoral list: by station, street, age band and sex only.

The CNIL's 2020 checks of political prospecting software (seed 001) and its guidance on the
electoral list allow a candidate to sort and select voters by what the list says of their place
and age, to organise a campaign; they forbid using it to infer what the GDPR protects, above all
an origin (article 9: « origine raciale ou ethnique »). Filtering or sorting by the consonance of a
name, by birthplace or by nationality serves nothing but that inference: :func:`check_criteria`
refuses it with the CNIL's reason, in French, whatever the spelling of the criterion
(:data:`REFUSED`), and the callers (store, CLI, page) audit the refusal.

Pure: frames in, frames out; the store opens the sealed columns first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from dashboard.errors import IsoloirError

# criterion -> French label
LAWFUL: dict[str, str] = {
    "station": "bureau de vote",
    "street": "rue",
    "age_band": "tranche d'âge",
    "sex": "sexe",
}
# spellings of the criteria refused -> what they are (French); compared after folding
REFUSED: dict[str, str] = {
    "name": "le nom", "nom": "le nom", "surname": "le nom", "last_name": "le nom", "first_name": "le prénom",
    "prenom": "le prénom", "consonance": "la consonance du nom", "name_consonance": "la consonance du nom",
    "name_origin": "l'origine du nom", "origine": "l'origine", "origin": "l'origine", "ethnicity": "l'origine",
    "ethnie": "l'origine", "birthplace": "le lieu de naissance", "birth_place": "le lieu de naissance",
    "lieu_naissance": "le lieu de naissance", "lieu_de_naissance": "le lieu de naissance",
    "pays_naissance": "le pays de naissance", "country_of_birth": "le pays de naissance",
    "nationality": "la nationalité", "nationalite": "la nationalité", "list_kind": "la liste complémentaire",
    "religion": "la religion",
}
# a part of a criterion's name -> what it is (any spelling: "consonance du nom", "pays_de_naissance"…)
_REFUSED_WORDS = (("consonan", "la consonance du nom"), ("naissance", "le lieu de naissance"), ("birth", "le lieu de naissance"),
                  ("nationa", "la nationalité"), ("origin", "l'origine"), ("ethni", "l'origine"), ("patronym", "le nom"),
                  ("religi", "la religion"))
CNIL_REASON = (
    "Refusé : {what} ne peut pas servir à trier ou filtrer les électeurs. La CNIL (contrôles des logiciels de "
    "prospection politique, 2020) rappelle que la liste électorale ne doit servir qu'à la communication politique et "
    "interdit d'en déduire l'origine des personnes (nom, lieu de naissance, nationalité) : c'est une donnée sensible "
    "(article 9 du RGPD) que le candidat ne peut pas traiter. Segmentations permises : bureau de vote, rue, "
    "tranche d'âge, sexe."
)
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("18-24", 0, 24), ("25-34", 25, 34), ("35-49", 35, 49), ("50-64", 50, 64), ("65-79", 65, 79), ("80+", 80, None),
)
SEXES: dict[str, str] = {"F": "femmes", "M": "hommes"}


class UnlawfulSegmentation(IsoloirError):
    """A segmentation the CNIL forbids; ``criterion`` is the name asked for (audited, never a value)."""

    def __init__(self, criterion: str, what: str) -> None:
        super().__init__(CNIL_REASON.format(what=what))
        self.criterion = criterion


class SegmentError(IsoloirError):
    """A lawful criterion with a value that does not exist (unknown age band, sex)."""


@dataclass(frozen=True)
class Criteria:
    """What to keep (None: everyone); ``street`` is compared folded and as a part of the street's name."""

    station: str | None = None
    street: str | None = None
    age_band: str | None = None
    sex: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("station", self.station), ("street", self.street), ("age_band", self.age_band),
                                  ("sex", self.sex)) if v}


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().strip().replace(" ", "_").replace("-", "_")


def check_criteria(asked: dict[str, object]) -> Criteria:
    """The criteria of a request, or :class:`UnlawfulSegmentation` (CNIL's reason) / :class:`SegmentError`."""
    for key in asked:
        folded = _fold(str(key))
        if folded in REFUSED:
            raise UnlawfulSegmentation(str(key), REFUSED[folded])
        for word, what in _REFUSED_WORDS:
            if word in folded:
                raise UnlawfulSegmentation(str(key), what)
    unknown = [str(k) for k in asked if str(k) not in LAWFUL]
    if unknown:
        raise SegmentError(f"critère inconnu : {', '.join(unknown)} (permis : {', '.join(LAWFUL)})")
    values = {k: (str(v).strip() if v not in (None, "") else None) for k, v in asked.items()}
    band = values.get("age_band")
    if band is not None and band not in {b for b, _, _ in AGE_BANDS}:
        raise SegmentError(f"tranche d'âge inconnue : « {band[:20]} » (possibles : {', '.join(b for b, _, _ in AGE_BANDS)})")
    sex = values.get("sex")
    if sex is not None:
        sex = sex.upper()[:1]
        if sex not in SEXES:
            raise SegmentError("sexe : F ou M")
    return Criteria(station=values.get("station"), street=values.get("street"), age_band=band, sex=sex)


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(born: date, on: date) -> str:
    """The band of the age reached on ``on`` (the election day)."""
    age = age_on(born, on)
    for band, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return band
    return AGE_BANDS[0][0]  # pragma: no cover - the first band starts at 0


def segment(voters: pd.DataFrame, criteria: Criteria, on: date, street_key: Callable[[str], str] | None = None) -> pd.DataFrame:
    """The voters (columns ``station_id``, ``street``, ``number_sort``, ``birth_date`` (date), ``sex``) kept by
    ``criteria``, with their ``age_band``, sorted by station, street and number: walking order, never by name.

    ``street_key``: how street names compare (the caller's normalisation: « Av. » = « Avenue »); by default
    folded case and accents. The criterion keeps the streets whose key holds the asked one."""
    frame = voters.copy()
    frame["age_band"] = [age_band(b, on) for b in frame["birth_date"]] if len(frame) else pd.Series(dtype=object)
    key = street_key or (lambda text: _fold(text).replace("_", " "))
    frame["street_sort"] = [key(str(s)) for s in frame["street"]]
    keep = pd.Series(True, index=frame.index)
    if criteria.station:
        keep &= frame["station_id"] == criteria.station
    if criteria.street:
        wanted = key(criteria.street)
        keep &= frame["street_sort"].map(lambda s: wanted in s)
    if criteria.age_band:
        keep &= frame["age_band"] == criteria.age_band
    if criteria.sex:
        keep &= frame["sex"] == criteria.sex
    return frame[keep].sort_values(["station_id", "street_sort", "number_sort"], kind="stable").reset_index(drop=True)


def counts(selected: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Counts of a selection by station, age band and sex (what every role allowed aggregates may read)."""
    return {
        "station_id": {str(k): int(v) for k, v in selected["station_id"].value_counts().sort_index().items()},
        "age_band": {b: int((selected["age_band"] == b).sum()) for b, _, _ in AGE_BANDS},
        "sex": {s: int((selected["sex"] == s).sum()) for s in SEXES},
    }
