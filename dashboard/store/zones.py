"""Canvassing zones of the campaign store: stations and addresses grouped into zones, zones assigned to canvassers.

Tables (schema in ``campaign.py``): ``zone`` (name, status, owner, optional
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

**A canvasser's scope** (the subqueries below, each with one bound parameter,
the user name; ``contacts.py`` scopes the people met with the same
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

Only canvassing roles can be assigned: a role with ``record_feedback`` (the
canvasser, and the admin who also canvasses); others are refused with a
French message. Station ids are normalised (``"45999_0012"`` → ``"45999_12"``)
but not checked against the warehouse (the two stores are separate files).
Address ids are kept as given (the warehouse's ``<BAN id>@<station_id>``);
their station part, when there is one, is stored beside them.
"""

from __future__ import annotations

import json
import math
import numbers
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import duckdb

from dashboard.access.permissions import (
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
MAX_ADDRESSES = 100_000
MAX_ADDRESS_ID = 200
MAX_COUNT_LABEL = 120
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


class ZoneError(IsoloirError):
    """A zone operation was refused (bad name, bad station id, unknown user…)."""


class UnknownZone(ZoneError):
    pass


class UnknownVersion(ZoneError):
    pass


@dataclass(frozen=True)
class ZoneCounts:
    """The counts stored with a zone, and what they were computed for (all optional).

    ``doors`` is the estimate from the address counts; ``score_sum`` the sum of
    the target score over the zone; ``expected_net_votes`` may be negative;
    ``election_id`` and ``target`` say which election and target (score
    definition) the numbers belong to; ``computed_at`` defaults to the write time.
    """

    registered: int | None = None
    addresses: int | None = None
    doors: int | None = None
    score_sum: float | None = None
    expected_net_votes: float | None = None
    election_id: str | None = None
    target: str | None = None
    computed_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["computed_at"] = self.computed_at.isoformat() if self.computed_at else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ZoneCounts | None:
        if not data:
            return None
        values = {k: data.get(k) for k in cls.__dataclass_fields__}
        if values["computed_at"]:
            values["computed_at"] = datetime.fromisoformat(values["computed_at"])
        return cls(**values)


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
    version: int = 0  # the latest version number (0: no history yet)

    @property
    def status_label(self) -> str:
        return ZONE_STATUSES.get(self.status, self.status)


@dataclass(frozen=True)
class ZoneVersion:
    """One snapshot of a zone's content, taken after a change (``op``: create, rename, stations…)."""

    zone_id: int
    version: int
    op: str
    name: str
    status: str
    station_ids: tuple[str, ...]
    address_ids: tuple[str, ...]
    counts: ZoneCounts | None
    restored_from: int | None
    created_by: str
    created_at: datetime
    geometry_wkb: bytes | None = field(default=None, repr=False)


# version op -> French label (the history list shows it)
VERSION_OPS: dict[str, str] = {
    "create": "création",
    "rename": "renommage",
    "stations": "bureaux de vote",
    "geometry": "contour",
    "addresses": "adresses",
    "counts": "chiffres",
    "status": "statut",
    "edit": "modification",
    "duplicate": "copie",
    "restore": "restauration",
}


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
        raise ValueError(f"unknown system actor: {by!r}")  # noqa: TRY004 - as dashboard.access.permissions.require_actor
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


def clean_geometry(geometry_wkb: object, *, what: str = "géométrie", polygons_only: bool = True,
                   error: type[ZoneError] = ZoneError) -> bytes | None:
    """Checked WKB within lon/lat bounds, or None: a non-empty (multi)polygon (``polygons_only``) or any
    non-empty geometry. Refusals are ``error`` with a French message starting with ``what``."""
    if geometry_wkb is None:
        return None
    if isinstance(geometry_wkb, (bytearray, memoryview)):
        geometry_wkb = bytes(geometry_wkb)
    if not isinstance(geometry_wkb, bytes):
        raise error(f"{what} invalide : WKB (octets) attendu")
    if len(geometry_wkb) > MAX_GEOMETRY_BYTES:
        raise error(f"{what} trop lourde : {MAX_GEOMETRY_BYTES // 1_000_000} Mo au plus")
    import shapely  # lazy: the store does not need shapely until a geometry is written

    try:
        geometry = shapely.from_wkb(geometry_wkb)
    except Exception:  # noqa: BLE001 - shapely raises GEOSException and others on garbage
        raise error(f"{what} illisible : WKB invalide") from None
    if geometry is None or geometry.is_empty:
        raise error(f"{what} invalide : un polygone (ou multipolygone) non vide est attendu" if polygons_only
                    else f"{what} vide")
    if polygons_only and geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise error(f"{what} invalide : un polygone (ou multipolygone) non vide est attendu")
    min_x, min_y, max_x, max_y = geometry.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise error(f"{what} hors limites : coordonnées longitude/latitude (WGS84) attendues")
    return geometry_wkb


def clean_address_id(value: object) -> tuple[str, str | None]:
    """``(address_id, station_id)``: the id as given (stripped), the station of its ``@<station_id>`` part or None.

    Refuses (French) an empty, too long or non-text id, or one holding control characters.
    """
    if not isinstance(value, str):
        raise ZoneError(f"identifiant d'adresse invalide : « {str(value)[:40]} » (texte attendu)")
    text = value.strip()
    if not text or len(text) > MAX_ADDRESS_ID or any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in text):
        raise ZoneError(f"identifiant d'adresse invalide : « {text[:40]} »")
    _, at, suffix = text.rpartition("@")
    station = normalize_station_ref(suffix) if at and len(suffix) <= 40 else None
    return text, station


