"""Polling-station polygons drawn from the REU's geocoded addresses.

The REU gives every elector's address its polling station (bureau de vote, BV) but no contour.
:func:`build_from_addresses` partitions each commune's outline into one polygon per station so
that every address point lies in the polygon of its own station, with no gap and no overlap
(the union is the outline, up to floating-point dust).

Four methods (``method=``):

- ``"voronoi"`` (the baseline): the Voronoi cell of every address point, merged per station and
  cut to the outline.
- ``"streets"``: the same Voronoi partition over *more seeds*: the addresses of
  one side of a street (same street name, same parity of house number), taken in number order,
  are joined by segments, and points every ``STEP_M`` metres along each segment are added as
  seeds of the station(s) of its ends (a segment between two stations is split at its
  midpoint). The cell edges then follow the rows of houses, so a boundary runs down the middle
  of a street between its odd and even sides, and crosses a street half-way between the last
  number of one station and the first of the next, as real BV boundaries do. Segments longer
  than ``MAX_GAP_M`` (a street interrupted by a park, a renumbering) are not densified. Parts of
  a station that hold none of its addresses (cells of street seeds cut off from their station)
  go to the neighbour they share the longest edge with.
- ``"iris"`` (the default): the Voronoi partition cut along the IRIS contours; every piece of a
  station holding none of its addresses goes to the neighbour it shares the longest edge with.
- ``"empty"``: the same rule, applied only to empty land: a piece of a station's Voronoi cell
  moves only where it is farther than ``EMPTY_M`` from every address and lies in an IRIS where
  the station has no address. Near addresses the boundary stays the Voronoi one (half-way
  between neighbouring houses); parks, railway land and industrial zones cut off from the
  station by an IRIS contour go to the neighbour across it.

All are exact on containment: an address point is the seed of its own Voronoi cell, so it lies
in its station's polygon. Two exceptions are reported, never hidden: an address outside the
commune's outline (no polygon of the commune can hold it), and one point serving several
stations (the REU splits the electors of one building between stations): each station's copy
of the point is moved ``SPLIT_M`` metres towards the station's nearest other addresses, so each
station gets a sliver of the building and its copy lies inside it (``shared_points``). Stations
with fewer than ``FEW_ADDRESSES`` addresses are listed (``small_stations``): their polygon is
only as good as those few points.

Everything is computed per commune in a local metric projection (UTM zone of the commune) and
returned in EPSG:4326.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from dashboard.errors import IsoloirError

EMPTY = "empty"
IRIS = "iris"
STREETS = "streets"
VORONOI = "voronoi"
METHODS = (IRIS, EMPTY, STREETS, VORONOI)
EMPTY_M = 80.0  # the ``empty`` method moves only land farther than this from every address
STEP_M = 4.0  # spacing of street seeds
MAX_GAP_M = 150.0  # consecutive numbers farther apart than this are not joined
SPLIT_M = 1.0  # how far each station's copy of a shared point is moved
FEW_ADDRESSES = 5
SAME_POINT_M = 0.01  # points closer than this are one point
CRACK_M = 1.0
PINHOLE_M2 = 25.0
_EMPTY = "\x00"  # owner of a block holding no seed until a neighbour takes it

Progress = Callable[[str, float], None]
_NUMBER = re.compile(r"^\s*(\d+)")


class BuildRefused(IsoloirError):
    """A build that cannot run (no address, no outline for a commune, unknown method)."""


@dataclass
class BuildResult:
    """Station polygons (EPSG:4326) and what the build had to explain.

    ``stations``: station_id, commune_code, bv_code, n_addresses, n_parts, geometry.
    ``points``: the points the partition was built from, one row per (address, station):
    address_id, station_id, commune_code, x, y (metric, after splitting shared points), inside
    (the point lies in the commune's outline).
    ``shared_points``: one row per station copy of a point shared by several stations: lon, lat,
    station_id, other_stations, moved_m.
    ``small_stations``: station_id, n_addresses (fewer than ``FEW_ADDRESSES``).
    ``outside``: addresses outside their commune's outline: address_id, station_id, distance_m.
    ``metric``: the metric CRS of each commune (``commune_code`` → EPSG code) used for the quality figures.
    """

    method: str
    stations: gpd.GeoDataFrame
    points: pd.DataFrame
    shared_points: pd.DataFrame
    small_stations: pd.DataFrame
    outside: pd.DataFrame
    outlines: gpd.GeoDataFrame  # commune_code, geometry (EPSG:4326)
    metric: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    n_seeds: int = 0
    outline_fixed_m2: dict[str, float] = field(default_factory=dict)  # area added by clean_outline, per commune


def _numbers(housenumbers: pd.Series) -> np.ndarray:
    """Leading integer of a house number (``"12 bis"`` → 12), -1 when there is none."""
    extracted = housenumbers.astype("string").str.extract(_NUMBER, expand=False)
    return pd.to_numeric(extracted, errors="coerce").fillna(-1).astype(np.int64).to_numpy()


def _split_shared(points: pd.DataFrame) -> pd.DataFrame:
    """Move each station's copy of a point shared by several stations ``SPLIT_M`` towards that station.

    The direction is towards the mean of the station's 5 nearest other points; a station with no
    other point gets an even spread around the point. ``points``: x, y, station_id (unique
    (x, y, station) rows). Adds ``x0``, ``y0`` (the point before), ``moved_m`` and ``other_stations``.
    """
    out = points.copy()
    out["x0"], out["y0"] = out["x"], out["y"]
    out["moved_m"] = 0.0
    out["other_stations"] = ""
    key = (np.round(out["x"].to_numpy() / SAME_POINT_M).astype(np.int64), np.round(out["y"].to_numpy() / SAME_POINT_M).astype(np.int64))
    out["_k"] = pd.Series(list(zip(*key)), index=out.index).astype(str)
    counts = out.groupby("_k")["station_id"].transform("nunique")
    shared = out.index[counts.to_numpy() > 1]
    if len(shared) == 0:
        return out.drop(columns="_k")
    from scipy.spatial import cKDTree

    for station, group in out.loc[shared].groupby("station_id"):
        own = out[(out["station_id"] == station) & (counts <= 1)]
        tree = cKDTree(own[["x", "y"]].to_numpy()) if len(own) else None
        for idx, row in group.iterrows():
            if tree is not None:
                _, nearest = tree.query([row["x"], row["y"]], k=min(5, len(own)))
                target = own[["x", "y"]].to_numpy()[np.atleast_1d(nearest)].mean(axis=0)
                vector = target - np.array([row["x"], row["y"]])
            else:
                vector = np.array([0.0, 0.0])
            norm = float(np.hypot(*vector))
            if norm < 1e-6:
                stations = sorted(out.loc[out["_k"] == row["_k"], "station_id"])
                angle = 2 * np.pi * stations.index(station) / len(stations)
                vector, norm = np.array([np.cos(angle), np.sin(angle)]), 1.0
            out.loc[idx, ["x", "y"]] = [row["x"] + vector[0] / norm * SPLIT_M, row["y"] + vector[1] / norm * SPLIT_M]
            out.loc[idx, "moved_m"] = SPLIT_M
            others = sorted(set(out.loc[out["_k"] == row["_k"], "station_id"]) - {station})
            out.loc[idx, "other_stations"] = ", ".join(others)
    return out.drop(columns="_k")


def street_seeds(points: pd.DataFrame, step: float = STEP_M, max_gap: float = MAX_GAP_M) -> pd.DataFrame:
    """Seeds along each side of each street: x, y, station_id.

    ``points``: x, y, station_id, street, number (leading integer, -1 if none). Addresses of one
    street and one parity are sorted by number; each pair of consecutive addresses at most
    ``max_gap`` apart gets points every ``step`` metres strictly between them, given to the
    nearer end's station (both ends' station when they agree).
    """
    usable = points[points["street"].notna() & (points["number"] >= 0)].copy()
    if usable.empty:
        return pd.DataFrame({"x": [], "y": [], "station_id": []})
    usable["street_key"] = usable["street"].astype(str).str.casefold().str.strip()
    usable["parity"] = usable["number"] % 2
    usable = usable.sort_values(["street_key", "parity", "number", "x", "y"], kind="stable")
    same = (usable["street_key"].to_numpy()[1:] == usable["street_key"].to_numpy()[:-1]) & (
        usable["parity"].to_numpy()[1:] == usable["parity"].to_numpy()[:-1]
    )
    x, y = usable["x"].to_numpy(), usable["y"].to_numpy()
    station = usable["station_id"].to_numpy()
    dx, dy = x[1:] - x[:-1], y[1:] - y[:-1]
    length = np.hypot(dx, dy)
    keep = same & (length <= max_gap) & (length > step)
    starts = np.nonzero(keep)[0]
    n = np.floor(length[starts] / step).astype(np.int64)  # points at k/(n+1), k = 1..n
    pair = np.repeat(starts, n)
    k = np.concatenate([np.arange(1, m + 1) for m in n]) if len(n) else np.array([], dtype=np.int64)
    t = k / np.repeat(n + 1, n)
    seeds_x = x[pair] + t * dx[pair]
    seeds_y = y[pair] + t * dy[pair]
    seed_station = np.where(t < 0.5, station[pair], station[pair + 1])
    exact_half = np.isclose(t, 0.5) & (station[pair] != station[pair + 1])  # the boundary itself: no seed
    frame = pd.DataFrame({"x": seeds_x, "y": seeds_y, "station_id": seed_station})[~exact_half]
    return frame.reset_index(drop=True)


def _voronoi_labels(seeds: pd.DataFrame, extent: BaseGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Voronoi cells of the seeds (one per distinct point, covering ``extent``) and each cell's seed row."""
    xy = seeds[["x", "y"]].to_numpy()
    if len(xy) == 1:
        return np.array([extent]), np.array([0])
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=extent, ordered=True))
    if len(cells) == len(xy):
        return np.asarray(cells, dtype=object), np.arange(len(xy))
    # Duplicate points give one cell: find each cell's seed by point in polygon.
    tree = shapely.STRtree(cells)
    pts, cell_idx = tree.query(shapely.points(xy), predicate="intersects")
    first = pd.Series(pts).groupby(cell_idx).first()
    return np.asarray(cells[first.index.to_numpy()], dtype=object), first.to_numpy()


