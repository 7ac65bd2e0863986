"""What the lasso map sends back: lassos drawn on the map and stations clicked (no Streamlit here).

The browser component (``dashboard.ui.map_component``) reports its state as plain
JSON: ``{"lassos": [{"op": "add" | "subtract", "coords": [[lon, lat], ...]}],
"clicked": ["key", ...], "view": {"longitude": …, "latitude": …, "zoom": …}}``.
That JSON comes from the browser, so it is treated as hostile:
:func:`parse_state` keeps only what is well formed — a bounded number of
lassos and points, finite numbers within longitude/latitude ranges, short
keys without control characters — and drops the rest (never raises).

A :class:`LassoMapState` is also what the wrapper sends back to the browser
when it remounts the map (``to_dict``), so that a page rerun or a return to
the page shows the same lassos as Python holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import shapely

Op = Literal["add", "subtract"]
OPS: tuple[str, ...] = ("add", "subtract")

MAX_LASSOS = 50
MAX_POINTS = 1000  # per lasso; the browser simplifies to at most 500
MIN_POINTS = 3
MAX_CLICKED = 5000
MAX_KEY_LENGTH = 200
MAX_LATITUDE = 85.051129  # Web Mercator
COORD_DIGITS = 7  # ~1 cm: more digits are noise from the browser
MIN_AREA = 1e-12  # square degrees (~0.01 m²): below it, a lasso is a line
VIEW_RANGES: dict[str, tuple[float, float]] = {
    "longitude": (-540.0, 540.0),  # deck.gl lets the world wrap around once or so
    "latitude": (-MAX_LATITUDE, MAX_LATITUDE),
    "zoom": (-5.0, 30.0),
    "pitch": (0.0, 90.0),
    "bearing": (-360.0, 360.0),
}


@dataclass(frozen=True)
class Lasso:
    """A closed freehand polygon: ``coords`` are ``(lon, lat)`` pairs, ring left open."""

    op: Op
    coords: tuple[tuple[float, float], ...]

    def polygon(self) -> shapely.Geometry:
        """The lasso as a valid (multi)polygon: a figure-of-eight becomes its two loops."""
        shape = shapely.Polygon(self.coords)
        if shape.is_valid:
            return shape
        # make_valid may give lines beside the loops (a stroke going back on itself): keep the areas
        parts = [part for part in shapely.get_parts(shapely.make_valid(shape)) if part.geom_type == "Polygon"]
        return shapely.union_all(parts) if parts else shapely.Polygon()

    def to_dict(self) -> dict[str, object]:
        return {"op": self.op, "coords": [[x, y] for x, y in self.coords]}


@dataclass(frozen=True)
class LassoMapState:
    """Lassos in drawing order, clicked keys in clicking order, and the map's last reported view."""

    lassos: tuple[Lasso, ...] = ()
    clicked_keys: tuple[str, ...] = ()
    view: dict[str, float] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.lassos and not self.clicked_keys

    def region(self) -> shapely.Geometry:
        """The area the lassos select: each "add" lasso is united, each "subtract" one removed, in order."""
        area = shapely.Polygon()
        for lasso in self.lassos:
            shape = lasso.polygon()
            area = shapely.union(area, shape) if lasso.op == "add" else shapely.difference(area, shape)
        return area

    def to_dict(self) -> dict[str, object]:
        """The JSON form, as the browser sends it (``parse_state(s.to_dict()) == s``)."""
        return {
            "lassos": [lasso.to_dict() for lasso in self.lassos],
            "clicked": list(self.clicked_keys),
            "view": dict(self.view),
        }


def _number(value: object) -> float | None:
    """A finite float of an int or float (not a bool, a string or anything else)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def parse_lasso(raw: object) -> Lasso | None:
    """One lasso, or None when malformed, out of range or too small/large."""
    if not isinstance(raw, Mapping):
        return None
    op = raw.get("op")
    coords = raw.get("coords")
    if op not in OPS or not isinstance(coords, list) or not MIN_POINTS <= len(coords) <= MAX_POINTS:
        return None
    points: list[tuple[float, float]] = []
    for pair in coords:
        if not isinstance(pair, list) or len(pair) != 2:
            return None
        lon, lat = _number(pair[0]), _number(pair[1])
        if lon is None or lat is None or not (-180.0 <= lon <= 180.0) or not (-MAX_LATITUDE <= lat <= MAX_LATITUDE):
            return None
        point = (round(lon, COORD_DIGITS), round(lat, COORD_DIGITS))
        if not points or point != points[-1]:
            points.append(point)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()  # rings are left open
    if len(set(points)) < MIN_POINTS:
        return None
    lasso = Lasso(op, tuple(points))  # type: ignore[arg-type] - op checked against OPS
    if lasso.polygon().area <= MIN_AREA:  # all on a line: selects nothing
        return None
    return lasso


def _key(raw: object) -> str | None:
    if not isinstance(raw, str) or not raw or len(raw) > MAX_KEY_LENGTH:
        return None
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in raw):
        return None
    return raw


def parse_keys(raw: object) -> tuple[str, ...]:
    """Distinct well-formed keys, in order; at most ``MAX_CLICKED``."""
    if not isinstance(raw, list):
        return ()
    out: dict[str, None] = {}
    for item in raw[: MAX_CLICKED * 2]:
        key = _key(item)
        if key is not None:
            out[key] = None
            if len(out) >= MAX_CLICKED:
                break
    return tuple(out)


def parse_view(raw: object) -> dict[str, float]:
    """The view's known numeric fields within their ranges (others dropped)."""
    if not isinstance(raw, Mapping):
        return {}
    view = {}
    for name, (low, high) in VIEW_RANGES.items():
        value = _number(raw.get(name))
        if value is not None and low <= value <= high:
            view[name] = value
    return view


def parse_state(raw: object) -> LassoMapState:
    """What the browser sent (or ``None`` before any interaction), validated; never raises."""
    if not isinstance(raw, Mapping):
        return LassoMapState()
    lassos_raw = raw.get("lassos")
    lassos: list[Lasso] = []
    if isinstance(lassos_raw, list):
        for item in lassos_raw[: MAX_LASSOS * 2]:
            lasso = parse_lasso(item)
            if lasso is not None:
                lassos.append(lasso)
                if len(lassos) >= MAX_LASSOS:
                    break
    return LassoMapState(tuple(lassos), parse_keys(raw.get("clicked")), parse_view(raw.get("view")))


def selected_keys(state: LassoMapState, points: Iterable[tuple[str, float, float]]) -> list[str]:
    """Keys whose point ``(key, lon, lat)`` (e.g. a station's centroid) lies in ``state.region()``.

    The clicked keys are not included: how a click combines with the lassos is
    the page's choice.
    """
    items = list(points)
    if not items or not state.lassos:
        return []
    area = state.region()
    if area.is_empty:
        return []
    shapely.prepare(area)
    xs = [x for _, x, _ in items]
    ys = [y for _, _, y in items]
    inside = shapely.contains_xy(area, xs, ys)
    return [key for (key, _, _), hit in zip(items, inside.tolist(), strict=True) if hit]
