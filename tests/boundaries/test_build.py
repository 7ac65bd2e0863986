"""Station polygons from addresses: a partition of the outline holding every address in its own station."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.boundaries.build import (
    EMPTY, EMPTY_M, FEW_ADDRESSES, IRIS, METHODS, SPLIT_M, STREETS, VORONOI, BuildRefused, build_from_addresses, clean_outline, street_seeds,
)
from dashboard.boundaries.quality import measure

# A 1 km square in Lambert-93 (Paris region): coordinates in metres, converted to lon/lat.
ORIGIN = (652_000.0, 6_862_000.0)
SIDE = 1000.0


def _lonlat(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    points = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0] + ORIGIN[0], xy[:, 1] + ORIGIN[1]), crs=2154).to_crs(4326)
    return points.x.to_numpy(), points.y.to_numpy()


def _outline(shape: shapely.Geometry) -> gpd.GeoSeries:
    return gpd.GeoSeries([shapely.affinity.translate(shape, *ORIGIN)], crs=2154).to_crs(4326)


def _addresses(xy: np.ndarray, stations: list[str], streets: list[str] | None = None, numbers: list[int] | None = None) -> pd.DataFrame:
    lon, lat = _lonlat(np.asarray(xy, dtype=float))
    return pd.DataFrame({
        "address_id": [f"a{i}@{s}" for i, s in enumerate(stations)], "station_id": stations, "commune_code": "93010",
        "street": streets if streets is not None else [None] * len(stations),
        "housenumber": [str(n) for n in numbers] if numbers is not None else [None] * len(stations),
        "lon": lon, "lat": lat,
    })


def _metric(result) -> gpd.GeoDataFrame:  # noqa: ANN001 - a BuildResult
    return result.stations.to_crs(result.metric["93010"])


def _check_partition(result) -> None:  # noqa: ANN001 - a BuildResult
    quality = measure(result)
    outline_m2 = result.outlines.to_crs(result.metric["93010"]).area.sum()  # the build's metric CRS
    geoms = np.asarray(_metric(result).geometry.array, dtype=object)
    union = shapely.union_all(geoms)
    assert quality.summary["gap_m2"] <= 1.0 and quality.summary["overlap_m2"] <= 1.0
    assert abs(shapely.area(union) - outline_m2) <= 1.0
    assert shapely.area(geoms).sum() - shapely.area(union) <= 1.0  # no overlap
    assert quality.summary["containment"] == 1.0, quality.exceptions
    assert len(quality.exceptions) == 0


square = shapely.box(0, 0, SIDE, SIDE)
halves = [shapely.box(0, 0, SIDE / 2, SIDE), shapely.box(SIDE / 2, 0, SIDE, SIDE)]
iris_halves = gpd.GeoSeries([shapely.affinity.translate(h, *ORIGIN) for h in halves], crs=2154)


@st.composite
def address_sets(draw: st.DrawFn) -> tuple[np.ndarray, list[str]]:
    n = draw(st.integers(3, 25))
    coords = draw(st.lists(st.tuples(st.floats(5, SIDE - 5), st.floats(5, SIDE - 5)), min_size=n, max_size=n))
    stations = draw(st.lists(st.sampled_from(["93010_1", "93010_2", "93010_3", "93010_4"]), min_size=n, max_size=n))
    # some addresses share a point with another (the same building split between stations)
    copies = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3))
    for src, dst in copies:
        coords[dst] = coords[src]
    return np.array(coords), stations


@pytest.mark.parametrize("method", METHODS)  # every method, each on its own random sets
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=address_sets())
def test_partition_of_random_address_sets(data: tuple[np.ndarray, list[str]], method: str) -> None:
    xy, stations = data
    frame = _addresses(xy, stations, streets=["Rue A"] * len(stations), numbers=list(range(1, len(stations) + 1)))
    frame = frame.drop_duplicates("address_id")
    result = build_from_addresses(frame, _outline(square).iloc[0], method=method, iris=iris_halves)
    _check_partition(result)
    assert set(result.stations["station_id"]) == set(stations)


def test_one_point_shared_by_three_stations_is_split_and_reported() -> None:
    xy = np.array([[500, 500]] * 3 + [[200, 200], [800, 200], [500, 900], [210, 220], [790, 220]], dtype=float)
    stations = ["93010_1", "93010_2", "93010_3", "93010_1", "93010_2", "93010_3", "93010_1", "93010_2"]
    result = build_from_addresses(_addresses(xy, stations), _outline(square).iloc[0], method=VORONOI)
    shared = result.shared_points
    assert sorted(shared["station_id"]) == ["93010_1", "93010_2", "93010_3"]
    assert (shared["moved_m"] == SPLIT_M).all()
    assert set(shared.loc[shared["station_id"] == "93010_1", "other_stations"]) == {"93010_2, 93010_3"}
    _check_partition(result)
    # each copy moved 1 m towards its own station: station 1's copy towards its addresses in the south-west
    crs = result.metric["93010"]
    point = gpd.GeoSeries(gpd.points_from_xy(shared["lon"], shared["lat"]), crs=4326).to_crs(crs).iloc[0]
    moved = result.points.set_index("address_id").loc["a0@93010_1"]
    own = result.points.set_index("address_id").loc["a3@93010_1"]
    assert np.hypot(moved["x"] - point.x, moved["y"] - point.y) == pytest.approx(SPLIT_M, abs=0.01)
    assert np.hypot(moved["x"] - own["x"], moved["y"] - own["y"]) < np.hypot(point.x - own["x"], point.y - own["y"]) - 0.9


def test_a_tiny_station_is_reported_and_still_holds_its_address() -> None:
    xy = np.array([[100 + 40 * i, 100 + 30 * (i % 5)] for i in range(20)] + [[900, 900]], dtype=float)
    stations = ["93010_1"] * 10 + ["93010_2"] * 10 + ["93010_3"]
    result = build_from_addresses(_addresses(xy, stations), _outline(square).iloc[0])
    assert result.small_stations.to_dict(orient="records") == [{"station_id": "93010_3", "n_addresses": 1}]
    assert FEW_ADDRESSES > 1
    _check_partition(result)


def test_an_address_outside_the_outline_is_an_explained_exception() -> None:
    xy = np.array([[100, 100], [900, 900], [150, 120], [SIDE + 50, 500]], dtype=float)
    stations = ["93010_1", "93010_2", "93010_1", "93010_2"]
    result = build_from_addresses(_addresses(xy, stations), _outline(square).iloc[0])
    quality = measure(result)
    assert result.outside["address_id"].tolist() == ["a3@93010_2"]
    assert result.outside["distance_m"].iloc[0] == pytest.approx(50, abs=0.5)
    assert quality.summary["containment"] == 0.75
    assert quality.exceptions.to_dict(orient="records") == [
        {"address_id": "a3@93010_2", "station_id": "93010_2", "reason": "hors du contour de la commune"}
    ]
    assert quality.summary["gap_m2"] <= 1.0


def test_street_seeds_follow_each_side_and_split_between_stations_at_the_midpoint() -> None:
    points = pd.DataFrame({
        "x": [0.0, 20.0, 40.0, 0.0], "y": [0.0, 0.0, 0.0, 10.0],
        "station_id": ["A", "A", "B", "C"], "street": ["Rue X"] * 4, "number": [1, 3, 5, 2],
    })
    seeds = street_seeds(points, step=4, max_gap=100)
    assert set(seeds["y"]) == {0.0}  # the even side (one address) gets none
    a, b = seeds[seeds["station_id"] == "A"], seeds[seeds["station_id"] == "B"]
    assert a["x"].max() < 30 < b["x"].min()
    assert len(street_seeds(points, step=4, max_gap=15)) == 0  # numbers 20 m apart are not joined


def test_iris_method_gives_pieces_without_addresses_to_a_neighbour() -> None:
    # Station 1 lives west of the IRIS edge at x = 500, station 2 east of it but far from it: plain
    # Voronoi gives station 1 a strip east of the edge, the IRIS cut gives it back to station 2.
    xy = np.array([[480, y] for y in range(100, 1000, 100)] + [[900, y] for y in range(100, 1000, 100)], dtype=float)
    stations = ["93010_1"] * 9 + ["93010_2"] * 9
    frame = _addresses(xy, stations)
    plain = _metric(build_from_addresses(frame, _outline(square).iloc[0], method=VORONOI)).set_index("station_id")
    cut = _metric(build_from_addresses(frame, _outline(square).iloc[0], method=IRIS, iris=iris_halves)).set_index("station_id")
    assert plain.loc["93010_1"].geometry.area == pytest.approx(690 * SIDE, rel=0.01)
    assert cut.loc["93010_1"].geometry.area == pytest.approx(500 * SIDE, rel=0.01)


def test_clean_outline_closes_cracks_and_pinholes_only() -> None:
    cracked = shapely.union(shapely.box(0, 0, 100, 100), shapely.box(100.3, 0, 200, 100)).difference(shapely.box(50, 50, 52, 52))
    lake = shapely.box(0, 0, 200, 100).difference(shapely.box(120, 20, 160, 60))
    assert clean_outline(cracked).geom_type == "Polygon" and clean_outline(cracked).area == pytest.approx(20_000, abs=1)
    assert clean_outline(lake).area == pytest.approx(lake.area, abs=0.01)


def test_refusals_are_french() -> None:
    frame = _addresses(np.array([[1, 1], [2, 2]], dtype=float), ["93010_1", "93010_2"])
    with pytest.raises(BuildRefused, match="méthode inconnue"):
        build_from_addresses(frame, _outline(square).iloc[0], method="magie")
    other = frame.assign(commune_code="93011")
    with pytest.raises(BuildRefused, match="pas de contour pour la commune 93011"):
        build_from_addresses(pd.concat([frame, other]), gpd.GeoDataFrame({"commune_code": ["93010"]}, geometry=_outline(square).to_numpy(), crs=4326))
    assert STREETS in METHODS


def _station_at(result, x: float, y: float) -> str:  # noqa: ANN001 - a BuildResult
    stations = _metric(result)
    point = shapely.Point(x + ORIGIN[0], y + ORIGIN[1])
    point = gpd.GeoSeries([point], crs=2154).to_crs(result.metric["93010"]).iloc[0]
    return str(stations.loc[stations.covers(point), "station_id"].iloc[0])


def test_empty_method_moves_only_empty_land_across_an_iris_contour() -> None:
    # Station 1 fills the west IRIS; station 2 only the north of the east IRIS: the south-east is
    # empty land that plain Voronoi gives to station 1's nearest houses across the IRIS contour.
    west = [[x, y] for x in (50, 150, 250, 350, 450) for y in (100, 300, 500, 700, 900)]
    east = [[x, y] for x in (550, 650, 750, 850, 950) for y in (650, 800, 950)]
    frame = _addresses(np.array(west + east, dtype=float), ["93010_1"] * len(west) + ["93010_2"] * len(east))
    built = {m: build_from_addresses(frame, _outline(square).iloc[0], method=m, iris=iris_halves) for m in (VORONOI, IRIS, EMPTY)}
    for result in built.values():
        _check_partition(result)
    far, near = (800, 150), (450 + EMPTY_M * 0.75, 100)  # far: > 300 m from any address; near: 60 m from (450, 100)
    assert _station_at(built[VORONOI], *far) == "93010_1" and _station_at(built[VORONOI], *near) == "93010_1"
    assert _station_at(built[IRIS], *far) == "93010_2" and _station_at(built[IRIS], *near) == "93010_2"
    assert _station_at(built[EMPTY], *far) == "93010_2"  # empty land follows the IRIS contour
    assert _station_at(built[EMPTY], *near) == "93010_1"  # land near a house stays with it (Voronoi)