def _merge_orphans(polys: pd.DataFrame, address_xy: pd.DataFrame, movable: np.ndarray | None = None) -> pd.DataFrame:
    """Give parts of a station holding none of its addresses to the neighbour sharing the longest edge.

    ``polys``: station_id, geometry (metric). ``movable``: which rows' parts may move (all when
    None). Returns the same frame with those parts moved.
    """
    part_geoms, part_of = shapely.get_parts(np.asarray(polys["geometry"].to_numpy(), dtype=object), return_index=True)
    parts = pd.DataFrame({"station_id": polys["station_id"].to_numpy()[part_of], "geometry": part_geoms})
    pts = shapely.points(address_xy[["x", "y"]].to_numpy())
    tree = shapely.STRtree(parts["geometry"].to_numpy())
    pt_idx, part_idx = tree.query(pts, predicate="intersects")
    match = address_xy["station_id"].to_numpy()[pt_idx] == parts["station_id"].to_numpy()[part_idx]
    holds = np.zeros(len(parts), dtype=bool)
    holds[part_idx[match]] = True
    if movable is not None:
        holds |= ~np.asarray(movable, dtype=bool)[part_of]  # a fixed part is treated as held
    geoms = parts["geometry"].to_numpy()
    owner = parts["station_id"].to_numpy().copy()
    orphans = np.nonzero(~holds)[0]
    # Smallest first; a block of no one's may need a second pass once its neighbours are owned.
    for _ in range(5):
        changed = False
        for i in sorted(orphans, key=lambda j: shapely.area(geoms[j])):
            boundary = shapely.boundary(geoms[i])
            best, best_len = None, 0.0
            for j in tree.query(geoms[i], predicate="intersects"):
                if j == i or owner[j] == owner[i] or owner[j] == _EMPTY:
                    continue
                shared = shapely.length(shapely.intersection(boundary, shapely.boundary(geoms[j])))
                if shared > best_len:
                    best, best_len = owner[j], shared
            if best is not None:
                owner[i] = best
                changed = True
        orphans = [i for i in orphans if owner[i] == _EMPTY]
        if not orphans or not changed:
            break
    parts["station_id"] = owner
    return _dissolve(parts[parts["station_id"] != _EMPTY])


