"""Vectorised geometry helpers: projections, outlines, Voronoi atoms, coverage dissolve.

All generation happens in Lambert-93 (EPSG:2154, metres); files are reprojected
when written. The territory is a tessellation of small Voronoi cells ("atoms");
every higher level (commune, bureau de vote, IRIS) is a union of atoms, so the
levels tile without gaps or overlaps and nest exactly where they should.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Transformer

L93 = "EPSG:2154"
WGS84 = "EPSG:4326"

_TO_L93 = Transformer.from_crs(WGS84, L93, always_xy=True)
_TO_WGS84 = Transformer.from_crs(L93, WGS84, always_xy=True)


def lonlat_to_l93(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = _TO_L93.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def l93_to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _TO_WGS84.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def polygon_lonlat_to_l93(coords: tuple[tuple[float, float], ...], densify_m: float = 5000.0) -> shapely.Polygon:
    """A lon/lat ring as a Lambert-93 polygon, densified so edges follow the projection."""
    arr = np.asarray(coords, dtype=float)
    x, y = lonlat_to_l93(arr[:, 0], arr[:, 1])
    poly = shapely.Polygon(np.column_stack([x, y]))
    return shapely.segmentize(poly, densify_m)


def blob_outline(cx: float, cy: float, rx: float, ry: float, rng: np.random.Generator,
                 n_vertices: int = 180, roughness: float = 0.08) -> shapely.Polygon:
    """An irregular closed outline (ellipse with a few random harmonics)."""
    t = np.linspace(0.0, 2.0 * np.pi, n_vertices, endpoint=False)
    r = np.ones_like(t)
    for k in range(2, 7):
        r += roughness / (k - 1) ** 0.8 * rng.normal() * np.cos(k * t + rng.uniform(0, 2 * np.pi))
    return shapely.Polygon(np.column_stack([cx + rx * r * np.cos(t), cy + ry * r * np.sin(t)]))


def points_in(poly: shapely.Geometry, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Boolean mask of the points inside ``poly`` (prepared, vectorised)."""
    shapely.prepare(poly)
    return shapely.contains_xy(poly, x, y)


def voronoi_atoms(inside: np.ndarray, outside: np.ndarray) -> np.ndarray:
    """Voronoi cells of the ``inside`` points, bounded by the ``outside`` padding points.

    Cells come back in the order of ``inside``. Neighbouring cells share their
    vertices exactly, which makes every union of cells a valid coverage.
    """
    pts = np.vstack([inside, outside])
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), ordered=True))
    if len(cells) != len(pts):  # pragma: no cover - GEOS contract
        raise RuntimeError("voronoi_polygons did not return one cell per point")
    return cells[: len(inside)]


def dedupe_points(xy: np.ndarray, grid: float = 0.01) -> np.ndarray:
    """Round to ``grid`` metres and drop duplicates, keeping the first occurrence order."""
    r = np.round(xy / grid) * grid
    _, first = np.unique(r, axis=0, return_index=True)
    return r[np.sort(first)]


def dissolve(cells: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    """Union of the cells of each label (0..n-1), as a coverage union.

    Groups are bucketed by size (powers of two) and each bucket is one
    ``coverage_union_all(..., axis=1)`` call on a ``None``-padded 2-D array, so
    there is no Python loop over groups.
    """
    labels = np.asarray(labels, dtype=np.int64)
    counts = np.bincount(labels, minlength=n)
    if (counts == 0).any():
        raise ValueError("every label must own at least one cell")
    order = np.argsort(labels, kind="stable")
    starts = np.cumsum(counts) - counts
    pos = np.arange(len(labels)) - starts[labels[order]]
    out = np.empty(n, dtype=object)
    single = counts == 1
    out[single] = cells[order[starts[single]]]
    lo = 1
    while lo < counts.max():
        hi = lo * 2
        sel = np.flatnonzero((counts > lo) & (counts <= hi))
        if len(sel):
            row = np.full(n, -1, dtype=np.int64)
            row[sel] = np.arange(len(sel))
            item_rows = row[labels[order]]
            keep = item_rows >= 0
            arr = np.full((len(sel), hi), None, dtype=object)
            arr[item_rows[keep], pos[keep]] = cells[order[keep]]
            out[sel] = shapely.coverage_union_all(arr, axis=1)
        lo = hi
    return out


def nearest(seeds_xy: np.ndarray, query_xy: np.ndarray) -> np.ndarray:
    """Index of the nearest seed for each query point (STRtree, vectorised)."""
    tree = shapely.STRtree(shapely.points(seeds_xy))
    res = tree.query_nearest(shapely.points(query_xy), all_matches=False)
    out = np.full(len(query_xy), -1, dtype=np.int64)
    out[res[0]] = res[1]
    return out


def gaussian_field(x: np.ndarray, y: np.ndarray, cx: np.ndarray, cy: np.ndarray,
                   sigma: np.ndarray, amp: np.ndarray, cutoff: float = 3.5) -> np.ndarray:
    """Sum of Gaussian bumps evaluated at the points (x, y).

    Only (point, bump) pairs closer than ``cutoff * sigma`` are evaluated, found
    with an STRtree ``dwithin`` query, so thousands of small bumps stay cheap.
    """
    out = np.zeros(len(x))
    if len(cx) == 0 or len(x) == 0:
        return out
    if len(cx) <= 200:
        # Few (typically wide) bumps: a dense evaluation, one vectorised pass per bump.
        for i in range(len(cx)):
            out += amp[i] * np.exp(-0.5 * ((x - cx[i]) ** 2 + (y - cy[i]) ** 2) / sigma[i] ** 2)
        return out
    tree = shapely.STRtree(shapely.points(np.column_stack([x, y])))
    bump_idx, pt_idx = tree.query(shapely.points(np.column_stack([cx, cy])),
                                  predicate="dwithin", distance=cutoff * np.asarray(sigma))
    d2 = (x[pt_idx] - cx[bump_idx]) ** 2 + (y[pt_idx] - cy[bump_idx]) ** 2
    val = amp[bump_idx] * np.exp(-0.5 * d2 / sigma[bump_idx] ** 2)
    return np.bincount(pt_idx, weights=val, minlength=len(x))


def smooth_field(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, n_bumps: int,
                 sigma_range: tuple[float, float], bounds: tuple[float, float, float, float]) -> np.ndarray:
    """A smooth random field of zero mean and unit variance over the points."""
    xmin, ymin, xmax, ymax = bounds
    cx = rng.uniform(xmin, xmax, n_bumps)
    cy = rng.uniform(ymin, ymax, n_bumps)
    sigma = rng.uniform(*sigma_range, n_bumps)
    amp = rng.normal(0.0, 1.0, n_bumps)
    f = gaussian_field(x, y, cx, cy, sigma, amp)
    sd = f.std()
    return (f - f.mean()) / (sd if sd > 0 else 1.0)
