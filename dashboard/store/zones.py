"""Canvassing zones of the campaign store: stations grouped into zones, zones assigned to canvassers.

The foundation later issues build on (lasso drawing, turfs, walk lists,
version history): three tables, ``zone`` (name, status, owner, optional WKB
geometry in lon/lat), ``zone_station`` (which polling stations a zone covers;
a station may lie in several zones) and ``zone_assignment`` (one row per
zone and user, with an optional due date).

**Permissions** (``dashboard.auth``'s table, nowhere else):

- writes (create, rename, stations, geometry, status, delete, assign,
  unassign) need ``edit_zones``: admin, candidate and strategist;
- reads (:func:`zones_for`, :func:`get_zone`, :func:`assignments`): a role with
  ``edit_zones`` at ``ALL`` sees every zone; a role whose ``view_maps`` grant is
  ``OWN_ZONES`` (the canvasser) sees only the zones assigned to them, selected
  by ``WHERE user_name = ?`` in the SQL itself; any other role (the viewer:
  ``view_maps`` ALL but no ``edit_zones``) is refused. Zones and who canvasses
  where are campaign planning, not aggregated maps: the ``zones`` page already
  needs ``edit_zones``;
- :func:`station_ids_for` follows ``view_maps``: ``None`` (no restriction) for
  ``ALL``, the stations of the user's assigned zones (computed in SQL) for
  ``OWN_ZONES``.

System actors (``"cli"``, ``"demo"``, ``"first-run"``) pass every check and
see everything. Access follows assignments only: a zone's status (``done``…)
does not revoke it, unassigning does.

Every write records one audit entry (``zone_change`` or
``assignment_change``) in the same transaction as the change; every refusal
(:class:`~dashboard.auth.PermissionDenied`) leaves the data untouched and
records one ``permission_denied`` entry (outcome ``denied``) for the user
refused. Assigning a ``draft`` or ``ready`` zone marks it ``assigned``;
removing the last assignee of an ``assigned`` zone puts it back to ``ready``.
Re-assigning a user already assigned updates the due date.

Only canvassing roles can be assigned: a role with ``record_feedback`` (the
canvasser, and the admin who also canvasses); others are refused with a
French message. Station ids are normalised (``"45999_0012"`` → ``"45999_12"``)
but not checked against the warehouse (the two stores are separate files).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb

from dashboard.auth import (
    ROLES,
    Grant,
    PermissionDenied,
    Principal,
    actor_name,
    check_role,
    is_system_actor,
    permission,
    require,
)
from dashboard.errors import IsoloirError
from dashboard.ingest.ids import normalize_station_ref
from dashboard.store import audit
from dashboard.store.campaign import CampaignStore, _now

MAX_ZONE_NAME = 120
MAX_STATIONS = 5000
MAX_GEOMETRY_BYTES = 5_000_000
# status id -> French label
ZONE_STATUSES: dict[str, str] = {
    "draft": "brouillon",
    "ready": "prête",
    "assigned": "affectée",
    "done": "terminée",
}
# The stations of the zones assigned to one user (bound parameter: the user name). Other modules
# scope their queries with ``... WHERE station_id IN (<this>)``, so the restriction is in the SQL.
STATIONS_OF_USER_SQL = (
    "SELECT zs.station_id FROM zone_station zs JOIN zone_assignment za ON za.zone_id = zs.zone_id WHERE za.user_name = ?"
)
_ZONES_OF_USER_SQL = "SELECT zone_id FROM zone_assignment WHERE user_name = ?"


class ZoneError(IsoloirError):
    """A zone operation was refused (bad name, bad station id, unknown user…)."""


class UnknownZone(ZoneError):
    pass


@dataclass(frozen=True)
class Zone:
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

    @property
    def status_label(self) -> str:
        return ZONE_STATUSES.get(self.status, self.status)

    @property
    def due_date(self) -> date | None:
        """The earliest due date among the assignees, or None."""
        dates = [d for d in self.due_dates if d is not None]
        return min(dates) if dates else None

    def due_date_for(self, user_name: str) -> date | None:
        return dict(zip(self.assigned_to, self.due_dates)).get(user_name)


@dataclass(frozen=True)
class Assignment:
    zone_id: int
    zone_name: str
    user_name: str
    due_date: date | None
    assigned_by: str
    assigned_at: datetime


# -- helpers shared with contacts.py and campaign_settings.py ------------------------------
def grant_for(by: Principal | str, action: str) -> Grant:
    """``ALL`` for a system actor; otherwise the user's grant (raises :class:`PermissionDenied` on NONE or disabled)."""
    if is_system_actor(by):
        return Grant.ALL
    if isinstance(by, str):
        raise ValueError(f"unknown system actor: {by!r}")  # noqa: TRY004 - as dashboard.auth.require_actor
    return require(by, action)


