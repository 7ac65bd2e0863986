"""Station geometry as compact binary tiles sent once, and the values of a view as a few bytes per station.

A **tile** holds every station of one boundary version (``set_id``) in one département, at one
display level (``layers.simplify.DISPLAY_LEVELS``), in a fixed order (commune, then station id) that
does not depend on the level. Its URL (:func:`tile_path`) names the version's **stamp** (a hash of
the version's import: its source's SHA-256 and import time), the level and the département, so its
bytes never change: the browser keeps it (``Cache-Control: immutable``) and the server builds it
once per process.

Bytes: ``ISGT``, a little-endian ``uint32`` header length, the header (UTF-8 JSON: grid origin and
step, bounds, and per station its id, number, commune and name), then unsigned LEB128 varints:
per station its number of parts, per part its number of rings, per ring its number of vertices and
the vertices as zigzag-coded deltas (x, y) on the integer grid of ``layers.encode`` (Web Mercator
common space: ``origin + (x, y) * step``), the deltas running on from one ring to the next. Rings are
open (the first vertex is not repeated); the first ring of a part is its exterior.

The **values** of a view (:func:`groups_for`) are, per tile, one byte per station: 0 not drawn
(no result in this view), 1 no data, 2 + k class (or category) k; and an index per station into the
list of distinct tooltip texts (one byte up to 256 texts, else a little-endian ``uint16``). The browser colours the stations from the
palette, so changing the election, measure or classes sends only these bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import struct
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from dashboard.maps.geometry import COARSEST_LEVEL, total_bounds
from dashboard.warehouse.database import Warehouse
from layers.encode import Quantizer, encode_polygons, from_common
from layers.simplify import DISPLAY_LEVELS

MAGIC = b"ISGT"
ROUTE_PREFIX = "/carte-geo/"
GRID_PIXEL_FRACTION = 1.0  # one pixel one zoom level finer than the level is drawn at: half a pixel
MAX_SIMPLIFICATION_PX = 0.45  # as maps.build: simplified contours within a pixel
FINEST_ZOOM = 17.0  # layers.view.MAX_ZOOM: the finest level is drawn up to there
ABSENT, NO_DATA, FIRST_CLASS = 0, 1, 2
MAX_CLASSES = 255 - FIRST_CLASS
LEVELS = tuple(level for level, _ in DISPLAY_LEVELS)


def departement_of(commune_code: str) -> str:
    """The département of an INSEE commune code (three characters overseas: 971…, 975…, 98…)."""
    code = str(commune_code)
    return code[:3] if code.startswith(("97", "98")) else code[:2]


def departements_of(commune_codes: pd.Series) -> np.ndarray:
    """:func:`departement_of` of many codes at once."""
    codes = commune_codes.astype(str)
    overseas = codes.str.startswith(("97", "98")).to_numpy(dtype=bool)
    return np.where(overseas, codes.str[:3].to_numpy(dtype=object), codes.str[:2].to_numpy(dtype=object))


def level_max_zoom(level: int) -> float:
    """The highest zoom at which ``level`` is drawn (``display_level`` picks a finer one beyond).

    Taken at the equator (the largest ground pixel), so the grid is fine enough at every latitude.
    """
    tolerance = dict(DISPLAY_LEVELS)[level]
    if level == LEVELS[0]:
        return FINEST_ZOOM
    return math.log2(MAX_SIMPLIFICATION_PX * 78_271.517 / tolerance)


def tile_quantizer(level: int, bounds: tuple[float, float, float, float]) -> Quantizer:
    """The tile's grid: origin at its south-west corner, step half a pixel one zoom past the level's highest zoom."""
    return Quantizer((float(bounds[0]), float(bounds[1])), GRID_PIXEL_FRACTION / 2.0 ** (level_max_zoom(level) + 1.0))


def set_stamp(wh: Warehouse, set_id: str) -> str:
    """A short hash naming one import of the boundary version ``set_id`` (changes when it is imported again)."""
    row = wh.query("SELECT source_sha256, imported_at FROM station_set WHERE set_id = ?", [set_id])
    parts = [set_id] + ([str(v) for v in row.iloc[0].tolist()] if not row.empty else ["?"])
    count = wh.query("SELECT count(*) AS n, coalesce(sum(area_m2), 0) AS a FROM station WHERE set_id = ?", [set_id])
    parts += [str(int(count["n"].iloc[0])), f"{float(count['a'].iloc[0]):.0f}"]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:16]


def tile_path(set_id: str, stamp: str, level: int, departement: str) -> str:
    """The tile's URL path (``{level}`` left as is when ``level`` is None: the browser fills it in)."""
    from urllib.parse import quote

    shown = "{level}" if level is None else str(int(level))
    return f"{ROUTE_PREFIX}{quote(set_id, safe='')}/{stamp}/{shown}/{quote(departement, safe='')}.bin"


