"""Canvassing zones benchmark: lasso selection, turf cutting and walk-list ordering, each against a naive baseline.

    python benchmarks/zones.py --data-dir DIR         # a warehouse in DIR (the national demo is built there if absent)
    python benchmarks/zones.py --synthetic            # the same sizes synthesised in memory (69,000 stations, 1 M addresses)
    python benchmarks/zones.py --quick [--data-dir DIR]   # smoke run (small sizes, one repeat)
    [--repeat N] [--zone-doors 2000] [--turf-doors 40] [--walk-doors 60]

Three measures, each next to a naive baseline measured in the same process:

* **Lasso selection** — an irregular 24-point lasso about 1.5 km across, over the
  densest part of the territory. Ours: ``dashboard.canvass.selection.select``
  end to end (bounding-box reads of addresses and station contours in DuckDB,
  numpy bbox prefilter + ``shapely.contains_xy`` on the prepared polygon, station
  shares). Also the point-in-polygon step alone over *every* address held in
  memory (``points_in_polygon``), against ``geopandas.sjoin(predicate="within")``
  over the same points (GeoDataFrame already built; its construction is timed
  apart) and per-point ``Polygon.contains(Point)`` (timed on a sample, extrapolated
  linearly). Naive end to end: read every address and every station contour,
  ``sjoin``, shares by ``groupby``.
* **Turf cutting** — the address points nearest the lasso's centre adding up to
  ``--zone-doors`` estimated doors, cut into turfs of ``--turf-doors``. Ours:
  ``cut_turfs`` (recursive balanced bisection). Baseline: what a spreadsheet does —
  sort by street and number, start a new turf every N doors. Quality next to time:
  share of turfs within ±20 %, pairs of turfs whose convex hulls overlap (turfs
  crossing each other), mean hull area per turf, streets split between turfs.
* **Walk-list ordering** — a turf of about ``--walk-doors`` doors. Ours:
  ``order_walk``. Baseline: sort by street name then house number. Time, route
  length (straight legs) and streets entered more than once.

Memory: tracemalloc peak of one selection (Python allocations; DuckDB and GEOS
buffers are not traced) and the process's peak RSS. Figures, not assertions: the
last line printed is a JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import dashboard.canvass.sources as sources
from dashboard.canvass.counts import with_estimates
from dashboard.canvass.geo import LocalProjection
from dashboard.canvass.selection import Selection, lasso_polygon, points_in_polygon, select, select_from
from dashboard.canvass.turfs import building_units, cut_turfs, street_keys
from dashboard.canvass.walklist import order_walk, route_length_m, street_visits
from dashboard.warehouse.database import Warehouse, warehouse_path

NATIONAL_STATIONS = 69_000
NATIONAL_ADDRESSES = 1_000_000
ELECTION = "leg2024_t1"
LASSO_RADIUS_M = 750.0
PER_POINT_SAMPLE = 50_000
BUDGET_S = 30.0


# -- timing ---------------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def median_time(fn: Callable[[], Any], repeat: int, budget_s: float = BUDGET_S) -> float:
    times: list[float] = []
    while len(times) < max(repeat, 1) and sum(times) < budget_s:
        times.append(timed(fn)[1])
    return statistics.median(times)


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fmt_int(n: float) -> str:
    return f"{int(round(n)):,}".replace(",", " ")


# -- territories ----------------------------------------------------------------------------
@dataclass
class Territory:
    """What the benchmark needs from a territory, warehouse-backed or synthetic."""

    label: str
    n_stations: int
    n_addresses: int
    lon: np.ndarray  # every address point, for the in-memory comparisons
    lat: np.ndarray
    centre: tuple[float, float]
    select: Callable[[shapely.Geometry], Selection]  # ours, end to end
    naive_select: Callable[[shapely.Geometry], int]  # baseline, end to end; returns addresses inside
    nearby: Callable[[tuple[float, float], float], pd.DataFrame]  # addresses (with doors) within a radius in m


def _lasso(centre: tuple[float, float], radius_m: float) -> shapely.Geometry:
    """An irregular 24-point lasso (radius ± 30 %) around ``centre``, as drawn by hand."""
    projection = LocalProjection(*centre)
    angle = np.linspace(0.0, 2 * np.pi, 25)[:-1]
    r = radius_m * (1 + 0.3 * np.sin(3 * angle) + 0.1 * np.cos(7 * angle))
    lon, lat = projection.inverse(r * np.cos(angle), r * np.sin(angle))
    return lasso_polygon(np.column_stack([lon, lat]).tolist())


def _bbox_around(centre: tuple[float, float], radius_m: float) -> tuple[float, float, float, float]:
    projection = LocalProjection(*centre)
    lon, lat = projection.inverse(np.array([-radius_m, radius_m]), np.array([-radius_m, radius_m]))
    return float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])


def warehouse_territory(wh: Warehouse, label: str) -> Territory:
    counts = wh.query("SELECT (SELECT count(*) FROM address) AS a, (SELECT count(DISTINCT station_id) FROM station) AS s")
    everything = wh.query("SELECT lon, lat FROM address")
    densest = wh.query(
        """SELECT avg(lon) AS lon, avg(lat) AS lat FROM address WHERE commune_code =
           (SELECT commune_code FROM address GROUP BY commune_code ORDER BY count(*) DESC, commune_code LIMIT 1)"""
    )
    centre = (float(densest["lon"].iloc[0]), float(densest["lat"].iloc[0]))

    def naive_select(polygon: shapely.Geometry) -> int:
        addresses = wh.query("SELECT address_id, station_id, coalesce(n_addresses, 1) AS n_addresses, lon, lat FROM address")
        stations = wh.query(
            """SELECT station_id, geometry::BLOB AS wkb FROM station WHERE set_id =
               (SELECT arg_max(set_id, coalesce(valid_from, DATE '1900-01-01')) FROM station_set)"""
        )
        shapes = gpd.GeoDataFrame(stations[["station_id"]], geometry=shapely.from_wkb([bytes(b) for b in stations["wkb"]]), crs=4326)
        points = gpd.GeoDataFrame(addresses, geometry=gpd.points_from_xy(addresses["lon"], addresses["lat"]), crs=4326)
        inside = gpd.sjoin(points, gpd.GeoDataFrame(geometry=[polygon], crs=4326), predicate="within")
        share = inside.groupby("station_id")["n_addresses"].sum() / addresses.groupby("station_id")["n_addresses"].sum()
        touched = shapes.loc[shapes.intersects(polygon)]  # the contours a naive page would draw
        assert len(touched) >= 0 and len(share) >= 0
        return int(len(inside))

    def nearby(point: tuple[float, float], radius_m: float) -> pd.DataFrame:
        addresses = sources.addresses_in_bbox(wh, _bbox_around(point, radius_m))
        ids = sorted(addresses["station_id"].astype(str).unique())
        totals = sources.address_totals(wh, ids)
        registered = sources.registered_by_station(wh, ELECTION, ids)
        lines = pd.Series(totals["address_lines"].to_numpy(dtype=float), index=totals["station_id"].astype(str).to_numpy())
        return with_estimates(addresses, lines, registered)

    return Territory(
        label=label, n_stations=int(counts["s"].iloc[0]), n_addresses=int(counts["a"].iloc[0]),
        lon=everything["lon"].to_numpy(dtype=float), lat=everything["lat"].to_numpy(dtype=float), centre=centre,
        select=lambda polygon: select(wh, polygon), naive_select=naive_select, nearby=nearby,
    )


def synthetic_territory(n_stations: int, n_addresses: int, seed: int = 6) -> Territory:
    """A France-sized grid of ``n_stations`` square stations and ``n_addresses`` points clustered in towns,
    on horizontal streets (odd numbers north side, even south, increasing eastwards)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = -4.8, 41.4, 9.5, 51.1
    ny = max(1, int(round(np.sqrt(n_stations * (maxy - miny) / (maxx - minx)))))
    nx = max(1, n_stations // ny)
    dx, dy = (maxx - minx) / nx, (maxy - miny) / ny
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))
    ix, iy = ix.ravel(), iy.ravel()
    boxes = shapely.box(minx + ix * dx, miny + iy * dy, minx + (ix + 1) * dx, miny + (iy + 1) * dy)
    station_ids = np.array([f"S{i}" for i in range(len(boxes))], dtype=object)
    stations = gpd.GeoDataFrame({"station_id": station_ids, "set_id": "synthetique", "commune_code": "00000",
                                 "bv_code": station_ids, "name": None}, geometry=boxes, crs=4326)
    bounds = shapely.bounds(boxes)

    n_towns = max(1, n_addresses // 500)
    town_x = rng.uniform(minx + 0.5, maxx - 0.5, n_towns)
    town_y = rng.uniform(miny + 0.5, maxy - 0.5, n_towns)
    weight = rng.pareto(1.2, n_towns) + 1
    town = rng.choice(n_towns, n_addresses, p=weight / weight.sum())
    town[: max(1, n_addresses // 40)] = 0  # one big town, the lasso's target
    street = rng.integers(0, 30, n_addresses)
    x = town_x[town] + rng.normal(0, 0.008, n_addresses)
    side = rng.integers(0, 2, n_addresses)
    y = town_y[town] + (street - 15) * 0.0012 + np.where(side == 0, 0.00008, -0.00008)
    order = np.lexsort((x, side, street, town))
    group = (town * 30 + street) * 2 + side
    g_sorted = group[order]
    first = np.r_[True, g_sorted[1:] != g_sorted[:-1]]
    rank = np.arange(n_addresses) - np.maximum.accumulate(np.where(first, np.arange(n_addresses), 0))
    number = np.empty(n_addresses, dtype=np.int64)
    number[order] = 2 * rank + np.where(side[order] == 0, 1, 2)
    col = np.clip(((x - minx) / dx).astype(np.int64), 0, nx - 1)
    row = np.clip(((y - miny) / dy).astype(np.int64), 0, ny - 1)
    ban = np.char.add("B", np.arange(n_addresses).astype(str))
    station = station_ids[row * nx + col]
    addresses = pd.DataFrame({
        "address_id": np.char.add(np.char.add(ban, "@"), station.astype(str)), "ban_id": ban, "commune_code": "00000",
        "station_id": station, "label": None, "housenumber": number.astype(str),
        "street": np.char.add(np.char.add("Rue ", town.astype(str)), np.char.add("-", street.astype(str))),
        "postcode": "00000", "city": "Synthèse", "lon": x, "lat": y,
        "n_addresses": np.where(rng.random(n_addresses) < 0.1, 1 + rng.geometric(0.3, n_addresses), 1),
    })
    station_code = pd.factorize(addresses["station_id"])
    lines_by_station = pd.Series(np.bincount(station_code[0], addresses["n_addresses"].to_numpy()), index=station_code[1])
    points_by_station = pd.Series(np.bincount(station_code[0]), index=station_code[1])
    registered = lines_by_station * 2.2
    lon, lat = addresses["lon"].to_numpy(), addresses["lat"].to_numpy()

    def ours(polygon: shapely.Geometry) -> Selection:
        bminx, bminy, bmaxx, bmaxy = polygon.bounds
        in_box = (lon >= bminx) & (lon <= bmaxx) & (lat >= bminy) & (lat <= bmaxy)
        box_stations = stations.loc[(bounds[:, 0] <= bmaxx) & (bounds[:, 2] >= bminx) & (bounds[:, 1] <= bmaxy) & (bounds[:, 3] >= bminy)]
        candidates = addresses.loc[in_box]
        ids = pd.Index(box_stations["station_id"]).union(candidates["station_id"].unique())
        totals = pd.DataFrame({"station_id": ids, "address_points": points_by_station.reindex(ids).fillna(0).to_numpy(),
                               "address_lines": lines_by_station.reindex(ids).fillna(0).to_numpy()})
        return select_from(polygon, candidates, box_stations, totals)

    def naive_select(polygon: shapely.Geometry) -> int:
        points = gpd.GeoDataFrame(addresses[["station_id", "n_addresses"]], geometry=gpd.points_from_xy(lon, lat), crs=4326)
        inside = gpd.sjoin(points, gpd.GeoDataFrame(geometry=[polygon], crs=4326), predicate="within")
        share = inside.groupby("station_id")["n_addresses"].sum() / lines_by_station
        touched = stations.loc[stations.intersects(polygon)]
        assert len(touched) >= 0 and len(share) >= 0
        return int(len(inside))

    def nearby(point: tuple[float, float], radius_m: float) -> pd.DataFrame:
        bminx, bminy, bmaxx, bmaxy = _bbox_around(point, radius_m)
        frame = addresses.loc[(lon >= bminx) & (lon <= bmaxx) & (lat >= bminy) & (lat <= bmaxy)]
        return with_estimates(frame, lines_by_station, registered)

    return Territory(
        label=f"synthetic ({fmt_int(len(stations))} stations, {fmt_int(n_addresses)} addresses)",
        n_stations=len(stations), n_addresses=n_addresses, lon=lon, lat=lat,
        centre=(float(town_x[0]), float(town_y[0])), select=ours, naive_select=naive_select, nearby=nearby,
    )


# -- measures -------------------------------------------------------------------------------
def measure_selection(t: Territory, repeat: int, sample: int) -> dict[str, Any]:
    polygon = _lasso(t.centre, LASSO_RADIUS_M)
    selection = t.select(polygon)  # warm-up (DuckDB buffers, imports)
    tracemalloc.start()
    t.select(polygon)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ours_s = median_time(lambda: t.select(polygon), repeat)
    mask, _ = timed(lambda: points_in_polygon(t.lon, t.lat, polygon))
    pip_s = median_time(lambda: points_in_polygon(t.lon, t.lat, polygon), repeat)
    points, build_s = timed(lambda: gpd.GeoDataFrame(geometry=gpd.points_from_xy(t.lon, t.lat), crs=4326))
    lasso_frame = gpd.GeoDataFrame(geometry=[polygon], crs=4326)
    joined, sjoin_first_s = timed(lambda: gpd.sjoin(points, lasso_frame, predicate="within"))  # builds points.sindex
    sjoin_s = median_time(lambda: gpd.sjoin(points, lasso_frame, predicate="within"), repeat)  # index cached
    n = min(sample, len(t.lon))
    idx = np.linspace(0, len(t.lon) - 1, n).astype(np.int64) if n else np.zeros(0, dtype=np.int64)
    sample_points = [shapely.Point(x, y) for x, y in zip(t.lon[idx], t.lat[idx])]
    _, per_point_sample_s = timed(lambda: [polygon.contains(p) for p in sample_points])
    per_point_s = per_point_sample_s * len(t.lon) / max(n, 1)
    naive_count, naive_s = timed(lambda: t.naive_select(polygon))
    return {
        "lasso_addresses": int(len(selection.addresses)),
        "lasso_stations_included": len(selection.station_ids),
        "lasso_stations_touched": int(len(selection.stations)),
        "select_s": round(ours_s, 5),
        "select_peak_mb": round(peak / 1e6, 2),
        "pip_memory_s": round(pip_s, 5),
        "pip_memory_inside": int(mask.sum()),
        "sjoin_s": round(sjoin_s, 5),
        "sjoin_first_s": round(sjoin_first_s, 4),
        "sjoin_inside": int(len(joined)),
        "points_build_s": round(build_s, 4),
        "per_point_s": round(per_point_s, 3),
        "per_point_sample": n,
        "naive_select_s": round(naive_s, 4),
        "naive_select_inside": naive_count,
    }


def _zone(t: Territory, doors: int) -> pd.DataFrame:
    """The address points nearest ``t.centre`` adding up to ``doors`` estimated doors."""
    radius = 600.0
    while True:
        frame = t.nearby(t.centre, radius)
        if int(frame["doors"].sum()) >= doors or radius > 50_000:
            break
        radius *= 1.6
    projection = LocalProjection(*t.centre)
    x, y = projection.forward(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    frame = frame.iloc[np.lexsort((frame["address_id"].to_numpy(), np.hypot(x, y)))]
    keep = int(np.searchsorted(np.cumsum(frame["doors"].to_numpy()), doors)) + 1
    return frame.iloc[:keep].reset_index(drop=True)


def naive_turfs(zone: pd.DataFrame, target: int) -> list[np.ndarray]:
    """Sort by street then number; a new turf every ``target`` doors (rows' positions in ``zone``)."""
    number = pd.to_numeric(zone["housenumber"].astype(str).str.extract(r"^(\d+)")[0], errors="coerce").fillna(0).to_numpy()
    order = np.lexsort((number, zone["street"].fillna("").astype(str).to_numpy()))
    cum = np.cumsum(zone["doors"].to_numpy()[order])
    turf = np.minimum((cum - 1) // target, max(int(np.ceil(cum[-1] / target)) - 1, 0)) if len(cum) else cum
    return [order[turf == k] for k in np.unique(turf)]


def _turf_quality(zone: pd.DataFrame, groups: list[np.ndarray], target: int, big: np.ndarray) -> dict[str, float]:
    """Quality figures of a partition of ``zone``'s rows; ``big``: rows of buildings above 1.2 × target doors
    (a turf holding one cannot be within ±20 %, so the share within is over the other turfs)."""
    projection = LocalProjection.around(zone["lon"].to_numpy(), zone["lat"].to_numpy())
    x, y = projection.forward(zone["lon"].to_numpy(), zone["lat"].to_numpy())
    hulls = [shapely.buffer(shapely.convex_hull(shapely.MultiPoint(np.column_stack([x[g], y[g]]))), 0.01) for g in groups]
    tree = shapely.STRtree(hulls)
    left, right = tree.query(hulls, predicate="intersects")
    pairs = {(int(a), int(b)) for a, b in zip(left, right) if a < b and shapely.intersection(hulls[a], hulls[b]).area > 1.0}
    doors = np.array([int(zone["doors"].to_numpy()[g].sum()) for g in groups])
    feasible = np.array([not big[g].any() for g in groups], dtype=bool)
    keys = street_keys(zone)
    turf_of_row = np.empty(len(zone), dtype=np.int64)
    for k, g in enumerate(groups):
        turf_of_row[g] = k
    per_street = pd.DataFrame({"street": keys, "turf": turf_of_row}).groupby("street")["turf"].nunique()
    return {
        "turfs": len(groups),
        "within_tol_share": round(float(np.mean(np.abs(doors[feasible] - target) <= 0.2 * target)), 3) if feasible.any() else 0.0,
        "with_big_building": int((~feasible).sum()),
        "min_doors": int(doors.min()) if len(doors) else 0,
        "max_doors": int(doors.max()) if len(doors) else 0,
        "overlapping_pairs": len(pairs),
        "mean_hull_m2": round(float(np.mean([h.area for h in hulls])), 0) if hulls else 0.0,
        "streets_split": int((per_street > 1).sum()),
    }


def measure_turfs(t: Territory, zone_doors: int, turf_doors: int, repeat: int) -> tuple[dict[str, Any], pd.DataFrame]:
    zone = _zone(t, zone_doors)
    plan = cut_turfs(zone, turf_doors)
    ours_s = median_time(lambda: cut_turfs(zone, turf_doors), repeat)
    naive_s = median_time(lambda: naive_turfs(zone, turf_doors), repeat)
    position = pd.Series(np.arange(len(zone)), index=zone["address_id"].astype(str).to_numpy())
    ours_groups = [position.loc[list(turf.address_ids)].to_numpy() for turf in plan.turfs]
    units = building_units(zone)
    big = (np.bincount(units, zone["doors"].to_numpy())[units] > 1.2 * turf_doors)
    ours_q = _turf_quality(zone, ours_groups, turf_doors, big)
    naive_q = _turf_quality(zone, naive_turfs(zone, turf_doors), turf_doors, big)
    figures = {
        "zone_points": int(len(zone)),
        "zone_doors": int(zone["doors"].sum()),
        "turf_target": turf_doors,
        "turf_s": round(ours_s, 4),
        "turf_naive_s": round(naive_s, 5),
        "turf_oversized": sum(1 for turf in plan.turfs if turf.oversized),
        **{f"turf_{k}": v for k, v in ours_q.items()},
        **{f"turf_naive_{k}": v for k, v in naive_q.items()},
    }
    return figures, zone


def naive_walk(turf: pd.DataFrame) -> pd.DataFrame:
    number = pd.to_numeric(turf["housenumber"].astype(str).str.extract(r"^(\d+)")[0], errors="coerce").fillna(0)
    frame = turf.assign(_n=number.to_numpy(), street_key=street_keys(turf))
    return frame.sort_values(["street", "_n"], kind="stable")


def measure_walk(zone: pd.DataFrame, walk_doors: int, repeat: int) -> dict[str, Any]:
    plan = cut_turfs(zone, walk_doors)
    # the turf within ±20 % of the size with the most address points (the most work), else the closest in size
    fitting = [tf for tf in plan.turfs if not tf.oversized and abs(tf.doors - walk_doors) <= 0.2 * walk_doors]
    turf = (max(fitting, key=lambda tf: (len(tf.address_ids), -tf.number)) if fitting
            else min(plan.turfs, key=lambda tf: (abs(tf.doors - walk_doors), tf.number)))
    rows = zone.loc[zone["address_id"].astype(str).isin(turf.address_ids)].reset_index(drop=True)
    walk = order_walk(rows)
    ours_s = median_time(lambda: order_walk(rows), max(repeat, 5))
    naive = naive_walk(rows)
    naive_s = median_time(lambda: naive_walk(rows), max(repeat, 5))
    return {
        "walk_points": int(len(walk)),
        "walk_doors": int(turf.doors),
        "walk_s": round(ours_s, 5),
        "walk_naive_s": round(naive_s, 5),
        "walk_route_m": round(route_length_m(walk), 1),
        "walk_naive_route_m": round(route_length_m(naive), 1),
        "walk_street_revisits": int((street_visits(walk) - 1).sum()),
        "walk_naive_street_revisits": int((street_visits(naive) - 1).sum()),
    }


def report(f: dict[str, Any]) -> None:
    print()
    print(f"== lasso selection ({fmt_int(f['lasso_addresses'])} addresses inside, {f['lasso_stations_included']} stations "
          f"included of {f['lasso_stations_touched']} touched)")
    print(f"  ours, end to end (warehouse reads + point in polygon + station shares): {fmt_s(f['select_s'])}"
          f"   naive (read everything + sjoin + groupby): {fmt_s(f['naive_select_s'])}"
          f"   ratio {f['naive_select_s'] / max(f['select_s'], 1e-9):.0f}x")
    print(f"  point in polygon over all {fmt_int(f['addresses'])} addresses in memory: ours {fmt_s(f['pip_memory_s'])} "
          f"({fmt_int(f['pip_memory_inside'])} inside); geopandas sjoin {fmt_s(f['sjoin_first_s'])} the first time, "
          f"{fmt_s(f['sjoin_s'])} once its spatial index of the points is built ({fmt_int(f['sjoin_inside'])} inside; "
          f"+ {fmt_s(f['points_build_s'])} to build the points); per-point contains {fmt_s(f['per_point_s'])} "
          f"(extrapolated from {fmt_int(f['per_point_sample'])})")
    print(f"  memory: {f['select_peak_mb']:.1f} MB traced peak per selection")
    print()
    print(f"== turf cutting ({fmt_int(f['zone_doors'])} doors, {fmt_int(f['zone_points'])} address points, turfs of {f['turf_target']})")
    print(f"{'':<28} {'time':>10} {'turfs':>6} {'±20 %':>6} {'min':>5} {'max':>5} {'overlaps':>9} {'hull m²':>9} {'streets split':>14}")
    for key, label in (("turf", "ours (bisection)"), ("turf_naive", "naive (street order)")):
        print(f"{label:<28} {fmt_s(f[f'{key}_s']):>10} {f[f'{key}_turfs']:>6} {f[f'{key}_within_tol_share'] * 100:>5.0f}% "
              f"{f[f'{key}_min_doors']:>5} {f[f'{key}_max_doors']:>5} {f[f'{key}_overlapping_pairs']:>9} "
              f"{fmt_int(f[f'{key}_mean_hull_m2']):>9} {f[f'{key}_streets_split']:>14}")
    print("  (±20 %: share of the turfs within 20 % of the size, over those without a building larger than that; "
          "overlaps: pairs of turfs whose convex hulls overlap)")
    if f["turf_oversized"]:
        print(f"  ({f['turf_oversized']} buildings above {f['turf_target']} doors × 1.2 form turfs of their own)")
    print()
    print(f"== walk list ({f['walk_points']} address points, {f['walk_doors']} doors)")
    print(f"  ours {fmt_s(f['walk_s'])}, route {fmt_int(f['walk_route_m'])} m, streets entered twice: {f['walk_street_revisits']}")
    print(f"  naive (street, number) {fmt_s(f['walk_naive_s'])}, route {fmt_int(f['walk_naive_route_m'])} m, "
          f"streets entered twice: {f['walk_naive_street_revisits']}")
    print()
    print(f"peak RSS of the process: {fmt_int(f['peak_rss_mb'])} MB")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data-dir", type=Path, help="data dir holding a warehouse (the national demo is built there if absent)")
    parser.add_argument("--synthetic", action="store_true", help="synthesise the national sizes in memory instead")
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes, one repeat")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing, median taken (default 5)")
    parser.add_argument("--zone-doors", type=int, help="doors of the zone cut into turfs (default 2000; 300 with --quick)")
    parser.add_argument("--turf-doors", type=int, default=40, help="turf size in doors (default 40)")
    parser.add_argument("--walk-doors", type=int, default=60, help="doors of the walk-list turf (default 60)")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    zone_doors = args.zone_doors or (300 if args.quick else 2000)
    sample = 5_000 if args.quick else PER_POINT_SAMPLE
    wh: Warehouse | None = None
    if args.synthetic or (args.quick and args.data_dir is None):
        n_st, n_ad = (2_000, 30_000) if args.quick else (NATIONAL_STATIONS, NATIONAL_ADDRESSES)
        territory, build_s = timed(lambda: synthetic_territory(n_st, n_ad))
        print(f"{territory.label}: synthesised in {build_s:.1f} s")
    else:
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="isoloir-zones-bench-"))
        if not warehouse_path(data_dir).exists():
            from dashboard.demo.build import build_demo

            print(f"building the national demo in {data_dir} (about 4 minutes, 3 GB of memory)…", flush=True)
            _, build_s = timed(lambda: build_demo(data_dir, scale="national"))
            print(f"built in {build_s:.0f} s")
        wh = Warehouse(warehouse_path(data_dir), read_only=True)
        territory, load_s = timed(lambda: warehouse_territory(wh, f"warehouse {data_dir}"))
        print(f"{territory.label}: {fmt_int(territory.n_stations)} stations, {fmt_int(territory.n_addresses)} addresses "
              f"(loaded for the in-memory comparisons in {load_s:.1f} s)")
    print(f"times are medians of {repeat} runs (at most {BUDGET_S:.0f} s per measure)")
    try:
        figures: dict[str, Any] = {"territory": territory.label, "stations": territory.n_stations,
                                   "addresses": territory.n_addresses, "repeat": repeat}
        figures.update(measure_selection(territory, repeat, sample))
        turf_figures, zone = measure_turfs(territory, zone_doors, args.turf_doors, repeat)
        figures.update(turf_figures)
        figures.update(measure_walk(zone, args.walk_doors, repeat))
        figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)
    finally:
        if wh is not None:
            wh.close()
    report(figures)
    print()
    print(json.dumps(figures, sort_keys=True))
    sys.stdout.flush()
    return figures


if __name__ == "__main__":
    main()
