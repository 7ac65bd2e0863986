"""Geometry tiles (``dashboard/maps/tiles.py``): varints, a tile's stations back within half a grid step, the
view's values as a byte per station that colour each station as the deck path did, and a measure change that
sends only those bytes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from dashboard.maps import tiles
from dashboard.maps.build import MapSources, TileCache, build_map, colour_rows, geo_message
from dashboard.maps.geometry import station_shapes
from dashboard.maps.view import MapView
from dashboard.warehouse.database import Warehouse
from layers.encode import WORLD


@pytest.fixture(scope="module")
def wh(demo_dir: Path):  # noqa: ANN201 - a Warehouse
    with Warehouse(demo_dir / "warehouse.duckdb", read_only=True) as warehouse:
        yield warehouse


def test_varints_and_zigzag_round_trip() -> None:
    rng = np.random.default_rng(19)
    signed = np.concatenate([rng.integers(-(2**40), 2**40, 500), [0, -1, 1, 63, -64, 64, 2**35]])
    coded = tiles.zigzag(signed)
    assert (coded >= 0).all() and tiles.zigzag(np.array([0, -1, 1, -2]))[:4].tolist() == [0, 1, 2, 3]
    back = tiles.read_varints(tiles.varints(coded)).astype(np.int64)
    assert ((back >> 1) ^ -(back & 1)).tolist() == signed.tolist()
    assert len(tiles.varints(np.array([0, 127, 128, 16383, 16384]))) == 1 + 1 + 2 + 2 + 3


def test_departements_and_paths() -> None:
    assert [tiles.departement_of(c) for c in ("29019", "2A004", "97411", "45999")] == ["29", "2A", "974", "45"]
    path = tiles.tile_path("contours 2024/démo", "abc", None, "2A")
    assert "{level}" in path and " " not in path and tiles.parse_tile_path(path) == ("contours 2024/démo", "abc", "{level}", "2A")
    with pytest.raises(ValueError):
        tiles.parse_tile_path("/autre/chose.bin")


@pytest.mark.parametrize("level", tiles.LEVELS)
def test_a_tile_gives_back_every_station_within_half_a_grid_step(wh: Warehouse, level: int) -> None:
    set_id = "contours-2024-demo"
    data = tiles.build_tile(wh, set_id, "45", level)
    tile = tiles.decode_tile(data)
    order = tiles.tile_stations(wh, set_id, "45")
    assert tile.header["ids"] == order["station_id"].tolist() and tile.header["n"] == len(order) == 41
    assert tile.header["numbers"] == order["bv_code"].tolist()
    shapes = station_shapes(wh, pd.DataFrame({"station_id": order["station_id"], "set_id": set_id}), level)
    step_m = tile.header["step"] / WORLD * 40_075_016.686  # a grid step in metres at the equator (cos(lat) smaller)
    for shape, parts in zip(shapes, tile.stations, strict=True):
        assert parts, "every station is drawn"
        rebuilt = shapely.MultiPolygon([shapely.Polygon(rings[0], rings[1:]) for rings in parts])
        error_deg = shapely.hausdorff_distance(shape, rebuilt)
        assert error_deg * 111_320 <= step_m, (error_deg * 111_320, step_m)
    # one pixel at the highest zoom the level is drawn at is two grid steps: no vertex moves by more than one
    assert tile.header["step"] * 2 ** tiles.level_max_zoom(level) == pytest.approx(0.5)
    assert tiles.build_tile(wh, set_id, "45", level) == data  # the same bytes every time (immutable URL)


def test_the_message_colours_each_station_as_the_deck_did_and_a_measure_change_is_a_few_bytes(wh: Warehouse) -> None:
    sources = MapSources.direct(wh)
    cache = TileCache()
    sent = []

    def geo(view: MapView):  # noqa: ANN202
        def make(result, level, line_px, selected):  # noqa: ANN001, ANN202
            message = geo_message(wh, cache, result, view, level=level, line_px=line_px, selected=selected)
            sent.append(message)
            return message
        return make

    turnout = MapView(election_id="leg2024_t2")
    spec = build_map(turnout, sources, geo=geo(turnout), selected="45999_3")
    assert spec.geo is sent[-1] and not any(layer.id == "bureaux" for layer in spec.deck.layers)
    drawn = tiles.drawn_stations(wh, spec.geo)
    colours, _ = colour_rows(spec.result, turnout)
    expected = {sid: tuple(c) for sid, c in zip(spec.result.frame["station_id"], colours, strict=True)}
    assert {sid: d["c"] for sid, d in drawn.items()} == expected
    assert {sid: d["v"] for sid, d in drawn.items()} == dict(zip(spec.result.frame["station_id"], spec.result.frame["text"],
                                                                 strict=True))
    assert spec.geo["selected"] == "45999_3" and spec.geo["level"] == spec.level
    first = len(json.dumps(spec.geo))
    winner = MapView(election_id="leg2024_t2", kind="winner")
    changed = build_map(winner, sources, geo=geo(winner))
    assert changed.geo["groups"][0]["path"] == spec.geo["groups"][0]["path"]  # the same tile: no geometry again
    group = changed.geo["groups"][0]
    assert len(group["c"]) + len(group["t"]) <= 4 * 3 * 41 / 3 + 8  # a class byte and a text index per station
    full = build_map(turnout, sources)  # the deck path, geometry inside
    assert len(full.deck.to_json()) > 10 * first and len(full.deck.to_json()) > 10 * len(json.dumps(changed.geo))


def test_a_leading_list_measure_with_more_lists_than_a_class_byte_groups_the_rare_ones_per_bloc(wh: Warehouse) -> None:
    """Nationally « En tête » has over a thousand candidates: the legend names the most frequent, the rest share
    one « autres · <bloc> » line per bloc, in the bloc's own colour."""
    from dashboard.maps.build import MAX_LEGEND_CATEGORIES, class_rows
    from dashboard.maps.measure_types import MeasureResult
    from layers.colors import hex_to_rgb

    view = MapView(election_id="leg2024_t2", kind="winner")
    # 300 lists in 3 blocs: list 0 leads 40 stations, lists 1..14 lead 3 to 16 stations, the others one each
    leaders = ["L000"] * 40 + [f"L{k:03d}" for k in range(1, 15) for _ in range(k + 2)] + [f"L{k:03d}" for k in range(15, 300)]
    frame = pd.DataFrame({"category": leaders + [None] * 5, "value": 0.4, "text": "x"})
    colours = ["#e41a1c", "#377eb8", "#4daf4a"]
    categories = [(f"L{k:03d}", f"Liste {k}", colours[k % 3]) for k in reversed(range(300))]
    blocs = {f"L{k:03d}": ["Rouge", "Bleu", "Vert"][k % 3] for k in range(300)}
    palette, index, legend = class_rows(MeasureResult(frame, "En tête", "ratio", categories=categories,
                                                      category_blocs=blocs), view)
    assert len(palette) == MAX_LEGEND_CATEGORIES <= tiles.MAX_CLASSES and (index[-5:] == -1).all()
    labels = [entry.label for entry in legend.entries]
    counts = dict(zip(labels, (e.count for e in legend.entries)))
    # 16 lines - 3 blocs = the 13 lists leading the most stations, in the given order (L299 first)
    assert labels[:13] == [f"Liste {k}" for k in [*range(14, 2, -1), 0]]
    # the blocs in the order their first list comes; lists 1 (3 stations) and 2 (4) are among the rare ones
    assert labels[13:] == ["autres · Vert (96 candidats ou listes)", "autres · Bleu (96 candidats ou listes)",
                           "autres · Rouge (95 candidats ou listes)", "sans donnée"]
    assert [counts[label] for label in labels[13:]] == [95 + 4, 95 + 3, 95, 5] and counts["Liste 0"] == 40
    assert [tuple(palette[i]) for i in (13, 14, 15)] == [hex_to_rgb(c) for c in ("#4daf4a", "#377eb8", "#e41a1c")]
    assert sum(counts.values()) == len(frame)
    assert index[0] == labels.index("Liste 0") and index[len(leaders) - 1] == 13  # L299: Vert
    # on the demo warehouse: one list per station still paints, a class byte per station
    spec = build_map(view, MapSources.direct(wh))
    frame = spec.result.frame.copy()
    frame["category"] = [f"liste {i}" for i in range(len(frame))]
    result = MeasureResult(frame, "En tête", "ratio", categories=[(f"liste {i}", f"Liste {i}", "#e41a1c")
                                                                  for i in range(len(frame))])
    message = geo_message(wh, TileCache(), result, view, level=spec.level, line_px=1.0, selected=None)
    assert len(message["palette"]) == MAX_LEGEND_CATEGORIES and len(frame) > MAX_LEGEND_CATEGORIES
    drawn = tiles.drawn_stations(wh, message)
    grouped = hex_to_rgb("#e41a1c")  # « autres »: the bloc's colour, the named lists lighter
    assert len(drawn) == len(frame) and sum(d["c"] == grouped for d in drawn.values()) == len(frame) - 15
