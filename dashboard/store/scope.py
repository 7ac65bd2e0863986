"""Who sees what in the campaign store: a canvasser's zones, stations, turfs and addresses, as SQL.

Each ``*_OF_USER_SQL`` is a subquery with ONE bound parameter, the user name,
so callers write ``... WHERE station_id IN (<this>)`` with ``[user_name]``:
the restriction is in the SQL, never a filter applied in Python afterwards
(the rules are in ``zones``' module doc). :func:`zone_read_scope` and
:func:`own_zones_user` turn a user's grants into the user name to bind, or
None for "everything".
"""

from __future__ import annotations

from dashboard.access.permissions import ROLES, Grant, PermissionDenied, Principal, actor_name, check_role, is_system_actor, permission, require
from dashboard.store.guard import grant_for

# A canvasser's scope, each subquery with ONE bound parameter (the user name), so callers write
# ``... WHERE station_id IN (<this>)`` with ``[user_name]``: the restriction is in the SQL.
# (zone, user) pairs: zone assignments, and the zone of every turf assigned.
_ZONE_USERS_SQL = (
    "SELECT zone_id, user_name FROM zone_assignment "
    "UNION SELECT t.zone_id, ta.user_name FROM turf_assignment ta JOIN turf t ON t.turf_id = ta.turf_id"
)
# (turf, user) pairs: turf assignments, and every turf of a zone assigned.
_TURF_USERS_SQL = (
    "SELECT turf_id, user_name FROM turf_assignment "
    "UNION SELECT t.turf_id, za.user_name FROM turf t JOIN zone_assignment za ON za.zone_id = t.zone_id"
)
ZONES_OF_USER_SQL = f"SELECT zu.zone_id FROM ({_ZONE_USERS_SQL}) zu WHERE zu.user_name = ?"
STATIONS_OF_USER_SQL = (
    f"SELECT zs.station_id FROM zone_station zs JOIN ({_ZONE_USERS_SQL}) zu ON zu.zone_id = zs.zone_id WHERE zu.user_name = ?"
)
TURFS_OF_USER_SQL = f"SELECT tu.turf_id FROM ({_TURF_USERS_SQL}) tu WHERE tu.user_name = ?"
ADDRESSES_OF_USER_SQL = (
    "SELECT au.address_id FROM ("
    "SELECT za.address_id, a.user_name FROM zone_address za JOIN zone_assignment a ON a.zone_id = za.zone_id "
    f"UNION SELECT ta.address_id, tu.user_name FROM turf_address ta JOIN ({_TURF_USERS_SQL}) tu ON tu.turf_id = ta.turf_id"
    ") au WHERE au.user_name = ?"
)



def own_zones_user(by: Principal | str, action: str) -> str | None:
    """None when ``by`` may ``action`` everywhere; the user name whose zones bound it for ``OWN_ZONES``."""
    grant = grant_for(by, action)
    return None if grant is Grant.ALL else actor_name(by)


def zone_read_scope(by: Principal | str) -> str | None:
    """None: every zone; a user name: only that user's zones (and turfs); refuses other roles (French)."""
    if is_system_actor(by):
        return None
    if isinstance(by, str):
        raise ValueError(f"unknown system actor: {by!r}")  # noqa: TRY004 - as dashboard.access.permissions.require_actor
    role = check_role(by.role)
    if permission(role, "edit_zones") is Grant.ALL:
        require(by, "edit_zones")
        return None
    if permission(role, "edit_zones") is Grant.OWN_ZONES or permission(role, "view_maps") is Grant.OWN_ZONES:
        require(by, "view_maps")  # refuses a disabled account
        return by.user_name
    require(by, "view_maps")  # a disabled account reads "compte désactivé"
    raise PermissionDenied(
        f"action refusée : le rôle « {ROLES[role]} » ne permet pas de voir les zones de porte-à-porte ni leurs affectations",
        role=role, action="edit_zones",
    )