def _clean_addresses(address_ids: Iterable[object]) -> list[tuple[str, str | None]]:
    """Unique, sorted ``(address_id, station_id)`` pairs."""
    if isinstance(address_ids, (str, bytes)):
        raise ZoneError("donnez une liste d'identifiants d'adresses, pas un texte")
    pairs = dict(clean_address_id(a) for a in address_ids)
    if len(pairs) > MAX_ADDRESSES:
        raise ZoneError(f"trop d'adresses dans une zone : {MAX_ADDRESSES} au plus")
    return sorted(pairs.items())


def _count(value: object, what: str, *, integer: bool, signed: bool = False) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):  # numpy numbers are Real too
        raise ZoneError(f"{what} : nombre attendu")
    number = float(value)
    if not math.isfinite(number):
        raise ZoneError(f"{what} : nombre fini attendu")
    if not signed and number < 0:
        raise ZoneError(f"{what} : nombre positif attendu")
    if integer:
        if number != int(number):
            raise ZoneError(f"{what} : nombre entier attendu")
        return int(number)
    return number


def clean_counts(counts: ZoneCounts | Mapping[str, Any] | None, now: datetime) -> ZoneCounts | None:
    """Checked counts (a :class:`ZoneCounts` or a mapping of its fields); ``computed_at`` defaults to ``now``."""
    if counts is None:
        return None
    if isinstance(counts, Mapping):
        unknown = set(counts) - set(ZoneCounts.__dataclass_fields__)
        if unknown:
            raise ZoneError(f"chiffres de zone inconnus : {', '.join(sorted(map(str, unknown)))}")
        counts = ZoneCounts(**counts)
    if not isinstance(counts, ZoneCounts):
        raise ZoneError("chiffres de zone invalides : ZoneCounts attendu")
    labels = {}
    for key, what in (("election_id", "l'élection des chiffres"), ("target", "la cible des chiffres")):
        try:
            labels[key] = clean_text(getattr(counts, key), what, MAX_COUNT_LABEL, required=False)
        except IsoloirError as error:
            raise ZoneError(error.message_fr) from None
    computed_at = counts.computed_at or now
    if not isinstance(computed_at, datetime):
        raise ZoneError("date de calcul des chiffres invalide")
    return ZoneCounts(
        registered=_count(counts.registered, "inscrits", integer=True),
        addresses=_count(counts.addresses, "adresses", integer=True),
        doors=_count(counts.doors, "portes", integer=True),
        score_sum=_count(counts.score_sum, "somme des scores", integer=False, signed=True),
        expected_net_votes=_count(counts.expected_net_votes, "voix nettes attendues", integer=False, signed=True),
        election_id=labels["election_id"], target=labels["target"],
        computed_at=computed_at.astimezone(timezone.utc).replace(tzinfo=None) if computed_at.tzinfo else computed_at,
    )


