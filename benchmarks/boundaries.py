"""Polling stations drawn from REU addresses: Bondy against two reference versions, and a département's scale.

    python benchmarks/boundaries.py            # Bondy (ours, the plain-Voronoi baseline, streets) + ~1 M synthetic addresses
    python benchmarks/boundaries.py --quick    # Bondy only
    [--ceiling CELL]                           # also the reference-knowing ceiling on Bondy (pieces of CELL metres)
    [--synthetic-addresses N] [--data DIR]     # size of the synthetic département; ../shared/data by default

**Bondy** (``bondy/reu/adresses93010.csv``, 5 698 (address, station) rows, 32 stations). Outline:
the union of the Etalab proposition (``bondy/bv/bvBondy_proposition_contours_etalab.geojson``,
cut along vector-tile edges: the build closes its cracks under 1 m and pinholes under 25 m², the
area added is printed). References: that Etalab proposition (itself a Voronoi construction) and
``bv_reu_osm_2022_bondy.geojson`` (REU addresses + OpenStreetMap streets). IRIS contours:
``bondy/iris/map_iris_gdparis_93010.shp``. Four methods of
:func:`dashboard.boundaries.build.build_from_addresses` in the same run: ``iris`` (ours, the
default), ``voronoi`` (the baseline: Voronoi cells merged per station), ``empty`` (the IRIS rule
on empty land only, keys ``empty_*``) and ``streets`` (street seeds, kept for comparison). For each: containment, gaps, overlaps, Polsby-Popper, IoU per
station against each reference (median, min).

**Synthetic département** (not with ``--quick``): ``--synthetic-addresses`` points (1 M by
default) on a street grid over 50 × 50 km, 100 communes (Voronoi of random centres), stations
of about 800 addresses (nearest of random centres), IRIS of about 2 000 addresses; built with
the default method and timed (aim: under 5 minutes on 2 cores), with its containment, gaps and
overlaps.

**Ceiling** (``--ceiling CELL``, a diagnostic, not a method: it reads the references): the
plain-Voronoi stations are cut along the IRIS contours and a grid of CELL-metre squares; every
piece holding none of its station's addresses may go to any station it touches, the others are
fixed (100 % containment). Pieces are reassigned greedily, largest first (three sweeps), to
maximise ``w`` × the sum of IoU against REU + OSM plus the sum against Etalab, for ``w`` in
1, 1.5, 2 and 3: how close any partition with full containment can come to both references
(a greedy bound on sums, not the optimum of the medians).

Figures, not assertions: the last line printed is one JSON object (the Bondy keys
``iou_osm_median``, ``iou_etalab_median``, ``containment``, ``gap_m2``, ``overlap_m2``,
``baseline_iou_osm_median``, ``baseline_iou_etalab_median`` first).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.boundaries.build import EMPTY, IRIS, STREETS, VORONOI, _blocks, build_from_addresses, clean_outline  # noqa: E402
from dashboard.boundaries.quality import measure, summary_lines  # noqa: E402
from dashboard.ingest.addresses import read_addresses  # noqa: E402
from dashboard.ingest.stations import read_stations  # noqa: E402

BONDY_KEYS = ("containment", "gap_m2", "overlap_m2", "polsby_popper_median", "iou_osm_median", "iou_osm_min",
              "iou_etalab_median", "iou_etalab_min", "seconds")


def ceiling(addresses: pd.DataFrame, outline: shapely.Geometry, iris: gpd.GeoDataFrame,
            references: dict[str, gpd.GeoDataFrame], cell: float) -> dict[str, object]:
    """The reference-knowing greedy ceiling described in the module's docstring (Bondy: one commune)."""
    result = build_from_addresses(addresses, outline, method=VORONOI)
    (code, crs), = result.metric.items()
    shape = clean_outline(gpd.GeoSeries([outline], crs=4326).to_crs(crs).iloc[0])
    stations = result.stations.to_crs(crs)
    faces = _blocks(shape, np.asarray(shapely.make_valid(np.asarray(iris.to_crs(crs).geometry.array, dtype=object)), dtype=object))
    x0, y0, x1, y1 = shape.bounds
    grid = np.array([shapely.box(x, y, x + cell, y + cell) for x in np.arange(x0, x1, cell) for y in np.arange(y0, y1, cell)], dtype=object)
    geoms = np.asarray(stations.geometry.array, dtype=object)
    pieces, station_of = geoms, np.arange(len(geoms))
    for cutter in (faces, grid):
        a, b = shapely.STRtree(cutter).query(pieces, predicate="intersects")
        pieces, station_of = shapely.intersection(pieces[a], cutter[b]), station_of[a]
    parts, part_of = shapely.get_parts(pieces, return_index=True)
    polygon = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)
    parts, owner0 = parts[polygon], station_of[part_of][polygon]
    ids = stations["station_id"].to_numpy()
    index = {s: i for i, s in enumerate(ids)}
    tree = shapely.STRtree(parts)
    pts = result.points[result.points["inside"]]
    pt, part = tree.query(shapely.points(pts[["x", "y"]].to_numpy()), predicate="intersects")
    fixed = np.zeros(len(parts), dtype=bool)
    fixed[part[pts["station_id"].map(index).to_numpy()[pt] == owner0[part]]] = True
    area = shapely.area(parts)
    overlap, ref_area = {}, {}
    for name, ref in references.items():
        ref_geoms = ref.to_crs(crs).set_index("station_id").geometry
        overlap[name] = np.zeros((len(parts), len(ids)))
        ref_area[name] = np.array([ref_geoms[s].area if s in ref_geoms.index else np.nan for s in ids])
        for s, g in ref_geoms.items():
            if s in index:
                overlap[name][:, index[s]] = shapely.area(shapely.intersection(parts, g))

    def ious(owner: np.ndarray, name: str) -> np.ndarray:
        inter = np.bincount(owner, weights=overlap[name][np.arange(len(owner)), owner], minlength=len(ids))
        return inter / (np.bincount(owner, weights=area, minlength=len(ids)) + ref_area[name] - inter)

    movable = {i: sorted({int(owner0[j]) for j in tree.query(parts[i], predicate="intersects")}) for i in np.nonzero(~fixed)[0]}
    order = sorted(movable, key=lambda i: -area[i])
    figures: dict[str, object] = {"ceiling_cell_m": cell, "ceiling_pieces": len(parts), "ceiling_movable": len(movable)}
    for weight in (1.0, 1.5, 2.0, 3.0):
        owner = owner0.copy()
        for _ in range(3):
            for i in order:
                best, best_value = owner[i], -np.inf
                for k in movable[i]:
                    owner[i] = k
                    value = weight * np.nansum(ious(owner, "osm")) + np.nansum(ious(owner, "etalab"))
                    if value > best_value:
                        best, best_value = k, value
                owner[i] = best
        key = f"ceiling_w{weight:g}"
        figures[f"{key}_iou_osm_median"] = round(float(np.nanmedian(ious(owner, "osm"))), 4)
        figures[f"{key}_iou_etalab_median"] = round(float(np.nanmedian(ious(owner, "etalab"))), 4)
        print(f"Plafond (pièces de {cell:g} m, poids {weight:g}) : IoU médiane {figures[f'{key}_iou_osm_median']} contre osm, "
              f"{figures[f'{key}_iou_etalab_median']} contre etalab", flush=True)
    return figures


