"""Build the fictional territory: atoms, communes, IRIS, bureaux de vote, demography.

Two layouts share one pipeline:

* ``city``: one commune, Isoloir-sur-Loire (45999), ~2,600 atoms, 40 BV in 2022
  (41 in 2024, one bureau split in two), 20 IRIS;
* ``national``: a France-like territory with ~35,000 communes, ~69,000 BV,
  ~49,000 IRIS in 96 départements.

Pipeline: atoms (Voronoi cells of random points, denser where people live) ->
latent fields -> communes (nearest commune seed) -> IRIS (balanced partition of
each commune's atoms on population) -> demography -> electors by group -> BV
(another balanced partition, on electors, with other cut directions, so IRIS
and BV cross) -> 2024 split -> circonscriptions -> geometries by coverage union.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import shapely

from . import france, names
from .clustering import balanced_partition, rank_within
from .geometry import (blob_outline, dedupe_points, dissolve, gaussian_field, lonlat_to_l93,
                       nearest, points_in, polygon_lonlat_to_l93, smooth_field, voronoi_atoms)
from .population import (Demography, Fields, demography, expected_registered, filosofi,
                         iris_indicators, registered_counts)

Progress = Callable[[str, float], None]

CITY_CODE = "45999"
CITY_NAME = "Isoloir-sur-Loire"
CITY_DEP = "45"
CITY_DEP_NAME = "Loiret"
CITY_REGION = "24"
CITY_POSTCODE = "45990"
CITY_LONLAT = (1.90, 47.90)
CITY_BV = 40
CITY_IRIS = 20
CITY_REGISTERED_PER_BV = 1000.0

NATIONAL_COMMUNES = 35_000
NATIONAL_BV = 69_000
NATIONAL_IRIS = 49_000
NATIONAL_POPULATION = 66_000_000
NATIONAL_CIRCOS = 550
NATIONAL_SPLITS = 6


def rng_for(seed: int, stage: str) -> np.random.Generator:
    """An independent, reproducible random stream per generation stage."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(stage.encode())]))


@dataclass
class Communes:
    code: np.ndarray
    name: np.ndarray
    dep: np.ndarray
    dep_name: np.ndarray
    region: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    postcode: np.ndarray
    uu: np.ndarray
    geometry: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    population: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.code)


@dataclass
class Circos:
    code: np.ndarray     # "4501"
    dep: np.ndarray      # "45"
    number: np.ndarray   # 1
    name: np.ndarray     # "1ère circonscription"


@dataclass
class StationSet:
    key: str                 # "2022" or "2024"
    commune: np.ndarray      # commune index
    number: np.ndarray       # BV number inside the commune (1, 2, ...)
    circo: np.ndarray        # circonscription index
    groups: np.ndarray       # (n_bv, 15) electors by group
    cx: np.ndarray
    cy: np.ndarray
    place: np.ndarray        # polling-place index (BV sharing a building share it)
    parent: np.ndarray       # index of the 2022 BV this one comes from (itself for 2022)
    geometry: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))

    def __len__(self) -> int:
        return len(self.commune)


@dataclass
class IrisTable:
    commune: np.ndarray
    code: np.ndarray        # 9 characters
    code4: np.ndarray       # last 4 characters
    name: np.ndarray
    typ: np.ndarray         # H, A, D or Z
    grd_quart: np.ndarray   # 7 characters
    triris: np.ndarray      # 6 characters or ZZZZZZ
    geometry: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))

    def __len__(self) -> int:
        return len(self.code)


@dataclass
class Territory:
    scale: str
    seed: int
    atom_xy: np.ndarray
    pad_xy: np.ndarray
    atom_area: np.ndarray
    atom_commune: np.ndarray
    atom_iris: np.ndarray
    atom_bv: dict[str, np.ndarray]
    atom_registered: dict[str, np.ndarray]
    fields: Fields
    demo: Demography
    communes: Communes
    circos: Circos
    stations: dict[str, StationSet]
    iris: IrisTable
    indicators: dict[str, np.ndarray]
    filosofi: dict[str, np.ndarray]
    splits: list[dict[str, object]]


@dataclass
class _Layout:
    atom_xy: np.ndarray
    pad_xy: np.ndarray
    cells: np.ndarray
    fields: Fields
    base_pop: np.ndarray
    atom_commune: np.ndarray
    communes: Communes
    k_bv: np.ndarray | None      # fixed BV count per commune (city), else computed
    m_iris: np.ndarray | None    # fixed IRIS count per commune (city), else computed
    commune_circos: np.ndarray | None  # (city) circonscription count per département


# --------------------------------------------------------------------------- layouts


def _pad_grid(bounds: tuple[float, float, float, float], spacing: float, margin: float,
              inside: Callable[[np.ndarray, np.ndarray], np.ndarray], rng: np.random.Generator) -> np.ndarray:
    xmin, ymin, xmax, ymax = bounds
    gx = np.arange(xmin - margin, xmax + margin + spacing, spacing)
    gy = np.arange(ymin - margin, ymax + margin + spacing, spacing)
    xx, yy = np.meshgrid(gx, gy)
    x = xx.ravel() + rng.uniform(-0.2, 0.2, xx.size) * spacing
    y = yy.ravel() + rng.uniform(-0.2, 0.2, yy.size) * spacing
    keep = ~inside(x, y)
    return np.column_stack([x[keep], y[keep]])