def _write_stations(con: duckdb.DuckDBPyConnection, zone_id: int, stations: list[str]) -> set[str]:
    """Replace the zone's stations; returns the old ones."""
    old = {r[0] for r in con.execute("SELECT station_id FROM zone_station WHERE zone_id = ?", [zone_id]).fetchall()}
    con.execute("DELETE FROM zone_station WHERE zone_id = ?", [zone_id])
    if stations:
        con.execute("INSERT INTO zone_station (zone_id, station_id) SELECT ?, unnest(?::VARCHAR[])", [zone_id, stations])
    return old


def _write_addresses(con: duckdb.DuckDBPyConnection, zone_id: int, pairs: list[tuple[str, str | None]]) -> set[str]:
    """Replace the zone's addresses; returns the old address ids."""
    old = {r[0] for r in con.execute("SELECT address_id FROM zone_address WHERE zone_id = ?", [zone_id]).fetchall()}
    con.execute("DELETE FROM zone_address WHERE zone_id = ?", [zone_id])
    if pairs:
        con.execute(
            "INSERT INTO zone_address (zone_id, address_id, station_id) SELECT ?, unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
            [zone_id, [a for a, _ in pairs], [st for _, st in pairs]],
        )
    return old


def _write_counts(con: duckdb.DuckDBPyConnection, zone_id: int, counts: ZoneCounts | None) -> None:
    con.execute("DELETE FROM zone_count WHERE zone_id = ?", [zone_id])
    if counts is not None:
        con.execute(
            "INSERT INTO zone_count (zone_id, registered, addresses, doors, score_sum, expected_net_votes, election_id, target, "
            "computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [zone_id, counts.registered, counts.addresses, counts.doors, counts.score_sum, counts.expected_net_votes,
             counts.election_id, counts.target, counts.computed_at],
        )


def _counts_of(row: tuple[Any, ...] | None) -> ZoneCounts | None:
    if row is None:
        return None
    registered, addresses, doors, score_sum, net, election_id, target, computed_at = row
    return ZoneCounts(
        None if registered is None else int(registered), None if addresses is None else int(addresses),
        None if doors is None else int(doors), score_sum, net, election_id, target, computed_at,
    )


_COUNT_COLUMNS = "registered, addresses, doors, score_sum, expected_net_votes, election_id, target, computed_at"


def _record_version(con: duckdb.DuckDBPyConnection, zone_id: int, op: str, by_name: str, now: datetime,
                    restored_from: int | None = None) -> int:
    """Snapshot the zone's current content as its next version (same transaction as the change)."""
    name, status, geometry = con.execute("SELECT name, status, geometry FROM zone WHERE zone_id = ?", [zone_id]).fetchone()
    stations = sorted((r[0] for r in con.execute("SELECT station_id FROM zone_station WHERE zone_id = ?", [zone_id]).fetchall()),
                      key=station_sort_key)
    addresses = [r[0] for r in con.execute("SELECT address_id FROM zone_address WHERE zone_id = ? ORDER BY address_id", [zone_id]).fetchall()]
    counts = _counts_of(con.execute(f"SELECT {_COUNT_COLUMNS} FROM zone_count WHERE zone_id = ?", [zone_id]).fetchone())
    version = int(con.execute("SELECT coalesce(max(version), 0) + 1 FROM zone_version WHERE zone_id = ?", [zone_id]).fetchone()[0])
    con.execute(
        "INSERT INTO zone_version (zone_id, version, op, name, status, geometry, station_ids, address_ids, counts, restored_from, "
        "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [zone_id, version, op, name, status, geometry, json.dumps(stations), json.dumps(addresses, ensure_ascii=False),
         None if counts is None else json.dumps(counts.to_json(), ensure_ascii=False), restored_from, by_name, now],
    )
    return version


def check_assignee(con: duckdb.DuckDBPyConnection, user_name: object) -> str:
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


