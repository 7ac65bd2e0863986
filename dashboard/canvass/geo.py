"""A local metric projection for zone-sized work (turfs, walking routes, printed maps).

Canvassing zones span at most a few kilometres: an equirectangular projection
centred on the zone (x = R·Δλ·cos φ₀, y = R·Δφ) is accurate to well under a metre
there, costs two multiplications and needs no CRS machinery. Input and output
coordinates are lon/lat degrees (EPSG:4326); projected ones are metres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
_DEG = math.pi / 180.0


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular projection in metres around (``lon0``, ``lat0``), in degrees."""

    lon0: float
    lat0: float

    @classmethod
    def around(cls, lon: np.ndarray, lat: np.ndarray) -> LocalProjection:
        """Centred on the middle of the bounding box of the points (``(0, 0)`` when there are none)."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        ok = np.isfinite(lon) & np.isfinite(lat)
        if not ok.any():
            return cls(0.0, 0.0)
        return cls(float((lon[ok].min() + lon[ok].max()) / 2), float((lat[ok].min() + lat[ok].max()) / 2))

    @property
    def _kx(self) -> float:
        return EARTH_RADIUS_M * _DEG * math.cos(self.lat0 * _DEG)

    @property
    def _ky(self) -> float:
        return EARTH_RADIUS_M * _DEG

    def forward(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Degrees → metres (x east, y north)."""
        return (np.asarray(lon, dtype=float) - self.lon0) * self._kx, (np.asarray(lat, dtype=float) - self.lat0) * self._ky

    def inverse(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Metres → degrees."""
        return np.asarray(x, dtype=float) / self._kx + self.lon0, np.asarray(y, dtype=float) / self._ky + self.lat0

    def to_metres(self, geometry: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geometry, lambda xy: np.column_stack(self.forward(xy[:, 0], xy[:, 1])))

    def to_degrees(self, geometry: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geometry, lambda xy: np.column_stack(self.inverse(xy[:, 0], xy[:, 1])))
