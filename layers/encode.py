"""Compact encoding of polygons for the browser: integer grid coordinates.

Every vertex is projected to Web Mercator "common space" (the units deck.gl
works in: the world is 512 units wide, one unit is one screen pixel at zoom
0), snapped to a square grid whose step is a fraction of a screen pixel at the
zoom the map is drawn at, and sent as a small integer offset from the grid
origin. The layer turns those integers back into common space on the GPU (see
``layers.choropleth``: ``cartesian`` coordinates with ``coordinateOrigin`` at
the grid origin and a scaling ``modelMatrix``), so the JSON carries 3-6 digit
integers instead of 15-digit decimals, and the mapping is exact at any zoom.

(Degree offsets — ``lnglat-offsets`` — were tried first: deck.gl turns them
into Mercator with a second-order expansion around the origin, fine for a
city but off by 12 px at the national zoom and over 1000 px once zoomed in on
Lille for a layer of the whole of France.)

Polygons follow deck.gl's flat format (``positionFormat: "XY"``): a polygon
without holes is ``[x0, y0, x1, y1, ...]``; with holes it is
``{"positions": [...], "holeIndices": [i, ...]}`` where each hole index is the
position in the flat array (not the vertex number) where a hole ring starts.
Rings are left open: deck.gl closes them itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

WORLD = 512.0  # common units across the world (deck.gl, MapLibre: 512 px at zoom 0)
MAX_LATITUDE = 85.051129


def to_common(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator common space of degrees (x eastwards, y northwards, 0..512)."""
    lon = np.asarray(lon, dtype=np.float64)
    phi = np.radians(np.clip(np.asarray(lat, dtype=np.float64), -MAX_LATITUDE, MAX_LATITUDE))
    x = WORLD * (lon + 180.0) / 360.0
    y = WORLD * (math.pi + np.log(np.tan(math.pi / 4 + phi / 2))) / (2 * math.pi)
    return x, y