def has_assignees(con: duckdb.DuckDBPyConnection, zone_id: int) -> bool:
    """Whether anyone is assigned to the zone or to one of its turfs."""
    return con.execute(
        "SELECT (SELECT count(*) FROM zone_assignment WHERE zone_id = ?) "
        "+ (SELECT count(*) FROM turf_assignment ta JOIN turf t ON t.turf_id = ta.turf_id WHERE t.zone_id = ?)",
        [zone_id, zone_id],
    ).fetchone()[0] > 0


def set_status_after_assignment(con: duckdb.DuckDBPyConnection, zone_id: int, by_name: str, now: datetime) -> dict[str, str] | None:
    """``draft``/``ready`` → ``assigned`` when someone is assigned, ``assigned`` → ``ready`` when nobody is left.

    Touches ``updated_at``; a status change writes a version. Returns ``{"from", "to"}`` when the status changed.
    """
    status = con.execute("SELECT status FROM zone WHERE zone_id = ?", [zone_id]).fetchone()[0]
    assigned = has_assignees(con, zone_id)
    new_status = "assigned" if assigned and status in ("draft", "ready") else "ready" if not assigned and status == "assigned" else status
    con.execute("UPDATE zone SET status = ?, updated_at = ? WHERE zone_id = ?", [new_status, now, zone_id])
    if new_status == status:
        return None
    _record_version(con, zone_id, "status", by_name, now)
    return {"from": status, "to": new_status}


def delete_zone_turfs(con: duckdb.DuckDBPyConnection, zone_id: int) -> dict[str, int]:
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
    counts = {int(r[0]): _counts_of(r[1:]) for r in con.execute(f"SELECT zone_id, {_COUNT_COLUMNS} FROM zone_count{clause}", params).fetchall()}
    n_addresses = {int(r[0]): int(r[1]) for r in con.execute(
        f"SELECT zone_id, count(*) FROM zone_address{clause} GROUP BY zone_id", params).fetchall()}
    versions = {int(r[0]): int(r[1]) for r in con.execute(
        f"SELECT zone_id, max(version) FROM zone_version{clause} GROUP BY zone_id", params).fetchall()}
    zones = []
    for zid, name, status, owner, created, updated, geometry in rows:
        zid = int(zid)
        people = assignees.get(zid, [])
        zones.append(Zone(
            zid, name, status, owner, tuple(sorted(stations.get(zid, []), key=station_sort_key)),
            tuple(u for u, _ in people), tuple(d for _, d in people), created, updated,
            bytes(geometry) if geometry is not None else None,
            counts.get(zid), n_addresses.get(zid, 0), versions.get(zid, 0),
        ))
    return zones


def _one(con: duckdb.DuckDBPyConnection, zone_id: int) -> Zone:
    zones = _read_zones(con, None, zone_id)
    if not zones:
        raise UnknownZone(f"zone introuvable : n° {zone_id}")
    return zones[0]


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


