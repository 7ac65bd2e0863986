"""Canvassing zones: writes and reads as each role, assignments, audit, atomicity, hostile strings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import bcrypt
import pytest
import shapely

from dashboard.access.permissions import PermissionDenied
from dashboard.store import CampaignStore, audit, users, zones
from dashboard.store.users import User
from dashboard.store.zones import UnknownZone, ZoneError
from tests.campaign_stores import StoreMaker, table_rows

PASSWORD = "a-long-password-1"
T0 = datetime(2026, 3, 1, 9, 0, 0)
# user name -> role; "ancien" is a disabled canvasser
ACCOUNTS = {"dir": "admin", "cand": "candidate", "strat": "strategist", "paul": "canvasser", "lea": "canvasser",
            "obs": "viewer", "ancien": "canvasser"}
BY_ROLE = {"admin": "dir", "candidate": "cand", "strategist": "strat", "canvasser": "paul", "viewer": "obs"}
EDITORS = ("admin", "candidate", "strategist")
HOSTILE = ["'; DROP TABLE zone; --", "Robert'); DROP TABLE zone_station;--", 'quote " et \' apostrophe', "%_\\"]
SQUARE = shapely.to_wkb(shapely.box(1.90, 47.89, 1.92, 47.91))


@pytest.fixture(scope="module")
def template(store_maker: StoreMaker) -> tuple[CampaignStore, dict[str, User]]:
    """A store holding the accounts, made once (bcrypt at cost 4, same format) and copied by each test."""
    store = store_maker.new()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        for name, role in ACCOUNTS.items():
            users.add_user(store, name, PASSWORD, role, by="cli", now=T0)
    users.disable_user(store, "ancien", by="cli", now=T0)
    return store, {u.user_name: u for u in users.list_users(store, by="cli")}


@pytest.fixture
def store(template: tuple[CampaignStore, dict[str, User]], new_store: Callable[..., CampaignStore]) -> CampaignStore:
    return new_store(clone_of=template[0])


@pytest.fixture
def people(template: tuple[CampaignStore, dict[str, User]]) -> dict[str, User]:
    """Role -> an active user of that role, plus "ancien" (a disabled canvasser) and "lea" (a second canvasser)."""
    by_name = template[1]
    return {**{role: by_name[name] for role, name in BY_ROLE.items()}, "ancien": by_name["ancien"], "lea": by_name["lea"]}


def _snapshot(store: CampaignStore) -> dict[str, list[tuple]]:
    with store.write() as con:
        return {t: table_rows(con, t) for t in ("zone", "zone_station", "zone_assignment")}


def _entries(store: CampaignStore, **filters: str) -> list[audit.AuditEntry]:
    """Audit entries newest first, without the accounts' creation, filtered on equal attributes."""
    return [e for e in audit.entries(store, by="cli") if e.action not in ("user_add", "user_disable")
            and all(getattr(e, k) == v for k, v in filters.items())]


def _state(store: CampaignStore) -> tuple[dict[str, list[tuple]], list[tuple]]:
    """The zone tables and the audit rows after the template's, read on one connection."""
    with store.write() as con:
        tables = {t: table_rows(con, t) for t in ("zone", "zone_station", "zone_assignment")}
        log = con.execute(
            "SELECT user_name, action, outcome, CAST(detail AS VARCHAR) FROM audit_log WHERE id > ? ORDER BY id", [TEMPLATE_AUDIT_ROWS]
        ).fetchall()
    return tables, log


# -- writes -----------------------------------------------------------------------------------
def test_create_normalises_and_audits(store: CampaignStore, people: dict[str, User]) -> None:
    zone = zones.create_zone(store, "  Centre \n ville ", ["45999_0012", "45999_1", "45999_12", "2a004_3"], by=people["strategist"],
                             geometry_wkb=SQUARE, now=T0)
    assert zone.name == "Centre ville" and zone.status == "draft" and zone.status_label == "brouillon"
    assert zone.owner == "strat" and zone.station_ids == ("2A004_3", "45999_1", "45999_12")
    assert zone.assigned_to == () and zone.due_dates == () and zone.due_date is None
    assert zone.created_at == zone.updated_at == T0 and zone.geometry_wkb == SQUARE
    assert "geometry" not in repr(zone)
    [entry] = _entries(store)
    assert (entry.user_name, entry.action, entry.object_type, entry.object_id) == ("strat", "zone_change", "zone", str(zone.zone_id))
    assert entry.detail == {"op": "create", "name": "Centre ville", "stations": ["2A004_3", "45999_1", "45999_12"], "geometry": True}
    assert zones.get_zone(store, zone.zone_id, by="cli") == zone
    empty = zones.create_zone(store, "Nord", [], by="cli")
    assert empty.station_ids == () and empty.owner == "cli" and empty.zone_id != zone.zone_id


