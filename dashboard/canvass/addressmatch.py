"""Offline address matching: the addresses of an electoral list to the REU/BAN addresses of the warehouse.

No network: the warehouse's ``address`` table is the reference. Street names are compared through
one key (:func:`dashboard.ingest.street_names.street_key`): no accents, lower case, punctuation as spaces, abbreviations written
out (« av. » → avenue, « bd » → boulevard, « st » → saint, :data:`ABBREVIATIONS`), articles and
« de » dropped. Numbers are parsed with :mod:`dashboard.canvass.housenumbers` (``12 bis``, ``12B``).

Each address gets one of these, always within its own commune (an address given with another
commune's postcode or name is not looked for elsewhere):

==================  =====  ==========================================================================
method              score  when
==================  =====  ==========================================================================
``exacte``          100    same street key, same number and suffix
``sans_suffixe``    95     same street key and number, the suffix (bis, ter…) missing on one side
``approchee``       s      the street key is the nearest of the commune by rapidfuzz's ``ratio``
                           (``s`` = that similarity, ≥ :data:`REVIEW_SCORE`), same number;
                           − 5 when the suffix is missing on one side
``voie_seule``      s/2    street found, number absent from it: the street's nearest number is proposed
``aucune``          0      no street near enough, no number, or another commune
==================  =====  ==========================================================================

A score ≥ :data:`AUTO_SCORE` (90) is matched automatically; from :data:`REVIEW_SCORE` (80) to 90 the
proposal is **doubtful** and waits for a person (listed for review, not used); below, **unmatched**.
Nothing under 90 is ever used without a decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from dashboard.canvass.housenumbers import parse_housenumber
from dashboard.ingest.street_names import ABBREVIATIONS, fold, street_key

AUTO_SCORE = 90.0
REVIEW_SCORE = 80.0
STREET_TYPES = frozenset({
    "rue", "avenue", "boulevard", "place", "impasse", "chemin", "allee", "route", "square", "quai", "cours",
    "faubourg", "residence", "lotissement", "passage", "promenade", "sentier", "voie", "ruelle", "cite", "hameau",
    "lieu", "mail", "parvis", "esplanade", "rond", "venelle", "villa", "clos",
})
METHOD_LABELS: dict[str, str] = {
    "exacte": "exacte",
    "sans_suffixe": "sans bis/ter",
    "approchee": "voie approchée",
    "voie_seule": "numéro absent de la voie",
    "aucune": "aucune",
}
STATUS_LABELS: dict[str, str] = {
    "auto": "rapprochée",
    "doubtful": "douteuse (à revoir)",
    "unmatched": "non rapprochée",
    "reviewed": "choisie à la relecture",
    "left": "laissée sans adresse",
}


def street_core(key: str) -> str:
    """A street key without its type (``"avenue general gaulle"`` → ``"general gaulle"``): for a wrong type."""
    words = key.split()
    return " ".join(words[1:]) if len(words) > 1 and words[0] in STREET_TYPES else key


def city_key(text: object) -> str:
    """A commune name's comparison key (``"St-Denis"`` → ``"saint denis"``)."""
    return " ".join(ABBREVIATIONS.get(w, w) if w in ("st", "ste") else w for w in fold(text).split())


@dataclass(frozen=True)
class _Door:
    address_id: str
    station_id: str
    label: str


@dataclass
class _Street:
    label: str
    doors: dict[tuple[int, str], list[_Door]]

    def number(self, base: int, suffix: str) -> tuple[list[_Door], bool] | None:
        """Doors at ``base suffix`` (exact: True), else at ``base`` with the suffix differing on one side."""
        if (base, suffix) in self.doors:
            return self.doors[(base, suffix)], True
        if suffix and (base, "") in self.doors:
            return self.doors[(base, "")], False
        if not suffix:
            for (b, s), doors in self.doors.items():
                if b == base and s:
                    return doors, False
        return None

    def nearest(self, base: int) -> list[_Door]:
        same_side = [k for k in self.doors if k[0] % 2 == base % 2] or list(self.doors)
        return self.doors[min(same_side, key=lambda k: (abs(k[0] - base), k[1]))]


@dataclass
class _Commune:
    streets: dict[str, _Street]
    cores: dict[str, list[str]]
    postcodes: set[str]
    cities: set[str]


@dataclass(frozen=True)
class Match:
    """Where one address of the list was found (or not)."""

    address_id: str | None  # the REU address (``<BAN id>@<station_id>``) when ``status`` is ``auto``; None otherwise
    candidate_id: str | None  # the proposal (matched or doubtful), for the review
    candidate_label: str
    score: float
    method: str
    status: str  # auto, doubtful, unmatched
    reason_fr: str