class _Keep:
    """Marker: leave this field as it is (None would clear it)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


# -- writes ---------------------------------------------------------------------------------
def create_zone(store: CampaignStore, name: str, station_ids: Iterable[str], *, by: Principal | str,
                geometry_wkb: bytes | None = None, address_ids: Iterable[str] | None = None,
                counts: ZoneCounts | Mapping[str, Any] | None = None, now: datetime | None = None) -> Zone:
    """A new ``draft`` zone owned by ``by``, covering ``station_ids`` (may be empty) and ``address_ids``; version 1."""
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone"):
        _require_edit_early(by)
        name = _clean_name(name)
        stations = _clean_stations(station_ids)
        geometry = clean_geometry(geometry_wkb)
        addresses = _clean_addresses(address_ids or [])
        counts_clean = clean_counts(counts, now)
        with store._connect() as con:
            _require_edit(con, by, None)
            if _name_taken(con, name):
                raise ZoneError(f"une zone s'appelle déjà « {name} »")
            zone_id = int(con.execute(
                "INSERT INTO zone (name, geometry, status, owner, created_at, updated_at) VALUES (?, ?, 'draft', ?, ?, ?) RETURNING zone_id",
                [name, geometry, actor_name(by), now, now],
            ).fetchone()[0])
            _write_stations(con, zone_id, stations)
            _write_addresses(con, zone_id, addresses)
            _write_counts(con, zone_id, counts_clean)
            _record_version(con, zone_id, "create", actor_name(by), now)
            detail: dict[str, Any] = {"op": "create", "name": name, "stations": stations, "geometry": geometry is not None}
            if addresses:
                detail["addresses"] = len(addresses)
            if counts_clean is not None:
                detail["counts"] = True
            audit.insert(con, actor_name(by), "zone_change", "zone", zone_id, detail, at=now)
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
            _record_version(con, zid, "rename", actor_name(by), now)
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
            old = _write_stations(con, zid, stations)
            _touch(con, zid, now)
            _record_version(con, zid, "stations", actor_name(by), now)
            audit.insert(con, actor_name(by), "zone_change", "zone", zid, {
                "op": "stations",
                "added": sorted(set(stations) - old, key=station_sort_key),
                "removed": sorted(old - set(stations), key=station_sort_key),
            }, at=now)
            return _one(con, zid)


def set_zone_geometry(store: CampaignStore, zone_id: int, geometry_wkb: bytes | None, *, by: Principal | str,
                      now: datetime | None = None) -> Zone:
    """Set (or clear, with None) the zone's outline (the lasso): WKB polygon or multipolygon in lon/lat."""
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        geometry = clean_geometry(geometry_wkb)
        with store._connect() as con:
            zid = int(_zone_row(con, zone_id)[0])
            _require_edit(con, by, zid)
            con.execute("UPDATE zone SET geometry = ?, updated_at = ? WHERE zone_id = ?", [geometry, now, zid])
            _record_version(con, zid, "geometry", actor_name(by), now)
            audit.insert(con, actor_name(by), "zone_change", "zone", zid,
                         {"op": "geometry", "geometry": geometry is not None, "bytes": len(geometry or b"")}, at=now)
            return _one(con, zid)


def set_zone_addresses(store: CampaignStore, zone_id: int, address_ids: Iterable[str], *, by: Principal | str,
                       now: datetime | None = None) -> Zone:
    """Replace the REU addresses the zone covers (audited with counts only: the log outlives the purge)."""
    return update_zone(store, zone_id, by=by, address_ids=address_ids, now=now)


def set_zone_counts(store: CampaignStore, zone_id: int, counts: ZoneCounts | Mapping[str, Any] | None, *,
                    by: Principal | str, now: datetime | None = None) -> Zone:
    """Store (or clear, with None) the zone's counts."""
    return update_zone(store, zone_id, by=by, counts=counts, now=now)


def update_zone(store: CampaignStore, zone_id: int, *, by: Principal | str, name: str | None = None,
                station_ids: Iterable[str] | None = None, geometry_wkb: bytes | None = KEEP,
                address_ids: Iterable[str] | None = None, counts: ZoneCounts | Mapping[str, Any] | None = KEEP,
                now: datetime | None = None) -> Zone:
    """Change several fields at once (the zones page after a lasso edit) as ONE version and one audit entry.

    ``name``, ``station_ids``, ``address_ids``: None keeps them; ``geometry_wkb``
    and ``counts``: :data:`KEEP` (default) keeps them, None clears them. The
    version's op is the field's name when one field changes (``rename``,
    ``stations``, ``geometry``, ``addresses``, ``counts``), ``edit`` otherwise.
    """
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        name_clean = None if name is None else _clean_name(name)
        stations = None if station_ids is None else _clean_stations(station_ids)
        geometry = KEEP if geometry_wkb is KEEP else clean_geometry(geometry_wkb)
        addresses = None if address_ids is None else _clean_addresses(address_ids)
        counts_clean = KEEP if counts is KEEP else clean_counts(counts, now)
        with store._connect() as con:
            zid, old_name, _ = _zone_row(con, zone_id)
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
                _write_counts(con, zid, counts_clean)
                detail["counts"] = None if counts_clean is None else {
                    k: v for k, v in counts_clean.to_json().items() if k != "computed_at"}
            if not detail:
                return _one(con, zid)
            _touch(con, zid, now)
            op = next(iter(detail)) if len(detail) == 1 else "edit"
            version = _record_version(con, zid, op, actor_name(by), now)
            audit.insert(con, actor_name(by), "zone_change", "zone", zid, {"op": op, "version": version, **detail}, at=now)
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
            _record_version(con, zid, "status", actor_name(by), now)
            audit.insert(con, actor_name(by), "zone_change", "zone", zid, {"op": "status", "from": old, "to": status}, at=now)
            return _one(con, zid)


