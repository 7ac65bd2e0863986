"""French house numbers: parsing, sides, suffix order, and robustness on any text."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.canvass.housenumbers import (
    WORD_SUFFIXES,
    HouseNumber,
    normalise_street,
    parse_housenumber,
    parse_housenumbers,
)


@pytest.mark.parametrize(
    ("text", "base", "suffix", "end", "side", "display"),
    [
        ("12", 12, "", None, "even", "12"),
        ("12 bis", 12, "bis", None, "even", "12 bis"),
        ("12bis", 12, "bis", None, "even", "12 bis"),
        ("12 BIS", 12, "bis", None, "even", "12 bis"),
        ("12B", 12, "B", None, "even", "12B"),
        ("12 b", 12, "B", None, "even", "12B"),
        ("7 ter", 7, "ter", None, "odd", "7 ter"),
        ("7quater", 7, "quater", None, "odd", "7 quater"),
        ("3-5", 3, "", 5, "odd", "3-5"),
        ("3 à 5", 3, "", 5, "odd", "3-5"),
        ("3\u20135", 3, "", 5, "odd", "3-5"),
        ("12-12", 12, "", None, "even", "12"),
        ("  45 ", 45, "", None, "odd", "45"),
        (45, 45, "", None, "odd", "45"),
        (3.0, 3, "", None, "odd", "3"),
        ("", None, "", None, None, ""),
        (None, None, "", None, None, ""),
        (float("nan"), None, "", None, None, ""),
        ("s/n", None, "", None, None, ""),
        ("Lot 4", None, "", None, None, ""),
        ("1234567", None, "", None, None, ""),
    ],
)
def test_parse_french_house_numbers(text: object, base: int | None, suffix: str, end: int | None, side: str | None, display: str) -> None:
    number = parse_housenumber(text)
    assert (number.base, number.suffix, number.end, number.side, number.display()) == (base, suffix, end, side, display)


def test_entrances_of_one_number_sort_after_it_in_order() -> None:
    ranks = [parse_housenumber(t).suffix_rank for t in ("12", "12 A", "12 bis", "12 B", "12 ter", "12 C", "12 quater")]
    assert ranks == [0, 1, 2, 2, 3, 3, 4]


def test_vectorised_parse_keeps_order_and_missing() -> None:
    frame = parse_housenumbers(["12", None, "3-5", "12 bis", float("nan")])
    assert frame["base"].tolist()[0] == 12 and frame["base"].isna().tolist() == [False, True, False, False, True]
    assert frame["side"].tolist() == ["even", None, "odd", "even", None]
    assert frame["display"].tolist() == ["12", "", "3-5", "12 bis", ""]


def test_street_names_compare_without_accents_case_or_spacing() -> None:
    assert normalise_street("Rue de l’Église") == normalise_street("  RUE DE L'EGLISE ") == "rue de l'eglise"
    assert normalise_street(None) == "" and normalise_street(float("nan")) == ""


@given(st.one_of(st.text(), st.integers(), st.floats(), st.none()))
def test_any_input_gives_a_house_number(value: object) -> None:
    number = parse_housenumber(value)
    assert isinstance(number, HouseNumber)
    assert number.base is None or number.base >= 0
    assert number.side in (None, "odd", "even")
    if number.base is None:
        assert number.display() == ""
    if isinstance(value, float) and not math.isfinite(value):
        assert number.base is None


@given(
    st.integers(0, 99_999),
    st.sampled_from(["", *WORD_SUFFIXES, "A", "B", "C", "F"]),
    st.one_of(st.none(), st.integers(1, 500)),
)
def test_display_then_parse_round_trips(base: int, suffix: str, extra: int | None) -> None:
    end = base + extra if extra is not None and base + extra <= 999_999 else None
    number = HouseNumber(base, suffix, end)
    assert parse_housenumber(number.display()) == number