def clean_outline(shape: BaseGeometry) -> BaseGeometry:
    """A metric outline without hairline cracks and pinholes.

    A union of tiled or hand-drawn polygons (the Etalab proposition for Bondy is cut along
    vector-tile edges) leaves cracks under ``CRACK_M`` wide and holes under ``PINHOLE_M2``:
    they are closed, or the stations would be cut along them. The area added is reported.
    """
    shape = _polygonal(shapely.make_valid(shape))
    closed = shape.buffer(CRACK_M / 2, join_style="mitre").buffer(-CRACK_M / 2, join_style="mitre")
    closed = shapely.union(closed, shape)  # never lose any of the original
    polygons = []
    for part in shapely.get_parts(_polygonal(closed)):
        holes = [ring for ring in part.interiors if shapely.Polygon(ring).area >= PINHOLE_M2]
        polygons.append(shapely.Polygon(part.exterior, holes))
    return shapely.union_all(polygons)


def _blocks(outline: BaseGeometry, iris: np.ndarray | None) -> np.ndarray:
    """The outline cut along IRIS contours (IRIS follow blocks, main roads, rail and water).

    The faces of the noded linework of the outline and the IRIS inside it: a true partition
    even when the IRIS overlap or leave slivers between them (those become small faces).
    """
    if iris is None or len(iris) == 0:
        return np.array([outline], dtype=object)
    lines = shapely.intersection(shapely.boundary(np.asarray(iris, dtype=object)), outline)
    linework = shapely.union_all(np.concatenate([[shapely.boundary(outline)], lines]))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(linework)))
    keep = shapely.contains(outline, shapely.point_on_surface(faces))
    return faces[keep & (shapely.area(faces) > 0)]


