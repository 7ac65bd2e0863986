"""Integer grid encoding of polygons: round trip, holes, parts, degenerate parts."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from layers.encode import Quantizer, encode_polygons, from_common, quantizer_for, to_common


def _rings(polygon: object) -> list[np.ndarray]:
    """Rings of one encoded polygon as (n, 2) integer arrays."""
    if isinstance(polygon, dict):
        flat, holes = polygon["positions"], polygon["holeIndices"]
    else:
        flat, holes = polygon, []
    cuts = [0, *holes, len(flat)]
    return [np.asarray(flat[a:b], dtype=np.int64).reshape(-1, 2) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


def _common_of_ints(ring: np.ndarray, q: Quantizer) -> np.ndarray:
    ox, oy = q.origin_common
    return np.column_stack([ox + ring[:, 0] * q.step, oy + ring[:, 1] * q.step])


def test_common_space_round_trip():
    lon = np.array([-4.5, 2.35, 9.5, -61.5])
    lat = np.array([48.4, 48.85, 42.0, 16.2])
    x, y = to_common(lon, lat)
    assert x[1] == pytest.approx(512 * (2.35 + 180) / 360)
    back_lon, back_lat = from_common(x, y)
    assert np.allclose(back_lon, lon) and np.allclose(back_lat, lat)


def test_quantizer_step_is_a_fraction_of_a_pixel():
    q = quantizer_for((-4.57, 48.32, -4.32, 48.47), 12.0)
    assert q.origin == (-4.57, 48.32)
    assert q.step == pytest.approx(0.5 / 2**12)  # 1 common unit = 1 px at zoom 0
    assert quantizer_for((0, 0, 1, 1), 12.0, pixel_fraction=0.25).step == pytest.approx(0.25 / 2**12)
    with pytest.raises(ValueError):
        quantizer_for((0, 0, 1, 1), 12.0, pixel_fraction=0)


def _random_polygons(seed: int, bounds: tuple[float, float, float, float], n: int) -> list[Polygon]:
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = bounds
    out = []
    for _ in range(n):
        cx, cy = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        r = rng.uniform(0.002, 0.05) * (maxx - minx)
        out.append(Point(cx, cy).buffer(r, int(rng.integers(2, 16))))
    return out


@pytest.mark.parametrize(
    ("bounds", "zoom"),
    [((-4.57, 48.32, -4.32, 48.47), 12.0), ((-5.0, 41.3, 9.6, 51.1), 5.5), ((-5.0, 41.3, 9.6, 51.1), 9.0)],
)
def test_round_trip_within_half_a_grid_step(bounds, zoom):
    q = quantizer_for(bounds, zoom)
    geoms = _random_polygons(1, bounds, 60)
    polygons, rows = encode_polygons(geoms, q)
    half = q.step / 2 + 1e-9
    for polygon, row in zip(polygons, rows.tolist(), strict=True):
        (ring,) = _rings(polygon)
        decoded = _common_of_ints(ring, q)
        src = np.column_stack(to_common(*np.asarray(geoms[row].exterior.coords).T))
        # Every decoded vertex is a snapped source vertex, every source vertex is kept or was a duplicate.
        cheb = np.abs(decoded[:, None, :] - src[None, :, :]).max(axis=2)
        assert (cheb.min(axis=1) <= half).all()
        assert (cheb.min(axis=0) <= half).all()
        # And back in degrees, within half a step too.
        lon, lat = q.decode(ring[:, 0], ring[:, 1])
        assert np.allclose(np.column_stack(to_common(lon, lat)), decoded)


def test_rings_are_open_without_consecutive_duplicates():
    q = Quantizer((0.0, 0.0), 1e-3)
    square = Polygon([(0, 0), (0.01, 0), (0.01, 0.00000001), (0.01, 0.01), (0, 0.01), (0, 0)])
    (polygon,), rows = encode_polygons([square], q)
    assert isinstance(polygon, list) and all(isinstance(v, int) for v in polygon)
    assert polygon == [0, 0, 14, 0, 14, 14, 0, 14]
    assert rows.tolist() == [0]


def test_holes_use_flat_hole_indices():
    q = Quantizer((0.0, 0.0), 1e-3)
    donut = Polygon(
        [(0, 0), (0.1, 0), (0.1, 0.1), (0, 0.1)],
        [[(0.02, 0.02), (0.04, 0.02), (0.04, 0.04)], [(0.06, 0.06), (0.08, 0.06), (0.08, 0.08), (0.06, 0.08)]],
    )
    (polygon,), _ = encode_polygons([donut], q)
    assert set(polygon) == {"positions", "holeIndices"}
    assert polygon["holeIndices"] == [8, 14]  # indices in the flat array: 4 and 3 vertices before
    exterior, hole1, hole2 = _rings(polygon)
    assert len(exterior) == 4 and len(hole1) == 3 and len(hole2) == 4


def test_multipolygon_parts_map_back_to_their_row():
    q = Quantizer((0.0, 0.0), 1e-3)
    a = Polygon([(0, 0), (0.1, 0), (0.1, 0.1)])
    b = Polygon([(0.2, 0.2), (0.3, 0.2), (0.3, 0.3)])
    c = Polygon([(0.5, 0.5), (0.6, 0.5), (0.6, 0.6)])
    polygons, rows = encode_polygons([a, MultiPolygon([b, c]), None, Point(0, 0), LineString([(0, 0), (1, 1)]), c], q)
    assert rows.tolist() == [0, 1, 1, 5]
    assert len(polygons) == 4


def test_degenerate_parts_and_holes_are_dropped_but_no_station_vanishes():
    q = Quantizer((0.0, 0.0), 1e-3)
    tiny = Polygon([(0.3, 0.3), (0.3000001, 0.3), (0.3, 0.3000001)])
    flat = Polygon([(0.4, 0.4), (0.41, 0.4), (0.42, 0.4), (0.43, 0.4000001)])  # on a line once snapped
    with_tiny_hole = Polygon(
        [(0, 0), (0.1, 0), (0.1, 0.1), (0, 0.1)], [[(0.05, 0.05), (0.0500001, 0.05), (0.05, 0.0500001)]]
    )
    polygons, rows = encode_polygons([tiny, MultiPolygon([tiny, with_tiny_hole]), flat, shapely.Polygon()], q)
    assert rows.tolist() == [1, 0, 2]  # the tiny part of row 1 is dropped; rows 0 and 2 become one grid cell
    assert isinstance(polygons[0], list) and len(polygons[0]) == 8
    for cell in polygons[1:]:
        xs, ys = cell[0::2], cell[1::2]
        assert max(xs) - min(xs) == 1 and max(ys) - min(ys) == 1 and len(cell) == 8


def test_empty_input():
    polygons, rows = encode_polygons([], Quantizer((0.0, 0.0), 1.0))
    assert polygons == [] and rows.size == 0