def duplicate_zone(store: CampaignStore, zone_id: int, new_name: str, *, by: Principal | str,
                   now: datetime | None = None) -> Zone:
    """A new ``draft`` zone owned by ``by`` with the same geometry, stations, addresses and counts.

    Assignments, turfs and history are not copied; the copy's version 1 has op ``duplicate``.
    """
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        name = _clean_name(new_name)
        with store._connect() as con:
            source = _one(con, _zone_id(zone_id))
            _require_edit(con, by, source.zone_id)
            if _name_taken(con, name):
                raise ZoneError(f"une zone s'appelle déjà « {name} »")
            new_id = int(con.execute(
                "INSERT INTO zone (name, geometry, status, owner, created_at, updated_at) "
                "SELECT ?, geometry, 'draft', ?, ?, ? FROM zone WHERE zone_id = ? RETURNING zone_id",
                [name, actor_name(by), now, now, source.zone_id],
            ).fetchone()[0])
            con.execute("INSERT INTO zone_station (zone_id, station_id) SELECT ?, station_id FROM zone_station WHERE zone_id = ?",
                        [new_id, source.zone_id])
            con.execute("INSERT INTO zone_address (zone_id, address_id, station_id) "
                        "SELECT ?, address_id, station_id FROM zone_address WHERE zone_id = ?", [new_id, source.zone_id])
            con.execute(f"INSERT INTO zone_count (zone_id, {_COUNT_COLUMNS}) SELECT ?, {_COUNT_COLUMNS} FROM zone_count WHERE zone_id = ?",
                        [new_id, source.zone_id])
            _record_version(con, new_id, "duplicate", actor_name(by), now)
            audit.insert(con, actor_name(by), "zone_change", "zone", new_id, {
                "op": "duplicate", "from": source.zone_id, "from_name": source.name, "name": name,
                "stations": list(source.station_ids), "addresses": source.address_count,
            }, at=now)
            return _one(con, new_id)


def delete_zone(store: CampaignStore, zone_id: int, *, by: Principal | str, now: datetime | None = None) -> None:
    """Delete the zone with its stations, addresses, counts, history, assignments and turfs (one transaction, one audit entry)."""
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        with store._connect() as con:
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
        with store._connect() as con:
            zid, _, _ = _zone_row(con, zone_id)
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


def unassign_zone(store: CampaignStore, zone_id: int, user_name: str, *, by: Principal | str,
                  now: datetime | None = None) -> Zone:
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        name = str(user_name).strip().lower()
        with store._connect() as con:
            zid, zone_name, _ = _zone_row(con, zone_id)
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
def _version_of(row: tuple[Any, ...]) -> ZoneVersion:
    zid, version, op, name, status, geometry, stations, addresses, counts, restored_from, created_by, created_at = row
    return ZoneVersion(
        int(zid), int(version), op, name, status, tuple(json.loads(stations)), tuple(json.loads(addresses)),
        ZoneCounts.from_json(json.loads(counts)) if counts else None, restored_from, created_by, created_at,
        bytes(geometry) if geometry is not None else None,
    )


_VERSION_COLUMNS = ("zone_id, version, op, name, status, geometry, station_ids, address_ids, counts, restored_from, "
                    "created_by, created_at")


def zone_versions(store: CampaignStore, zone_id: int, *, by: Principal | str) -> list[ZoneVersion]:
    """The zone's history, newest first (``edit_zones``: the people who build zones)."""
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        with store._connect() as con:
            zid = int(_zone_row(con, zone_id)[0])
            _require_edit(con, by, zid)
            rows = con.execute(f"SELECT {_VERSION_COLUMNS} FROM zone_version WHERE zone_id = ? ORDER BY version DESC", [zid]).fetchall()
    return [_version_of(r) for r in rows]


def _get_version(con: duckdb.DuckDBPyConnection, zone_id: int, version: object) -> ZoneVersion:
    try:
        number = int(version)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        number = -1
    row = con.execute(f"SELECT {_VERSION_COLUMNS} FROM zone_version WHERE zone_id = ? AND version = ?", [zone_id, number]).fetchone()
    if row is None or isinstance(version, bool):
        raise UnknownVersion(f"version introuvable : n° {str(version)[:20]} de la zone n° {zone_id}")
    return _version_of(row)


