"""Canvassing zones of the campaign store: stations and addresses grouped into zones, zones assigned to canvassers.

Tables (schema in ``migrations.py``): ``zone`` (name, status, owner, optional
WKB lasso geometry in lon/lat), ``zone_station`` (which polling stations a
zone covers; a station may lie in several zones), ``zone_address`` (the REU
addresses it covers), ``zone_count`` (the counts stored with the zone:
registered voters, addresses, estimated doors, target score sum, expected net
votes, and the election and target they were computed for: :class:`ZoneCounts`),
``zone_assignment`` (one row per zone and user, with an optional due date) and
``zone_version`` (the history). Turfs, the pieces a zone is cut into, live in
``turfs.py``.

**Version history.** Every change of a zone's content (create, rename,
stations, geometry, addresses, counts, status — including the status an
assignment changes —, duplicate, restore) writes one ``zone_version`` row in
the same transaction: a snapshot of the name, status, geometry, station and
address ids and counts, with who and when. :func:`zone_versions` lists them,
:func:`restore_zone_version` brings back the name, geometry, stations,
addresses and counts of an old version as a *new* version (status,
assignments and turfs are operational state and stay as they are). Zones made
before the history existed start theirs at their next change.

**Permissions** (``dashboard.access.permissions``'s table, nowhere else):

- writes (create, rename, stations, geometry, addresses, counts, status,
  duplicate, restore, delete, assign, unassign) need ``edit_zones``: admin,
  candidate and strategist; so do the history reads;
- reads (:func:`zones_for`, :func:`get_zone`, :func:`assignments`,
  :func:`zone_address_ids`): a role with ``edit_zones`` at ``ALL`` sees every
  zone; a role whose ``view_maps`` grant is ``OWN_ZONES`` (the canvasser) sees
  only *their* zones, selected in the SQL itself by a subquery bound to their
  user name; any other role (the viewer: ``view_maps`` ALL but no
  ``edit_zones``) is refused. Zones and who canvasses where are campaign
  planning, not aggregated maps: the ``zones`` page already needs ``edit_zones``;
- :func:`station_ids_for` and :func:`address_ids_for` follow ``view_maps``:
  ``None`` (no restriction) for ``ALL``, the user's stations / addresses
  (computed in SQL) for ``OWN_ZONES``.

**A canvasser's scope** (the subqueries of ``scope.py``, each with one bound
parameter, the user name; ``contacts.py`` scopes the people met with the same
:data:`STATIONS_OF_USER_SQL`):

- their zones: the zones assigned to them, and the zones of the turfs
  assigned to them (:data:`ZONES_OF_USER_SQL`);
- their stations: the stations of those zones (:data:`STATIONS_OF_USER_SQL`),
  so a turf assignment opens the turf's zone's stations to the map and to the
  contacts exactly as a zone assignment does — without a second bookkeeping
  (assigning a turf does not write a ``zone_assignment`` row);
- their turfs: the turfs assigned to them, and every turf of a zone assigned
  to them (:data:`TURFS_OF_USER_SQL`);
- their addresses: the addresses of their turfs, and all the addresses of a
  zone assigned to them (:data:`ADDRESSES_OF_USER_SQL`); a canvasser reaching
  a zone only through a turf does not get the rest of the zone's addresses.

System actors (``"cli"``, ``"demo"``, ``"first-run"``) pass every check and
see everything. Access follows assignments only: a zone's status (``done``…)
does not revoke it, unassigning does.

Every write records one audit entry (``zone_change`` or
``assignment_change``) in the same transaction as the change; the audit log
outlives the purge, so its entries name stations but only count addresses.
Every refusal (:class:`~dashboard.access.permissions.PermissionDenied`) leaves the data
untouched and records one ``permission_denied`` entry (outcome ``denied``)
for the user refused. Assigning a ``draft`` or ``ready`` zone marks it
``assigned``; removing the last assignee of an ``assigned`` zone (no zone nor
turf assignment left) puts it back to ``ready``. Re-assigning a user already
assigned updates the due date. Otherwise statuses move freely
(``draft`` → ``ready`` → ``assigned`` → ``done``, and back to reopen).

**Concurrent edits.** Every change of a zone (its content, status,
assignments, turfs) bumps ``zone.row_version`` and records ``updated_by`` /
``updated_at``; :attr:`Zone.row_version` is what was read. Each write takes
``expected_row_version``: when the zone moved on since (or was deleted), the
write is refused with :class:`ZoneConflict` (who changed it and when) and
nothing is written, so the page can offer to reload. None skips the check
(the CLI, scripts, the demo).

Only canvassing roles can be assigned: a role with ``record_feedback`` (the
canvasser, and the admin who also canvasses); others are refused with a
French message. Station ids are normalised (``"45999_0012"`` → ``"45999_12"``)
but not checked against the warehouse (the two stores are separate files).
Address ids are kept as given (the warehouse's ``<BAN id>@<station_id>``);
their station part, when there is one, is stored beside them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dashboard.access.permissions import ROLES, Grant, Principal, actor_name, permission, require
from dashboard.errors import IsoloirError
from dashboard.store import audit
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.errors import UnknownVersion, UnknownZone, ZoneConflict, ZoneError
from dashboard.store.guard import audit_refusals, grant_for
from dashboard.store.scope import (
    ADDRESSES_OF_USER_SQL,
    STATIONS_OF_USER_SQL,
    TURFS_OF_USER_SQL,
    ZONES_OF_USER_SQL,
    own_zones_user,
    zone_read_scope,
)
from dashboard.store.validate import (
    MAX_ADDRESS_ID,
    MAX_GEOMETRY_BYTES,
    clean_address_id,
    clean_date,
    clean_geometry,
    clean_station_id,
    clean_text,
    station_sort_key,
)
from dashboard.store.zone_counts import COUNT_COLUMNS, MAX_COUNT_LABEL, ZoneCounts, clean_counts, counts_of, write_counts
from dashboard.store.zone_history import VERSION_OPS, ZoneVersion, get_version, record_version, versions

# re-exported: the names callers used from this module before the split
__all__ = [
    "ADDRESSES_OF_USER_SQL", "KEEP", "MAX_ADDRESS_ID", "MAX_COUNT_LABEL", "MAX_GEOMETRY_BYTES", "STATIONS_OF_USER_SQL",
    "TURFS_OF_USER_SQL", "VERSION_OPS", "ZONES_OF_USER_SQL", "Assignees", "Assignment", "UnknownVersion", "UnknownZone",
    "Zone", "ZoneConflict", "ZoneCounts", "ZoneError", "ZoneVersion", "audit_refusals", "clean_address_id", "clean_counts",
    "clean_date", "clean_geometry", "clean_station_id", "clean_text", "grant_for", "own_zones_user", "station_sort_key",
    "zone_read_scope",
]

MAX_ZONE_NAME = 120
MAX_STATIONS = 5000
# status id -> French label
ZONE_STATUSES: dict[str, str] = {
    "draft": "brouillon",
    "ready": "prête",
    "assigned": "affectée",
    "done": "terminée",
}
MAX_ADDRESSES = 100_000


class Assignees:
    """Due dates of whoever a zone or a turf is assigned to (``assigned_to`` and ``due_dates`` aligned)."""

    assigned_to: tuple[str, ...]
    due_dates: tuple[date | None, ...]

    @property
    def due_date(self) -> date | None:
        """The earliest due date among the assignees, or None."""
        dates = [d for d in self.due_dates if d is not None]
        return min(dates) if dates else None

    def due_date_for(self, user_name: str) -> date | None:
        return dict(zip(self.assigned_to, self.due_dates)).get(user_name)


@dataclass(frozen=True)
class Zone(Assignees):
    """One zone, with its stations and its assignees (``due_dates`` aligned with ``assigned_to``)."""

    zone_id: int
    name: str
    status: str
    owner: str | None
    station_ids: tuple[str, ...]
    assigned_to: tuple[str, ...]
    due_dates: tuple[date | None, ...]
    created_at: datetime
    updated_at: datetime
    geometry_wkb: bytes | None = field(default=None, repr=False)
    counts: ZoneCounts | None = None
    address_count: int = 0  # the addresses themselves: zone_address_ids()
    version: int = 0  # the latest version number of the history (0: no history yet)
    row_version: int = 0  # bumped by every change: pass it back as ``expected_row_version`` to refuse stale saves
    updated_by: str | None = None  # who changed the zone last

    @property
    def status_label(self) -> str:
        return ZONE_STATUSES.get(self.status, self.status)


@dataclass(frozen=True)
class Assignment:
    zone_id: int
    zone_name: str
    user_name: str
    due_date: date | None
    assigned_by: str
    assigned_at: datetime


# -- internal -------------------------------------------------------------------------------
def _clean_name(name: object) -> str:
    try:
        return clean_text(name, "le nom de la zone", MAX_ZONE_NAME)  # type: ignore[return-value]
    except ZoneError:
        raise
    except IsoloirError as error:
        raise ZoneError(error.message_fr) from None


def _clean_stations(station_ids: Iterable[object]) -> list[str]:
    if isinstance(station_ids, (str, bytes)):
        raise ZoneError("donnez une liste d'identifiants de bureaux de vote, pas un texte")
    stations = sorted({clean_station_id(s) for s in station_ids}, key=station_sort_key)
    if len(stations) > MAX_STATIONS:
        raise ZoneError(f"trop de bureaux de vote dans une zone : {MAX_STATIONS} au plus")
    return stations


def _clean_addresses(address_ids: Iterable[object]) -> list[tuple[str, str | None]]:
    """Unique, sorted ``(address_id, station_id)`` pairs."""
    if isinstance(address_ids, (str, bytes)):
        raise ZoneError("donnez une liste d'identifiants d'adresses, pas un texte")
    pairs = dict(clean_address_id(a) for a in address_ids)
    if len(pairs) > MAX_ADDRESSES:
        raise ZoneError(f"trop d'adresses dans une zone : {MAX_ADDRESSES} au plus")
    return sorted(pairs.items())


def _write_stations(con: Tx, zone_id: int, stations: list[str]) -> set[str]:
    """Replace the zone's stations; returns the old ones."""
    old = {r[0] for r in con.execute("SELECT station_id FROM zone_station WHERE zone_id = ?", [zone_id]).fetchall()}
    con.execute("DELETE FROM zone_station WHERE zone_id = ?", [zone_id])
    if stations:
        con.execute("INSERT INTO zone_station (zone_id, station_id) SELECT ?, unnest(?::VARCHAR[])", [zone_id, stations])
    return old