def _city_layout(seed: int) -> _Layout:
    rng = rng_for(seed, "city-layout")
    cx0, cy0 = lonlat_to_l93(np.array([CITY_LONLAT[0]]), np.array([CITY_LONLAT[1]]))
    cx, cy = float(cx0[0]), float(cy0[0])
    outline = blob_outline(cx, cy, 3000.0, 2500.0, rng)
    n_atoms = 2600
    pts: list[np.ndarray] = []
    total = 0
    while total < n_atoms:
        m = 4000
        central = rng.random(m) < 0.5
        x = np.where(central, cx + rng.normal(0, 1100.0, m), rng.uniform(cx - 3600, cx + 3600, m))
        y = np.where(central, cy + rng.normal(0, 1000.0, m), rng.uniform(cy - 3100, cy + 3100, m))
        ok = points_in(outline, x, y)
        pts.append(np.column_stack([x[ok], y[ok]]))
        total += int(ok.sum())
    atom_xy = dedupe_points(np.vstack(pts)[:n_atoms])
    pad_xy = _pad_grid(outline.bounds, 130.0, 700.0, lambda x, y: points_in(outline.buffer(40.0), x, y), rng)
    cells = voronoi_atoms(atom_xy, pad_xy)
    x, y = atom_xy[:, 0], atom_xy[:, 1]
    d = np.hypot(x - cx, y - cy)
    bounds = (cx - 3500, cy - 3000, cx + 3500, cy + 3000)
    density = 2.0 * np.exp(-0.5 * (d / 1500.0) ** 2)
    income = 0.8 * smooth_field(x, y, rng, 9, (700.0, 1800.0), bounds) + 0.35 * (x - cx) / 3000.0
    # Three social-housing estates towards the edge of the town.
    ang = rng.uniform(0, 2 * np.pi) + np.array([0.0, 2.1, 4.0]) + rng.uniform(-0.4, 0.4, 3)
    rad = rng.uniform(1300.0, 2200.0, 3)
    hlm = gaussian_field(x, y, cx + rad * np.cos(ang), cy + 0.85 * rad * np.sin(ang),
                         rng.uniform(350.0, 550.0, 3), np.array([2.2, 2.0, 1.8]))
    hlm += gaussian_field(x, y, np.array([cx + rng.normal(0, 300)]), np.array([cy + rng.normal(0, 300)]),
                          np.array([500.0]), np.array([0.7]))
    age = 0.8 * smooth_field(x, y, rng, 7, (800.0, 2000.0), bounds) + 0.25 * (density - 1.0)
    rural = np.clip((d - 2700.0) / 900.0, 0.0, 0.4)
    fields = Fields(income=income, age=age, hlm=hlm, density=density, rural=rural)
    base_pop = rng.lognormal(0.0, 0.3, len(x)) * (1.0 + 0.9 * np.clip(hlm, 0, 2)) * (0.6 + 0.3 * density)
    communes = Communes(code=np.array([CITY_CODE]), name=np.array([CITY_NAME]), dep=np.array([CITY_DEP]),
                        dep_name=np.array([CITY_DEP_NAME]), region=np.array([CITY_REGION]),
                        cx=np.array([cx]), cy=np.array([cy]), postcode=np.array([CITY_POSTCODE]),
                        uu=np.array(["45702"]))
    return _Layout(atom_xy=atom_xy, pad_xy=pad_xy, cells=cells, fields=fields, base_pop=base_pop,
                   atom_commune=np.zeros(len(x), dtype=np.int64), communes=communes,
                   k_bv=np.array([CITY_BV]), m_iris=np.array([CITY_IRIS]), commune_circos=np.array([1]))


