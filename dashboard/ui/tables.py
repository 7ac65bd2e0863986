"""Every table a page shows, the French way, through :func:`show_table`.

- :func:`display_frame` (pure) turns a frame into the text a French reader expects: missing values
  (None, NaN, NaT, empty text) as « — », numbers with French separators and fixed decimals (never
  ``1.00`` nor ``2e-11``), booleans as « oui »/« non », calendar dates ``dd/mm/yyyy`` and stored
  timestamps (naive UTC, as the campaign store keeps them) in Europe/Paris time.
- :func:`show_table` draws it: ``st.dataframe`` for public figures, ``st.table`` (static text, no
  cell selection to copy from) for personal data, whose only way out is the audited export.
- Streamlit's own English chrome around tables (toolbar, column menu) is hidden by the app's CSS
  (``dashboard/ui/style.py``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.formats import fmt_date, fmt_datetime, format_fr

EMPTY = "—"
PERSONAL_HEIGHT = 420  # px: a longer personal table scrolls inside its frame (sticky headers)
PERSONAL_ROWS_IN_FULL = 12


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$=^])")
_JOINER = "\u2060"  # word joiner: invisible, breaks « :icône: » shortcodes and links written in a cell



def _blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _decimals_for(values: pd.Series) -> int:
    finite = pd.to_numeric(values, errors="coerce").dropna()
    finite = finite[np.isfinite(finite)]
    if finite.empty or (finite == finite.round()).all():
        return 0
    return 1 if finite.abs().max() >= 10 else 2


def _is_date_only(values: pd.Series) -> bool:
    stamps = pd.to_datetime(values, errors="coerce").dropna()
    return not stamps.empty and bool((stamps == stamps.dt.normalize()).all())


def format_cell(value: Any, decimals: int = 0, *, dates_only: bool = False) -> str:
    """One cell as French text (see the module doc); ``dates_only``: a timestamp shows its date only."""
    if _blank(value):
        return EMPTY
    if isinstance(value, bool | np.bool_):
        return "oui" if value else "non"
    if isinstance(value, datetime):  # before date: a datetime is a date
        return fmt_date(value) if dates_only else fmt_datetime(value)
    if isinstance(value, date):
        return fmt_date(value)
    if isinstance(value, int | np.integer):
        return format_fr(int(value), 0)
    if isinstance(value, float | np.floating):
        return format_fr(float(value), decimals) if math.isfinite(value) else EMPTY
    return str(value)


def display_frame(frame: pd.DataFrame, *, decimals: Mapping[str, int] | None = None, keep: Iterable[str] = ()) -> pd.DataFrame:
    """``frame`` as French text, column by column (see the module doc).

    ``decimals``: per column, the decimals of its numbers (default: none for whole numbers, else 1,
    or 2 below 10). ``keep``: columns left as they are (a chart or progress column, numbers that
    are codes). A datetime column whose values all fall at midnight is a column of dates.
    """
    decimals = dict(decimals or {})
    kept = set(keep)
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if column in kept:
            out[column] = values
            continue
        places = decimals.get(column, _decimals_for(values) if values.dtype.kind in "fiu" or values.dtype == object else 0)
        dates_only = values.dtype.kind == "M" and _is_date_only(values)
        out[column] = [format_cell(v, places, dates_only=dates_only) for v in values.astype(object)]
    return out


def plain_markdown(text: str) -> str:
    """Text shown verbatim by ``st.table``, which reads every cell as Markdown: the Markdown signs are
    escaped and « :…: » shortcodes, links and addresses are broken by an invisible word joiner."""
    text = _MARKDOWN.sub(r"\\\1", text)
    return text.replace(":", ":" + _JOINER).replace("@", "@" + _JOINER).replace("www", "w" + _JOINER + "ww")


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if frame[c].dtype.kind in "fiu"]


def sortable_integers(frame: pd.DataFrame) -> list[str]:
    """Integer columns whose values all read the same in French and in English (under 1 000: no
    thousands separator; no missing value): shown as numbers, so that sorting by them sorts numbers."""
    return [c for c in frame.columns if frame[c].dtype.kind in "iu" and (frame[c].abs() < 1_000).all()]


def show_table(
    frame: pd.DataFrame,
    *,
    personal: bool = False,
    decimals: Mapping[str, int] | None = None,
    keep: Iterable[str] = (),
    column_config: Mapping[str, Any] | None = None,
    height: int | None = None,
) -> None:
    """Draw ``frame`` in French (:func:`display_frame`), index hidden, no toolbar.

    ``personal``: the rows hold personal data (contacts): a static table, escaped, scrolling past
    ``PERSONAL_ROWS_IN_FULL`` rows, with no cell selection to copy and no download. Otherwise an
    interactive ``st.dataframe``; numbers stay right-aligned; ``column_config`` columns (progress
    bars…) are passed as they are.
    """
    config = dict(column_config or {})
    kept = set(keep) | set(config)
    if not personal:  # whole numbers under 1 000 read the same in French and stay numbers, to sort by
        kept |= {c for c in sortable_integers(frame) if c not in (decimals or {})}
    shown = display_frame(frame, decimals=decimals, keep=kept)
    if personal:
        shown = shown.map(lambda v: plain_markdown(v) if isinstance(v, str) else v)
        shown.columns = [plain_markdown(str(c)) for c in shown.columns]
        tall = len(shown) > PERSONAL_ROWS_IN_FULL
        st.table(shown, hide_index=True, height=(height or PERSONAL_HEIGHT) if tall else "content")
        return
    for column in numeric_columns(frame):
        if column in config:
            continue
        if column in kept and column not in keep:
            config[column] = st.column_config.NumberColumn(format="%d")
        elif column not in kept:
            config[column] = st.column_config.TextColumn(alignment="right")
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config or None, height=height or "auto")