def get_zone_version(store: CampaignStore, zone_id: int, version: int, *, by: Principal | str) -> ZoneVersion:
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        with store._connect() as con:
            zid = int(_zone_row(con, zone_id)[0])
            _require_edit(con, by, zid)
            return _get_version(con, zid, version)


def restore_zone_version(store: CampaignStore, zone_id: int, version: int, *, by: Principal | str,
                         now: datetime | None = None) -> Zone:
    """Bring back the name, geometry, stations, addresses and counts of ``version``, as a new version (op ``restore``).

    The status, the assignments and the turfs stay as they are (cut the turfs
    again if the addresses changed). Refused when another zone took the old name.
    """
    now = now or _now()
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        _require_edit_early(by)
        with store._connect() as con:
            zid = int(_zone_row(con, zone_id)[0])
            _require_edit(con, by, zid)
            old = _get_version(con, zid, version)
            if _name_taken(con, old.name, zid):
                raise ZoneError(f"impossible de restaurer : une autre zone s'appelle déjà « {old.name} »")
            con.execute("UPDATE zone SET name = ?, geometry = ?, updated_at = ? WHERE zone_id = ?", [old.name, old.geometry_wkb, now, zid])
            _write_stations(con, zid, list(old.station_ids))
            _write_addresses(con, zid, [clean_address_id(a) for a in old.address_ids])
            _write_counts(con, zid, old.counts)
            new_version = _record_version(con, zid, "restore", actor_name(by), now, restored_from=old.version)
            audit.insert(con, actor_name(by), "zone_change", "zone", zid,
                         {"op": "restore", "from_version": old.version, "version": new_version}, at=now)
            return _one(con, zid)


# -- reads ----------------------------------------------------------------------------------
def zones_for(store: CampaignStore, *, by: Principal | str) -> list[Zone]:
    """The zones ``by`` may see, by name: all of them (``edit_zones``) or a canvasser's own (zone or turf assigned)."""
    with audit_refusals(store, by, "edit_zones", "zone"):
        scope = zone_read_scope(by)
    if not store.path.exists():
        return []
    with store._connect() as con:
        return _read_zones(con, scope)


def get_zone(store: CampaignStore, zone_id: int, *, by: Principal | str) -> Zone:
    """One zone; a canvasser asking for a zone not theirs is refused."""
    with audit_refusals(store, by, "edit_zones", "zone", zone_id):
        scope = zone_read_scope(by)
        zid = _zone_id(zone_id)
        with store._connect() as con:
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
        with store._connect() as con:
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
                        WHERE t.zone_id = ? AND t.turf_id IN ({TURFS_OF_USER_SQL}))
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


def _ids_of_user(store: CampaignStore, by: Principal | str, object_type: str, sql: str, column: str) -> frozenset[str] | None:
    """None when ``view_maps`` is ALL (no restriction); else the distinct ``column`` of ``sql`` (a query
    with one parameter, the user name) for the user's zones and turfs."""
    with audit_refusals(store, by, "view_maps", object_type):
        scope = own_zones_user(by, "view_maps")
    if scope is None:
        return None
    if not store.path.exists():
        return frozenset()
    with store._connect() as con:
        rows = con.execute(f"SELECT DISTINCT {column} FROM ({sql})", [scope]).fetchall()
    return frozenset(r[0] for r in rows)


def station_ids_for(store: CampaignStore, *, by: Principal | str) -> frozenset[str] | None:
    """None when ``view_maps`` is ALL (no restriction); a canvasser's stations (of their zones, see the module doc) otherwise."""
    return _ids_of_user(store, by, "station", STATIONS_OF_USER_SQL, "station_id")


def address_ids_for(store: CampaignStore, *, by: Principal | str) -> frozenset[str] | None:
    """None when ``view_maps`` is ALL (no restriction); a canvasser's addresses (their turfs', their zones') otherwise."""
    return _ids_of_user(store, by, "address", ADDRESSES_OF_USER_SQL, "address_id")
