"""Label placement without overlap (issue 13: zone names and turf numbers readable at 160 turfs)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.labels import label_size, overlaps, place_labels, to_pixels


def test_crowded_labels_are_thinned_and_never_overlap() -> None:
    rng = np.random.default_rng(1)
    points = list(zip(2.35 + rng.random(160) * 0.01, 48.85 + rng.random(160) * 0.01, strict=True))
    texts = [str(i + 1) for i in range(160)]
    placed = place_labels(points, texts, zoom=15, size_px=13, priority=rng.random(160))
    assert 20 < len(placed) < 160  # many fit, not all: the others are named on hover
    assert overlaps(points, texts, placed, zoom=15, size_px=13) == 0
    assert [p.index for p in placed] == sorted(p.index for p in placed)


def test_far_apart_labels_all_stay_at_their_anchor_and_the_cap_keeps_the_largest() -> None:
    points = [(2.0 + i * 0.05, 48.0) for i in range(5)]
    placed = place_labels(points, ["Zone A", "Zone B", "Zone C", "Zone D", "Zone E"], zoom=12, size_px=15)
    assert [(p.index, p.dx, p.dy) for p in placed] == [(i, 0.0, 0.0) for i in range(5)]
    capped = place_labels(points, ["a"] * 5, zoom=12, size_px=15, priority=[1, 5, 2, 4, 3], max_labels=2)
    assert [p.index for p in capped] == [1, 3]


def test_two_labels_at_one_place_are_both_shown_one_moved() -> None:
    placed = place_labels([(2.0, 48.0), (2.0, 48.0)], ["Nord", "Sud"], zoom=14, size_px=14, priority=[2, 1])
    assert len(placed) == 2 and (placed[0].dx, placed[0].dy) == (0.0, 0.0) and placed[1].dy != 0.0


def test_pixels_follow_web_mercator() -> None:
    x, y = to_pixels(np.array([-180.0, 0.0]), np.array([0.0, 0.0]), 0)
    assert x.tolist() == [0.0, 256.0] and abs(y[1] - 256.0) < 1e-9
    assert label_size("Secteur 12", 10)[0] > label_size("12", 10)[0]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(2.0, 2.02), st.floats(48.0, 48.02), st.text("abcdeé ", min_size=1, max_size=20)),
                min_size=1, max_size=80), st.floats(11, 17))
def test_placed_labels_never_overlap(items: list, zoom: float) -> None:
    points = [(x, y) for x, y, _ in items]
    texts = [t for _, _, t in items]
    placed = place_labels(points, texts, zoom=zoom, size_px=14)
    assert placed and overlaps(points, texts, placed, zoom=zoom, size_px=14) == 0
