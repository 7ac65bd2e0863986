"""Election identifiers (``pres2022_t1``, ``leg2024_t2``, ``euro2024``…) and their metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dashboard.errors import ImportRejected

KINDS = {
    "pres": ("presidentielle", "Présidentielle"),
    "leg": ("legislatives", "Législatives"),
    "euro": ("europeennes", "Européennes"),
    "muni": ("municipales", "Municipales"),
    "dep": ("departementales", "Départementales"),
    "reg": ("regionales", "Régionales"),
    "ref": ("referendum", "Référendum"),
}

# Polling days of national elections (metropolitan France).
KNOWN_DATES: dict[str, date] = {
    "pres2002_t1": date(2002, 4, 21), "pres2002_t2": date(2002, 5, 5),
    "pres2007_t1": date(2007, 4, 22), "pres2007_t2": date(2007, 5, 6),
    "pres2012_t1": date(2012, 4, 22), "pres2012_t2": date(2012, 5, 6),
    "pres2017_t1": date(2017, 4, 23), "pres2017_t2": date(2017, 5, 7),
    "pres2022_t1": date(2022, 4, 10), "pres2022_t2": date(2022, 4, 24),
    "leg2017_t1": date(2017, 6, 11), "leg2017_t2": date(2017, 6, 18),
    "leg2022_t1": date(2022, 6, 12), "leg2022_t2": date(2022, 6, 19),
    "leg2024_t1": date(2024, 6, 30), "leg2024_t2": date(2024, 7, 7),
    "euro2014": date(2014, 5, 25), "euro2019": date(2019, 5, 26), "euro2024": date(2024, 6, 9),
    "muni2014_t1": date(2014, 3, 23), "muni2014_t2": date(2014, 3, 30),
    "muni2020_t1": date(2020, 3, 15), "muni2020_t2": date(2020, 6, 28),
    "dep2015_t1": date(2015, 3, 22), "dep2015_t2": date(2015, 3, 29),
    "dep2021_t1": date(2021, 6, 20), "dep2021_t2": date(2021, 6, 27),
    "reg2015_t1": date(2015, 12, 6), "reg2015_t2": date(2015, 12, 13),
    "reg2021_t1": date(2021, 6, 20), "reg2021_t2": date(2021, 6, 27),
}

_ID_RE = re.compile(r"^(pres|leg|euro|muni|dep|reg|ref)(\d{4})(?:_t([12]))?(?:_([a-z0-9]+))?$")


@dataclass(frozen=True)
class Election:
    """An election round: ``kind`` (``legislatives``…), ``year``, ``round`` (1/2, or None for a single round)."""

    election_id: str
    kind: str
    year: int
    round: int | None
    date: date | None
    label: str


def parse_election_id(election_id: str) -> Election:
    """Metadata of an election id; raises ``ImportRejected`` on an unknown form."""
    text = election_id.strip().lower()
    match = _ID_RE.match(text)
    if not match:
        raise ImportRejected(
            f"identifiant d'élection « {election_id} » non reconnu : attendu par exemple "
            "pres2022_t1, leg2024_t2, euro2024, muni2020_t1, dep2021_t1"
        )
    prefix, year, rnd, suffix = match.groups()
    kind, label = KINDS[prefix]
    round_ = int(rnd) if rnd else None
    full = f"{label} {year}"
    if round_:
        full += " — 1er tour" if round_ == 1 else " — 2d tour"
    if suffix:
        full += f" ({suffix})"
    return Election(text, kind, int(year), round_, KNOWN_DATES.get(f"{prefix}{year}" + (f"_t{rnd}" if rnd else "")), full)


_NAME_PATTERNS = [
    (re.compile(r"pr[eé]s(?:identielles?)?[^a-z0-9]?(\d{4})"), "pres"),
    (re.compile(r"l[eé]g(?:islatives?)?[^a-z0-9]?(\d{4})"), "leg"),
    (re.compile(r"europ[eé]?(?:ennes?)?[^a-z0-9]?(\d{4})"), "euro"),
    (re.compile(r"muni(?:cipales?)?[^a-z0-9]?(\d{4})"), "muni"),
    (re.compile(r"d[eé]p(?:artementales?)?[^a-z0-9]?(\d{4})"), "dep"),
    (re.compile(r"r[eé]g(?:ionales?)?[^a-z0-9]?(\d{4})"), "reg"),
]
_ROUND_RE = re.compile(r"(?:^|[^a-z])(?:t|tour)[_\- ]?([12])(?:[^0-9]|$)")


def election_from_filename(path: Path) -> str | None:
    """Guess an election id from a file name (``legislatives2024_t1_9213.xlsx`` → ``leg2024_t1``)."""
    name = path.stem.lower()
    for pattern, prefix in _NAME_PATTERNS:
        match = pattern.search(name)
        if match:
            year = match.group(1)
            rnd = _ROUND_RE.search(name)
            if prefix == "euro":
                return f"euro{year}"
            return f"{prefix}{year}_t{rnd.group(1)}" if rnd else None
    return None
