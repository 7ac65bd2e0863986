"""The permission table, cell by cell (5 roles × every action), against the real functions.

Each cell runs on its own copy of a store holding one account per role, two
zones (one assigned to the canvasser) and two contacts (one in each zone). An
``ALL`` cell must succeed with everything in reach, an ``OWN_ZONES`` cell only
inside the canvasser's zone, a ``NONE`` cell must raise
:class:`PermissionDenied` and change no campaign data.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bcrypt
import duckdb
import pytest

from dashboard.auth import ACTIONS, PERMISSIONS, ROLES, Grant, PermissionDenied
from dashboard.store import CampaignStore, audit, contacts, users, zones
from dashboard.store.purge import PURGED_TABLES, purge_campaign_data
from dashboard.store.users import User

INSIDE, OUTSIDE = "45999_1", "45999_2"  # the canvasser's zone / another zone


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("matrix") / "campaign.duckdb"
    store = CampaignStore(path)
    with pytest.MonkeyPatch.context() as mp:  # bcrypt at cost 4: same format, faster tests
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        for role in ROLES:
            users.add_user(store, role, "a-long-password-1", role, by="cli")
    own = zones.create_zone(store, "Zone du militant", [INSIDE], by="cli")
    zones.assign_zone(store, own.zone_id, "canvasser", by="cli")
    zones.create_zone(store, "Autre zone", [OUTSIDE], by="cli")
    for station, name in ((INSIDE, "Personne Dedans"), (OUTSIDE, "Personne Dehors")):
        contacts.add_contact(store, by="cli", station_id=station, address="1 rue X", full_name=name, outcome="rencontre",
                             consent=True, phone="06 00 00 00 00")
    store.save_view("Vue", {}, by="cli")
    return path


def _data_rows(store: CampaignStore) -> dict[str, Any]:
    with duckdb.connect(str(store.path), read_only=True) as con:
        tables = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in PURGED_TABLES}
        tables["app_user"] = con.execute("SELECT user_name, role, active FROM app_user ORDER BY ALL").fetchall()
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
    return contacts.add_contact(store, by=user, station_id=INSIDE, address="2 rue X", full_name="Nouvelle Personne",
                                outcome="absent", consent=False)


def _check_record(result: Any, grant: Grant, store: CampaignStore, user: User) -> None:
    assert isinstance(result, int)
    if grant is Grant.OWN_ZONES:  # outside the canvasser's zone: refused
        with pytest.raises(PermissionDenied):
            contacts.add_contact(store, by=user, station_id=OUTSIDE, address="3 rue X", full_name="Hors Zone",
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
}


def test_every_action_has_a_real_function() -> None:
    assert set(CALLS) == set(ACTIONS)


@pytest.mark.parametrize(("role", "action"), sorted(PERMISSIONS))
def test_cell(role: str, action: str, template: Path, tmp_path: Path) -> None:
    path = tmp_path / "campaign.duckdb"
    shutil.copy(template, path)
    store = CampaignStore(path)
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


def test_a_disabled_account_is_refused_everything(template: Path, tmp_path: Path) -> None:
    path = tmp_path / "campaign.duckdb"
    shutil.copy(template, path)
    store = CampaignStore(path)
    users.disable_user(store, "candidate", by="cli")
    user = users.get_user(store, "candidate")
    for action, call in CALLS.items():
        with pytest.raises(PermissionDenied):
            call(store, user)
