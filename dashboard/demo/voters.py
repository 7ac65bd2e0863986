"""A fictitious electoral list (REU extract) for the demo territory, with the dirt of real ones.

Every person is made up from the demo's vocabularies (:mod:`dashboard.demo.names`); each lives at
an address of the warehouse (drawn by its number of REU addresses) and votes in its station. The
addresses are written as town halls type them, so the matching has work to do
(:data:`DIRT`: shares of the rows): abbreviations (« Av. », « Bd », « St »…), upper case without
accents, a « bis » the BAN does not know, a typo in the street, and a few that cannot match (a
number the street does not have, a street the commune does not have).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.csv_export import french_csv
from dashboard.demo import names

HEADER = ("Bureau de vote", "Nom de naissance", "Nom d'usage", "Prénoms", "Date de naissance", "Sexe", "Adresse",
          "Nationalité")
# kind of dirt -> share of the rows
DIRT: dict[str, float] = {
    "abbreviation": 0.20, "upper": 0.15, "spurious_bis": 0.03, "typo": 0.04, "missing_number": 0.006,
    "unknown_street": 0.004,
}
_ABBREVIATE = (("Avenue ", "Av. "), ("Boulevard ", "Bd "), ("Rue ", "R. "), ("Allée ", "All. "), ("Impasse ", "Imp. "),
               ("Place ", "Pl. "), ("Chemin ", "Ch. "), ("Saint-", "St-"), ("Sainte-", "Ste-"), ("Square ", "Sq. "),
               ("Général ", "Gal "))
_NATIONALITIES = ("Portugaise", "Italienne", "Espagnole", "Belge", "Allemande", "Roumaine")


def _abbreviate(street: str) -> str:
    for long, short in _ABBREVIATE:
        street = street.replace(long, short)
    return street


def _upper(text: str) -> str:
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).upper()


def _typo(street: str, rng: np.random.Generator) -> str:
    words = street.split(" ")
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) < 6:
        return street
    at = int(rng.integers(2, len(word) - 1))
    words[longest] = word[:at] + word[at + 1:] if rng.random() < 0.5 else word[:at] + word[at + 1] + word[at] + word[at + 2:]
    return " ".join(words)


def generate_voter_list(addresses: pd.DataFrame, size: int, seed: int = 2026, election: date = date(2026, 3, 15)) -> pd.DataFrame:
    """``size`` fictitious voters over ``addresses`` (the warehouse's ``address`` rows: ``station_id``,
    ``housenumber``, ``street``, ``postcode``, ``city``, ``n_addresses``); columns :data:`HEADER`."""
    rng = np.random.default_rng(seed)
    doors = addresses[addresses["housenumber"].notna() & addresses["street"].notna()].reset_index(drop=True)
    if doors.empty:
        raise ValueError("no numbered address to put voters at")
    weights = doors["n_addresses"].fillna(1).astype(float).to_numpy()
    at = rng.choice(len(doors), size=size, p=weights / weights.sum())
    female = rng.random(size) < 0.52
    first = np.where(female, names.pick(names.FEMALE_FIRST_NAMES, rng.integers(0, len(names.FEMALE_FIRST_NAMES), size)),
                     names.pick(names.MALE_FIRST_NAMES, rng.integers(0, len(names.MALE_FIRST_NAMES), size)))
    second = np.where(female, names.pick(names.FEMALE_FIRST_NAMES, rng.integers(0, len(names.FEMALE_FIRST_NAMES), size)),
                      names.pick(names.MALE_FIRST_NAMES, rng.integers(0, len(names.MALE_FIRST_NAMES), size)))
    first_names = np.where(rng.random(size) < 0.4, np.strings.add(np.strings.add(first, " "), second), first)
    surname = names.pick(names.SURNAMES, rng.integers(0, len(names.SURNAMES), size))
    usage = np.where(female & (rng.random(size) < 0.35), names.pick(names.SURNAMES, rng.integers(0, len(names.SURNAMES), size)), "")
    ages = rng.integers(18 * 365 + 30, 98 * 365, size)
    births = [(election - timedelta(days=int(d))).strftime("%d/%m/%Y") for d in ages]
    nationality = np.where(rng.random(size) < 0.02, names.pick(_NATIONALITIES, rng.integers(0, len(_NATIONALITIES), size)), "")
    kinds = list(DIRT)
    draw = rng.random(size)
    bounds = np.cumsum([DIRT[k] for k in kinds])
    dirt = np.array([kinds[i] if i < len(kinds) else "" for i in np.searchsorted(bounds, draw, side="right")], dtype=object)
    columns = {c: [("" if v is None or v != v else str(v)) for v in doors[c].tolist()]  # noqa: PLR0124 - NaN
               for c in ("station_id", "housenumber", "street", "postcode", "city")}
    rows = []
    for i, door_index in enumerate(at.tolist()):
        station = columns["station_id"][door_index]
        number, street = columns["housenumber"][door_index], columns["street"][door_index]
        postcode, city = columns["postcode"][door_index], columns["city"][door_index]
        kind = dirt[i]
        if kind == "abbreviation":
            street = _abbreviate(street)
        elif kind == "upper":
            street, city = _upper(street), _upper(city)
        elif kind == "spurious_bis":
            number = f"{number} bis"
        elif kind == "typo":
            street = _typo(street, rng)
        elif kind == "missing_number":
            number = str(900 + int(rng.integers(0, 99)))
        elif kind == "unknown_street":
            street = "Rue " + str(names.pick(names.QUARTER_NAMES, rng.integers(0, len(names.QUARTER_NAMES), 1))[0]) + " Prolongée"
        rows.append((station.rpartition("_")[2], surname[i], usage[i], first_names[i], births[i], "F" if female[i] else "M",
                     f"{number} {street} {postcode} {city}".strip(), nationality[i]))
    return pd.DataFrame(rows, columns=list(HEADER))


def write_voter_csv(frame: pd.DataFrame, path: Path) -> Path:
    """The list as a town hall exports it: ``;``-separated, UTF-8 with a BOM."""
    path = Path(path)
    path.write_bytes(french_csv(list(frame.columns), frame.itertuples(index=False, name=None)))
    return path
