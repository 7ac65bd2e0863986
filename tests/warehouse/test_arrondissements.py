"""Paris and Marseille end to end: contours, Ministry results, IRIS coded by arrondissement,
``isoloir interpolate``, territory choices by arrondissement and the join report.

One warehouse per module: the wild Marseille contours (JS-wrapped) with synthetic IRIS
(one per arrondissement, 132xx) and a Ministry-layout results file; synthetic Paris
contours (``arr-num`` ids) cut out of IRIS squares whose codes and values are those of the
real Paris IRIS diplômes file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import shapely

from dashboard.cli import main
from dashboard.ingest import ImportOptions
from dashboard.ingest.ids import station_arrondissement
from dashboard.ingest.results import read_results
from dashboard.iris.weights import interpolate
from dashboard.maps.territory import Territory, communes, resolve
from dashboard.warehouse.database import Warehouse, warehouse_path
from dashboard.warehouse.importer import import_files
from tests.marseille_iris import MARSEILLE, MOI_HEADER, collection, marseille_features, write_marseille_iris, write_marseille_results

MAPPINGS = Path(__file__).resolve().parents[2] / "docs" / "mappings"
DIPLOMES = "wild/paris-iris-gordesch/diplomes-2015.trim-75101-75102-75105.csv"
MARSEILLE_BUREAUX = ("0101", "0102", "1614", "0932")  # 932 has no contour in the 2014 file


@pytest.fixture(scope="module")
def plm(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("plm")
    data_dir = folder / "data"
    marseille = shared_data / MARSEILLE
    features = marseille_features(shared_data)
    iris_marseille, pop_marseille = write_marseille_iris(shared_data, folder)
    results = write_marseille_results(folder, MARSEILLE_BUREAUX)

    # Paris: one square per IRIS of the diplômes file, cut in two stations "<arr>-<n>".
    codes = pd.read_csv(shared_data / DIPLOMES, dtype=str)["IRIS"].tolist()
    paris_iris, paris_bv, counter = [], [], {}
    for k, code in enumerate(codes):
        x, y = 2.30 + 0.004 * (k % 10), 48.84 + 0.004 * (k // 10)
        paris_iris.append(({"CODE_IRIS": code}, shapely.box(x, y, x + 0.004, y + 0.004)))
        arr = int(code[3:5])
        for half in (0, 1):
            counter[arr] = counter.get(arr, 0) + 1
            paris_bv.append(({"arr-num": f"{arr}-{counter[arr]}", "iris": code}, shapely.box(x + 0.002 * half, y, x + 0.002 * (half + 1), y + 0.004)))
    (folder / "iris_paris.geojson").write_text(collection(paris_iris))
    (folder / "bv_paris.geojson").write_text(collection(paris_bv))

    reports = {}
    reports["stations"] = import_files("stations", [marseille], data_dir, ImportOptions(
        mapping=MAPPINGS / "marseille2014-makina-bureaux.toml", label="Marseille 2014"))[0]
    reports["paris"] = import_files("stations", [folder / "bv_paris.geojson"], data_dir, ImportOptions(
        mapping=MAPPINGS / "paris-arr-num-bureaux.toml", label="Paris test"))[0]
    reports["results"] = import_files("results", [results], data_dir, ImportOptions(election="pres2022_t1"))[0]
    import_files("iris-contours", [iris_marseille, folder / "iris_paris.geojson"], data_dir)
    import_files("iris-indicators", [pop_marseille], data_dir, ImportOptions(year=2015))
    import_files("iris-indicators", [shared_data / DIPLOMES], data_dir)
    assert main(["interpolate", "--data-dir", str(data_dir)]) == 0
    return {"data_dir": data_dir, "reports": reports, "features": features, "paris_bv": paris_bv, "codes": codes}


def _wh(plm: dict) -> Warehouse:
    return Warehouse(warehouse_path(plm["data_dir"]), read_only=True)


def test_ministry_results_join_the_city_contours(plm: dict) -> None:
    wh = _wh(plm)
    try:
        joined = wh.query(
            "SELECT t.station_id FROM turnout t JOIN station s USING (station_id) WHERE t.commune_code = '13055' ORDER BY 1"
        )["station_id"].tolist()
    finally:
        wh.close()
    assert joined == ["13055_101", "13055_102", "13055_1614"]
    missing = plm["reports"]["results"].joins["bureaux sans contour"]
    assert "13055 : 1 bureau(x) sans contour (13055_932)" in missing


def test_contours_without_results_are_told_per_commune(plm: dict) -> None:
    told = plm["reports"]["paris"].joins["contours sans résultats"]
    assert f"75056 : aucun résultat importé pour cette commune ({len(plm['paris_bv'])} contours)" in told


def test_interpolate_weighs_arrondissement_iris_on_city_stations(plm: dict, shared_data: Path) -> None:
    wh = _wh(plm)
    try:
        weights = wh.query("SELECT station_id, set_id, code_iris, weight FROM station_iris")
        marseille = interpolate(wh, "P15_POP", 2015, "marseille-2014").set_index("station_id")
        paris = interpolate(wh, "P15_NSCOL15P", 2015, "paris-test").set_index("station_id")
    finally:
        wh.close()
    m = weights[weights["set_id"] == "marseille-2014"]
    assert m["station_id"].nunique() == len(plm["features"]) == 471
    # each station lies in the IRIS of its own arrondissement (neighbours touch by slivers only)
    own = m["code_iris"].str[:5] == m["station_id"].map(station_arrondissement)
    assert own.groupby(m["station_id"]).any().all() and m.loc[~own, "weight"].max() < 1e-3
    assert m.groupby("code_iris")["weight"].sum().round(6).eq(1.0).all()
    per_arr = marseille.groupby(marseille.index.map(station_arrondissement))["value"].sum()
    assert per_arr.to_dict() == pytest.approx({f"132{n:02d}": 1000.0 * n for n in range(1, 17)}, rel=1e-3)
    p = weights[weights["set_id"] == "paris-test"]
    assert p["station_id"].nunique() == len(plm["paris_bv"]) and p["weight"].round(6).eq(0.5).all()
    table = pd.read_csv(shared_data / DIPLOMES, dtype={"IRIS": str}).set_index("IRIS")
    expected = {}
    for props, _ in plm["paris_bv"]:
        arr, n = props["arr-num"].split("-")
        expected[f"75056_{int(arr)}{int(n):02d}"] = table.loc[props["iris"], "P15_NSCOL15P"] / 2
    assert paris["value"].round(6).to_dict() == pytest.approx(expected)


def test_maps_by_arrondissement_or_whole_city(plm: dict) -> None:
    wh = _wh(plm)
    try:
        listed = communes(wh)
        whole = resolve(wh, Territory(communes=("13055",)))
        first = resolve(wh, Territory(communes=("13201",)))
        paris_5 = resolve(wh, Territory(communes=("75105",)))
    finally:
        wh.close()
    arr = listed[listed["code"].str.startswith("132")]
    assert len(arr) == 16 and arr["name"].iloc[0] == "Marseille 1er arrondissement"
    assert int(arr["stations"].sum()) == int(listed.loc[listed["code"] == "13055", "stations"].item()) == 471
    assert whole.communes == ("13055",) and whole.stations is None
    expected = {f"13055_{int(f['properties']['BUREAU'])}" for f in plm["features"] if int(f["properties"]["BUREAU"]) // 100 == 1}
    assert first.communes == ("13055",) and set(first.stations or ()) == expected
    assert paris_5.stations and all(s.startswith("75056_5") for s in paris_5.stations)


def test_results_coded_by_arrondissement_take_the_canonical_ids(tmp_path: Path) -> None:
    path = tmp_path / "paris_pres2022_t1.csv"
    rows = [f"75;Paris;{commune};Paris {commune};{bv};100;40;60;3;2;55;1;F;DUPONT;Anne;30;0;0;2;M;MARTIN;Paul;25;0;0"
            for commune, bv in (("118", "20"), ("101", "0001"))]  # arrondissement communes, bureau ranks inside them
    path.write_text("\n".join([MOI_HEADER, *rows]) + "\n", encoding="utf-8")
    parsed = read_results(path, "pres2022_t1", None)
    turnout = parsed.turnout.set_index("station_id")
    assert turnout.index.tolist() == ["75056_1820", "75056_101"]
    assert turnout["commune_code"].tolist() == ["75056", "75056"] and turnout["bv_code"].tolist() == ["1820", "101"]
