"""The French table helper: every cell a page shows is French text, « — » when empty."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from dashboard.formats import NNBSP
from dashboard.ui import style, tables
from dashboard.ui.tables import EMPTY, display_frame, format_cell, plain_markdown


def test_empty_values_read_as_a_dash() -> None:
    for missing in (None, np.nan, float("nan"), pd.NA, pd.NaT, "", "   "):
        assert format_cell(missing) == EMPTY
    frame = pd.DataFrame({"téléphone": ["06 12 34 56 78", None], "courriel": [None, np.nan], "n": [1.5, np.nan]})
    shown = display_frame(frame)
    assert shown.to_dict("list") == {"téléphone": ["06 12 34 56 78", EMPTY], "courriel": [EMPTY, EMPTY], "n": ["1,50", EMPTY]}
    assert not shown.isin(["None", "nan", "NaN", "NaT", "<NA>"]).any().any()


def test_numbers_are_french_and_never_scientific() -> None:
    frame = pd.DataFrame({"inscrits": [1071, 123456], "part": [0.25, 2e-11], "écart": [12.34, 1234.5], "rang": [1, 2]})
    shown = display_frame(frame, decimals={"part": 2})
    assert shown["inscrits"].tolist() == [f"1{NNBSP}071", f"123{NNBSP}456"]
    assert shown["part"].tolist() == ["0,25", "0,00"]  # no « 2e-11 »
    assert shown["écart"].tolist() == ["12,3", f"1{NNBSP}234,5"]  # one decimal from 10 on
    assert shown["rang"].tolist() == ["1", "2"]
    assert display_frame(pd.DataFrame({"x": [1.0, 2.0]}))["x"].tolist() == ["1", "2"]  # whole numbers: no « 1.00 »
    assert display_frame(pd.DataFrame({"année": [2022]}), keep=["année"])["année"].tolist() == [2022]


def test_booleans_dates_and_paris_times() -> None:
    frame = pd.DataFrame({
        "accord": [True, False],
        "élection": pd.to_datetime(["2022-04-24", "2024-06-30"]),  # midnight: dates
        "le": pd.to_datetime(["2026-03-01 10:36", "2026-07-01 10:36"]),  # stored naive UTC
    })
    shown = display_frame(frame)
    assert shown["accord"].tolist() == ["oui", "non"]
    assert shown["élection"].tolist() == ["24/04/2022", "30/06/2024"]
    assert shown["le"].tolist() == ["01/03/2026 11:36", "01/07/2026 12:36"]  # UTC+1 in winter, UTC+2 in summer
    cells = pd.DataFrame({"mixed": [datetime(2026, 1, 5, 23, 30), date(2026, 1, 5), None]})
    assert display_frame(cells)["mixed"].tolist() == ["06/01/2026 00:30", "05/01/2026", EMPTY]


def test_small_whole_numbers_stay_numbers_to_sort() -> None:
    frame = pd.DataFrame({"ordre": [1, 2, 999], "inscrits": [900, 1_071, 5], "part": [0.5, 0.25, 0.1]})
    assert tables.sortable_integers(frame) == ["ordre"]


def test_personal_text_is_shown_verbatim_by_a_markdown_table() -> None:
    escaped = plain_markdown("**Dupont** [site](http://x.invalid) :red[x] a@b.fr 1. _b_")
    assert "**" not in escaped.replace("\\*", "") and "\\[site\\]" in escaped
    assert "http:\u2060//" in escaped and "@\u2060" in escaped and ":\u2060red" in escaped
    assert plain_markdown("Camille Exemple") == "Camille Exemple"


def test_the_page_style_hides_the_english_chrome() -> None:
    for hidden in ("stElementToolbar", "stDataFrameColumnMenu", "InputInstructions"):
        assert hidden in style.BASE_CSS
    assert "Aller au contenu principal" in style.BASE_CSS
