"""Campaign store on an embedded DuckDB file (``campaign.duckdb`` beside the warehouse).

Each operation opens and closes its own connection, so the app, several
sessions and the CLI can share the file without holding a lock between calls.
All SQL uses bound parameters.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from dashboard.access.permissions import Principal, actor_name
from dashboard.errors import IsoloirError

CAMPAIGN_FILE = "campaign.duckdb"
MAX_NAME = 120

SCHEMA = [
    "CREATE SEQUENCE IF NOT EXISTS saved_view_seq",
    """CREATE TABLE IF NOT EXISTS saved_view (
        view_id BIGINT PRIMARY KEY DEFAULT nextval('saved_view_seq'), name VARCHAR NOT NULL,
        params JSON NOT NULL, position INTEGER NOT NULL, created_at TIMESTAMP NOT NULL, created_by VARCHAR)""",
    # Accounts (dashboard/store/users.py). ``password_hash`` is a bcrypt hash made by
    # streamlit-authenticator's Hasher; it never leaves users.py except to feed the authenticator.
    """CREATE TABLE IF NOT EXISTS app_user (
        user_name VARCHAR PRIMARY KEY, display_name VARCHAR NOT NULL, role VARCHAR NOT NULL,
        password_hash VARCHAR NOT NULL, active BOOLEAN NOT NULL DEFAULT true, created_at TIMESTAMP NOT NULL,
        password_changed_at TIMESTAMP, failed_logins INTEGER NOT NULL DEFAULT 0, locked_until TIMESTAMP,
        demo BOOLEAN NOT NULL DEFAULT false)""",
    # Audit log (dashboard/store/audit.py): append-only, each row chained to the previous one by ``chain``.
    "CREATE SEQUENCE IF NOT EXISTS audit_log_seq",
    """CREATE TABLE IF NOT EXISTS audit_log (
        id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'), "at" TIMESTAMP NOT NULL, user_name VARCHAR,
        action VARCHAR NOT NULL, object_type VARCHAR, object_id VARCHAR, detail JSON, outcome VARCHAR NOT NULL,
        chain VARCHAR NOT NULL)""",
    # Canvassing zones (dashboard/store/zones.py). No foreign keys: zones.py keeps the three tables
    # consistent inside one transaction (DuckDB's foreign keys refuse deleting a parent even when
    # its children go in the same transaction). ``geometry`` is WKB in lon/lat (EPSG:4326).
    "CREATE SEQUENCE IF NOT EXISTS zone_seq",
    """CREATE TABLE IF NOT EXISTS zone (
        zone_id BIGINT PRIMARY KEY DEFAULT nextval('zone_seq'), name VARCHAR NOT NULL, geometry BLOB,
        status VARCHAR NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'ready', 'assigned', 'done')),
        owner VARCHAR, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS zone_station (
        zone_id BIGINT NOT NULL, station_id VARCHAR NOT NULL, PRIMARY KEY (zone_id, station_id))""",
    """CREATE TABLE IF NOT EXISTS zone_assignment (
        zone_id BIGINT NOT NULL, user_name VARCHAR NOT NULL, due_date DATE, assigned_by VARCHAR NOT NULL,
        assigned_at TIMESTAMP NOT NULL, PRIMARY KEY (zone_id, user_name))""",
    # Zone additions (issue 6, dashboard/store/zones.py): the REU addresses a zone covers (``station_id``:
    # the station part of the warehouse's ``<BAN id>@<station_id>`` address id, when present), the counts
    # stored with the zone (one row per zone, with what they were computed for), and the version history:
    # one snapshot per change of the zone's content (JSON lists of station and address ids).
    """CREATE TABLE IF NOT EXISTS zone_address (
        zone_id BIGINT NOT NULL, address_id VARCHAR NOT NULL, station_id VARCHAR, PRIMARY KEY (zone_id, address_id))""",
    """CREATE TABLE IF NOT EXISTS zone_count (
        zone_id BIGINT PRIMARY KEY, registered BIGINT, addresses BIGINT, doors BIGINT, score_sum DOUBLE,
        expected_net_votes DOUBLE, election_id VARCHAR, target VARCHAR, computed_at TIMESTAMP)""",
    "CREATE SEQUENCE IF NOT EXISTS zone_version_seq",
    """CREATE TABLE IF NOT EXISTS zone_version (
        version_id BIGINT PRIMARY KEY DEFAULT nextval('zone_version_seq'), zone_id BIGINT NOT NULL,
        version INTEGER NOT NULL, op VARCHAR NOT NULL, name VARCHAR NOT NULL, status VARCHAR NOT NULL, geometry BLOB,
        station_ids JSON NOT NULL, address_ids JSON NOT NULL, counts JSON, restored_from INTEGER,
        created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, UNIQUE (zone_id, version))""",
    # Turfs (dashboard/store/turfs.py): a zone cut into walkable pieces. ``turf_address`` holds the walk
    # order (``position`` 1..n); ``turf_assignment`` the canvassers (a team: several rows) with a due
    # date; ``turf_progress`` every "doors done" report (the latest one counts). Same rule as the
    # zone tables: no foreign keys, turfs.py and zones.py keep them consistent in one transaction.
    "CREATE SEQUENCE IF NOT EXISTS turf_seq",
    """CREATE TABLE IF NOT EXISTS turf (
        turf_id BIGINT PRIMARY KEY DEFAULT nextval('turf_seq'), zone_id BIGINT NOT NULL,
        number INTEGER NOT NULL CHECK (number > 0), name VARCHAR NOT NULL, doors INTEGER NOT NULL CHECK (doors >= 0),
        geometry BLOB, created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, UNIQUE (zone_id, number))""",
    """CREATE TABLE IF NOT EXISTS turf_address (
        turf_id BIGINT NOT NULL, position INTEGER NOT NULL CHECK (position > 0), address_id VARCHAR NOT NULL,
        station_id VARCHAR, PRIMARY KEY (turf_id, position), UNIQUE (turf_id, address_id))""",
    """CREATE TABLE IF NOT EXISTS turf_assignment (
        turf_id BIGINT NOT NULL, user_name VARCHAR NOT NULL, due_date DATE, assigned_by VARCHAR NOT NULL,
        assigned_at TIMESTAMP NOT NULL, PRIMARY KEY (turf_id, user_name))""",
    "CREATE SEQUENCE IF NOT EXISTS turf_progress_seq",
    """CREATE TABLE IF NOT EXISTS turf_progress (
        progress_id BIGINT PRIMARY KEY DEFAULT nextval('turf_progress_seq'), turf_id BIGINT NOT NULL,
        doors_done INTEGER NOT NULL CHECK (doors_done >= 0), recorded_by VARCHAR NOT NULL, recorded_at TIMESTAMP NOT NULL)""",
    # People met while canvassing (dashboard/store/contacts.py): personal data, purged after the
    # election. No free-text column; phone and email only with consent to be recontacted.
    "CREATE SEQUENCE IF NOT EXISTS contact_seq",
    """CREATE TABLE IF NOT EXISTS contact (
        contact_id BIGINT PRIMARY KEY DEFAULT nextval('contact_seq'), station_id VARCHAR NOT NULL,
        address VARCHAR NOT NULL, full_name VARCHAR NOT NULL, phone VARCHAR, email VARCHAR,
        consent BOOLEAN NOT NULL, outcome VARCHAR NOT NULL CHECK (outcome IN ('rencontre', 'absent', 'refus')),
        created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
        CHECK (consent OR (phone IS NULL AND email IS NULL)))""",
    # Campaign settings (dashboard/store/campaign_settings.py): a single row (setting_id = 1).
    """CREATE TABLE IF NOT EXISTS campaign_setting (
        setting_id INTEGER PRIMARY KEY CHECK (setting_id = 1), name VARCHAR, election_date DATE,
        retention_days INTEGER NOT NULL DEFAULT 30 CHECK (retention_days BETWEEN 0 AND 365),
        updated_by VARCHAR, updated_at TIMESTAMP)""",
]


@dataclass(frozen=True)
class SavedView:
    view_id: int
    name: str
    params: dict[str, Any]
    position: int
    created_at: datetime
    created_by: str | None


class CampaignStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path))
        try:
            con.execute("BEGIN TRANSACTION")
            for statement in SCHEMA:
                con.execute(statement)
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    # -- saved views (presentation slides) ---------------------------------
    # Writes need ``save_views`` (``by``: a user, or a system actor such as "cli").
    def save_view(self, name: str, params: dict[str, Any], *, by: Principal | str) -> int:
        _require_saving(self, by)
        name = _clean_name(name)
        with self._connect() as con:
            position = con.execute("SELECT coalesce(max(position), 0) + 1 FROM saved_view").fetchone()[0]
            row = con.execute(
                "INSERT INTO saved_view (name, params, position, created_at, created_by) VALUES (?, ?, ?, ?, ?) RETURNING view_id",
                [name, json.dumps(params, ensure_ascii=False, sort_keys=True), position, _now(), actor_name(by)],
            ).fetchone()
        return int(row[0])

    def views(self) -> list[SavedView]:
        """Saved views in slide order."""
        if not self.path.exists():
            return []
        with self._connect() as con:
            rows = con.execute(
                "SELECT view_id, name, params, position, created_at, created_by FROM saved_view ORDER BY position, view_id"
            ).fetchall()
        return [SavedView(int(r[0]), r[1], json.loads(r[2]), int(r[3]), r[4], r[5]) for r in rows]

    def rename_view(self, view_id: int, name: str, *, by: Principal | str) -> None:
        _require_saving(self, by)
        name = _clean_name(name)
        with self._connect() as con:
            _require(con, view_id)
            con.execute("UPDATE saved_view SET name = ? WHERE view_id = ?", [name, view_id])

    def delete_view(self, view_id: int, *, by: Principal | str) -> None:
        _require_saving(self, by)
        with self._connect() as con:
            _require(con, view_id)
            con.execute("DELETE FROM saved_view WHERE view_id = ?", [view_id])

    def move_view(self, view_id: int, offset: int, *, by: Principal | str) -> None:
        """Move a slide ``offset`` places (negative: earlier); positions are renumbered 1..n."""
        _require_saving(self, by)
        with self._connect() as con:
            _require(con, view_id)
            ids = [r[0] for r in con.execute("SELECT view_id FROM saved_view ORDER BY position, view_id").fetchall()]
            index = ids.index(view_id)
            target = max(0, min(len(ids) - 1, index + offset))
            ids.insert(target, ids.pop(index))
            for position, vid in enumerate(ids, start=1):
                con.execute("UPDATE saved_view SET position = ? WHERE view_id = ?", [position, vid])


def _require_saving(store: CampaignStore, by: Principal | str) -> None:
    from dashboard.store import audit  # audit imports this module

    audit.require(store, by, "save_views", "view")


class UnknownView(IsoloirError):
    pass


def _require(con: duckdb.DuckDBPyConnection, view_id: int) -> None:
    if con.execute("SELECT count(*) FROM saved_view WHERE view_id = ?", [view_id]).fetchone()[0] == 0:
        raise UnknownView(f"vue enregistrée introuvable : n° {view_id}")


def _clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise IsoloirError("donnez un nom à la vue")
    return name[:MAX_NAME]


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
