"""Turfs of the campaign store: a zone cut into walkable pieces, assigned to canvassers, with their progress.

A **turf** (``turf``) belongs to one zone: a number (1..n within the zone), a
name (default « Secteur n »), its REU addresses in walk order
(``turf_address.position`` 1..n), the estimated doors and an optional WKB
geometry (any non-empty geometry in lon/lat: outline, route…). The pure
cutting and ordering is done elsewhere (``dashboard/canvass/``); this module
stores its result, given as :class:`TurfInput` values, and replaces a zone's
turfs atomically (:func:`save_turfs`: all or nothing, in one transaction).

**Assignment** (``turf_assignment``): one or several canvassers (a team) per
turf, each with a due date, like zones (same rules: active accounts whose role
canvasses). Assigning a turf makes its zone's stations part of the
canvasser's scope, through ``scope.STATIONS_OF_USER_SQL`` which unions zone
and turf assignments: the map and the contacts follow without a second
bookkeeping (see ``zones``' module doc for the whole scope). A turf assignment
also marks a ``draft``/``ready`` zone ``assigned``.

**Progress** (``turf_progress``): each report of doors done is kept; the
latest counts. :func:`record_turf_progress` needs ``record_feedback``
(admin; a canvasser only on their own turfs); :func:`progress` lists doors
done / total, assignees, due date and an overdue flag per turf.

**Reads** follow the zones' rule: ``edit_zones`` at ALL sees every turf, a
canvasser only theirs (``scope.TURFS_OF_USER_SQL``, bound to their user name
in the SQL: the turfs assigned to them and every turf of a zone assigned to
them), others are refused.

**Walk-list export gate** (:func:`authorize_walklist_export`): a list of
addresses alone may be exported by roles with ``edit_zones`` and by a
canvasser for their own turf; with personal data (the names of the people
met) it needs ``export_personal_data`` (admin, candidate: the contacts'
export gate, ``contacts.require_personal_export``). Every export is audited
(``export_walklist``: turf, rows, whether personal data were included — never
the rows themselves).

Every write records one audit entry (``turf_change``, ``assignment_change`` on
object ``turf``, ``turf_progress``) in the same transaction; refusals record
``permission_denied`` and change nothing.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from dashboard.formats import paris_today
from dashboard.access.permissions import Grant, PermissionDenied, Principal, actor_name, is_system_actor, permission, require
from dashboard.errors import IsoloirError
from dashboard.store import audit, crypto
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.errors import EditConflict, ZoneConflict, ZoneError
from dashboard.store.guard import audit_refusals, grant_for
from dashboard.store.scope import TURFS_OF_USER_SQL, zone_read_scope
from dashboard.store.validate import clean_address_id, clean_date, clean_geometry, clean_text
from dashboard.store.zones import (
    Assignees,
    check_assignee,
    check_row_version,
    delete_zone_turfs,
    set_status_after_assignment,
    touch,
    zone_edit_row,
    zone_id_of,
)

if TYPE_CHECKING:
    import pandas as pd

MAX_TURFS = 500
MAX_TURF_ADDRESSES = 10_000
MAX_DOORS = 1_000_000
MAX_TURF_NAME = 120


class TurfError(ZoneError):
    """A turf operation was refused (bad input, unknown turf, turfs already assigned…)."""


class UnknownTurf(TurfError):
    pass


class TurfConflict(EditConflict, TurfError):
    """A turf assigned from a stale copy (its ``row_version`` moved on)."""

    what = "le secteur"


@dataclass(frozen=True)
class TurfInput:
    """One turf as the cutting produces it: its number in the zone, addresses in walk order, estimated doors."""

    number: int
    address_ids: Sequence[str]
    doors: int
    geometry_wkb: bytes | None = field(default=None, repr=False)
    name: str | None = None

    @classmethod
    def of(cls, turf: Any) -> TurfInput:
        """From any object with ``number``, ``address_ids``, ``doors`` and optionally ``geometry`` (shapely),
        ``geometry_wkb`` and ``name`` — e.g. a turf of ``dashboard.canvass.turfs.TurfPlan``."""
        geometry_wkb = getattr(turf, "geometry_wkb", None)
        geometry = getattr(turf, "geometry", None)
        if geometry_wkb is None and geometry is not None:
            import shapely

            geometry_wkb = shapely.to_wkb(geometry)
        return cls(turf.number, tuple(turf.address_ids), turf.doors, geometry_wkb, getattr(turf, "name", None) or None)


@dataclass(frozen=True)
class Turf(Assignees):
    """One stored turf, with its assignees (``due_dates`` aligned with ``assigned_to``) and latest progress."""

    turf_id: int
    zone_id: int
    zone_name: str
    number: int
    name: str
    address_ids: tuple[str, ...]  # walk order
    doors: int
    assigned_to: tuple[str, ...]
    due_dates: tuple[date | None, ...]
    doors_done: int
    created_by: str
    created_at: datetime
    geometry_wkb: bytes | None = field(default=None, repr=False)
    row_version: int = 0  # bumped by every change of the turf (assignments): ``expected_row_version``
    updated_by: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class TurfProgress:
    """Doors done / total on one turf; ``overdue``: past its due date and not finished."""

    turf_id: int
    zone_id: int
    zone_name: str
    number: int
    name: str
    doors: int
    doors_done: int
    assigned_to: tuple[str, ...]
    due_date: date | None
    overdue: bool
    recorded_by: str | None
    recorded_at: datetime | None

    @property
    def share(self) -> float:
        """Doors done / doors, capped to 1 (an empty turf counts as done)."""
        return 1.0 if self.doors == 0 else min(1.0, self.doors_done / self.doors)

    @property
    def done(self) -> bool:
        return self.doors_done >= self.doors


@dataclass(frozen=True)
class WalklistExport:
    """What :func:`authorize_walklist_export` allowed: the turf (addresses in walk order), and the names if asked.

    ``contacts`` (only with ``personal_data``): the people met at the stations
    of the turf's addresses — ``contact_id``, ``station_id``, ``address``,
    ``full_name``, ``outcome``, ``consent`` (no phone, no email); the walk-list
    builder keeps the rows whose address is on the list.
    """

    turf: Turf
    personal_data: bool
    contacts: pd.DataFrame | None = field(default=None, repr=False)


# -- validation -----------------------------------------------------------------------------
def _int(value: object, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TurfError(f"{what} : nombre entier attendu")
    number = int(value)
    if not low <= number <= high:
        raise TurfError(f"{what} : entre {low} et {high} attendu (reçu {number})")
    return number


@dataclass(frozen=True)
class _CleanTurf:
    number: int
    name: str
    addresses: list[tuple[str, str | None]]  # walk order
    doors: int
    geometry: bytes | None


def _clean_turfs(turfs: Iterable[TurfInput]) -> list[_CleanTurf]:
    if isinstance(turfs, (str, bytes, TurfInput)):
        raise TurfError("donnez une liste de secteurs")
    clean: list[_CleanTurf] = []
    numbers_seen: set[int] = set()
    owner: dict[str, int] = {}  # address id -> turf number
    for turf in turfs:
        if not isinstance(turf, TurfInput):
            raise TurfError("secteur invalide : TurfInput attendu")
        number = _int(turf.number, "numéro de secteur", 1, MAX_TURFS)
        if number in numbers_seen:
            raise TurfError(f"deux secteurs portent le numéro {number}")
        numbers_seen.add(number)
        try:
            name = clean_text(turf.name, "le nom du secteur", MAX_TURF_NAME, required=False) or f"Secteur {number}"
        except IsoloirError as error:
            raise TurfError(error.message_fr) from None
        if isinstance(turf.address_ids, (str, bytes)):
            raise TurfError(f"secteur {number} : donnez une liste d'identifiants d'adresses, pas un texte")
        addresses = []
        for raw in turf.address_ids:
            try:
                address, station = clean_address_id(raw)
            except ZoneError as error:
                raise TurfError(f"secteur {number} : {error.message_fr}") from None
            if address in owner:
                where = "deux fois dans ce secteur" if owner[address] == number else f"aussi dans le secteur {owner[address]}"
                raise TurfError(f"secteur {number} : l'adresse « {address[:60]} » est {where}")
            owner[address] = number
            addresses.append((address, station))
        if not addresses:
            raise TurfError(f"secteur {number} : aucune adresse")
        if len(addresses) > MAX_TURF_ADDRESSES:
            raise TurfError(f"secteur {number} : trop d'adresses ({MAX_TURF_ADDRESSES} au plus)")
        doors = _int(turf.doors, f"secteur {number} : nombre de portes", 0, MAX_DOORS)
        geometry = clean_geometry(turf.geometry_wkb, what="géométrie de secteur", polygons_only=False, error=TurfError)
        clean.append(_CleanTurf(number, name, addresses, doors, geometry))
    if len(clean) > MAX_TURFS:
        raise TurfError(f"trop de secteurs dans une zone : {MAX_TURFS} au plus")
    return sorted(clean, key=lambda t: t.number)


def _turf_id(turf_id: object) -> int:
    if isinstance(turf_id, bool):
        raise UnknownTurf(f"secteur introuvable : n° {turf_id}")
    try:
        return int(turf_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise UnknownTurf(f"secteur introuvable : n° {str(turf_id)[:40]}") from None


def _turf_row(con: Tx, turf_id: object, expected_row_version: int | None = None) -> tuple[int, int, str]:
    """(turf_id, zone_id, name) or :class:`UnknownTurf`; with ``expected_row_version``, :class:`TurfConflict`
    unless the turf is still at that version (replaced or deleted since: a conflict too)."""
    tid = _turf_id(turf_id)
    row = con.execute(
        f"SELECT turf_id, zone_id, name, row_version, updated_by, updated_at FROM turf WHERE turf_id = ?"
        f"{con.dialect.for_update if expected_row_version is not None else ''}", [tid],
    ).fetchone()
    if row is None:
        if expected_row_version is not None:
            raise TurfConflict(f"n° {tid}", None, None, None)
        raise UnknownTurf(f"secteur introuvable : n° {str(turf_id)[:40]}")
    if expected_row_version is not None:
        check_row_version(TurfConflict, row[2], expected_row_version, *row[3:])  # type: ignore[arg-type]
    return int(row[0]), int(row[1]), row[2]


def _touch_turf(con: Tx, turf_id: int, now: datetime, by_name: str) -> None:
    con.execute("UPDATE turf SET updated_at = ?, updated_by = ?, row_version = row_version + 1 WHERE turf_id = ?",
                [now, by_name, turf_id])


def _in_scope(con: Tx, turf_id: int, user_name: str) -> bool:
    return con.execute(f"SELECT count(*) FROM ({TURFS_OF_USER_SQL}) s WHERE s.turf_id = ?", [user_name, turf_id]).fetchone()[0] > 0


# -- reading --------------------------------------------------------------------------------
def _read_turfs(con: Tx, scope_user: str | None, *, zone_id: int | None = None,
                turf_id: int | None = None) -> list[Turf]:
    """Turfs (all, or those of ``scope_user``: the restriction is in the SQL), by zone name then number."""
    where: list[str] = []
    params: list[Any] = []
    if scope_user is not None:
        where.append(f"t.turf_id IN ({TURFS_OF_USER_SQL})")
        params.append(scope_user)
    if zone_id is not None:
        where.append("t.zone_id = ?")
        params.append(zone_id)
    if turf_id is not None:
        where.append("t.turf_id = ?")
        params.append(turf_id)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    rows = con.execute(
        "SELECT t.turf_id, t.zone_id, z.name, t.number, t.name, t.doors, t.created_by, t.created_at, t.geometry, "
        "t.row_version, t.updated_by, t.updated_at "
        f"FROM turf t JOIN zone z ON z.zone_id = t.zone_id{clause} ORDER BY lower(z.name), t.zone_id, t.number",
        params,
    ).fetchall()
    addresses: dict[int, list[str]] = {}
    for tid, address in con.execute(
        f"SELECT ta.turf_id, ta.address_id FROM turf_address ta JOIN turf t ON t.turf_id = ta.turf_id{clause} "
        "ORDER BY ta.turf_id, ta.position", params,
    ).fetchall():
        addresses.setdefault(int(tid), []).append(address)
    assignees: dict[int, list[tuple[str, date | None]]] = {}
    for tid, user, due in con.execute(
        f"SELECT a.turf_id, a.user_name, a.due_date FROM turf_assignment a JOIN turf t ON t.turf_id = a.turf_id{clause} "
        "ORDER BY a.user_name", params,
    ).fetchall():
        assignees.setdefault(int(tid), []).append((user, due))
    done = {int(r[0]): int(r[1]) for r in con.execute(
        f"""SELECT turf_id, doors_done FROM (
                SELECT p.turf_id, p.doors_done,
                       row_number() OVER (PARTITION BY p.turf_id ORDER BY p.recorded_at DESC, p.progress_id DESC) AS rank
                FROM turf_progress p JOIN turf t ON t.turf_id = p.turf_id{clause}) latest
            WHERE rank = 1""", params,
    ).fetchall()}
    turfs = []
    for tid, zid, zone_name, number, name, doors, created_by, created_at, geometry, row_version, updated_by, updated_at in rows:
        tid = int(tid)
        people = assignees.get(tid, [])
        turfs.append(Turf(
            tid, int(zid), zone_name, int(number), name, tuple(addresses.get(tid, [])), int(doors),
            tuple(u for u, _ in people), tuple(d for _, d in people), done.get(tid, 0), created_by, created_at,
            bytes(geometry) if geometry is not None else None, int(row_version or 0), updated_by, updated_at,
        ))
    return turfs


def _one(con: Tx, turf_id: int) -> Turf:
    turfs = _read_turfs(con, None, turf_id=turf_id)
    if not turfs:
        raise UnknownTurf(f"secteur introuvable : n° {turf_id}")
    return turfs[0]


def turfs_for(store: CampaignStore, *, by: Principal | str, zone_id: int | None = None) -> list[Turf]:
    """The turfs ``by`` may see (all, or a canvasser's own), optionally of one zone, by zone name then number."""
    with audit_refusals(store, by, "edit_zones", "turf"):
        scope = zone_read_scope(by)
        zid = None if zone_id is None else zone_id_of(zone_id)
    if not store.exists():
        return []
    with store.read() as con:
        return _read_turfs(con, scope, zone_id=zid)


def get_turf(store: CampaignStore, turf_id: int, *, by: Principal | str) -> Turf:
    """One turf; a canvasser asking for a turf not theirs is refused (and the refusal audited)."""
    with audit_refusals(store, by, "edit_zones", "turf", turf_id):
        scope = zone_read_scope(by)
        with store.read() as con:
            tid = _turf_row(con, turf_id)[0]
            turfs = _read_turfs(con, scope, turf_id=tid)
            if not turfs:
                require(by, "view_maps", in_own_zones=False)  # type: ignore[arg-type]
            return turfs[0]


# -- writes ---------------------------------------------------------------------------------
def _assignments_of_zone(con: Tx, zone_id: int) -> list[tuple[int, str]]:
    return [(int(r[0]), r[1]) for r in con.execute(
        "SELECT t.number, a.user_name FROM turf_assignment a JOIN turf t ON t.turf_id = a.turf_id WHERE t.zone_id = ? "
        "ORDER BY t.number, a.user_name", [zone_id],
    ).fetchall()]


@retrying
def save_turfs(store: CampaignStore, zone_id: int, turfs: Iterable[TurfInput], *, by: Principal | str,
               replace_assigned: bool = False, now: datetime | None = None, expected_row_version: int | None = None) -> list[Turf]:
    """Replace the zone's turfs by ``turfs``, atomically (``edit_zones``); returns the new turfs by number.

    Every address appears in one turf at most; when the zone has a list of
    addresses, every turf address must be on it. Turfs already assigned or with
    progress are only replaced with ``replace_assigned=True`` (their
    assignments and progress go with them; the audit entry names who lost a turf).
    An empty ``turfs`` deletes the zone's turfs (as :func:`delete_turfs`).
    ``expected_row_version``: the zone's :attr:`~dashboard.store.zones.Zone.row_version`
    read (the turfs are part of the zone): :class:`ZoneConflict` when it moved on.
    """
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "turf"):
        grant_for(by, "edit_zones")
        clean = _clean_turfs(turfs)
        with store.write() as con:
            zid = int(zone_edit_row(con, zone_id, by, expected_row_version)[0])
            covered = con.execute("SELECT count(*) FROM zone_address WHERE zone_id = ?", [zid]).fetchone()[0]
            if covered and clean:
                wanted = [a for t in clean for a, _ in t.addresses]
                outside = con.execute(
                    "SELECT a FROM unnest(?::VARCHAR[]) u(a) WHERE a NOT IN (SELECT address_id FROM zone_address WHERE zone_id = ?) LIMIT 1",
                    [wanted, zid],
                ).fetchone()
                if outside is not None:
                    raise TurfError(f"l'adresse « {outside[0][:60]} » n'est pas dans la zone")
            dropped = _assignments_of_zone(con, zid)
            progress_rows = con.execute(
                "SELECT count(*) FROM turf_progress WHERE turf_id IN (SELECT turf_id FROM turf WHERE zone_id = ?)", [zid]
            ).fetchone()[0]
            if (dropped or progress_rows) and not replace_assigned:
                raise TurfError(
                    "les secteurs de cette zone sont déjà affectés ou commencés : confirmez le remplacement "
                    "(les affectations et l'avancement des anciens secteurs seront effacés)"
                )
            old = con.execute("SELECT count(*) FROM turf WHERE zone_id = ?", [zid]).fetchone()[0]
            delete_zone_turfs(con, zid)
            for turf in clean:
                tid = int(con.execute(
                    "INSERT INTO turf (zone_id, number, name, doors, geometry, created_by, created_at, row_version, updated_by, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING turf_id",
                    [zid, turf.number, turf.name, turf.doors, turf.geometry, actor_name(by), now, actor_name(by), now],
                ).fetchone()[0])
                con.execute(
                    "INSERT INTO turf_address (turf_id, position, address_id, station_id) "
                    "SELECT ?, generate_subscripts(?::VARCHAR[], 1), unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
                    [tid, [a for a, _ in turf.addresses], [a for a, _ in turf.addresses], [s for _, s in turf.addresses]],
                )
            detail: dict[str, Any] = {
                "op": "save", "turfs": len(clean), "addresses": sum(len(t.addresses) for t in clean),
                "doors": sum(t.doors for t in clean), "replaced": int(old),
            }
            if dropped:
                detail["dropped_assignments"] = [{"turf": n, "user": u} for n, u in dropped]
            status_change = set_status_after_assignment(con, zid, actor_name(by), now) if dropped else None
            if status_change:
                detail["status"] = status_change
            elif not dropped:
                touch(con, zid, now, actor_name(by))
            audit.insert(con, actor_name(by), "turf_change", "zone", zid, detail, at=now)
            return _read_turfs(con, None, zone_id=zid)


