"""IRIS → polling-station interpolation: weights, conservation of totals, uncertainty, storage, CLI."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.iris import weights as iris_weights
from dashboard.iris.weights import (
    ADDRESSES, INTERPOLATED_COLUMNS, STATION_IRIS_COLUMNS, address_weights, area_weights, compute_station_iris,
    interpolate, uncertainty,
)
from dashboard.cli import main
from dashboard.iris.estimates import SURFACE, estimate, station_indicators
from dashboard.warehouse.database import Warehouse, warehouse_path

BONDY_SET = "bv-reu-osm-2022-bondy"
COUNT = "P16_ACT1564"  # Actifs 15-64 ans, a count of Bondy's activity file
# Area weighting: Bondy's OSM station contours cover ~95 % of the IRIS area, so summed
# over the 32 stations area-weighted counts give 97.3 %–98.6 % of the commune totals
# (measured; P16_ACT1564: 97.7 %). Address weighting: every IRIS's weights sum to exactly 1
# (all 5,698 REU addresses are assigned to one of the 32 stations and located in one of
# the 22 IRIS), so totals are conserved up to rounding (measured: ratio 1 ± 2e-16 for every
# variable); 1e-9 leaves room for float summation order only, far inside the 0.5 % asked.
BONDY_AREA_COVERAGE = (0.97, 1.001)
ADDRESS_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def bondy_copy(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the real warehouse whose station_iris holds the computed weights."""
    data_dir = tmp_path_factory.mktemp("interp")
    shutil.copy(warehouse_path(real_data_dir), warehouse_path(data_dir))
    with Warehouse(warehouse_path(data_dir)) as wh:
        iris_weights.store_station_iris(wh)
    return data_dir


@pytest.fixture(scope="module")
def stored(bondy_copy: Path) -> Iterator[Warehouse]:
    with Warehouse(warehouse_path(bondy_copy), read_only=True) as wh:
        yield wh


@pytest.fixture(scope="module")
def real(real_data_dir: Path) -> Iterator[Warehouse]:
    with Warehouse(warehouse_path(real_data_dir), read_only=True) as wh:
        yield wh


def _commune_total(wh: Warehouse, variable: str) -> float:
    return float(wh.query(
        "SELECT sum(value) FROM iris_indicator JOIN iris USING (code_iris) WHERE variable = ? AND commune_code = '93010'",
        [variable],
    ).iat[0, 0])


# -- real Bondy data ----------------------------------------------------------------------
def test_bondy_chooses_addresses_and_weights_are_shares(real: Warehouse) -> None:
    weights = compute_station_iris(real)
    assert list(weights.columns) == STATION_IRIS_COLUMNS
    bondy = weights[weights["set_id"] == BONDY_SET]
    assert bondy["station_id"].nunique() == 32 and (bondy["method"] == ADDRESSES).all()
    assert set(weights["set_id"]) == {BONDY_SET}  # Brest and Châtenay have no IRIS contours
    assert weights["weight"].between(0, 1).all()
    per_iris = bondy.groupby("code_iris")["weight"].sum()
    assert len(per_iris) == 22 and np.allclose(per_iris, 1.0)
    assert not weights.duplicated(["set_id", "station_id", "code_iris", "method"]).any()


def test_bondy_address_weighting_conserves_totals(stored: Warehouse) -> None:
    variables = stored.query("SELECT DISTINCT variable FROM iris_indicator ORDER BY 1")["variable"]
    for variable in variables:
        found = interpolate(stored, variable, 2016, BONDY_SET)
        assert list(found.columns) == INTERPOLATED_COLUMNS
        assert len(found) == 32 and found["value"].notna().all() and (found["method"] == ADDRESSES).all()
        total = _commune_total(stored, variable)
        assert found["value"].sum() == pytest.approx(total, rel=ADDRESS_TOLERANCE, abs=1e-6), variable
    found = interpolate(stored, COUNT, 2016, BONDY_SET)
    assert found["uncertainty"].between(0, 1).all()
    assert _commune_total(stored, "P16_POP1564") == pytest.approx(33969)


