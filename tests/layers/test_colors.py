"""Colour ramps: parsing, interpolation, sequential and diverging class colours."""

from __future__ import annotations

import pytest

from layers.classify import Classes, classify
from layers.colors import (
    DIVERGING,
    NO_DATA,
    SEQUENTIAL,
    class_colors,
    colors_by_index,
    hex_to_rgb,
    interpolate,
    lighten,
    ramp,
    rgb_to_hex,
)


def test_hex_to_rgb():
    assert hex_to_rgb("#1f4e79") == (31, 78, 121)
    assert hex_to_rgb("1F4E79") == (31, 78, 121)
    assert rgb_to_hex((31, 78, 121)) == "#1f4e79"
    for bad in ("#fff", "zzzzzz", "#1f4e79ff", ""):
        with pytest.raises(ValueError, match="Couleur invalide"):
            hex_to_rgb(bad)


@pytest.mark.parametrize("name", list(SEQUENTIAL))
def test_sequential_ramps_go_from_light_to_dark(name: str):
    colors = ramp(name, 5)
    assert len(colors) == 5
    assert colors[0] == hex_to_rgb(SEQUENTIAL[name][0]) and colors[-1] == hex_to_rgb(SEQUENTIAL[name][-1])
    lightness = [sum(c) for c in colors]
    assert lightness == sorted(lightness, reverse=True)
    assert all(0 <= v <= 255 for c in colors for v in c)


def test_ramp_sizes_and_unknown_palette():
    assert ramp("bleus", 0) == []
    assert len(ramp("bleus", 1)) == 1
    assert len(set(ramp("verts", 9))) == 9
    with pytest.raises(ValueError, match="Palette inconnue"):
        ramp("arc-en-ciel", 3)


def test_no_data_is_a_light_grey():
    r, g, b = NO_DATA
    assert r == g == b and 180 <= r <= 230


def test_lighten():
    assert lighten((0, 100, 200), 0) == (0, 100, 200)
    assert lighten((0, 100, 200), 1) == (255, 255, 255)
    assert lighten((0, 100, 200), 0.5) == (128, 178, 228)


def test_sequential_class_colors():
    classes = classify(range(100), 4)
    assert class_colors(classes, "oranges") == ramp("oranges", 4)
    assert class_colors(Classes((), "quantiles"), "oranges") == []


def _close(a, b, tol: int = 1) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def _is_blue(c):
    return c[2] > c[0]


def _is_red(c):
    return c[0] > c[2]


def test_diverging_colors_are_symmetric_around_the_centre():
    # Classes at ±x from 0 get the same intensity, opposite hues.
    classes = Classes((-0.10, -0.05, 0.0, 0.05, 0.10), "equal")
    colors = class_colors(classes, "rouge-bleu", center=0.0)
    assert len(colors) == 4
    assert _close(colors[0], interpolate("rouge-bleu", 0.5 - 0.5 * 0.75))
    assert _close(colors[3], interpolate("rouge-bleu", 0.5 + 0.5 * 0.75))
    assert _is_blue(colors[0]) and _is_blue(colors[1]) and _is_red(colors[2]) and _is_red(colors[3])
    # Same distance from the centre: same distance from the neutral middle colour.
    mid = hex_to_rgb(DIVERGING["rouge-bleu"][5])
    for a, b in ((colors[0], colors[3]), (colors[1], colors[2])):
        da = sum((x - y) ** 2 for x, y in zip(a, mid, strict=True)) ** 0.5
        db = sum((x - y) ** 2 for x, y in zip(b, mid, strict=True)) ** 0.5
        assert da == pytest.approx(db, rel=0.25)
    # Inner classes are paler than outer ones.
    assert sum(colors[1]) > sum(colors[0]) and sum(colors[2]) > sum(colors[3])


def test_diverging_intensity_follows_distance_not_rank():
    # A lopsided range: the small negative class stays pale.
    classes = Classes((-0.02, 0.0, 0.1, 0.2), "equal")
    colors = class_colors(classes, "rouge-bleu", center=0.0)
    assert _close(colors[0], interpolate("rouge-bleu", 0.5 - 0.5 * 0.05))
    assert _close(colors[2], interpolate("rouge-bleu", 0.5 + 0.5 * 0.75))


def test_diverging_needs_a_diverging_palette():
    with pytest.raises(ValueError, match="palette divergente"):
        class_colors(Classes((-1.0, 0.0, 1.0), "equal"), "bleus", center=0.0)


def test_colors_by_index_uses_no_data_for_missing():
    assert colors_by_index([1, -1, 0], [(1, 2, 3), (4, 5, 6)]) == [(4, 5, 6), NO_DATA, (1, 2, 3)]
