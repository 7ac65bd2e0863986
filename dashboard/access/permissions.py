"""Roles and permissions: the one table every page and data function asks.

The table (``PERMISSIONS``) is the code form of the "Roles" table of
``docs/design.md``; each cell is a :class:`Grant`:

- ``ALL``: allowed everywhere;
- ``OWN_ZONES``: allowed only inside the zones assigned to the user (the
  caller says whether the object lies there: ``require(..., in_own_zones=…)``);
- ``NONE``: refused.

==========================  =====  =========  ==========  =========  ======
action                      admin  candidate  strategist  canvasser  viewer
==========================  =====  =========  ==========  =========  ======
``view_maps``               ALL    ALL        ALL         OWN_ZONES  ALL
``edit_zones``              ALL    ALL        ALL         NONE       NONE
``view_personal_data``      ALL    ALL        NONE        OWN_ZONES  NONE
``record_feedback``         ALL    NONE       NONE        OWN_ZONES  NONE
``review_feedback``         ALL    ALL        NONE        NONE       NONE
``export_personal_data``    ALL    ALL        NONE        NONE       NONE
``manage_users``            ALL    NONE       NONE        NONE       NONE
``view_audit``              ALL    NONE       NONE        NONE       NONE
``purge``                   ALL    NONE       NONE        NONE       NONE
``save_views``              ALL    ALL        ALL         NONE       NONE
``import_data``             ALL    NONE       NONE        NONE       NONE
==========================  =====  =========  ==========  =========  ======

Rows 1-7 of design.md map to the first nine actions (its last row, "manage
users, purge, audit log", is split in three). ``save_views`` (saving,
renaming, reordering and deleting the presentation's slides) is not in
design.md: it follows "build / edit zones" (the people who prepare the
campaign's material), minus canvassers. ``import_data`` (importing public files into the
warehouse from the app's « Importer » page) is the admin's, and also of any account an admin
gave the **"data" right** (``RIGHTS``): a right is held per account, beside the role, in the
campaign store (``store/data_right.py``), and turns one ``NONE`` cell into ``ALL`` for that account.

Pages (``PAGES``) need one action each, at ``ALL``, or at ``OWN_ZONES`` when
the page scopes everything it shows to the user's zones (``scoped``):
``carte`` → ``view_maps`` (scoped: a canvasser's map holds only the stations
of their zones); ``presentation``, ``donnees``, ``cibles`` → ``view_maps``
(whole territory, not scoped); ``zones`` → ``edit_zones``; ``terrain`` →
``view_personal_data`` (scoped); ``import`` → ``import_data``; ``admin`` → ``manage_users``. A role sees
(plus ``import`` for an account holding the "data" right):

- admin: every page (``import`` included);
- candidate: carte, presentation, donnees, cibles, zones, terrain;
- strategist: carte, presentation, donnees, cibles, zones;
- canvasser: carte, terrain (both limited to their zones);
- viewer: carte, presentation, donnees, cibles.

Role ids are stable (stored in the campaign store); ``ROLES`` maps them, in
order of authority, to their French labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from dashboard.errors import IsoloirError


class Grant(str, Enum):
    """How far one role may perform one action."""

    ALL = "all"
    OWN_ZONES = "own_zones"
    NONE = "none"

    def __bool__(self) -> bool:  # ``if permission(...)`` reads as "allowed at all"
        return self is not Grant.NONE


ROLES: dict[str, str] = {
    "admin": "directeur de campagne",
    "candidate": "candidat",
    "strategist": "stratège",
    "canvasser": "militant",
    "viewer": "observateur",
}

# action id -> French description (used in refusal messages and the admin page)
ACTIONS: dict[str, str] = {
    "view_maps": "voir les cartes et les scores agrégés",
    "edit_zones": "construire et modifier les zones, affecter les militants",
    "view_personal_data": "voir les données personnelles (électeurs, contacts)",
    "record_feedback": "saisir les retours de porte-à-porte",
    "review_feedback": "relire les retours de terrain",
    "export_personal_data": "exporter des données personnelles",
    "manage_users": "gérer les comptes",
    "view_audit": "consulter le journal d'audit",
    "purge": "purger les données de campagne",
    "save_views": "enregistrer et ordonner les vues de la présentation",
    "import_data": "importer des fichiers de données publiques dans l'entrepôt",
}

# Rights an admin may give to an account beyond its role: right id -> (French label, actions it grants at ALL).
RIGHTS: dict[str, tuple[str, frozenset[str]]] = {
    "data": ("données : importer des fichiers dans l'entrepôt", frozenset({"import_data"})),
}

A, O, N = Grant.ALL, Grant.OWN_ZONES, Grant.NONE
_COLUMNS = tuple(ROLES)  # admin, candidate, strategist, canvasser, viewer
_ROWS: dict[str, tuple[Grant, Grant, Grant, Grant, Grant]] = {
    "view_maps": (A, A, A, O, A),
    "edit_zones": (A, A, A, N, N),
    "view_personal_data": (A, A, N, O, N),
    "record_feedback": (A, N, N, O, N),
    "review_feedback": (A, A, N, N, N),
    "export_personal_data": (A, A, N, N, N),
    "manage_users": (A, N, N, N, N),
    "view_audit": (A, N, N, N, N),
    "purge": (A, N, N, N, N),
    "save_views": (A, A, A, N, N),
    "import_data": (A, N, N, N, N),
}
del A, O, N

PERMISSIONS: dict[tuple[str, str], Grant] = {
    (role, action): grants[index] for action, grants in _ROWS.items() for index, role in enumerate(_COLUMNS)
}

@dataclass(frozen=True)
class PageRule:
    """The action a page needs; ``scoped``: the page limits what it shows to the user's zones,
    so an ``OWN_ZONES`` grant is enough."""

    action: str
    scoped: bool = False


# page key -> what it needs
PAGES: dict[str, PageRule] = {
    "carte": PageRule("view_maps", scoped=True),
    "presentation": PageRule("view_maps"),
    "donnees": PageRule("view_maps"),
    "import": PageRule("import_data"),
    "cibles": PageRule("view_maps"),
    "zones": PageRule("edit_zones"),
    "terrain": PageRule("view_personal_data", scoped=True),
    "admin": PageRule("manage_users"),
}

# Processes, not people: they act with the file-system access of whoever runs
# them and are recorded as such in the audit log (no permission check).
SYSTEM_ACTORS = frozenset({"cli", "demo", "first-run", "purge-auto"})  # purge-auto: the purge at start (store/purge.py)


class Principal(Protocol):
    """Anything with a user name and a role (``dashboard.store.users.User``)."""

    @property
    def user_name(self) -> str: ...

    @property
    def role(self) -> str: ...


class PermissionDenied(IsoloirError):
    """The user's role does not allow the action (or not on this object)."""

    def __init__(self, message_fr: str, *, role: str | None = None, action: str | None = None) -> None:
        super().__init__(message_fr)
        self.role = role
        self.action = action


