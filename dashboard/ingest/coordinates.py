"""Do the coordinates of a layer make sense? France's bounding boxes and the likely CRS when they do not.

After reprojection to EPSG:4326 every feature of a French electoral layer must lie in
metropolitan France (Corsica included) or an overseas territory. When it does not, the
evident causes are tried on the raw numbers: degrees declared as projected, projected
declared as degrees, swapped axes, Lambert-93 (EPSG:2154) declared as a conic conformal
zone (EPSG:3942–3950) or the reverse, the old Lambert II étendu (EPSG:27572) and Web
Mercator. The first candidate that puts every feature in France is named in the refusal,
with the ``--crs`` to use.
"""

from __future__ import annotations

import numpy as np
import pyproj

# (name, min lon, min lat, max lon, max lat), with a small margin.
FRANCE_BOXES: tuple[tuple[str, float, float, float, float], ...] = (
    ("métropole et Corse", -5.8, 41.2, 10.0, 51.3),
    ("Guadeloupe", -61.95, 15.8, -60.95, 16.55),
    ("Martinique", -61.3, 14.35, -60.75, 14.9),
    ("Guyane", -54.7, 2.0, -51.5, 5.9),
    ("La Réunion", 55.15, -21.45, 55.9, -20.85),
    ("Mayotte", 44.9, -13.1, 45.35, -12.6),
    ("Saint-Pierre-et-Miquelon", -56.5, 46.7, -56.1, 47.2),
    ("Saint-Martin et Saint-Barthélemy", -63.2, 17.8, -62.75, 18.2),
    ("Wallis-et-Futuna", -178.3, -14.45, -176.05, -13.15),
    ("Polynésie française", -154.8, -27.8, -134.8, -7.8),
    ("Nouvelle-Calédonie", 163.5, -22.9, 168.3, -19.5),
)

# CRS tried on the raw numbers, in this order, when the declared one lands outside France.
_DEGREES = "EPSG:4326"
_PROJECTED = ("EPSG:2154", "EPSG:27572", "EPSG:3857")
_CONIC_ZONES = tuple(f"EPSG:{code}" for code in range(3942, 3951))


def in_france(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Per point: inside one of :data:`FRANCE_BOXES`."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    inside = np.zeros(lon.shape, dtype=bool)
    for _, x0, y0, x1, y1 in FRANCE_BOXES:
        inside |= (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    return inside


def _to_degrees(crs: str, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    transformer = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    with np.errstate(all="ignore"):
        lon, lat = transformer.transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _conic_zone(y: np.ndarray) -> str | None:
    """The CC zone whose false northing fits ``y`` (zone n: 1 200 000 + (n − 42) × 1 000 000 at n°N)."""
    median = float(np.nanmedian(y))
    zone = 42 + int(round((median - 1_200_000) / 1_000_000))
    return f"EPSG:{3900 + zone}" if 42 <= zone <= 50 else None


def likely_crs(x: np.ndarray, y: np.ndarray, declared: str | None) -> tuple[str, bool] | None:
    """A CRS that puts every point (raw numbers ``x``, ``y``) inside France, and whether axes are swapped.

    ``None`` when no evident cause fits. Degrees are tried first (numbers within ±180/±90),
    then swapped degrees, then the projected systems (the conic zone that fits the
    northings before Lambert-93 when both could).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    finite = np.isfinite(x) & np.isfinite(y)
    x, y = x[finite], y[finite]
    if x.size == 0:
        return None
    if np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90):
        if in_france(x, y).all():
            return _DEGREES, False
        if in_france(y, x).all():
            return _DEGREES, True
        return None
    candidates = [zone for zone in (_conic_zone(y),) if zone]
    candidates += [c for c in _PROJECTED if c not in candidates]
    candidates += [c for c in _CONIC_ZONES if c not in candidates]
    for crs in candidates:
        if crs == declared:
            continue
        lon, lat = _to_degrees(crs, x, y)
        if np.isfinite(lon).all() and in_france(lon, lat).all():
            return crs, False
    for crs in ("EPSG:2154", *candidates):
        lon, lat = _to_degrees(crs, y, x)
        if np.isfinite(lon).all() and in_france(lon, lat).all():
            return crs, True
    return None