def bondy(data: Path, ceiling_cell: float | None = None) -> dict[str, object]:
    base = data / "bondy"
    addresses = read_addresses(base / "reu" / "adresses93010.csv").frame
    etalab = read_stations(base / "bv" / "bvBondy_proposition_contours_etalab.geojson").frame
    osm = read_stations(base / "bv" / "bv_reu_osm_2022_bondy.geojson").frame
    iris = gpd.read_file(base / "iris" / "map_iris_gdparis_93010.shp")
    outline = shapely.union_all(np.asarray(etalab.geometry.array, dtype=object))
    references = {"osm": osm[["station_id", "geometry"]], "etalab": etalab[["station_id", "geometry"]]}
    figures: dict[str, object] = {}
    for method, prefix in ((IRIS, ""), (VORONOI, "baseline_"), (EMPTY, "empty_"), (STREETS, "streets_")):
        result = build_from_addresses(addresses, outline, method=method, iris=iris)
        quality = measure(result, references)
        print(f"— Bondy, méthode {method}{' (référence)' if method == VORONOI else ''}")
        print("\n".join(summary_lines(quality)))
        for key in BONDY_KEYS:
            figures[prefix + key] = quality.summary[key]
        if method == IRIS:
            figures["outline_fixed_m2"] = round(sum(result.outline_fixed_m2.values()), 1)
            figures["shared_points"] = quality.summary["shared_points"]
            figures["stations"] = quality.summary["stations"]
            figures["addresses"] = quality.summary["addresses"]
    for ref in ("osm", "etalab"):
        print(f"IoU médiane contre {ref} : {figures[f'iou_{ref}_median']} (référence Voronoï : {figures[f'baseline_iou_{ref}_median']})")
    if ceiling_cell:
        figures.update(ceiling(addresses, outline, iris, references, ceiling_cell))
    return figures