class AddressIndex:
    """The warehouse's addresses of some communes, indexed by commune, street key and number.

    ``addresses``: frame of ``address_id``, ``commune_code``, ``station_id``, ``label``,
    ``housenumber``, ``street``, ``postcode``, ``city`` (the ``address`` table). An address
    geocoded at the street only (no number) serves no door and is left out."""

    def __init__(self, addresses: pd.DataFrame) -> None:
        self.communes: dict[str, _Commune] = {}
        frame = addresses.reset_index(drop=True)
        street_text = frame["street"].where(frame["street"].notna() & (frame["street"] != ""), None)
        keys_cache: dict[str, str] = {}
        for row in zip(frame["address_id"], frame["commune_code"], frame["station_id"], frame["label"],
                       frame["housenumber"], street_text, frame["postcode"], frame["city"], strict=True):
            address_id, commune, station, label, number, street, postcode, city = row
            entry = self.communes.setdefault(str(commune), _Commune({}, {}, set(), set()))
            if postcode:
                entry.postcodes.add(str(postcode))
            if city:
                entry.cities.add(city_key(city))
            if street is None or number is None:
                continue
            parsed = parse_housenumber(number)
            if parsed.base is None:
                continue
            key = keys_cache.get(street)
            if key is None:
                key = keys_cache[street] = street_key(street)
            record = entry.streets.get(key)
            if record is None:
                record = entry.streets[key] = _Street(str(street), {})
                entry.cores.setdefault(street_core(key), []).append(key)
            record.doors.setdefault((parsed.base, parsed.suffix.lower()), []).append(
                _Door(str(address_id), str(station), str(label)))

    @classmethod
    def empty(cls) -> AddressIndex:
        return cls(pd.DataFrame(columns=["address_id", "commune_code", "station_id", "label", "housenumber", "street",
                                         "postcode", "city"]))

    def commune_of(self, postcode: str, city: str) -> str | None:
        """The one indexed commune this postcode or name belongs to, if exactly one."""
        key = city_key(city)
        hits = [c for c, e in self.communes.items() if (postcode and postcode in e.postcodes) or (key and key in e.cities)]
        return hits[0] if len(hits) == 1 else None

    def _street(self, commune: _Commune, key: str) -> tuple[str | None, float]:
        if key in commune.streets:
            return key, 100.0
        core = street_core(key)
        if core in commune.cores and len(commune.cores[core]) == 1:  # the right name with another type
            return commune.cores[core][0], 90.0
        if not commune.streets or not key:
            return None, 0.0
        best = process.extractOne(key, list(commune.streets), scorer=fuzz.ratio, score_cutoff=REVIEW_SCORE - 10)
        if best is None:
            return None, 0.0
        return str(best[0]), float(best[1])

    def match(self, commune_code: str, station_id: str | None, number: str, street: str, postcode: str = "",
              city: str = "") -> Match:
        """Match one address of ``commune_code`` (``station_id``: prefer the REU row of the voter's station)."""
        commune = self.communes.get(commune_code)
        if commune is None:
            return _none("commune absente de l'entrepôt (importez ses adresses REU)")
        if postcode and commune.postcodes and postcode not in commune.postcodes:
            return _none(f"code postal {postcode} d'une autre commune")
        if city and commune.cities and not postcode and city_key(city) not in commune.cities:
            return _none("adresse dans une autre commune")
        parsed = parse_housenumber(number) if number else parse_housenumber(street)
        if parsed.base is None:
            return _none("numéro de voie manquant")
        if not number:  # "12 rue …" in the street field
            street = re.sub(r"^\s*\d+\s*(?:bis|ter|quater|[a-d]\b)?\s*", "", street, flags=re.IGNORECASE)
        key, similarity = self._street(commune, street_key(street))
        if key is None:
            return _none("voie introuvable dans la commune")
        record = commune.streets[key]
        found = record.number(parsed.base, parsed.suffix.lower())
        if found is None:
            door = _pick(record.nearest(parsed.base), station_id)
            score = round(similarity / 2, 1)
            return Match(None, door.address_id, door.label, score, "voie_seule", "unmatched" if score < REVIEW_SCORE else "doubtful",
                         "numéro absent de la voie : le plus proche est proposé")
        doors, exact = found
        door = _pick(doors, station_id)
        if similarity >= 100.0:
            score, method = (100.0, "exacte") if exact else (95.0, "sans_suffixe")
        else:
            score, method = similarity - (0.0 if exact else 5.0), "approchee"
        score = round(score, 1)
        if score >= AUTO_SCORE:
            return Match(door.address_id, door.address_id, door.label, score, method, "auto", "")
        status = "doubtful" if score >= REVIEW_SCORE else "unmatched"
        return Match(None, door.address_id, door.label, score, method, status,
                     "voie approchée : à confirmer" if status == "doubtful" else "voie trop différente")


def _pick(doors: list[_Door], station_id: str | None) -> _Door:
    for door in doors:
        if door.station_id == station_id:
            return door
    return doors[0]


def _none(reason: str) -> Match:
    return Match(None, None, "", 0.0, "aucune", "unmatched", reason)


def match_all(index: AddressIndex, rows: Iterable[tuple[str, str | None, str, str, str, str]]) -> list[Match]:
    """:meth:`AddressIndex.match` for each ``(commune, station, number, street, postcode, city)``; each distinct
    address is matched once (a building's voters share it)."""
    cache: dict[tuple[str, str | None, str, str, str, str], Match] = {}
    out = []
    for row in rows:
        hit = cache.get(row)
        if hit is None:
            hit = cache[row] = index.match(*row)
        out.append(hit)
    return out


def summary(matches: list[Match]) -> dict[str, int]:
    """Counts per status (``auto``, ``doubtful``, ``unmatched``)."""
    statuses = np.array([m.status for m in matches], dtype=object)
    return {s: int((statuses == s).sum()) for s in ("auto", "doubtful", "unmatched")}