@retrying
def delete_turfs(store: CampaignStore, zone_id: int, *, by: Principal | str, now: datetime | None = None,
                 expected_row_version: int | None = None) -> int:
    """Delete the zone's turfs with their addresses, assignments and progress (``edit_zones``); returns how many."""
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "turf"):
        grant_for(by, "edit_zones")
        with store.write() as con:
            zid = int(zone_edit_row(con, zone_id, by, expected_row_version)[0])
            dropped = _assignments_of_zone(con, zid)
            deleted = delete_zone_turfs(con, zid)
            detail: dict[str, Any] = {"op": "delete", "turfs": deleted["turf"]}
            if dropped:
                detail["dropped_assignments"] = [{"turf": n, "user": u} for n, u in dropped]
                status_change = set_status_after_assignment(con, zid, actor_name(by), now)
                if status_change:
                    detail["status"] = status_change
            else:
                touch(con, zid, now, actor_name(by))
            audit.insert(con, actor_name(by), "turf_change", "zone", zid, detail, at=now)
            return deleted["turf"]


@retrying
def assign_turf(store: CampaignStore, turf_id: int, user_names: str | Iterable[str], *, by: Principal | str,
                due_date: date | str | None = None, now: datetime | None = None, expected_row_version: int | None = None) -> Turf:
    """Assign the turf to one canvasser or a team (several user names), with a due date; again: update the due date.

    All or nothing: one unknown or non-canvassing user refuses the whole team.
    """
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "turf", turf_id):
        grant_for(by, "edit_zones")
        try:
            due = clean_date(due_date, "date d'échéance")
        except IsoloirError as error:
            raise TurfError(error.message_fr) from None
        names = [user_names] if isinstance(user_names, str) else list(user_names)
        if not names:
            raise TurfError("choisissez au moins un militant")
        with store.write() as con:
            tid, zid, _ = _turf_row(con, turf_id, expected_row_version)
            zone_edit_row(con, zid, by)
            team = sorted({check_assignee(con, n) for n in names})
            changes = []
            for name in team:
                previous = con.execute(
                    "SELECT due_date FROM turf_assignment WHERE turf_id = ? AND user_name = ?", [tid, name]
                ).fetchone()
                if previous is None:
                    con.execute(
                        "INSERT INTO turf_assignment (turf_id, user_name, due_date, assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?)",
                        [tid, name, due, actor_name(by), now],
                    )
                    changes.append({"user": name, "op": "assign"})
                else:
                    con.execute(
                        "UPDATE turf_assignment SET due_date = ?, assigned_by = ?, assigned_at = ? WHERE turf_id = ? AND user_name = ?",
                        [due, actor_name(by), now, tid, name],
                    )
                    changes.append({"user": name, "op": "due_date",
                                    "previous_due_date": previous[0].isoformat() if previous[0] else None})
            _touch_turf(con, tid, now, actor_name(by))
            status_change = set_status_after_assignment(con, zid, actor_name(by), now)
            detail: dict[str, Any] = {"op": "assign_turf", "zone_id": zid, "users": changes,
                                      "due_date": due.isoformat() if due else None}
            if status_change:
                detail["status"] = status_change
            audit.insert(con, actor_name(by), "assignment_change", "turf", tid, detail, at=now)
            return _one(con, tid)