def synthetic_departement(n_addresses: int, seed: int = 1) -> tuple[pd.DataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Addresses (lon/lat), commune outlines and IRIS of a synthetic département in Lambert-93 around Orléans."""
    rng = np.random.default_rng(seed)
    side = 50_000.0
    street_gap, sides = 200.0, 2
    streets = int(side / street_gap)
    per_street = n_addresses // (streets * sides)
    spacing = side / per_street
    row = np.repeat(np.arange(streets), per_street * sides)
    position = np.tile(np.arange(per_street), streets * sides)
    side_of = np.tile(np.repeat(np.arange(sides), per_street), streets)
    x = (position + 0.5) * spacing + rng.normal(0, 1.5, len(row))
    y = (row + 0.5) * street_gap + np.where(side_of == 0, -8.0, 8.0) + rng.normal(0, 1.5, len(row))
    origin = np.array([620_000.0, 6_730_000.0])
    box = shapely.box(0, 0, side, side)
    centres = rng.uniform(0, side, (100, 2))
    communes = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=box, ordered=True))
    communes = shapely.intersection(communes, box)
    codes = np.array([f"99{i:03d}" for i in range(len(communes))])
    from scipy.spatial import cKDTree

    _, commune_of = cKDTree(centres).query(np.column_stack([x, y]))
    station = np.empty(len(x), dtype=object)
    for c in range(len(communes)):
        members = np.nonzero(commune_of == c)[0]
        k = max(1, len(members) // 800)
        pick = rng.choice(members, k, replace=False)
        _, nearest = cKDTree(np.column_stack([x[pick], y[pick]])).query(np.column_stack([x[members], y[members]]))
        station[members] = [f"{codes[c]}_{n + 1}" for n in nearest]
    iris_centres = rng.uniform(0, side, (max(1, n_addresses // 2000), 2))
    iris = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(iris_centres), extend_to=box)), box)
    lonlat = gpd.GeoSeries(gpd.points_from_xy(x + origin[0], y + origin[1]), crs=2154).to_crs(4326)
    frame = pd.DataFrame({
        "address_id": [f"a{i}" for i in range(len(x))], "station_id": station, "commune_code": codes[commune_of],
        "street": [f"Rue {r}" for r in row], "housenumber": (2 * position + 1 + side_of).astype(str),
        "lon": lonlat.x.to_numpy(), "lat": lonlat.y.to_numpy(),
    })
    outlines = gpd.GeoDataFrame({"commune_code": codes}, geometry=shapely.transform(communes, lambda p: p + origin), crs=2154)
    iris_frame = gpd.GeoDataFrame(geometry=shapely.transform(iris, lambda p: p + origin), crs=2154)
    return frame, outlines, iris_frame


def synthetic(n_addresses: int) -> dict[str, object]:
    started = time.perf_counter()
    frame, outlines, iris = synthetic_departement(n_addresses)
    generated = time.perf_counter() - started
    last = [0.0]

    def progress(message: str, fraction: float) -> None:
        if fraction - last[0] >= 0.1 or fraction >= 1.0:
            last[0] = fraction
            print(f"[{fraction * 100:3.0f} %] {message} ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)

    build_started = time.perf_counter()
    result = build_from_addresses(frame, outlines, progress=progress, iris=iris)
    build_s = time.perf_counter() - build_started
    quality = measure(result)
    measure_s = time.perf_counter() - build_started - build_s
    figures = {
        "synthetic_addresses": len(frame), "synthetic_communes": int(frame["commune_code"].nunique()),
        "synthetic_stations": len(result.stations), "synthetic_generate_s": round(generated, 1),
        "synthetic_build_s": round(build_s, 1), "synthetic_measure_s": round(measure_s, 1),
        "synthetic_containment": quality.summary["containment"], "synthetic_gap_m2": quality.summary["gap_m2"],
        "synthetic_overlap_m2": quality.summary["overlap_m2"],
    }
    print(f"— Département synthétique : {len(frame)} adresses, {figures['synthetic_stations']} bureaux, "
          f"{figures['synthetic_communes']} communes : construit en {build_s:.1f} s, mesuré en {measure_s:.1f} s")
    return figures


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Bondy only (no synthetic département)")
    parser.add_argument("--synthetic-addresses", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--ceiling", type=float, metavar="CELL", help="also the reference-knowing ceiling on Bondy, pieces of CELL metres")
    args = parser.parse_args(argv)
    figures = bondy(args.data, args.ceiling)
    if not args.quick:
        figures.update(synthetic(args.synthetic_addresses))
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
