"""Crosswalks between boundary versions (pure): conservation on random partitions, a split, a merge."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.boundaries.crosswalk import (
    ADDRESSES, AMBIGUITY_M, AREA, IDENTICAL, RELIABILITY_THRESHOLD, compute_crosswalk, reexpress, station_reliability,
)

LON, LAT = 2.30, 48.80
# one metre in degrees at LAT (the sinusoidal projection used by the crosswalk)
M_LAT = 1 / 111_195.0
M_LON = M_LAT / np.cos(np.radians(LAT))


def _box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A box given in metres from (LON, LAT)."""
    return shapely.box(LON + x0 * M_LON, LAT + y0 * M_LAT, LON + x1 * M_LON, LAT + y1 * M_LAT)


def _stations(geoms: list, commune: str = "99001", prefix: str = "") -> pd.DataFrame:
    return pd.DataFrame({
        "station_id": [f"{commune}_{prefix}{i + 1}" for i in range(len(geoms))],
        "commune_code": commune, "geometry": geoms,
    })


def _voronoi(seeds: np.ndarray, outline: shapely.Polygon) -> list:
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=outline)
    parts = [shapely.intersection(cell, outline) for cell in shapely.get_parts(cells)]
    return [p for p in parts if not p.is_empty and p.area > 0]


def _address_frame(xy_m: np.ndarray, weight: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"lon": LON + xy_m[:, 0] * M_LON, "lat": LAT + xy_m[:, 1] * M_LAT, "weight": weight})


coords = st.floats(min_value=5.0, max_value=995.0, allow_nan=False)
seeds = st.lists(st.tuples(coords, coords), min_size=2, max_size=9, unique=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old_seeds=seeds, new_seeds=seeds, with_addresses=st.booleans(),
       address_xy=st.lists(st.tuples(coords, coords), min_size=0, max_size=60),
       registered=st.lists(st.integers(min_value=0, max_value=3000), min_size=9, max_size=9))
