"""Turf cutting: split a zone's address points into turfs (secteurs) of about N doors.

**Algorithm: recursive balanced bisection** on buildings, in metres (local
equirectangular projection, :mod:`dashboard.canvass.geo`).

1. *Buildings.* Address rows are merged into indivisible units: rows of the same
   BAN point (``ban_id``; the warehouse has one row per BAN point × station), and
   rows of the same commune + street + house number (``12`` and ``12 bis`` are two
   entrances, two units). A unit's doors are the sum of its rows' ``doors``
   (:func:`dashboard.canvass.counts.estimate_doors`).
2. *Oversized buildings.* A unit with more than ``N × (1 + tolerance)`` doors cannot
   fit any turf: it becomes a turf of its own, flagged ``oversized`` (a French note
   says so).
3. *Number of turfs* ``k``: ``floor`` or ``ceil`` of total doors / N, whichever puts the
   mean turf closest to N (in ratio).
4. *Bisection.* A set of units to cut into ``k`` turfs is sorted along a direction
   and cut in two, ``k1`` turfs on one side and ``k - k1`` on the other (``k1`` within
   40–60 % of ``k``). A cut is judged by the worst deviation from N it leads to: a
   side of one turf by its doors, a side of two turfs by its own best cut (one step
   of look-ahead), a larger side by its mean turf size. Directions tried: the
   principal axis (door-weighted PCA: cutting across the longest extent keeps pieces
   compact), the parent's cut direction, and every 30°. Among the cuts whose deviation
   is within the slack, the one splitting the fewest streets wins (a street is split
   when its buildings lie on both sides), the principal and parent directions first on
   a tie — so streets and their segments stay together when they fit; beyond the
   slack, the most balanced cut. Recursion until ``k = 1``. The slack is 8 %, then
   4 %, then 0 % of N above the last cut (and the tolerance, half of it, then 0 at the
   last cut; :data:`BUDGETS`): the first plan whose turfs are all within
   ``± tolerance`` of N is kept, else the most balanced.
5. *Geometry.* Each cut is a straight line, so every turf's buildings lie in their own
   convex cell (intersection of half-planes) and no turf's hull is crossed by another
   turf — contiguity by construction. The drawn outline is a **partition of the zone**:
   the Voronoi cells of the buildings (in metres), merged per turf and clipped to the
   zone's polygon (``zone``; without one, the buildings' convex hull buffered by
   ``BUFFER_M``). Turfs therefore never overlap, never spill outside their zone, and
   together cover it; every empty corner of the zone goes to the turf of the nearest
   building.
6. *Cap.* A zone is never cut into more than :data:`MAX_TURFS` turfs (a turf of one door
   in a 1,000-door zone is a mistake, and such a map is unreadable): :func:`planned_turfs`
   tells how many a size gives and :func:`smallest_size` the smallest size within the cap,
   so the page can warn before cutting; :func:`cut_turfs` refuses beyond it.

Why not k-means or a street-graph walk: k-means needs an extra balancing step and
is not deterministic without care; the warehouse has street *names* on points, not a
street network, so a graph walk would need one. Bisection is balanced by
construction, exact to one building per cut, deterministic, O(d · n log n · log k) for
d directions (about 0.1 s for a 2,000-door zone).

Sizes: within ``± tolerance`` (default 20 %) of N except where one building alone
exceeds it, or the zone holds too few doors for any number of turfs to fit (under
2.4 × N doors, e.g. 60 doors for N = 40).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

from dashboard.canvass.counts import FALLBACK_ELECTORS_PER_LINE, estimate_doors
from dashboard.canvass.errors import CanvassError
from dashboard.canvass.geo import LocalProjection
from dashboard.canvass.housenumbers import normalise_street, parse_housenumbers
from dashboard.formats import fmt_number

DEFAULT_TURF_DOORS = 40
DEFAULT_TOLERANCE = 0.2
BUFFER_M = 25.0
# (budget of the upper cuts, budget of the last cut as a fraction of the tolerance), loosest first
BUDGETS = ((0.08, 1.0), (0.04, 0.5), (0.0, 0.0))
MAX_TURF_DOORS = 5000
MAX_TURFS = 300  # more is refused (planned_turfs): unreadable on a map, and surely not what was meant
WARN_TURFS = 150  # from this many on, the page warns before cutting
MAX_BUILDING_NOTES = 3  # one note per oversized building up to this many, then one note for the rest
_DIRECTIONS = np.array([[math.cos(a), math.sin(a)] for a in np.radians(np.arange(0, 180, 30))])


@dataclass(frozen=True)
class Turf:
    """One turf: its number (1…), the address ids it holds (``<BAN id>@<station_id>``), its estimated
    doors and its preview geometry (Polygon, EPSG:4326). ``oversized``: a single building larger than
    the requested size."""

    number: int
    address_ids: tuple[str, ...]
    doors: int
    geometry: BaseGeometry
    name: str = ""
    oversized: bool = False

    @property
    def label(self) -> str:
        return self.name or f"Secteur {self.number}"


@dataclass(frozen=True)
class TurfPlan:
    """The turfs of one zone, with the requested size and what could not be met (French notes)."""

    turfs: tuple[Turf, ...]
    target_doors: int
    tolerance: float
    streets_split: int
    notes_fr: tuple[str, ...] = ()

    @property
    def sizes(self) -> np.ndarray:
        return np.array([t.doors for t in self.turfs], dtype=np.int64)

    def within_tolerance(self, turf: Turf) -> bool:
        return abs(turf.doors - self.target_doors) <= self.tolerance * self.target_doors + 1e-9

    def preview(self) -> gpd.GeoDataFrame:
        """One row per turf (number, name, doors, addresses, oversized, geometry) for the map preview."""
        return gpd.GeoDataFrame(
            {
                "number": [t.number for t in self.turfs],
                "name": [t.label for t in self.turfs],
                "doors": [t.doors for t in self.turfs],
                "addresses": [len(t.address_ids) for t in self.turfs],
                "oversized": [t.oversized for t in self.turfs],
            },
            geometry=[t.geometry for t in self.turfs], crs=4326,
        )


# -- buildings ---------------------------------------------------------------------------
def street_keys(addresses: pd.DataFrame) -> np.ndarray:
    """``commune|normalised street`` per row (``""`` street when missing)."""
    commune = addresses["commune_code"].fillna("").astype(str) if "commune_code" in addresses else pd.Series("", index=addresses.index)
    street = addresses["street"].map(normalise_street) if "street" in addresses else pd.Series("", index=addresses.index)
    return (commune + "|" + street).to_numpy(dtype=object)


def building_units(addresses: pd.DataFrame) -> np.ndarray:
    """Unit index per row (0…, in order of first appearance): rows of one BAN point, or of one
    commune + street + house number (number and suffix), are one building."""
    n = len(addresses)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    ban = addresses["ban_id"].where(addresses["ban_id"].notna(), addresses["address_id"]).astype(str)
    k1, u1 = pd.factorize(ban, sort=False)
    numbers = parse_housenumbers(addresses["housenumber"] if "housenumber" in addresses else [None] * n)
    has_number = numbers["base"].notna().to_numpy()
    key2 = pd.Series(street_keys(addresses)) + "|" + numbers["base"].astype(str).to_numpy() + "|" + numbers["suffix"].to_numpy()
    key2 = key2.where(has_number & (pd.Series(street_keys(addresses)).str.len() > 1).to_numpy(), None)
    k2, u2 = pd.factorize(key2, sort=False)
    n1, n2 = len(u1), len(u2)
    rows = k2 >= 0
    graph = coo_matrix((np.ones(int(rows.sum())), (k1[rows], n1 + k2[rows])), shape=(n1 + n2, n1 + n2))
    _, labels = connected_components(graph, directed=False)
    units, _ = pd.factorize(labels[k1], sort=False)
    return units.astype(np.int64)


def _doors(addresses: pd.DataFrame) -> np.ndarray:
    if "doors" in addresses:
        return np.maximum(addresses["doors"].fillna(1).to_numpy(dtype=float), 0).round().astype(np.int64)
    lines = addresses["n_addresses"].fillna(1).to_numpy(dtype=float) if "n_addresses" in addresses else np.ones(len(addresses))
    return estimate_doors(lines, lines * FALLBACK_ELECTORS_PER_LINE)


# -- bisection ---------------------------------------------------------------------------
def _axis(xy: np.ndarray, w: np.ndarray) -> np.ndarray:
    weights = w.astype(float) + 1e-9
    centre = (xy * weights[:, None]).sum(axis=0) / weights.sum()
    d = xy - centre
    cov = (d * weights[:, None]).T @ d / weights.sum()
    if not np.isfinite(cov).all() or np.trace(cov) <= 1e-12:
        return np.array([1.0, 0.0])
    values, vectors = np.linalg.eigh(cov)
    axis = vectors[:, int(np.argmax(values))]
    if axis[0] < -1e-12 or (abs(axis[0]) <= 1e-12 and axis[1] < 0):
        axis = -axis  # one sign, whatever the platform's eigensolver returns
    return axis


def _half_plane(axis: np.ndarray, c: float, keep_low: bool, reach: float) -> BaseGeometry:
    """The half-plane ``p·axis ≤ c`` (``keep_low``) or ``≥ c`` as a large rectangle of half-size ``reach`` m."""
    perp = np.array([-axis[1], axis[0]])
    origin = axis * c
    depth = -reach if keep_low else reach
    corners = [origin + perp * reach, origin - perp * reach, origin - perp * reach + axis * depth, origin + perp * reach + axis * depth]
    return shapely.Polygon(corners)


def _street_splits(proj: np.ndarray, codes: np.ndarray, m: int) -> np.ndarray:
    """For each cut i = 1…n-1 of sorted units (left = positions < i): the streets (``codes`` in 0…m-1)
    with units on both sides, plus one when the cut falls between two units at the same place."""
    n = len(proj)
    first = np.full(m, n, dtype=np.int64)
    last = np.full(m, -1, dtype=np.int64)
    positions = np.arange(n)
    np.minimum.at(first, codes, positions)
    np.maximum.at(last, codes, positions)
    diff = np.zeros(n + 1, dtype=np.int64)
    np.add.at(diff, first + 1, 1)
    np.add.at(diff, last + 1, -1)
    return np.cumsum(diff)[1:n] + (proj[1:] <= proj[:-1] + 1e-9)


def _two_way_prefix(cum: np.ndarray, target: int) -> np.ndarray:
    """For every prefix of ``i + 1`` units (i = 0…n-1): the worst relative deviation from ``target`` of its
    best cut in two (``inf`` for a single unit)."""
    n = len(cum)
    best = np.full(n, np.inf)
    if n < 2:
        return best
    # the best cut of a prefix puts the door count nearest half of it on the left: cum[a] ≈ cum[i] / 2, a < i
    a = np.minimum(np.searchsorted(cum, cum / 2.0), np.arange(n) - 1)
    for cand in (a - 1, a):
        ok = cand >= 0
        c = cum[np.maximum(cand, 0)]
        dev = np.maximum(np.abs(c - target), np.abs(cum - c - target)) / target
        best = np.where(ok & (dev < best), dev, best)
    return best


def _child_dev(sums: np.ndarray, kc: int, two_way: Callable[[], np.ndarray], target: int) -> np.ndarray:
    if kc == 1:
        return np.abs(sums - target) / target
    if kc == 2:
        return two_way()
    return np.abs(sums / kc - target) / target


def _best_cut(proj: np.ndarray, w: np.ndarray, codes: np.ndarray, m: int, k: int, target: int, budget: float) -> tuple[tuple, int, int]:
    """Best (key, cut position i, turfs on the left k1) for units sorted along an axis, to be cut into ``k`` turfs.

    A cut is judged by the worst relative deviation from ``target`` it leads to: a side of one turf by its
    size, a side of two turfs by its best cut in two along the same axis (one step of look-ahead), a larger
    side by its mean turf size. Among the cuts within ``budget``, the one splitting the fewest streets wins;
    if none, the smallest deviation. ``k1`` ranges over 40–60 % of ``k``.
    """
    n = len(proj)
    cum = np.cumsum(w).astype(float)
    total = cum[-1]
    left = cum[:-1]
    right = total - left
    memo: dict[str, np.ndarray] = {}

    def prefix_two() -> np.ndarray:  # best cut in two of the prefix of i units, i = 1..n-1
        if "p" not in memo:
            memo["p"] = _two_way_prefix(cum, target)[:-1]
        return memo["p"]

    def suffix_two() -> np.ndarray:  # best cut in two of the suffix starting at i, i = 1..n-1
        if "s" not in memo:
            memo["s"] = _two_way_prefix(np.cumsum(w[::-1]).astype(float), target)[::-1][1:]
        return memo["s"]

    k1s = np.arange(max(1, math.floor(0.4 * k)), min(k - 1, math.ceil(0.6 * k)) + 1)
    dev = np.stack([
        np.maximum(_child_dev(left, int(k1), prefix_two, target), _child_dev(right, int(k - k1), suffix_two, target))
        for k1 in k1s
    ])
    splits = np.broadcast_to(_street_splits(proj, codes, m)[None, :], dev.shape)
    over = dev > budget + 1e-12
    balance = np.broadcast_to(np.abs(k1s - k / 2.0)[:, None], dev.shape)
    position = np.broadcast_to(np.arange(n - 1)[None, :], dev.shape)
    key2 = np.where(over, dev, splits)
    key3 = np.where(over, splits, dev)
    flat = int(np.lexsort((position.ravel(), balance.ravel(), key3.ravel(), key2.ravel(), over.ravel()))[0])
    row, col = divmod(flat, n - 1)
    key = (bool(over[row, col]), float(key2[row, col]), float(key3[row, col]), float(balance[row, col]))
    return key, col + 1, int(k1s[row])


def _bisect(units: np.ndarray, k: int, cell: BaseGeometry, xy: np.ndarray, w: np.ndarray, streets: np.ndarray,
            target: int, budgets: tuple[float, float], reach: float, out: list[tuple[np.ndarray, BaseGeometry]],
            parent_axis: np.ndarray | None = None) -> None:
    k = min(k, len(units))
    if k <= 1:
        out.append((units, cell))
        return
    budget = budgets[1] if k == 2 else budgets[0]
    # Candidate cut directions: the principal axis (compact halves), the parent's axis (which the
    # parent's look-ahead assumed) and every 30°. Within the budget the cut splitting the fewest
    # streets wins, the principal and parent axes first on a tie; beyond it, the most balanced.
    axes = [(0, _axis(xy[units], w[units]))]
    if parent_axis is not None:
        axes.append((0, parent_axis))
    axes += [(1, _DIRECTIONS[j]) for j in range(len(_DIRECTIONS))]
    _, codes = np.unique(streets[units], return_inverse=True)
    m = int(codes.max()) + 1
    best = None
    for rank, (group, axis) in enumerate(axes):
        proj = xy[units] @ axis
        perp = xy[units] @ np.array([-axis[1], axis[0]])
        order = np.lexsort((units, perp, proj))
        key, i, k1 = _best_cut(proj[order], w[units[order]], codes[order], m, k, target, budget)
        full = (key[0], key[1], group) + key[2:] + (rank,)
        if best is None or full < best[0]:
            best = (full, axis, units[order], proj[order], i, k1)
    assert best is not None
    _, axis, sorted_units, sorted_proj, i, k1 = best
    c = (sorted_proj[i - 1] + sorted_proj[i]) / 2.0
    low = shapely.intersection(cell, _half_plane(axis, c, True, reach))
    high = shapely.intersection(cell, _half_plane(axis, c, False, reach))
    _bisect(sorted_units[:i], k1, low, xy, w, streets, target, budgets, reach, out, axis)
    _bisect(sorted_units[i:], k - k1, high, xy, w, streets, target, budgets, reach, out, axis)


def doors_fr(count: int) -> str:
    """« 1 porte », « 40 portes » (French: singular for 0 and 1)."""
    return f"{fmt_number(count)} porte" + ("" if abs(int(count)) <= 1 else "s")


def turfs_fr(count: int) -> str:
    """« 1 secteur », « 160 secteurs »."""
    return f"{fmt_number(count)} secteur" + ("" if abs(int(count)) <= 1 else "s")


def planned_turfs(total_doors: int, target_doors: int) -> int:
    """About how many turfs cutting ``total_doors`` doors into turfs of ``target_doors`` gives (the cut's own
    count, before oversized buildings, which only add turfs of their own)."""
    return _turf_count(int(total_doors), max(1, int(target_doors)))


def smallest_size(total_doors: int, limit: int = MAX_TURFS) -> int:
    """The smallest turf size (doors) that cuts ``total_doors`` doors into at most ``limit`` turfs."""
    size = max(1, math.ceil(int(total_doors) / max(1, limit)))
    while planned_turfs(total_doors, size) > limit:
        size += 1
    return size


def too_many_turfs_fr(count: int, total_doors: int, target_doors: int) -> str:
    """The refusal: how many turfs that would make, the cap, and the smallest size within it."""
    return (f"Découper {doors_fr(total_doors)} en secteurs d'environ {doors_fr(target_doors)} ferait "
            f"{turfs_fr(count)}, au-delà du maximum de {turfs_fr(MAX_TURFS)} : choisissez au moins "
            f"{doors_fr(smallest_size(total_doors))} par secteur.")


def _turf_count(total: int, target: int) -> int:
    if total <= 0:
        return 0
    low = max(1, math.floor(total / target))
    high = max(1, math.ceil(total / target))
    return min((low, high), key=lambda k: (abs(math.log(total / k / target)), k))


def _describe(addresses: pd.DataFrame, rows: np.ndarray) -> str:
    row = addresses.iloc[int(rows[0])]
    parts = [str(v) for v in (row.get("housenumber"), row.get("street")) if v is not None and not pd.isna(v) and str(v)]
    return " ".join(parts) or str(row.get("label") or row.get("address_id"))


def partition(xy: np.ndarray, owner: np.ndarray, n_turfs: int, region: BaseGeometry) -> list[BaseGeometry]:
    """One shape per turf (0…n_turfs-1), in the metres of ``xy``: the Voronoi cells of the points ``xy`` merged
    per ``owner`` (the turf of each point) and clipped to ``region``. The shapes tile ``region``: no overlap, their
    union is ``region``. Points at one place belong to the first point's turf; a turf left without a cell (all its
    points at places held by other turfs, or outside ``region``) gets a small disc around its points, cut out of
    the others."""
    empty = shapely.Polygon()
    if n_turfs == 0 or region.is_empty:
        return [empty] * n_turfs
    rounded = np.round(xy, 3)
    places, first = np.unique(rounded, axis=0, return_index=True)
    holder = owner[first]
    if len(places) == 1:
        cells = [region]
    else:
        diagram = shapely.voronoi_polygons(shapely.MultiPoint(places), extend_to=region, ordered=True)
        cells = list(shapely.get_parts(diagram))
    shapes = []
    for turf in range(n_turfs):
        mine = [cells[i] for i in np.flatnonzero(holder == turf)]
        merged = shapely.coverage_union_all(mine) if len(mine) > 1 else (mine[0] if mine else empty)
        shapes.append(shapely.intersection(merged, region) if mine else empty)

    def carve(turf: int, piece: BaseGeometry) -> None:
        """Give ``piece`` (within the region when it touches it) to ``turf``, cut out of every other turf."""
        inside = shapely.intersection(piece, region)
        piece = inside if not inside.is_empty else piece  # points outside the region: a piece touching nothing else
        for j in range(n_turfs):
            if j != turf and not shapes[j].is_empty:
                shapes[j] = shapely.difference(shapes[j], piece)
        shapes[turf] = shapely.union(shapes[turf], piece) if not shapes[turf].is_empty else piece

    # A place shared by the points of several turfs (one building, several turfs): each turf other than
    # the place's holder gets a wedge of a small disc around it, so that every turf touches its own points.
    at_place = np.unique(rounded, axis=0, return_inverse=True)[1].reshape(-1)
    for place in np.unique(at_place):
        sharing = sorted({int(o) for o in owner[at_place == place]})
        if len(sharing) > 1:
            point = xy[np.flatnonzero(at_place == place)[0]]
            for j, turf in enumerate(sharing):
                if turf != int(holder[place]):
                    carve(turf, _wedge(point, 2.0, j, len(sharing)))
    for turf in range(n_turfs):  # a turf still without a shape (its points outside the region): discs
        if shapes[turf].is_empty or shapes[turf].area <= 0:
            carve(turf, shapely.buffer(shapely.MultiPoint(xy[owner == turf]), 2.0, quad_segs=4))
    return [_polygonal(shapely.make_valid(s)) for s in shapes]


def _wedge(point: np.ndarray, radius: float, index: int, count: int) -> BaseGeometry:
    """The ``index``-th of ``count`` equal wedges of the disc of ``radius`` around ``point`` (apex at the point)."""
    start, end = 2 * math.pi * index / count, 2 * math.pi * (index + 1) / count
    angles = np.linspace(start, end, 9)
    arc = [(point[0] + radius * math.cos(a), point[1] + radius * math.sin(a)) for a in angles]
    return shapely.Polygon([(point[0], point[1]), *arc])


def _polygonal(shape: BaseGeometry) -> BaseGeometry:
    """The polygon parts of ``shape`` (intersections may leave stray lines or points)."""
    if shape.geom_type in ("Polygon", "MultiPolygon"):
        return shape
    parts = [p for p in shapely.get_parts(shape) if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def cut_turfs(
    addresses: pd.DataFrame, target_doors: int = DEFAULT_TURF_DOORS, *, tolerance: float = DEFAULT_TOLERANCE,
    zone: BaseGeometry | None = None, max_turfs: int = MAX_TURFS,
) -> TurfPlan:
    """Cut ``addresses`` (columns ``address_id``, ``ban_id``, ``lon``, ``lat``, and ideally ``street``,
    ``housenumber``, ``commune_code``, ``doors`` — else doors are estimated from ``n_addresses``) into
    turfs of about ``target_doors`` doors. Deterministic: the same rows give the same plan.

    ``zone`` (EPSG:4326): the zone's polygon, which the turfs' outlines tile; raises :class:`CanvassError`
    when the cut would make more than ``max_turfs`` turfs."""
    if not isinstance(target_doors, (int, np.integer)) or isinstance(target_doors, bool) or not 1 <= target_doors <= MAX_TURF_DOORS:
        raise CanvassError(f"taille de secteur invalide : un nombre entier de portes entre 1 et {fmt_number(MAX_TURF_DOORS)} est attendu")
    if not 0.0 < tolerance < 1.0:
        raise CanvassError("la tolérance sur la taille des secteurs doit être comprise entre 0 et 100 %")
    target = int(target_doors)
    frame = addresses.reset_index(drop=True)
    frame = frame.loc[np.isfinite(frame["lon"].to_numpy(dtype=float)) & np.isfinite(frame["lat"].to_numpy(dtype=float))].reset_index(drop=True)
    if not len(frame):
        return TurfPlan((), target, tolerance, 0, ("La zone ne contient aucune adresse : aucun secteur à découper.",))
    unit = building_units(frame)
    n_units = int(unit.max()) + 1
    projection = LocalProjection.around(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    x, y = projection.forward(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    count = np.bincount(unit, minlength=n_units).astype(float)
    xy = np.column_stack([np.bincount(unit, x, n_units) / count, np.bincount(unit, y, n_units) / count])
    w = np.bincount(unit, _doors(frame), n_units).astype(np.int64)
    first_row = np.full(n_units, len(frame), dtype=np.int64)
    np.minimum.at(first_row, unit, np.arange(len(frame)))
    street_names = street_keys(frame)[first_row]
    streets = pd.factorize(street_names, sort=True)[0].astype(np.int64)  # integer codes for the cut search
    rows_of = pd.Series(np.arange(len(frame))).groupby(unit).agg(list)

    oversized = np.flatnonzero(w > target * (1 + tolerance))
    normal = np.setdiff1d(np.arange(n_units), oversized)
    notes: list[str] = []
    leaves: list[tuple[np.ndarray, BaseGeometry]] = []
    planned = _turf_count(int(w[normal].sum()), target) + len(oversized) if len(normal) else len(oversized)
    if planned > max_turfs:
        raise CanvassError(too_many_turfs_fr(planned, int(w.sum()), target))
    if len(normal):
        k = _turf_count(int(w[normal].sum()), target)
        span = float(np.ptp(xy[:, 0]) + np.ptp(xy[:, 1]))
        reach = 10.0 * (span + 1000.0)
        start = shapely.box(xy[:, 0].min() - 1000, xy[:, 1].min() - 1000, xy[:, 0].max() + 1000, xy[:, 1].max() + 1000)
        best: tuple[float, list[tuple[np.ndarray, BaseGeometry]]] | None = None
        for upper, last in BUDGETS:
            attempt: list[tuple[np.ndarray, BaseGeometry]] = []
            _bisect(normal, k, start, xy, w, streets, target, (upper, tolerance * last), reach, attempt)
            worst = max(abs(int(w[u].sum()) - target) / target for u, _ in attempt)
            if best is None or worst < best[0] - 1e-12:
                best = (worst, attempt)
            if worst <= tolerance + 1e-12:
                break
        assert best is not None
        leaves = best[1]
    groups = [units for units, _ in leaves] + [np.array([u]) for u in oversized]
    turf_of_unit = np.full(n_units, -1, dtype=np.int64)
    for index, units in enumerate(groups):
        turf_of_unit[units] = index
    if zone is not None and not zone.is_empty:
        region = _polygonal(shapely.make_valid(projection.to_metres(zone)))
    else:
        region = shapely.buffer(shapely.convex_hull(shapely.MultiPoint(xy)), BUFFER_M, quad_segs=4)
    shapes = partition(xy, turf_of_unit, len(groups), region)

    turfs: list[Turf] = []
    ids = frame["address_id"].astype(str).to_numpy()
    for index, units in enumerate(groups):
        rows = np.sort(np.concatenate([np.asarray(rows_of[u], dtype=np.int64) for u in units]))
        number = index + 1
        big = index >= len(leaves)
        turfs.append(Turf(number, tuple(ids[rows]), int(w[units].sum()), projection.to_degrees(shapes[index]),
                          name=f"Secteur {number}", oversized=big))
    big_turfs = [t for t in turfs if t.oversized]
    for turf in big_turfs[:MAX_BUILDING_NOTES]:
        rows = np.sort(np.asarray(rows_of[int(groups[turf.number - 1][0])], dtype=np.int64))
        notes.append(
            f"Le bâtiment « {_describe(frame, rows)} » compte environ {doors_fr(turf.doors)}, plus qu'un "
            f"secteur de {doors_fr(target)} (± {tolerance * 100:.0f}\u202f%) : il forme à lui seul le secteur {turf.number}."
        )
    if len(big_turfs) > MAX_BUILDING_NOTES:
        rest = len(big_turfs) - MAX_BUILDING_NOTES
        notes.append(f"Et {fmt_number(rest)} autre{'s' if rest > 1 else ''} bâtiment{'s' if rest > 1 else ''} plus "
                     f"grand{'s' if rest > 1 else ''} qu'un secteur, chacun seul dans son secteur (remarque « grand "
                     "immeuble seul » dans le tableau).")
    normal_sizes = [t.doors for t in turfs if not t.oversized]
    if normal_sizes and any(abs(s - target) > tolerance * target + 1e-9 for s in normal_sizes):
        if len(normal_sizes) == 1:
            notes.append(
                f"La zone compte {doors_fr(normal_sizes[0])} hors grands immeubles : un seul secteur, "
                f"loin des {doors_fr(target)} demandées."
            )
        else:
            notes.append(
                f"Certains secteurs s'écartent de plus de {tolerance * 100:.0f}\u202f% des {doors_fr(target)} "
                "demandées (zone trop petite pour ce découpage, ou bâtiments trop grands)."
            )
    keyed = pd.DataFrame({"street": street_names, "turf": turf_of_unit})
    keyed = keyed.loc[~keyed["street"].str.endswith("|")]  # no street name: not a street
    split = int((keyed.groupby("street")["turf"].nunique() > 1).sum()) if len(keyed) else 0
    return TurfPlan(tuple(turfs), target, tolerance, split, tuple(notes))
