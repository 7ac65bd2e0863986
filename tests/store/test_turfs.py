"""Turfs: save (atomic), read as each role, assign (teams, due dates), progress, walk-list export gate, purge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import bcrypt
import pytest
import shapely

from dashboard.access.permissions import PermissionDenied
from dashboard.store import CampaignStore, audit, contacts, turfs, users, zones
from dashboard.store.purge import PURGED_TABLES, purge_campaign_data
from dashboard.store.turfs import TurfError, TurfInput, UnknownTurf
from dashboard.store.users import User
from dashboard.store.zones import UnknownZone, ZoneError
from tests.campaign_stores import StoreMaker, table_rows

T0 = datetime(2026, 3, 1, 9, 0, 0)
ACCOUNTS = {"dir": "admin", "cand": "candidate", "strat": "strategist", "paul": "canvasser", "lea": "canvasser",
            "obs": "viewer", "ancien": "canvasser"}
BY_ROLE = {"admin": "dir", "candidate": "cand", "strategist": "strat", "canvasser": "paul", "viewer": "obs"}
EDITORS = ("admin", "candidate", "strategist")
NORTH = [f"n{i}@45999_1" for i in range(1, 7)]  # zone Nord: stations 1 and 2
NORTH[4:] = ["n5@45999_2", "n6@45999_2"]
SOUTH = ["s1@45999_3", "s2@45999_3"]  # zone Sud: station 3
TURF_TABLES = ("turf", "turf_address", "turf_assignment", "turf_progress", "zone", "zone_version", "zone_assignment")
LINE = shapely.to_wkb(shapely.LineString([(1.90, 47.90), (1.91, 47.91)]))


@pytest.fixture(scope="module")
def template(store_maker: StoreMaker) -> CampaignStore:
    """Accounts; zone Nord (6 addresses, 3 turfs) and zone Sud (2 addresses, 1 turf), nobody assigned."""
    store = store_maker.new()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        for name, role in ACCOUNTS.items():
            users.add_user(store, name, "a-long-password-1", role, by="cli", now=T0)
    users.disable_user(store, "ancien", by="cli", now=T0)
    north = zones.create_zone(store, "Nord", ["45999_1", "45999_2"], by="cli", address_ids=NORTH, now=T0)
    south = zones.create_zone(store, "Sud", ["45999_3"], by="cli", address_ids=SOUTH, now=T0)
    turfs.save_turfs(store, north.zone_id, [TurfInput(1, NORTH[:2], 20), TurfInput(2, NORTH[2:4], 15, LINE, "Rue haute"),
                                            TurfInput(3, NORTH[4:], 10)], by="cli", now=T0)
    turfs.save_turfs(store, south.zone_id, [TurfInput(1, SOUTH, 8)], by="cli", now=T0)
    return store


@pytest.fixture
def store(template: CampaignStore, new_store: Callable[..., CampaignStore]) -> CampaignStore:
    return new_store(clone_of=template)


@pytest.fixture
def people(store: CampaignStore) -> dict[str, User]:
    by_name = {u.user_name: u for u in users.list_users(store, by="cli")}
    return {**{role: by_name[name] for role, name in BY_ROLE.items()}, "lea": by_name["lea"], "ancien": by_name["ancien"]}


def _ids(store: CampaignStore) -> dict[str, int]:
    """"Nord", "Sud" -> zone id; "Nord 1"… -> turf id."""
    found = {z.name: z.zone_id for z in zones.zones_for(store, by="cli")}
    found.update({f"{t.zone_name} {t.number}": t.turf_id for t in turfs.turfs_for(store, by="cli")})
    return found


def _tables(store: CampaignStore) -> dict[str, list[tuple]]:
    with store.write() as con:
        return {t: table_rows(con, t) for t in TURF_TABLES}


def _entries(store: CampaignStore, action: str) -> list[audit.AuditEntry]:
    return audit.entries(store, by="cli", action=action)


# -- save -------------------------------------------------------------------------------------
def test_saved_turfs_read_back_in_walk_order(store: CampaignStore, people: dict[str, User]) -> None:
    ids = _ids(store)
    north = turfs.turfs_for(store, by=people["strategist"], zone_id=ids["Nord"])
    assert [(t.number, t.name, t.address_ids, t.doors) for t in north] == [
        (1, "Secteur 1", tuple(NORTH[:2]), 20), (2, "Rue haute", tuple(NORTH[2:4]), 15), (3, "Secteur 3", tuple(NORTH[4:]), 10)]
    assert north[1].geometry_wkb == LINE and north[0].geometry_wkb is None and "geometry" not in repr(north[1])
    assert all(t.zone_name == "Nord" and t.created_by == "cli" and t.created_at == T0 and t.doors_done == 0 for t in north)
    assert [f"{t.zone_name} {t.number}" for t in turfs.turfs_for(store, by="cli")] == ["Nord 1", "Nord 2", "Nord 3", "Sud 1"]
    # the walk order is the order given, not sorted
    [turf] = turfs.save_turfs(store, ids["Sud"], [TurfInput(1, SOUTH[::-1], 8)], by=people["candidate"])
    assert turf.address_ids == tuple(SOUTH[::-1]) and turf.created_by == "cand"
    assert turfs.get_turf(store, turf.turf_id, by="cli") == turf
    entry = _entries(store, "turf_change")[0]
    assert (entry.user_name, entry.object_type, entry.object_id) == ("cand", "zone", str(ids["Sud"]))
    assert entry.detail == {"op": "save", "turfs": 1, "addresses": 2, "doors": 8, "replaced": 1}


def test_save_replaces_all_turfs_of_the_zone(store: CampaignStore) -> None:
    ids = _ids(store)
    new = turfs.save_turfs(store, ids["Nord"], [TurfInput(2, NORTH[3:], 30), TurfInput(1, NORTH[:3], 25)], by="cli")
    assert [(t.number, len(t.address_ids)) for t in new] == [(1, 3), (2, 3)]
    assert {t.turf_id for t in new}.isdisjoint({ids["Nord 1"], ids["Nord 2"], ids["Nord 3"]})  # new ids
    with pytest.raises(UnknownTurf):
        turfs.get_turf(store, ids["Nord 3"], by="cli")
    assert len(turfs.turfs_for(store, by="cli", zone_id=ids["Sud"])) == 1  # other zones untouched
    assert turfs.save_turfs(store, ids["Nord"], [], by="cli") == []
    assert turfs.delete_turfs(store, ids["Sud"], by="cli") == 1
    assert turfs.turfs_for(store, by="cli") == []


def test_invalid_turfs_leave_the_store_unchanged(store: CampaignStore) -> None:
    ids = _ids(store)
    before = _tables(store)
    cases = [
        ([TurfInput(1, NORTH[:2], 5), TurfInput(1, NORTH[2:], 5)], "deux secteurs portent le numéro 1"),
        ([TurfInput(1, NORTH[:2], 5), TurfInput(2, NORTH[1:3], 5)], "aussi dans le secteur 1"),
        ([TurfInput(1, [NORTH[0], NORTH[0]], 5)], "deux fois dans ce secteur"),
        ([TurfInput(1, [], 5)], "aucune adresse"),
        ([TurfInput(1, ["ailleurs@45999_9"], 5)], "n'est pas dans la zone"),
        ([TurfInput(0, NORTH[:1], 5)], "numéro de secteur"),
        ([TurfInput(1, NORTH[:1], -1)], "nombre de portes"),
        ([TurfInput(1, NORTH[:1], 2.5)], "entier"),  # type: ignore[arg-type]
        ([TurfInput(1, NORTH[0], 5)], "pas un texte"),  # type: ignore[arg-type]
        ([TurfInput(1, [""], 5)], "identifiant d'adresse invalide"),
        ([TurfInput(1, NORTH[:1], 5, b"garbage")], "WKB invalide"),
        ([TurfInput(1, NORTH[:1], 5, shapely.to_wkb(shapely.box(600000, 6e6, 600100, 6000100)))], "hors limites"),
        ([TurfInput(1, NORTH[:1], 5, name="x" * 121)], "trop long"),
        ([{"number": 1}], "TurfInput attendu"),
        (TurfInput(1, NORTH[:1], 5), "liste de secteurs"),
    ]
    for value, message in cases:
        with pytest.raises(TurfError, match=message):
            turfs.save_turfs(store, ids["Nord"], value, by="cli")  # type: ignore[arg-type]
    with pytest.raises(UnknownZone):
        turfs.save_turfs(store, 999, [TurfInput(1, NORTH[:1], 5)], by="cli")
    assert _tables(store) == before


def test_a_failing_save_rolls_back(store: CampaignStore, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _ids(store)
    turfs.assign_turf(store, ids["Nord 1"], "paul", by="cli")
    turfs.record_turf_progress(store, ids["Nord 1"], 3, by="cli")
    before = _tables(store)

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "insert", broken)  # fails after the turfs were deleted and re-inserted
    for call in (lambda: turfs.save_turfs(store, ids["Nord"], [TurfInput(1, NORTH, 50)], by="cli", replace_assigned=True),
                 lambda: turfs.delete_turfs(store, ids["Nord"], by="cli"),
                 lambda: turfs.assign_turf(store, ids["Nord 2"], "lea", by="cli"),
                 lambda: turfs.record_turf_progress(store, ids["Nord 1"], 9, by="cli")):
        with pytest.raises(RuntimeError):
            call()
    monkeypatch.undo()
    assert _tables(store) == before


def test_assigned_turfs_are_replaced_only_when_confirmed(store: CampaignStore) -> None:
    ids = _ids(store)
    turfs.assign_turf(store, ids["Nord 2"], ["paul", "lea"], by="cli")
    before = _tables(store)
    with pytest.raises(TurfError, match="déjà affectés ou commencés"):
        turfs.save_turfs(store, ids["Nord"], [TurfInput(1, NORTH, 50)], by="cli")
    assert _tables(store) == before
    [turf] = turfs.save_turfs(store, ids["Nord"], [TurfInput(1, NORTH, 50)], by="cli", replace_assigned=True)
    assert turf.assigned_to == () and zones.get_zone(store, ids["Nord"], by="cli").status == "ready"  # nobody left
    detail = _entries(store, "turf_change")[0].detail
    assert detail["dropped_assignments"] == [{"turf": 2, "user": "lea"}, {"turf": 2, "user": "paul"}]
    assert detail["status"] == {"from": "assigned", "to": "ready"}
    turfs.record_turf_progress(store, turf.turf_id, 1, by="cli")
    with pytest.raises(TurfError, match="déjà affectés ou commencés"):  # progress alone also protects a turf
        turfs.save_turfs(store, ids["Nord"], [TurfInput(1, NORTH, 50)], by="cli")


def test_a_zone_without_address_list_accepts_any_address(store: CampaignStore) -> None:
    zone = zones.create_zone(store, "Libre", ["45999_5"], by="cli")
    [turf] = turfs.save_turfs(store, zone.zone_id, [TurfInput(1, ["x@45999_5", "sans-bureau"], 2)], by="cli")
    assert turf.address_ids == ("x@45999_5", "sans-bureau")


# -- assignment -------------------------------------------------------------------------------
def test_assign_a_team_with_a_due_date(store: CampaignStore, people: dict[str, User]) -> None:
    ids = _ids(store)
    turf = turfs.assign_turf(store, ids["Nord 1"], [" PAUL ", "lea"], by=people["strategist"], due_date="15/03/2026", now=T0)
    assert turf.assigned_to == ("lea", "paul") and turf.due_dates == (date(2026, 3, 15),) * 2 and turf.due_date == date(2026, 3, 15)
    zone = zones.get_zone(store, ids["Nord"], by="cli")
    assert zone.status == "assigned" and zone.assigned_to == ()  # a turf assignment is not a zone assignment
    entry = _entries(store, "assignment_change")[0]
    assert (entry.user_name, entry.object_type, entry.object_id) == ("strat", "turf", str(ids["Nord 1"]))
    assert entry.detail == {"op": "assign_turf", "zone_id": ids["Nord"], "users": [{"op": "assign", "user": "lea"},
                            {"op": "assign", "user": "paul"}], "due_date": "2026-03-15", "status": {"from": "draft", "to": "assigned"}}
    assert zones.zone_versions(store, ids["Nord"], by="cli")[0].op == "status"
    # again: the due date changes; the admin canvasses too
    turf = turfs.assign_turf(store, ids["Nord 1"], "paul", by="cli", due_date=date(2026, 3, 10))
    assert turf.due_date_for("paul") == date(2026, 3, 10) and turf.due_date_for("lea") == date(2026, 3, 15)
    assert turfs.assign_turf(store, ids["Nord 1"], "dir", by="cli").assigned_to == ("dir", "lea", "paul")
    before = _tables(store)
    for names, message in [(["paul", "strat"], "stratège"), (["obs"], "observateur"), (["ancien"], "désactivé"),
                           (["inconnu"], "utilisateur inconnu"), ([], "au moins un militant")]:
        with pytest.raises(ZoneError, match=message):  # TurfError is a ZoneError
            turfs.assign_turf(store, ids["Nord 1"], names, by="cli")
    with pytest.raises(TurfError, match="date d'échéance invalide"):
        turfs.assign_turf(store, ids["Nord 1"], "lea", by="cli", due_date="demain")
    with pytest.raises(UnknownTurf):
        turfs.assign_turf(store, 999, "lea", by="cli")
    with pytest.raises(TurfError, match="n'est pas affecté"):
        turfs.unassign_turf(store, ids["Nord 2"], "lea", by="cli")
    assert _tables(store) == before  # a refused team changes nothing, not even its valid members
    for name in ("dir", "lea"):
        turfs.unassign_turf(store, ids["Nord 1"], name, by="cli")
    assert zones.get_zone(store, ids["Nord"], by="cli").status == "assigned"  # paul is left
    turf = turfs.unassign_turf(store, ids["Nord 1"], "paul", by="cli")
    assert turf.assigned_to == () and zones.get_zone(store, ids["Nord"], by="cli").status == "ready"
    assert _entries(store, "assignment_change")[0].detail == {
        "op": "unassign_turf", "zone_id": ids["Nord"], "user": "paul", "status": {"from": "assigned", "to": "ready"}}


def test_a_zone_assignment_keeps_the_zone_assigned_when_turfs_are_unassigned(store: CampaignStore) -> None:
    ids = _ids(store)
    zones.assign_zone(store, ids["Sud"], "lea", by="cli")
    turfs.assign_turf(store, ids["Sud 1"], "paul", by="cli")
    turfs.unassign_turf(store, ids["Sud 1"], "paul", by="cli")
    assert zones.get_zone(store, ids["Sud"], by="cli").status == "assigned"
    turfs.assign_turf(store, ids["Sud 1"], "paul", by="cli")
    zones.unassign_zone(store, ids["Sud"], "lea", by="cli")  # paul still holds a turf of it
    assert zones.get_zone(store, ids["Sud"], by="cli").status == "assigned"


# -- scope ------------------------------------------------------------------------------------
def test_a_turf_assignment_opens_its_zone_to_the_canvasser(store: CampaignStore, people: dict[str, User]) -> None:
    ids = _ids(store)
    paul = people["canvasser"]
    assert zones.zones_for(store, by=paul) == [] and zones.station_ids_for(store, by=paul) == frozenset()
    assert turfs.turfs_for(store, by=paul) == [] and zones.address_ids_for(store, by=paul) == frozenset()
    turfs.assign_turf(store, ids["Nord 2"], "paul", by="cli")
    assert [z.name for z in zones.zones_for(store, by=paul)] == ["Nord"]
    assert zones.station_ids_for(store, by=paul) == {"45999_1", "45999_2"}  # the turf's zone's stations
    assert [t.turf_id for t in turfs.turfs_for(store, by=paul)] == [ids["Nord 2"]]  # only their turf
    assert turfs.turfs_for(store, by=paul, zone_id=ids["Sud"]) == []
    assert zones.address_ids_for(store, by=paul) == frozenset(NORTH[2:4])  # not the rest of the zone
    assert zones.zone_address_ids(store, ids["Nord"], by=paul) == tuple(NORTH[2:4])
    # the contacts follow the doors (contacts.py scopes with ADDRESSES_OF_USER_SQL), not the stations:
    # NORTH[0] is in a station of their turf's zone, but not one of their doors
    for door, name in ((NORTH[2], "Dans Le Secteur"), (NORTH[0], "Même Bureau"), (SOUTH[0], "Hors Zone")):
        contacts.add_contact(store, by="cli", address_id=door, address="1 rue X", full_name=name, outcome="absent", consent=False)
    assert set(contacts.contacts(store, by=paul)["full_name"]) == {"Dans Le Secteur"}
    contacts.add_contact(store, by=paul, address_id=NORTH[3], address="2 rue X", full_name="Nouveau", outcome="absent", consent=False)
    for door in (NORTH[0], SOUTH[0]):
        with pytest.raises(PermissionDenied):
            contacts.add_contact(store, by=paul, address_id=door, address="3 rue X", full_name="Refus", outcome="absent", consent=False)
    for call in (lambda: turfs.get_turf(store, ids["Nord 1"], by=paul), lambda: turfs.get_turf(store, ids["Sud 1"], by=paul),
                 lambda: zones.get_zone(store, ids["Sud"], by=paul), lambda: zones.zone_address_ids(store, ids["Sud"], by=paul)):
        with pytest.raises(PermissionDenied, match="que dans ses propres zones"):
            call()
    # a zone assignment gives every turf of the zone and all its addresses
    zones.assign_zone(store, ids["Sud"], "paul", by="cli")
    assert [f"{t.zone_name} {t.number}" for t in turfs.turfs_for(store, by=paul)] == ["Nord 2", "Sud 1"]
    assert zones.address_ids_for(store, by=paul) == frozenset(NORTH[2:4] + SOUTH)
    # unassigning closes it again
    turfs.unassign_turf(store, ids["Nord 2"], "paul", by="cli")
    assert [z.name for z in zones.zones_for(store, by=paul)] == ["Sud"] and zones.station_ids_for(store, by=paul) == {"45999_3"}


def test_reads_as_every_role(store: CampaignStore, people: dict[str, User]) -> None:
    ids = _ids(store)
    turfs.assign_turf(store, ids["Nord 1"], "paul", by="cli")
    for role in EDITORS:
        assert len(turfs.turfs_for(store, by=people[role])) == 4 and len(turfs.progress(store, by=people[role])) == 4
        assert turfs.get_turf(store, ids["Sud 1"], by=people[role]).number == 1
    assert [t.turf_id for t in turfs.progress(store, by=people["canvasser"])] == [ids["Nord 1"]]
    assert turfs.turfs_for(store, by=people["lea"]) == [] and turfs.progress(store, by=people["lea"]) == []
    viewer = people["viewer"]
    for call in (lambda: turfs.turfs_for(store, by=viewer), lambda: turfs.progress(store, by=viewer),
                 lambda: turfs.get_turf(store, ids["Nord 1"], by=viewer)):
        with pytest.raises(PermissionDenied, match="observateur"):
            call()
    ancien = people["ancien"]
    with pytest.raises(PermissionDenied, match="compte désactivé"):
        turfs.turfs_for(store, by=ancien)
    with pytest.raises(UnknownTurf):
        turfs.get_turf(store, 999, by=people["canvasser"])
    with pytest.raises(ValueError):
        turfs.turfs_for(store, by="paul")  # a bare user name is not a system actor


def test_writes_need_edit_zones(store: CampaignStore, people: dict[str, User]) -> None:
    ids = _ids(store)
    turfs.assign_turf(store, ids["Nord 1"], "paul", by="cli")
    before = _tables(store)
    for role in ("canvasser", "viewer"):
        user = people[role]
        for call in (lambda: turfs.save_turfs(store, ids["Nord"], [TurfInput(1, NORTH, 5)], by=user, replace_assigned=True),
                     lambda: turfs.delete_turfs(store, ids["Nord"], by=user),
                     lambda: turfs.assign_turf(store, ids["Nord 1"], "lea", by=user),
                     lambda: turfs.unassign_turf(store, ids["Nord 1"], "paul", by=user)):
            with pytest.raises(PermissionDenied, match="action refusée"):
                call()
    assert _tables(store) == before
    denied = _entries(store, "permission_denied")
    assert len(denied) == 8 and {e.detail["action"] for e in denied} == {"edit_zones"}


# -- progress ---------------------------------------------------------------------------------
def test_progress(store: CampaignStore, people: dict[str, User]) -> None:
    ids = _ids(store)
    paul = people["canvasser"]
    turfs.assign_turf(store, ids["Nord 1"], "paul", by="cli", due_date="2026-03-10")
    turfs.assign_turf(store, ids["Nord 2"], "lea", by="cli", due_date="2026-03-20")
    first = turfs.record_turf_progress(store, ids["Nord 1"], 5, by=paul, now=datetime(2026, 3, 5, 18, 0))
    assert (first.doors_done, first.doors, first.share, first.recorded_by, first.overdue) == (5, 20, 0.25, "paul", False)
    turfs.record_turf_progress(store, ids["Nord 1"], 12, by=paul, now=datetime(2026, 3, 6, 18, 0))
    turfs.record_turf_progress(store, ids["Nord 3"], 10, by=people["admin"])
    rows = {p.turf_id: p for p in turfs.progress(store, by=people["strategist"], today=date(2026, 3, 11))}
    assert (rows[ids["Nord 1"]].doors_done, rows[ids["Nord 1"]].overdue, rows[ids["Nord 1"]].assigned_to) == (12, True, ("paul",))
    assert rows[ids["Nord 1"]].recorded_at == datetime(2026, 3, 6, 18, 0) and rows[ids["Nord 1"]].due_date == date(2026, 3, 10)
    assert (rows[ids["Nord 2"]].doors_done, rows[ids["Nord 2"]].overdue) == (0, False)  # due later
    assert rows[ids["Nord 3"]].done and rows[ids["Nord 3"]].share == 1.0 and not rows[ids["Nord 3"]].overdue  # no due date
    assert turfs.turfs_for(store, by="cli", zone_id=ids["Nord"])[0].doors_done == 12
    assert [p.number for p in turfs.progress(store, by=people["candidate"], zone_id=ids["Sud"])] == [1]
    late = {p.turf_id: p.overdue for p in turfs.progress(store, by="cli", today=date(2026, 3, 21))}
    assert late[ids["Nord 2"]] is True
    entry = _entries(store, "turf_progress")[0]
    assert (entry.user_name, entry.object_id, entry.detail) == ("dir", str(ids["Nord 3"]), {"zone_id": ids["Nord"], "doors_done": 10, "doors": 10})
    # who may record: the admin anywhere, the canvasser on their own turfs only
    before = _tables(store)
    for user, turf in ((paul, "Nord 2"), (paul, "Sud 1"), (people["lea"], "Nord 1"), (people["candidate"], "Nord 1"),
                       (people["strategist"], "Nord 1"), (people["viewer"], "Nord 1")):
        with pytest.raises(PermissionDenied):
            turfs.record_turf_progress(store, ids[turf], 1, by=user)
    for bad in (-1, 1.5, "3", True):
        with pytest.raises(TurfError, match="portes faites"):
            turfs.record_turf_progress(store, ids["Nord 1"], bad, by=paul)  # type: ignore[arg-type]
    assert _tables(store) == before
    assert {e.detail["action"] for e in _entries(store, "permission_denied")} == {"record_feedback"}


# -- walk-list export gate --------------------------------------------------------------------
def test_walklist_export_gate(store: CampaignStore, people: dict[str, User]) -> None:
    ids = _ids(store)
    turfs.assign_turf(store, ids["Nord 3"], "paul", by="cli")
    for door, name in ((NORTH[4], "Voisine"), ("n9@45999_2", "Même Bureau"), (NORTH[0], "Autre Bureau")):
        contacts.add_contact(store, by="cli", address_id=door, address="5 rue X", full_name=name, outcome="rencontre",
                             consent=True, phone="06 00 00 00 00")
    # addresses only: every role building zones, and the canvasser for their own turf
    for role in ("admin", "candidate", "strategist", "canvasser"):
        export = turfs.authorize_walklist_export(store, ids["Nord 3"], by=people[role])
        assert export.turf.address_ids == tuple(NORTH[4:]) and export.contacts is None and not export.personal_data
        entry = _entries(store, "export_walklist")[0]
        assert (entry.user_name, entry.object_type, entry.object_id) == (people[role].user_name, "turf", str(ids["Nord 3"]))
        assert entry.detail == {"zone_id": ids["Nord"], "addresses": 2, "personal_data": False}
    # with names: admin and candidate only; only the people at the turf's doors, without phone or email
    for role in ("admin", "candidate"):
        export = turfs.authorize_walklist_export(store, ids["Nord 3"], by=people[role], personal_data=True)
        assert export.contacts is not None and list(export.contacts["full_name"]) == ["Voisine"]
        assert "phone" not in export.contacts.columns and "email" not in export.contacts.columns
        assert _entries(store, "export_walklist")[0].detail == {"zone_id": ids["Nord"], "addresses": 2, "personal_data": True,
                                                                "contacts": 1}
    exports = len(_entries(store, "export_walklist"))
    refused = [("canvasser", "Nord 1", False, "record_feedback"), ("canvasser", "Nord 3", True, "export_personal_data"),
               ("strategist", "Nord 3", True, "export_personal_data"), ("viewer", "Nord 3", False, "edit_zones"),
               ("viewer", "Nord 3", True, "export_personal_data")]
    for role, turf, personal, action in refused:
        with pytest.raises(PermissionDenied):
            turfs.authorize_walklist_export(store, ids[turf], by=people[role], personal_data=personal)
        denied = _entries(store, "permission_denied")[0]
        assert (denied.user_name, denied.detail["action"]) == (people[role].user_name, action), (role, turf, personal)
    assert len(_entries(store, "export_walklist")) == exports  # a refused export is not an export
    with pytest.raises(UnknownTurf):
        turfs.authorize_walklist_export(store, 999, by="cli")
    with pytest.raises(PermissionDenied, match="compte désactivé"):
        turfs.authorize_walklist_export(store, ids["Nord 3"], by=people["ancien"])
    with pytest.raises(TurfError, match="oui ou non"):
        turfs.authorize_walklist_export(store, ids["Nord 3"], by="cli", personal_data="yes")  # type: ignore[arg-type]


# -- purge ------------------------------------------------------------------------------------
def test_purge_deletes_turfs_history_and_progress(store: CampaignStore, people: dict[str, User]) -> None:
    ids = _ids(store)
    turfs.assign_turf(store, ids["Nord 1"], "paul", by="cli")
    turfs.record_turf_progress(store, ids["Nord 1"], 4, by="cli")
    zones.set_zone_counts(store, ids["Nord"], {"doors": 45}, by="cli")
    deleted = purge_campaign_data(store, by=people["admin"])
    assert {t: deleted[t] for t in ("turf", "turf_address", "turf_assignment", "turf_progress", "zone_address", "zone_count")} == {
        "turf": 4, "turf_address": 8, "turf_assignment": 1, "turf_progress": 1, "zone_address": 8, "zone_count": 1}
    assert deleted["zone_version"] >= 4
    with store.write() as con:
        assert all(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] == 0 for t in PURGED_TABLES)
    assert users.get_user(store, "paul") is not None
    assert audit.entries(store, by="cli", action="purge")[0].detail["deleted"] == deleted
    assert audit.verify_chain(store) is None


def test_turf_input_of_a_cutting_result(store: CampaignStore) -> None:
    """``TurfInput.of`` takes the cutting's turfs (shapely geometry, empty name → default)."""
    from types import SimpleNamespace

    ids = _ids(store)
    polygon = shapely.box(1.90, 47.89, 1.91, 47.90)
    cut = [SimpleNamespace(number=1, address_ids=tuple(SOUTH), doors=8, geometry=polygon, name="", oversized=False)]
    [turf] = turfs.save_turfs(store, ids["Sud"], [TurfInput.of(t) for t in cut], by="cli")
    assert (turf.name, turf.address_ids, turf.doors) == ("Secteur 1", tuple(SOUTH), 8)
    assert shapely.from_wkb(turf.geometry_wkb).equals(polygon)