def test_bondy_area_weighting_totals_within_coverage(real: Warehouse) -> None:
    found = interpolate(real, COUNT, 2016, BONDY_SET)  # nothing stored: area weights on the fly
    assert len(found) == 32 and (found["method"] == SURFACE).all() and found["value"].notna().all()
    ratio = found["value"].sum() / _commune_total(real, COUNT)
    low, high = BONDY_AREA_COVERAGE
    assert low <= ratio <= high
    assert found["uncertainty"].between(0, 1).all()


def test_area_weights_match_the_station_detail_rule(real: Warehouse) -> None:
    stations = real.query(
        "SELECT station_id, commune_code, geometry::BLOB AS wkb FROM station WHERE set_id = ? ORDER BY station_id", [BONDY_SET]
    )
    iris = real.query("SELECT code_iris, commune_code, geometry::BLOB AS wkb FROM iris ORDER BY code_iris")
    weights = area_weights(iris_weights._gdf(stations), iris_weights._gdf(iris))
    assert weights["weight"].between(0, 1).all()
    per_iris = weights.groupby("code_iris")["weight"].sum()
    assert (per_iris <= 1 + 1e-9).all() and per_iris.median() > 0.95
    from dashboard.iris.estimates import surface_weights

    reference = surface_weights(real, BONDY_SET, "93010").set_index(["station_id", "code_iris"])["weight"]
    mine = weights.set_index(["station_id", "code_iris"])["weight"]
    assert np.allclose(mine.reindex(reference.index), reference)


def test_stored_weights_reach_station_indicators(stored: Warehouse) -> None:
    table = station_indicators(stored, "93010_1", BONDY_SET)
    assert not table.empty and (table["method"] == ADDRESSES).all()
    value = table.set_index("variable").loc[COUNT, "station_value"]
    assert value == pytest.approx(interpolate(stored, COUNT, 2016, BONDY_SET).set_index("station_id").loc["93010_1", "value"])


