"""Issue 12, row 1: a canvasser reads and writes only the people at their own doors (the addresses of
the turfs and zones assigned to them), never those of another zone sharing a polling station.

Against the behaviour before (scope by station, dffab45) every test here fails: the property test's
canvassers received the contacts recorded at every door of their stations, and the Terrain page's
contact form listed every address of the station.

- property (hypothesis, both backends): random zones and turfs sharing stations, contacts recorded
  by the CLI at every door and by several canvassers at theirs; every read path of the store
  (contacts, counts, walk lists with names, the export, the download ticket) gives a canvasser
  exactly the rows at their doors, and a write elsewhere is refused;
- the Terrain page (AppTest on the demo) as the canvasser: no contact of another turf of the same
  station, the contact form offers only their doors, a forged address is refused (held: forged widgets);
- the CLI export refuses the canvasser; the download route serves no file without a ticket.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dashboard.access.permissions import PermissionDenied
from dashboard.store import CampaignStore, audit, contacts, tickets, turfs, users, zones
from dashboard.store.turfs import TurfInput
from dashboard.warehouse.database import Warehouse
from dashboard.web import downloads
from tests.apptest import app_test, open_page
from tests.campaign_stores import StoreMaker
from tests.security.asgi import get

CANVASSERS = ("c1", "c2", "c3")
STATIONS = ("45999_1", "45999_2", "45999_3")
POOL = tuple(f"d{j}@{s}" for s in STATIONS for j in range(4))  # four doors per station: zones share stations


@dataclass(frozen=True)
class ZoneSpec:
    doors: tuple[str, ...]
    turfs: tuple[tuple[str, ...], ...]
    zone_team: frozenset[str]
    turf_teams: tuple[frozenset[str], ...]


TEAM = st.sampled_from((frozenset(), frozenset({"c1"}), frozenset({"c2"}), frozenset({"c1", "c3"})))


@st.composite
def zone_specs(draw: st.DrawFn) -> ZoneSpec:
    doors = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=6, unique=True))
    n_turfs = draw(st.integers(0, 2))
    owner = draw(st.lists(st.integers(-1, n_turfs - 1), min_size=len(doors), max_size=len(doors))) if n_turfs else []
    cut = tuple(t for t in (tuple(d for d, o in zip(doors, owner) if o == i) for i in range(n_turfs)) if t)
    return ZoneSpec(tuple(doors), cut, draw(TEAM), tuple(draw(TEAM) for _ in cut))


@pytest.fixture(scope="module")
def template(store_maker: StoreMaker) -> CampaignStore:
    store = store_maker.new()
    with pytest.MonkeyPatch.context() as mp:  # bcrypt at cost 4: same format, faster tests
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        for name in CANVASSERS:
            users.add_user(store, name, "a-long-password-1", "canvasser", by="cli")
    for door in POOL:  # somebody met at every door, recorded centrally
        contacts.add_contact(store, by="cli", address_id=door, address="1 rue X", full_name=f"Habitant {door}",
                             outcome="rencontre", consent=True, phone="06 11 22 33 44")
    return store


def _doors_of(specs: list[ZoneSpec], user: str) -> set[str]:
    doors: set[str] = set()
    for spec in specs:
        if user in spec.zone_team:
            doors |= set(spec.doors)
        for cut, team in zip(spec.turfs, spec.turf_teams):
            if user in team:
                doors |= set(cut)
    return doors


def _refused(call: object) -> bool:
    try:
        call()  # type: ignore[operator]
    except PermissionDenied:
        return True
    return False


A = ZoneSpec(("d0@45999_1", "d1@45999_1", "d0@45999_2"), (("d0@45999_1",), ("d1@45999_1", "d0@45999_2")), frozenset(),
             (frozenset({"c1"}), frozenset({"c2"})))  # the reported case: two turfs of one station, two canvassers
B = ZoneSpec(("d2@45999_1", "d3@45999_1"), (), frozenset({"c3"}), ())  # another zone in the same station


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(zone_specs(), min_size=1, max_size=3))
@example(specs=[A, B])
def test_a_canvasser_never_receives_a_row_outside_their_doors(template: CampaignStore, store_maker: StoreMaker,
                                                               specs: list[ZoneSpec]) -> None:
    store = store_maker.clone(template)
    try:
        turf_ids = []
        for k, spec in enumerate(specs):
            stations = sorted({d.rpartition("@")[2] for d in spec.doors})
            zone = zones.create_zone(store, f"Zone {k}", stations, by="cli", address_ids=list(spec.doors))
            saved = turfs.save_turfs(store, zone.zone_id, [TurfInput(i + 1, list(c), len(c)) for i, c in enumerate(spec.turfs)],
                                     by="cli")
            for name in sorted(spec.zone_team):
                zones.assign_zone(store, zone.zone_id, name, by="cli")
            for turf, team in zip(saved, spec.turf_teams):
                turf_ids.append(turf.turf_id)
                if team:
                    turfs.assign_turf(store, turf.turf_id, sorted(team), by="cli")
        people = {u.user_name: u for u in users.list_users(store, by="cli")}
        mine = {name: _doors_of(specs, name) for name in CANVASSERS}
        # several canvassers record people at their own doors; elsewhere they are refused
        recorded = {}
        for name in CANVASSERS:
            for door in sorted(mine[name])[:2]:
                recorded[contacts.add_contact(store, by=people[name], address_id=door, address="2 rue Y",
                                              full_name=f"Vu par {name}", outcome="absent", consent=False)] = door
            for door in sorted(set(POOL) - mine[name])[:2]:
                assert _refused(lambda: contacts.add_contact(store, by=people[name], address_id=door, address="3 rue Z",
                                                             full_name="Refusé", outcome="absent", consent=False))
        everything = contacts.contacts(store, by="cli")
        door_of = dict(zip(everything["contact_id"], everything["address_id"]))
        for name in CANVASSERS:
            user = people[name]
            seen = contacts.contacts(store, by=user)
            assert set(seen["address_id"]) <= mine[name]
            assert sorted(seen["contact_id"]) == sorted(c for c, d in door_of.items() if d in mine[name])
            assert {d for c, d in recorded.items()} & mine[name] <= set(seen["address_id"])
            counts = contacts.contact_count_by_station(store, by=user)
            assert int(counts["contacts"].sum()) == len(seen)
            # the ways out with names stay closed to a canvasser, whatever their doors
            assert _refused(lambda: contacts.export_contacts_csv(store, by=user))
            assert _refused(lambda: tickets.issue(store, "contacts", by=user))
            for tid in turf_ids:
                assert _refused(lambda: turfs.authorize_walklist_export(store, tid, by=user, personal_data=True))
        refusals = [e for e in audit.entries(store, by="cli", action="permission_denied")]
        assert refusals and all(e.outcome == "denied" for e in refusals)
    finally:
        store_maker.drop(store)


# -- the page, the CLI and the download route (the demo: canvasser holds turf 1 of « Centre-ville ») ------------------

def _canvasser_and_neighbour(store: CampaignStore) -> tuple[set[str], str]:
    """The canvasser's doors, and a door of another turf in one of the same stations."""
    doors = set(zones.address_ids_for(store, by=users.get_user(store, "canvasser")) or ())
    stations = {d.rpartition("@")[2] for d in doors}
    neighbour = next(a for t in turfs.turfs_for(store, by="cli") for a in t.address_ids
                     if a not in doors and a.rpartition("@")[2] in stations)
    return doors, neighbour


