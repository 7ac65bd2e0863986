"""Label placement without overlap, at the zoom a map opens with (pure: no deck.gl, no app module).

Labels are placed greedily in priority order (the largest shape first): each label tries
its anchor, then a few nearby positions (above, below, right, left of it); the first whose
box overlaps no label already placed is kept, with its pixel offset; a label with no free
position is left out (the map's tooltip still names the shape on hover). Past ``max_labels``
labels, only that many are placed. Boxes are estimated from the text length and font size
(a sans-serif glyph is about 0.58 em wide), in Web-Mercator pixels at ``zoom`` (512-pixel
world at zoom 0, as deck.gl).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

GLYPH_EM = 0.58  # mean advance of a sans-serif glyph, in em
LINE_EM = 1.25
MARGIN_PX = 3.0
# (dx, dy) in label heights / widths: anchor, above, below, right, left
_CANDIDATES = ((0.0, 0.0), (0.0, -1.1), (0.0, 1.1), (0.6, 0.0), (-0.6, 0.0))


@dataclass(frozen=True)
class Placed:
    """A label kept: its index in the input and its pixel offset (x right, y down)."""

    index: int
    dx: float
    dy: float


def to_pixels(lon: np.ndarray, lat: np.ndarray, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """Web-Mercator pixels (y down) of lon/lat at ``zoom`` (deck.gl's 512-pixel tiles)."""
    scale = 512.0 * 2.0 ** float(zoom)
    x = (np.asarray(lon, dtype=float) + 180.0) / 360.0 * scale
    phi = np.radians(np.clip(np.asarray(lat, dtype=float), -85.05, 85.05))
    y = (1.0 - np.log(np.tan(math.pi / 4 + phi / 2)) / math.pi) / 2.0 * scale
    return x, y


def label_size(text: str, size_px: float) -> tuple[float, float]:
    """Estimated (width, height) of one line of ``text`` in pixels, halo included."""
    return len(text) * GLYPH_EM * size_px + 4.0, LINE_EM * size_px


def place_labels(points: Sequence[tuple[float, float]], texts: Sequence[str], *, zoom: float, size_px: float,
                 priority: Sequence[float] | None = None, max_labels: int | None = None) -> list[Placed]:
    """The labels that fit without overlapping, with their offsets, in input order.

    ``points``: (lon, lat) anchors; ``priority``: higher first (e.g. the shape's area; default: input order).
    """
    n = len(points)
    if n != len(texts):
        raise ValueError("Points et étiquettes doivent avoir la même longueur.")
    if n == 0:
        return []
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    x, y = to_pixels(pts[:, 0], pts[:, 1], zoom)
    order = list(range(n)) if priority is None else sorted(range(n), key=lambda i: (-float(priority[i]), i))
    boxes: list[tuple[float, float, float, float]] = []
    kept: list[Placed] = []
    for i in order:
        if max_labels is not None and len(kept) >= max_labels:
            break
        if not (np.isfinite(x[i]) and np.isfinite(y[i])):
            continue
        w, h = label_size(str(texts[i]), size_px)
        for fx, fy in _CANDIDATES:
            dx, dy = fx * (w + 2 * MARGIN_PX), fy * (h + 2 * MARGIN_PX)
            cx, cy = x[i] + dx, y[i] + dy
            box = (cx - w / 2 - MARGIN_PX, cy - h / 2 - MARGIN_PX, cx + w / 2 + MARGIN_PX, cy + h / 2 + MARGIN_PX)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
                boxes.append(box)
                kept.append(Placed(i, float(dx), float(dy)))
                break
    return sorted(kept, key=lambda p: p.index)


def overlaps(points: Sequence[tuple[float, float]], texts: Sequence[str], placed: Sequence[Placed], *, zoom: float,
             size_px: float) -> int:
    """How many pairs of the ``placed`` labels' boxes overlap (0 for a good placement; used by tests)."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    x, y = to_pixels(pts[:, 0], pts[:, 1], zoom)
    boxes = []
    for p in placed:
        w, h = label_size(str(texts[p.index]), size_px)
        cx, cy = x[p.index] + p.dx, y[p.index] + p.dy
        boxes.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    return sum(1 for a in range(len(boxes)) for b in range(a + 1, len(boxes))
               if boxes[a][0] < boxes[b][2] and boxes[b][0] < boxes[a][2] and boxes[a][1] < boxes[b][3] and boxes[b][1] < boxes[a][3])