@pytest.fixture(scope="module")
def zone_template(template: tuple[CampaignStore, dict[str, User]], store_maker: StoreMaker) -> CampaignStore:
    """The accounts plus zone "Centre" (45999_1), assigned to lea."""
    store = store_maker.clone(template[0])
    zone_id = zones.create_zone(store, "Centre", ["45999_1"], by="cli", now=T0).zone_id
    zones.assign_zone(store, zone_id, "lea", by="cli", now=T0)
    store.close()
    return store


TEMPLATE_AUDIT_ROWS = len(ACCOUNTS) + 1 + 2  # accounts, "ancien" disabled, then the zone's creation and assignment


def _write(op: str, store: CampaignStore, zone_id: int, user: User) -> object:
    if op == "create":
        return zones.create_zone(store, "Sud", ["45999_2"], by=user)
    if op == "rename":
        return zones.rename_zone(store, zone_id, "Centre historique", by=user)
    if op == "stations":
        return zones.set_zone_stations(store, zone_id, ["45999_2", "45999_3"], by=user)
    if op == "geometry":
        return zones.set_zone_geometry(store, zone_id, SQUARE, by=user)
    if op == "status":
        return zones.set_zone_status(store, zone_id, "done", by=user)
    if op == "delete":
        return zones.delete_zone(store, zone_id, by=user)
    if op == "assign":
        return zones.assign_zone(store, zone_id, "paul", by=user)
    return zones.unassign_zone(store, zone_id, "lea", by=user)


@pytest.mark.parametrize("op", ["create", "rename", "stations", "geometry", "status", "delete", "assign", "unassign"])
def test_every_write_as_every_role(zone_template: CampaignStore, people: dict[str, User], new_store: Callable[..., CampaignStore],
                                   op: str) -> None:
    before = _state(zone_template)
    assert before[1] == [] and len(before[0]["zone"]) == 1
    zone_id = before[0]["zone"][0][0]
    for role in BY_ROLE:  # each role on a fresh copy
        store, user = new_store(clone_of=zone_template), people[role]
        if role in EDITORS:
            _write(op, store, zone_id, user)
            tables, [(name, action, outcome, detail)] = _state(store)
            assert tables != before[0], role
            assert (name, outcome) == (user.user_name, "success")
            assert action == ("assignment_change" if op in ("assign", "unassign") else "zone_change")
            assert f'"op": "{op}"' in detail
        else:
            with pytest.raises(PermissionDenied, match="action refusée"):
                _write(op, store, zone_id, user)
            tables, log = _state(store)
            assert tables == before[0], role  # a refused write changes nothing
            assert log == [(user.user_name, "permission_denied", "denied", '{"action": "edit_zones"}')]


def test_rename_stations_status_geometry(store: CampaignStore, people: dict[str, User]) -> None:
    admin = people["admin"]
    zone = zones.create_zone(store, "Centre", ["45999_1", "45999_2"], by=admin, now=T0)
    later = datetime(2026, 3, 2, 10, 0)
    zone = zones.rename_zone(store, zone.zone_id, "Centre historique", by=admin, now=later)
    assert zone.name == "Centre historique" and zone.updated_at == later and zone.created_at == T0
    zone = zones.set_zone_stations(store, zone.zone_id, ["45999_2", "45999_0003", "45999_3"], by=admin)
    assert zone.station_ids == ("45999_2", "45999_3")
    assert _entries(store, action="zone_change")[0].detail == {"op": "stations", "added": ["45999_3"], "removed": ["45999_1"]}
    zone = zones.set_zone_geometry(store, zone.zone_id, SQUARE, by=admin)
    assert zone.geometry_wkb == SQUARE
    zone = zones.set_zone_geometry(store, zone.zone_id, None, by=admin)
    assert zone.geometry_wkb is None
    for status in ("ready", "assigned", "done", "draft"):
        zone = zones.set_zone_status(store, zone.zone_id, status.upper(), by=admin)
        assert zone.status == status
    assert _entries(store, action="zone_change")[0].detail == {"op": "status", "from": "done", "to": "draft"}