@retrying
def unassign_turf(store: CampaignStore, turf_id: int, user_name: str, *, by: Principal | str,
                  now: datetime | None = None, expected_row_version: int | None = None) -> Turf:
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "turf", turf_id):
        grant_for(by, "edit_zones")
        name = str(user_name).strip().lower()
        with store.write() as con:
            tid, zid, turf_name = _turf_row(con, turf_id, expected_row_version)
            zone_edit_row(con, zid, by)
            if con.execute("SELECT count(*) FROM turf_assignment WHERE turf_id = ? AND user_name = ?", [tid, name]).fetchone()[0] == 0:
                raise TurfError(f"« {str(user_name)[:40]} » n'est pas affecté au secteur « {turf_name} »")
            con.execute("DELETE FROM turf_assignment WHERE turf_id = ? AND user_name = ?", [tid, name])
            _touch_turf(con, tid, now, actor_name(by))
            status_change = set_status_after_assignment(con, zid, actor_name(by), now)
            detail: dict[str, Any] = {"op": "unassign_turf", "zone_id": zid, "user": name}
            if status_change:
                detail["status"] = status_change
            audit.insert(con, actor_name(by), "assignment_change", "turf", tid, detail, at=now)
            return _one(con, tid)


# -- progress -------------------------------------------------------------------------------
def _progress_of(turf: Turf, recorded: tuple[str, datetime] | None, today: date) -> TurfProgress:
    due = turf.due_date
    return TurfProgress(
        turf.turf_id, turf.zone_id, turf.zone_name, turf.number, turf.name, turf.doors, turf.doors_done, turf.assigned_to,
        due, due is not None and due < today and turf.doors_done < turf.doors,
        recorded[0] if recorded else None, recorded[1] if recorded else None,
    )


