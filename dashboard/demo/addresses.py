"""Street network and REU-style electoral addresses.

Each commune gets a warped, slightly wavy street grid centred on its town
hall (denser in the centre), cut into named street pieces and clipped to the
commune. Addresses are dropped along the streets in proportion to the local
population density, on both sides: odd numbers on the left, even numbers on
the right, increasing along the street. Buildings in dense areas hold several
electoral addresses (``nb_adresses`` > 1).

Every address is assigned to the atom whose generator is nearest -- which is
exactly the Voronoi cell that contains it -- and so to its commune and its
2024 bureau de vote, consistently with the published polygons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import shapely

from . import names
from .clustering import rank_within
from .geometry import l93_to_lonlat, nearest
from .territory import Territory, rng_for


@dataclass
class Addresses:
    commune: np.ndarray       # commune index
    bv: np.ndarray            # 2024 bureau index
    street: np.ndarray        # street index (into street_names / street_codes)
    street_names: np.ndarray  # per street: "Rue des Lilas"
    street_codes: np.ndarray  # per street: 4 characters
    number: np.ndarray        # house number (0 for street-level rows)
    is_street: np.ndarray     # geocoded to the street only
    x: np.ndarray
    y: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    nb: np.ndarray            # electoral addresses at this point (dwellings)
    score: np.ndarray

    def __len__(self) -> int:
        return len(self.commune)


def _street_pieces(terr: Territory, a_c: np.ndarray, per_street: float, gamma: float,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Street pieces (linestrings) and their commune, before clipping."""
    com = terr.communes
    n_c = len(com)
    blocks = 3.5
    s_c = np.maximum(1.0, a_c / per_street)
    lines = np.maximum(1, np.ceil(np.sqrt(s_c * blocks / 1.1))).astype(np.int64)
    per_line = np.maximum(1, np.round(lines / blocks)).astype(np.int64)
    b = shapely.bounds(com.geometry)
    corners = np.stack([np.hypot(b[:, i] - com.cx, b[:, j] - com.cy) for i in (0, 2) for j in (1, 3)], axis=1)
    radius = corners.max(axis=1) * 1.02
    theta = rng.uniform(0, np.pi / 2, n_c)

    # Lines: 2 directions x L parallel lines per commune.
    n_lines_c = 2 * lines
    l_com = np.repeat(np.arange(n_c), n_lines_c)
    l_rank = np.arange(len(l_com)) - np.repeat(np.cumsum(n_lines_c) - n_lines_c, n_lines_c)
    l_dir = (l_rank >= lines[l_com]).astype(np.int64)
    l_i = l_rank - l_dir * lines[l_com]
    spacing = 2 * radius / (lines + 1)
    l_v = -radius[l_com] + (l_i + 1) * spacing[l_com]
    l_phase = rng.random(len(l_com))
    l_wphase = rng.uniform(0, 2 * np.pi, len(l_com))
    l_wamp = rng.uniform(0.03, 0.14, len(l_com)) * spacing[l_com]

    # Pieces: P+1 per line, boundaries shifted by a random phase.
    n_pieces_l = per_line[l_com] + 1
    p_line = np.repeat(np.arange(len(l_com)), n_pieces_l)
    p_k = np.arange(len(p_line)) - np.repeat(np.cumsum(n_pieces_l) - n_pieces_l, n_pieces_l)
    pc = l_com[p_line]
    step = 2 * radius[pc] / per_line[pc]
    u0 = np.clip(-radius[pc] + (p_k - 1 + l_phase[p_line]) * step, -radius[pc], radius[pc])
    u1 = np.clip(-radius[pc] + (p_k + l_phase[p_line]) * step, -radius[pc], radius[pc])
    keep = (u1 - u0) > 0.25 * step
    p_line, pc, u0, u1 = p_line[keep], pc[keep], u0[keep], u1[keep]

    n_v = 9
    t = u0[:, None] + (u1 - u0)[:, None] * np.linspace(0.0, 1.0, n_v)[None, :]
    lam = 4.0 * spacing[pc][:, None]
    across = l_v[p_line][:, None] + l_wamp[p_line][:, None] * np.sin(2 * np.pi * t / lam + l_wphase[p_line][:, None])
    horiz = (l_dir[p_line] == 0)[:, None]
    lx = np.where(horiz, t, across)
    ly = np.where(horiz, across, t)
    c, s = np.cos(theta[pc])[:, None], np.sin(theta[pc])[:, None]
    rx, ry = c * lx - s * ly, s * lx + c * ly
    r = np.hypot(rx, ry)
    factor = (np.clip(r / radius[pc][:, None], 1e-9, None)) ** (gamma - 1.0)
    gx = com.cx[pc][:, None] + rx * factor
    gy = com.cy[pc][:, None] + ry * factor
    coords = np.column_stack([gx.ravel(), gy.ravel()])
    pieces = shapely.linestrings(coords, indices=np.repeat(np.arange(len(pc)), n_v))
    return pieces, pc


