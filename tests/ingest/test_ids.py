"""Identifier normalisation: forms met in practice, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.ingest.ids import (
    normalize_bv_code,
    normalize_commune_code,
    normalize_iris_code,
    normalize_station_ref,
)


@pytest.mark.parametrize(
    ("code", "dep", "expected"),
    [
        ("93010", None, "93010"), ("10", "93", "93010"), (10, 93, "93010"), ("1004", None, "01004"),
        ("19", "92", "92019"), ("2", "92", "92002"), ("004", "2A", "2A004"), ("101", "ZA", "97101"),
        ("2B033", None, "2B033"), ("29019.0", None, "29019"), ("", None, None), ("abc", None, None),
        ("12", None, None),
    ],
)
def test_commune_codes(code, dep, expected) -> None:
    assert normalize_commune_code(code, dep) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [("0001", "1"), ("1", "1"), ("BV1", "1"), ("BV 12", "12"), ("024", "24"), (12, "12"), ("12.0", "12"),
     ("0", "0"), ("000", "0"), ("01a", "1A"), ("Bureau 3", "3"), ("", None), ("n'importe quoi", None)],
)
def test_bv_codes(code, expected) -> None:
    assert normalize_bv_code(code) == expected


@pytest.mark.parametrize(
    ("ref", "expected"),
    [("93010_0001", "93010_1"), ("93010_1", "93010_1"), ("93010-12", "93010_12"), ("930100012", "93010_12"),
     ("2A004_0003", "2A004_3"), ("foo", None), ("93010_", None)],
)
def test_station_refs(ref, expected) -> None:
    assert normalize_station_ref(ref) == expected


@pytest.mark.parametrize(("code", "expected"), [("930100101", "930100101"), (10040000, "010040000"), ("10040000", "010040000"), ("x", None)])
def test_iris_codes(code, expected) -> None:
    assert normalize_iris_code(code) == expected


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=0, max_value=3))
def test_bv_padding_is_irrelevant(number: int, padding: int) -> None:
    assert normalize_bv_code(str(number).zfill(len(str(number)) + padding)) == str(number)


@given(st.text(max_size=20))
def test_normalisers_are_idempotent_and_total(text: str) -> None:
    for func in (normalize_bv_code, normalize_commune_code, normalize_station_ref, normalize_iris_code):
        once = func(text)
        if once is not None:
            assert func(once) == once


@given(st.sampled_from(["01", "29", "93", "2A", "2B", "75"]), st.integers(min_value=1, max_value=999), st.integers(min_value=1, max_value=300))
def test_station_id_round_trip(dep: str, commune: int, bv: int) -> None:
    code = normalize_commune_code(str(commune), dep)
    assert code is not None and len(code) == 5
    arrondissement = int(code[2:]) - 100 if dep == "75" and 101 <= commune <= 120 else None
    if arrondissement is None:
        assert normalize_station_ref(f"{code}_{str(bv).zfill(4)}") == f"{code}_{bv}"
    elif bv < 100:  # a Paris arrondissement: the city, with the arrondissement before the bureau's two digits
        assert normalize_station_ref(f"{code}_{str(bv).zfill(4)}") == f"75056_{arrondissement}{bv:02d}"
