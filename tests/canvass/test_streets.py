"""Streets drawn from the addresses (lines and name labels) and the walk route in street order."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.canvass.geo import LocalProjection
from dashboard.canvass.housenumbers import parse_housenumbers
from dashboard.canvass.streets import readable_angle, street_lines
from dashboard.canvass.walklist import order_walk
from tests.canvass.conftest import ORIGIN, make_town


def _metres(lon: float, lat: float) -> tuple[float, float]:
    x, y = LocalProjection(*ORIGIN).forward(np.array([lon]), np.array([lat]))
    return float(x[0]), float(y[0])


def test_each_street_gets_a_line_along_its_middle_and_a_horizontal_label() -> None:
    town = make_town(3, 10)  # horizontal streets 60 m apart, odd side 8 m north, even side 8 m south
    lines = street_lines(town)
    assert sorted(s.name for s in lines) == ["Rue n°0", "Rue n°1", "Rue n°2"]
    for line in lines:
        j = int(line.name[-1])
        ys = [_metres(*p)[1] for p in line.path]
        xs = [_metres(*p)[0] for p in line.path]
        assert all(abs(y - j * 60.0) < 3.0 for y in ys[1:-1]) and all(abs(y - j * 60.0) < 9.0 for y in ys)  # both sides averaged: the street's middle
        assert xs == sorted(xs) and xs[-1] - xs[0] > 100  # along the street, numbers increasing
        assert line.angle == 0.0 and line.n_points == 20
        lx, ly = _metres(line.label_lon, line.label_lat)
        assert xs[0] < lx < xs[-1] and abs(ly - j * 60.0) < 2.0


def test_labels_read_left_to_right_whatever_the_street_direction() -> None:
    assert readable_angle(1, 1) == 45.0
    assert readable_angle(-1, -1) == 45.0  # the same street walked the other way
    assert readable_angle(-1, 1) == -45.0
    assert readable_angle(0, 1) == 90.0 and readable_angle(0, -1) == 90.0
    assert readable_angle(0, 0) == 0.0
    # a street climbing north-east, numbers decreasing eastwards: its label still reads upwards to the right
    projection = LocalProjection(*ORIGIN)
    d = np.arange(10) * 20.0
    lon, lat = projection.inverse(d, d)
    frame = pd.DataFrame({"street": "Avenue d’Ève", "housenumber": [str(99 - 2 * i) for i in range(10)],
                          "lon": lon, "lat": lat})
    (line,) = street_lines(frame)
    assert line.name == "Avenue d’Ève" and abs(line.angle - 45.0) < 1.0


def test_distant_pieces_nameless_and_lone_points() -> None:
    projection = LocalProjection(*ORIGIN)
    x = np.array([0.0, 15.0, 30.0, 900.0, 915.0, 400.0, 450.0])
    lon, lat = projection.inverse(x, np.zeros(len(x)))
    frame = pd.DataFrame({"street": ["Rue A"] * 5 + [None, "Impasse B"], "housenumber": ["1", "3", "5", "41", "43", "2", "1"],
                          "lon": lon, "lat": lat})
    lines = street_lines(frame)
    assert [s.name for s in lines].count("Rue A") == 2  # two pieces 870 m apart: two lines, two labels
    lone = next(s for s in lines if s.name == "Impasse B")
    assert len(lone.path) == 1 and lone.angle == 0.0 and lone.length_m == 0.0
    assert street_lines(frame.iloc[:0]) == [] and street_lines(frame.iloc[[5]]) == []
    walk = order_walk(make_town(2, 5))
    assert sorted(s.name for s in street_lines(walk)) == ["Rue n°0", "Rue n°1"]  # a walk list works too


@st.composite
def _streets(draw: st.DrawFn) -> pd.DataFrame:
    """A few streets, straight or bent, at random angles, with random numbers (some missing or with suffixes)."""
    projection = LocalProjection(*ORIGIN)
    rows = []
    for s in range(draw(st.integers(1, 4))):
        angle = draw(st.floats(0, 2 * np.pi))
        bend = draw(st.floats(-0.6, 0.6))
        ox, oy = s * 90.0 * np.cos(angle + 1.3), s * 90.0 * np.sin(angle + 1.3)
        numbers = draw(st.lists(st.integers(1, 60), min_size=1, max_size=14, unique=True))
        for n in numbers:
            t = n * 6.0
            theta = angle + bend * t / 360.0
            side = 7.0 if n % 2 else -7.0
            x = ox + t * np.cos(theta) - side * np.sin(theta)
            y = oy + t * np.sin(theta) + side * np.cos(theta)
            lon, lat = projection.inverse(np.array([x]), np.array([y]))
            text = draw(st.sampled_from([str(n), f"{n} bis", f"{n}B", str(n)]))
            rows.append({"address_id": f"s{s}n{n}", "street": f"Rue {s}", "housenumber": text, "commune_code": "99001",
                         "lon": float(lon[0]), "lat": float(lat[0])})
    return pd.DataFrame(rows).drop_duplicates("address_id")


@settings(max_examples=60, deadline=None)
@given(_streets())
def test_the_route_walks_each_street_piece_in_one_go_with_numbers_monotonic_per_side(frame: pd.DataFrame) -> None:
    walk = order_walk(frame)
    pieces = list(zip(walk["street_key"], walk["piece"]))
    seen, previous = set(), None
    for piece in pieces:  # each piece's doors are contiguous in the route
        if piece != previous:
            assert piece not in seen
            seen.add(piece)
            previous = piece
    base = parse_housenumbers(walk["number"])["base"]
    for _, part in walk.assign(base=base.to_numpy()).groupby(["street_key", "piece", "side"]):
        numbers = part["base"].dropna().astype(int).tolist()
        assert numbers in (sorted(numbers), sorted(numbers, reverse=True))
    assert {s.street_key for s in street_lines(frame)} == set(walk["street_key"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.floats(0, 800), st.just(float("nan"))), st.floats(0, 800),
                          st.sampled_from(["Rue A", "rue a", "Allée C", "", None, "(voie sans nom)", "<b>x</b>"]),
                          st.one_of(st.none(), st.text(max_size=5), st.integers(0, 90).map(str))), max_size=50))
def test_any_addresses_give_finite_lines_and_upright_labels(points: list) -> None:
    frame = pd.DataFrame([{"street": s, "housenumber": n, "lon": 2.0 + x / 73_000, "lat": 48.0 + y / 111_000}
                          for x, y, s, n in points], columns=["street", "housenumber", "lon", "lat"])
    lines = street_lines(frame)
    named = frame["street"].map(lambda s: isinstance(s, str) and bool(s) and s != "(voie sans nom)") & frame["lon"].notna()
    assert sum(s.n_points for s in lines) == int(named.sum())
    for line in lines:
        assert line.path and all(np.isfinite(v) for p in line.path for v in p)
        assert -90 < line.angle <= 90 and line.length_m >= 0 and line.name.strip()


def test_at_a_zone_s_zoom_only_the_names_that_fit_are_written() -> None:
    from dashboard.canvass.streets import legible

    town = make_town(12, 12, street_gap_m=25.0)  # 12 parallel streets 25 m apart, 150 m long between the averaged ends
    lines = street_lines(town)
    assert len(legible(lines, 17.0)) == 12  # close up (0.4 m per px): every name fits along its street, no overlap
    few = legible(lines, 14.0)  # 3 m per px: streets 8 px apart, under a 12-px name: every other one at most
    assert 0 < len(few) <= 6
    assert legible(lines, 12.0) == []  # 12 m per px: a 150 m street is 12 px long, no name fits
    assert legible([], 15.0) == []
    assert 1 <= len(legible(lines, 12.0, fit_along=False)) <= 2  # a turf map names its streets unless names overlap


def _street(name: str, points: list[tuple[float, float, int]]) -> list[dict]:
    projection = LocalProjection(*ORIGIN)
    rows = []
    for x, y, number in points:
        lon, lat = projection.inverse(np.array([x]), np.array([y]))
        ban = f"99001_{name[-1]}_{number:05d}"
        rows.append({"address_id": f"{ban}@99001_1", "ban_id": ban, "commune_code": "99001", "station_id": "99001_1",
                     "label": f"{number} {name}", "housenumber": str(number), "street": name, "postcode": "99000",
                     "city": "Ville", "lon": float(lon[0]), "lat": float(lat[0]), "n_addresses": 1, "doors": 1})
    return rows


def test_the_route_goes_from_one_street_to_the_next_through_their_junction() -> None:
    from dashboard.canvass.streets import JUNCTION_M, path_length_m, route_path
    from dashboard.canvass.walklist import route_length_m

    # an L: « Rue A » along y = 0 (x 0 → 150), « Rue B » along x = 180 (y 30 → 180); odd and even sides 8 m apart
    a = _street("Rue A", [(15.0 * i, 8.0 if i % 2 == 0 else -8.0, i + 1) for i in range(11)])
    b = _street("Rue B", [(188.0 if i % 2 == 0 else 172.0, 30.0 + 15.0 * i, i + 1) for i in range(11)])
    walk = order_walk(pd.DataFrame(a + b), start=_lonlat(0.0, 0.0))
    path = route_path(walk)
    xy = [_metres(*p) for p in path]
    stops = [_metres(lon, lat) for lon, lat in zip(walk["lon"], walk["lat"])]
    assert len(path) == len(walk) + 2  # two junction points added, every stop kept in order
    assert [p for p in xy if min(np.hypot(p[0] - s[0], p[1] - s[1]) for s in stops) > 0.5] == xy[11:13]
    (ja, jb) = xy[11:13]
    assert abs(ja[1]) < 3 and 140 < ja[0] < 155  # the end of Rue A's line (mid-street)
    assert abs(jb[0] - 180) < 3 and 25 < jb[1] < 50  # the start of Rue B's line (its points averaged per 30 m)
    assert np.hypot(ja[0] - jb[0], ja[1] - jb[1]) < JUNCTION_M
    assert path_length_m(path) >= route_length_m(walk) - 1e-6  # along the streets, never shorter than straight legs

    # two parallel streets 300 m apart do not meet: straight from one to the other, nothing added
    far = make_town(2, 5, street_gap_m=300.0)
    far_walk = order_walk(far)
    assert len(route_path(far_walk)) == len(far_walk)
    assert abs(path_length_m(route_path(far_walk)) - route_length_m(far_walk)) < 0.5


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = LocalProjection(*ORIGIN).inverse(np.array([x]), np.array([y]))
    return float(lon[0]), float(lat[0])


def test_the_zone_map_draws_the_chosen_turf_route() -> None:
    from shapely.geometry import box

    from dashboard.canvass.streets import route_path
    from dashboard.canvass.zone_map import ROUTE_ID, TurfShape, turf_deck

    walk = order_walk(make_town(2, 4))
    route = route_path(walk)
    shape = TurfShape(1, "Secteur 1", 16, 16, box(*walk["lon"].agg(["min"]), *walk["lat"].agg(["min"]),
                                                   *walk["lon"].agg(["max"]), *walk["lat"].agg(["max"])))
    layers = {layer.id: layer for layer in turf_deck([shape], route=route).layers}
    assert len(layers[ROUTE_ID].data[0]["path"]) == len(route) > 1
    assert ROUTE_ID not in {layer.id for layer in turf_deck([shape]).layers}