def _write_addresses(con: Tx, zone_id: int, pairs: list[tuple[str, str | None]]) -> set[str]:
    """Replace the zone's addresses; returns the old address ids."""
    old = {r[0] for r in con.execute("SELECT address_id FROM zone_address WHERE zone_id = ?", [zone_id]).fetchall()}
    con.execute("DELETE FROM zone_address WHERE zone_id = ?", [zone_id])
    if pairs:
        con.execute(
            "INSERT INTO zone_address (zone_id, address_id, station_id) SELECT ?, unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
            [zone_id, [a for a, _ in pairs], [st for _, st in pairs]],
        )
    return old


def check_assignee(con: Tx, user_name: object) -> str:
    """The user name of an active account whose role canvasses (``record_feedback``); French :class:`ZoneError` otherwise."""
    name = str(user_name).strip().lower()
    target = con.execute("SELECT role, active FROM app_user WHERE user_name = ?", [name]).fetchone()
    if target is None:
        raise ZoneError(f"utilisateur inconnu : « {str(user_name)[:40]} »")
    role, active = target
    if not active:
        raise ZoneError(f"impossible d'affecter « {name} » : son compte est désactivé")
    if permission(role, "record_feedback") is Grant.NONE:
        raise ZoneError(
            f"impossible d'affecter « {name} » : le rôle « {ROLES.get(role, role)} » ne fait pas de porte-à-porte "
            "(seuls les militants et le directeur de campagne peuvent recevoir une zone)"
        )
    return name


