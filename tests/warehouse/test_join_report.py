"""The join report tells the truth: contours that exist under other ids, changed contours,
skipped features recorded in import_log (small synthetic files through the CLI)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
import shapely

from dashboard.cli import main
from dashboard.warehouse import queries
from dashboard.warehouse.database import Warehouse, warehouse_path
from dashboard.warehouse.joins import describe_missing_polygons

MOI_HEADER = ("Code du département;Libellé du département;Code de la commune;Libellé de la commune;Code du b.vote;Inscrits;"
              "Abstentions;Votants;Blancs;Nuls;Exprimés;N°Panneau;Sexe;Nom;Prénom;Voix;% Voix/Ins;% Voix/Exp;;;;;;;")


def _squares(shift: float = 0.0) -> list[shapely.Geometry]:
    return [shapely.box(1.40 + 0.01 * i + (shift if i == 1 else 0), 43.60, 1.409 + 0.01 * i + (shift if i == 1 else 0), 43.609)
            for i in range(3)]


def _contours(path: Path, ids: list[str], geoms: list[shapely.Geometry | None]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id_bv": i}, "geometry": None if g is None else shapely.geometry.mapping(g)}
        for i, g in zip(ids, geoms)
    ]}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("joins")
    data = folder / "data"
    capture: dict = {}

    def run(key: str, *args: str) -> None:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["import", *args, "--data-dir", str(data), "--json"]) == 0
        capture[key] = json.loads(out.getvalue())[0]

    ids = ["31555_1", "31555_2", "31555_3"]
    results = folder / "toulouse.csv"
    results.write_text("\n".join([MOI_HEADER] + [
        f"31;Haute-Garonne;555;Toulouse;{bv};100;40;60;3;2;55;1;F;DUPONT;Anne;30;0;0;2;M;MARTIN;Paul;25;0;0"
        for bv in ("0101", "0102")
    ]) + "\n", encoding="utf-8")
    run("results", "results", str(results), "--election", "pres2022_t1")
    run("first", "stations", str(_contours(folder / "a.geojson", ids, _squares())), "--label", "Version A")
    run("moved", "stations", str(_contours(folder / "b.geojson", ids, [*_squares(0.004)[:2], None])), "--label", "Version B",
        "--skip-invalid")
    wh = Warehouse(warehouse_path(data), read_only=True)
    try:
        capture["log"] = wh.query("SELECT file_name, options, report, rows_skipped FROM import_log ORDER BY imported_at")
    finally:
        wh.close()
    capture["data"] = data
    return capture


def test_contours_of_a_commune_whose_results_use_other_ids(reports: dict) -> None:
    told = reports["first"]["joins"]["contours sans résultats"]
    assert "31555 : 3 contour(s) sur 3 sans résultats (31555_1, 31555_2, 31555_3)" in told


def test_changed_contours_are_listed(reports: dict) -> None:
    changed = reports["moved"]["joins"]["bureaux dont le contour a changé"]
    assert "par rapport à version-a : 1 sur 2 (31555_2 (" in changed


def test_skipped_features_are_in_the_report_and_import_log(reports: dict) -> None:
    skipped = reports["moved"]["skipped"]
    assert skipped == [{"reason_fr": "géométrie absente ou vide", "count": 1, "lines": [3]}]
    log = reports["log"]
    row = log[log["file_name"] == "b.geojson"].iloc[0]
    assert int(row["rows_skipped"]) == 1 and '"skip_invalid": true' in row["options"]
    assert json.loads(row["report"])["skipped"][0]["lines"] == [3]


def test_results_without_contours_say_that_ids_differ(reports: dict) -> None:
    # the results were imported before any contour: there was none then
    assert "aucun contour de bureau importé pour cette commune (2 bureaux)" in reports["results"]["joins"]["bureaux sans contour"]
    wh = Warehouse(warehouse_path(reports["data"]), read_only=True)
    try:
        lines = describe_missing_polygons(queries.results_without_polygon(wh, "pres2022_t1"), wh)
    finally:
        wh.close()
    assert lines == [
        "pres2022_t1 · 31555 : 2 bureau(x) sans contour, mais 3 contour(s) existent pour cette commune : "
        "les identifiants diffèrent (résultats : 31555_101, 31555_102 ; contours : 31555_1, 31555_2, 31555_3)"
    ]
