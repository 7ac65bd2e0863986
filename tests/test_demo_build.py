"""`isoloir demo`: the fictitious territory, generated and loaded through the real importers."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import queries
from dashboard.cli import main
from dashboard.warehouse import Warehouse, warehouse_path

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"


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


def test_app_labels_demo_as_fictitious(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOLOIR_DATA_DIR", str(demo_dir))
    from dashboard.ui import data

    data.settings.clear()
    data.warehouse.clear()
    data.info.clear()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "fictives" in at.warning[0].value