def generate_addresses(terr: Territory, n_target: int, seed: int,
                       progress: Callable[[str, float], None] | None = None) -> Addresses:
    """About ``n_target`` addresses; ``progress(message_fr, 0..1)`` reports the sub-steps."""
    report = progress or (lambda _m, _f: None)
    rng = rng_for(seed, "addresses")
    com = terr.communes
    n_c = len(com)
    city = terr.scale == "city"
    if city:
        a_c = np.full(n_c, float(n_target))
    else:
        share = com.population / com.population.sum()
        a_c = (rng.multinomial(n_target - 2 * n_c, share) + 2).astype(float)
    pieces, piece_commune = _street_pieces(terr, a_c, 24.0 if city else 45.0, 1.45 if city else 1.25, rng)

    report("Adresses : tracé des rues", 0.0)
    clipped = shapely.intersection(pieces, com.geometry[piece_commune])
    parts, part_piece = shapely.get_parts(clipped, return_index=True)
    is_line = shapely.get_type_id(parts) == 1
    parts, part_piece = parts[is_line], part_piece[is_line]
    length = shapely.length(parts)
    ok = length > 15.0
    parts, part_piece, length = parts[ok], part_piece[ok], length[ok]
    part_commune = piece_commune[part_piece]
    s0 = shapely.line_locate_point(pieces[part_piece], shapely.get_point(parts, 0))

    report("Adresses : placement le long des rues", 0.3)
    # Local density (inhabitants per m2) at the middle of each part.
    mid = shapely.get_coordinates(shapely.line_interpolate_point(parts, 0.5, normalized=True))
    atom_mid = nearest(terr.atom_xy, mid)
    dens = terr.demo.pop[atom_mid] / np.maximum(terr.atom_area[atom_mid], 1.0)
    # Address spacing along streets varies much less than density: dense areas get more
    # dwellings per address instead (see ``nb`` below).
    w = length * dens ** 0.4
    # Exactly a_c addresses per commune, each on a street part drawn with probability ~ w
    # (inverse-CDF sampling on the cumulative weights, all communes at once).
    order = np.argsort(part_commune, kind="stable")
    parts, part_piece, length, part_commune, s0, w = (
        parts[order], part_piece[order], length[order], part_commune[order], s0[order], w[order])
    cum = np.cumsum(w)
    w_c = np.bincount(part_commune, weights=w, minlength=n_c)
    base = np.cumsum(w_c) - w_c
    n_c_addr = np.where(w_c > 0, a_c, 0).astype(np.int64)
    a_commune = np.repeat(np.arange(n_c), n_c_addr)
    u = base[a_commune] + rng.random(len(a_commune)) * w_c[a_commune]
    rep = np.minimum(np.searchsorted(cum, u, side="right"), len(parts) - 1)
    rep = np.sort(rep)
    n_addr = len(rep)
    t = rng.uniform(0.03, 0.97, n_addr)
    left = rng.random(n_addr) < 0.5
    geom = parts[rep]
    lens = length[rep]
    p = shapely.get_coordinates(shapely.line_interpolate_point(geom, t, normalized=True))
    dt = np.minimum(2.0 / lens, 0.02)
    pa = shapely.get_coordinates(shapely.line_interpolate_point(geom, np.clip(t - dt, 0, 1), normalized=True))
    pb = shapely.get_coordinates(shapely.line_interpolate_point(geom, np.clip(t + dt, 0, 1), normalized=True))
    tx, ty = pb[:, 0] - pa[:, 0], pb[:, 1] - pa[:, 1]
    tn = np.maximum(np.hypot(tx, ty), 1e-9)
    offset = (7.0 if city else 6.0) * np.where(left, 1.0, -1.0)
    ax = p[:, 0] - ty / tn * offset
    ay = p[:, 1] + tx / tn * offset
    abscissa = s0[rep] + t * lens

    # Keep addresses whose containing atom (nearest generator) lies in the street's commune.
    report("Adresses : rattachement aux bureaux de vote", 0.6)
    gens = np.vstack([terr.atom_xy, terr.pad_xy])
    owner = nearest(gens, np.column_stack([ax, ay]))
    n_atoms = len(terr.atom_xy)
    addr_piece = part_piece[rep]
    addr_commune = part_commune[rep]
    ok = owner < n_atoms
    ok[ok] &= terr.atom_commune[owner[ok]] == addr_commune[ok]
    ax, ay, owner, addr_piece, addr_commune, left, abscissa = (
        ax[ok], ay[ok], owner[ok], addr_piece[ok], addr_commune[ok], left[ok], abscissa[ok])
    # Stay clear of bureau boundaries, so rounding coordinates to 1e-6 degree never changes the bureau.
    boundary = shapely.boundary(terr.stations["2024"].geometry)
    clear = shapely.distance(shapely.points(ax, ay), boundary[terr.atom_bv["2024"][owner]]) > 0.5
    ax, ay, owner, addr_piece, addr_commune, left, abscissa = (
        ax[clear], ay[clear], owner[clear], addr_piece[clear], addr_commune[clear], left[clear], abscissa[clear])
    n_addr = len(ax)

    report("Adresses : noms de rues et numérotation", 0.85)
    # Streets: pieces that received addresses, named uniquely inside their commune.
    used, street = np.unique(addr_piece, return_inverse=True)
    street_commune = piece_commune[used]
    srank = rank_within(street_commune, used)
    rng_n = rng_for(seed, "street-names")
    idx, cycle = names.distinct_indices(srank, street_commune, len(names.STREET_COMBOS), rng_n, n_c)
    sname = names.pick(names.STREET_COMBOS, idx)
    sname = np.strings.add(sname, names.pick(names.STREET_SUFFIXES, np.minimum(cycle, len(names.STREET_SUFFIXES) - 1)))
    code_off = rng_n.integers(0, 10_000, n_c)
    scode = np.char.zfill(((code_off[street_commune] + 7 * srank) % 10_000).astype(str), 4)

    # House numbers: odd on the left, even on the right, increasing along the street.
    side = (~left).astype(np.int64)
    grp = street * 2 + side
    order = np.lexsort((abscissa, grp))
    g_sorted = grp[order]
    gaps = np.where(rng.random(n_addr) < 0.88, 2, 4)
    first = np.ones(n_addr, dtype=bool)
    first[1:] = g_sorted[1:] != g_sorted[:-1]
    inc = np.where(first, 0, gaps)
    cs = np.cumsum(inc)
    base = np.maximum.accumulate(np.where(first, cs, 0))
    num_sorted = (cs - base) + np.where(side[order] == 0, 1, 2)
    number = np.empty(n_addr, dtype=np.int64)
    number[order] = num_sorted

    # A few REU addresses are only geocoded to the street.
    street_pick = rng_n.random(len(used)) < (0.3 if city else 0.08)
    shuffle = rng_n.permutation(n_addr)
    _, first_in_street = np.unique(street[shuffle], return_index=True)
    cand = shuffle[first_in_street]
    is_street = np.zeros(n_addr, dtype=bool)
    is_street[cand[street_pick[street[cand]]]] = True
    number = np.where(is_street, 0, number)

    dens_field = terr.fields.density[owner]
    p_apt = np.clip(0.02 + 0.07 * dens_field + 0.25 * np.clip(terr.fields.hlm[owner], 0, 1), 0.0, 0.45)
    apt = rng.random(n_addr) < p_apt
    nb = np.where(apt, 1 + rng.geometric(0.42, n_addr), 1).astype(np.int64)
    good = rng.random(n_addr) < 0.88
    score = np.where(good, rng.choice(np.array([0.96, 0.97, 0.98]), n_addr, p=[0.1, 0.78, 0.12]),
                     np.round(rng.uniform(0.55, 0.95, n_addr), 2))
    lon, lat = l93_to_lonlat(ax, ay)
    return Addresses(commune=addr_commune, bv=terr.atom_bv["2024"][owner], street=street,
                     street_names=sname, street_codes=scode, number=number, is_street=is_street, x=ax, y=ay,
                     lon=np.round(lon, 6), lat=np.round(lat, 6), nb=nb, score=score)
