"""Zone counts: electors spread over address lines, the door rule, share-weighted registered and scores."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dashboard.canvass.counts import (
    ELECTORS_PER_DOOR,
    FALLBACK_ELECTORS_PER_LINE,
    estimate_doors,
    estimate_electors,
    zone_counts,
    zone_counts_for,
)
from dashboard.canvass.selection import select_commune, select_from
from dashboard.warehouse.database import Warehouse, warehouse_path


def test_the_door_rule() -> None:
    lines = np.array([1, 1, 2, 3, 5, 40])
    electors = np.array([0.5, 9.0, 6.0, 9.0, 3.0, 150.0])
    # a single line is one door whatever its electors; a building has max(lines, electors / 1.5) doors
    assert estimate_doors(lines, electors).tolist() == [1, 1, 4, 6, 5, 100]
    assert ELECTORS_PER_DOOR == 1.5
    assert estimate_doors(np.array([np.nan]), np.array([np.nan])).tolist() == [1]


def test_electors_are_the_station_registered_spread_over_its_lines() -> None:
    addresses = pd.DataFrame({"station_id": ["A", "A", "B", "C"], "n_addresses": [2, 3, 1, 4]})
    electors = estimate_electors(addresses, {"A": 50, "B": 10, "C": 0}, {"A": 100, "B": 25})
    assert electors[:3].tolist() == pytest.approx([4.0, 6.0, 2.5])
    assert electors[3] == pytest.approx(4 * FALLBACK_ELECTORS_PER_LINE)  # C: no result, no line count
    assert estimate_electors(addresses, {"A": 50}).tolist() == pytest.approx([3.0, 4.5, 1.5, 6.0])


def _selection():
    addresses = pd.DataFrame({
        "address_id": ["p1@A", "p2@A", "p3@B"], "ban_id": ["p1", "p2", "p3"], "station_id": ["A", "A", "B"],
        "lon": [0.2, 0.4, 1.2], "lat": [0.5, 0.5, 0.5], "n_addresses": [1, 4, 2],
    })
    outside = pd.DataFrame({"address_id": ["p4@A", "p5@B"], "ban_id": ["p4", "p5"], "station_id": ["A", "B"],
                            "lon": [0.9, 1.9], "lat": [0.5, 0.5], "n_addresses": [5, 2]})
    everything = pd.concat([addresses, outside], ignore_index=True)
    totals = everything.groupby("station_id", as_index=False).agg(address_points=("ban_id", "size"), address_lines=("n_addresses", "sum"))
    stations = gpd.GeoDataFrame({"station_id": ["A", "B", "C"], "set_id": "v", "commune_code": "1", "bv_code": ["1", "2", "3"],
                                 "name": None}, geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(2, 0, 3, 1)], crs=4326)
    return select_from(shapely.box(0, 0, 2.5, 1).difference(shapely.box(0.8, 0, 1, 1)).difference(shapely.box(1.8, 0, 2, 1)),
                        everything, stations, totals)


def test_zone_counts_weigh_stations_by_their_share() -> None:
    selection = _selection()
    shares = selection.stations.set_index("station_id")["share"]
    assert shares.to_dict() == pytest.approx({"A": 0.5, "B": 0.5, "C": 0.5})
    registered = {"A": 200.0, "B": 60.0, "C": 30.0}
    counts = zone_counts(selection, registered=registered)
    assert counts.registered == pytest.approx(0.5 * 200 + 0.5 * 60 + 0.5 * 30)
    assert counts.address_points == 3 and counts.address_lines == 7
    # A: 20 electors per line → p1 (1 line) 1 door, p2 (4 lines, 80 electors) 53 doors;
    # B: 15 per line → p3 (2 lines, 30 electors) 20 doors; C (no address, half its area): 30 × 0.5 / 1.5 = 10
    assert counts.doors == 1 + 53 + 20 + 10
    assert counts.stations_touched == 3 and counts.stations_included == 3
    assert any("surface" in note for note in counts.notes_fr)
    lines = counts.summary_fr()
    assert lines[0].startswith("Inscrits estimés") and any("Portes estimées : 84" in line for line in lines)


def test_zone_counts_with_scores() -> None:
    selection = _selection()
    scores = pd.DataFrame({
        "station_id": ["A", "B", "C"], "mobilisation": [10.0, 4.0, 2.0], "priority": [0.8, 0.2, np.nan],
        "net_votes_per_hour": [0.3, -0.1, 0.0], "doors_per_hour": [10.0, 10.0, 0.0],
    })
    counts = zone_counts(selection, registered={"A": 200.0, "B": 60.0, "C": 30.0}, scores=scores)
    assert counts.score_sums["mobilisation"] == pytest.approx(8.0)
    assert counts.score_sums["priority"] == pytest.approx(0.5)
    assert "persuasion" not in counts.score_sums
    # doors in the zone per station × net votes per door: A 54 × 0.03 + B 20 × (−0.01); C has no rate
    assert counts.expected_net_votes == pytest.approx(54 * 0.03 - 20 * 0.01)
    per_door = scores.assign(net_votes_per_door=[0.1, 0.1, 0.1])
    assert zone_counts(selection, registered={"A": 200.0, "B": 60.0, "C": 30.0}, scores=per_door).expected_net_votes == pytest.approx(8.4)
    assert zone_counts(selection).registered is None


def test_a_whole_real_commune_counts_all_its_registered(real_data_dir: Path) -> None:
    with Warehouse(warehouse_path(real_data_dir), read_only=True) as wh:
        selection = select_commune(wh, "93010")
        counts = zone_counts_for(wh, selection, "pres2022_t1")
        total = wh.query("SELECT sum(registered) AS r FROM turnout WHERE election_id = 'pres2022_t1' AND commune_code = '93010'")
    assert counts.registered == pytest.approx(float(total["r"].iloc[0]))
    assert counts.address_points == selection.addresses["ban_id"].nunique()
    assert counts.address_points <= counts.doors <= counts.registered
