"""Streets of a turf drawn from its REU/BAN address points: a line along each street and where to write its name.

Offline and on paper there is no map background: the street names a canvasser needs come from
the addresses themselves. For each street of the turf (commune + name, accents and case
ignored, cut into pieces more than ``GAP_M`` apart exactly as the walk list cuts them,
``dashboard.canvass.walklist``), :func:`street_lines` gives:

- ``path``: a polyline through the street's address points, in the order of the street's axis
  (house numbers increasing): points are averaged in steps of ``STEP_M`` along the axis (each
  side weighing the same), so the odd and even sides meet in the middle of the street instead
  of zig-zagging across it;
- ``label_lon``/``label_lat`` and ``angle``: the middle of the line and the direction of the
  segment there, in degrees counter-clockwise from east, folded into (-90°, 90°] so the name
  reads left to right (deck.gl's ``TextLayer`` ``get_angle`` and fpdf2's ``rotation`` both
  take that convention).

A street with one address point has a one-point path and a horizontal label.
:func:`street_layers` turns them into deck.gl layers for the field maps (Terrain, Zones).

:func:`route_path` is the walk route drawn along the streets rather than across blocks: along each street
from address to address in the walk's order (by house number, one side then the other), and from one
street to the next through the nearest junction of their lines (where the two address lines cross or, since
address points stop short of a crossing, come within ``JUNCTION_M`` of each other; straight across when the
streets do not meet or the junction is a detour of more than ``DETOUR`` times the straight leg), all built
from the addresses, offline. :func:`path_length_m` measures it.
Pure: frames in, values out.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.types import String
from shapely.geometry import LineString, Point
from shapely.ops import nearest_points

from dashboard.canvass.geo import LocalProjection
from dashboard.canvass.housenumbers import normalise_street, parse_housenumbers
from dashboard.canvass.walklist import GAP_M, NO_STREET_FR, _pieces, _text
from layers.view import pixel_size_m

STEP_M = 30.0
STREET_LAYER = "rues"
STREET_NAME_LAYER = "noms_de_rues"
STREET_COLOR = (222, 220, 214, 255)  # a light grey street on the light background that replaces a basemap
STREET_NAME_COLOR = (60, 60, 60, 255)
NAME_PX = 12
JUNCTION_M = 60.0  # two address lines closer than this meet at a junction (address points stop short of it)
DETOUR = 3.0  # a junction making the leg between two streets longer than this many straight legs is not taken
CHAR_WIDTH = 0.55  # a name's width per character, in font sizes (deck.gl's sans-serif, roughly)


@dataclass(frozen=True)
class StreetLine:
    """One street (or one distant piece of it) of a turf, in lon/lat (EPSG:4326)."""

    name: str
    street_key: str
    path: tuple[tuple[float, float], ...]
    label_lon: float
    label_lat: float
    angle: float
    length_m: float
    n_points: int


def readable_angle(dx: float, dy: float) -> float:
    """The direction of (dx, dy) (east, north) in degrees counter-clockwise from east, in (-90, 90]."""
    if dx == 0 and dy == 0:
        return 0.0
    angle = round(math.degrees(math.atan2(dy, dx)), 1)  # rounded first: the fold below then holds exactly
    if angle > 90:
        angle -= 180
    elif angle <= -90:
        angle += 180
    return angle


def _middle(xy: np.ndarray, odd: np.ndarray) -> np.ndarray:
    """Mean of points, each side of the street weighing the same when both are there."""
    sides = [xy[odd], xy[~odd]]
    means = [s.mean(axis=0) for s in sides if len(s)]
    return np.mean(means, axis=0)


def _vertices(xy: np.ndarray, along: np.ndarray, odd: np.ndarray, step_m: float) -> np.ndarray:
    """The polyline of one piece: its points averaged per ``step_m`` bin along the axis, in axis order."""
    order = np.argsort(along, kind="stable")
    xy, along, odd = xy[order], along[order], odd[order]
    if len(xy) == 1 or np.ptp(along) < 1e-6:
        return _middle(xy, odd)[None, :]
    bins = np.floor((along - along[0]) / step_m).astype(np.int64)
    vertices = np.array([_middle(xy[bins == b], odd[bins == b]) for b in np.unique(bins)])
    if len(vertices) < 2:  # a short street: from its first to its last point
        vertices = xy[[0, -1]]
    return vertices


def _label(vertices: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Middle of the polyline (by length), the readable angle of the segment there, and the length."""
    if len(vertices) < 2:
        return vertices[0], 0.0, 0.0
    legs = np.hypot(*np.diff(vertices, axis=0).T)
    total = float(legs.sum())
    if total <= 0:
        return vertices[0], 0.0, 0.0
    cumulative = np.concatenate([[0.0], np.cumsum(legs)])
    i = int(np.clip(np.searchsorted(cumulative, total / 2) - 1, 0, len(legs) - 1))
    t = (total / 2 - cumulative[i]) / legs[i] if legs[i] > 0 else 0.0
    a, b = vertices[i], vertices[i + 1]
    return a + t * (b - a), readable_angle(float(b[0] - a[0]), float(b[1] - a[1])), total