def test_delete_removes_stations_and_assignments(store: CampaignStore, people: dict[str, User]) -> None:
    keep = zones.create_zone(store, "Garder", ["45999_1"], by="cli")
    zones.assign_zone(store, keep.zone_id, "paul", by="cli")
    gone = zones.create_zone(store, "Supprimer", ["45999_1", "45999_2"], by="cli")
    zones.assign_zone(store, gone.zone_id, "paul", by="cli")
    zones.assign_zone(store, gone.zone_id, "lea", by="cli")
    zones.delete_zone(store, gone.zone_id, by=people["candidate"])
    with store.write() as con:
        for table in ("zone", "zone_station", "zone_assignment"):
            assert con.execute(f"SELECT count(*) FROM {table} WHERE zone_id = ?", [gone.zone_id]).fetchone()[0] == 0
    assert [z.name for z in zones.zones_for(store, by="cli")] == ["Garder"]
    assert zones.station_ids_for(store, by=people["canvasser"]) == {"45999_1"}
    assert zones.station_ids_for(store, by=people["lea"]) == frozenset()
    entry = _entries(store, action="zone_change")[0]
    assert entry.detail == {"op": "delete", "name": "Supprimer", "stations": ["45999_1", "45999_2"], "assigned_to": ["lea", "paul"]}
    with pytest.raises(UnknownZone, match="zone introuvable"):
        zones.delete_zone(store, gone.zone_id, by="cli")


def test_assignment_rules(store: CampaignStore, people: dict[str, User]) -> None:
    zone = zones.create_zone(store, "Centre", ["45999_1"], by="cli")
    zones.set_zone_status(store, zone.zone_id, "ready", by="cli")
    zone = zones.assign_zone(store, zone.zone_id, " PAUL ", by=people["strategist"], due_date="2026-03-10", now=T0)
    assert zone.status == "assigned" and zone.assigned_to == ("paul",) and zone.due_dates == (date(2026, 3, 10),)
    entry = _entries(store, action="assignment_change")[0]
    assert entry.detail == {"op": "assign", "user": "paul", "due_date": "2026-03-10", "status": {"from": "ready", "to": "assigned"}}
    # the admin canvasses too; a due date in French form; re-assigning updates the due date
    zone = zones.assign_zone(store, zone.zone_id, "dir", by="cli", due_date="08/03/2026")
    assert zone.assigned_to == ("dir", "paul") and zone.due_date == date(2026, 3, 8) and zone.due_date_for("paul") == date(2026, 3, 10)
    zone = zones.assign_zone(store, zone.zone_id, "paul", by="cli", due_date=date(2026, 3, 5))
    assert zone.due_date_for("paul") == date(2026, 3, 5) and len(zone.assigned_to) == 2
    assert _entries(store, action="assignment_change")[0].detail == {
        "op": "due_date", "user": "paul", "due_date": "2026-03-05", "previous_due_date": "2026-03-10"}
    before = _snapshot(store)
    for name, message in [("strat", "stratège"), ("cand", "candidat"), ("obs", "observateur"), ("ancien", "désactivé"),
                          ("inconnu", "utilisateur inconnu")]:
        with pytest.raises(ZoneError, match=message):
            zones.assign_zone(store, zone.zone_id, name, by="cli")
    with pytest.raises(ZoneError, match="date d'échéance invalide"):
        zones.assign_zone(store, zone.zone_id, "lea", by="cli", due_date="demain")
    with pytest.raises(UnknownZone):
        zones.assign_zone(store, 999, "lea", by="cli")
    with pytest.raises(ZoneError, match="n'est pas affecté"):
        zones.unassign_zone(store, zone.zone_id, "lea", by="cli")
    assert _snapshot(store) == before
    zones.unassign_zone(store, zone.zone_id, "dir", by="cli")
    zone = zones.unassign_zone(store, zone.zone_id, "paul", by="cli")
    assert zone.assigned_to == () and zone.status == "ready"  # the last assignee left
    done = zones.create_zone(store, "Fini", [], by="cli")
    zones.set_zone_status(store, done.zone_id, "done", by="cli")
    assert zones.assign_zone(store, done.zone_id, "paul", by="cli").status == "done"
    assert zones.unassign_zone(store, done.zone_id, "paul", by="cli").status == "done"


