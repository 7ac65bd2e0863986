"""Every results file of ../shared/data/wild: imported with counts equal to an independent pandas
read, or refused with a French message saying why and what to do; block structure, sums and
--skip-invalid on small derived copies."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.errors import ImportRejected
from dashboard.ingest import ImportOptions
from dashboard.ingest.results import read_results
from dashboard.ingest.results_moi import split_block_header

MAPPINGS = Path(__file__).resolve().parents[2] / "docs" / "mappings"
LOIRE_2022 = "wild/loireatl44-mspr/presidentielle2022_T1_filtre.trim-44001-44049-44184.csv"
LOIRE_2017 = "wild/loireatl44-mspr/presidentielle2017_T1_filtre.trim-44001-44049-44184.csv"
BESANCON = "wild/besancon-carto-municipale/2020-05-18-resultats-par-niveau-burvot-t1-france-entiere-nettoye.xlsx"
TOULOUSE = "wild/toulouse-rboulle/resultats-elections-municipales-2026-2nd-tour.json"
BREST = "wild/brest-lfi/tour1_circo2.csv"
OVERSEAS = "wild/leg2017-bureaux-dorialexander/metadata_bureaux.trim-ZD401-ZX701-ZX801-2A001.csv"
MARSEILLE = "wild/marseille2014-makina/results_marseille.json"


def _totals(parsed) -> dict[str, int]:
    return {k: int(v) for k, v in parsed.votes.groupby("candidate")["votes"].sum().items()}


def _check_arithmetic(parsed) -> None:
    turnout = parsed.turnout
    sums = parsed.votes.groupby("station_id")["votes"].sum()
    assert (sums.reindex(turnout["station_id"]).to_numpy() == turnout["expressed"].to_numpy()).all()
    assert (turnout["registered"] == turnout["abstentions"] + turnout["voters"]).all()
    assert parsed.report.warnings == []


def _ministry_expected(frame: pd.DataFrame, suffixes: list[str], name_of) -> dict[str, int]:
    """Votes per candidate summed by pandas over the blocks named with ``suffixes``."""
    expected: dict[str, int] = {}
    for suffix in suffixes:
        for name, votes in zip(name_of(frame, suffix), frame[f"Voix{suffix}"]):
            expected[name] = expected.get(name, 0) + int(votes)
    return expected


def _person(frame: pd.DataFrame, suffix: str) -> list[str]:
    return (frame[f"Nom{suffix}"].str.strip() + " " + frame[f"Prénom{suffix}"].str.strip()).tolist()


@pytest.mark.parametrize(("name", "election", "suffixes"), [
    (LOIRE_2022, "pres2022_t1", [""] + [f"ct{k}" for k in range(1, 12)]),  # first block unsuffixed, then ct1…ct11
    (LOIRE_2017, "pres2017_t1", [f"ct{k}" for k in range(1, 12)]),  # every block suffixed, off by one
], ids=["loire2022", "loire2017"])
def test_loire_atlantique_resaves_keep_every_candidate(shared_data: Path, name: str, election: str, suffixes: list[str]) -> None:
    frame = pd.read_csv(shared_data / name, dtype={"Code de la commune": str})
    parsed = read_results(shared_data / name, election)
    assert len(parsed.turnout) == len(frame)
    assert parsed.votes["candidate"].nunique() == len(suffixes)
    assert _totals(parsed) == _ministry_expected(frame, suffixes, _person)
    assert sorted(parsed.turnout["commune_code"].unique()) == ["44001", "44049", "44184"]
    assert int(parsed.turnout["registered"].sum()) == int(frame["Inscrits"].sum())
    _check_arithmetic(parsed)


def test_besancon_xlsx_with_pandas_suffixes(shared_data: Path) -> None:
    frame = pd.read_excel(shared_data / BESANCON)
    parsed = read_results(shared_data / BESANCON, "muni2020_t1")
    suffixes = [""] + [f".{k}" for k in range(1, 9)]
    expected = _ministry_expected(frame, suffixes, lambda f, s: f[f"Liste{s}"].str.strip().tolist())
    assert len(parsed.turnout) == 67 == len(frame)
    assert set(parsed.turnout["commune_code"]) == {"25056"}
    assert _totals(parsed) == expected and len(expected) == 9
    assert int(parsed.turnout["registered"].sum()) == int(frame["Inscrits"].sum()) == 66708
    first = parsed.votes[parsed.votes["station_id"] == "25056_101"].sort_values("panel")
    assert first["panel"].tolist() == list(range(1, 10))  # "N.Pan..1" read as the panel
    assert first["nuance"].iloc[0] == "LFI"
    _check_arithmetic(parsed)


def test_toulouse_header_less_json_with_its_mapping(shared_data: Path) -> None:
    records = json.loads((shared_data / TOULOUSE).read_text(encoding="utf-8"))
    parsed = read_results(shared_data / TOULOUSE, None, MAPPINGS / "toulouse_municipales2026_json.toml")
    expected: dict[str, int] = {}
    for r in records:
        for panel, votes in ((r["column_17"], r["column_18"]), (r["column_19"], r["column_20"])):
            expected[f"Panneau {int(panel)}"] = expected.get(f"Panneau {int(panel)}", 0) + int(votes)
    assert parsed.election_id == "muni2026_t2"
    assert len(parsed.turnout) == len(records) == 285
    assert set(parsed.turnout["commune_code"]) == {"31555"}
    assert _totals(parsed) == expected
    assert int(parsed.turnout["registered"].sum()) == 281713
    assert "31555_238A" in set(parsed.turnout["station_id"])
    _check_arithmetic(parsed)


def test_brest_city_layout_with_its_mapping(shared_data: Path) -> None:
    frame = pd.read_csv(shared_data / BREST, sep=";", index_col=0)
    parsed = read_results(shared_data / BREST, "leg2022_t1", MAPPINGS / "brest_legislatives2022_ville.toml")
    columns = [c for c in frame.columns if c.endswith(" - votes")]
    expected = {c.removesuffix(" - votes").split(" ", 1)[1]: int(frame[c].sum()) for c in columns}
    assert len(parsed.turnout) == len(frame) == 78
    assert _totals(parsed) == expected and len(expected) == 16
    assert set(parsed.turnout["commune_code"]) == {"29019"}
    _check_arithmetic(parsed)


def test_overseas_turnout_only_refused_then_imported_on_request(shared_data: Path) -> None:
    with pytest.raises(ImportRejected) as refused:
        read_results(shared_data / OVERSEAS, "leg2017_t1")
    assert "ne donne que la participation" in refused.value.reason_fr and "--allow-partial-votes" in refused.value.reason_fr
    frame = pd.read_csv(shared_data / OVERSEAS, sep=";", decimal=",", dtype=str)
    parsed = read_results(shared_data / OVERSEAS, "leg2017_t1", allow_partial_votes=True)
    # Ministry letter codes: ZD 401 Les Avirons → 97401, ZX 701 Saint-Barthélemy → 97701, ZX 801 Saint-Martin → 97801.
    assert parsed.turnout.groupby("commune_code").size().to_dict() == {"2A001": 4, "97401": 13, "97701": 5, "97801": 19}
    assert int(parsed.turnout["registered"].sum()) == frame["Inscrits"].astype(int).sum()
    assert parsed.votes.empty
    assert any("participation seule" in w for w in parsed.report.warnings)


def test_marseille_shares_only_refused_in_french(shared_data: Path) -> None:
    with pytest.raises(ImportRejected) as refused:
        read_results(shared_data / MARSEILLE, "muni2014_t1")
    message = refused.value.reason_fr
    assert "que des pourcentages" in message and "pctvoix" in message and "nombre de voix" in message


def test_toulouse_without_mapping_names_its_columns(shared_data: Path) -> None:
    with pytest.raises(ImportRejected) as refused:
        read_results(shared_data / TOULOUSE, "muni2026_t2")
    assert "format de résultats non reconnu" in refused.value.reason_fr and "column_1" in refused.value.reason_fr
    assert "--mapping" in refused.value.reason_fr


# -- derived copies: structure, sums, invalid rows --------------------------------------------

@pytest.fixture(scope="module")
def loire(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / LOIRE_2022, dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, folder: Path, name: str = "pres2022_t1_copy.csv") -> Path:
    path = folder / name
    frame.to_csv(path, index=False)
    return path


def test_file_keeping_one_candidate_is_refused_unless_confirmed(loire: pd.DataFrame, tmp_path: Path) -> None:
    first_block_only = loire.loc[:, : "% Voix/Exp"]
    path = _write(first_block_only, tmp_path)
    with pytest.raises(ImportRejected) as refused:
        read_results(path, "pres2022_t1")
    assert "voix ≠ exprimés sur 55 bureaux sur 55" in refused.value.reason_fr and "--allow-partial-votes" in refused.value.reason_fr
    parsed = read_results(path, "pres2022_t1", allow_partial_votes=True)
    assert parsed.votes["candidate"].nunique() == 1
    assert "55 bureaux sur 55" in parsed.report.details["voix partielles"]


def test_broken_block_structure_is_refused_naming_what_was_expected(loire: pd.DataFrame, tmp_path: Path) -> None:
    broken = loire.drop(columns=["Voixct3"])
    with pytest.raises(ImportRejected) as refused:
        read_results(_write(broken, tmp_path), "pres2022_t1")
    message = refused.value.reason_fr
    assert "blocs de candidats illisibles" in message and "N°Panneau, Sexe, Nom, Prénom" in message
    assert "N°Panneauct3" in message  # the columns found


def test_votes_without_panel_column_says_blocks_not_bv_code(loire: pd.DataFrame, tmp_path: Path) -> None:
    no_panels = loire.drop(columns=[c for c in loire.columns if c.startswith("N°Panneau")])
    with pytest.raises(ImportRejected) as refused:
        read_results(_write(no_panels, tmp_path), "pres2022_t1")
    message = refused.value.reason_fr
    assert "N°Panneau" in message and "Code du b.vote" not in message.split("Colonnes trouvées")[0]


def test_skip_invalid_rows_listed_with_line_and_reason(loire: pd.DataFrame, tmp_path: Path) -> None:
    bad = loire.copy()
    bad.loc[2, "Inscrits"] = "douze"
    bad.loc[5, "Voixct4"] = "-3"
    path = _write(bad, tmp_path)
    with pytest.raises(ImportRejected) as refused:
        read_results(path, "pres2022_t1")
    assert refused.value.location.line == 4 and "--skip-invalid" in refused.value.reason_fr
    parsed = read_results(path, "pres2022_t1", skip_invalid=True)
    assert len(parsed.turnout) == 53
    rows = [(r.line, r.column, r.reason_fr, r.value) for r in parsed.report.invalid_rows]
    assert rows == [(4, "Inscrits", "nombre attendu (entier positif)", "douze"), (7, "Voixct4", "nombre de voix négatif", "-3")]
    assert parsed.report.rows_skipped == 2
    assert any("ligne 7, colonne « Voixct4 »" in line for line in parsed.report.lines_fr())


def test_import_log_records_the_choices(shared_data: Path, loire: pd.DataFrame, tmp_path: Path) -> None:
    from dashboard.warehouse.database import Warehouse, warehouse_path
    from dashboard.warehouse.importer import import_files

    bad = loire.copy()
    bad.loc[0, "Exprimés"] = ""
    path = _write(bad, tmp_path)
    data_dir = tmp_path / "data"
    import_files("results", [path], data_dir, ImportOptions(election="pres2022_t1", skip_invalid=True))
    import_files("results", [shared_data / OVERSEAS], data_dir, ImportOptions(election="leg2017_t1", allow_partial_votes=True))
    wh = Warehouse(warehouse_path(data_dir), read_only=True)
    try:
        log = wh.query("SELECT options, report FROM import_log ORDER BY import_id")
        counts = wh.query("SELECT election_id, count(*) AS n FROM turnout GROUP BY 1 ORDER BY 1")
    finally:
        wh.close()
    first, second = (json.loads(o) for o in log["options"])
    assert first["skip_invalid"] is True and "allow_partial_votes" not in first
    assert second["allow_partial_votes"] is True
    report = json.loads(log["report"].iloc[0])
    assert report["invalid_rows"] == [{"line": 2, "reason_fr": "valeur manquante", "column": "Exprimés", "value": ""}]
    assert counts.set_index("election_id")["n"].to_dict() == {"leg2017_t1": 41, "pres2022_t1": 54}


def test_join_report_says_contours_exist_with_other_ids(shared_data: Path, tmp_path: Path) -> None:
    from dashboard.warehouse.importer import import_files

    square = [[[-2.2, 47.27], [-2.19, 47.27], [-2.19, 47.28], [-2.2, 47.28], [-2.2, 47.27]]]
    features = [{"type": "Feature", "properties": {"codeCommune": "44184", "numeroBureauVote": str(n)},
                 "geometry": {"type": "Polygon", "coordinates": [[[x + 0.01 * n, y] for x, y in square[0]]]}} for n in (901, 902)]
    contours = tmp_path / "bv_44184.geojson"
    contours.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    data_dir = tmp_path / "data"
    import_files("stations", [contours], data_dir, ImportOptions(label="test 44184"))
    [report] = import_files("results", [shared_data / LOIRE_2022], data_dir, ImportOptions(election="pres2022_t1"))
    text = report.joins["bureaux sans contour"]
    assert re.search(r"pres2022_t1 · 44184 : \d+ bureau\(x\) sans contour, mais 2 contour\(s\) existent pour cette commune : les identifiants diffèrent", text)
    assert "contours : 44184_901, 44184_902" in text
    assert "44001 : aucun contour de bureau importé pour cette commune" in text


# -- property: any re-save suffix style gives the same parse ------------------------------------

_STYLES = {
    "pandas": lambda k: f".{k}",
    "underscore": lambda k: f"_{k}",
    "glued": lambda k: f"ct{k}",
    "space": lambda k: f" {k}",
}


def _canonical(parsed) -> list[tuple]:
    votes = parsed.votes[["station_id", "candidate", "panel", "votes"]]
    return sorted(map(tuple, votes.astype(str).to_numpy().tolist()))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(style=st.sampled_from(sorted(_STYLES)), first_suffixed=st.booleans(), offset=st.integers(0, 1))
def test_any_suffix_style_parses_the_same(loire: pd.DataFrame, style: str, first_suffixed: bool, offset: int) -> None:
    sample = loire.head(6)
    fixed = list(sample.columns[:21])
    block = ["N°Panneau", "Sexe", "Nom", "Prénom", "Voix", "% Voix/Ins", "% Voix/Exp"]
    columns = list(fixed)
    for k in range(12):
        # pandas: "", .1, .2…; Loire 2022: "", ct1…; Loire 2017: ct1…ct12 (every block, off by one)
        suffix = "" if k == 0 and not first_suffixed else _STYLES[style](k + offset)
        columns += [f"{name}{suffix}" for name in block]
    assert all(split_block_header(c) is not None for c in columns[21:])
    renamed = sample.set_axis(columns, axis=1)
    with tempfile.TemporaryDirectory() as folder:
        original = read_results(_write(sample, Path(folder), "a.csv"), "pres2022_t1")
        resaved = read_results(_write(renamed, Path(folder), "b.csv"), "pres2022_t1")
    assert _canonical(resaved) == _canonical(original)
    assert resaved.votes["candidate"].nunique() == 12


def test_cli_flags_reach_the_importer(shared_data: Path, loire: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dashboard.cli import main

    data_dir = str(tmp_path / "data")
    assert main(["import", "results", str(shared_data / OVERSEAS), "--election", "leg2017_t1", "--data-dir", data_dir]) == 1
    assert "--allow-partial-votes" in capsys.readouterr().err
    bad = loire.copy()
    bad.loc[1, "Votants"] = "?"
    path = _write(bad, tmp_path)
    argv = ["import", "results", str(path), "--election", "pres2022_t1", "--skip-invalid", "--json", "--data-dir", data_dir]
    assert main(argv) == 0
    [report] = json.loads(capsys.readouterr().out)
    assert report["invalid_rows"][0]["line"] == 3 and report["rows_imported"] == 54
