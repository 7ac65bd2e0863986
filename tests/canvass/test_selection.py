"""Selection geometry: lasso repair, point in polygon, the station inclusion rule, empty and outside lassos."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st

import dashboard.canvass.sources as sources
from dashboard.canvass.errors import CanvassError, LassoError
from dashboard.canvass.selection import (
    AREA_BASIS,
    combine,
    lasso_polygon,
    points_in_polygon,
    select,
    select_by_value,
    select_commune,
    select_from,
    select_iris,
    select_stations,
    station_shares,
    stations_at_least,
)
from dashboard.ingest.addresses import read_addresses
from dashboard.warehouse.database import Warehouse, warehouse_path

SQUARE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]


# -- lasso ---------------------------------------------------------------------------------
def test_a_square_lasso_is_its_polygon_closed_or_not() -> None:
    open_ring = lasso_polygon(SQUARE)
    closed = lasso_polygon(SQUARE + [SQUARE[0]])
    assert open_ring.geom_type == "Polygon" and open_ring.is_valid
    assert open_ring.area == pytest.approx(1.0)
    assert open_ring.equals(closed)


@pytest.mark.parametrize(
    ("coords", "words"),
    [
        ([], "illisible"),
        ([[2.3, 48.8]], "trois points distincts"),
        ([[2.3, 48.8], [2.4, 48.8]], "trois points distincts"),
        ([[2.3, 48.8], [2.4, 48.8], [2.3, 48.8], [2.4, 48.8]], "trois points distincts"),
        ([[2.3, 48.8], [2.4, 48.9], [2.5, 49.0], [2.6, 49.1]], "aucune surface"),
        ([[2.3, 48.8], [2.4, float("nan")], [2.5, 49.0]], "pas un nombre"),
        ([[200.0, 48.8], [2.4, 48.9], [2.5, 49.5]], "hors des coordonnées"),
        ([[2.3], [2.4], [2.5]], "illisible"),
        ("pas un lasso", "illisible"),
    ],
)
def test_degenerate_lassos_are_refused_in_french(coords: object, words: str) -> None:
    with pytest.raises(LassoError, match=words) as raised:
        lasso_polygon(coords)  # type: ignore[arg-type]
    assert raised.value.message_fr == str(raised.value)


def test_a_self_crossing_lasso_is_repaired_into_its_two_lobes() -> None:
    bowtie = lasso_polygon([[0, 0], [2, 2], [2, 0], [0, 2]])
    assert bowtie.is_valid and bowtie.geom_type == "MultiPolygon"
    assert len(bowtie.geoms) == 2
    assert bowtie.area == pytest.approx(2.0)
    assert bowtie.contains(shapely.Point(0.2, 1.0)) and bowtie.contains(shapely.Point(1.8, 1.0))
    assert not bowtie.contains(shapely.Point(1.0, 1.8))


def test_a_lasso_going_round_twice_does_not_punch_a_hole() -> None:
    loop = lasso_polygon([[0, 0], [4, 0], [4, 4], [0, 4], [0, 1], [3, 1], [3, 3], [1, 3], [1, 0.5]])
    assert loop.is_valid
    assert loop.contains(shapely.Point(2, 2))  # inside the inner loop: still selected


def test_lassos_add_and_subtract() -> None:
    a = lasso_polygon(SQUARE)
    b = lasso_polygon([[0.5, 0], [1.5, 0], [1.5, 1], [0.5, 1]])
    assert combine(a, b, "add").area == pytest.approx(1.5)
    assert combine(a, b, "subtract").area == pytest.approx(0.5)
    assert combine(None, b, "add").equals(b)
    assert combine(a, a, "subtract").is_empty
    far = combine(a, lasso_polygon([[5, 5], [6, 5], [6, 6]]), "add")
    assert far.geom_type == "MultiPolygon" and far.is_valid
    with pytest.raises(CanvassError, match="inconnue"):
        combine(a, b, "xor")  # type: ignore[arg-type]


# -- point in polygon -------------------------------------------------------------------------
def test_points_in_polygon_matches_shapely_per_point() -> None:
    rng = np.random.default_rng(1)
    polygon = lasso_polygon([[0, 0], [3, 1], [2, 3], [1, 1.5], [-0.5, 2]])
    lon, lat = rng.uniform(-1, 4, 5000), rng.uniform(-1, 4, 5000)
    expected = np.array([polygon.contains(shapely.Point(x, y)) for x, y in zip(lon, lat)])
    assert (points_in_polygon(lon, lat, polygon) == expected).all()
    assert not points_in_polygon(lon, lat, shapely.MultiPolygon()).any()
    assert len(points_in_polygon(np.array([]), np.array([]), polygon)) == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-1, 1), st.floats(-1, 1)), min_size=3, max_size=12),
    st.lists(st.tuples(st.floats(-1.5, 1.5), st.floats(-1.5, 1.5)), min_size=1, max_size=40),
)
# found by CI: subnormal coordinates made GEOS raise on the repaired polygon's validity check
@example(coords=[(0.0, 1.0), (-1.0, 0.0), (1.0, 1.0), (0.0, -1.0), (-1.0, 0.0), (0.0, 2.2250738585e-313), (0.5, 0.5),
                 (-0.5, 0.0), (4.216694875006146e-183, 0.0)], points=[(0.0, 0.0)])
def test_any_lasso_is_valid_or_refused_and_selects_like_shapely(coords: list, points: list) -> None:
    try:
        polygon = lasso_polygon([list(c) for c in coords])
    except LassoError:
        return
    assert polygon.is_valid and polygon.area > 0 and polygon.geom_type in ("Polygon", "MultiPolygon")
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    expected = [polygon.contains(shapely.Point(x, y)) for x, y in points]
    assert points_in_polygon(lon, lat, polygon).tolist() == expected


# -- inclusion rule (pure) ------------------------------------------------------------------
def _frame(rows: list[tuple[str, float, float, int]]) -> pd.DataFrame:
    return pd.DataFrame({
        "address_id": [f"b{i}@{s}" for i, (s, *_rest) in enumerate(rows)], "ban_id": [f"b{i}" for i in range(len(rows))],
        "station_id": [r[0] for r in rows], "lon": [r[1] for r in rows], "lat": [r[2] for r in rows],
        "n_addresses": [r[3] for r in rows],
    })


def _stations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"station_id": ["A", "B", "C"], "set_id": "v", "commune_code": "99001", "bv_code": ["1", "2", "3"], "name": None},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(2, 0, 3, 1)], crs=4326,
    )


def test_stations_are_included_by_the_share_of_their_address_lines_inside() -> None:
    # A: 10 address lines, 6 inside the lasso (x < 1.4); B: 10 lines, 4 inside; C: no address, 40 % of its area inside
    rows = [("A", 0.1, 0.5, 3), ("A", 0.5, 0.5, 3), ("A", 0.9, 0.2, 4)] + [("B", 1.2, 0.5, 4)] + [("B", 1.7, 0.5, 6)]
    addresses = _frame(rows)
    addresses.loc[2, "lon"] = 1.8  # A's 4-line point is outside the lasso (geocoded past its contour)
    totals = addresses.groupby("station_id", as_index=False).agg(address_points=("ban_id", "size"), address_lines=("n_addresses", "sum"))
    lasso = shapely.union(shapely.box(-0.5, -0.5, 1.4, 1.5), shapely.box(2.0, -0.5, 2.4, 1.5))
    selection = select_from(lasso, addresses, _stations(), totals)
    frame = selection.stations.set_index("station_id")
    assert frame.loc["A", "share"] == pytest.approx(0.6) and frame.loc["A", "basis"] == "adresses"
    assert frame.loc["B", "share"] == pytest.approx(0.4)
    assert frame.loc["C", "share"] == pytest.approx(0.4) and frame.loc["C", "basis"] == AREA_BASIS
    assert selection.station_ids == ("A",)
    assert sorted(selection.addresses["ban_id"]) == ["b0", "b1", "b3"]
    looser = select_from(lasso, addresses, _stations(), totals, threshold=0.4)
    assert looser.station_ids == ("A", "B", "C")
    with pytest.raises(CanvassError, match="seuil"):
        select_from(lasso, addresses, _stations(), totals, threshold=1.5)


def test_a_station_exactly_at_the_threshold_is_included_and_untouched_ones_are_dropped() -> None:
    addresses = _frame([("A", 0.2, 0.5, 1), ("A", 0.8, 0.5, 1)])
    totals = pd.DataFrame({"station_id": ["A"], "address_points": [2], "address_lines": [2]})
    frame = station_shares(_stations(), addresses.iloc[:1], totals, shapely.box(0, 0, 0.5, 1))
    assert frame["station_id"].tolist() == ["A"]  # B and C: share 0, not listed
    assert bool(frame["included"].iloc[0])


def test_an_empty_or_outside_lasso_gives_an_empty_selection_with_an_explanation() -> None:
    addresses = _frame([("A", 0.5, 0.5, 1)])
    totals = pd.DataFrame({"station_id": ["A"], "address_points": [1], "address_lines": [1]})
    empty = select_from(shapely.MultiPolygon(), addresses, _stations(), totals)
    assert empty.is_empty and "vide" in (empty.message_fr or "")
    outside = select_from(shapely.box(50, 50, 51, 51), addresses, _stations().iloc[0:0], totals)
    assert outside.is_empty and "en dehors du territoire" in (outside.message_fr or "")
    touched = select_from(shapely.box(2.9, 0.9, 3.5, 1.5), addresses, _stations(), totals)
    assert touched.is_empty and "50" in (touched.message_fr or "")


def test_stations_at_least_keeps_values_at_or_above() -> None:
    frame = pd.DataFrame({"station_id": ["a", "b", "c", "d"], "score": [0.5, 0.2, None, "0.9"]})
    assert stations_at_least(frame, "score", 0.5) == ["a", "d"]
    with pytest.raises(CanvassError, match="colonne inconnue"):
        stations_at_least(frame, "nope", 1)


# -- on the real Bondy addresses ------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_wh(real_data_dir: Path) -> Warehouse:
    wh = Warehouse(warehouse_path(real_data_dir), read_only=True)
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def bondy_points(shared_data: Path) -> pd.DataFrame:
    return read_addresses(shared_data / "bondy/reu/adresses93010.csv").frame


def _bondy_lasso() -> shapely.Geometry:
    # a hand-drawn, self-crossing loop over the centre of Bondy
    return lasso_polygon([[2.470, 48.895], [2.492, 48.897], [2.488, 48.910], [2.478, 48.893], [2.468, 48.905]])


def test_point_in_polygon_on_the_real_bondy_addresses(real_wh: Warehouse, bondy_points: pd.DataFrame) -> None:
    lasso = _bondy_lasso()
    selection = select(real_wh, lasso)
    expected = {
        a for a, x, y in zip(bondy_points["address_id"], bondy_points["lon"], bondy_points["lat"])
        if lasso.contains(shapely.Point(x, y))
    }
    assert 100 < len(expected) < len(bondy_points)
    assert set(selection.address_ids) == expected
    assert selection.message_fr is None
    included = selection.stations.loc[selection.stations["included"]]
    assert (included["share"] >= 0.5).all() and len(included) >= 1
    assert (selection.stations["basis"] == "adresses").all()  # every Bondy station has REU addresses


def test_a_lasso_around_a_real_station_includes_it(real_wh: Warehouse) -> None:
    station = sources.stations_by_id(real_wh, ["93010_5"])
    assert len(station) == 1
    lasso = shapely.buffer(station.geometry.iloc[0], 0.0003)
    selection = select(real_wh, lasso)
    row = selection.stations.set_index("station_id").loc["93010_5"]
    assert row["share"] >= 0.9 and row["included"]
    assert set(selection.station_ids) >= {"93010_5"}


def test_a_lasso_outside_the_territory_is_not_an_error(real_wh: Warehouse) -> None:
    selection = select(real_wh, lasso_polygon([[-30.0, 40.0], [-29.0, 40.0], [-29.5, 41.0]]))
    assert selection.is_empty and len(selection.stations) == 0
    assert "en dehors du territoire" in (selection.message_fr or "")


def test_selection_by_attribute_on_real_data(real_wh: Warehouse, bondy_points: pd.DataFrame) -> None:
    commune = select_commune(real_wh, "93010")
    assert len(commune.addresses) == len(bondy_points)
    assert len(commune.station_ids) == bondy_points["station_id"].nunique()
    assert (commune.stations["share"] == 1.0).all() and not commune.polygon.is_empty
    with pytest.raises(CanvassError, match="commune inconnue"):
        select_commune(real_wh, "00000")
    two = select_stations(real_wh, ["93010_1", "93010_2", "99999_9"])
    assert two.station_ids == ("93010_1", "93010_2")
    assert set(two.addresses["station_id"]) == {"93010_1", "93010_2"}
    scores = pd.DataFrame({"station_id": ["93010_1", "93010_2", "93010_3"], "priority": [0.9, 0.4, 0.7]})
    assert select_by_value(real_wh, scores, "priority", 0.6).station_ids == ("93010_1", "93010_3")
    none = select_by_value(real_wh, scores, "priority", 2.0)
    assert none.is_empty and "Aucun bureau" in (none.message_fr or "")
    code = real_wh.query("SELECT code_iris FROM iris ORDER BY code_iris LIMIT 1")["code_iris"].iloc[0]
    iris = select_iris(real_wh, code)
    contour = sources.iris_geometry(real_wh, code)
    assert all(contour.covers(shapely.Point(x, y)) for x, y in zip(iris.addresses["lon"], iris.addresses["lat"]))
    with pytest.raises(CanvassError, match="IRIS inconnu"):
        select_iris(real_wh, "000000000")
