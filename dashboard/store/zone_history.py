"""Zone history (``zone_version``): one snapshot of a zone's content per change, written in the change's transaction.

:func:`record_version` snapshots the name, status, geometry, station and
address ids and counts as the zone's next version; :func:`versions` and
:func:`get_version` read them back. The public functions (``zone_versions``,
``get_zone_version``, ``restore_zone_version``) are in ``zones``, with the
permission checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashboard.store.backend import Tx
from dashboard.store.errors import UnknownVersion
from dashboard.store.validate import station_sort_key
from dashboard.store.zone_counts import COUNT_COLUMNS, ZoneCounts, counts_of


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


def record_version(con: Tx, zone_id: int, op: str, by_name: str, now: datetime,
                    restored_from: int | None = None) -> int:
    """Snapshot the zone's current content as its next version (same transaction as the change)."""
    name, status, geometry = con.execute("SELECT name, status, geometry FROM zone WHERE zone_id = ?", [zone_id]).fetchone()
    stations = sorted((r[0] for r in con.execute("SELECT station_id FROM zone_station WHERE zone_id = ?", [zone_id]).fetchall()),
                      key=station_sort_key)
    addresses = [r[0] for r in con.execute("SELECT address_id FROM zone_address WHERE zone_id = ? ORDER BY address_id", [zone_id]).fetchall()]
    counts = counts_of(con.execute(f"SELECT {COUNT_COLUMNS} FROM zone_count WHERE zone_id = ?", [zone_id]).fetchone())
    version = int(con.execute("SELECT coalesce(max(version), 0) + 1 FROM zone_version WHERE zone_id = ?", [zone_id]).fetchone()[0])
    con.execute(
        "INSERT INTO zone_version (zone_id, version, op, name, status, geometry, station_ids, address_ids, counts, restored_from, "
        "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [zone_id, version, op, name, status, geometry, json.dumps(stations), json.dumps(addresses, ensure_ascii=False),
         None if counts is None else json.dumps(counts.to_json(), ensure_ascii=False), restored_from, by_name, now],
    )
    return version


def version_of(row: tuple[Any, ...]) -> ZoneVersion:
    zid, version, op, name, status, geometry, stations, addresses, counts, restored_from, created_by, created_at = row
    return ZoneVersion(
        int(zid), int(version), op, name, status, tuple(json.loads(stations)), tuple(json.loads(addresses)),
        ZoneCounts.from_json(json.loads(counts)) if counts else None, restored_from, created_by, created_at,
        bytes(geometry) if geometry is not None else None,
    )


VERSION_COLUMNS = ("zone_id, version, op, name, status, geometry, station_ids, address_ids, counts, restored_from, "
                    "created_by, created_at")


def get_version(con: Tx, zone_id: int, version: object) -> ZoneVersion:
    try:
        number = int(version)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        number = -1
    row = con.execute(f"SELECT {VERSION_COLUMNS} FROM zone_version WHERE zone_id = ? AND version = ?", [zone_id, number]).fetchone()
    if row is None or isinstance(version, bool):
        raise UnknownVersion(f"version introuvable : n° {str(version)[:20]} de la zone n° {zone_id}")
    return version_of(row)


def versions(con: Tx, zone_id: int) -> list[ZoneVersion]:
    """The zone's history, newest first."""
    rows = con.execute(f"SELECT {VERSION_COLUMNS} FROM zone_version WHERE zone_id = ? ORDER BY version DESC", [zone_id]).fetchall()
    return [version_of(r) for r in rows]