DEPARTEMENT_SQL = ("CASE WHEN commune_code LIKE '97%' OR commune_code LIKE '98%' THEN left(commune_code, 3) "
                   "ELSE left(commune_code, 2) END")


def tile_stations(wh: Warehouse, set_id: str, departement: str) -> pd.DataFrame:
    """The tile's stations in tile order: station_id, commune_code, bv_code, name."""
    return wh.query(
        f"""SELECT station_id, commune_code, bv_code, coalesce(name, '') AS name FROM station
            WHERE set_id = ? AND {DEPARTEMENT_SQL} = ? ORDER BY commune_code, station_id""",
        [set_id, departement])


def set_tiles(wh: Warehouse, set_id: str) -> dict[str, tuple[pd.Index, tuple[float, float, float, float]]]:
    """Per département of the boundary version: its stations' ids in tile order and the tile's bounds (one query)."""
    frame = wh.query(
        f"""SELECT {DEPARTEMENT_SQL} AS dep, s.station_id,
                   coalesce(d.geometry, s.geometry)::BLOB AS wkb
            FROM station s LEFT JOIN station_display d
              ON d.station_id = s.station_id AND d.set_id = s.set_id AND d.level = ?
            WHERE s.set_id = ? ORDER BY dep, s.commune_code, s.station_id""", [COARSEST_LEVEL, set_id])
    if frame.empty:
        return {}
    boxes = shapely.bounds(shapely.from_wkb([bytes(b) for b in frame["wkb"]]))
    ids = frame["station_id"].to_numpy(dtype=object)
    out = {}
    for dep, rows in frame.groupby("dep", sort=False).indices.items():
        b = boxes[rows]
        out[str(dep)] = (pd.Index(ids[rows]),
                         (float(np.nanmin(b[:, 0])), float(np.nanmin(b[:, 1])), float(np.nanmax(b[:, 2])),
                          float(np.nanmax(b[:, 3]))))
    return out


# -- bytes ----------------------------------------------------------------------------------------
def zigzag(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=np.int64)
    return ((v << 1) ^ (v >> 63)).astype(np.uint64)


def varints(values: np.ndarray) -> bytes:
    """Unsigned LEB128 of non-negative integers, vectorised."""
    v = np.asarray(values, dtype=np.uint64)
    if v.size == 0:
        return b""
    sizes = np.ones(v.size, dtype=np.int64)
    for k in range(1, 10):
        sizes += v >= np.uint64(1 << (7 * k))
    starts = np.cumsum(sizes) - sizes
    out = np.zeros(int(sizes.sum()), dtype=np.uint8)
    for k in range(int(sizes.max())):
        m = sizes > k
        byte = ((v[m] >> np.uint64(7 * k)) & np.uint64(0x7F)).astype(np.uint8)
        more = (sizes[m] > k + 1).astype(np.uint8) << 7
        out[starts[m] + k] = byte | more
    return out.tobytes()


def read_varints(data: bytes, offset: int = 0) -> np.ndarray:
    """Every varint of ``data[offset:]`` (the tests' and benchmark's decoder)."""
    raw = np.frombuffer(data, dtype=np.uint8, offset=offset)
    ends = np.flatnonzero(raw < 0x80)
    out = np.zeros(ends.size, dtype=np.uint64)
    begin = 0
    for i, end in enumerate(ends.tolist()):
        value = 0
        for k, byte in enumerate(raw[begin:end + 1].tolist()):
            value |= (byte & 0x7F) << (7 * k)
        out[i] = value
        begin = end + 1
    return out


def build_tile(wh: Warehouse, set_id: str, departement: str, level: int) -> bytes:
    """The tile's bytes (see the module doc)."""
    return build_tiles(wh, set_id, level, departement).get(departement) or _encode_tile(_NO_STATIONS, level)


def build_tiles(wh: Warehouse, set_id: str, level: int, departement: str | None = None) -> dict[str, bytes]:
    """The tiles of every département of the version at ``level`` (one read), or of ``departement`` alone."""
    if level not in LEVELS:
        raise ValueError(f"Niveau inconnu : {level}.")
    where, params = ("", [level, set_id]) if departement is None else (f" AND {DEPARTEMENT_SQL} = ?",
                                                                       [level, set_id, departement])
    frame = wh.query(
        f"""SELECT {DEPARTEMENT_SQL.replace('commune_code', 's.commune_code')} AS dep, s.station_id, s.commune_code,
                   s.bv_code, coalesce(s.name, '') AS name, coalesce(d.geometry, s.geometry)::BLOB AS wkb
            FROM station s LEFT JOIN station_display d
              ON d.station_id = s.station_id AND d.set_id = s.set_id AND d.level = ?
            WHERE s.set_id = ?{where.replace('commune_code', 's.commune_code')}
            ORDER BY dep, s.commune_code, s.station_id""", params)
    return {str(dep): _encode_tile(frame.iloc[rows].reset_index(drop=True), level)
            for dep, rows in frame.groupby("dep", sort=False).indices.items()}


