"""Display geometry read from the warehouse, aligned with the rows a measure returned."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from layers.simplify import DISPLAY_LEVELS
from dashboard.warehouse.database import Warehouse

COARSEST_LEVEL = DISPLAY_LEVELS[-1][0]


def station_shapes(wh: Warehouse, stations: pd.DataFrame, level: int | None) -> np.ndarray:
    """Shapely geometries of ``stations`` (columns station_id, set_id) at display ``level``, in row order.

    ``level=None`` reads the full-precision contours; rows without a display variant get them too.
    """
    if stations.empty:
        return np.array([], dtype=object)
    frame = wh.query(
        """WITH k AS (SELECT unnest(?::VARCHAR[]) AS station_id, unnest(?::VARCHAR[]) AS set_id,
                             unnest(range(len(?::VARCHAR[]))) AS row)
           SELECT k.row, coalesce(d.geometry, s.geometry)::BLOB AS wkb
           FROM k JOIN station s USING (station_id, set_id)
           LEFT JOIN station_display d ON d.station_id = k.station_id AND d.set_id = k.set_id AND d.level = ?
           ORDER BY k.row""",
        [list(stations["station_id"]), list(stations["set_id"]), list(stations["station_id"]), level],
    )
    out = np.full(len(stations), None, dtype=object)
    out[frame["row"].to_numpy()] = shapely.from_wkb([bytes(b) for b in frame["wkb"]])
    return out


def iris_shapes(wh: Warehouse, codes: list[str], level: int) -> np.ndarray:
    """Shapely geometries of the IRIS ``codes`` at display ``level``, in order."""
    if not codes:
        return np.array([], dtype=object)
    frame = wh.query(
        """WITH k AS (SELECT unnest(?::VARCHAR[]) AS code_iris, unnest(range(len(?::VARCHAR[]))) AS row)
           SELECT k.row, coalesce(d.geometry, i.geometry)::BLOB AS wkb
           FROM k JOIN iris i USING (code_iris)
           LEFT JOIN iris_display d ON d.code_iris = k.code_iris AND d.level = ?
           ORDER BY k.row""",
        [codes, codes, level],
    )
    out = np.full(len(codes), None, dtype=object)
    out[frame["row"].to_numpy()] = shapely.from_wkb([bytes(b) for b in frame["wkb"]])
    return out


def total_bounds(geometries: np.ndarray) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of the non-missing geometries."""
    present = [g for g in geometries if g is not None and not g.is_empty]
    if not present:
        return None
    b = shapely.total_bounds(np.asarray(present, dtype=object))
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