# -- reads ------------------------------------------------------------------------------------
def test_reads_as_every_role(store: CampaignStore, people: dict[str, User]) -> None:
    a = zones.create_zone(store, "A", ["45999_1", "45999_2"], by="cli")
    b = zones.create_zone(store, "B", ["45999_2", "45999_3"], by="cli")
    c = zones.create_zone(store, "C", ["45999_9"], by="cli")
    zones.assign_zone(store, a.zone_id, "paul", by="cli", due_date="2026-03-10")
    zones.assign_zone(store, b.zone_id, "paul", by="cli")
    zones.assign_zone(store, b.zone_id, "lea", by="cli")
    zones.assign_zone(store, c.zone_id, "lea", by="cli")
    for role in EDITORS:
        user = people[role]
        assert [z.name for z in zones.zones_for(store, by=user)] == ["A", "B", "C"]
        assert len(zones.assignments(store, by=user)) == 4
        assert zones.get_zone(store, c.zone_id, by=user).assigned_to == ("lea",)
        assert zones.station_ids_for(store, by=user) is None  # view_maps ALL: no restriction
    paul = people["canvasser"]
    mine = zones.zones_for(store, by=paul)
    assert [z.name for z in mine] == ["A", "B"] and mine[1].assigned_to == ("lea", "paul")  # sees co-canvassers
    assert [(x.zone_name, x.user_name, x.due_date) for x in zones.assignments(store, by=paul)] == [
        ("A", "paul", date(2026, 3, 10)), ("B", "paul", None)]
    assert zones.station_ids_for(store, by=paul) == {"45999_1", "45999_2", "45999_3"}
    assert zones.get_zone(store, a.zone_id, by=paul).name == "A"
    with pytest.raises(PermissionDenied, match="que dans ses propres zones"):
        zones.get_zone(store, c.zone_id, by=paul)
    with pytest.raises(UnknownZone):
        zones.get_zone(store, 999, by=paul)
    viewer = people["viewer"]
    assert zones.station_ids_for(store, by=viewer) is None  # aggregated maps: everywhere
    for read in (zones.zones_for, zones.assignments):
        with pytest.raises(PermissionDenied, match="observateur.*zones"):
            read(store, by=viewer)
    with pytest.raises(PermissionDenied):
        zones.get_zone(store, a.zone_id, by=viewer)
    assert [e.detail["action"] for e in _entries(store, user_name="obs")] == ["edit_zones"] * 3
    assert [e.object_id for e in _entries(store, user_name="paul")] == [str(c.zone_id)]
    for system in ("cli", "demo", "first-run"):
        assert len(zones.zones_for(store, by=system)) == 3 and zones.station_ids_for(store, by=system) is None
    with pytest.raises(ValueError):
        zones.zones_for(store, by="paul")  # a bare user name is not a system actor


def test_disabled_accounts_are_refused(store: CampaignStore, people: dict[str, User]) -> None:
    zone = zones.create_zone(store, "A", ["45999_1"], by="cli")
    with store.write() as con:  # assigned before being disabled
        con.execute("INSERT INTO zone_assignment VALUES (?, 'ancien', NULL, 'cli', ?)", [zone.zone_id, T0])
    ancien = people["ancien"]
    for call in (lambda: zones.zones_for(store, by=ancien), lambda: zones.station_ids_for(store, by=ancien),
                 lambda: zones.assignments(store, by=ancien)):
        with pytest.raises(PermissionDenied, match="compte désactivé"):
            call()
    disabled_admin = users.User(**{**people["admin"].__dict__, "active": False})
    with pytest.raises(PermissionDenied, match="compte désactivé"):
        zones.create_zone(store, "B", [], by=disabled_admin)