def _last_recorded(con: Tx, turf_ids: list[int]) -> dict[int, tuple[str, datetime]]:
    if not turf_ids:
        return {}
    rows = con.execute(
        """SELECT turf_id, recorded_by, recorded_at FROM (
               SELECT turf_id, recorded_by, recorded_at,
                      row_number() OVER (PARTITION BY turf_id ORDER BY recorded_at DESC, progress_id DESC) AS rank
               FROM turf_progress WHERE turf_id IN (SELECT unnest(?::BIGINT[]))) latest
           WHERE rank = 1""", [turf_ids],
    ).fetchall()
    return {int(r[0]): (r[1], r[2]) for r in rows}


def turf_door_limit(con: Tx, turf_id: int) -> int | None:
    """The most doors a turf can hold: its estimated doors plus the households the phone recorded at its
    addresses (an address with households may hold more doors than its estimate); None when no such turf.
    Counts typed in above it (turf progress, goals) are refused. A read inside the caller's transaction."""
    row = con.execute("SELECT doors FROM turf WHERE turf_id = ?", [int(turf_id)]).fetchone()
    if row is None:
        return None
    recorded = con.execute(
        "SELECT count(*) FROM household h WHERE h.removed_at IS NULL AND h.address_id IN "
        "(SELECT address_id FROM turf_address WHERE turf_id = ?)", [int(turf_id)]).fetchone()[0]
    return int(row[0]) + int(recorded)


