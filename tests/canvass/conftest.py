"""Synthetic towns for the canvassing tests (real files are read by the tests that need them)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.canvass.geo import LocalProjection

ORIGIN = (2.35, 48.85)


def make_town(
    n_streets: int = 6, houses_per_side: int = 10, *, spacing_m: float = 15.0, street_gap_m: float = 60.0,
    origin: tuple[float, float] = ORIGIN, commune: str = "99001", station: str = "99001_1", doors: int = 1,
) -> pd.DataFrame:
    """Horizontal streets ``Rue n°j`` stacked ``street_gap_m`` apart; on each, odd numbers on the north side
    and even on the south, increasing eastwards, one house (``doors`` doors) every ``spacing_m``."""
    rows = []
    projection = LocalProjection(*origin)
    for j in range(n_streets):
        for side in (0, 1):
            for i in range(houses_per_side):
                number = 2 * i + 1 + side
                x = i * spacing_m + (5.0 if side else 0.0)
                y = j * street_gap_m + (8.0 if side == 0 else -8.0)
                lon, lat = projection.inverse(np.array([x]), np.array([y]))
                ban = f"{commune}_{j:04d}_{number:05d}"
                rows.append({
                    "address_id": f"{ban}@{station}", "ban_id": ban, "commune_code": commune, "station_id": station,
                    "label": f"{number} Rue n°{j} 99000 Ville", "housenumber": str(number), "street": f"Rue n°{j}",
                    "postcode": "99000", "city": "Ville", "lon": float(lon[0]), "lat": float(lat[0]),
                    "n_addresses": 1, "doors": doors,
                })
    return pd.DataFrame(rows)