def test_empty_store_reads_create_nothing(tmp_path: Path) -> None:
    store = CampaignStore(tmp_path / "none.duckdb")
    assert zones.zones_for(store, by="cli") == [] and zones.assignments(store, by="cli") == []
    assert zones.station_ids_for(store, by="cli") is None
    assert not store.path.exists()


# -- validation, atomicity, hostile strings ---------------------------------------------------
def test_validation_in_french(store: CampaignStore) -> None:
    zone = zones.create_zone(store, "Centre", ["45999_1"], by="cli")
    before = _snapshot(store)
    cases = [
        (lambda: zones.create_zone(store, " \t ", [], by="cli"), "nom de la zone est obligatoire"),
        (lambda: zones.create_zone(store, "x" * 121, [], by="cli"), "trop long"),
        (lambda: zones.create_zone(store, "CENTRE", [], by="cli"), "s'appelle déjà"),
        (lambda: zones.create_zone(store, "Sud", ["pas-un-bureau"], by="cli"), "bureau de vote invalide"),
        (lambda: zones.create_zone(store, "Sud", "45999_1", by="cli"), "pas un texte"),
        (lambda: zones.create_zone(store, "Sud", [], by="cli", geometry_wkb=b"garbage"), "WKB invalide"),
        (lambda: zones.create_zone(store, "Sud", [], by="cli", geometry_wkb="0103"), "octets"),
        (lambda: zones.create_zone(store, "Sud", [], by="cli", geometry_wkb=shapely.to_wkb(shapely.Point(1, 47))), "polygone"),
        (lambda: zones.create_zone(store, "Sud", [], by="cli", geometry_wkb=shapely.to_wkb(shapely.box(600000, 6e6, 600100, 6000100))),
         "hors limites"),
        (lambda: zones.rename_zone(store, 999, "Sud", by="cli"), "zone introuvable"),
        (lambda: zones.rename_zone(store, "abc", "Sud", by="cli"), "zone introuvable"),
        (lambda: zones.set_zone_status(store, zone.zone_id, "fini", by="cli"), "statut de zone inconnu"),
    ]
    for call, message in cases:
        with pytest.raises(ZoneError, match=message):
            call()
    assert _snapshot(store) == before and len(_entries(store)) == 1  # only the creation


def test_control_characters_are_stripped(store: CampaignStore) -> None:
    zone = zones.create_zone(store, "Cen\x00tre\u200b\u202e ville\x1b", [], by="cli")
    assert zone.name == "Centre ville"


def test_failure_inside_the_transaction_rolls_back(store: CampaignStore, monkeypatch: pytest.MonkeyPatch) -> None:
    zone = zones.create_zone(store, "Centre", ["45999_1"], by="cli")
    before = _snapshot(store)
    entries_before = len(_entries(store))

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "insert", broken)
    with pytest.raises(RuntimeError):
        zones.set_zone_stations(store, zone.zone_id, ["45999_7"], by="cli")
    with pytest.raises(RuntimeError):
        zones.delete_zone(store, zone.zone_id, by="cli")
    monkeypatch.undo()
    assert _snapshot(store) == before and len(_entries(store)) == entries_before


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_strings_are_bound_not_run(store: CampaignStore, hostile: str) -> None:
    zone = zones.create_zone(store, hostile, ["45999_1"], by="cli")
    assert zone.name == " ".join(hostile.split())
    zone = zones.rename_zone(store, zone.zone_id, hostile + " 2", by="cli")
    assert zones.zones_for(store, by="cli")[0].name == zone.name
    with pytest.raises(ZoneError, match="utilisateur inconnu"):
        zones.assign_zone(store, zone.zone_id, hostile, by="cli")
    with pytest.raises(ZoneError, match="n'est pas affecté"):
        zones.unassign_zone(store, zone.zone_id, hostile, by="cli")
    with pytest.raises(ZoneError, match="bureau de vote invalide"):
        zones.set_zone_stations(store, zone.zone_id, [hostile], by="cli")
    with pytest.raises(UnknownZone):
        zones.rename_zone(store, hostile, "x", by="cli")  # type: ignore[arg-type]
    with pytest.raises(ZoneError):
        zones.set_zone_status(store, zone.zone_id, hostile, by="cli")
    with store.read() as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"zone", "zone_station", "zone_assignment", "app_user", "audit_log"} <= tables
    assert audit.verify_chain(store) is None