def has_assignees(con: Tx, zone_id: int) -> bool:
    """Whether anyone is assigned to the zone or to one of its turfs."""
    return con.execute(
        "SELECT (SELECT count(*) FROM zone_assignment WHERE zone_id = ?) "
        "+ (SELECT count(*) FROM turf_assignment ta JOIN turf t ON t.turf_id = ta.turf_id WHERE t.zone_id = ?)",
        [zone_id, zone_id],
    ).fetchone()[0] > 0


def set_status_after_assignment(con: Tx, zone_id: int, by_name: str, now: datetime) -> dict[str, str] | None:
    """``draft``/``ready`` → ``assigned`` when someone is assigned, ``assigned`` → ``ready`` when nobody is left.

    Touches the zone (``updated_at``, ``row_version``); a status change writes a version. Returns
    ``{"from", "to"}`` when the status changed.
    """
    status = con.execute("SELECT status FROM zone WHERE zone_id = ?", [zone_id]).fetchone()[0]
    assigned = has_assignees(con, zone_id)
    new_status = "assigned" if assigned and status in ("draft", "ready") else "ready" if not assigned and status == "assigned" else status
    con.execute("UPDATE zone SET status = ? WHERE zone_id = ?", [new_status, zone_id])
    touch(con, zone_id, now, by_name)
    if new_status == status:
        return None
    record_version(con, zone_id, "status", by_name, now)
    return {"from": status, "to": new_status}


def delete_zone_turfs(con: Tx, zone_id: int) -> dict[str, int]:
    """Delete the zone's turfs with their addresses, assignments and progress; rows deleted per table."""
    turf_ids = "SELECT turf_id FROM turf WHERE zone_id = ?"
    deleted = {}
    for table in ("turf_progress", "turf_assignment", "turf_address"):  # fixed names
        deleted[table] = int(con.execute(f"SELECT count(*) FROM {table} WHERE turf_id IN ({turf_ids})", [zone_id]).fetchone()[0])
        con.execute(f"DELETE FROM {table} WHERE turf_id IN ({turf_ids})", [zone_id])
    deleted["turf"] = int(con.execute("SELECT count(*) FROM turf WHERE zone_id = ?", [zone_id]).fetchone()[0])
    con.execute("DELETE FROM turf WHERE zone_id = ?", [zone_id])
    return deleted


def _check_status(status: object) -> str:
    clean = str(status).strip().lower()
    if clean not in ZONE_STATUSES:
        raise ZoneError(f"statut de zone inconnu : « {str(status)[:40]} » (attendu : {', '.join(ZONE_STATUSES)})")
    return clean


def _zone_row(con: Tx, zone_id: int, expected_row_version: int | None = None) -> tuple[Any, ...]:
    """``(zone_id, name, status)``; with ``expected_row_version``, :class:`ZoneConflict` unless the zone is still at
    that version (read with a row lock on PostgreSQL, in the write transaction that changes it)."""
    zid = _zone_id(zone_id)
    if expected_row_version is None:
        row = con.execute("SELECT zone_id, name, status FROM zone WHERE zone_id = ?", [zid]).fetchone()
        if row is None:
            raise UnknownZone(f"zone introuvable : n° {zone_id}")
        return row
    current = con.execute(
        f"SELECT zone_id, name, status, row_version, updated_by, updated_at FROM zone WHERE zone_id = ?{con.dialect.for_update}", [zid]
    ).fetchone()
    if current is None:
        raise ZoneConflict(f"n° {zid}", None, None, None)
    check_row_version(ZoneConflict, current[1], expected_row_version, *current[3:])
    return current[:3]


def check_row_version(conflict: type[ZoneConflict], name: str, expected: object, row_version: object, updated_by: str | None,
                      updated_at: datetime | None) -> None:
    """Raise ``conflict`` (who changed it, when) unless ``row_version`` is the version the caller read."""
    if isinstance(expected, bool) or not isinstance(expected, int):
        raise ZoneError("version attendue invalide : un entier (row_version lu) est attendu")
    if int(row_version) != expected:  # type: ignore[call-overload]
        raise conflict(name, updated_by, updated_at, int(row_version))  # type: ignore[call-overload]


