"""The printable walk sheet: a valid, paginated A4 PDF whatever the text, holding the map and the table."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.canvass.turfs import cut_turfs
from dashboard.canvass.walklist import order_walk
from dashboard.canvass.walklist_pdf import pdf_text, walklist_pdf
from tests.canvass.conftest import make_town

PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")


def _text_of(pdf: bytes) -> str:
    """The page content streams, inflated, as Latin-1 text (enough to find the strings drawn)."""
    chunks = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            chunks.append(match.group(1))
    return b"\n".join(chunks).decode("latin-1")


def _sheet(n_streets: int = 3, per_side: int = 10, **kwargs: object) -> tuple[bytes, pd.DataFrame]:
    zone = make_town(n_streets, per_side)
    plan = cut_turfs(zone, len(zone))
    walk = order_walk(zone)
    pdf = walklist_pdf(walk, zone_name="Centre-ville", turf_name=plan.turfs[0].label, geometry=plan.turfs[0].geometry,
                       printed_on=date(2026, 3, 1), **kwargs)  # type: ignore[arg-type]
    return pdf, walk


def test_a_sheet_is_a_paginated_pdf_with_map_table_and_outcome_columns() -> None:
    pdf, walk = _sheet()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    pages = len(PAGE.findall(pdf))
    assert pages >= 2  # 60 addresses: the map page and more
    text = _text_of(pdf)
    for word in ("Porte-à-porte - Secteur 1", "Zone : Centre-ville", "01/03/2026", "60 adresses", "Rue n°0 \\(99000\\)",
                 "Ouvert", "Absent", "Refus", "Ne plus", "Repasser", "(Page 1/) Tj", f"(Page {pages}/) Tj",
                 f"({pages}) Tj", "suite"):
        assert word in text, word
    assert " re" in text and " l " in text  # rectangles and lines: the table and the vector map


def test_same_inputs_give_the_same_bytes() -> None:
    assert _sheet()[0] == _sheet()[0]


def test_an_empty_turf_still_prints() -> None:
    walk = order_walk(make_town(1, 1).iloc[0:0])
    pdf = walklist_pdf(walk, turf_name="Secteur 9", printed_on=date(2026, 3, 1))
    assert pdf.startswith(b"%PDF-") and len(PAGE.findall(pdf)) == 1
    assert "Aucune adresse" in _text_of(pdf)


def test_hostile_text_cannot_break_the_pdf() -> None:
    zone = make_town(1, 3)
    zone["street"] = ["Rue (du) \\Pont) %PDF endstream", "Allée 東京 🚪 \x00\x07\u202e", "x" * 5000,
                      "Rue de l’Œuvre — “quai”", "Rue\nsur\ttrois lignes", "Avenue €"]
    walk = order_walk(zone)
    pdf = walklist_pdf(walk, zone_name="<script>alert(1)</script> ) \\", turf_name="\u202e Secteur ())", printed_on=date(2026, 3, 1))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    text = _text_of(pdf)
    assert "Rue de l'OEuvre - \"quai\"" in text
    assert "\x00" not in text and "\u202e" not in text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("Rue de l’Église", "Rue de l'Église"), ("Œuvre", "OEuvre"), ("a\x00b\tc", "ab c"), ("東京", "??"),
     ("Ångström ŝ", "Ångström s"), (None, ""), (float("nan"), ""), ("x" * 300, "x" * 157 + "...")],
)
def test_pdf_text_is_latin_1(raw: object, clean: str) -> None:
    assert pdf_text(raw) == clean


@settings(max_examples=80)
@given(st.text())
def test_any_text_encodes_in_latin_1(text: str) -> None:
    cleaned = pdf_text(text)
    cleaned.encode("latin-1")
    assert len(cleaned) <= 160 and cleaned.isprintable()


def test_the_sheet_renders_when_a_rasteriser_is_available(tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    pdf, _ = _sheet()
    source = tmp_path / "sheet.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(source), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == len(PAGE.findall(pdf)) and all(p.stat().st_size > 2000 for p in pages)


def test_the_map_shows_the_streets_and_their_names_from_the_addresses(tmp_path: Path) -> None:
    pdf, walk = _sheet(n_streets=3, per_side=6)
    assert "(Rue n°1) Tj" in _text_of(pdf)  # the map's label (the table's bands carry the postcode)
    assert " cm" in _text_of(pdf)  # labels are drawn in a rotated frame along their street
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    source = tmp_path / "sheet.pdf"
    source.write_bytes(pdf)
    # the map's box only (points 100 to 400 from the top of page 1): the names there are the map's, not the table's
    on_map = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-x", "0", "-y", "100", "-W", "600", "-H", "300",
                             str(source), "-"], check=True, timeout=60, capture_output=True, text=True).stdout
    assert sorted(line for line in on_map.splitlines() if line.startswith("Rue")) == ["Rue n°0", "Rue n°1", "Rue n°2"]
