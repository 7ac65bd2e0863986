"""Walk lists: odd then even sides, entrances together, each street once, and a CSV without personal data."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.canvass.counts import with_estimates
from dashboard.canvass.geo import LocalProjection
from dashboard.canvass.turfs import cut_turfs
from dashboard.canvass.walklist import (
    CSV_HEADERS_FR, OUTCOME_COLUMNS, in_walk_order, order_walk, route_length_m, street_visits, walk_address_ids, walklist_csv,
)
from dashboard.ingest.addresses import read_addresses
from tests.canvass.conftest import ORIGIN, make_town


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = LocalProjection(*ORIGIN).inverse(np.array([x]), np.array([y]))
    return float(lon[0]), float(lat[0])


def test_one_street_odd_side_up_then_even_side_back() -> None:
    street = make_town(1, 10)  # odd 1…19 on the north side, even 2…20 on the south, increasing eastwards
    walk = order_walk(street, start=_lonlat(-30, 0))  # the walker arrives at the low-numbers end
    assert walk["number"].tolist() == [str(n) for n in range(1, 20, 2)] + [str(n) for n in range(20, 0, -2)]
    assert walk["side"].tolist() == ["impair"] * 10 + ["pair"] * 10
    assert walk["order"].tolist() == list(range(1, 21))
    back = order_walk(street, start=_lonlat(400, 0))  # from the other end: odd descending, then even ascending
    assert back["number"].tolist() == [str(n) for n in range(19, 0, -2)] + [str(n) for n in range(2, 21, 2)]


def test_entrances_of_one_building_are_grouped() -> None:
    street = make_town(1, 6)
    extra = []
    for suffix, dx in (("bis", 1.0), ("ter", 2.0)):
        row = street.loc[street["housenumber"] == "5"].iloc[0].copy()
        row["housenumber"], row["ban_id"] = f"5 {suffix}", f"5{suffix}"
        row["address_id"], row["lon"] = f"5{suffix}@s", row["lon"] + dx / 73_000
        extra.append(row)
    walk = order_walk(pd.concat([street, pd.DataFrame(extra)], ignore_index=True), start=_lonlat(-30, 0))
    numbers = walk["number"].tolist()
    i = numbers.index("5")
    assert numbers[i:i + 3] == ["5", "5 bis", "5 ter"]
    down = order_walk(pd.concat([street, pd.DataFrame(extra)], ignore_index=True), start=_lonlat(400, 0))["number"].tolist()
    j = down.index("5")
    assert down[j:j + 3] == ["5", "5 bis", "5 ter"] and down[j - 1] == "7" and down[j + 3] == "3"


def test_no_street_is_visited_twice_and_the_route_chains_neighbours() -> None:
    town = make_town(6, 8)
    walk = order_walk(town.sample(frac=1.0, random_state=3))
    assert (street_visits(walk) == 1).all() and len(street_visits(walk)) == 6
    alphabetical = town.sort_values(["street", "housenumber"])
    assert route_length_m(walk) < route_length_m(alphabetical)
    # consecutive streets are neighbours: the walk never jumps more than one block between streets
    keys = walk["street_key"].tolist()
    changes = [i for i in range(1, len(keys)) if keys[i] != keys[i - 1]]
    x, y = LocalProjection.around(walk["lon"], walk["lat"]).forward(walk["lon"].to_numpy(), walk["lat"].to_numpy())
    assert all(np.hypot(x[i] - x[i - 1], y[i] - y[i - 1]) < 80 for i in changes)


def test_a_street_in_two_distant_pieces_is_visited_once_per_piece() -> None:
    street = make_town(1, 6)
    far = make_town(1, 6).assign(
        housenumber=lambda f: (f["housenumber"].astype(int) + 100).astype(str), ban_id=lambda f: "far" + f["ban_id"],
        address_id=lambda f: "far" + f["address_id"], lon=lambda f: f["lon"] + 900 / 73_000,
    )
    walk = order_walk(pd.concat([street, far], ignore_index=True))
    assert street_visits(walk).max() <= 2 and walk["piece"].nunique() == 2
    pieces = walk["piece"].tolist()
    assert pieces == sorted(pieces) or pieces == sorted(pieces, reverse=True)  # each piece walked in one go


def test_points_of_several_stations_are_one_stop_and_missing_numbers_close_the_street() -> None:
    street = make_town(1, 3)
    twin = street.iloc[[0]].assign(station_id="99001_2", address_id=lambda f: f["ban_id"] + "@99001_2", doors=2)
    unnumbered = street.iloc[[1]].assign(housenumber=None, ban_id="nonum", address_id="nonum@99001_1")
    ranged = street.iloc[[2]].assign(housenumber="3-5", ban_id="range", address_id="range@99001_1", lon=lambda f: f["lon"] + 0.0003)
    walk = order_walk(pd.concat([street, twin, unnumbered, ranged], ignore_index=True), start=_lonlat(-30, 0))
    assert len(walk) == 8
    first = walk.loc[walk["ban_id"] == street["ban_id"].iloc[0]].iloc[0]
    assert first["doors"] == 3 and first["address_ids"].split() == sorted([street["address_id"].iloc[0], twin["address_id"].iloc[0]])
    assert first["station_ids"] == "99001_1, 99001_2"
    assert walk["side"].iloc[-1] == "sans numéro" and walk["number"].iloc[-1] == ""
    assert walk.loc[walk["ban_id"] == "range", "side"].iloc[0] == "impair"


def test_empty_turf() -> None:
    walk = order_walk(make_town(1, 1).iloc[0:0])
    assert len(walk) == 0 and list(walk.columns)[:3] == ["order", "street", "number"]
    assert walklist_csv(walk).decode("utf-8-sig").count("\r\n") == 1


def test_csv_is_excel_friendly_french_and_has_no_personal_data() -> None:
    street = make_town(1, 3)
    street.loc[0, "street"] = "=HYPERLINK(\"http://evil\")"
    street.loc[1, "city"] = "Saint-Denis;\nNord"
    walk = order_walk(street)
    data = walklist_csv(walk)
    assert data.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:4] == ["N°", "Numéro", "Voie", "Côté"]
    # the phone's outcomes (paper and phone say the same)
    assert [CSV_HEADERS_FR[c] for c in OUTCOME_COLUMNS] == header[-5:] == ["Ouvert", "Absent", "Refus", "Ne plus solliciter",
                                                                             "Repasser"]
    assert len(rows) == len(walk) + 1 and all(len(r) == len(header) for r in rows)
    assert all(r[-5:] == [""] * 5 for r in rows[1:])
    joined = "\n".join(";".join(r) for r in rows)
    assert "'=HYPERLINK" in joined and not any(cell.startswith("=") for r in rows for cell in r)
    assert not any(word in " ".join(header).lower() for word in ("nom", "prénom", "téléphone", "mail", "naissance"))


def test_walk_lists_of_real_bondy_turfs_visit_each_street_once(shared_data: Path) -> None:
    addresses = read_addresses(shared_data / "bondy/reu/adresses93010.csv").frame
    zone = addresses.loc[addresses["station_id"].isin(["93010_7", "93010_8"])].reset_index(drop=True)
    lines = addresses.groupby("station_id")["n_addresses"].sum()
    zone = with_estimates(zone, lines, lines * 0 + 800.0)
    plan = cut_turfs(zone, 60)
    revisits = 0
    for turf in plan.turfs:
        walk = order_walk(zone.loc[zone["address_id"].isin(turf.address_ids)])
        assert sorted(a for ids in walk["address_ids"] for a in ids.split()) == sorted(turf.address_ids)
        visits = street_visits(walk)
        pieces = walk.groupby("street_key")["piece"].nunique()
        assert (visits <= pieces.reindex(visits.index)).all()  # a street is re-entered only for a distant piece
        revisits += int((visits - 1).sum())
        for _, part in walk.groupby("piece"):  # odd side first within each piece
            sides = part["side"].tolist()
            numbered = [s for s in sides if s != "sans numéro"]
            if "impair" in numbered:
                assert numbered == sorted(numbered, key=lambda s: s != "impair")
    assert revisits <= len(plan.turfs) // 4


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 500), st.floats(0, 500), st.sampled_from(["Rue A", "Rue B", "Allée C", None]),
                          st.one_of(st.none(), st.text(max_size=6), st.integers(0, 60).map(str))), min_size=1, max_size=60))
def test_any_turf_gives_a_permutation(points: list) -> None:
    frame = pd.DataFrame([
        {"address_id": f"a{i}", "ban_id": f"a{i}", "street": street, "housenumber": number,
         "lon": 2.0 + x / 73_000, "lat": 48.0 + y / 111_000}
        for i, (x, y, street, number) in enumerate(points)
    ])
    walk = order_walk(frame)
    assert sorted(walk["address_ids"]) == sorted(frame["address_id"])
    assert walk["order"].tolist() == list(range(1, len(frame) + 1))
    assert (street_visits(walk) <= walk.groupby("street_key")["piece"].nunique().reindex(street_visits(walk).index)).all()
    walklist_csv(walk)


def test_a_plan_in_walk_order_keeps_its_turfs_and_orders_their_addresses() -> None:
    town = make_town(4, 10)
    plan = cut_turfs(town, 20)
    ordered = in_walk_order(plan, town)
    assert [t.number for t in ordered.turfs] == [t.number for t in plan.turfs]
    for before, after in zip(plan.turfs, ordered.turfs):
        assert sorted(after.address_ids) == sorted(before.address_ids) and after.doors == before.doors
        walk = order_walk(town.loc[town["address_id"].isin(before.address_ids)])
        assert after.address_ids == walk_address_ids(walk)