def from_common(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Degrees of Web Mercator common space."""
    lon = np.asarray(x, dtype=np.float64) * 360.0 / WORLD - 180.0
    t = np.asarray(y, dtype=np.float64) * 2 * math.pi / WORLD - math.pi
    lat = np.degrees(2 * np.arctan(np.exp(t)) - math.pi / 2)
    return lon, lat


@dataclass(frozen=True)
class Quantizer:
    """Square grid in Web Mercator common space.

    ``origin`` is the grid origin in degrees (lon, lat); ``step`` is the grid
    step in common units (``pixel_fraction / 2**zoom``): integer ``(x, y)`` is
    the common-space point ``origin_common + (x, y) * step``.
    """

    origin: tuple[float, float]
    step: float

    @property
    def origin_common(self) -> tuple[float, float]:
        """The grid origin in common units."""
        x, y = to_common(np.array([self.origin[0]]), np.array([self.origin[1]]))
        return float(x[0]), float(y[0])

    def encode(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Integer grid coordinates of degrees."""
        x, y = to_common(lon, lat)
        ox, oy = self.origin_common
        return np.rint((x - ox) / self.step).astype(np.int64), np.rint((y - oy) / self.step).astype(np.int64)

    def decode(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Degrees of integer grid coordinates."""
        ox, oy = self.origin_common
        cx = ox + np.asarray(x, dtype=np.float64) * self.step
        cy = oy + np.asarray(y, dtype=np.float64) * self.step
        return from_common(cx, cy)


def quantizer_for(
    bounds: tuple[float, float, float, float], zoom: float, *, pixel_fraction: float = 0.5
) -> Quantizer:
    """A grid over ``bounds`` (lon/lat) whose step is ``pixel_fraction`` of a screen pixel at deck.gl ``zoom``.

    The grid is square on screen at every latitude (it lives in Mercator). Pass
    the zoom the user may reach without a new render (e.g. the fitted zoom plus
    one or two), not only the initial one: the error stays under
    ``pixel_fraction / 2`` pixel at ``zoom`` and doubles with every zoom level beyond.
    """
    if pixel_fraction <= 0:
        raise ValueError("La fraction de pixel doit être positive.")
    minx, miny = float(bounds[0]), float(bounds[1])
    return Quantizer((minx, miny), pixel_fraction / 2.0**zoom)


def encode_polygons(geometries: Sequence[object], quantizer: Quantizer) -> tuple[list[object], np.ndarray]:
    """Flat integer polygons of every polygon part of ``geometries``, and the row each part comes from.

    Parts that collapse once snapped (fewer than three distinct points, or no
    area left) are dropped, and so are such holes; a geometry all of whose parts
    collapse (a station smaller than the grid at a country-wide zoom) becomes one
    grid cell at a point on its surface, so that it stays visible and clickable.
    Missing, empty and non-polygonal geometries give nothing.
    """
    geoms = np.asarray(geometries, dtype=object) if len(geometries) else np.empty(0, dtype=object)
    if geoms.size == 0:
        return [], np.empty(0, dtype=np.int64)
    geoms = np.where(shapely.is_missing(geoms), shapely.Polygon(), geoms)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
    geoms = np.where(polygonal, geoms, shapely.Polygon())
    parts, part_row = shapely.get_parts(geoms, return_index=True)
    keep_part = ~shapely.is_empty(parts)
    parts, part_row = parts[keep_part], part_row[keep_part]
    if parts.size == 0:
        return [], np.empty(0, dtype=np.int64)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    x, y = quantizer.encode(coords[:, 0], coords[:, 1])

    # Drop consecutive duplicates within a ring, then the closing vertex.
    same_ring_prev = np.r_[False, coord_ring[1:] == coord_ring[:-1]]
    dup = same_ring_prev & np.r_[False, (x[1:] == x[:-1]) & (y[1:] == y[:-1])]
    keep = ~dup
    x, y, coord_ring = x[keep], y[keep], coord_ring[keep]
    n_rings = rings.size
    counts = np.bincount(coord_ring, minlength=n_rings)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    last = starts + counts - 1
    has = counts > 1
    closing = np.zeros(x.size, dtype=bool)
    closing[last[has]] = (x[last[has]] == x[starts[has]]) & (y[last[has]] == y[starts[has]])
    x, y, coord_ring = x[~closing], y[~closing], coord_ring[~closing]
    counts = np.bincount(coord_ring, minlength=n_rings)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])

    # A ring that no longer encloses any area (fewer than three distinct
    # points, or all on a line) is dropped; a part whose exterior is, too.
    nxt = np.arange(1, x.size + 1)
    ends = starts + counts - 1
    nxt[ends[counts > 0]] = starts[counts > 0]
    cross = (x * y[nxt % max(x.size, 1)] - x[nxt % max(x.size, 1)] * y).astype(np.float64)
    area2 = np.bincount(coord_ring, weights=cross, minlength=n_rings)
    ring_ok = (counts >= 3) & (area2 != 0)
    first_ring = np.r_[True, ring_part[1:] != ring_part[:-1]]
    part_ok = np.zeros(parts.size, dtype=bool)
    part_ok[ring_part[first_ring]] = ring_ok[first_ring]

    flat = np.empty(2 * x.size, dtype=np.int64)
    flat[0::2], flat[1::2] = x, y
    values = flat.tolist()
    rings_per_part = np.bincount(ring_part, minlength=parts.size)
    first_of_part = (np.cumsum(rings_per_part) - rings_per_part).tolist()
    n_of_part = rings_per_part.tolist()
    begin, stop = (2 * starts).tolist(), (2 * (starts + counts)).tolist()
    ok = ring_ok.tolist()
    source = part_row.tolist()
    polygons: list[object] = []
    rows: list[int] = []
    for p in np.flatnonzero(part_ok).tolist():
        r0 = first_of_part[p]
        if n_of_part[p] == 1:
            polygons.append(values[begin[r0] : stop[r0]])
        else:
            positions = values[begin[r0] : stop[r0]]
            holes: list[int] = []
            for r in range(r0 + 1, r0 + n_of_part[p]):
                if ok[r]:
                    holes.append(len(positions))
                    positions.extend(values[begin[r] : stop[r]])
            polygons.append({"positions": positions, "holeIndices": holes} if holes else positions)
        rows.append(source[p])
    kept = np.zeros(len(geoms), dtype=bool)
    kept[np.asarray(rows, dtype=np.int64)] = True
    lost = np.flatnonzero(~kept & ~shapely.is_empty(geoms))
    if lost.size:
        points = shapely.point_on_surface(geoms[lost])
        px, py = quantizer.encode(shapely.get_x(points), shapely.get_y(points))
        for row, cx, cy in zip(lost.tolist(), np.asarray(px).tolist(), np.asarray(py).tolist(), strict=True):
            polygons.append([cx, cy, cx + 1, cy, cx + 1, cy + 1, cx, cy + 1])
            rows.append(row)
    return polygons, np.asarray(rows, dtype=np.int64)
