"""The "data" right: given and removed by an admin (audited), held per account, re-read when an import runs."""

from __future__ import annotations

from collections.abc import Callable

import bcrypt
import pytest

from dashboard.access.permissions import PermissionDenied
from dashboard.store import CampaignStore, audit, data_right, users
from dashboard.store.users import UserError
from tests.campaign_stores import StoreMaker


@pytest.fixture(scope="module")
def template(store_maker: StoreMaker) -> CampaignStore:
    store = store_maker.new()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        for role in ("admin", "strategist", "viewer"):
            users.add_user(store, role, "a-long-password-1", role, by="cli")
    return store


def test_give_use_and_remove_the_right(template: CampaignStore, new_store: Callable[..., CampaignStore]) -> None:
    store = new_store(clone_of=template)
    admin, strategist = users.get_user(store, "admin"), users.get_user(store, "strategist")
    assert admin is not None and strategist is not None and strategist.rights == frozenset()
    with pytest.raises(PermissionDenied):
        data_right.authorise(store, strategist, "import_data")
    assert data_right.authorise(store, admin, "import_data").user_name == "admin"  # by role

    given = data_right.set_right(store, "strategist", "data", True, by=admin)
    assert given.rights == frozenset({"data"})
    assert users.get_user(store, "strategist").rights == {"data"}  # type: ignore[union-attr]
    assert {u.user_name: u.rights for u in users.list_users(store, by=admin)}["strategist"] == {"data"}
    # the page was drawn before the right was given: the action re-reads it
    assert data_right.authorise(store, strategist, "import_data").rights == {"data"}

    data_right.set_right(store, "strategist", "data", False, by=admin)
    with pytest.raises(PermissionDenied):  # drawn with the right, removed since: refused
        data_right.authorise(store, given, "import_data")
    entries = audit.entries(store, by="cli", action="user_right")
    assert [e.detail["granted"] for e in entries] == [False, True] and entries[0].user_name == "admin"
    denied = audit.entries(store, by="cli", action="permission_denied", user_name="strategist")
    assert len(denied) == 2 and denied[0].detail["action"] == "import_data"


def test_only_an_admin_gives_rights_and_only_known_ones(template: CampaignStore, new_store: Callable[..., CampaignStore]) -> None:
    store = new_store(clone_of=template)
    strategist = users.get_user(store, "strategist")
    with pytest.raises(PermissionDenied):
        data_right.set_right(store, "viewer", "data", True, by=strategist)  # type: ignore[arg-type]
    with pytest.raises(UserError, match="droit inconnu"):
        data_right.set_right(store, "viewer", "everything", True, by="cli")
    with pytest.raises(UserError, match="utilisateur inconnu"):
        data_right.set_right(store, "nobody", "data", True, by="cli")
    assert users.get_user(store, "viewer").rights == frozenset()  # type: ignore[union-attr]


def test_a_disabled_account_with_the_right_is_refused(template: CampaignStore, new_store: Callable[..., CampaignStore]) -> None:
    store = new_store(clone_of=template)
    viewer = data_right.set_right(store, "viewer", "data", True, by="cli")
    users.disable_user(store, "viewer", by="cli")
    with pytest.raises(PermissionDenied, match="désactivé"):
        data_right.authorise(store, viewer, "import_data")