def test_terrain_page_shows_and_offers_only_the_canvassers_doors(demo_env: Path) -> None:
    store = CampaignStore(demo_env / "campaign.duckdb")
    doors, neighbour = _canvasser_and_neighbour(store)
    admin = users.get_user(store, "admin")
    contacts.add_contact(store, by=admin, address_id=neighbour, address="Porte voisine", full_name="Voisine Hors Secteur",
                         outcome="rencontre", consent=True, phone="06 98 76 54 32", email="voisine@exemple.fr")
    at = open_page(app_test("canvasser").run(), "terrain.py")
    assert not at.exception and not at.error
    people = next(t.value for t in at.table if "nom" in t.value.columns)
    assert len(people) >= 1 and "Voisine Hors Secteur" not in set(people["nom"])
    page = json.dumps([t.value.astype(str).to_dict("list") for t in at.table]
                      + [d.value.astype(str).to_dict("list") for d in at.dataframe], ensure_ascii=False)
    assert "Voisine Hors Secteur" not in page and "06 98 76 54 32" not in page and "voisine@exemple.fr" not in page
    station = next(s for s in at.selectbox if s.label == "Bureau").value
    station_id = station.rpartition("(")[2].rstrip(")") if "(" in station else station
    with Warehouse(demo_env / "warehouse.duckdb", read_only=True) as wh:
        labels = wh.query("SELECT address_id, label FROM address WHERE station_id = ?", [station_id])
    own = set(labels.loc[labels["address_id"].isin(doors), "label"])
    others = set(labels.loc[~labels["address_id"].isin(doors), "label"]) - own
    offered = set(next(s for s in at.selectbox if s.label == "Adresse").options)
    assert offered and offered == own and others and not offered & others  # only their doors, not the whole station
    # the admin sees the neighbour (the row exists) and is offered addresses beyond the canvasser's doors
    at = open_page(app_test("admin").run(), "terrain.py")
    assert "Voisine Hors Secteur" in set(next(t.value for t in at.table if "nom" in t.value.columns)["nom"])


def test_a_forged_address_is_refused_and_audited(demo_env: Path) -> None:
    """Held: a forged widget value (an address the form never offered) reaches the store, which refuses it in SQL."""
    store = CampaignStore(demo_env / "campaign.duckdb")
    _, neighbour = _canvasser_and_neighbour(store)
    canvasser = users.get_user(store, "canvasser")
    with pytest.raises(PermissionDenied):
        contacts.add_contact(store, by=canvasser, address_id=neighbour, station_id=neighbour.rpartition("@")[2],
                             address="Porte voisine", full_name="Intrus", outcome="absent", consent=False)
    assert "Intrus" not in set(contacts.contacts(store, by="cli")["full_name"])
    last = audit.entries(store, by="cli", action="permission_denied", limit=1)
    assert last and last[0].user_name == "canvasser" and last[0].detail == {"action": "record_feedback"}


def test_cli_export_refuses_the_canvasser(demo_env: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from dashboard.cli import main

    out = demo_env / "fuite.csv"
    monkeypatch.setattr("sys.stdin", io.StringIO("demo-canvasser\n"))
    code = main(["contacts", "export", "--data-dir", str(demo_env), "--user", "canvasser", "--password-stdin", "-o", str(out)])
    assert code == 1 and not out.exists()
    assert "Erreur" in capsys.readouterr().err


def test_the_download_route_serves_nothing_without_a_valid_ticket(demo_env: Path) -> None:
    store = CampaignStore(demo_env / "campaign.duckdb")
    routes = downloads.routes(lambda: store)
    for token in ("x" * 43, "../../campaign.duckdb", "' OR 1=1 --", "a" * 500):
        answer = get(routes, "/telechargement/" + token.replace("/", "%2F"))
        assert answer.status == 404 and b"Habitant" not in answer.body and answer.headers["cache-control"] == "no-store"