def _voronoi_partition(seeds: pd.DataFrame, area: BaseGeometry) -> pd.DataFrame:
    """Voronoi cells of the seeds merged per station, cut to ``area``: station_id, geometry."""
    extent = shapely.box(*shapely.bounds(shapely.union(area, shapely.multipoints(seeds[["x", "y"]].to_numpy())))).buffer(10, join_style="mitre")
    cells, seed_row = _voronoi_labels(seeds, extent)
    frame = pd.DataFrame({"station_id": seeds["station_id"].to_numpy()[seed_row], "geometry": cells})
    merged = frame.groupby("station_id")["geometry"].agg(lambda g: shapely.coverage_union_all(np.asarray(g, dtype=object)))
    clipped = shapely.intersection(np.asarray(merged.to_numpy(), dtype=object), area)
    return pd.DataFrame({"station_id": merged.index, "geometry": clipped})


def _commune_partition(points: pd.DataFrame, outline: BaseGeometry, method: str, iris: np.ndarray | None = None) -> tuple[pd.DataFrame, int]:
    """Station polygons (metric) of one commune: station_id, geometry; and the number of seeds."""
    seeds = points[["x", "y", "station_id"]]
    if method == STREETS:
        extra = street_seeds(points)
        if len(extra):
            # A street seed on top of an address would take its cell.
            tree = shapely.STRtree(shapely.points(points[["x", "y"]].to_numpy()))
            near = tree.query(shapely.points(extra[["x", "y"]].to_numpy()), predicate="dwithin", distance=0.5)[0]
            extra = extra.drop(index=np.unique(near))
            seeds = pd.concat([seeds, extra], ignore_index=True)
    polys = _voronoi_partition(seeds, outline)
    blocks = _blocks(outline, iris) if method in (IRIS, EMPTY) else np.array([outline], dtype=object)
    movable = None
    if len(blocks) > 1:
        # Cut each station along the IRIS contours: the pieces that hold none of its addresses
        # (its cells spilling across a main road, a railway, a canal) go to a neighbour below.
        tree = shapely.STRtree(blocks)
        station_idx, block_idx = tree.query(np.asarray(polys["geometry"].to_numpy(), dtype=object), predicate="intersects")
        pieces = shapely.intersection(np.asarray(polys["geometry"].to_numpy(), dtype=object)[station_idx], blocks[block_idx])
        polys = pd.DataFrame({"station_id": polys["station_id"].to_numpy()[station_idx], "geometry": pieces})
        if method == EMPTY:
            polys, movable = _empty_land(polys, block_idx, blocks, points[["x", "y", "station_id"]])
    keep = ~shapely.is_empty(polys["geometry"].to_numpy())
    polys = polys[keep]
    movable = movable[keep] if movable is not None else None
    polys["geometry"] = [_polygonal(shapely.make_valid(g)) if not shapely.is_valid(g) else _polygonal(g) for g in polys["geometry"]]
    if method in (IRIS, EMPTY, STREETS):
        polys = _merge_orphans(polys, points[["x", "y", "station_id"]], movable)
    else:
        polys = _dissolve(polys)
    return polys.reset_index(drop=True), len(seeds)


