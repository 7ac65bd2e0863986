"""Boundary versions per commune: their dates, the elections drawn on them, what changed between two.

A boundary version is a ``station_set``; a commune has one or several (one per imported file
holding its stations). Its dates are the set's ``valid_from`` / ``valid_to`` unless
``version_validity`` gives the commune its own. Each election is drawn in a commune on the
version in force on its date (``Warehouse.refresh_election_sets``) unless a link made by hand
(``election_set_link``, ``isoloir versions link``) says otherwise; links survive later imports.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import shapely

from dashboard.errors import IsoloirError
from dashboard.warehouse.database import Warehouse

ADDED = "ajouté"
REMOVED = "supprimé"
REDRAWN = "redessiné"
UNCHANGED = "inchangé"
# a station whose contour moved by less than this area (m²) is unchanged (float noise of a re-projection)
UNCHANGED_M2 = 1.0
_EARTH_M = 6_371_008.8
DIFF_COLUMNS = ["station_id", "bv_code", "change", "area_a_m2", "area_b_m2", "moved_m2", "moved_share"]


class VersionError(IsoloirError):
    """A version, commune or election named on the command line is unknown."""


def versions_table(wh: Warehouse, communes: list[str] | None = None) -> pd.DataFrame:
    """One row per (commune, version), oldest first in each commune: ``commune_code``, ``set_id``,
    ``label``, ``valid_from``, ``valid_to`` (this commune's dates), ``own_dates`` (set for this
    commune alone), ``stations``, ``elections`` (ids drawn on it, comma-separated), ``imported_at``."""
    return wh.query(
        """WITH sc AS (SELECT set_id, commune_code, count(*) AS stations FROM station
                       WHERE (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], commune_code)) GROUP BY ALL),
                el AS (SELECT set_id, commune_code, string_agg(election_id, ', ' ORDER BY election_id) AS elections
                       FROM election_station_set GROUP BY ALL)
           SELECT sc.commune_code, sc.set_id, ss.label,
                  coalesce(v.valid_from, ss.valid_from) AS valid_from, coalesce(v.valid_to, ss.valid_to) AS valid_to,
                  (v.set_id IS NOT NULL) AS own_dates, sc.stations, coalesce(el.elections, '') AS elections, ss.imported_at
           FROM sc JOIN station_set ss USING (set_id)
           LEFT JOIN version_validity v USING (set_id, commune_code)
           LEFT JOIN el USING (set_id, commune_code)
           ORDER BY sc.commune_code, coalesce(v.valid_from, ss.valid_from) NULLS FIRST, ss.imported_at, sc.set_id""",
        [communes, communes],
    )


def links_table(wh: Warehouse) -> pd.DataFrame:
    """Elections linked by hand to a version: ``election_id``, ``commune_code``, ``set_id``, ``linked_at``."""
    return wh.query("SELECT election_id, commune_code, set_id, linked_at FROM election_set_link ORDER BY ALL")


def _check_set(wh: Warehouse, set_id: str, commune_code: str | None = None) -> None:
    found = wh.query(
        """SELECT count(*) AS n FROM station WHERE set_id = ? AND (?::VARCHAR IS NULL OR commune_code = ?)""",
        [set_id, commune_code, commune_code],
    )
    if int(found["n"].iat[0]) == 0:
        where = f" dans la commune {commune_code}" if commune_code else ""
        raise VersionError(f"version de contours inconnue{where} : « {set_id} »")


def set_validity(wh: Warehouse, set_id: str, valid_from: date | None, valid_to: date | None,
                 commune_code: str | None = None) -> None:
    """Dates of a version, for every commune or for one; elections are re-linked (read-write ``wh``)."""
    _check_set(wh, set_id, commune_code)
    if valid_from and valid_to and valid_to < valid_from:
        raise VersionError("la date de fin précède la date de début")
    with wh.transaction():
        wh.set_validity(set_id, commune_code, valid_from, valid_to)
        wh.refresh_election_sets()


def link(wh: Warehouse, election_id: str, commune_code: str, set_id: str | None) -> None:
    """Draw ``election_id`` on ``set_id`` in ``commune_code`` (``None``: back to the dates); kept across imports."""
    if wh.query("SELECT count(*) AS n FROM election WHERE election_id = ?", [election_id])["n"].iat[0] == 0:
        raise VersionError(f"élection inconnue : « {election_id} »")
    if set_id is not None:
        _check_set(wh, set_id, commune_code)
    with wh.transaction():
        wh.link_election_set(election_id, commune_code, set_id)
        wh.refresh_election_sets()


def to_metres(geoms: np.ndarray, lon0: float) -> np.ndarray:
    """EPSG:4326 geometries in a sinusoidal projection centred on ``lon0`` (metres; equal-area,
    distances right at a commune's scale)."""
    geoms = np.asarray(geoms, dtype=object)

    def project(coords: np.ndarray) -> np.ndarray:
        lat = np.radians(coords[:, 1])
        return np.column_stack([_EARTH_M * np.radians(coords[:, 0] - lon0) * np.cos(lat), _EARTH_M * lat])

    return shapely.transform(geoms, project)


def diff_versions(wh: Warehouse, commune: str, set_a: str, set_b: str) -> pd.DataFrame:
    """What changed in ``commune`` from version ``set_a`` to ``set_b``: one row per station id of
    either, ``change`` = ajouté / supprimé / redessiné / inchangé, areas in m² and the area moved
    (symmetric difference of the two contours; its share of the old area)."""
    _check_set(wh, set_a, commune)
    _check_set(wh, set_b, commune)
    frame = wh.query(
        """SELECT coalesce(a.station_id, b.station_id) AS station_id, coalesce(b.bv_code, a.bv_code) AS bv_code,
                  a.geometry::BLOB AS wkb_a, b.geometry::BLOB AS wkb_b
           FROM (SELECT * FROM station WHERE set_id = ? AND commune_code = ?) a
           FULL JOIN (SELECT * FROM station WHERE set_id = ? AND commune_code = ?) b USING (station_id)""",
        [set_a, commune, set_b, commune],
    )
    geom_a = np.array([shapely.from_wkb(bytes(w)) if w is not None and not pd.isna(w) else None for w in frame["wkb_a"]], dtype=object)
    geom_b = np.array([shapely.from_wkb(bytes(w)) if w is not None and not pd.isna(w) else None for w in frame["wkb_b"]], dtype=object)
    present = [g for g in (*geom_a, *geom_b) if g is not None]
    lon0 = float(np.mean(shapely.bounds(np.array(present, dtype=object))[:, [0, 2]])) if present else 0.0
    a_m = to_metres(geom_a, lon0)
    b_m = to_metres(geom_b, lon0)
    area_a = shapely.area(a_m)
    area_b = shapely.area(b_m)
    both = ~pd.isna(area_a) & ~pd.isna(area_b)
    moved = np.full(len(frame), np.nan)
    if both.any():
        moved[both] = shapely.area(shapely.symmetric_difference(a_m[both], b_m[both]))
    change = np.where(pd.isna(area_a), ADDED, np.where(pd.isna(area_b), REMOVED,
                                                       np.where(moved > UNCHANGED_M2, REDRAWN, UNCHANGED)))
    out = pd.DataFrame({
        "station_id": frame["station_id"], "bv_code": frame["bv_code"], "change": change,
        "area_a_m2": area_a, "area_b_m2": area_b, "moved_m2": moved,
        "moved_share": moved / np.where(area_a > 0, area_a, np.nan),
    })
    order = {REDRAWN: 0, ADDED: 1, REMOVED: 2, UNCHANGED: 3}
    out["_o"] = out["change"].map(order)
    out["_n"] = pd.to_numeric(out["bv_code"], errors="coerce")
    return out.sort_values(["_o", "_n", "bv_code"], ignore_index=True)[DIFF_COLUMNS]


def diff_summary(diff: pd.DataFrame) -> dict[str, int]:
    """Stations per kind of change."""
    counts = diff["change"].value_counts()
    return {kind: int(counts.get(kind, 0)) for kind in (ADDED, REMOVED, REDRAWN, UNCHANGED)}
