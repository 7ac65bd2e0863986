"""`isoloir demo`: the fictitious territory, generated and loaded through the real importers."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.warehouse import queries
from dashboard.canvass.walklist import order_walk
import dashboard.canvass.sources as sources
from dashboard.canvass.turfs import DEFAULT_TOLERANCE
from dashboard.cli import main
from dashboard.store import CampaignStore, turfs, users, zones
from dashboard.store.campaign import CAMPAIGN_FILE
from dashboard.warehouse.database import Warehouse, warehouse_path

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


@pytest.fixture()
def wh(demo_dir: Path):
    with Warehouse(warehouse_path(demo_dir), read_only=True) as warehouse:
        yield warehouse


def test_demo_has_the_promised_shape(wh: Warehouse) -> None:
    sets = queries.stations_per_commune(wh)
    assert len(sets) == 2
    counts = sorted(sets["stations"].tolist())
    assert 35 <= counts[0] <= 45 and counts[1] == counts[0] + 1
    elections = set(queries.elections(wh)["election_id"])
    assert elections == {"pres2022_t1", "pres2022_t2", "euro2024", "leg2024_t1", "leg2024_t2"}
    iris = int(wh.query("SELECT count(*) AS n FROM iris")["n"].iat[0])
    assert 15 <= iris <= 25
    addresses = int(wh.query("SELECT count(*) AS n FROM address")["n"].iat[0])
    assert 5000 <= addresses <= 7000
    assert wh.meta("territory").startswith("démo")


def test_demo_everything_joins(wh: Warehouse) -> None:
    assert queries.results_without_polygon(wh).empty
    assert queries.polygons_without_results(wh).empty
    assert queries.iris_without_indicators(wh).empty
    assert queries.addresses_without_polygon(wh).empty


def test_split_station_draws_each_election_on_its_boundaries(wh: Warehouse) -> None:
    chosen = wh.query("SELECT election_id, set_id FROM election_station_set").set_index("election_id")["set_id"]
    sets = wh.query("SELECT set_id, valid_from FROM station_set ORDER BY valid_from")["set_id"].tolist()
    assert chosen["pres2022_t1"] == chosen["pres2022_t2"] == sets[0]
    assert chosen["leg2024_t1"] == chosen["euro2024"] == sets[1]
    new = wh.query(
        "SELECT station_id FROM station WHERE set_id = ? EXCEPT SELECT station_id FROM station WHERE set_id = ?", [sets[1], sets[0]]
    )
    assert len(new) == 1


def test_demo_results_are_consistent(wh: Warehouse) -> None:
    bad = wh.query(
        """SELECT t.election_id, t.station_id FROM turnout t
           JOIN (SELECT election_id, station_id, sum(votes) AS s FROM votes GROUP BY ALL) v USING (election_id, station_id)
           WHERE v.s <> t.expressed OR t.registered <> t.voters + t.abstentions OR t.voters <> t.blank + t."null" + t.expressed"""
    )
    assert bad.empty
    blocs = set(wh.query("SELECT DISTINCT bloc FROM votes WHERE election_id = 'pres2022_t1'")["bloc"])
    assert {"centre", "extreme_droite", "gauche_radicale"} <= blocs


def test_demo_is_deterministic(demo_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "again"
    assert main(["demo", "--data-dir", str(other)]) == 0
    with Warehouse(warehouse_path(demo_dir), read_only=True) as a, Warehouse(warehouse_path(other), read_only=True) as b:
        fa, fb = a.fingerprint(), b.fingerprint()
    assert {k: v for k, v in fa.items() if k != "station_set"} == {k: v for k, v in fb.items() if k != "station_set"}
    assert _turf_plans(demo_dir) == _turf_plans(other)  # the demo turfs too


def _turf_plans(data_dir: Path) -> list[tuple]:
    store = CampaignStore(data_dir / CAMPAIGN_FILE)
    return [(t.zone_name, t.number, t.address_ids, t.doors, t.geometry_wkb, t.assigned_to)
            for t in turfs.turfs_for(store, by="cli")]


def test_demo_zones_are_cut_into_turfs_in_walk_order(demo_dir: Path, wh: Warehouse) -> None:
    store = CampaignStore(demo_dir / CAMPAIGN_FILE)
    latest = queries.elections(wh)["election_id"].iloc[-1]
    listed = zones.zones_for(store, by="cli")
    assert [z.name for z in listed] == ["Centre-ville (démo)", "Quartier nord (démo)"]
    for zone in listed:
        addresses = zones.zone_address_ids(store, zone.zone_id, by="cli")
        cut = turfs.turfs_for(store, by="cli", zone_id=zone.zone_id)
        # the zone keeps its outline, its addresses (every address of its stations) and its counts
        assert zone.geometry_wkb is not None and zone.address_count == len(addresses) > 100
        assert set(addresses) == set(sources.addresses_of_stations(wh, zone.station_ids)["address_id"])
        assert zone.counts.election_id == latest and zone.counts.registered > 0
        assert zone.counts.addresses == len(addresses) and zone.counts.doors == sum(t.doors for t in cut)
        # turfs of about 40 doors, numbered 1..n, each address in exactly one turf, each with its outline
        assert len(cut) >= 10 and [t.number for t in cut] == list(range(1, len(cut) + 1))
        assert sorted(a for t in cut for a in t.address_ids) == sorted(addresses)
        assert all(abs(t.doors - 40) <= DEFAULT_TOLERANCE * 40 for t in cut), [t.doors for t in cut]
        assert all(t.geometry_wkb is not None for t in cut)
        # stored in walk order
        rows = sources.addresses_of_stations(wh, zone.station_ids).set_index("address_id", drop=False)
        for turf in cut[:5]:
            walk = order_walk(rows.loc[list(turf.address_ids)])
            assert tuple(a for ids in walk["address_ids"] for a in ids.split()) == turf.address_ids
    # the canvasser holds turf 1 of the centre (a turf assignment, no zone assignment), with a due date
    canvasser = users.get_user(store, "canvasser")
    own = turfs.turfs_for(store, by=canvasser)
    assert [(t.zone_name, t.number, t.assigned_to) for t in own] == [("Centre-ville (démo)", 1, ("canvasser",))]
    assert own[0].due_date is not None and own[0].due_date > listed[0].created_at.date()
    assert zones.assignments(store, by="cli") == []
    assert zones.address_ids_for(store, by=canvasser) == frozenset(own[0].address_ids)
    assert zones.station_ids_for(store, by=canvasser) == frozenset(listed[0].station_ids)
    assert [z.name for z in zones.zones_for(store, by=canvasser)] == ["Centre-ville (démo)"]


def test_app_labels_demo_as_fictitious(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOLOIR_DATA_DIR", str(demo_dir))
    from dashboard.ui import data

    data.settings.clear()
    data.warehouse.clear()
    data.info.clear()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "fictives" in at.warning[0].value


def test_the_demo_ships_three_slides(demo_dir) -> None:  # noqa: ANN001 - the session's demo data directory
    """Présentation opens on slides: turnout, the winner and a swing, each a valid view the map can draw."""
    from dashboard.maps.view import from_dict
    from dashboard.store.campaign import CampaignStore

    store = CampaignStore(demo_dir / "campaign.duckdb")
    try:
        slides = store.views()
    finally:
        store.close()
    kinds = [from_dict(s.params).view.kind for s in slides]
    assert kinds == ["turnout", "winner", "swing_share"] and all(not from_dict(s.params).problems for s in slides)
    assert {s.created_by for s in slides} == {"demo"}
