"""File layouts: headers compared with the real official samples, encodings, number formats."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import openpyxl
import pyogrio
import pytest


def _first_line(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, newline="") as fh:
        return fh.readline().rstrip("\n")


def _csv_header(path: Path, sep: str, encoding: str = "utf-8") -> list[str]:
    with open(path, encoding=encoding, newline="") as fh:
        return next(csv.reader(fh, delimiter=sep))


def _rows(path: Path, sep: str, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh, delimiter=sep))


# ----------------------------------------------------------------------------- vs real samples


def test_presidential_2022_header_matches_ministry_sample(paths: dict[str, Path], shared_data: Path) -> None:
    sample = _csv_header(shared_data / "bondy/results/bondy_2022.csv", ",")
    ours = _first_line(paths["pres2022_t1"], "cp1252").split(";")
    assert ours == sample
    ours_t2 = _first_line(paths["pres2022_t2"], "cp1252").split(";")
    assert ours_t2 == sample[: 21 + 7 * 2]


def test_legislative_2024_headers_match_ministry_sample(paths: dict[str, Path], shared_data: Path) -> None:
    t1 = _first_line(shared_data / "brest/results/leg2024_circos23-tour1_29019.csv", "utf-8")
    assert _first_line(paths["leg2024_t1"], "utf-8") == t1
    t2 = _csv_header(shared_data / "brest/results/leg2024_circos23-tour2_29019.csv", ";")
    assert _first_line(paths["leg2024_t2"], "utf-8").split(";") == t2


def test_european_2024_header_matches_ministry_sample(paths: dict[str, Path], shared_data: Path) -> None:
    wb = openpyxl.load_workbook(shared_data / "chatenay-malabry/results/europeennes_2024.xlsx", read_only=True)
    sample = [c for c in next(wb.active.iter_rows(max_row=1, values_only=True))]
    sample = sample[1:]  # the sample was re-saved by pandas with its index as first column
    ours = [c for c in next(openpyxl.load_workbook(paths["euro2024"], read_only=True).active
                            .iter_rows(max_row=1, values_only=True))]
    n_lists = (len(ours) - 21) // 8
    assert n_lists == 10 and len(ours) == 21 + 8 * n_lists
    assert ours == sample[: len(ours)]


def test_european_2024_cell_types_match_sample(paths: dict[str, Path], shared_data: Path) -> None:
    sample = openpyxl.load_workbook(shared_data / "chatenay-malabry/results/europeennes_2024.xlsx",
                                    read_only=True).active
    ours = openpyxl.load_workbook(paths["euro2024"], read_only=True).active
    s_row = [type(v) for v in list(sample.iter_rows(min_row=2, max_row=2, values_only=True))[0][1:30]]
    o_row = [type(v) for v in list(ours.iter_rows(min_row=2, max_row=2, values_only=True))[0][:29]]
    assert o_row == s_row


def test_reu_headers_match_samples(paths: dict[str, Path], shared_data: Path) -> None:
    sample = _first_line(shared_data / "bondy/reu/adresses93010.csv", "utf-8")
    assert sample.startswith('"",')
    assert _first_line(paths["addresses"], "utf-8") == sample[3:]  # without R's row-name column
    assert _first_line(paths["reu-stations"], "utf-8") == _first_line(
        shared_data / "bondy/reu/bvOpendata_table-bv-reu_bondy.csv", "utf-8")


def test_address_rows_are_quoted_like_the_sample(paths: dict[str, Path], shared_data: Path) -> None:
    line = open(paths["addresses"], encoding="utf-8").readlines()[1].rstrip("\n")
    sample = open(shared_data / "bondy/reu/adresses93010.csv", encoding="utf-8").readlines()[1].rstrip("\n")
    quoted = lambda s: [f.startswith('"') for f in next(csv.reader([s], quoting=csv.QUOTE_NONE))]  # noqa: E731
    assert quoted(line) == quoted(sample)[1:]


def test_station_contours_properties_match_etalab_sample(paths: dict[str, Path], shared_data: Path) -> None:
    sample = json.loads((shared_data / "chatenay-malabry/bv/circo_contours_92019.geojson").read_text("utf-8"))
    for key in ("stations-2022", "stations-2024"):
        ours = json.loads(paths[key].read_text("utf-8"))
        assert ours["crs"] == sample["crs"]
        assert list(ours["features"][0]["properties"]) == list(sample["features"][0]["properties"])
        props = ours["features"][0]["properties"]
        assert re.fullmatch(r"\d{4}", props["codeCirconscription"])
        assert props["nomCirconscription"] == "1ère circonscription"


def test_iris_contours_fields_match_ign_sample(paths: dict[str, Path], shared_data: Path) -> None:
    sample = pyogrio.read_info(shared_data / "bondy/iris/irisBondy.gpkg", layer="txPauvrete2")["fields"]
    info = pyogrio.read_info(paths["iris-contours"])
    assert list(info["fields"]) == [f for f in sample if not f.startswith("BASE_TD")]
    assert info["encoding"] == "UTF-8"
    assert paths["iris-contours"].with_suffix(".cpg").read_text().strip() == "UTF-8"
    assert "Lambert" in paths["iris-contours"].with_suffix(".prj").read_text()


def test_base_ic_layout_matches_insee_sample(paths: dict[str, Path], shared_data: Path) -> None:
    sample = _first_line(shared_data / "bondy/iris/base-ic-activite-residents-2016-idf_93010.csv", "utf-8").split(";")
    expected_meta = [c.replace("UU2010", "UU2020") for c in sample[:12]]
    sample_vars = {c.replace("P16_", "P21_").replace("C16_", "C21_") for c in sample[12:]}
    for key in ("iris-pop", "iris-act", "iris-log"):
        header = _first_line(paths[key], "utf-8").split(";")
        assert header[:12] == expected_meta
    act = _first_line(paths["iris-act"], "utf-8").split(";")[12:]
    assert set(act) <= sample_vars
    row = _rows(paths["iris-act"], ";")[1]
    assert re.fullmatch(r"\d{9}", row[0]) and re.fullmatch(r"\d+(\.\d+)?", row[12])


# ----------------------------------------------------------------------------- own layouts


def test_presidential_file_is_latin1_without_quotes(paths: dict[str, Path]) -> None:
    raw = paths["pres2022_t1"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert '"' not in text and "MÉLENCHON" in text and "Éric" in text
    row = text.splitlines()[1].split(";")
    assert row[:7] == ["45", "Loiret", "01", "1ère circonscription", "999", "Isoloir-sur-Loire", "0001"]
    assert len(row) == 21 + 7 * 12
    assert all(re.fullmatch(r"\d+(,\d{1,2})?", v) for v in row[9:21:3] + row[26::7])
    names = [(row[21 + 7 * j + 2], row[21 + 7 * j + 3]) for j in range(12)]
    assert names == [("ARTHAUD", "Nathalie"), ("ROUSSEL", "Fabien"), ("MACRON", "Emmanuel"),
                     ("LASSALLE", "Jean"), ("LE PEN", "Marine"), ("ZEMMOUR", "Éric"),
                     ("MÉLENCHON", "Jean-Luc"), ("HIDALGO", "Anne"), ("JADOT", "Yannick"),
                     ("PÉCRESSE", "Valérie"), ("POUTOU", "Philippe"), ("DUPONT-AIGNAN", "Nicolas")]
    assert [row[21 + 7 * j] for j in range(12)] == [str(i) for i in range(1, 13)]
    t2 = paths["pres2022_t2"].read_bytes().decode("cp1252").splitlines()[1].split(";")
    assert (t2[23], t2[30]) == ("MACRON", "LE PEN")


def test_2024_percentages_and_codes(paths: dict[str, Path]) -> None:
    rows = _rows(paths["leg2024_t1"], ";")
    header, row = rows[0], rows[1]
    assert len(row) == len(header) == 19 + 9 * 19
    assert row[:5] == ["45", "Loiret", "45999", "Isoloir-sur-Loire", "0001"]
    pct = [v for h, v in zip(header, row) if h.startswith("%") and v]
    assert pct and all(re.fullmatch(r"\d{1,3},\d\d%", v) for v in pct)
    nuances = {v for h, v in zip(header, row) if h.startswith("Nuance") and v}
    assert nuances == {"EXG", "UG", "ECO", "ENS", "LR", "RN", "REC", "DIV"}
    assert {v for h, v in zip(header, row) if h.startswith("Sexe") and v} <= {"MASCULIN", "FEMININ"}


def test_filosofi_layout(paths: dict[str, Path]) -> None:
    rows = _rows(paths["iris-filo"], ";")
    assert rows[0][:5] == ["IRIS", "DISP_TP6021", "DISP_Q121", "DISP_MED21", "DISP_Q321"]
    values = [r for r in rows[1:] if r[1] != "ns"]
    assert values and all(re.fullmatch(r"\d+,\d", r[1]) and re.fullmatch(r"\d+", r[3]) for r in values)
    # Activity and miscellaneous IRIS are too small: secret, as in INSEE files.
    assert any(r[1] == "ns" for r in rows[1:])