def street_lines(addresses: pd.DataFrame, *, gap_m: float = GAP_M, step_m: float = STEP_M) -> list[StreetLine]:
    """The streets of ``addresses`` (columns ``street``, ``lon``, ``lat`` and, when known, ``commune_code`` and
    ``housenumber`` or ``number``: a warehouse address frame or a walk list), longest first.

    Points without a street name or a finite position are left out.
    """
    if not len(addresses):
        return []
    frame = addresses.reset_index(drop=True)
    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float)
    names = frame["street"].map(_text).to_numpy(dtype=object)
    keep = np.isfinite(lon) & np.isfinite(lat) & np.array([bool(n.strip()) and n != NO_STREET_FR for n in names])
    if not keep.any():
        return []
    lon, lat, names = lon[keep], lat[keep], names[keep]
    sub = frame.loc[keep].reset_index(drop=True)
    communes = sub["commune_code"].map(_text) if "commune_code" in sub else pd.Series([""] * len(sub))
    keys = (communes + "|" + sub["street"].map(normalise_street)).to_numpy(dtype=object)
    number_column = "housenumber" if "housenumber" in sub else ("number" if "number" in sub else None)
    numbers = parse_housenumbers(sub[number_column] if number_column else [None] * len(sub))
    base = numbers["base"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    odd = (numbers["side"] == "odd").to_numpy(dtype=bool)
    projection = LocalProjection.around(lon, lat)
    xy = np.column_stack(projection.forward(lon, lat))
    piece, along = _pieces(xy, base, keys, gap_m)
    lines = []
    for p in np.unique(piece):
        rows = np.flatnonzero(piece == p)
        vertices = _vertices(xy[rows], along[rows], odd[rows], step_m)
        middle, angle, length = _label(vertices)
        path_lon, path_lat = projection.inverse(vertices[:, 0], vertices[:, 1])
        label_lon, label_lat = projection.inverse(np.array([middle[0]]), np.array([middle[1]]))
        name = Counter(str(n).strip() for n in names[rows]).most_common(1)[0][0]
        lines.append(StreetLine(
            name=name, street_key=str(keys[rows[0]]),
            path=tuple((round(float(x), 6), round(float(y), 6)) for x, y in zip(path_lon, path_lat)),
            label_lon=round(float(label_lon[0]), 6), label_lat=round(float(label_lat[0]), 6), angle=angle,
            length_m=round(length, 1), n_points=len(rows),
        ))
    return sorted(lines, key=lambda s: (-s.length_m, s.name, s.street_key))


def legible(lines: list[StreetLine], zoom: float, *, size_px: float = NAME_PX, fit_along: bool = True) -> list[StreetLine]:
    """The lines whose name fits along them at ``zoom`` (deck.gl zoom; unless not ``fit_along``) and overlaps
    no name kept before (longest streets first): what a map at that zoom can write without clutter."""
    if not lines:
        return []
    metres = pixel_size_m(zoom, float(np.mean([s.label_lat for s in lines])))
    projection = LocalProjection.around(np.array([s.label_lon for s in lines]), np.array([s.label_lat for s in lines]))
    kept: list[StreetLine] = []
    boxes: list[tuple[float, float, float, float]] = []
    for line in sorted(lines, key=lambda s: (-s.length_m, s.name)):
        width = CHAR_WIDTH * size_px * len(line.name)
        if fit_along and line.length_m / metres < width:
            continue
        x, y = (float(v[0]) / metres for v in projection.forward(np.array([line.label_lon]), np.array([line.label_lat])))
        a = math.radians(line.angle)
        half_w = (abs(math.cos(a)) * width + abs(math.sin(a)) * size_px) / 2
        half_h = (abs(math.sin(a)) * width + abs(math.cos(a)) * size_px) / 2
        box = (x - half_w, y - half_h, x + half_w, y + half_h)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
            continue
        boxes.append(box)
        kept.append(line)
    return kept


def street_layers(lines: list[StreetLine], *, draw_lines: bool = True, zoom: float | None = None,
                  fit_along: bool = True) -> list[pdk.Layer]:
    """The deck.gl layers of :func:`street_lines`: the streets as wide light lines (``rues``, only when
    ``draw_lines``: no basemap under them) and their names along them (``noms_de_rues``, dark text with a white
    halo, any French character; with ``zoom``, only the :func:`legible` ones, ``fit_along`` as there). Not
    pickable: the tooltip stays on the doors."""
    layers = []
    paths = [{"path": [list(p) for p in line.path]} for line in lines if len(line.path) > 1]
    if draw_lines and paths:
        layers.append(pdk.Layer(
            "PathLayer", data=paths, id=STREET_LAYER, get_path="path", get_color=list(STREET_COLOR),
            width_units=String("meters"), get_width=9, width_min_pixels=4, cap_rounded=True, joint_rounded=True,
            pickable=False,
        ))
    shown = lines if zoom is None else legible(lines, zoom, fit_along=fit_along)
    names = [{"p": [line.label_lon, line.label_lat], "n": line.name, "a": line.angle} for line in shown]
    if names:
        layers.append(pdk.Layer(
            "TextLayer", data=names, id=STREET_NAME_LAYER, get_position="p", get_text="n", get_angle="a",
            get_size=NAME_PX, size_units=String("pixels"), get_color=list(STREET_NAME_COLOR), font_weight=600,
            character_set=String("auto"), font_settings={"sdf": True}, outline_width=3, outline_color=[255, 255, 255, 230],
            get_pixel_offset=[0, 0], pickable=False,
        ))
    return layers


def _street_geometry(line: StreetLine, projection: LocalProjection) -> LineString | Point:
    x, y = projection.forward(np.array([p[0] for p in line.path]), np.array([p[1] for p in line.path]))
    return LineString(np.column_stack([x, y])) if len(line.path) > 1 else Point(float(x[0]), float(y[0]))


def _nearest_line(lines: list[tuple[str, LineString | Point]], key: str, point: Point) -> LineString | Point | None:
    """The line of street ``key`` nearest ``point`` (a street cut in pieces has several)."""
    own = [g for k, g in lines if k == key]
    return min(own, key=point.distance) if own else None


def _junction(line_a: LineString | Point, line_b: LineString | Point, a: Point, b: Point) -> tuple[Point, Point]:
    """Where the route passes from street A to street B: the crossing of their lines nearest the two stops when
    they cross, else their nearest points."""
    crossing = line_a.intersection(line_b)
    if not crossing.is_empty:
        points = [p for p in getattr(crossing, "geoms", [crossing]) if p.geom_type == "Point"]
        if points:
            best = min(points, key=lambda p: a.distance(p) + p.distance(b))
            return best, best
    on_a, on_b = nearest_points(line_a, line_b)
    return on_a, on_b


def route_path(walk: pd.DataFrame, lines: list[StreetLine] | None = None) -> list[tuple[float, float]]:
    """The walk route of ``walk`` (``order_walk``'s rows in order: ``lon``, ``lat``, ``street``, ``street_key``…)
    as a polyline in lon/lat: address to address along a street, and from one street to the next through the
    nearest junction of their lines (``lines``: :func:`street_lines` of the walk, computed when not given).
    Points without a position are skipped; a stop without a street line is joined straight."""
    if not len(walk):
        return []
    lon = pd.to_numeric(walk["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(walk["lat"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return []
    lines = street_lines(walk) if lines is None else lines
    projection = LocalProjection.around(lon[ok], lat[ok])
    x, y = projection.forward(lon[ok], lat[ok])
    # streets matched by name (a walk list's key holds the commune, lines drawn from it may not)
    names = (walk["street_key"].astype(str) if "street_key" in walk else walk["street"].map(normalise_street))
    keys = names.map(lambda k: k.rpartition("|")[2]).to_numpy(dtype=object)[ok]
    geometries = [(line.street_key.rpartition("|")[2], _street_geometry(line, projection)) for line in lines]
    path: list[tuple[float, float]] = [(float(x[0]), float(y[0]))]
    for i in range(1, len(x)):
        a, b = Point(float(x[i - 1]), float(y[i - 1])), Point(float(x[i]), float(y[i]))
        if keys[i] != keys[i - 1]:  # another street: through the nearest junction of the two streets' lines
            line_a, line_b = _nearest_line(geometries, keys[i - 1], a), _nearest_line(geometries, keys[i], b)
            if line_a is not None and line_b is not None:
                on_a, on_b = _junction(line_a, line_b, a, b)
                straight = a.distance(b)
                via = a.distance(on_a) + on_a.distance(on_b) + on_b.distance(b)
                meet = on_a.distance(on_b) <= JUNCTION_M and via <= DETOUR * max(straight, 1.0)
                for p in (on_a, on_b) if meet else ():  # else the streets do not meet: straight across
                    if not path or math.hypot(p.x - path[-1][0], p.y - path[-1][1]) > 0.5:
                        path.append((float(p.x), float(p.y)))
        path.append((float(b.x), float(b.y)))
    px, py = projection.inverse(np.array([p[0] for p in path]), np.array([p[1] for p in path]))
    return [(round(float(u), 6), round(float(v), 6)) for u, v in zip(px, py)]


def path_length_m(path: list[tuple[float, float]]) -> float:
    """Length in metres of a lon/lat polyline (:func:`route_path`)."""
    if len(path) < 2:
        return 0.0
    lon, lat = np.array([p[0] for p in path]), np.array([p[1] for p in path])
    x, y = LocalProjection.around(lon, lat).forward(lon, lat)
    return float(np.hypot(np.diff(x), np.diff(y)).sum())
