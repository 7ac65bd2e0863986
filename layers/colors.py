"""Colour ramps for choropleths (ColorBrewer schemes, colour-blind friendly).

Sequential ramps go from light to dark; the very lightest ColorBrewer step is
left out so that the first class still stands out from the map background and
from ``NO_DATA``. Diverging ramps go from the negative hue, through a neutral
middle, to the positive hue (``rouge-bleu``: negative blue, positive red).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from layers.classify import Classes

RGB = tuple[int, int, int]

NO_DATA: RGB = (204, 204, 204)

SEQUENTIAL: dict[str, tuple[str, ...]] = {
    "bleus": ("#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"),
    "oranges": ("#fee6ce", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801", "#a63603", "#7f2704"),
    "verts": ("#e5f5e0", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#006d2c", "#00441b"),
    "violets": ("#efedf5", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#54278f", "#3f007d"),
    "rouges": ("#fee0d2", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#a50f15", "#67000d"),
    "gris": ("#f0f0f0", "#d9d9d9", "#bdbdbd", "#969696", "#737373", "#525252", "#252525"),
}

DIVERGING: dict[str, tuple[str, ...]] = {
    # RdBu reversed: negative values blue, positive values red.
    "rouge-bleu": (
        "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
        "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f",
    ),
    # BrBG: negative values brown, positive values blue-green.
    "brun-vert": (
        "#543005", "#8c510a", "#bf812d", "#dfc27d", "#f6e8c3", "#f5f5f5",
        "#c7eae5", "#80cdc1", "#35978f", "#01665e", "#003c30",
    ),
    # PRGn: negative values purple, positive values green.
    "violet-vert": (
        "#40004b", "#762a83", "#9970ab", "#c2a5cf", "#e7d4e8", "#f7f7f7",
        "#d9f0d3", "#a6dba0", "#5aae61", "#1b7837", "#00441b",
    ),
}


def hex_to_rgb(value: str) -> RGB:
    """``"#1f4e79"`` or ``"1f4e79"`` → ``(31, 78, 121)``."""
    text = value[1:] if isinstance(value, str) and value.startswith("#") else value
    if not isinstance(text, str) or len(text) != 6:
        raise ValueError(f"Couleur invalide : {value!r} (attendu : #rrggbb).")
    try:
        return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))
    except ValueError:
        raise ValueError(f"Couleur invalide : {value!r} (attendu : #rrggbb).") from None


def rgb_to_hex(color: Sequence[int]) -> str:
    """``(31, 78, 121)`` → ``"#1f4e79"``."""
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in color[:3]))


def _stops(name: str) -> np.ndarray:
    scheme = SEQUENTIAL.get(name) or DIVERGING.get(name)
    if scheme is None:
        known = ", ".join([*SEQUENTIAL, *DIVERGING])
        raise ValueError(f"Palette inconnue : « {name} » (palettes connues : {known}).")
    return np.array([hex_to_rgb(h) for h in scheme], dtype=np.float64)


def interpolate(name: str, position: float) -> RGB:
    """Colour at ``position`` (0 = first stop, 1 = last stop) of a ramp, linear in sRGB."""
    stops = _stops(name)
    t = float(np.clip(position, 0.0, 1.0)) * (len(stops) - 1)
    i = min(int(np.floor(t)), len(stops) - 2)
    frac = t - i
    rgb = stops[i] * (1.0 - frac) + stops[i + 1] * frac
    return (int(round(rgb[0])), int(round(rgb[1])), int(round(rgb[2])))


def ramp(name: str, n: int) -> list[RGB]:
    """``n`` colours evenly spread along a ramp (light → dark for a sequential one)."""
    if n <= 0:
        return []
    if n == 1:
        return [interpolate(name, 0.5)]
    return [interpolate(name, p) for p in np.linspace(0.0, 1.0, n)]


def lighten(color: Sequence[int], amount: float) -> RGB:
    """Mix ``color`` with white: 0 leaves it, 1 gives white."""
    a = float(np.clip(amount, 0.0, 1.0))
    r, g, b = (int(round(c + (255 - c) * a)) for c in color[:3])
    return (r, g, b)


def class_colors(classes: Classes, palette: str, *, center: float | None = None) -> list[RGB]:
    """One colour per class.

    Without ``center``: ``ramp(palette, k)``. With ``center`` (diverging
    palette): the colour of a class is the diverging ramp at
    ``(midpoint - center) / max(|min - center|, |max - center|)``, so classes
    equally far from the centre get the same intensity, their side the hue.
    """
    k = classes.k
    if k == 0:
        return []
    if center is None:
        return ramp(palette, k)
    if palette not in DIVERGING:
        known = ", ".join(DIVERGING)
        raise ValueError(
            f"Une palette divergente est attendue autour d'un centre : « {palette} » (palettes divergentes : {known})."
        )
    lo, hi = classes.breaks[0], classes.breaks[-1]
    extent = max(abs(lo - center), abs(hi - center))
    colors = []
    for i in range(k):
        a, b = classes.bounds(i)
        t = 0.0 if extent == 0 else ((a + b) / 2.0 - center) / extent
        colors.append(interpolate(palette, 0.5 + 0.5 * t))
    return colors


def colors_by_index(index: Sequence[int], colors: Sequence[RGB], *, no_data: RGB = NO_DATA) -> list[RGB]:
    """Colour of each feature from its class index (``class_index``): ``no_data`` for -1."""
    palette = [tuple(int(v) for v in c[:3]) for c in colors]
    return [palette[i] if 0 <= i < len(palette) else no_data for i in (int(j) for j in index)]
