"""Turf cutting: sizes within ±20 % of N, a partition of the zone, contiguity, whole buildings and streets."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.canvass.counts import with_estimates
from dashboard.canvass.errors import CanvassError
from dashboard.canvass.turfs import TurfPlan, building_units, cut_turfs
from dashboard.ingest.addresses import read_addresses
from tests.canvass.conftest import make_town


def _points(zone: pd.DataFrame, ids: tuple[str, ...]) -> shapely.MultiPoint:
    rows = zone.set_index("address_id").loc[list(ids)]
    return shapely.MultiPoint(np.column_stack([rows["lon"], rows["lat"]]))


def _assert_partition(zone: pd.DataFrame, plan: TurfPlan) -> None:
    ids = [a for turf in plan.turfs for a in turf.address_ids]
    assert sorted(ids) == sorted(zone["address_id"])  # every address in exactly one turf
    assert sum(t.doors for t in plan.turfs) == int(zone["doors"].sum())
    assert [t.number for t in plan.turfs] == list(range(1, len(plan.turfs) + 1))


def _assert_contiguous(zone: pd.DataFrame, plan: TurfPlan) -> None:
    """No turf's hull holds another turf's address, hulls and preview shapes do not overlap."""
    hulls = [shapely.convex_hull(_points(zone, t.address_ids)) for t in plan.turfs]
    for (i, a), (j, b) in itertools.combinations(enumerate(plan.turfs), 2):
        assert shapely.intersection(hulls[i], hulls[j]).area <= 1e-12, (a.number, b.number)
        assert shapely.intersection(a.geometry, b.geometry).area <= 1e-12, (a.number, b.number)
        assert not any(hulls[i].contains(p) for p in _points(zone, b.address_ids).geoms)
    for turf in plan.turfs:
        assert turf.geometry.is_valid and not turf.geometry.is_empty
        assert all(turf.geometry.distance(p) < 1e-9 for p in _points(zone, turf.address_ids).geoms)


def test_turfs_of_a_town_are_within_20_percent_and_contiguous() -> None:
    zone = make_town(12, 25)  # 600 houses of one door
    zone.loc[zone.index % 37 == 0, "doors"] = 6  # a few small buildings
    plan = cut_turfs(zone, 40)
    _assert_partition(zone, plan)
    assert len(plan.turfs) == round(zone["doors"].sum() / 40)
    assert all(abs(t.doors - 40) <= 8 for t in plan.turfs), plan.sizes
    assert plan.notes_fr == ()
    _assert_contiguous(zone, plan)
    preview = plan.preview()
    assert preview["doors"].tolist() == plan.sizes.tolist() and preview.crs.to_epsg() == 4326


@pytest.mark.parametrize("target", [20, 40, 75])
def test_other_sizes(target: int) -> None:
    zone = make_town(10, 20)
    plan = cut_turfs(zone, target)
    _assert_partition(zone, plan)
    assert all(abs(t.doors - target) <= 0.2 * target for t in plan.turfs), plan.sizes


def test_streets_that_fit_stay_whole() -> None:
    zone = make_town(8, 5, spacing_m=25.0, street_gap_m=40.0)  # 8 streets of 10 doors, longer than the stack is high
    plan = cut_turfs(zone, 40)
    assert len(plan.turfs) == 2 and plan.streets_split == 0
    turf_of = {a: t.number for t in plan.turfs for a in t.address_ids}
    for _, street in zone.groupby("street"):
        assert len({turf_of[a] for a in street["address_id"]}) == 1


def test_buildings_stay_whole() -> None:
    zone = make_town(4, 10)
    # the BAN point 5 Rue n°1 also serves a second station; 7 Rue n°2 has a second BAN id (same street and number)
    twin = zone.loc[zone["ban_id"] == "99001_0001_00005"].assign(station_id="99001_2", address_id=lambda f: f["ban_id"] + "@99001_2")
    other = zone.loc[zone["ban_id"] == "99001_0002_00007"].assign(ban_id="X", address_id="X@99001_1", lon=lambda f: f["lon"] + 0.001)
    zone = pd.concat([zone, twin, other], ignore_index=True)
    units = building_units(zone)
    assert units[zone.index[zone["ban_id"] == "99001_0001_00005"]].tolist() == [units[zone.index[zone["ban_id"] == "99001_0001_00005"][0]]] * 2
    assert units[zone.index[zone["ban_id"] == "X"][0]] == units[zone.index[zone["ban_id"] == "99001_0002_00007"][0]]
    plan = cut_turfs(zone, 20)
    turf_of = {a: t.number for t in plan.turfs for a in t.address_ids}
    assert turf_of["99001_0001_00005@99001_1"] == turf_of["99001_0001_00005@99001_2"]
    assert turf_of["X@99001_1"] == turf_of["99001_0002_00007@99001_1"]


def test_a_building_larger_than_a_turf_is_a_turf_of_its_own() -> None:
    zone = make_town(6, 10)
    zone.loc[5, "doors"] = 130
    plan = cut_turfs(zone, 40)
    _assert_partition(zone, plan)
    big = [t for t in plan.turfs if t.oversized]
    assert len(big) == 1 and big[0].doors == 130 and big[0].address_ids == (zone.loc[5, "address_id"],)
    assert any("à lui seul" in note and "130" in note for note in plan.notes_fr)
    assert all(abs(t.doors - 40) <= 8 for t in plan.turfs if not t.oversized)
    for turf in plan.turfs:
        if not turf.oversized:
            assert shapely.intersection(turf.geometry, big[0].geometry).area <= 1e-12


def test_cutting_is_deterministic() -> None:
    zone = make_town(9, 15)
    a, b = cut_turfs(zone, 40), cut_turfs(zone.copy(), 40)
    assert [t.address_ids for t in a.turfs] == [t.address_ids for t in b.turfs]
    assert [shapely.to_wkb(t.geometry) for t in a.turfs] == [shapely.to_wkb(t.geometry) for t in b.turfs]


def test_small_empty_and_invalid_zones() -> None:
    small = make_town(1, 15)  # 30 doors: one turf, below 40 − 20 %
    plan = cut_turfs(small, 40)
    assert len(plan.turfs) == 1 and plan.turfs[0].doors == 30
    assert any("un seul secteur" in note for note in plan.notes_fr)
    empty = cut_turfs(small.iloc[0:0], 40)
    assert empty.turfs == () and "aucune adresse" in empty.notes_fr[0]
    for bad in (0, -5, 2.5, True, 10_000):
        with pytest.raises(CanvassError, match="taille de secteur"):
            cut_turfs(small, bad)  # type: ignore[arg-type]
    with pytest.raises(CanvassError, match="tolérance"):
        cut_turfs(small, 40, tolerance=1.5)


def test_doors_default_to_the_address_lines() -> None:
    zone = make_town(3, 10).drop(columns=["doors"])
    zone["n_addresses"] = 1
    plan = cut_turfs(zone, 20)
    assert sum(t.doors for t in plan.turfs) == len(zone)


def test_turfs_on_the_real_bondy_addresses(shared_data: Path) -> None:
    addresses = read_addresses(shared_data / "bondy/reu/adresses93010.csv").frame
    ban = addresses.loc[addresses["station_id"].isin(["93010_1", "93010_2", "93010_3", "93010_4"])].reset_index(drop=True)
    lines = addresses.groupby("station_id")["n_addresses"].sum()
    registered = lines * 0 + 800.0
    zone = with_estimates(ban, lines, registered)
    plan = cut_turfs(zone, 40)
    _assert_partition(zone, plan)
    ordinary = [t for t in plan.turfs if not t.oversized]
    assert ordinary and all(abs(t.doors - 40) <= 8 for t in ordinary), plan.sizes
    for turf in plan.turfs:
        assert turf.geometry.is_valid
    hulls = [shapely.convex_hull(_points(zone, t.address_ids)) for t in plan.turfs]
    assert all(shapely.intersection(a, b).area <= 1e-12 for a, b in itertools.combinations(hulls, 2))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 800), st.floats(0, 800), st.integers(1, 4), st.integers(0, 5)), min_size=1, max_size=120),
    st.integers(10, 60),
)
def test_any_zone_is_partitioned_into_non_overlapping_turfs(points: list, target: int) -> None:
    rows = []
    for i, (x, y, doors, street) in enumerate(points):
        rows.append({"address_id": f"a{i}", "ban_id": f"a{i}", "commune_code": "1", "street": f"Rue {street}",
                     "housenumber": str(i + 1), "lon": 2.0 + x / 73_000, "lat": 48.0 + y / 111_000, "doors": doors})
    zone = pd.DataFrame(rows)
    plan = cut_turfs(zone, target)
    _assert_partition(zone, plan)
    hulls = [shapely.convex_hull(_points(zone, t.address_ids)) for t in plan.turfs]
    for a, b in itertools.combinations(range(len(hulls)), 2):
        assert shapely.intersection(hulls[a], hulls[b]).area <= 1e-12
    if int(zone["doors"].sum()) >= 3 * target:
        assert len(plan.turfs) >= 2


# -- outlines: a partition of the zone (issue 13) -------------------------------------------------
TINY_M2 = 0.5  # overlaps below half a square metre are floating-point noise on shared edges


def _metres(shape: shapely.Geometry) -> shapely.Geometry:
    from dashboard.canvass.geo import LocalProjection

    return LocalProjection(2.0, 48.0).to_metres(shape)


def _assert_tiles(plan: TurfPlan, zone_polygon: shapely.Geometry) -> None:
    """Turf outlines: valid, pairwise overlap under TINY_M2, all inside the zone, together covering it."""
    shapes = [_metres(t.geometry) for t in plan.turfs]
    region = _metres(zone_polygon)
    for shape in shapes:
        assert shape.is_valid and shape.geom_type in ("Polygon", "MultiPolygon")
    tree = shapely.STRtree(shapes)
    for i, j in zip(*tree.query(shapes, predicate="intersects"), strict=True):
        if i < j:
            assert shapely.intersection(shapes[i], shapes[j]).area <= TINY_M2, (i + 1, j + 1)
    union = shapely.union_all(shapes)
    assert shapely.difference(union, region).area <= TINY_M2  # within the zone
    assert abs(union.area - region.area) <= max(TINY_M2, 1e-6 * region.area)  # and covering it


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 800), st.floats(0, 800), st.integers(1, 4), st.integers(0, 5)), min_size=1, max_size=150),
    st.integers(5, 60),
    st.floats(5, 200),
)
def test_turf_outlines_are_a_partition_of_the_zone(points: list, target: int, margin_m: float) -> None:
    rows = []
    for i, (x, y, doors, street) in enumerate(points):
        rows.append({"address_id": f"a{i}", "ban_id": f"a{i}", "commune_code": "1", "street": f"Rue {street}",
                     "housenumber": str(i + 1), "lon": 2.0 + x / 73_000, "lat": 48.0 + y / 111_000, "doors": doors})
    frame = pd.DataFrame(rows)
    # the zone: a lasso around the points (a buffered hull, here with a notch cut out of one side)
    hull = shapely.convex_hull(shapely.MultiPoint(np.column_stack([frame["lon"], frame["lat"]])))
    zone_polygon = shapely.buffer(hull, margin_m / 73_000)
    plan = cut_turfs(frame, target, zone=zone_polygon)
    _assert_partition(frame, plan)
    _assert_tiles(plan, zone_polygon)
    for turf in plan.turfs:  # every turf still holds its own addresses
        assert all(turf.geometry.distance(p) < 1e-9 for p in _points(frame, turf.address_ids).geoms)


def test_turfs_of_a_non_convex_zone_are_clipped_to_it() -> None:
    town = make_town(10, 20, origin=(2.0, 48.0))  # 400 houses, 20 × 15 m by 10 × 60 m
    x = np.array([[-30, -30], [320, -30], [320, 250], [150, 250], [150, 320], [320, 320], [320, 600], [-30, 600]])
    from dashboard.canvass.geo import LocalProjection

    lon, lat = LocalProjection(2.0, 48.0).inverse(x[:, 0], x[:, 1])
    zone_polygon = shapely.Polygon(np.column_stack([lon, lat]))  # a notch on the east side: no house there
    inside = shapely.contains_xy(zone_polygon, town["lon"], town["lat"])
    frame = town.loc[inside].reset_index(drop=True)
    plan = cut_turfs(frame, 20, zone=zone_polygon)
    assert len(plan.turfs) >= 10
    _assert_tiles(plan, zone_polygon)


def test_coincident_points_in_two_turfs_still_tile() -> None:
    frame = make_town(2, 10, origin=(2.0, 48.0))
    # two buildings at one place, in two streets (two units): one of them may land in another turf
    frame.loc[len(frame)] = {**frame.iloc[0].to_dict(), "address_id": "dup@1", "ban_id": "dup", "street": "Autre rue",
                             "housenumber": "99", "doors": 12}
    zone_polygon = shapely.buffer(shapely.convex_hull(shapely.MultiPoint(np.column_stack([frame["lon"], frame["lat"]]))), 0.0003)
    plan = cut_turfs(frame, 8, zone=zone_polygon)
    _assert_partition(frame, plan)
    _assert_tiles(plan, zone_polygon)


def test_the_number_of_turfs_is_capped_with_the_smallest_size_that_fits() -> None:
    from dashboard.canvass.turfs import MAX_TURFS, doors_fr, planned_turfs, smallest_size, turfs_fr

    town = make_town(30, 20)  # 1,200 doors
    assert planned_turfs(1200, 1) == 1200 and planned_turfs(1200, 40) == 30
    size = smallest_size(1200)
    assert planned_turfs(1200, size) <= MAX_TURFS < planned_turfs(1200, size - 1)
    with pytest.raises(CanvassError) as refused:
        cut_turfs(town, 1)
    message = refused.value.message_fr
    assert "1\u202f200 secteurs" in message and f"{MAX_TURFS} secteurs" in message and "d'environ 1 porte ferait" in message
    assert f"au moins {doors_fr(size)} par secteur" in message
    plan = cut_turfs(town, size)
    assert len(plan.turfs) <= MAX_TURFS
    assert doors_fr(1) == "1 porte" and doors_fr(0) == "0 porte" and doors_fr(2) == "2 portes"
    assert turfs_fr(1) == "1 secteur" and turfs_fr(160) == "160 secteurs"


def test_many_oversized_buildings_make_few_notes() -> None:
    town = make_town(4, 10)
    town["doors"] = 3  # every house is larger than a turf of 2 doors (± 20 %)
    plan = cut_turfs(town, 2)
    assert sum(t.oversized for t in plan.turfs) == len(town)
    assert len(plan.notes_fr) <= 5 and any("autres bâtiments" in note for note in plan.notes_fr)