def own_zones_user(by: Principal | str, action: str) -> str | None:
    """None when ``by`` may ``action`` everywhere; the user name whose zones bound it for ``OWN_ZONES``."""
    grant = grant_for(by, action)
    return None if grant is Grant.ALL else actor_name(by)


@contextmanager
def audit_refusals(store: CampaignStore, by: Principal | str, action: str, object_type: str | None = None,
                   object_id: str | int | None = None) -> Iterator[None]:
    """Record one ``permission_denied`` entry (outcome ``denied``) when the block raises :class:`PermissionDenied`.

    Wrap the whole ``with store._connect()`` block: the change is rolled back
    first, then the refusal is written in its own transaction.
    """
    try:
        yield
    except PermissionDenied:
        if not isinstance(by, str):
            audit.record(store, by.user_name, "permission_denied", object_type, object_id, {"action": action}, "denied")
        raise


def clean_text(value: object, what: str, max_length: int, *, required: bool = True) -> str | None:
    """Text without control or format characters, whitespace collapsed, NFC; French error if empty or too long.

    ``what`` names the field in the message ("le nom de la zone"). Returns None
    for an empty optional value.
    """
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    text = "".join(" " if ch in "\t\n\r\v\f" else ch for ch in text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    text = " ".join(text.split())
    if not text:
        if required:
            raise IsoloirError(f"{what} est obligatoire")
        return None
    if len(text) > max_length:
        raise IsoloirError(f"{what} est trop long : {max_length} caractères au plus")
    return text


def clean_station_id(value: object) -> str:
    station = normalize_station_ref(value) if value is not None and len(str(value)) <= 40 else None
    if station is None:
        raise ZoneError(f"identifiant de bureau de vote invalide : « {str(value)[:40]} » (attendu : code commune_numéro, ex. 45999_12)")
    return station


def station_sort_key(station_id: str) -> tuple[str, int, int, str]:
    commune, _, bv = station_id.partition("_")
    return (commune, 0, int(bv), "") if bv.isdigit() else (commune, 1, 0, bv)


def clean_date(value: object, what: str) -> date | None:
    """A date from a ``date`` (or ``datetime``), an ISO or ``dd/mm/yyyy`` string, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if "/" in text:
            day, month, year = text.split("/")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(text)
    except ValueError:
        raise IsoloirError(f"{what} invalide : « {text[:40]} » (attendu : AAAA-MM-JJ ou JJ/MM/AAAA)") from None


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


def _clean_geometry(geometry_wkb: object) -> bytes | None:
    """Checked WKB: a non-empty (multi)polygon within lon/lat bounds, or None."""
    if geometry_wkb is None:
        return None
    if isinstance(geometry_wkb, (bytearray, memoryview)):
        geometry_wkb = bytes(geometry_wkb)
    if not isinstance(geometry_wkb, bytes):
        raise ZoneError("géométrie invalide : WKB (octets) attendu")
    if len(geometry_wkb) > MAX_GEOMETRY_BYTES:
        raise ZoneError(f"géométrie trop lourde : {MAX_GEOMETRY_BYTES // 1_000_000} Mo au plus")
    import shapely  # lazy: the store does not need shapely until a geometry is written

    try:
        geometry = shapely.from_wkb(geometry_wkb)
    except Exception:  # noqa: BLE001 - shapely raises GEOSException and others on garbage
        raise ZoneError("géométrie illisible : WKB invalide") from None
    if geometry is None or geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise ZoneError("géométrie invalide : un polygone (ou multipolygone) non vide est attendu")
    min_x, min_y, max_x, max_y = geometry.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise ZoneError("géométrie hors limites : coordonnées longitude/latitude (WGS84) attendues")
    return geometry_wkb


def _check_status(status: object) -> str:
    clean = str(status).strip().lower()
    if clean not in ZONE_STATUSES:
        raise ZoneError(f"statut de zone inconnu : « {str(status)[:40]} » (attendu : {', '.join(ZONE_STATUSES)})")
    return clean


def _zone_row(con: duckdb.DuckDBPyConnection, zone_id: int) -> tuple[Any, ...]:
    row = con.execute("SELECT zone_id, name, status FROM zone WHERE zone_id = ?", [_zone_id(zone_id)]).fetchone()
    if row is None:
        raise UnknownZone(f"zone introuvable : n° {zone_id}")
    return row


def _zone_id(zone_id: object) -> int:
    if isinstance(zone_id, bool):
        raise UnknownZone(f"zone introuvable : n° {zone_id}")
    try:
        return int(zone_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise UnknownZone(f"zone introuvable : n° {str(zone_id)[:40]}") from None


def _is_assigned(con: duckdb.DuckDBPyConnection, zone_id: int, user_name: str) -> bool:
    return con.execute(
        "SELECT count(*) FROM zone_assignment WHERE zone_id = ? AND user_name = ?", [zone_id, user_name]
    ).fetchone()[0] > 0


def _require_edit(con: duckdb.DuckDBPyConnection, by: Principal | str, zone_id: int | None) -> None:
    """``edit_zones`` at ALL, or at OWN_ZONES on a zone assigned to ``by`` (no role has that today)."""
    grant = grant_for(by, "edit_zones")
    if grant is Grant.OWN_ZONES:
        require(by, "edit_zones", in_own_zones=zone_id is not None and _is_assigned(con, zone_id, actor_name(by)))  # type: ignore[arg-type]


def _name_taken(con: duckdb.DuckDBPyConnection, name: str, except_id: int | None = None) -> bool:
    return con.execute(
        "SELECT count(*) FROM zone WHERE lower(name) = lower(?) AND zone_id <> ?", [name, -1 if except_id is None else except_id]
    ).fetchone()[0] > 0


def _touch(con: duckdb.DuckDBPyConnection, zone_id: int, now: datetime) -> None:
    con.execute("UPDATE zone SET updated_at = ? WHERE zone_id = ?", [now, zone_id])


def _read_zones(con: duckdb.DuckDBPyConnection, scope_user: str | None, zone_id: int | None = None) -> list[Zone]:
    """Zones (all, or those assigned to ``scope_user``), optionally only ``zone_id``; the scope is in the SQL."""
    where: list[str] = []
    params: list[Any] = []
    if scope_user is not None:
        where.append(f"zone_id IN ({_ZONES_OF_USER_SQL})")
        params.append(scope_user)
    if zone_id is not None:
        where.append("zone_id = ?")
        params.append(zone_id)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    rows = con.execute(
        f"SELECT zone_id, name, status, owner, created_at, updated_at, geometry FROM zone{clause} ORDER BY lower(name), zone_id", params
    ).fetchall()
    stations: dict[int, list[str]] = {}
    for zid, station in con.execute(f"SELECT zone_id, station_id FROM zone_station{clause}", params).fetchall():
        stations.setdefault(int(zid), []).append(station)
    assignees: dict[int, list[tuple[str, date | None]]] = {}
    for zid, user, due in con.execute(
        f"SELECT zone_id, user_name, due_date FROM zone_assignment{clause} ORDER BY user_name", params
    ).fetchall():
        assignees.setdefault(int(zid), []).append((user, due))
    zones = []
    for zid, name, status, owner, created, updated, geometry in rows:
        zid = int(zid)
        people = assignees.get(zid, [])
        zones.append(Zone(
            zid, name, status, owner, tuple(sorted(stations.get(zid, []), key=station_sort_key)),
            tuple(u for u, _ in people), tuple(d for _, d in people), created, updated,
            bytes(geometry) if geometry is not None else None,
        ))
    return zones


def _one(con: duckdb.DuckDBPyConnection, zone_id: int) -> Zone:
    zones = _read_zones(con, None, zone_id)
    if not zones:
        raise UnknownZone(f"zone introuvable : n° {zone_id}")
    return zones[0]


def _zone_read_scope(by: Principal | str) -> str | None:
    """None: every zone; a user name: only the zones assigned to that user; refuses other roles."""
    if is_system_actor(by):
        return None
    if isinstance(by, str):
        raise ValueError(f"unknown system actor: {by!r}")  # noqa: TRY004 - as dashboard.auth.require_actor
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


# -- writes ---------------------------------------------------------------------------------
def create_zone(store: CampaignStore, name: str, station_ids: Iterable[str], *, by: Principal | str,
                geometry_wkb: bytes | None = None, now: datetime | None = None) -> Zone:
    """A new ``draft`` zone owned by ``by``, covering ``station_ids`` (may be empty)."""
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone"):
        _require_edit_early(by)
        name = _clean_name(name)
        stations = _clean_stations(station_ids)
        geometry = _clean_geometry(geometry_wkb)
        with store._connect() as con:
            _require_edit(con, by, None)
            if _name_taken(con, name):
                raise ZoneError(f"une zone s'appelle déjà « {name} »")
            zone_id = int(con.execute(
                "INSERT INTO zone (name, geometry, status, owner, created_at, updated_at) VALUES (?, ?, 'draft', ?, ?, ?) RETURNING zone_id",
                [name, geometry, actor_name(by), now, now],
            ).fetchone()[0])
            if stations:
                con.executemany("INSERT INTO zone_station (zone_id, station_id) VALUES (?, ?)", [[zone_id, s] for s in stations])
            audit.insert(con, actor_name(by), "zone_change", "zone", zone_id,
                         {"op": "create", "name": name, "stations": stations, "geometry": geometry is not None}, at=now)
            return _one(con, zone_id)


def rename_zone(store: CampaignStore, zone_id: int, name: str, *, by: Principal | str, now: datetime | None = None) -> Zone:
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        name = _clean_name(name)
        with store._connect() as con:
            zid, old_name, _ = _zone_row(con, zone_id)
            _require_edit(con, by, zid)
            if _name_taken(con, name, zid):
                raise ZoneError(f"une zone s'appelle déjà « {name} »")
            con.execute("UPDATE zone SET name = ?, updated_at = ? WHERE zone_id = ?", [name, now, zid])
            audit.insert(con, actor_name(by), "zone_change", "zone", zid, {"op": "rename", "from": old_name, "to": name}, at=now)
            return _one(con, zid)


def set_zone_stations(store: CampaignStore, zone_id: int, station_ids: Iterable[str], *, by: Principal | str,
                      now: datetime | None = None) -> Zone:
    """Replace the zone's stations (the audit entry lists those added and removed)."""
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        stations = _clean_stations(station_ids)
        with store._connect() as con:
            zid = int(_zone_row(con, zone_id)[0])
            _require_edit(con, by, zid)
            old = {r[0] for r in con.execute("SELECT station_id FROM zone_station WHERE zone_id = ?", [zid]).fetchall()}
            con.execute("DELETE FROM zone_station WHERE zone_id = ?", [zid])
            if stations:
                con.executemany("INSERT INTO zone_station (zone_id, station_id) VALUES (?, ?)", [[zid, s] for s in stations])
            _touch(con, zid, now)
            audit.insert(con, actor_name(by), "zone_change", "zone", zid, {
                "op": "stations",
                "added": sorted(set(stations) - old, key=station_sort_key),
                "removed": sorted(old - set(stations), key=station_sort_key),
            }, at=now)
            return _one(con, zid)


def set_zone_geometry(store: CampaignStore, zone_id: int, geometry_wkb: bytes | None, *, by: Principal | str,
                      now: datetime | None = None) -> Zone:
    """Set (or clear, with None) the zone's outline: WKB polygon or multipolygon in lon/lat."""
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        geometry = _clean_geometry(geometry_wkb)
        with store._connect() as con:
            zid = int(_zone_row(con, zone_id)[0])
            _require_edit(con, by, zid)
            con.execute("UPDATE zone SET geometry = ?, updated_at = ? WHERE zone_id = ?", [geometry, now, zid])
            audit.insert(con, actor_name(by), "zone_change", "zone", zid,
                         {"op": "geometry", "geometry": geometry is not None, "bytes": len(geometry or b"")}, at=now)
            return _one(con, zid)


def set_zone_status(store: CampaignStore, zone_id: int, status: str, *, by: Principal | str,
                    now: datetime | None = None) -> Zone:
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        status = _check_status(status)
        with store._connect() as con:
            zid, _, old = _zone_row(con, zone_id)
            _require_edit(con, by, zid)
            con.execute("UPDATE zone SET status = ?, updated_at = ? WHERE zone_id = ?", [status, now, zid])
            audit.insert(con, actor_name(by), "zone_change", "zone", zid, {"op": "status", "from": old, "to": status}, at=now)
            return _one(con, zid)


def delete_zone(store: CampaignStore, zone_id: int, *, by: Principal | str, now: datetime | None = None) -> None:
    """Delete the zone with its stations and assignments (one transaction, one audit entry)."""
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        with store._connect() as con:
            zone = _one(con, _zone_id(zone_id))
            _require_edit(con, by, zone.zone_id)
            con.execute("DELETE FROM zone_assignment WHERE zone_id = ?", [zone.zone_id])
            con.execute("DELETE FROM zone_station WHERE zone_id = ?", [zone.zone_id])
            con.execute("DELETE FROM zone WHERE zone_id = ?", [zone.zone_id])
            audit.insert(con, actor_name(by), "zone_change", "zone", zone.zone_id, {
                "op": "delete", "name": zone.name, "stations": list(zone.station_ids), "assigned_to": list(zone.assigned_to),
            }, at=now)


def assign_zone(store: CampaignStore, zone_id: int, user_name: str, *, by: Principal | str,
                due_date: date | str | None = None, now: datetime | None = None) -> Zone:
    """Assign the zone to a canvassing user (active, with ``record_feedback``); again: update the due date."""
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        try:
            due = clean_date(due_date, "date d'échéance")
        except IsoloirError as error:
            raise ZoneError(error.message_fr) from None
        name = str(user_name).strip().lower()
        with store._connect() as con:
            zid, _, status = _zone_row(con, zone_id)
            _require_edit(con, by, zid)
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
            new_status = "assigned" if status in ("draft", "ready") else status
            con.execute("UPDATE zone SET status = ?, updated_at = ? WHERE zone_id = ?", [new_status, now, zid])
            detail: dict[str, Any] = {"op": "assign" if previous is None else "due_date", "user": name,
                                      "due_date": due.isoformat() if due else None}
            if previous is not None:
                detail["previous_due_date"] = previous[0].isoformat() if previous[0] else None
            if new_status != status:
                detail["status"] = {"from": status, "to": new_status}
            audit.insert(con, actor_name(by), "assignment_change", "zone", zid, detail, at=now)
            return _one(con, zid)


def unassign_zone(store: CampaignStore, zone_id: int, user_name: str, *, by: Principal | str,
                  now: datetime | None = None) -> Zone:
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        name = str(user_name).strip().lower()
        with store._connect() as con:
            zid, zone_name, status = _zone_row(con, zone_id)
            _require_edit(con, by, zid)
            if not _is_assigned(con, zid, name):
                raise ZoneError(f"« {str(user_name)[:40]} » n'est pas affecté à la zone « {zone_name} »")
            con.execute("DELETE FROM zone_assignment WHERE zone_id = ? AND user_name = ?", [zid, name])
            left = con.execute("SELECT count(*) FROM zone_assignment WHERE zone_id = ?", [zid]).fetchone()[0]
            new_status = "ready" if status == "assigned" and left == 0 else status
            con.execute("UPDATE zone SET status = ?, updated_at = ? WHERE zone_id = ?", [new_status, now, zid])
            detail: dict[str, Any] = {"op": "unassign", "user": name}
            if new_status != status:
                detail["status"] = {"from": status, "to": new_status}
            audit.insert(con, actor_name(by), "assignment_change", "zone", zid, detail, at=now)
            return _one(con, zid)


def _require_edit_early(by: Principal | str) -> None:
    """Refuse before validating input or opening the store when the role cannot edit zones at all."""
    grant_for(by, "edit_zones")


# -- reads ----------------------------------------------------------------------------------
def zones_for(store: CampaignStore, *, by: Principal | str) -> list[Zone]:
    """The zones ``by`` may see, by name: all of them (``edit_zones``) or those assigned to a canvasser."""
    with audit_refusals(store, by, "edit_zones", "zone"):
        scope = _zone_read_scope(by)
    if not store.path.exists():
        return []
    with store._connect() as con:
        return _read_zones(con, scope)


def get_zone(store: CampaignStore, zone_id: int, *, by: Principal | str) -> Zone:
    """One zone; a canvasser asking for a zone not assigned to them is refused."""
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        scope = _zone_read_scope(by)
        zid = _zone_id(zone_id)
        with store._connect() as con:
            zones = _read_zones(con, scope, zid)
            if not zones:
                _zone_row(con, zid)  # UnknownZone when it does not exist at all
                require(by, "view_maps", in_own_zones=False)  # type: ignore[arg-type]
            return zones[0]


def assignments(store: CampaignStore, *, by: Principal | str) -> list[Assignment]:
    """Assignments by zone name then user: all of them, or a canvasser's own (``WHERE user_name = ?``)."""
    with audit_refusals(store, by, "edit_zones", "zone_assignment"):
        scope = _zone_read_scope(by)
    if not store.path.exists():
        return []
    sql = ("SELECT a.zone_id, z.name, a.user_name, a.due_date, a.assigned_by, a.assigned_at "
           "FROM zone_assignment a JOIN zone z ON z.zone_id = a.zone_id")
    params: list[Any] = []
    if scope is not None:
        sql += " WHERE a.user_name = ?"
        params.append(scope)
    sql += " ORDER BY lower(z.name), a.zone_id, a.user_name"
    with store._connect() as con:
        rows = con.execute(sql, params).fetchall()
    return [Assignment(int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]


def station_ids_for(store: CampaignStore, *, by: Principal | str) -> frozenset[str] | None:
    """None when ``view_maps`` is ALL (no restriction); a canvasser's stations (of their assigned zones) otherwise."""
    with audit_refusals(store, by, "view_maps", "station"):
        scope = own_zones_user(by, "view_maps")
    if scope is None:
        return None
    if not store.path.exists():
        return frozenset()
    with store._connect() as con:
        rows = con.execute(f"SELECT DISTINCT station_id FROM ({STATIONS_OF_USER_SQL})", [scope]).fetchall()
    return frozenset(r[0] for r in rows)