@retrying
def record_turf_progress(store: CampaignStore, turf_id: int, doors_done: int, *, by: Principal | str,
                         now: datetime | None = None, today: date | None = None) -> TurfProgress:
    """Record the doors done so far on a turf (``record_feedback``: admin; a canvasser on their own turfs only).
    A count above the turf's doors (:func:`turf_door_limit`) is refused with a French message."""
    now = now or utc_now()
    with audit_refusals(store, by, "record_feedback", "turf", turf_id):
        grant = grant_for(by, "record_feedback")
        done = _int(doors_done, "portes faites", 0, MAX_DOORS)
        with store.write() as con:
            tid, zid, _ = _turf_row(con, turf_id)
            if grant is Grant.OWN_ZONES:
                require(by, "record_feedback", in_own_zones=_in_scope(con, tid, actor_name(by)))  # type: ignore[arg-type]
            doors = con.execute("SELECT doors FROM turf WHERE turf_id = ?", [tid]).fetchone()[0]
            limit = turf_door_limit(con, tid)
            if limit is not None and done > limit:  # « 999 / 40 portes » is a typing slip, not a count
                raise TurfError(f"{done} portes faites est impossible : le secteur compte {limit} portes")
            con.execute("INSERT INTO turf_progress (turf_id, doors_done, recorded_by, recorded_at) VALUES (?, ?, ?, ?)",
                        [tid, done, actor_name(by), now])
            audit.insert(con, actor_name(by), "turf_progress", "turf", tid,
                         {"zone_id": zid, "doors_done": done, "doors": int(doors)}, at=now)
            return _progress_of(_one(con, tid), (actor_name(by), now), today or now.date())