def _empty_land(polys: pd.DataFrame, block_idx: np.ndarray, blocks: np.ndarray, points: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Split the pieces that may move (``empty`` method) into their land near addresses and the rest.

    ``polys``: station_id, geometry, one row per (station, IRIS face) piece, the face in
    ``block_idx``. A piece lying in a face where its station has no address is cut at
    ``EMPTY_M`` from every address: the near part stays (the Voronoi rule), the far part may
    move. Returns the pieces and, per row, whether it may move.
    """
    tree = shapely.STRtree(blocks)
    pt_idx, face_idx = tree.query(shapely.points(points[["x", "y"]].to_numpy()), predicate="intersects")
    present = set(zip(face_idx.tolist(), points["station_id"].to_numpy()[pt_idx].tolist()))
    stations = polys["station_id"].to_numpy()
    candidate = np.array([(int(f), s) not in present for f, s in zip(block_idx, stations)], dtype=bool)
    if not candidate.any():
        return polys.reset_index(drop=True), np.zeros(len(polys), dtype=bool)
    all_pts = shapely.points(points[["x", "y"]].to_numpy())
    pt_tree = shapely.STRtree(all_pts)
    geoms = np.asarray(polys["geometry"].to_numpy(), dtype=object)
    rows: list[tuple[str, BaseGeometry, bool]] = []
    for i in range(len(polys)):
        if not candidate[i]:
            rows.append((stations[i], geoms[i], False))
            continue
        near_pts = pt_tree.query(geoms[i], predicate="dwithin", distance=EMPTY_M)
        near = shapely.buffer(shapely.multipoints(all_pts[near_pts]), EMPTY_M, quad_segs=4) if len(near_pts) else shapely.Polygon()
        rows.append((stations[i], shapely.intersection(geoms[i], near), False))
        rows.append((stations[i], shapely.difference(geoms[i], near), True))
    frame = pd.DataFrame(rows, columns=["station_id", "geometry", "movable"])
    return frame[["station_id", "geometry"]], frame["movable"].to_numpy(dtype=bool)


def _dissolve(polys: pd.DataFrame) -> pd.DataFrame:
    """One polygon per station (pieces from different blocks do not share vertices: a full union)."""
    merged = polys.groupby("station_id")["geometry"].agg(lambda g: shapely.union_all(np.asarray(g, dtype=object)) if len(g) > 1 else g.iloc[0])
    return pd.DataFrame({"station_id": merged.index, "geometry": merged.to_numpy()})


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Keep only the polygons of a geometry collection (intersections can add stray lines)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def utm_crs(shape: BaseGeometry) -> int:
    """EPSG code of the UTM zone (WGS 84) of a lon/lat geometry's centre (pyproj's own lookup costs 0.3 s a call)."""
    lon, lat = shapely.get_coordinates(shapely.centroid(shape))[0]
    zone = int((lon + 180) // 6) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def _outlines_by_commune(outline: gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry, communes: list[str]) -> gpd.GeoDataFrame:
    if isinstance(outline, BaseGeometry):
        if len(communes) != 1:
            raise BuildRefused(f"un seul contour pour {len(communes)} communes : donnez un contour par commune (colonne commune_code)")
        return gpd.GeoDataFrame({"commune_code": communes}, geometry=[outline], crs=4326)
    if isinstance(outline, gpd.GeoSeries):
        outline = gpd.GeoDataFrame(geometry=outline)
    frame = outline.to_crs(4326) if outline.crs is not None else outline.set_crs(4326)
    if "commune_code" not in frame.columns:
        if len(communes) != 1:
            raise BuildRefused("le contour n'indique pas de commune (colonne commune_code) alors que les adresses en couvrent plusieurs")
        frame = frame.assign(commune_code=communes[0])
    geoms = frame.groupby("commune_code")["geometry"].agg(lambda g: shapely.union_all(shapely.make_valid(np.asarray(g, dtype=object))))
    return gpd.GeoDataFrame({"commune_code": geoms.index}, geometry=list(geoms.to_numpy()), crs=4326)


def build_from_addresses(
    addresses: pd.DataFrame,
    outline: gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry,
    method: str = IRIS,
    progress: Progress | None = None,
    iris: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
) -> BuildResult:
    """Partition each commune's outline into station polygons holding their REU addresses.

    ``addresses``: the frame of :func:`dashboard.ingest.addresses.read_addresses` (address_id,
    station_id, commune_code, street, housenumber, lon, lat; a missing ``address_id`` is
    numbered). ``outline``: one geometry (one commune) or a GeoDataFrame with ``commune_code``
    (EPSG:4326 when it has no CRS). ``iris``: IRIS contours (any CRS) the ``iris`` and ``empty`` methods
    cut the outline along, so that boundaries in empty areas follow them.
    """
    if method not in METHODS:
        raise BuildRefused(f"méthode inconnue « {method} » (attendu : {', '.join(METHODS)})")
    started = time.perf_counter()
    frame = addresses.dropna(subset=["lon", "lat", "station_id"]).copy()
    if frame.empty:
        raise BuildRefused("aucune adresse géolocalisée")
    if "address_id" not in frame.columns:
        frame["address_id"] = [f"{i}@{s}" for i, s in zip(range(len(frame)), frame["station_id"])]
    if "commune_code" not in frame.columns:
        frame["commune_code"] = frame["station_id"].astype(str).str.split("_").str[0]
    for column in ("street", "housenumber"):
        if column not in frame.columns:
            frame[column] = None
    communes = sorted(frame["commune_code"].astype(str).unique())
    outlines = _outlines_by_commune(outline, communes)
    missing = sorted(set(communes) - set(outlines["commune_code"]))
    if missing:
        raise BuildRefused(f"pas de contour pour la commune {', '.join(missing[:10])}")
    outlines = outlines[outlines["commune_code"].isin(communes)].reset_index(drop=True)
    iris_shapes = None
    if iris is not None and len(iris):
        iris_shapes = gpd.GeoSeries(iris.geometry if isinstance(iris, gpd.GeoDataFrame) else iris)
        iris_shapes = (iris_shapes.to_crs(4326) if iris_shapes.crs is not None else iris_shapes.set_crs(4326)).reset_index(drop=True)

    station_frames, point_frames, shared_frames, outside_frames = [], [], [], []
    metric: dict[str, int] = {}
    outline_fixes: dict[str, float] = {}
    n_seeds = 0
    groups = frame.groupby("commune_code", sort=True)
    for done, (code, group) in enumerate(groups):
        if progress:
            progress(f"Commune {code} : {len(group)} adresse(s)", done / len(communes))
        commune_outline = outlines.loc[outlines["commune_code"] == code, "geometry"]
        crs = utm_crs(commune_outline.iloc[0])
        metric[str(code)] = crs
        raw_shape = commune_outline.to_crs(crs).iloc[0]
        shape = clean_outline(raw_shape)
        outline_fixes[str(code)] = float(shapely.area(shape) - shapely.area(raw_shape))
        xy = gpd.GeoSeries(gpd.points_from_xy(group["lon"], group["lat"]), crs=4326).to_crs(crs)
        pts = pd.DataFrame({
            "address_id": group["address_id"].to_numpy(), "station_id": group["station_id"].astype(str).to_numpy(),
            "x": xy.x.to_numpy(), "y": xy.y.to_numpy(), "street": group["street"].to_numpy(),
            "number": _numbers(group["housenumber"]), "lon": group["lon"].to_numpy(), "lat": group["lat"].to_numpy(),
        })
        split = _split_shared(pts[["x", "y", "station_id"]].drop_duplicates().reset_index(drop=True))
        pts = pts.rename(columns={"x": "x0", "y": "y0"}).merge(
            split[["x0", "y0", "station_id", "x", "y"]], on=["x0", "y0", "station_id"], how="left", validate="many_to_one"
        )
        moved = split[split["moved_m"] > 0]
        if len(moved):
            back = gpd.GeoSeries(gpd.points_from_xy(moved["x0"], moved["y0"]), crs=crs).to_crs(4326)
            shared_frames.append(pd.DataFrame({
                "commune_code": code, "lon": back.x.to_numpy(), "lat": back.y.to_numpy(), "station_id": moved["station_id"].to_numpy(),
                "other_stations": moved["other_stations"].to_numpy(), "moved_m": moved["moved_m"].to_numpy(),
            }))
        inside = shapely.covers(shape, shapely.points(pts[["x", "y"]].to_numpy()))
        pts["inside"] = inside
        pts["commune_code"] = str(code)
        if (~inside).any():
            far = pts[~inside]
            outside_frames.append(pd.DataFrame({
                "address_id": far["address_id"].to_numpy(), "station_id": far["station_id"].to_numpy(),
                "distance_m": shapely.distance(shape, shapely.points(far[["x", "y"]].to_numpy())),
            }))
        unique_pts = pts[inside].drop_duplicates(["x", "y", "station_id"])
        if unique_pts.empty:  # every address outside: the commune is one station's polygon… of which? refuse.
            raise BuildRefused(f"aucune adresse de la commune {code} n'est dans son contour")
        blocks = None
        if iris_shapes is not None:
            near = iris_shapes[iris_shapes.intersects(commune_outline.iloc[0])]
            blocks = np.asarray(shapely.make_valid(np.asarray(near.to_crs(crs).array, dtype=object)), dtype=object)
        polys, seeds = _commune_partition(unique_pts, shape, method, blocks)
        n_seeds += seeds
        geoms = gpd.GeoSeries(polys["geometry"].to_numpy(), crs=crs).to_crs(4326)
        station_frames.append(gpd.GeoDataFrame({"station_id": polys["station_id"].to_numpy(), "commune_code": str(code)}, geometry=geoms.to_numpy(), crs=4326))
        point_frames.append(pts[["address_id", "station_id", "commune_code", "x", "y", "inside"]])

    stations = pd.concat(station_frames, ignore_index=True)
    points = pd.concat(point_frames, ignore_index=True)
    counts = frame.groupby("station_id").size()
    stations["bv_code"] = stations["station_id"].str.split("_").str[-1]
    stations["n_addresses"] = stations["station_id"].map(counts).fillna(0).astype(int).to_numpy()
    stations["n_parts"] = [len(shapely.get_parts(g)) for g in stations.geometry]
    stations = gpd.GeoDataFrame(
        stations[["station_id", "commune_code", "bv_code", "n_addresses", "n_parts", "geometry"]], geometry="geometry", crs=4326
    ).sort_values(["commune_code", "bv_code"], key=lambda s: s.str.zfill(8)).reset_index(drop=True)
    small = counts[counts < FEW_ADDRESSES]
    if progress:
        progress("Contours construits", 1.0)
    return BuildResult(
        method=method,
        stations=stations,
        points=points,
        shared_points=pd.concat(shared_frames, ignore_index=True) if shared_frames else pd.DataFrame(columns=["commune_code", "lon", "lat", "station_id", "other_stations", "moved_m"]),
        small_stations=pd.DataFrame({"station_id": small.index.astype(str), "n_addresses": small.to_numpy().astype(int)}),
        outside=pd.concat(outside_frames, ignore_index=True) if outside_frames else pd.DataFrame(columns=["address_id", "station_id", "distance_m"]),
        outlines=outlines,
        metric=metric,
        seconds=time.perf_counter() - started,
        n_seeds=n_seeds,
        outline_fixed_m2=outline_fixes,
    )
