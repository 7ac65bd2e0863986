"""French house numbers (numéros de voirie): ``12``, ``12 bis``, ``12B``, ``3-5``, missing.

A number has a base (``12``), an optional suffix (``bis``, ``ter``…, or a letter
``A``, ``B``…) and, for a range (``3-5``, ``3 à 5``), an end. Its side of the
street follows the parity of the base (French rule: odd on one side, even on the
other). Suffixes sort after the plain number, in the order ``A``/–, ``bis``/``B``,
``ter``/``C``, ``quater``/``D``… so the entrances of one building stay together:
``12, 12 bis, 12 ter, 14``.

Anything unreadable (``s/n``, ``Lot 4``, empty) is a missing number, never an error.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Latin multiplicative suffixes, in BAN/cadastre order; letters rank by their alphabet position.
WORD_SUFFIXES: dict[str, int] = {
    "bis": 2, "ter": 3, "quater": 4, "quinquies": 5, "sexies": 6, "septies": 7, "octies": 8, "nonies": 9,
}
_NUMBER_RE = re.compile(
    r"""^\s*(?P<base>\d{1,6})(?!\d)
        (?:\s*(?:-|/|\s+[aà]\s+|\s+au\s+)\s*(?P<end>\d{1,6})(?!\d))?
        \s*(?P<suffix>bis|ter|quater|quinquies|sexies|septies|octies|nonies|[a-z](?![a-z]))?
        """,
    re.IGNORECASE | re.VERBOSE,
)
MAX_NUMBER = 999_999


@dataclass(frozen=True)
class HouseNumber:
    """A parsed house number; ``base`` is None when the text held no readable number."""

    base: int | None
    suffix: str = ""  # "bis", "ter"… (lower case) or one upper-case letter "A", "B"…; "" when none
    end: int | None = None  # last number of a range ("3-5" → 5)

    @property
    def side(self) -> str | None:
        """``"odd"`` or ``"even"`` (of the base number), None when missing."""
        if self.base is None:
            return None
        return "odd" if self.base % 2 else "even"

    @property
    def suffix_rank(self) -> int:
        """0 for no suffix, then A/–=1, bis/B=2, ter/C=3…"""
        return suffix_rank(self.suffix)

    def display(self) -> str:
        """``"12 bis"``, ``"12B"``, ``"3-5"``; ``""`` when missing."""
        if self.base is None:
            return ""
        text = str(self.base) if self.end is None else f"{self.base}-{self.end}"
        if not self.suffix:
            return text
        return f"{text} {self.suffix}" if len(self.suffix) > 1 else f"{text}{self.suffix}"


def suffix_rank(suffix: str) -> int:
    if not suffix:
        return 0
    if suffix in WORD_SUFFIXES:
        return WORD_SUFFIXES[suffix]
    return ord(suffix[0].upper()) - ord("A") + 1 if suffix[0].isalpha() else 99


def parse_housenumber(text: object) -> HouseNumber:
    """Parse one house number; any input (None, NaN, numbers, hostile text) gives a :class:`HouseNumber`."""
    if text is None or (isinstance(text, float) and not np.isfinite(text)):
        return HouseNumber(None)
    if isinstance(text, (int, np.integer)) and not isinstance(text, bool):
        value = int(text)
        return HouseNumber(value) if 0 <= value <= MAX_NUMBER else HouseNumber(None)
    if isinstance(text, (float, np.floating)) and float(text).is_integer():
        return parse_housenumber(int(text))
    normalised = unicodedata.normalize("NFKC", str(text)).replace("\u2013", "-").replace("\u2011", "-")
    match = _NUMBER_RE.match(normalised)
    if match is None:
        return HouseNumber(None)
    base = int(match.group("base"))
    end = match.group("end")
    end_value = int(end) if end is not None else None
    if end_value is not None and end_value <= base:
        end_value = None  # "12-12" or "12/3" (a lot number) is not a range
    raw_suffix = (match.group("suffix") or "").lower()
    suffix = raw_suffix if len(raw_suffix) > 1 else raw_suffix.upper()
    return HouseNumber(base, suffix, end_value)


def parse_housenumbers(values: Iterable[object]) -> pd.DataFrame:
    """Vectorised :func:`parse_housenumber` (each distinct text parsed once).

    Columns: ``base`` (nullable Int64), ``suffix``, ``suffix_rank``, ``end`` (Int64), ``side``
    (``"odd"``/``"even"``/None) and ``display``; one row per input value, in order.
    """
    series = pd.Series(list(values) if not isinstance(values, pd.Series) else values.to_numpy(), dtype=object)
    keys = series.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    uniques = pd.unique(keys)
    parsed = {key: parse_housenumber(key) for key in uniques}
    numbers = [parsed[key] for key in keys]
    return pd.DataFrame({
        "base": pd.array([n.base for n in numbers], dtype="Int64"),
        "suffix": [n.suffix for n in numbers],
        "suffix_rank": np.array([n.suffix_rank for n in numbers], dtype=np.int64),
        "end": pd.array([n.end for n in numbers], dtype="Int64"),
        "side": pd.Series([n.side for n in numbers], dtype=object),
        "display": [n.display() for n in numbers],
    })


def normalise_street(text: object) -> str:
    """A comparison key for street names: no accents, lower case, single spaces (``"Rue de l’Église"`` →
    ``"rue de l'eglise"``); ``""`` when missing."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text).replace("\u2019", "'"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