def zone_edit_row(con: Tx, zone_id: object, by: Principal | str, expected_row_version: int | None = None) -> tuple[Any, ...]:
    """``(zone_id, name, status)`` of a zone ``by`` may edit, at ``expected_row_version`` when given (turfs use it)."""
    row = _zone_row(con, zone_id, expected_row_version)  # type: ignore[arg-type]
    _require_edit(con, by, int(row[0]))
    return row


def zone_id_of(zone_id: object) -> int:
    """The zone id as an int, or :class:`UnknownZone` (French)."""
    return _zone_id(zone_id)


def _zone_id(zone_id: object) -> int:
    if isinstance(zone_id, bool):
        raise UnknownZone(f"zone introuvable : n° {zone_id}")
    try:
        return int(zone_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise UnknownZone(f"zone introuvable : n° {str(zone_id)[:40]}") from None


def _is_assigned(con: Tx, zone_id: int, user_name: str) -> bool:
    return con.execute(
        "SELECT count(*) FROM zone_assignment WHERE zone_id = ? AND user_name = ?", [zone_id, user_name]
    ).fetchone()[0] > 0


def _require_edit(con: Tx, by: Principal | str, zone_id: int | None) -> None:
    """``edit_zones`` at ALL, or at OWN_ZONES on a zone assigned to ``by`` (no role has that today)."""
    grant = grant_for(by, "edit_zones")
    if grant is Grant.OWN_ZONES:
        require(by, "edit_zones", in_own_zones=zone_id is not None and _is_assigned(con, zone_id, actor_name(by)))  # type: ignore[arg-type]


def _name_taken(con: Tx, name: str, except_id: int | None = None) -> bool:
    return con.execute(
        "SELECT count(*) FROM zone WHERE lower(name) = lower(?) AND zone_id <> ?", [name, -1 if except_id is None else except_id]
    ).fetchone()[0] > 0


def touch(con: Tx, zone_id: int, now: datetime, by_name: str) -> None:
    """Every change of a zone ends here: ``updated_at``, ``updated_by``, and ``row_version`` + 1."""
    con.execute("UPDATE zone SET updated_at = ?, updated_by = ?, row_version = row_version + 1 WHERE zone_id = ?",
                [now, by_name, zone_id])


def _read_zones(con: Tx, scope_user: str | None, zone_id: int | None = None) -> list[Zone]:
    """Zones (all, or those of ``scope_user``), optionally only ``zone_id``; the scope is in the SQL."""
    where: list[str] = []
    params: list[Any] = []
    if scope_user is not None:
        where.append(f"zone_id IN ({ZONES_OF_USER_SQL})")
        params.append(scope_user)
    if zone_id is not None:
        where.append("zone_id = ?")
        params.append(zone_id)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    rows = con.execute(
        f"SELECT zone_id, name, status, owner, created_at, updated_at, geometry, row_version, updated_by FROM zone{clause} "
        "ORDER BY lower(name), zone_id", params
    ).fetchall()
    stations: dict[int, list[str]] = {}
    for zid, station in con.execute(f"SELECT zone_id, station_id FROM zone_station{clause}", params).fetchall():
        stations.setdefault(int(zid), []).append(station)
    assignees: dict[int, list[tuple[str, date | None]]] = {}
    for zid, user, due in con.execute(
        f"SELECT zone_id, user_name, due_date FROM zone_assignment{clause} ORDER BY user_name", params
    ).fetchall():
        assignees.setdefault(int(zid), []).append((user, due))
    counts = {int(r[0]): counts_of(r[1:]) for r in con.execute(f"SELECT zone_id, {COUNT_COLUMNS} FROM zone_count{clause}", params).fetchall()}
    n_addresses = {int(r[0]): int(r[1]) for r in con.execute(
        f"SELECT zone_id, count(*) FROM zone_address{clause} GROUP BY zone_id", params).fetchall()}
    history = {int(r[0]): int(r[1]) for r in con.execute(
        f"SELECT zone_id, max(version) FROM zone_version{clause} GROUP BY zone_id", params).fetchall()}
    zones = []
    for zid, name, status, owner, created, updated, geometry, row_version, updated_by in rows:
        zid = int(zid)
        people = assignees.get(zid, [])
        zones.append(Zone(
            zid, name, status, owner, tuple(sorted(stations.get(zid, []), key=station_sort_key)),
            tuple(u for u, _ in people), tuple(d for _, d in people), created, updated,
            bytes(geometry) if geometry is not None else None,
            counts.get(zid), n_addresses.get(zid, 0), history.get(zid, 0), int(row_version or 0), updated_by,
        ))
    return zones


def _one(con: Tx, zone_id: int) -> Zone:
    zones = _read_zones(con, None, zone_id)
    if not zones:
        raise UnknownZone(f"zone introuvable : n° {zone_id}")
    return zones[0]


class _Keep:
    """Marker: leave this field as it is (None would clear it)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


# -- writes ---------------------------------------------------------------------------------
@retrying
def create_zone(store: CampaignStore, name: str, station_ids: Iterable[str], *, by: Principal | str,
                geometry_wkb: bytes | None = None, address_ids: Iterable[str] | None = None,
                counts: ZoneCounts | Mapping[str, Any] | None = None, now: datetime | None = None) -> Zone:
    """A new ``draft`` zone owned by ``by``, covering ``station_ids`` (may be empty) and ``address_ids``; version 1."""
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "zone"):
        _require_edit_early(by)
        name = _clean_name(name)
        stations = _clean_stations(station_ids)
        geometry = clean_geometry(geometry_wkb)
        addresses = _clean_addresses(address_ids or [])
        counts_clean = clean_counts(counts, now)
        with store.write() as con:
            _require_edit(con, by, None)
            if _name_taken(con, name):
                raise ZoneError(f"une zone s'appelle déjà « {name} »")
            zone_id = int(con.execute(
                "INSERT INTO zone (name, geometry, status, owner, created_at, updated_at, updated_by, row_version) "
                "VALUES (?, ?, 'draft', ?, ?, ?, ?, 1) RETURNING zone_id",
                [name, geometry, actor_name(by), now, now, actor_name(by)],
            ).fetchone()[0])
            _write_stations(con, zone_id, stations)
            _write_addresses(con, zone_id, addresses)
            write_counts(con, zone_id, counts_clean)
            record_version(con, zone_id, "create", actor_name(by), now)
            detail: dict[str, Any] = {"op": "create", "name": name, "stations": stations, "geometry": geometry is not None}
            if addresses:
                detail["addresses"] = len(addresses)
            if counts_clean is not None:
                detail["counts"] = True
            audit.insert(con, actor_name(by), "zone_change", "zone", zone_id, detail, at=now)
            return _one(con, zone_id)


@retrying
def rename_zone(store: CampaignStore, zone_id: int, name: str, *, by: Principal | str, now: datetime | None = None,
                expected_row_version: int | None = None) -> Zone:
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        name = _clean_name(name)
        with store.write() as con:
            zid, old_name, _ = _zone_row(con, zone_id, expected_row_version)
            _require_edit(con, by, zid)
            if _name_taken(con, name, zid):
                raise ZoneError(f"une zone s'appelle déjà « {name} »")
            con.execute("UPDATE zone SET name = ? WHERE zone_id = ?", [name, zid])
            touch(con, zid, now, actor_name(by))
            record_version(con, zid, "rename", actor_name(by), now)
            audit.insert(con, actor_name(by), "zone_change", "zone", zid, {"op": "rename", "from": old_name, "to": name}, at=now)
            return _one(con, zid)


@retrying
def set_zone_stations(store: CampaignStore, zone_id: int, station_ids: Iterable[str], *, by: Principal | str,
                      now: datetime | None = None, expected_row_version: int | None = None) -> Zone:
    """Replace the zone's stations (the audit entry lists those added and removed)."""
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        stations = _clean_stations(station_ids)
        with store.write() as con:
            zid = int(_zone_row(con, zone_id, expected_row_version)[0])
            _require_edit(con, by, zid)
            old = _write_stations(con, zid, stations)
            touch(con, zid, now, actor_name(by))
            record_version(con, zid, "stations", actor_name(by), now)
            audit.insert(con, actor_name(by), "zone_change", "zone", zid, {
                "op": "stations",
                "added": sorted(set(stations) - old, key=station_sort_key),
                "removed": sorted(old - set(stations), key=station_sort_key),
            }, at=now)
            return _one(con, zid)


@retrying
def set_zone_geometry(store: CampaignStore, zone_id: int, geometry_wkb: bytes | None, *, by: Principal | str,
                      now: datetime | None = None, expected_row_version: int | None = None) -> Zone:
    """Set (or clear, with None) the zone's outline (the lasso): WKB polygon or multipolygon in lon/lat."""
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        geometry = clean_geometry(geometry_wkb)
        with store.write() as con:
            zid = int(_zone_row(con, zone_id, expected_row_version)[0])
            _require_edit(con, by, zid)
            con.execute("UPDATE zone SET geometry = ? WHERE zone_id = ?", [geometry, zid])
            touch(con, zid, now, actor_name(by))
            record_version(con, zid, "geometry", actor_name(by), now)
            audit.insert(con, actor_name(by), "zone_change", "zone", zid,
                         {"op": "geometry", "geometry": geometry is not None, "bytes": len(geometry or b"")}, at=now)
            return _one(con, zid)


def set_zone_addresses(store: CampaignStore, zone_id: int, address_ids: Iterable[str], *, by: Principal | str,
                       now: datetime | None = None, expected_row_version: int | None = None) -> Zone:
    """Replace the REU addresses the zone covers (audited with counts only: the log outlives the purge)."""
    return update_zone(store, zone_id, by=by, address_ids=address_ids, now=now, expected_row_version=expected_row_version)


def set_zone_counts(store: CampaignStore, zone_id: int, counts: ZoneCounts | Mapping[str, Any] | None, *,
                    by: Principal | str, now: datetime | None = None, expected_row_version: int | None = None) -> Zone:
    """Store (or clear, with None) the zone's counts."""
    return update_zone(store, zone_id, by=by, counts=counts, now=now, expected_row_version=expected_row_version)


@retrying
def update_zone(store: CampaignStore, zone_id: int, *, by: Principal | str, name: str | None = None,
                station_ids: Iterable[str] | None = None, geometry_wkb: bytes | None = KEEP,
                address_ids: Iterable[str] | None = None, counts: ZoneCounts | Mapping[str, Any] | None = KEEP,
                now: datetime | None = None, expected_row_version: int | None = None) -> Zone:
    """Change several fields at once (the zones page after a lasso edit) as ONE version and one audit entry.

    ``name``, ``station_ids``, ``address_ids``: None keeps them; ``geometry_wkb``
    and ``counts``: :data:`KEEP` (default) keeps them, None clears them. The
    version's op is the field's name when one field changes (``rename``,
    ``stations``, ``geometry``, ``addresses``, ``counts``), ``edit`` otherwise.

    ``expected_row_version`` (every zone write takes it): the :attr:`Zone.row_version`
    the caller read; when the zone changed since, :class:`ZoneConflict` (who, when)
    and nothing is written. None: no check (the CLI, scripts).
    """
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        name_clean = None if name is None else _clean_name(name)
        stations = None if station_ids is None else _clean_stations(station_ids)
        geometry = KEEP if geometry_wkb is KEEP else clean_geometry(geometry_wkb)
        addresses = None if address_ids is None else _clean_addresses(address_ids)
        counts_clean = KEEP if counts is KEEP else clean_counts(counts, now)
        with store.write() as con:
            zid, old_name, _ = _zone_row(con, zone_id, expected_row_version)
            zid = int(zid)
            _require_edit(con, by, zid)
            detail: dict[str, Any] = {}
            if name_clean is not None and name_clean != old_name:
                if _name_taken(con, name_clean, zid):
                    raise ZoneError(f"une zone s'appelle déjà « {name_clean} »")
                con.execute("UPDATE zone SET name = ? WHERE zone_id = ?", [name_clean, zid])
                detail["rename"] = {"from": old_name, "to": name_clean}
            if stations is not None:
                old = _write_stations(con, zid, stations)
                detail["stations"] = {"added": sorted(set(stations) - old, key=station_sort_key),
                                      "removed": sorted(old - set(stations), key=station_sort_key)}
            if geometry is not KEEP:
                con.execute("UPDATE zone SET geometry = ? WHERE zone_id = ?", [geometry, zid])
                detail["geometry"] = {"geometry": geometry is not None, "bytes": len(geometry or b"")}
            if addresses is not None:
                old_addresses = _write_addresses(con, zid, addresses)
                new_ids = {a for a, _ in addresses}
                detail["addresses"] = {"count": len(new_ids), "added": len(new_ids - old_addresses),
                                       "removed": len(old_addresses - new_ids)}
            if counts_clean is not KEEP:
                write_counts(con, zid, counts_clean)
                detail["counts"] = None if counts_clean is None else {
                    k: v for k, v in counts_clean.to_json().items() if k != "computed_at"}
            if not detail:
                return _one(con, zid)
            touch(con, zid, now, actor_name(by))
            op = next(iter(detail)) if len(detail) == 1 else "edit"
            version = record_version(con, zid, op, actor_name(by), now)
            audit.insert(con, actor_name(by), "zone_change", "zone", zid, {"op": op, "version": version, **detail}, at=now)
            return _one(con, zid)


@retrying
def set_zone_status(store: CampaignStore, zone_id: int, status: str, *, by: Principal | str,
                    now: datetime | None = None, expected_row_version: int | None = None) -> Zone:
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        status = _check_status(status)
        with store.write() as con:
            zid, _, old = _zone_row(con, zone_id, expected_row_version)
            _require_edit(con, by, zid)
            con.execute("UPDATE zone SET status = ? WHERE zone_id = ?", [status, zid])
            touch(con, zid, now, actor_name(by))
            record_version(con, zid, "status", actor_name(by), now)
            audit.insert(con, actor_name(by), "zone_change", "zone", zid, {"op": "status", "from": old, "to": status}, at=now)
            return _one(con, zid)


@retrying
def duplicate_zone(store: CampaignStore, zone_id: int, new_name: str, *, by: Principal | str,
                   now: datetime | None = None) -> Zone:
    """A new ``draft`` zone owned by ``by`` with the same geometry, stations, addresses and counts.

    Assignments, turfs and history are not copied; the copy's version 1 has op ``duplicate``.
    """
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        name = _clean_name(new_name)
        with store.write() as con:
            source = _one(con, _zone_id(zone_id))
            _require_edit(con, by, source.zone_id)
            if _name_taken(con, name):
                raise ZoneError(f"une zone s'appelle déjà « {name} »")
            new_id = int(con.execute(
                "INSERT INTO zone (name, geometry, status, owner, created_at, updated_at, updated_by, row_version) "
                "SELECT ?, geometry, 'draft', ?, ?, ?, ?, 1 FROM zone WHERE zone_id = ? RETURNING zone_id",
                [name, actor_name(by), now, now, actor_name(by), source.zone_id],
            ).fetchone()[0])
            con.execute("INSERT INTO zone_station (zone_id, station_id) SELECT ?, station_id FROM zone_station WHERE zone_id = ?",
                        [new_id, source.zone_id])
            con.execute("INSERT INTO zone_address (zone_id, address_id, station_id) "
                        "SELECT ?, address_id, station_id FROM zone_address WHERE zone_id = ?", [new_id, source.zone_id])
            con.execute(f"INSERT INTO zone_count (zone_id, {COUNT_COLUMNS}) SELECT ?, {COUNT_COLUMNS} FROM zone_count WHERE zone_id = ?",
                        [new_id, source.zone_id])
            record_version(con, new_id, "duplicate", actor_name(by), now)
            audit.insert(con, actor_name(by), "zone_change", "zone", new_id, {
                "op": "duplicate", "from": source.zone_id, "from_name": source.name, "name": name,
                "stations": list(source.station_ids), "addresses": source.address_count,
            }, at=now)
            return _one(con, new_id)


@retrying
def delete_zone(store: CampaignStore, zone_id: int, *, by: Principal | str, now: datetime | None = None,
                expected_row_version: int | None = None) -> None:
    """Delete the zone with its stations, addresses, counts, history, assignments and turfs (one transaction, one audit entry)."""
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        with store.write() as con:
            _zone_row(con, zone_id, expected_row_version)
            zone = _one(con, _zone_id(zone_id))
            _require_edit(con, by, zone.zone_id)
            turfs = delete_zone_turfs(con, zone.zone_id)
            for table in ("zone_assignment", "zone_station", "zone_address", "zone_count", "zone_version", "zone"):  # fixed names
                con.execute(f"DELETE FROM {table} WHERE zone_id = ?", [zone.zone_id])
            detail: dict[str, Any] = {
                "op": "delete", "name": zone.name, "stations": list(zone.station_ids), "assigned_to": list(zone.assigned_to),
            }
            if turfs["turf"]:
                detail["turfs"] = turfs["turf"]
            audit.insert(con, actor_name(by), "zone_change", "zone", zone.zone_id, detail, at=now)


@retrying
def assign_zone(store: CampaignStore, zone_id: int, user_name: str, *, by: Principal | str,
                due_date: date | str | None = None, now: datetime | None = None, expected_row_version: int | None = None) -> Zone:
    """Assign the zone to a canvassing user (active, with ``record_feedback``); again: update the due date."""
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        try:
            due = clean_date(due_date, "date d'échéance")
        except IsoloirError as error:
            raise ZoneError(error.message_fr) from None
        with store.write() as con:
            zid, _, _ = _zone_row(con, zone_id, expected_row_version)
            _require_edit(con, by, zid)
            name = check_assignee(con, user_name)
            previous = con.execute(
                "SELECT due_date FROM zone_assignment WHERE zone_id = ? AND user_name = ?", [zid, name]
            ).fetchone()
            if previous is None:
                con.execute(
                    "INSERT INTO zone_assignment (zone_id, user_name, due_date, assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?)",
                    [zid, name, due, actor_name(by), now],
                )
            else:
                con.execute(
                    "UPDATE zone_assignment SET due_date = ?, assigned_by = ?, assigned_at = ? WHERE zone_id = ? AND user_name = ?",
                    [due, actor_name(by), now, zid, name],
                )
            status_change = set_status_after_assignment(con, zid, actor_name(by), now)
            detail: dict[str, Any] = {"op": "assign" if previous is None else "due_date", "user": name,
                                      "due_date": due.isoformat() if due else None}
            if previous is not None:
                detail["previous_due_date"] = previous[0].isoformat() if previous[0] else None
            if status_change:
                detail["status"] = status_change
            audit.insert(con, actor_name(by), "assignment_change", "zone", zid, detail, at=now)
            return _one(con, zid)


@retrying
def unassign_zone(store: CampaignStore, zone_id: int, user_name: str, *, by: Principal | str,
                  now: datetime | None = None, expected_row_version: int | None = None) -> Zone:
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        name = str(user_name).strip().lower()
        with store.write() as con:
            zid, zone_name, _ = _zone_row(con, zone_id, expected_row_version)
            _require_edit(con, by, zid)
            if not _is_assigned(con, zid, name):
                raise ZoneError(f"« {str(user_name)[:40]} » n'est pas affecté à la zone « {zone_name} »")
            con.execute("DELETE FROM zone_assignment WHERE zone_id = ? AND user_name = ?", [zid, name])
            status_change = set_status_after_assignment(con, zid, actor_name(by), now)
            detail: dict[str, Any] = {"op": "unassign", "user": name}
            if status_change:
                detail["status"] = status_change
            audit.insert(con, actor_name(by), "assignment_change", "zone", zid, detail, at=now)
            return _one(con, zid)


def _require_edit_early(by: Principal | str) -> None:
    """Refuse before validating input or opening the store when the role cannot edit zones at all."""
    grant_for(by, "edit_zones")


# -- history --------------------------------------------------------------------------------
def zone_versions(store: CampaignStore, zone_id: int, *, by: Principal | str) -> list[ZoneVersion]:
    """The zone's history, newest first (``edit_zones``: the people who build zones)."""
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        with store.read() as con:
            zid = int(_zone_row(con, zone_id)[0])
            _require_edit(con, by, zid)
            return versions(con, zid)


def get_zone_version(store: CampaignStore, zone_id: int, version: int, *, by: Principal | str) -> ZoneVersion:
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        with store.read() as con:
            zid = int(_zone_row(con, zone_id)[0])
            _require_edit(con, by, zid)
            return get_version(con, zid, version)


@retrying
def restore_zone_version(store: CampaignStore, zone_id: int, version: int, *, by: Principal | str,
                         now: datetime | None = None, expected_row_version: int | None = None) -> Zone:
    """Bring back the name, geometry, stations, addresses and counts of ``version``, as a new version (op ``restore``).

    The status, the assignments and the turfs stay as they are (cut the turfs
    again if the addresses changed). Refused when another zone took the old name.
    """
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        with store.write() as con:
            zid = int(_zone_row(con, zone_id, expected_row_version)[0])
            _require_edit(con, by, zid)
            old = get_version(con, zid, version)
            if _name_taken(con, old.name, zid):
                raise ZoneError(f"impossible de restaurer : une autre zone s'appelle déjà « {old.name} »")
            con.execute("UPDATE zone SET name = ?, geometry = ? WHERE zone_id = ?", [old.name, old.geometry_wkb, zid])
            touch(con, zid, now, actor_name(by))
            _write_stations(con, zid, list(old.station_ids))
            _write_addresses(con, zid, [clean_address_id(a) for a in old.address_ids])
            write_counts(con, zid, old.counts)
            new_version = record_version(con, zid, "restore", actor_name(by), now, restored_from=old.version)
            audit.insert(con, actor_name(by), "zone_change", "zone", zid,
                         {"op": "restore", "from_version": old.version, "version": new_version}, at=now)
            return _one(con, zid)


# -- reads ----------------------------------------------------------------------------------
def zones_for(store: CampaignStore, *, by: Principal | str) -> list[Zone]:
    """The zones ``by`` may see, by name: all of them (``edit_zones``) or a canvasser's own (zone or turf assigned)."""
    with audit_refusals(store, by, "edit_zones", "zone"):
        scope = zone_read_scope(by)
    if not store.exists():
        return []
    with store.read() as con:
        return _read_zones(con, scope)


def get_zone(store: CampaignStore, zone_id: int, *, by: Principal | str) -> Zone:
    """One zone; a canvasser asking for a zone not theirs is refused."""
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        scope = zone_read_scope(by)
        zid = _zone_id(zone_id)
        with store.read() as con:
            zones = _read_zones(con, scope, zid)
            if not zones:
                _zone_row(con, zid)  # UnknownZone when it does not exist at all
                require(by, "view_maps", in_own_zones=False)  # type: ignore[arg-type]
            return zones[0]


def zone_address_ids(store: CampaignStore, zone_id: int, *, by: Principal | str) -> tuple[str, ...]:
    """The zone's address ids, sorted: all of them, or for a canvasser those in their scope (:data:`ADDRESSES_OF_USER_SQL`).

    A canvasser asking for a zone not theirs is refused.
    """
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        scope = zone_read_scope(by)
        zid = _zone_id(zone_id)
        with store.read() as con:
            _zone_row(con, zid)
            if scope is None:
                rows = con.execute("SELECT address_id FROM zone_address WHERE zone_id = ? ORDER BY address_id", [zid]).fetchall()
                return tuple(r[0] for r in rows)
            if not _read_zones(con, scope, zid):
                require(by, "view_maps", in_own_zones=False)  # type: ignore[arg-type]
            # the zone's own addresses when assigned to them, plus those of their turfs in this zone
            rows = con.execute(
                f"""SELECT DISTINCT address_id FROM (
                        SELECT address_id FROM zone_address
                        WHERE zone_id = ? AND zone_id IN (SELECT zone_id FROM zone_assignment WHERE user_name = ?)
                        UNION SELECT ta.address_id FROM turf_address ta JOIN turf t ON t.turf_id = ta.turf_id
                        WHERE t.zone_id = ? AND t.turf_id IN ({TURFS_OF_USER_SQL})) scoped
                    ORDER BY address_id""",
                [zid, scope, zid, scope],
            ).fetchall()
            return tuple(r[0] for r in rows)


def assignments(store: CampaignStore, *, by: Principal | str) -> list[Assignment]:
    """Zone assignments by zone name then user: all of them, or a canvasser's own (``WHERE user_name = ?``).

    Turf assignments are on each :class:`~dashboard.store.turfs.Turf` (``turfs.turfs_for``).
    """
    with audit_refusals(store, by, "edit_zones", "zone_assignment"):
        scope = zone_read_scope(by)
    if not store.exists():
        return []
    sql = ("SELECT a.zone_id, z.name, a.user_name, a.due_date, a.assigned_by, a.assigned_at "
           "FROM zone_assignment a JOIN zone z ON z.zone_id = a.zone_id")
    params: list[Any] = []
    if scope is not None:
        sql += " WHERE a.user_name = ?"
        params.append(scope)
    sql += " ORDER BY lower(z.name), a.zone_id, a.user_name"
    with store.read() as con:
        rows = con.execute(sql, params).fetchall()
    return [Assignment(int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]


def _ids_of_user(store: CampaignStore, by: Principal | str, object_type: str, sql: str, column: str) -> frozenset[str] | None:
    """None when ``view_maps`` is ALL (no restriction); else the distinct ``column`` of ``sql`` (a query
    with one parameter, the user name) for the user's zones and turfs."""
    with audit_refusals(store, by, "view_maps", object_type):
        scope = own_zones_user(by, "view_maps")
    if scope is None:
        return None
    if not store.exists():
        return frozenset()
    with store.read() as con:
        rows = con.execute(f"SELECT DISTINCT {column} FROM ({sql}) ids", [scope]).fetchall()
    return frozenset(r[0] for r in rows)


def station_ids_for(store: CampaignStore, *, by: Principal | str) -> frozenset[str] | None:
    """None when ``view_maps`` is ALL (no restriction); a canvasser's stations (of their zones, see the module doc) otherwise."""
    return _ids_of_user(store, by, "station", STATIONS_OF_USER_SQL, "station_id")


def address_ids_for(store: CampaignStore, *, by: Principal | str) -> frozenset[str] | None:
    """None when ``view_maps`` is ALL (no restriction); a canvasser's addresses (their turfs', their zones') otherwise."""
    return _ids_of_user(store, by, "address", ADDRESSES_OF_USER_SQL, "address_id")