def _national_layout(seed: int, progress: Progress) -> _Layout:
    rng = rng_for(seed, "national-layout")
    mainland = polygon_lonlat_to_l93(france.MAINLAND)
    corsica = polygon_lonlat_to_l93(france.CORSICA)
    outline = shapely.MultiPolygon([mainland, corsica])
    shapely.prepare(outline)
    xmin, ymin, xmax, ymax = outline.bounds

    # Cities: the big ones at real positions, ~900 towns at random places.
    city_ll = np.asarray(france.BIG_CITIES, dtype=float)
    bx, by = lonlat_to_l93(city_ll[:, 0], city_ll[:, 1])
    bpop = city_ll[:, 2]
    n_rural = 170_000
    rx = rng.uniform(xmin, xmax, int(n_rural * 2.2))
    ry = rng.uniform(ymin, ymax, int(n_rural * 2.2))
    ok = shapely.contains_xy(outline, rx, ry)
    rx, ry = rx[ok][:n_rural], ry[ok][:n_rural]
    n_towns = 900
    tpick = rng.choice(len(rx), n_towns * 2, replace=False)
    tx, ty = rx[tpick], ry[tpick]
    braw = 2200.0 * (bpop / 50_000.0) ** 0.3
    far = nearest(np.column_stack([bx, by]), np.column_stack([tx, ty]))
    dist_big = np.hypot(tx - bx[far], ty - by[far])
    keep_t = dist_big > braw[far] + 12_000.0
    tx, ty = tx[keep_t][:n_towns], ty[keep_t][:n_towns]
    tpop = np.minimum(4_500.0 * (1.0 - rng.random(len(tx))) ** (-1.0 / 1.3), 45_000.0)
    cx_all = np.concatenate([bx, tx])
    cy_all = np.concatenate([by, ty])
    cpop = np.concatenate([bpop, tpop])
    cr = 2200.0 * (cpop / 50_000.0) ** 0.3

    # Urban atoms around each city (about 150 inhabitants each, spreading into suburbs).
    n_urban = np.round(1.4 * cpop / 150.0).astype(np.int64)
    rep = np.repeat(np.arange(len(cpop)), n_urban)
    ux = cx_all[rep] + rng.normal(0, 1, len(rep)) * 0.75 * cr[rep]
    uy = cy_all[rep] + rng.normal(0, 1, len(rep)) * 0.75 * cr[rep]
    ok = shapely.contains_xy(outline, ux, uy)
    ux, uy, rep = ux[ok], uy[ok], rep[ok]
    atom_xy = dedupe_points(np.vstack([np.column_stack([rx, ry]), np.column_stack([ux, uy])]))
    n_r = len(rx)
    urban = np.zeros(len(atom_xy), dtype=bool)
    urban[n_r:] = True
    progress("Tessellation du territoire en îlots (Voronoï)", 0.06)
    pad_xy = _pad_grid(outline.bounds, 3000.0, 20_000.0,
                       lambda x, y: shapely.contains_xy(outline, x, y), rng)
    cells = voronoi_atoms(atom_xy, pad_xy)
    area = shapely.area(cells)
    x, y = atom_xy[:, 0], atom_xy[:, 1]
    progress("Champs démographiques latents", 0.12)

    bounds = (xmin, ymin, xmax, ymax)
    # Urban density from the city bumps; rural areas ~0.
    density = np.clip(gaussian_field(x, y, cx_all, cy_all, 1.2 * cr,
                                     np.clip(np.log10(cpop / 3_000.0), 0.3, 2.6)), 0, 2.5)
    income = (0.7 * smooth_field(x, y, rng, 70, (40_000.0, 150_000.0), bounds)
              + 0.6 * smooth_field(x, y, rng, 2500, (1_500.0, 6_000.0), bounds))
    hlm_n = int(len(cpop) * 2.5)
    hc = rng.integers(0, len(cpop), hlm_n)
    hang = rng.uniform(0, 2 * np.pi, hlm_n)
    hrad = cr[hc] * rng.uniform(0.4, 1.6, hlm_n)
    hlm = gaussian_field(x, y, cx_all[hc] + hrad * np.cos(hang), cy_all[hc] + hrad * np.sin(hang),
                         cr[hc] * rng.uniform(0.15, 0.3, hlm_n), rng.uniform(1.4, 2.4, hlm_n))
    age = 0.7 * smooth_field(x, y, rng, 90, (30_000.0, 120_000.0), bounds) - 0.35 * np.clip(density, 0, 1.5)
    farmland = smooth_field(x, y, rng, 40, (50_000.0, 150_000.0), bounds).clip(-1, 1)
    rural = np.clip(np.clip(0.6 - 0.6 * density, 0.0, 0.6) * (0.7 + 0.3 * farmland), 0.0, 0.8)
    fields = Fields(income=income, age=age, hlm=hlm, density=density, rural=rural)
    rural_density = 40e-6 * np.exp(0.6 * smooth_field(x, y, rng, 60, (40_000.0, 140_000.0), bounds))
    capped_area = np.minimum(area, 2.5 * np.median(area[~urban]))
    base_pop = np.where(urban, 150.0, rural_density * capped_area) * rng.lognormal(0.0, 0.35, len(x))
    base_pop *= 1.0 + 0.8 * np.clip(hlm, 0, 2)

    progress("Découpage en communes", 0.18)
    # Commune seeds: every city centre, plus area-weighted atoms outside the city cores.
    city_atom = nearest(atom_xy, np.column_stack([cx_all, cy_all]))
    forced = np.unique(city_atom)
    tree = shapely.STRtree(shapely.points(atom_xy))
    core_city, excluded = tree.query(shapely.points(np.column_stack([cx_all, cy_all])), predicate="dwithin",
                                     distance=cr)
    eligible = np.ones(len(x), dtype=bool)
    eligible[excluded] = False
    eligible[forced] = False
    key = np.log(rng.random(len(x))) / np.maximum(area, 1.0)
    key[~eligible] = -np.inf
    n_extra = NATIONAL_COMMUNES - len(forced)
    extra = np.argpartition(-key, n_extra)[:n_extra]
    seeds = np.sort(np.concatenate([forced, extra]))
    atom_commune = nearest(atom_xy[seeds], atom_xy)
    # A city commune owns its whole core (radius cr), not just the half-way line to its neighbours.
    ratio = np.hypot(x[excluded] - cx_all[core_city], y[excluded] - cy_all[core_city]) / cr[core_city]
    o = np.lexsort((ratio, excluded))
    _, first = np.unique(excluded[o], return_index=True)
    atom_commune[excluded[o][first]] = np.searchsorted(seeds, city_atom[core_city[o][first]])
    n_c = len(seeds)
    atom_commune[seeds] = np.arange(n_c)  # every commune keeps at least its seed atom
    ccx, ccy = x[seeds], y[seeds]

    # Départements: nearest département centroid (Corsica kept apart).
    deps = france.DEPARTEMENTS
    dcode = np.array([d[0] for d in deps])
    dname = np.array([d[1] for d in deps])
    dreg = np.array([d[2] for d in deps])
    dll = np.array([[d[3], d[4]] for d in deps])
    dx, dy = lonlat_to_l93(dll[:, 0], dll[:, 1])
    is_cor_dep = np.isin(dcode, ["2A", "2B"])
    on_cor = shapely.contains_xy(corsica.buffer(15_000.0), ccx, ccy)
    cdep = np.empty(n_c, dtype=np.int64)
    main_idx = np.flatnonzero(~is_cor_dep & (dcode != "75"))
    cor_idx = np.flatnonzero(is_cor_dep)
    cdep[~on_cor] = main_idx[nearest(np.column_stack([dx[main_idx], dy[main_idx]]),
                                     np.column_stack([ccx[~on_cor], ccy[~on_cor]]))]
    cdep[on_cor] = cor_idx[nearest(np.column_stack([dx[cor_idx], dy[cor_idx]]),
                                   np.column_stack([ccx[on_cor], ccy[on_cor]]))]
    # Paris (75) is a single commune: the one seeded at the Paris city centre.
    paris_seed = nearest(atom_xy[seeds], np.column_stack([bx[:1], by[:1]]))[0]
    cdep[paris_seed] = int(np.flatnonzero(dcode == "75")[0])

    cname = names.commune_names(n_c, rng)
    # INSEE codes: alphabetical inside each département, with a few gaps.
    order = np.lexsort((cname, cdep))
    rank = np.empty(n_c, dtype=np.int64)
    counts = np.bincount(cdep, minlength=len(deps))
    starts = np.cumsum(counts) - counts
    rank[order] = np.arange(n_c) - starts[cdep[order]]
    gaps = np.where(rng.random(n_c) < 0.35, 2, 1)
    gaps_sorted = gaps[order]
    gaps_sorted[starts[counts > 0]] = 1  # codes start at DD001
    cum = np.cumsum(gaps_sorted)
    base = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0)
    num_sorted = cum - base[cdep[order]]
    num = np.empty(n_c, dtype=np.int64)
    num[order] = num_sorted
    too_many = np.bincount(cdep, weights=(num > 999).astype(float), minlength=len(deps)) > 0
    num = np.where(too_many[cdep], rank + 1, num)
    if (num > 999).any():  # pragma: no cover - guarded by the seed density
        raise RuntimeError("a département has more than 999 communes")
    code = np.strings.add(dcode[cdep], np.char.zfill(num.astype(str), 3))

    # Postcodes: the biggest commune of a département gets DD000, the others share codes in groups.
    dep2 = np.where(np.isin(dcode[cdep], ["2A", "2B"]), "20", dcode[cdep])
    grp = balanced_partition(cdep, np.maximum(1, np.minimum(counts // 8, 98)), ccx, ccy, np.ones(n_c), rng)
    postcode = np.strings.add(dep2, np.char.zfill(((grp + 1) * 10).astype(str), 3))
    cpop_commune = np.bincount(atom_commune, weights=base_pop, minlength=n_c)
    top = np.lexsort((-cpop_commune, cdep))
    first_of_dep = top[starts[counts > 0]]
    postcode[first_of_dep] = np.strings.add(dep2[first_of_dep], "000")
    near_city = nearest(np.column_stack([cx_all, cy_all]), np.column_stack([ccx, ccy]))
    uu = np.where(cpop_commune >= np.quantile(cpop_commune, 0.8),
                  np.strings.add(dcode[cdep], np.strings.add("7", np.char.zfill((near_city % 100).astype(str), 2))),
                  np.strings.add(dcode[cdep], "000"))

    # Communes are indexed in INSEE code order, the order of every file.
    perm = np.argsort(code, kind="stable")
    inv = np.empty(n_c, dtype=np.int64)
    inv[perm] = np.arange(n_c)
    communes = Communes(code=code[perm], name=cname[perm], dep=dcode[cdep][perm], dep_name=dname[cdep][perm],
                        region=dreg[cdep][perm], cx=ccx[perm], cy=ccy[perm], postcode=postcode[perm],
                        uu=uu[perm])
    return _Layout(atom_xy=atom_xy, pad_xy=pad_xy, cells=cells, fields=fields, base_pop=base_pop,
                   atom_commune=inv[atom_commune], communes=communes, k_bv=None, m_iris=None,
                   commune_circos=None)


# --------------------------------------------------------------------------- helpers


def _count_by_target(values: np.ndarray, floor_mask: np.ndarray, cap: np.ndarray, target: int,
                     min_split: int = 1) -> np.ndarray:
    """Per-commune counts ``round(values / D)`` (>= 1, <= cap), with D chosen so they add to ~target."""
    def counts(dv: float) -> np.ndarray:
        c = np.maximum(min_split, np.round(values / dv)).astype(np.int64)
        c = np.where(floor_mask, 1, c)
        return np.clip(c, 1, cap)

    lo, hi = 1.0, float(values.max()) + 1.0
    for _ in range(60):
        mid = np.sqrt(lo * hi)
        if counts(mid).sum() > target:
            lo = mid
        else:
            hi = mid
    return counts(hi)


def _weighted_centre(idx: np.ndarray, n: int, x: np.ndarray, y: np.ndarray,
                     w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sw = np.bincount(idx, weights=w, minlength=n)
    return np.bincount(idx, weights=w * x, minlength=n) / sw, np.bincount(idx, weights=w * y, minlength=n) / sw


def _spatial_order(group: np.ndarray, k: np.ndarray, px: np.ndarray, py: np.ndarray,
                   gx: np.ndarray, gy: np.ndarray, garea: np.ndarray) -> np.ndarray:
    """Rank (0-based) of items inside their group: by ring around the group centre, then by angle."""
    dx, dy = px - gx[group], py - gy[group]
    radius = np.sqrt(garea / np.pi)
    rings = np.maximum(1.0, np.round(np.sqrt(k) / 1.6))
    ring = np.floor(np.hypot(dx, dy) / (radius[group] / rings[group] + 1e-9)).astype(np.int64)
    ang = np.mod(np.arctan2(dy, dx) + np.pi / 2, 2 * np.pi)  # clockwise-ish from north
    return rank_within(group, ring * 10.0 + ang / (2 * np.pi))


def _group_sums(idx: np.ndarray, n: int, counts: np.ndarray) -> np.ndarray:
    out = np.zeros((n, counts.shape[1]), dtype=np.int64)
    for g in range(counts.shape[1]):
        out[:, g] = np.bincount(idx, weights=counts[:, g], minlength=n).round().astype(np.int64)
    return out


def _dissolve_nested(cells: np.ndarray, labels: np.ndarray, n: int, parent_of_label: np.ndarray,
                     parent_geom: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """Dissolve labels, reusing the parent's geometry where a label is its whole parent."""
    out = np.empty(n, dtype=object)
    out[whole] = parent_geom[parent_of_label[whole]]
    need = ~whole
    if need.any():
        sub = np.full(n, -1, dtype=np.int64)
        sub[need] = np.arange(int(need.sum()))
        atom_sel = need[labels]
        geoms = dissolve(cells[atom_sel], sub[labels[atom_sel]], int(need.sum()))
        out[need] = geoms
    return out


def _ordinal_circo(n: np.ndarray) -> np.ndarray:
    suffix = np.where(n == 1, "ère", "ème")
    return np.strings.add(np.strings.add(n.astype(str), suffix), " circonscription")


# --------------------------------------------------------------------------- pipeline


def build_territory(scale: str, seed: int, progress: Progress | None = None) -> Territory:
    """Build the whole territory in memory (Lambert-93)."""
    report: Progress = progress or (lambda _m, _f: None)
    national = scale == "national"
    report("Génération du contour et des îlots", 0.02)
    lay = _national_layout(seed, report) if national else _city_layout(seed)
    rng = rng_for(seed, "territory")
    com = lay.communes
    n_c = len(com)
    atom_xy, cells, f = lay.atom_xy, lay.cells, lay.fields
    x, y = atom_xy[:, 0], atom_xy[:, 1]
    area = shapely.area(cells)
    ac = lay.atom_commune
    n_atoms_c = np.bincount(ac, minlength=n_c)
    commune_area = np.bincount(ac, weights=area, minlength=n_c)

    # ---- IRIS: balanced on population inside each commune.
    report("Découpage des IRIS", 0.24 if national else 0.1)
    pop0 = lay.base_pop
    pop_c0 = np.bincount(ac, weights=pop0, minlength=n_c)
    if lay.m_iris is not None:
        m_iris = lay.m_iris
    else:
        scale_pop = NATIONAL_POPULATION / pop0.sum()
        m_iris = _count_by_target(pop_c0 * scale_pop, pop_c0 * scale_pop < 5000, n_atoms_c,
                                  NATIONAL_IRIS, min_split=2)
    iris_local = balanced_partition(ac, m_iris, x, y, pop0, rng, jitter_deg=35.0, size_noise=0.15)
    iris_off = np.cumsum(m_iris) - m_iris
    atom_iris = iris_off[ac] + iris_local
    n_iris = int(m_iris.sum())
    iris_commune = np.repeat(np.arange(n_c), m_iris)
    iris_area = np.bincount(atom_iris, weights=area, minlength=n_iris)
    # IRIS types: Z when the commune is not split; a few activity (A) and miscellaneous (D) IRIS.
    typ = np.where(m_iris[iris_commune] == 1, "Z", "H").astype("<U1")
    area_rank = rank_within(iris_commune, -iris_area)
    if national:
        u = rng.random(n_c)
        a_mask = (m_iris[iris_commune] >= 5) & (area_rank == 0) & (u[iris_commune] < 0.5)
        d_mask = (m_iris[iris_commune] >= 8) & (area_rank == 1) & (u[iris_commune] < 0.15)
    else:
        a_mask = area_rank == 0
        d_mask = area_rank == 1
    typ[a_mask] = "A"
    typ[d_mask] = "D"
    pop_factor = np.where(typ == "A", 0.10, np.where(typ == "D", 0.03, 1.0))[atom_iris]
    pop = pop0 * pop_factor
    # IRIS are drawn to be socially homogeneous: in split communes, the IRIS with the most
    # social housing become estates, the richest ones become well-off neighbourhoods.
    mean_hlm = np.bincount(atom_iris, pop0 * f.hlm, n_iris) / np.bincount(atom_iris, pop0, n_iris)
    mean_inc = np.bincount(atom_iris, pop0 * f.income, n_iris) / np.bincount(atom_iris, pop0, n_iris)
    habitat = typ == "H"
    n_marked = np.where(m_iris >= 4, np.maximum(1, m_iris // 6), 0)[iris_commune]
    estate = habitat & (rank_within(iris_commune, np.where(habitat, -mean_hlm, np.inf)) < n_marked)
    rich = habitat & ~estate & (rank_within(iris_commune, np.where(habitat & ~estate, -mean_inc, np.inf))
                                < n_marked)
    f = Fields(income=f.income + 0.8 * rich[atom_iris], age=f.age, hlm=f.hlm + 1.3 * estate[atom_iris],
               density=f.density, rural=f.rural)

    # ---- Demography and electors.
    report("Démographie et électeurs", 0.3 if national else 0.2)
    unit = demography(np.ones_like(pop), f, rng_for(seed, "demography"))
    per_unit = expected_registered(unit).sum(axis=1)
    if national:
        pop = pop * NATIONAL_POPULATION / pop.sum()
    else:
        pop = pop * (CITY_REGISTERED_PER_BV * CITY_BV * 1.02) / (pop * per_unit).sum()
    demo = demography(pop, f, rng_for(seed, "demography"))
    expected = expected_registered(demo)
    c22, c24 = registered_counts(expected, rng_for(seed, "registered"))

    # ---- Bureaux de vote (2022): balanced on electors, other cut directions than IRIS.
    report("Découpage des bureaux de vote", 0.36 if national else 0.3)
    reg_c = np.bincount(ac, weights=c22.sum(axis=1), minlength=n_c)
    if lay.k_bv is not None:
        k_bv = lay.k_bv
    else:
        k_bv = _count_by_target(reg_c, reg_c < 700, n_atoms_c, NATIONAL_BV)
    w_reg = expected.sum(axis=1) + 1e-6
    bv_local = balanced_partition(ac, k_bv, x, y, w_reg, rng, jitter_deg=30.0, size_noise=0.08)
    bv_off = np.cumsum(k_bv) - k_bv
    bv22_raw = bv_off[ac] + bv_local
    n_bv22 = int(k_bv.sum())
    bv22_commune = np.repeat(np.arange(n_c), k_bv)
    bcx, bcy = _weighted_centre(bv22_raw, n_bv22, x, y, area)
    bv_area = np.bincount(bv22_raw, weights=area, minlength=n_bv22)
    number_rank = _spatial_order(bv22_commune, k_bv[bv22_commune], bcx, bcy, com.cx, com.cy,
                                 commune_area)
    bv22_number = number_rank + 1
    # Order BV by (commune, number): the file order.
    order22 = np.lexsort((bv22_number, bv22_commune))
    inv22 = np.empty(n_bv22, dtype=np.int64)
    inv22[order22] = np.arange(n_bv22)
    atom_bv22 = inv22[bv22_raw]
    bv22_commune, bv22_number = bv22_commune[order22], bv22_number[order22]
    bcx, bcy, bv_area = bcx[order22], bcy[order22], bv_area[order22]
    groups22 = _group_sums(atom_bv22, n_bv22, c22)

    # ---- 2024: a few bureaux are split in two (the new half gets the next free number).
    report("Redécoupage 2024", 0.42 if national else 0.35)
    reg22 = groups22.sum(axis=1)
    if national:
        atoms_per_bv = np.bincount(atom_bv22, minlength=n_bv22)
        cand = np.flatnonzero((k_bv[bv22_commune] >= 5) & (atoms_per_bv >= 4))
        # the biggest bureau of a few random big communes
        pick_c = rng.choice(np.unique(bv22_commune[cand]), NATIONAL_SPLITS, replace=False)
        split_bv = np.sort(np.array([cand[bv22_commune[cand] == c][np.argmax(reg22[cand][bv22_commune[cand] == c])]
                                     for c in np.sort(pick_c)]))
    else:
        split_bv = np.array([int(np.argmax(reg22))])
    split_atoms = np.flatnonzero(np.isin(atom_bv22, split_bv))
    parent_local = np.searchsorted(split_bv, atom_bv22[split_atoms])
    side = balanced_partition(parent_local, np.full(len(split_bv), 2), x[split_atoms], y[split_atoms],
                              w_reg[split_atoms], rng, jitter_deg=20.0)
    new_number = k_bv[bv22_commune[split_bv]] + 1
    # 2024 raw ids: 2022 ids, plus n_bv22 + j for the new half of split j.
    bv24_raw = atom_bv22.copy()
    moved = side == 1
    bv24_raw[split_atoms[moved]] = n_bv22 + parent_local[moved]
    n_bv24 = n_bv22 + len(split_bv)
    bv24_commune = np.concatenate([bv22_commune, bv22_commune[split_bv]])
    bv24_number = np.concatenate([bv22_number, new_number])
    bv24_parent = np.concatenate([np.arange(n_bv22), split_bv])
    order24 = np.lexsort((bv24_number, bv24_commune))
    inv24 = np.empty(n_bv24, dtype=np.int64)
    inv24[order24] = np.arange(n_bv24)
    atom_bv24 = inv24[bv24_raw]
    bv24_commune, bv24_number, bv24_parent = bv24_commune[order24], bv24_number[order24], bv24_parent[order24]
    b24x, b24y = _weighted_centre(atom_bv24, n_bv24, x, y, area)
    groups24 = _group_sums(atom_bv24, n_bv24, c24)
    splits = [{"commune": str(com.code[bv22_commune[b]]), "bureau_2022": int(bv22_number[b]),
               "bureaux_2024": [int(bv22_number[b]), int(nn)]}
              for b, nn in zip(split_bv, new_number)]

    # ---- Circonscriptions (2022 BV balanced on electors inside each département).
    report("Circonscriptions législatives", 0.46 if national else 0.38)
    dep_codes, dep_of_commune = np.unique(com.dep, return_inverse=True)
    dep_of_bv = dep_of_commune[bv22_commune]
    if lay.commune_circos is not None:
        n_circ = lay.commune_circos
    else:
        reg_d = np.bincount(dep_of_bv, weights=reg22, minlength=len(dep_codes))
        bv_per_dep = np.bincount(dep_of_bv, minlength=len(dep_codes))
        n_circ = _count_by_target(reg_d, np.zeros(len(dep_codes), dtype=bool), bv_per_dep, NATIONAL_CIRCOS)
    circ_local = balanced_partition(dep_of_bv, n_circ, bcx, bcy, reg22.astype(float) + 1.0, rng,
                                    jitter_deg=15.0, size_noise=0.05)
    c_off = np.cumsum(n_circ) - n_circ
    circ_raw = c_off[dep_of_bv] + circ_local
    n_circ_tot = int(n_circ.sum())
    ccx, ccy = _weighted_centre(circ_raw, n_circ_tot, bcx, bcy, np.ones(n_bv22))
    circ_dep = np.repeat(np.arange(len(dep_codes)), n_circ)
    circ_num = rank_within(circ_dep, -ccy + 1e-3 * ccx) + 1  # north to south
    circ_order = np.lexsort((circ_num, circ_dep))
    circ_inv = np.empty(n_circ_tot, dtype=np.int64)
    circ_inv[circ_order] = np.arange(n_circ_tot)
    bv22_circo = circ_inv[circ_raw]
    circ_dep, circ_num = circ_dep[circ_order], circ_num[circ_order]
    circos = Circos(code=np.strings.add(dep_codes[circ_dep], np.char.zfill(circ_num.astype(str), 2)),
                    dep=dep_codes[circ_dep], number=circ_num, name=_ordinal_circo(circ_num))
    bv24_circo = bv22_circo[bv24_parent]

    # ---- Polling places: neighbouring BV of a commune often vote in the same building.
    n_places = np.maximum(1, np.ceil(k_bv * 0.6)).astype(np.int64)
    place_local = balanced_partition(bv22_commune, n_places[np.arange(n_c)], bcx, bcy, np.ones(n_bv22), rng)
    p_off = np.cumsum(n_places) - n_places
    place22 = p_off[bv22_commune] + place_local
    place24 = place22[bv24_parent]

    # ---- Geometries (coverage unions of atoms).
    report("Assemblage des géométries (unions de couverture)", 0.5 if national else 0.42)
    com_geom = dissolve(cells, ac, n_c)
    iris_geom = _dissolve_nested(cells, atom_iris, n_iris, iris_commune, com_geom, m_iris[iris_commune] == 1)
    bv22_geom = _dissolve_nested(cells, atom_bv22, n_bv22, bv22_commune, com_geom, k_bv[bv22_commune] == 1)
    unchanged = ~np.isin(bv24_parent, split_bv)
    bv24_geom = np.empty(n_bv24, dtype=object)
    bv24_geom[unchanged] = bv22_geom[bv24_parent[unchanged]]
    changed = np.flatnonzero(~unchanged)
    sel = np.isin(atom_bv24, changed)
    sub = np.full(n_bv24, -1, dtype=np.int64)
    sub[changed] = np.arange(len(changed))
    bv24_geom[changed] = dissolve(cells[sel], sub[atom_bv24[sel]], len(changed))

    # ---- IRIS codes and names: grands quartiers of ~6 IRIS, numbered around the centre.
    report("Codes et noms des IRIS", 0.56 if national else 0.48)
    icx, icy = _weighted_centre(atom_iris, n_iris, x, y, area)
    n_gq = np.clip(np.ceil(m_iris / 6.0), 1, 99).astype(np.int64)
    gq_local = balanced_partition(iris_commune, n_gq, icx, icy, np.ones(n_iris), rng, jitter_deg=20.0)
    gq_off = np.cumsum(n_gq) - n_gq
    gq_raw = gq_off[iris_commune] + gq_local
    n_gq_tot = int(n_gq.sum())
    gq_commune = np.repeat(np.arange(n_c), n_gq)
    gqx, gqy = _weighted_centre(gq_raw, n_gq_tot, icx, icy, np.ones(n_iris))
    gq_num = _spatial_order(gq_commune, n_gq[gq_commune], gqx, gqy, com.cx, com.cy, commune_area) + 1
    iris_gq_num = gq_num[gq_raw]
    gq_area = np.bincount(gq_raw, weights=iris_area, minlength=n_gq_tot)
    seq = _spatial_order(gq_raw, np.bincount(gq_raw, minlength=n_gq_tot)[gq_raw], icx, icy, gqx, gqy, gq_area) + 1
    code4 = np.where(typ == "Z", "0000",
                     np.strings.add(np.char.zfill(iris_gq_num.astype(str), 2), np.char.zfill(seq.astype(str), 2)))
    iris_order = np.lexsort((code4, iris_commune))
    iris_inv = np.empty(n_iris, dtype=np.int64)
    iris_inv[iris_order] = np.arange(n_iris)
    atom_iris = iris_inv[atom_iris]
    iris_commune, code4, typ = iris_commune[iris_order], code4[iris_order], typ[iris_order]
    iris_geom, iris_gq_num = iris_geom[iris_order], iris_gq_num[iris_order]
    gq_raw = gq_raw[iris_order]
    iris_code = np.strings.add(com.code[iris_commune], code4)
    # Names: unique within the commune; Z IRIS carry the commune name (IGN convention).
    rank_c = rank_within(iris_commune, code4)
    rng_names = rng_for(seed, "iris-names")
    qidx, cycle = names.distinct_indices(rank_c, iris_commune, len(names.QUARTER_NAMES), rng_names, n_c)
    qname = names.pick(names.QUARTER_NAMES, qidx)
    qname = np.where(cycle > 0, np.strings.add(np.strings.add(qname, " "), (cycle + 1).astype(str)), qname)
    act_idx = rng_names.integers(0, len(names.ACTIVITY_QUARTER_NAMES), n_iris)
    qname = np.where(typ == "A", names.pick(names.ACTIVITY_QUARTER_NAMES, act_idx), qname)
    div_idx = rng_names.integers(0, len(names.DIVERS_QUARTER_NAMES), n_iris)
    qname = np.where(typ == "D", names.pick(names.DIVERS_QUARTER_NAMES, div_idx), qname)
    qname = np.where(typ == "Z", com.name[iris_commune], qname)
    grd_quart = np.where(typ == "Z", np.strings.add(com.code[iris_commune], "00"),
                         np.strings.add(com.code[iris_commune], np.char.zfill(iris_gq_num.astype(str), 2)))
    # TRIRIS: département + 4 digits for split communes, ZZZZZZ otherwise.
    gq_rank_dep = rank_within(dep_of_commune[gq_commune], gq_commune * 100 + gq_num) + 1
    tri = np.strings.add(com.dep[iris_commune], np.char.zfill((gq_rank_dep[gq_raw] % 10000).astype(str), 4))
    triris = np.where(typ == "Z", "ZZZZZZ", tri)
    iris = IrisTable(commune=iris_commune, code=iris_code, code4=code4, name=qname, typ=typ,
                     grd_quart=grd_quart, triris=triris, geometry=iris_geom)

    # ---- Indicators.
    report("Indicateurs INSEE par IRIS", 0.6 if national else 0.52)
    ind = iris_indicators(demo, atom_iris, n_iris, rng_for(seed, "indicators"))
    filo = filosofi(ind, rng_for(seed, "filosofi"))
    com.geometry = com_geom
    com.population = np.round(np.bincount(ac, weights=demo.pop, minlength=n_c)).astype(np.int64)

    st22 = StationSet(key="2022", commune=bv22_commune, number=bv22_number, circo=bv22_circo,
                      groups=groups22, cx=bcx, cy=bcy, place=place22, parent=np.arange(n_bv22),
                      geometry=bv22_geom)
    st24 = StationSet(key="2024", commune=bv24_commune, number=bv24_number, circo=bv24_circo,
                      groups=groups24, cx=b24x, cy=b24y, place=place24, parent=bv24_parent,
                      geometry=bv24_geom)
    return Territory(scale=scale, seed=seed, atom_xy=atom_xy, pad_xy=lay.pad_xy, atom_area=area,
                     atom_commune=ac, atom_iris=atom_iris, atom_bv={"2022": atom_bv22, "2024": atom_bv24},
                     atom_registered={"2022": c22, "2024": c24}, fields=f, demo=demo, communes=com,
                     circos=circos, stations={"2022": st22, "2024": st24}, iris=iris, indicators=ind,
                     filosofi=filo, splits=splits)
