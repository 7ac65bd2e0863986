"""Issue #2 acceptance on the real files: what the warehouse holds after importing three communes."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from dashboard.warehouse import queries
from dashboard.warehouse.importer import import_files
from dashboard.ingest import ImportOptions
from dashboard.warehouse.database import Warehouse, warehouse_path


@pytest.fixture()
def wh(real_data_dir: Path):
    with Warehouse(warehouse_path(real_data_dir), read_only=True) as warehouse:
        yield warehouse


def test_station_counts_per_commune(wh: Warehouse) -> None:
    counts = wh.query("SELECT commune_code, count(*) AS n FROM station GROUP BY 1").set_index("commune_code")["n"].to_dict()
    assert counts["93010"] == 32
    assert counts["29019"] == 104
    assert counts["92019"] == 19


def test_turnout_totals(wh: Warehouse) -> None:
    def totals(election: str, commune: str) -> tuple[int, int, int]:
        row = wh.query(
            "SELECT count(*) AS n, sum(registered) AS r, sum(expressed) AS e FROM turnout WHERE election_id = ? AND commune_code = ?",
            [election, commune],
        ).iloc[0]
        return int(row["n"]), int(row["r"]), int(row["e"])

    assert totals("pres2022_t1", "93010") == (32, 25281, 17347)
    assert totals("leg2024_t1", "29019") == (104, 85102, 56519)
    assert totals("leg2024_t1", "92019")[0] == 20


def test_chatenay_new_station_reported_without_polygon(wh: Warehouse) -> None:
    missing = queries.results_without_polygon(wh, "leg2024_t1")
    chatenay = missing[missing["commune_code"] == "92019"]
    assert chatenay["station_id"].tolist() == ["92019_20"]
    # The other communes of the circonscription have no contours at all.
    assert missing.loc[missing["commune_code"] == "92002", "set_id"].isna().all()


def test_votes_sum_to_expressed_everywhere(wh: Warehouse) -> None:
    bad = wh.query(
        """SELECT t.election_id, t.station_id FROM turnout t
           JOIN (SELECT election_id, station_id, sum(votes) AS s FROM votes GROUP BY ALL) v USING (election_id, station_id)
           WHERE v.s <> t.expressed"""
    )
    assert bad.empty
    orphan = wh.query("SELECT count(*) AS n FROM turnout t WHERE NOT EXISTS (SELECT 1 FROM votes v WHERE v.election_id = t.election_id AND v.station_id = t.station_id)")
    assert int(orphan["n"].iat[0]) == 0


def test_blocs_assigned(wh: Warehouse) -> None:
    blocs = wh.query("SELECT candidate, bloc FROM votes WHERE station_id = '93010_1' AND election_id = 'pres2022_t1'").set_index("candidate")["bloc"]
    assert blocs["MÉLENCHON Jean-Luc"] == "gauche_radicale"
    assert blocs["LE PEN Marine"] == "extreme_droite"
    assert blocs["MACRON Emmanuel"] == "centre"
    leg = wh.query("SELECT DISTINCT nuance, bloc FROM votes WHERE election_id = 'leg2024_t1'").set_index("nuance")["bloc"]
    assert leg["UG"] == "gauche" and leg["RN"] == "extreme_droite" and leg["LR"] == "droite"


def test_bondy_iris_indicators_and_addresses_join(wh: Warehouse) -> None:
    assert int(wh.query("SELECT count(*) AS n FROM iris WHERE commune_code = '93010'")["n"].iat[0]) == 22
    assert queries.iris_without_indicators(wh).empty
    assert queries.indicators_without_iris(wh).empty
    assert int(wh.query("SELECT count(*) AS n FROM address WHERE commune_code = '93010'")["n"].iat[0]) == 5698
    assert queries.addresses_without_polygon(wh).empty
    label = wh.query("SELECT label FROM indicator WHERE variable = 'P16_ACT1564'")["label"].iat[0]
    assert "15-64" in label
    names = wh.query("SELECT name FROM reu_station WHERE station_id = '93010_1'")["name"].iat[0]
    assert "hotel de ville" in names


def test_geometry_stored_wgs84_with_display_levels(wh: Warehouse) -> None:
    row = wh.query("SELECT geometry::BLOB AS g, centroid_lon, centroid_lat, area_m2 FROM station WHERE station_id = '93010_1'").iloc[0]
    geom = shapely.from_wkb(bytes(row["g"]))
    assert 2.4 < geom.centroid.x < 2.6 and 48.8 < geom.centroid.y < 49.0
    assert 2.4 < row["centroid_lon"] < 2.6 and 10_000 < row["area_m2"] < 2_000_000
    levels = wh.query("SELECT level, count(*) AS n FROM station_display WHERE set_id = 'bureauxvotebrest' GROUP BY 1 ORDER BY 1")
    assert levels["n"].eq(122).all() and len(levels) == 5


def test_display_variants_tile_without_overlap(wh: Warehouse) -> None:
    import geopandas as gpd

    frame = wh.query("SELECT geometry::BLOB AS g FROM station_display WHERE set_id = 'bureauxvotebrest' AND level = 2")
    geoms = gpd.GeoSeries(shapely.from_wkb([bytes(b) for b in frame["g"]]), crs=4326).to_crs(2154)
    full = wh.query("SELECT geometry::BLOB AS g FROM station WHERE set_id = 'bureauxvotebrest'")
    full_geoms = gpd.GeoSeries(shapely.from_wkb([bytes(b) for b in full["g"]]), crs=4326).to_crs(2154)
    overlap = geoms.area.sum() - shapely.union_all(geoms.array).area
    assert overlap < 1.0  # m²
    assert shapely.coverage_is_valid(geoms.array)
    assert abs(geoms.area.sum() / full_geoms.area.sum() - 1) < 0.01
    vertices = shapely.get_num_coordinates(geoms.array).sum()
    assert vertices < 0.5 * shapely.get_num_coordinates(full_geoms.array).sum()


def test_reimport_changes_nothing(real_data_dir: Path, shared_data: Path, tmp_path: Path) -> None:
    import shutil

    data_dir = tmp_path / "copy"
    shutil.copytree(real_data_dir, data_dir)
    with Warehouse(warehouse_path(data_dir), read_only=True) as wh:
        before = wh.fingerprint()
    import_files("results", [shared_data / "bondy/results/bondy_2022.csv"], data_dir, ImportOptions(election="pres2022_t1"))
    import_files("stations", [shared_data / "brest/bv/BureauxVoteBrest.geojson"], data_dir)
    import_files("addresses", [shared_data / "bondy/reu/adresses93010.csv"], data_dir)
    import_files("iris-indicators", [shared_data / "bondy/iris/base-ic-activite-residents-2016-idf_93010.csv"], data_dir)
    with Warehouse(warehouse_path(data_dir), read_only=True) as wh:
        after = wh.fingerprint()
        logged = int(wh.query("SELECT count(*) AS n FROM import_log")["n"].iat[0])
    assert before == after
    assert logged == 10 + 4
