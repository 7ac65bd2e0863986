"""The permission table, cell by cell (5 roles × every action), against the real functions.

Each cell runs on its own copy of a store holding one account per role, two
zones (one assigned to the canvasser) and two contacts (one in each zone),
each zone with addresses and one turf. An ``ALL`` cell must succeed with
everything in reach, an ``OWN_ZONES`` cell only inside the canvasser's zone, a
``NONE`` cell must raise :class:`PermissionDenied` and change no campaign data.

The second table (``FUNCTIONS``) does the same for every store function of the
zones issue (history, addresses, counts, turfs, assignment, progress, walk-list
export): each follows one rule derived from ``dashboard.access.permissions``'s table, and is
called as each role on the canvasser's zone/turf ("inside") and the other one
("outside").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import bcrypt
import pytest

from dashboard.access.permissions import ACTIONS, PERMISSIONS, ROLES, Grant, PermissionDenied, permission
from dashboard.store import CampaignStore, audit, contacts, data_right, teams, turfs, users, visits, zones
from dashboard.store.purge import PURGED_TABLES, purge_campaign_data
from dashboard.store.turfs import TurfInput
from dashboard.store.users import User
from tests.campaign_stores import StoreMaker, table_rows

INSIDE, OUTSIDE = "45999_1", "45999_2"  # the canvasser's zone / another zone
ADDRESSES = {"inside": [f"a{i}@{INSIDE}" for i in range(3)], "outside": [f"b{i}@{OUTSIDE}" for i in range(3)]}


@pytest.fixture(scope="module")
def template(store_maker: StoreMaker) -> CampaignStore:
    store = store_maker.new()
    with pytest.MonkeyPatch.context() as mp:  # bcrypt at cost 4: same format, faster tests
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        for role in ROLES:
            users.add_user(store, role, "a-long-password-1", role, by="cli")
    own = zones.create_zone(store, "Zone du militant", [INSIDE], by="cli", address_ids=ADDRESSES["inside"])
    zones.assign_zone(store, own.zone_id, "canvasser", by="cli")
    other = zones.create_zone(store, "Autre zone", [OUTSIDE], by="cli", address_ids=ADDRESSES["outside"])
    for zone, where in ((own, "inside"), (other, "outside")):  # one turf each, assigned to the admin (who canvasses too)
        [turf] = turfs.save_turfs(store, zone.zone_id, [TurfInput(1, ADDRESSES[where], 10)], by="cli")
        turfs.assign_turf(store, turf.turf_id, "admin", by="cli")
    for door, name in ((ADDRESSES["inside"][0], "Personne Dedans"), (ADDRESSES["outside"][0], "Personne Dehors")):
        contacts.add_contact(store, by="cli", address_id=door, address="1 rue X", full_name=name, outcome="rencontre",
                             consent=True, phone="06 00 00 00 00")
    store.save_view("Vue", {}, by="cli")
    return store


def _data_rows(store: CampaignStore) -> dict[str, Any]:
    with store.read() as con:
        tables = {t: table_rows(con, t) for t in PURGED_TABLES}
        tables["app_user"] = con.execute("SELECT user_name, role, active FROM app_user ORDER BY user_name").fetchall()
    return tables


# action -> (call as `user`, check of an allowed result given the grant)
def _view_maps(store: CampaignStore, user: User) -> Any:
    return zones.station_ids_for(store, by=user)


def _check_view_maps(result: Any, grant: Grant) -> None:
    assert result is None if grant is Grant.ALL else result == frozenset({INSIDE})


def _edit_zones(store: CampaignStore, user: User) -> Any:
    return zones.create_zone(store, f"Nouvelle zone {user.user_name}", ["45999_3"], by=user)


def _view_personal_data(store: CampaignStore, user: User) -> Any:
    return contacts.contacts(store, by=user)


def _check_personal(result: Any, grant: Grant) -> None:
    names = set(result["full_name"])
    assert names == ({"Personne Dedans", "Personne Dehors"} if grant is Grant.ALL else {"Personne Dedans"})


def _record_feedback(store: CampaignStore, user: User) -> Any:
    return contacts.add_contact(store, by=user, address_id=ADDRESSES["inside"][1], address="2 rue X", full_name="Nouvelle Personne",
                                outcome="absent", consent=False)


def _check_record(result: Any, grant: Grant, store: CampaignStore, user: User) -> None:
    assert isinstance(result, int)
    if grant is Grant.OWN_ZONES:  # outside the canvasser's zone: refused
        with pytest.raises(PermissionDenied):
            contacts.add_contact(store, by=user, address_id=ADDRESSES["outside"][1], address="3 rue X", full_name="Hors Zone",
                                 outcome="absent", consent=False)


CALLS: dict[str, Callable[[CampaignStore, User], Any]] = {
    "view_maps": _view_maps,
    "edit_zones": _edit_zones,
    "view_personal_data": _view_personal_data,
    "record_feedback": _record_feedback,
    "review_feedback": lambda store, user: contacts.feedback_review(store, by=user),
    "export_personal_data": lambda store, user: contacts.export_contacts_csv(store, by=user),
    "manage_users": lambda store, user: users.add_user(store, f"nouveau-{user.user_name}", "a-long-password-2", "viewer", by=user),
    "view_audit": lambda store, user: audit.entries(store, by=user),
    "purge": lambda store, user: purge_campaign_data(store, by=user),
    "save_views": lambda store, user: store.save_view("Ma vue", {}, by=user),
    "import_data": lambda store, user: data_right.authorise(store, user, "import_data"),
}


def test_every_action_has_a_real_function() -> None:
    assert set(CALLS) == set(ACTIONS)


@pytest.mark.parametrize(("role", "action"), sorted(PERMISSIONS))
def test_cell(role: str, action: str, template: CampaignStore, new_store: Callable[..., CampaignStore]) -> None:
    store = new_store(clone_of=template)
    user = users.get_user(store, role)
    assert user is not None
    grant = PERMISSIONS[(role, action)]
    before = _data_rows(store)
    if grant is Grant.NONE:
        with pytest.raises(PermissionDenied):
            CALLS[action](store, user)
        assert _data_rows(store) == before  # refused: nothing changed
        denied = audit.entries(store, by="cli", action="permission_denied", user_name=role)
        assert denied and denied[0].detail["action"] == action
        return
    result = CALLS[action](store, user)
    if action == "view_maps":
        _check_view_maps(result, grant)
    elif action == "view_personal_data":
        _check_personal(result, grant)
    elif action == "record_feedback":
        _check_record(result, grant, store, user)
    elif action == "export_personal_data":
        text = result.decode("utf-8-sig")
        assert "Personne Dedans" in text and "Personne Dehors" in text
        assert audit.entries(store, by="cli", action="export")[0].user_name == role
    elif action == "purge":
        assert result["contact"] == 2 and result["zone"] == 2
        after = _data_rows(store)
        assert all(after[t] == [] for t in PURGED_TABLES) and after["app_user"] == before["app_user"]
    elif action == "review_feedback":
        assert set(result["station_id"]) == {INSIDE, OUTSIDE} and "full_name" not in result.columns
    else:
        assert result is not None


def test_a_disabled_account_is_refused_everything(template: CampaignStore, new_store: Callable[..., CampaignStore]) -> None:
    store = new_store(clone_of=template)
    users.disable_user(store, "candidate", by="cli")
    user = users.get_user(store, "candidate")
    for action, call in CALLS.items():
        with pytest.raises(PermissionDenied):
            call(store, user)


# -- the zones issue's functions (FUNCTIONS): rule, call, and the check of an allowed result -------------------
def _read_zones_rule(role: str) -> Grant:
    """Reading zones, turfs, their addresses and progress: the builders everywhere, the canvasser their own."""
    if permission(role, "edit_zones") is Grant.ALL:
        return Grant.ALL
    return Grant.OWN_ZONES if permission(role, "view_maps") is Grant.OWN_ZONES else Grant.NONE


def _walklist_rule(role: str) -> Grant:
    """A walk list of addresses: the builders for any turf, the canvassers for their own."""
    if permission(role, "edit_zones") is Grant.ALL:
        return Grant.ALL
    return permission(role, "record_feedback")


RULES: dict[str, Any] = {
    "edit_zones": lambda role: permission(role, "edit_zones"),
    "read_zones": _read_zones_rule,
    "view_maps": lambda role: permission(role, "view_maps"),
    "record_feedback": lambda role: permission(role, "record_feedback"),
    "walklist": _walklist_rule,
    "export_personal_data": lambda role: permission(role, "export_personal_data"),
}


def _targets(store: CampaignStore) -> dict[str, tuple[int, int]]:
    """"inside"/"outside" -> (zone id, turf id)."""
    by_name = {z.name: z.zone_id for z in zones.zones_for(store, by="cli")}
    turf_of = {t.zone_id: t.turf_id for t in turfs.turfs_for(store, by="cli")}
    inside, outside = by_name["Zone du militant"], by_name["Autre zone"]
    return {"inside": (inside, turf_of[inside]), "outside": (outside, turf_of[outside])}


# function -> (rule, call(store, user, zone_id, turf_id, where), list check or None)
# A call on one object: OWN_ZONES must succeed inside and be refused outside. A list (check given): the
# check receives the result and whether everything (ALL) or only the inside (OWN_ZONES) is expected.
def _listed_turfs(result: Any, everything: bool, store: CampaignStore) -> None:
    expected = {t for _, t in _targets(store).values()} if everything else {_targets(store)["inside"][1]}
    assert {t.turf_id for t in result} == expected


FUNCTIONS: dict[str, tuple[str, Callable[..., Any], Callable[[Any, bool, CampaignStore], None] | None]] = {
    "zones.update_zone": ("edit_zones", lambda s, u, z, t, w: zones.update_zone(s, z, by=u, name=f"Zone modifiée {w}"), None),
    "zones.set_zone_addresses": ("edit_zones", lambda s, u, z, t, w: zones.set_zone_addresses(s, z, ADDRESSES[w][:1], by=u), None),
    "zones.set_zone_counts": ("edit_zones", lambda s, u, z, t, w: zones.set_zone_counts(s, z, {"doors": 5}, by=u), None),
    "zones.duplicate_zone": ("edit_zones", lambda s, u, z, t, w: zones.duplicate_zone(s, z, f"Copie {w}", by=u), None),
    "zones.zone_versions": ("edit_zones", lambda s, u, z, t, w: zones.zone_versions(s, z, by=u), None),
    "zones.get_zone_version": ("edit_zones", lambda s, u, z, t, w: zones.get_zone_version(s, z, 1, by=u), None),
    "zones.restore_zone_version": ("edit_zones", lambda s, u, z, t, w: zones.restore_zone_version(s, z, 1, by=u), None),
    "turfs.save_turfs": ("edit_zones", lambda s, u, z, t, w: turfs.save_turfs(
        s, z, [TurfInput(1, ADDRESSES[w][:1], 3), TurfInput(2, ADDRESSES[w][1:], 7)], by=u, replace_assigned=True), None),
    "turfs.delete_turfs": ("edit_zones", lambda s, u, z, t, w: turfs.delete_turfs(s, z, by=u), None),
    "turfs.assign_turf": ("edit_zones", lambda s, u, z, t, w: turfs.assign_turf(s, t, "canvasser", by=u, due_date="2026-03-15"), None),
    "turfs.unassign_turf": ("edit_zones", lambda s, u, z, t, w: turfs.unassign_turf(s, t, "admin", by=u), None),
    "zones.get_zone": ("read_zones", lambda s, u, z, t, w: zones.get_zone(s, z, by=u), None),
    "zones.zone_address_ids": ("read_zones", lambda s, u, z, t, w: zones.zone_address_ids(s, z, by=u), None),
    "turfs.get_turf": ("read_zones", lambda s, u, z, t, w: turfs.get_turf(s, t, by=u), None),
    "turfs.turfs_for": ("read_zones", lambda s, u, z, t, w: turfs.turfs_for(s, by=u), _listed_turfs),
    "turfs.progress": ("read_zones", lambda s, u, z, t, w: turfs.progress(s, by=u), _listed_turfs),
    "zones.address_ids_for": ("view_maps", lambda s, u, z, t, w: zones.address_ids_for(s, by=u),
                              lambda r, everything, s: (r is None) if everything else r == frozenset(ADDRESSES["inside"])),
    "turfs.record_turf_progress": ("record_feedback", lambda s, u, z, t, w: turfs.record_turf_progress(s, t, 4, by=u), None),
    "turfs.authorize_walklist_export": ("walklist", lambda s, u, z, t, w: turfs.authorize_walklist_export(s, t, by=u), None),
    "turfs.authorize_walklist_export(personal_data)": ("export_personal_data", lambda s, u, z, t, w: turfs.authorize_walklist_export(
        s, t, by=u, personal_data=True), None),
    # the field team (issue 17): counts for the roles that build zones, nothing for the others
    "teams.create_team": ("edit_zones", lambda s, u, z, t, w: teams.create_team(s, f"Équipe {w}", by=u), None),
    "teams.set_goal": ("edit_zones", lambda s, u, z, t, w: teams.set_goal(s, "turf", t, "doors", 1, by=u), None),
    "teams.goal_progress": ("edit_zones", lambda s, u, z, t, w: teams.goal_progress(s, by=u), None),
    "teams.progress_by_team": ("edit_zones", lambda s, u, z, t, w: teams.progress_by_team(s, by=u, day=date(2026, 3, 1)), None),
    "visits.coverage": ("edit_zones", lambda s, u, z, t, w: visits.coverage(s, by=u), None),
}


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_cell(function: str, role: str, template: CampaignStore, new_store: Callable[..., CampaignStore]) -> None:
    store = new_store(clone_of=template)
    user = users.get_user(store, role)
    assert user is not None
    rule, call, check = FUNCTIONS[function]
    grant = RULES[rule](role)
    targets = _targets(store)
    if grant is Grant.NONE:
        before = _data_rows(store)
        for where in ("inside", "outside"):
            with pytest.raises(PermissionDenied):
                call(store, user, *targets[where], where)
        assert _data_rows(store) == before  # refused: nothing changed
        assert len(audit.entries(store, by="cli", action="permission_denied", user_name=role)) == 2
        return
    if check is not None:  # a list: everything, or only the inside
        result = call(store, user, None, None, None)
        assert check(result, grant is Grant.ALL, store) is not False
        return
    call(store, user, *targets["inside"], "inside")
    if grant is Grant.ALL:
        call(store, user, *targets["outside"], "outside")
    else:
        before = _data_rows(store)
        with pytest.raises(PermissionDenied):
            call(store, user, *targets["outside"], "outside")
        assert _data_rows(store) == before
        assert audit.entries(store, by="cli", action="permission_denied", user_name=role)


def test_every_new_function_is_in_the_table() -> None:
    """The zones issue's public store functions all have a row (add one with any new function)."""
    import inspect

    public = {f"{module.__name__.rsplit('.', 1)[1]}.{name}" for module in (zones, turfs)
              for name, obj in vars(module).items()
              if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not name.startswith("_")
              and "store" in inspect.signature(obj).parameters
              and getattr(inspect.signature(obj).parameters.get("by"), "kind", None) is inspect.Parameter.KEYWORD_ONLY}
    covered = {name.split("(")[0] for name in FUNCTIONS} | {f"zones.{n}" for n in (
        "create_zone", "rename_zone", "set_zone_stations", "set_zone_geometry", "set_zone_status", "delete_zone", "assign_zone",
        "unassign_zone", "zones_for", "assignments", "station_ids_for")}  # issue 4's, in tests/store/test_zones.py
    assert public - covered == set()


def test_a_disabled_account_is_refused_every_new_function(template: CampaignStore, new_store: Callable[..., CampaignStore]) -> None:
    store = new_store(clone_of=template)
    users.disable_user(store, "candidate", by="cli")
    user = users.get_user(store, "candidate")
    targets = _targets(store)
    for name, (_, call, _) in FUNCTIONS.items():
        with pytest.raises(PermissionDenied, match="compte désactivé"):
            call(store, user, *targets["inside"], "inside")