def test_random_partitions_conserve_totals(old_seeds, new_seeds, with_addresses, address_xy, registered) -> None:
    outline = _box(0, 0, 1000, 1000)
    to_deg = np.array([M_LON, M_LAT])
    old = _stations(_voronoi(np.array(old_seeds) * to_deg + [LON, LAT], outline))
    new = _stations(_voronoi(np.array(new_seeds) * to_deg + [LON, LAT], outline), prefix="n")
    addresses = None
    if with_addresses and address_xy:
        xy = np.array(address_xy)
        addresses = _address_frame(xy, np.arange(len(xy)) % 3 + 1.0)
    crosswalk = compute_crosswalk(old, new, addresses)
    # every old station is carried whole: its weights sum to 1
    sums = crosswalk.groupby("from_station_id")["weight"].sum()
    assert set(sums.index) == set(old["station_id"])
    assert np.allclose(sums.to_numpy(), 1.0)
    assert crosswalk["reliability"].between(0.0, 1.0).all()
    assert set(crosswalk["method"]) <= {ADDRESSES, AREA, IDENTICAL}
    # the registered voters re-expressed on the new stations add up to the old total (per commune)
    turnout = pd.DataFrame({"station_id": old["station_id"], "registered": registered[: len(old)]})
    votes = pd.DataFrame({"station_id": old["station_id"], "candidate": "A", "votes": np.array(registered[: len(old)]) // 2})
    new_turnout, new_votes = reexpress(turnout, votes, crosswalk)
    assert new_turnout["registered"].sum() == pytest.approx(turnout["registered"].sum())
    assert new_votes["votes"].sum() == pytest.approx(votes["votes"].sum())
    assert set(new_turnout["station_id"]) <= set(new["station_id"])
    assert station_reliability(crosswalk).between(0.0, 1.0).all()


def test_same_boundaries_are_the_identity() -> None:
    old = _stations([_box(0, 0, 500, 1000), _box(500, 0, 1000, 1000)])
    crosswalk = compute_crosswalk(old, old.copy())
    assert list(crosswalk["from_station_id"]) == list(crosswalk["to_station_id"]) == list(old["station_id"])
    assert (crosswalk["weight"] == 1.0).all() and (crosswalk["reliability"] == 1.0).all()
    assert (crosswalk["method"] == IDENTICAL).all()


def test_synthetic_split_by_area_then_by_addresses() -> None:
    old = _stations([_box(0, 0, 1000, 1000)])
    new = _stations([_box(0, 0, 600, 1000), _box(600, 0, 1000, 1000)], prefix="n")
    by_area = compute_crosswalk(old, new).set_index("to_station_id")
    assert by_area["weight"].to_dict() == pytest.approx({"99001_n1": 0.6, "99001_n2": 0.4})
    assert (by_area["method"] == AREA).all()
    assert by_area["reliability"].to_dict() == pytest.approx({"99001_n1": 0.6, "99001_n2": 0.4})
    # each half has a single source: its rates are the old station's whatever the weight
    assert station_reliability(by_area.reset_index()).to_dict() == {"99001_n1": 1.0, "99001_n2": 1.0}
    # three addresses on the left (one of them 4 m from the new border), one on the right, weighted by count
    addresses = _address_frame(np.array([[100, 100], [300, 500], [596, 500], [800, 800]]), np.array([1.0, 1.0, 2.0, 4.0]))
    by_address = compute_crosswalk(old, new, addresses).set_index("to_station_id")
    assert (by_address["method"] == ADDRESSES).all()
    assert by_address["weight"].to_dict() == pytest.approx({"99001_n1": 0.5, "99001_n2": 0.5})
    # the point 4 m from the border (weight 2 of 8) could be on either side: ambiguity 25 %
    assert 4 < AMBIGUITY_M
    assert by_address["reliability"].to_numpy() == pytest.approx([0.75, 0.75])
    turnout = pd.DataFrame({"station_id": ["99001_1"], "registered": [1000], "voters": [600], "expressed": [580]})
    votes = pd.DataFrame({"station_id": ["99001_1"] * 2, "candidate": ["A", "B"], "votes": [380, 200]})
    new_turnout, new_votes = reexpress(turnout, votes, by_address.reset_index())
    assert new_turnout.set_index("station_id")["registered"].to_dict() == pytest.approx({"99001_n1": 500, "99001_n2": 500})
    shares = new_votes.set_index(["station_id", "candidate"])["votes"] / new_turnout.set_index("station_id")["expressed"]
    assert shares.to_numpy() == pytest.approx([380 / 580, 200 / 580] * 2)


def test_synthetic_merge() -> None:
    old = _stations([_box(0, 0, 500, 1000), _box(500, 0, 1000, 1000)])
    new = _stations([_box(0, 0, 1000, 1000)], prefix="n")
    crosswalk = compute_crosswalk(old, new)
    assert list(crosswalk["to_station_id"]) == ["99001_n1"] * 2
    assert (crosswalk["weight"] == 1.0).all() and (crosswalk["reliability"] == 1.0).all()
    assert (crosswalk["method"] == AREA).all()
    assert station_reliability(crosswalk).to_dict() == {"99001_n1": 1.0}
    turnout = pd.DataFrame({"station_id": old["station_id"], "registered": [800, 1200], "expressed": [400, 900]})
    votes = pd.DataFrame({"station_id": list(old["station_id"]) * 2, "candidate": ["A", "A", "B", "B"], "votes": [100, 600, 300, 300]})
    new_turnout, new_votes = reexpress(turnout, votes, crosswalk)
    assert new_turnout.iloc[0][["registered", "expressed"]].tolist() == [2000, 1300]
    assert new_votes.set_index("candidate")["votes"].to_dict() == {"A": 700, "B": 600}


def test_a_station_mixing_guessed_pieces_is_unreliable() -> None:
    """Two old stations each give half of themselves (by area) to one new station: greyed."""
    old = _stations([_box(0, 0, 500, 1000), _box(500, 0, 1000, 1000)])
    new = _stations([_box(0, 0, 250, 1000), _box(250, 0, 750, 1000), _box(750, 0, 1000, 1000)], prefix="n")
    reliability = station_reliability(compute_crosswalk(old, new), pd.Series({"99001_1": 1000.0, "99001_2": 1000.0}))
    assert reliability["99001_n2"] == pytest.approx(0.5) and reliability["99001_n2"] < RELIABILITY_THRESHOLD
    assert reliability["99001_n1"] == reliability["99001_n3"] == 1.0


def test_pieces_stay_inside_their_commune() -> None:
    old = pd.concat([_stations([_box(0, 0, 500, 1000)], "99001"), _stations([_box(500, 0, 1000, 1000)], "99002")])
    new = pd.concat([_stations([_box(0, 0, 510, 1000)], "99001", "n"), _stations([_box(510, 0, 1000, 1000)], "99002", "n")])
    crosswalk = compute_crosswalk(old, new)
    assert list(zip(crosswalk["from_station_id"], crosswalk["to_station_id"])) == [("99001_1", "99001_n1"), ("99002_1", "99002_n1")]
    assert np.allclose(crosswalk["weight"], 1.0)
