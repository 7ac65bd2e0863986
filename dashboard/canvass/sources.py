"""Warehouse reads for canvassing zones (bound parameters only, through :meth:`Warehouse.query`).

Addresses are the REU address points of the ``address`` table (grain: BAN point ×
station, ``address_id = <BAN id>@<station_id>``); no personal data is read: the
warehouse holds none. Stations come from the ``station`` table (full-precision
contours, WKB EPSG:4326) in one boundary version per commune, chosen as
:func:`stations_in_bbox` says.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dashboard.warehouse.database import Warehouse

ADDRESS_COLUMNS = [
    "address_id", "ban_id", "commune_code", "station_id", "label", "housenumber", "street",
    "postcode", "city", "lon", "lat", "n_addresses",
]
STATION_COLUMNS = ["station_id", "set_id", "commune_code", "bv_code", "name", "area_m2"]
_ADDRESS_SELECT = (
    "SELECT address_id, ban_id, commune_code, station_id, label, housenumber, street, postcode, city, "
    "lon, lat, coalesce(n_addresses, 1)::INTEGER AS n_addresses FROM address"
)
# One boundary version per commune: the one the election is drawn on (election_station_set) when an
# election is given (the bound parameter may be NULL), else the latest valid_from. Bound parameter 1:
# election id or NULL.
_CHOSEN_SETS = """
    WITH latest AS (
        SELECT s.commune_code, arg_max(s.set_id, coalesce(ss.valid_from, DATE '1900-01-01')) AS set_id
        FROM station s JOIN station_set ss USING (set_id) GROUP BY s.commune_code),
    chosen AS (
        SELECT l.commune_code, coalesce(e.set_id, l.set_id) AS set_id
        FROM latest l LEFT JOIN election_station_set e
          ON e.commune_code = l.commune_code AND e.election_id = ?)
"""
_STATION_SELECT = (
    "SELECT s.station_id, s.set_id, s.commune_code, s.bv_code, s.name, s.area_m2, s.geometry::BLOB AS wkb FROM station s"
)

BBox = tuple[float, float, float, float]  # (min lon, min lat, max lon, max lat), degrees EPSG:4326


def _frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    if len(frame):
        frame["lon"] = frame["lon"].astype(float)
        frame["lat"] = frame["lat"].astype(float)
    return frame


def empty_addresses() -> pd.DataFrame:
    """A frame with the :data:`ADDRESS_COLUMNS` and no row."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in ADDRESS_COLUMNS})
    return frame.astype({"lon": float, "lat": float, "n_addresses": np.int64})


def addresses_in_bbox(wh: Warehouse, bbox: BBox) -> pd.DataFrame:
    """Address points whose lon/lat lie in ``bbox`` (bounds included); columns :data:`ADDRESS_COLUMNS`,
    ``n_addresses`` defaulting to 1, ordered by ``address_id``."""
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    return _frame(wh.query(
        f"{_ADDRESS_SELECT} WHERE lon BETWEEN ? AND ? AND lat BETWEEN ? AND ? ORDER BY address_id",
        [minx, maxx, miny, maxy],
    ))


def addresses_of_stations(wh: Warehouse, station_ids: Sequence[str]) -> pd.DataFrame:
    """Address points assigned (REU) to the given stations, whatever their position; ordered by ``address_id``."""
    ids = sorted({str(s) for s in station_ids})
    if not ids:
        return empty_addresses()
    return _frame(wh.query(
        f"{_ADDRESS_SELECT} WHERE station_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY address_id", [ids]
    ))


def address_totals(wh: Warehouse, station_ids: Sequence[str]) -> pd.DataFrame:
    """Per station: ``address_points`` (rows of ``address``) and ``address_lines`` (Σ ``n_addresses``, REU
    address lines), over the whole table (the denominators of the share of a station inside a zone).
    Stations without any address are absent."""
    ids = sorted({str(s) for s in station_ids})
    if not ids:
        return pd.DataFrame({"station_id": pd.Series(dtype=object), "address_points": pd.Series(dtype=np.int64),
                             "address_lines": pd.Series(dtype=np.int64)})
    frame = wh.query(
        """SELECT station_id, count(*)::BIGINT AS address_points, sum(coalesce(n_addresses, 1))::BIGINT AS address_lines
           FROM address WHERE station_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY station_id ORDER BY station_id""",
        [ids],
    )
    return frame.reset_index(drop=True)


