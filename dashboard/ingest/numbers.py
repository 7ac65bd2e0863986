"""Parsing of numbers as French official files write them.

``"1 234"``, ``"25,82"``, ``"82,59%"``, ``"47,45 %"``, ``"1.0"`` (a spreadsheet
re-save), ``12`` (an xlsx cell). Pure, vectorised over pandas Series.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_SPACES = re.compile(r"[\s\u00a0\u202f]")


def _normalise_text(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.replace(_SPACES, "", regex=True).str.rstrip("%")
    has_comma = text.str.contains(",", regex=False, na=False)
    has_dot = text.str.contains(".", regex=False, na=False)
    # "1.234,5" -> thousands dot + decimal comma; "1,5" -> decimal comma.
    both = has_comma & has_dot
    text = text.mask(both, text.str.replace(".", "", regex=False))
    return text.str.replace(",", ".", regex=False)


def parse_decimal(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse decimals; returns (values as float64 with NaN for blanks, mask of cells that are non-blank but not numbers)."""
    text = _normalise_text(series)
    blank = text.isna() | (text == "")
    values = pd.to_numeric(text.where(~blank), errors="coerce").astype("float64")
    bad = ~blank & values.isna()
    return values, bad


def parse_count(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse vote counts.

    Returns ``(values, not_a_count, negative)``: values as nullable Int64 (NA for
    blanks), a mask of cells that are not whole numbers, a mask of negatives.
    """
    values, bad = parse_decimal(series)
    fractional = values.notna() & (np.abs(values - np.round(values)) > 1e-9)
    bad = bad | fractional
    negative = values.notna() & (values < 0)
    ints = values.where(~bad).round().astype("Int64")
    return ints, bad, negative