def test_cli_interpolate_is_idempotent_and_atomic(real_data_dir: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    shutil.copy(warehouse_path(real_data_dir), warehouse_path(tmp_path))
    assert main(["interpolate", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert "98 ligne(s)" in out.out and "32 par adresses" in out.out and "[100 %]" in out.err
    with Warehouse(warehouse_path(tmp_path), read_only=True) as wh:
        first = wh.fingerprint()
    assert first["station_iris"][0] == 98
    assert main(["interpolate", "--data-dir", str(tmp_path)]) == 0
    with Warehouse(warehouse_path(tmp_path), read_only=True) as wh:
        assert wh.fingerprint() == first

    # A failure while writing (duplicate keys: the insert fails after the delete) changes nothing.
    compute = iris_weights.compute_station_iris
    monkeypatch.setattr(iris_weights, "compute_station_iris", lambda *a, **k: pd.concat([compute(*a, **k)] * 2))
    assert main(["interpolate", "--data-dir", str(tmp_path)]) == 1
    assert "entrepôt inchangé" in capsys.readouterr().err
    with Warehouse(warehouse_path(tmp_path), read_only=True) as wh:
        assert wh.fingerprint() == first


def test_cli_interpolate_without_warehouse(tmp_path: Path, capsys) -> None:
    assert main(["interpolate", "--data-dir", str(tmp_path / "none")]) == 1
    assert "entrepôt introuvable" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()


# -- demo: a station split since the older boundaries -------------------------------------
def test_addresses_of_a_station_created_since_go_to_the_older_contour(demo_dir: Path) -> None:
    """The REU assigns addresses to today's BV 7 and 41 (split in 2024): on the 2022 contours,
    BV 41's addresses lie in the old, larger BV 7, which gets them (instead of losing them)."""
    with Warehouse(warehouse_path(demo_dir), read_only=True) as wh:  # `isoloir demo` stored station_iris
        old = interpolate(wh, "P21_POP", 2021, "contours-2022-demo").set_index("station_id")
        new = interpolate(wh, "P21_POP", 2021, "contours-2024-demo").set_index("station_id")
        total = float(wh.query("SELECT sum(value) FROM iris_indicator WHERE variable = 'P21_POP' AND year = 2021").iat[0, 0])
    assert (old["method"] == ADDRESSES).all() and (new["method"] == ADDRESSES).all()
    assert "45999_41" not in old.index and len(new) == len(old) + 1
    assert old.loc["45999_7", "value"] == pytest.approx(new.loc["45999_7", "value"] + new.loc["45999_41", "value"])
    assert old["value"].drop("45999_7").to_numpy() == pytest.approx(new["value"].drop(["45999_7", "45999_41"]).to_numpy())
    assert old["value"].sum() == pytest.approx(total, rel=1e-9) and new["value"].sum() == pytest.approx(total, rel=1e-9)


def test_located_in_stations_keeps_the_commune_and_drops_points_outside() -> None:
    stations = gpd.GeoDataFrame(
        {"station_id": ["S1", "S2", "T1"], "commune_code": ["1", "1", "2"]},
        geometry=[shapely.box(2.0, 48.0, 2.01, 48.01), shapely.box(2.01, 48.0, 2.02, 48.01), shapely.box(2.0, 48.0, 2.02, 48.01)],
        crs=4326,
    )
    addresses = pd.DataFrame({
        "station_id": ["NEW", "NEW", "NEW", "NEW"], "commune_code": ["1", "1", "1", "2"],
        "lon": [2.005, 2.015, 2.05, 2.005], "lat": [48.005] * 4, "n_addresses": [3, 1, 1, 2],
    })
    found = iris_weights.located_in_stations(addresses, stations)
    assert found[["station_id", "commune_code", "n_addresses"]].to_dict("records") == [
        {"station_id": "S1", "commune_code": "1", "n_addresses": 3},
        {"station_id": "S2", "commune_code": "1", "n_addresses": 1},
        {"station_id": "T1", "commune_code": "2", "n_addresses": 2},
    ]


# -- synthetic ----------------------------------------------------------------------------
def _squares(cuts: list[float], prefix: str, key: str, horizontal: bool = True) -> gpd.GeoDataFrame:
    """Strips of the unit square between consecutive cuts (EPSG:6933 metres, scaled up)."""
    edges = [0.0, *sorted(cuts), 1.0]
    boxes = [
        shapely.box(a * 1000, 0, b * 1000, 1000) if horizontal else shapely.box(0, a * 1000, 1000, b * 1000)
        for a, b in zip(edges[:-1], edges[1:]) if b - a > 1e-6
    ]
    return gpd.GeoDataFrame({key: [f"{prefix}{i}" for i in range(len(boxes))]}, geometry=boxes, crs=6933)


def test_unions_of_whole_iris_are_exact_with_no_uncertainty() -> None:
    iris = _squares([0.25, 0.5, 0.75], "I", "code_iris")
    stations = gpd.GeoDataFrame(
        {"station_id": ["A", "B"]},
        geometry=[shapely.union_all(iris.geometry[:1].array), shapely.union_all(iris.geometry[1:].array)], crs=6933,
    )
    weights = area_weights(stations, iris)
    assert np.allclose(weights["weight"], 1.0) and len(weights) == 4
    spread = uncertainty(weights, pd.Series([10.0, 20.0, 30.0, 40.0], index=iris["code_iris"]))
    assert (spread == 0).all()
    values = pd.DataFrame({"code_iris": iris["code_iris"], "variable": "P21_POP", "year": 2021, "value": [10.0, 20.0, 30.0, 40.0]})
    catalog = pd.DataFrame({"variable": ["P21_POP"], "year": [2021], "label": ["Population"], "theme": ["population"]})
    found = estimate(weights.rename(columns={"station_id": "unit"}), values, catalog, pd.Series(1.0, index=iris["code_iris"]))
    assert found.set_index("unit")["value"].to_dict() == pytest.approx({"A": 10.0, "B": 90.0})


def test_uncertainty_counts_population_from_split_iris() -> None:
    weights = pd.DataFrame({
        "station_id": ["A", "A", "B"], "code_iris": ["I1", "I2", "I2"], "weight": [1.0, 0.5, 0.5],
    })
    # A: all of I1 (100, counted) and half of I2 (100 people, half of I2 held by B) -> 50 / 200
    spread = uncertainty(weights, pd.Series({"I1": 100.0, "I2": 200.0}))
    assert spread["A"] == pytest.approx(0.5 * 100 / 200) and spread["B"] == pytest.approx(0.5)
    assert uncertainty(weights)["A"] == pytest.approx(0.5 * 0.5 / 1.5)
    # a thin slice of a large IRIS is nearly all apportioned; a station holding 99 % of it is exact
    thin = pd.DataFrame({"station_id": ["S", "T"], "code_iris": ["I", "I"], "weight": [0.05, 0.95]})
    assert uncertainty(thin)["S"] == pytest.approx(0.95) and uncertainty(thin)["T"] == pytest.approx(0.05)
    nearly = pd.DataFrame({"station_id": ["S", "T"], "code_iris": ["I", "I"], "weight": [0.995, 0.005]})
    assert uncertainty(nearly)["S"] == 0.0


def test_address_weights_follow_the_assignment_and_fall_back_to_areas() -> None:
    iris = gpd.GeoDataFrame(
        {"code_iris": ["I1", "I2", "I3"]},
        geometry=[shapely.box(2.0, 48.0, 2.01, 48.01), shapely.box(2.01, 48.0, 2.02, 48.01), shapely.box(2.02, 48.0, 2.03, 48.01)],
        crs=4326,
    )
    addresses = pd.DataFrame({
        "station_id": ["A", "A", "B", "B", "Z"],
        "lon": [2.005, 2.015, 2.015, 2.015, 2.005],
        "lat": [48.005] * 5,
        "n_addresses": [4, 1, 2, None, 50],  # None counts once; Z is not a station of this version
    })
    fallback = pd.DataFrame({"station_id": ["A", "B"], "code_iris": ["I3", "I3"], "weight": [0.25, 0.5]})
    weights = address_weights(addresses, iris, ["A", "B"], fallback=fallback).set_index(["station_id", "code_iris"])["weight"]
    assert weights.to_dict() == pytest.approx({("A", "I1"): 1.0, ("A", "I2"): 0.25, ("B", "I2"): 0.75, ("A", "I3"): 0.25, ("B", "I3"): 0.5})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    station_cuts=st.lists(st.floats(0.01, 0.99), max_size=5),
    iris_cuts=st.lists(st.floats(0.01, 0.99), max_size=5),
    crosswise=st.booleans(),
    counts=st.lists(st.floats(0, 1e4), min_size=6, max_size=6),
)
def test_random_partitions_conserve_totals(station_cuts, iris_cuts, crosswise, counts) -> None:
    stations = _squares(station_cuts, "S", "station_id", horizontal=crosswise)
    iris = _squares(iris_cuts, "I", "code_iris")
    weights = area_weights(stations, iris)
    assert weights["weight"].between(0, 1 + 1e-9).all()
    assert np.allclose(weights.groupby("code_iris")["weight"].sum(), 1.0)
    value = pd.Series(counts[: len(iris)], index=iris["code_iris"].to_numpy())
    interpolated = (weights["weight"] * weights["code_iris"].map(value)).groupby(weights["station_id"]).sum()
    assert interpolated.sum() == pytest.approx(value.sum(), rel=1e-9, abs=1e-6)
    spread = uncertainty(weights, value)
    assert spread.between(0, 1).all()