_NO_STATIONS = pd.DataFrame({"station_id": [], "commune_code": [], "bv_code": [], "name": [], "wkb": []})


def _stream(polygons: list[object], rows: np.ndarray, n_stations: int) -> np.ndarray:
    """The tile body's integers (see the module doc), vectorised over every vertex."""
    order = np.argsort(rows, kind="stable").tolist()
    parts_per_station = np.bincount(rows, minlength=n_stations) if len(rows) else np.zeros(n_stations, np.int64)
    # tokens in order: a station's part count, a part's ring count, a ring's vertex count (then its 2n deltas)
    values: list[int] = []
    is_ring: list[bool] = []
    coords: list[list[int]] = []
    position = 0
    for station in range(n_stations):
        count = int(parts_per_station[station])
        values.append(count)
        is_ring.append(False)
        for index in order[position:position + count]:
            polygon = polygons[index]
            flat, holes = (polygon["positions"], polygon["holeIndices"]) if isinstance(polygon, dict) else (polygon, [])
            cuts = [0, *holes, len(flat)]
            values.append(len(cuts) - 1)
            is_ring.append(False)
            for start, stop in zip(cuts[:-1], cuts[1:], strict=True):
                values.append((stop - start) // 2)
                is_ring.append(True)
                coords.append(flat[start:stop])
        position += count
    tokens = np.asarray(values, dtype=np.int64)
    ring = np.asarray(is_ring, dtype=bool)
    sizes = 1 + np.where(ring, 2 * tokens, 0)
    offsets = np.cumsum(sizes) - sizes
    stream = np.empty(int(sizes.sum()), dtype=np.uint64)
    stream[offsets] = tokens.astype(np.uint64)
    if coords:
        xy = np.fromiter((v for c in coords for v in c), dtype=np.int64, count=int(2 * tokens[ring].sum()))
        deltas = np.empty_like(xy)
        deltas[0::2] = np.diff(xy[0::2], prepend=0)
        deltas[1::2] = np.diff(xy[1::2], prepend=0)
        lengths = 2 * tokens[ring]
        starts = np.cumsum(lengths) - lengths
        where = np.repeat(offsets[ring] + 1 - starts, lengths) + np.arange(xy.size)
        stream[where] = zigzag(deltas)
    return stream


def _encode_tile(stations: pd.DataFrame, level: int) -> bytes:
    shapes = shapely.from_wkb([bytes(b) for b in stations["wkb"]]) if len(stations) else np.empty(0, dtype=object)
    bounds = total_bounds(shapes) or (0.0, 0.0, 0.0, 0.0)
    quantizer = tile_quantizer(level, bounds)
    polygons, rows = encode_polygons(list(shapes), quantizer)
    body = varints(_stream(polygons, rows, len(stations)))
    ox, oy = quantizer.origin_common
    header = json.dumps({
        "n": len(stations), "level": level, "origin": [ox, oy], "step": quantizer.step,
        "bounds": [round(float(b), 6) for b in bounds],
        "ids": stations["station_id"].tolist(), "numbers": stations["bv_code"].tolist(),
        "communes": stations["commune_code"].tolist(), "names": stations["name"].tolist(),
    }, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return MAGIC + struct.pack("<I", len(header)) + header + body


@dataclass(frozen=True)
class Tile:
    """A decoded tile: its header and, per station, its parts as rings of (lon, lat) vertices."""

    header: dict
    stations: list[list[list[np.ndarray]]]


def decode_tile(data: bytes) -> Tile:
    """The tile's stations back in degrees (tests and benchmark; the browser has its own decoder)."""
    if data[:4] != MAGIC:
        raise ValueError("Tuile de contours invalide.")
    (length,) = struct.unpack("<I", data[4:8])
    header = json.loads(data[8:8 + length].decode("utf-8"))
    values = read_varints(data, 8 + length).astype(np.int64)
    step = float(header["step"])
    ox, oy = header["origin"]
    pos, x, y = 0, 0, 0
    stations = []
    for _ in range(int(header["n"])):
        n_parts = int(values[pos]); pos += 1  # noqa: E702
        parts = []
        for _ in range(n_parts):
            n_rings = int(values[pos]); pos += 1  # noqa: E702
            rings = []
            for _ in range(n_rings):
                n = int(values[pos]); pos += 1  # noqa: E702
                raw = values[pos:pos + 2 * n]; pos += 2 * n  # noqa: E702
                d = (raw >> 1) ^ -(raw & 1)
                xs = x + np.cumsum(d[0::2])
                ys = y + np.cumsum(d[1::2])
                if n:
                    x, y = int(xs[-1]), int(ys[-1])
                lon, lat = from_common(ox + xs * step, oy + ys * step)
                rings.append(np.column_stack([lon, lat]))
            parts.append(rings)
        stations.append(parts)
    return Tile(header, stations)


# -- the values of a view -------------------------------------------------------------------------
def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def groups_for(wh: Warehouse, frame: pd.DataFrame, class_codes: np.ndarray, text_codes: np.ndarray,
               stamps: dict[str, str], sets: dict[str, dict[str, tuple[pd.Index, tuple[float, float, float, float]]]],
               ) -> list[dict]:
    """Per tile the view touches: its URL template, size, bounds, and the bytes of its values.

    ``frame``: the measure's rows (``station_id``, ``set_id``, ``commune_code``); ``class_codes``
    (uint8, see the module doc) and ``text_codes`` (uint8, or uint16 past 256 texts) aligned with them. ``stamps`` and
    ``sets`` (:func:`set_stamp`, :func:`set_tiles` per set) are filled as needed: the caller keeps
    them per warehouse version.
    """
    deps = departements_of(frame["commune_code"])
    set_ids = frame["set_id"].astype(str).to_numpy(dtype=object)
    station_ids = frame["station_id"].astype(str).to_numpy(dtype=object)
    out = []
    for (set_id, dep), rows in pd.DataFrame({"s": set_ids, "d": deps}).groupby(["s", "d"], sort=True).indices.items():
        if set_id not in stamps:
            stamps[set_id] = set_stamp(wh, set_id)
        if set_id not in sets:
            sets[set_id] = set_tiles(wh, set_id)
        if dep not in sets[set_id]:
            continue  # stations without geometry in this version: nothing to draw
        order, bounds = sets[set_id][dep]
        where = order.get_indexer(station_ids[rows])
        found = where >= 0
        classes = np.zeros(len(order), dtype=np.uint8)
        texts = np.zeros(len(order), dtype=text_codes.dtype)
        classes[where[found]] = class_codes[rows[found]]
        texts[where[found]] = text_codes[rows[found]]
        out.append({"path": tile_path(set_id, stamps[set_id], None, dep), "n": len(order),
                    "bounds": [round(b, 5) for b in bounds], "c": _b64(classes), "t": _b64(texts)})
    return out


def parse_tile_path(path: str) -> tuple[str, str, str, str]:
    """(set_id, stamp, level, département) of a tile path or template (the inverse of :func:`tile_path`)."""
    from urllib.parse import unquote

    if not path.startswith(ROUTE_PREFIX) or not path.endswith(".bin"):
        raise ValueError(f"Chemin de tuile inconnu : « {path} ».")
    parts = path[len(ROUTE_PREFIX):-len(".bin")].split("/")
    if len(parts) != 4:
        raise ValueError(f"Chemin de tuile inconnu : « {path} ».")
    return unquote(parts[0]), parts[1], parts[2], unquote(parts[3])


def drawn_stations(wh: Warehouse, geo: dict) -> dict[str, dict[str, object]]:
    """What a map message draws, per station id: its colour ``c``, tooltip text ``v`` and class byte ``code``.

    The browser's reading of :func:`dashboard.maps.build.geo_message` in Python (tests, benchmark).
    """
    palette = [tuple(c) for c in geo["palette"]]
    no_data = tuple(geo["nodata"])
    out: dict[str, dict[str, object]] = {}
    for group in geo["groups"]:
        set_id, _, _, dep = parse_tile_path(group["path"])
        order = tile_stations(wh, set_id, dep)
        codes = np.frombuffer(base64.b64decode(group["c"]), dtype=np.uint8)
        texts = np.frombuffer(base64.b64decode(group["t"]), dtype=np.uint8 if geo.get("text_bytes") == 1 else np.uint16)
        if len(order) != len(codes) or len(codes) != int(group["n"]):
            raise ValueError("Tuile et valeurs ne correspondent pas.")
        for f in np.flatnonzero(codes != ABSENT).tolist():
            code = int(codes[f])
            colour = palette[code - FIRST_CLASS] if code >= FIRST_CLASS else no_data
            out[str(order["station_id"].iloc[f])] = {"c": colour, "v": geo["texts"][int(texts[f])], "code": code}
    return out