def progress(store: CampaignStore, *, by: Principal | str, zone_id: int | None = None,
             today: date | None = None) -> list[TurfProgress]:
    """Doors done / total per turf, with assignees, due date and overdue flag: every turf for the roles with
    ``edit_zones``, a canvasser's own turfs only (in the SQL); others refused."""
    with audit_refusals(store, by, "edit_zones", "turf"):
        scope = zone_read_scope(by)
        zid = None if zone_id is None else zone_id_of(zone_id)
    if not store.exists():
        return []
    today = today or paris_today()
    with store.read() as con:
        turfs = _read_turfs(con, scope, zone_id=zid)
        recorded = _last_recorded(con, [t.turf_id for t in turfs])
    return [_progress_of(t, recorded.get(t.turf_id), today) for t in turfs]


# -- walk-list export gate ------------------------------------------------------------------
@retrying
def authorize_walklist_export(store: CampaignStore, turf_id: int, *, by: Principal | str, personal_data: bool = False,
                              now: datetime | None = None) -> WalklistExport:
    """Decide, audit and hand over a turf's walk list (see the module doc for who may).

    Addresses only: ``edit_zones`` at ALL, or the turf's canvasser
    (``record_feedback`` on their own turf). With ``personal_data`` (the names
    of the people met): ``export_personal_data`` (admin, candidate). One
    ``export_walklist`` audit entry per export; refusals are audited too.
    """
    from dashboard.store.contacts import require_personal_export

    now = now or utc_now()
    if not isinstance(personal_data, bool):
        raise TurfError("données personnelles : oui ou non (True/False) attendu")
    if personal_data:
        require_personal_export(store, by, "walklist", turf_id)
    with audit_refusals(store, by, "edit_zones", "walklist", turf_id):
        own_only = not personal_data and _walklist_own_only(by)
    # a canvasser is refused another's turf on "record_feedback" (the action they hold for their own)
    with audit_refusals(store, by, "record_feedback" if own_only else "edit_zones", "walklist", turf_id):
        with store.write() as con:
            tid, zid, _ = _turf_row(con, turf_id)
            if own_only:
                require(by, "record_feedback", in_own_zones=_in_scope(con, tid, actor_name(by)))  # type: ignore[arg-type]
            turf = _one(con, tid)
            people = None
            if personal_data:
                people = crypto.open_frame("contact", con.frame(
                    """SELECT contact_id, station_id, address, full_name, outcome, consent FROM contact
                       WHERE address_id IN (SELECT address_id FROM turf_address WHERE turf_id = ?)
                       ORDER BY station_id, contact_id""", [tid],  # the people met at the turf's doors
                ))  # sorted by address once opened (sealed values sort at random)
                people = people.sort_values(["station_id", "address", "contact_id"], kind="stable").reset_index(drop=True)
            detail: dict[str, Any] = {"zone_id": zid, "addresses": len(turf.address_ids), "personal_data": personal_data}
            if people is not None:
                detail["contacts"] = len(people)
            audit.insert(con, actor_name(by), "export_walklist", "turf", tid, detail, at=now)
    return WalklistExport(turf, personal_data, people)


def _walklist_own_only(by: Principal | str) -> bool:
    """False: ``by`` may export any turf's addresses; True: only their own turfs'; refuses (French) otherwise."""
    if is_system_actor(by):
        return False
    if isinstance(by, str):
        raise ValueError(f"unknown system actor: {by!r}")  # noqa: TRY004 - as dashboard.access.permissions.require_actor
    if permission(by.role, "edit_zones") is Grant.ALL:
        require(by, "edit_zones")  # refuses a disabled account
        return False
    grant = permission(by.role, "record_feedback")
    if grant is not Grant.NONE:
        require(by, "record_feedback")
        return grant is Grant.OWN_ZONES
    require(by, "view_maps")  # a disabled account reads "compte désactivé"
    raise PermissionDenied(
        "action refusée : exporter une liste de porte-à-porte est réservé aux rôles qui construisent les zones "
        "et aux militants pour leurs propres secteurs",
        role=by.role, action="edit_zones",
    )
