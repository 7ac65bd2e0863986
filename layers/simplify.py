"""Display variants of polygon layers: simplified so that neighbours still tile.

Coverage-preserving simplification (GEOS CoverageSimplifier through
``shapely.coverage_simplify``) keeps shared edges shared: no gap nor overlap
appears between simplified stations. Tolerances are in metres; the work is
done in Web Mercator with the tolerance scaled by the latitude.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

# (level, tolerance in metres). The map picks the coarsest level whose tolerance
# stays under one screen pixel at the current zoom (about 53 km / 2^zoom at 47°N).
DISPLAY_LEVELS: tuple[tuple[int, float], ...] = ((0, 1.0), (1, 5.0), (2, 25.0), (3, 120.0), (4, 600.0))


@dataclass(frozen=True)
class DisplayVariants:
    """Simplified geometries per level (EPSG:4326, aligned with the input order)."""

    levels: dict[int, np.ndarray]
    coverage_valid: bool


def simplify_for_display(geometries: gpd.GeoSeries) -> DisplayVariants:
    """Simplified variants of ``geometries`` (EPSG:4326) for every display level."""
    if len(geometries) == 0:
        return DisplayVariants({level: np.array([], dtype=object) for level, _ in DISPLAY_LEVELS}, True)
    merc = geometries.to_crs(3857)
    lat = float(np.clip(np.mean(geometries.total_bounds[[1, 3]]), -85, 85))
    scale = 1.0 / np.cos(np.radians(lat))  # metres on the ground -> Mercator units
    geoms = np.asarray(merc.array, dtype=object)
    valid = _is_coverage(geoms)
    if not valid:
        # Official layers overlap by centimetres and their shared edges rarely
        # carry the same vertices: snap and resolve overlaps first (the stored
        # full-precision geometry is left as it was).
        cleaned = shapely.coverage_clean(geoms, snapping_distance=0.5 * scale)
        cleaned = np.where(shapely.is_empty(cleaned) | shapely.is_missing(cleaned), geoms, cleaned)
        if _is_coverage(cleaned):
            geoms, valid = cleaned, True
    levels: dict[int, np.ndarray] = {}
    for level, tolerance in DISPLAY_LEVELS:
        if valid:
            simplified = shapely.coverage_simplify(geoms, tolerance * scale)
        else:
            simplified = shapely.simplify(geoms, tolerance * scale, preserve_topology=True)
        simplified = np.where(shapely.is_empty(simplified), geoms, simplified)
        back = gpd.GeoSeries(simplified, crs=3857).to_crs(4326)
        levels[level] = np.asarray(shapely.make_valid(back.array), dtype=object)
    return DisplayVariants(levels, valid)


def _is_coverage(geoms: np.ndarray) -> bool:
    try:
        return bool(shapely.coverage_is_valid(geoms))
    except shapely.errors.GEOSException:
        return False


def level_for_zoom(zoom: float, latitude: float = 46.5, *, max_error_px: float = 1.0) -> int:
    """The coarsest display level whose tolerance stays below ``max_error_px`` screen pixels at ``zoom``.

    ``zoom`` counts as deck.gl and MapLibre do: the world is 512 pixels wide
    at zoom 0, so a pixel covers 78 272 m x cos(latitude) / 2**zoom.
    """
    metres_per_pixel = 78_271.517 * np.cos(np.radians(latitude)) / 2**zoom
    budget = max_error_px * metres_per_pixel
    chosen = DISPLAY_LEVELS[0][0]
    for level, tolerance in DISPLAY_LEVELS:
        if tolerance <= budget:
            chosen = level
    return chosen
