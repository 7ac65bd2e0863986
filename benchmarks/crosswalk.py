"""Crosswalk benchmark: two national boundary versions, the crosswalk between them computed and stored.

    python benchmarks/crosswalk.py                 # synthetic France: 35,000 communes, ~69,000 stations
    python benchmarks/crosswalk.py --quick         # smoke run (2,000 communes)
    [--communes N] [--redrawn 0.1] [--addresses-per-station 40] [--seed 1]

The territory is synthetic (the national demo's own two versions differ in 6 split stations only):
``--communes`` square communes on a grid over metropolitan France, each cut into 1 to 3
stations (Voronoi cells of random seeds, ~69,000 stations for 35,000 communes). The second
version keeps every commune but redraws ``--redrawn`` of them (new seeds, so new contours and
sometimes a different number of stations) and moves a border by a few metres in another 10 %
(the « moved by 1–5 % » case of Paris 2020 → 2024). REU addresses (``--addresses-per-station``
per old station, weighted 1–5) exist in half the redrawn communes, so both methods run.

Measured, in one process: ``compute_crosswalk`` alone (pure, geometries in memory) and
``build_crosswalks`` end to end on a warehouse file (stations read from DuckDB, computed,
``station_crosswalk`` written in one transaction), plus checks: weights summing to 1 per old
station, rows, methods, stations under the reliability threshold. Figures, not assertions: the
last line printed is a JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard.boundaries.crosswalk import (  # noqa: E402
    RELIABILITY_THRESHOLD, build_crosswalks, compute_crosswalk, station_reliability,
)
from dashboard.warehouse.database import Warehouse, _wkb  # noqa: E402

# metropolitan France's bounding box, roughly
WEST, SOUTH, EAST, NORTH = -4.5, 42.5, 7.5, 51.0


def _cells(rng: np.random.Generator, box: shapely.Polygon, count: int) -> list[shapely.Geometry]:
    if count == 1:
        return [box]
    x0, y0, x1, y1 = box.bounds
    seeds = np.column_stack([rng.uniform(x0, x1, count), rng.uniform(y0, y1, count)])
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box))
    return [c for c in (shapely.intersection(cell, box) for cell in cells) if not c.is_empty and c.area > 0]


def synthetic_versions(communes: int, redrawn: float, addresses_per_station: int, seed: int
                       ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(old stations, new stations, addresses) of a synthetic national territory."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(communes)))
    dx, dy = (EAST - WEST) / side, (NORTH - SOUTH) / side
    old_rows, new_rows, address_frames = [], [], []
    kind = rng.random(communes)
    for number in range(communes):
        code = f"{number:05d}"
        i, j = divmod(number, side)
        box = shapely.box(WEST + j * dx, SOUTH + i * dy, WEST + (j + 1) * dx, SOUTH + i * dy + dy)
        old = _cells(rng, box, int(rng.integers(1, 4)))
        if kind[number] < redrawn:  # redrawn from new seeds
            new = _cells(rng, box, int(rng.integers(1, 4)))
            if kind[number] < redrawn / 2:  # with REU addresses
                for k, cell in enumerate(old):
                    x0, y0, x1, y1 = cell.bounds
                    pts = np.column_stack([rng.uniform(x0, x1, 4 * addresses_per_station), rng.uniform(y0, y1, 4 * addresses_per_station)])
                    pts = pts[shapely.contains_xy(cell, pts[:, 0], pts[:, 1])][:addresses_per_station]
                    address_frames.append(pd.DataFrame({"commune_code": code, "lon": pts[:, 0], "lat": pts[:, 1],
                                                        "weight": rng.integers(1, 6, len(pts)).astype(float)}))
        elif kind[number] < redrawn + 0.1 and len(old) > 1:  # a border moved by a few metres
            shift = shapely.buffer(old[0], 3e-5)  # ~3 m
            new = [shapely.intersection(shift, box)] + [shapely.difference(c, shift) for c in old[1:]]
        else:
            new = old
        old_rows += [(f"{code}_{k + 1}", code, g) for k, g in enumerate(old)]
        new_rows += [(f"{code}_{k + 1}", code, g) for k, g in enumerate(new)]
    columns = ["station_id", "commune_code", "geometry"]
    addresses = pd.concat(address_frames, ignore_index=True) if address_frames else pd.DataFrame(columns=["commune_code", "lon", "lat", "weight"])
    return pd.DataFrame(old_rows, columns=columns), pd.DataFrame(new_rows, columns=columns), addresses


def _warehouse(path: Path, old: pd.DataFrame, new: pd.DataFrame, addresses: pd.DataFrame) -> None:
    """Both versions and the addresses written straight into a warehouse file (no display variants)."""
    with Warehouse(path) as wh, wh.transaction():
        for set_id, frame in (("v-old", old), ("v-new", new)):
            wh.con.execute("INSERT INTO station_set (set_id, label) VALUES (?, ?)", [set_id, set_id])
            table = pd.DataFrame({"station_id": frame["station_id"], "set_id": set_id, "commune_code": frame["commune_code"],
                                  "bv_code": frame["station_id"].str.split("_").str[1], "geometry": _wkb(frame["geometry"].to_numpy())})
            wh.con.register("bench_station", table)
            wh.con.execute("""INSERT INTO station (station_id, set_id, commune_code, bv_code, geometry)
                              SELECT station_id, set_id, commune_code, bv_code, geometry::GEOMETRY FROM bench_station""")
            wh.con.unregister("bench_station")
        table = addresses.assign(address_id=[f"a{i}" for i in range(len(addresses))], station_id="?")
        wh.con.register("bench_address", table)
        wh.con.execute("""INSERT INTO address (address_id, ban_id, commune_code, station_id, lon, lat, n_addresses)
                          SELECT address_id, address_id, commune_code, station_id, lon, lat, weight::INTEGER FROM bench_address""")
        wh.con.unregister("bench_address")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=35_000)
    parser.add_argument("--redrawn", type=float, default=0.1)
    parser.add_argument("--addresses-per-station", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="2,000 communes")
    args = parser.parse_args(argv)
    communes = 2_000 if args.quick else args.communes
    started = time.perf_counter()
    old, new, addresses = synthetic_versions(communes, args.redrawn, args.addresses_per_station, args.seed)
    generated = time.perf_counter() - started
    print(f"territoire synthétique : {communes} communes, {len(old)} bureaux → {len(new)} bureaux, "
          f"{len(addresses)} adresses ({generated:.1f} s)")

    started = time.perf_counter()
    crosswalk = compute_crosswalk(old, new, addresses)
    pure_s = time.perf_counter() - started
    sums = crosswalk.groupby("from_station_id")["weight"].sum()
    reliability = station_reliability(crosswalk)
    print(f"compute_crosswalk (en mémoire) : {pure_s:.1f} s, {len(crosswalk)} lignes")

    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "warehouse.duckdb"
        _warehouse(path, old, new, addresses)
        with Warehouse(path) as wh:
            started = time.perf_counter()
            with wh.transaction():
                summary = build_crosswalks(wh, "v-old", "v-new")
            stored_s = time.perf_counter() - started
            stored_rows = int(wh.query("SELECT count(*) AS n FROM station_crosswalk")["n"].iat[0])
    print(f"build_crosswalks (lecture DuckDB, calcul, écriture) : {stored_s:.1f} s, {stored_rows} lignes stockées")
    figures = {
        "communes": communes, "old_stations": len(old), "new_stations": len(new), "addresses": len(addresses),
        "compute_s": round(pure_s, 2), "build_and_store_s": round(stored_s, 2), "rows": int(len(crosswalk)),
        "stored_rows": stored_rows, "weights_sum_max_error": float(np.abs(sums - 1.0).max()),
        "old_stations_covered": int(len(sums)), "identical": summary.identical, "by_addresses": summary.by_addresses, "by_area": summary.by_area,
        "below_threshold": int((reliability < RELIABILITY_THRESHOLD).sum()),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
