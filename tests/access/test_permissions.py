"""The permission table, cell by cell, against an explicit copy of docs/design.md's table."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dashboard.access.permissions import (
    ACTIONS,
    PAGES,
    ROLES,
    Grant,
    PermissionDenied,
    UnknownRole,
    check_role,
    may_open,
    pages_for,
    permission,
    require,
    require_actor,
)
from dashboard.errors import IsoloirError

A, O, N = Grant.ALL, Grant.OWN_ZONES, Grant.NONE
ORDER = ["admin", "candidate", "strategist", "canvasser", "viewer"]
# Written out by hand from docs/design.md ("Roles"); save_views is the one addition.
EXPECTED = {
    "view_maps":            (A, A, A, O, A),
    "edit_zones":           (A, A, A, N, N),
    "view_personal_data":   (A, A, N, O, N),
    "record_feedback":      (A, N, N, O, N),
    "review_feedback":      (A, A, N, N, N),
    "export_personal_data": (A, A, N, N, N),
    "manage_users":         (A, N, N, N, N),
    "view_audit":           (A, N, N, N, N),
    "purge":                (A, N, N, N, N),
    "save_views":           (A, A, A, N, N),
    "import_data":          (A, N, N, N, N),
}
CELLS = [(role, action, grants[i]) for action, grants in EXPECTED.items() for i, role in enumerate(ORDER)]


@dataclass(frozen=True)
class Someone:
    user_name: str
    role: str
    active: bool = True
    rights: frozenset[str] = frozenset()


def test_roles_and_labels() -> None:
    assert list(ROLES) == ORDER
    assert ROLES == {"admin": "directeur de campagne", "candidate": "candidat", "strategist": "stratège",
                     "canvasser": "militant", "viewer": "observateur"}


def test_table_covers_every_action_and_nothing_else() -> None:
    assert set(ACTIONS) == set(EXPECTED)


@pytest.mark.parametrize(("role", "action", "grant"), CELLS, ids=[f"{r}-{a}" for r, a, _ in CELLS])
def test_permission_cell(role: str, action: str, grant: Grant) -> None:
    assert permission(role, action) is grant
    user = Someone("x", role)
    if grant is Grant.NONE:
        with pytest.raises(PermissionDenied) as info:
            require(user, action)
        assert isinstance(info.value, IsoloirError) and "refusée" in info.value.message_fr and ROLES[role] in info.value.message_fr
    else:
        assert require(user, action) is grant
        assert require(user, action, in_own_zones=True) is grant
        if grant is Grant.OWN_ZONES:
            with pytest.raises(PermissionDenied, match="propres zones"):
                require(user, action, in_own_zones=False)
        else:
            assert require(user, action, in_own_zones=False) is grant


@pytest.mark.parametrize("action", list(EXPECTED))
def test_disabled_user_is_refused_everything(action: str) -> None:
    with pytest.raises(PermissionDenied, match="désactivé"):
        require(Someone("x", "admin", active=False), action)


def test_unknown_role_and_action() -> None:
    with pytest.raises(UnknownRole, match="rôle inconnu"):
        permission("superuser", "view_maps")
    with pytest.raises(KeyError):
        permission("admin", "fly")
    assert check_role(" Admin ") == "admin"


def test_system_actors_pass_and_strings_are_not_users() -> None:
    require_actor("cli", "manage_users")
    with pytest.raises(ValueError):
        require_actor("admin", "manage_users")  # a bare name is not a logged-in user
    with pytest.raises(PermissionDenied):
        require_actor(Someone("v", "viewer"), "manage_users")


PAGES_EXPECTED = {
    "admin": ["carte", "presentation", "donnees", "import", "cibles", "zones", "terrain", "admin"],
    "candidate": ["carte", "presentation", "donnees", "cibles", "zones", "terrain"],
    "strategist": ["carte", "presentation", "donnees", "cibles", "zones"],
    "canvasser": ["carte", "terrain"],  # only the pages that limit themselves to the canvasser's zones
    "viewer": ["carte", "presentation", "donnees", "cibles"],
}


@pytest.mark.parametrize("role", ORDER)
def test_pages_for(role: str) -> None:
    assert pages_for(role) == PAGES_EXPECTED[role]
    for page in PAGES_EXPECTED[role]:
        require(Someone("x", role), PAGES[page].action)
    for page in set(PAGES) - set(PAGES_EXPECTED[role]):
        assert not may_open(role, page)
    assert not may_open(role, "nowhere")


def test_pages_keys() -> None:
    assert list(PAGES) == ["carte", "presentation", "donnees", "import", "cibles", "zones", "terrain", "admin"]
    assert {rule.action for rule in PAGES.values()} <= set(ACTIONS)


def test_docstring_table_matches_code() -> None:
    from dashboard.access import permissions
    doc = permissions.__doc__ or ""
    for action, grants in EXPECTED.items():
        line = next(l for l in doc.splitlines() if l.startswith(f"``{action}``"))
        assert line.split()[1:] == [g.name for g in grants], action


@pytest.mark.parametrize("role", ORDER[1:])
def test_the_data_right_opens_the_import_page_and_nothing_else(role: str) -> None:
    assert not may_open(role, "import") and permission(role, "import_data") is Grant.NONE
    assert may_open(role, "import", frozenset({"data"}))
    assert permission(role, "import_data", {"data"}) is Grant.ALL
    assert pages_for(role, ("data",)) == [p for p in PAGES if p in PAGES_EXPECTED[role] or p == "import"]
    for action in EXPECTED:
        if action != "import_data":
            assert permission(role, action, {"data"}) is permission(role, action)
    assert require(Someone("x", role, rights=frozenset({"data"})), "import_data") is Grant.ALL  # type: ignore[call-arg]
    assert permission(role, "import_data", {"unknown-right"}) is Grant.NONE