def _stations(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    geometry = shapely.from_wkb(np.asarray([bytes(b) for b in frame["wkb"]], dtype=object)) if len(frame) else np.array([], dtype=object)
    out = gpd.GeoDataFrame(frame.drop(columns=["wkb"]).reset_index(drop=True), geometry=geometry, crs=4326)
    return out


def stations_in_bbox(
    wh: Warehouse, bbox: BBox, *, election_id: str | None = None, set_id: str | None = None
) -> gpd.GeoDataFrame:
    """Stations whose contour's extent meets ``bbox``, one boundary version per commune.

    The version: ``set_id`` when given (every commune); else the version ``election_id`` is
    drawn on in each commune (``election_station_set``), falling back to the commune's latest
    version (greatest ``valid_from``) where the election has no results or no election is given.
    Columns :data:`STATION_COLUMNS` + ``geometry`` (EPSG:4326), ordered by station id.
    """
    box = shapely.to_wkb(shapely.box(*(float(v) for v in bbox)))
    if set_id is not None:
        frame = wh.query(
            f"{_STATION_SELECT} WHERE s.set_id = ? AND ST_Intersects_Extent(s.geometry, ?::GEOMETRY) ORDER BY s.station_id",
            [set_id, box],
        )
    else:
        frame = wh.query(
            f"""{_CHOSEN_SETS} {_STATION_SELECT} JOIN chosen c ON c.commune_code = s.commune_code AND c.set_id = s.set_id
                WHERE ST_Intersects_Extent(s.geometry, ?::GEOMETRY) ORDER BY s.station_id""",
            [election_id, box],
        )
    return _stations(frame)


def stations_by_id(
    wh: Warehouse, station_ids: Sequence[str], *, election_id: str | None = None, set_id: str | None = None
) -> gpd.GeoDataFrame:
    """The given stations, in the boundary version chosen as in :func:`stations_in_bbox`; unknown ids are absent."""
    ids = sorted({str(s) for s in station_ids})
    if set_id is not None:
        frame = wh.query(
            f"{_STATION_SELECT} WHERE s.set_id = ? AND s.station_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY s.station_id",
            [set_id, ids],
        )
    else:
        frame = wh.query(
            f"""{_CHOSEN_SETS} {_STATION_SELECT} JOIN chosen c ON c.commune_code = s.commune_code AND c.set_id = s.set_id
                WHERE s.station_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY s.station_id""",
            [election_id, ids],
        )
    return _stations(frame)


def stations_of_commune(
    wh: Warehouse, commune_code: str, *, election_id: str | None = None, set_id: str | None = None
) -> gpd.GeoDataFrame:
    """Every station of one commune, in the boundary version chosen as in :func:`stations_in_bbox`."""
    if set_id is not None:
        frame = wh.query(
            f"{_STATION_SELECT} WHERE s.set_id = ? AND s.commune_code = ? ORDER BY s.station_id", [set_id, commune_code]
        )
    else:
        frame = wh.query(
            f"""{_CHOSEN_SETS} {_STATION_SELECT} JOIN chosen c ON c.commune_code = s.commune_code AND c.set_id = s.set_id
                WHERE s.commune_code = ? ORDER BY s.station_id""",
            [election_id, commune_code],
        )
    return _stations(frame)


def commune_geometry(wh: Warehouse, commune_code: str) -> shapely.Geometry | None:
    """The commune's contour (imported, or the union of its latest stations); None when unknown or absent."""
    frame = wh.query("SELECT geometry::BLOB AS wkb FROM commune WHERE commune_code = ? AND geometry IS NOT NULL", [commune_code])
    return shapely.from_wkb(bytes(frame["wkb"].iloc[0])) if len(frame) else None


def iris_geometry(wh: Warehouse, code_iris: str) -> shapely.Geometry | None:
    """The IRIS contour; None when unknown."""
    frame = wh.query("SELECT geometry::BLOB AS wkb FROM iris WHERE code_iris = ?", [code_iris])
    return shapely.from_wkb(bytes(frame["wkb"].iloc[0])) if len(frame) else None


def registered_by_station(wh: Warehouse, election_id: str, station_ids: Sequence[str]) -> pd.Series:
    """Registered electors (``turnout.registered``) of ``election_id`` per station id; stations without results are absent."""
    ids = sorted({str(s) for s in station_ids})
    frame = wh.query(
        "SELECT station_id, registered FROM turnout WHERE election_id = ? AND station_id IN (SELECT unnest(?::VARCHAR[]))",
        [election_id, ids],
    )
    return pd.Series(frame["registered"].to_numpy(dtype=float), index=frame["station_id"].astype(str).to_numpy(), name="registered")