class UnknownRole(IsoloirError):
    pass


def check_role(role: str) -> str:
    """The role id, stripped and lower-cased; raises :class:`UnknownRole` (French) otherwise."""
    clean = str(role).strip().lower()
    if clean not in ROLES:
        raise UnknownRole(f"rôle inconnu : « {role} » (attendu : {', '.join(ROLES)})")
    return clean


def role_label(role: str) -> str:
    return ROLES[check_role(role)]


def check_rights(rights: object) -> frozenset[str]:
    """The known right ids among ``rights`` (unknown ids are ignored: a right removed from the code grants nothing)."""
    return frozenset(r for r in (rights or ()) if r in RIGHTS)  # type: ignore[union-attr]


def permission(role: str, action: str, rights: frozenset[str] | set[str] | tuple[str, ...] = ()) -> Grant:
    """The grant of ``role`` for ``action``, widened to ``ALL`` by an account's ``rights`` that grant it
    (raises on an unknown role or action)."""
    role = check_role(role)
    if action not in ACTIONS:
        raise KeyError(f"unknown action: {action!r}")
    grant = PERMISSIONS[(role, action)]
    if grant is not Grant.ALL and any(action in RIGHTS[r][1] for r in check_rights(rights)):
        return Grant.ALL
    return grant


def require(user: Principal, action: str, *, in_own_zones: bool | None = None) -> Grant:
    """Return the user's grant for ``action`` or raise :class:`PermissionDenied`.

    A disabled user (``user.active`` false) is refused everything. With an
    ``OWN_ZONES`` grant, pass ``in_own_zones`` once the object is known: False
    is refused; None (listing, before the object is known) returns the grant so
    the caller filters on the user's zones.
    """
    if not getattr(user, "active", True):
        raise PermissionDenied("compte désactivé : action refusée", role=getattr(user, "role", None), action=action)
    grant = permission(user.role, action, getattr(user, "rights", ()))
    label = ROLES[check_role(user.role)]
    if grant is Grant.NONE:
        raise PermissionDenied(f"action refusée : le rôle « {label} » ne permet pas de {ACTIONS[action]}", role=user.role, action=action)
    if grant is Grant.OWN_ZONES and in_own_zones is False:
        raise PermissionDenied(
            f"action refusée : le rôle « {label} » ne permet de {ACTIONS[action]} que dans ses propres zones", role=user.role, action=action
        )
    return grant


def is_system_actor(actor: object) -> bool:
    return isinstance(actor, str) and actor in SYSTEM_ACTORS


def actor_name(actor: Principal | str) -> str:
    """The name recorded in the audit log for a person or a system actor."""
    if isinstance(actor, str):
        if actor not in SYSTEM_ACTORS:
            raise ValueError(f"unknown system actor: {actor!r}")
        return actor
    return actor.user_name


def require_actor(actor: Principal | str, action: str) -> None:
    """Like :func:`require`, but system actors (``"cli"``, ``"demo"``, ``"first-run"``) pass."""
    if is_system_actor(actor):
        return
    if isinstance(actor, str):
        raise ValueError(f"unknown system actor: {actor!r}")
    require(actor, action)


def may_open(role: str, page: str, rights: frozenset[str] | set[str] | tuple[str, ...] = ()) -> bool:
    """Whether ``role`` (with the account's ``rights``) may open ``page`` (unknown pages: never)."""
    rule = PAGES.get(page)
    if rule is None:
        return False
    grant = permission(role, rule.action, rights)
    return grant is Grant.ALL or (grant is Grant.OWN_ZONES and rule.scoped)


# where the site root leads a role (default: its first page)
LANDING: dict[str, str] = {"canvasser": "terrain"}


def landing_page(role: str, rights: frozenset[str] | set[str] | tuple[str, ...] = ()) -> str:
    pages = pages_for(role, rights)
    return LANDING[role] if LANDING.get(role) in pages else pages[0]


def pages_for(role: str, rights: frozenset[str] | set[str] | tuple[str, ...] = ()) -> list[str]:
    """Page keys the role (with the account's ``rights``) may open, in ``PAGES`` order."""
    return [page for page in PAGES if may_open(role, page, rights)]
