"""What the lasso map's browser side sends is validated before Python uses it."""

from __future__ import annotations

import json
import math

import pytest
import shapely

from dashboard.canvass.lasso_state import (
    MAX_CLICKED,
    MAX_KEY_LENGTH,
    MAX_LASSOS,
    MAX_POINTS,
    Lasso,
    LassoMapState,
    parse_keys,
    parse_lasso,
    parse_state,
    parse_view,
    selected_keys,
)

SQUARE = [[1.88, 47.89], [1.90, 47.89], [1.90, 47.91], [1.88, 47.91]]
INNER = [[1.885, 47.895], [1.895, 47.895], [1.895, 47.905], [1.885, 47.905]]


def test_a_well_formed_state_round_trips() -> None:
    raw = {
        "lassos": [{"op": "add", "coords": SQUARE}, {"op": "subtract", "coords": INNER}],
        "clicked": ["45999_3", "45999_12"],
        "view": {"longitude": 1.9, "latitude": 47.9, "zoom": 12.26, "pitch": 0, "bearing": 0},
    }
    state = parse_state(raw)
    assert [lasso.op for lasso in state.lassos] == ["add", "subtract"]
    assert state.lassos[0].coords == tuple(tuple(p) for p in SQUARE)
    assert state.clicked_keys == ("45999_3", "45999_12")
    assert state.view == {"longitude": 1.9, "latitude": 47.9, "zoom": 12.26, "pitch": 0.0, "bearing": 0.0}
    assert parse_state(state.to_dict()) == state
    assert parse_state(json.loads(json.dumps(state.to_dict()))) == state
    assert not state.empty


@pytest.mark.parametrize("raw", [None, 0, "x", [], {"lassos": "many"}, {"clicked": {"a": 1}}, {"view": [1, 2]}])
def test_nonsense_gives_an_empty_state(raw: object) -> None:
    state = parse_state(raw)
    assert state == LassoMapState() and state.empty and state.region().is_empty


@pytest.mark.parametrize(
    "lasso",
    [
        {"op": "union", "coords": SQUARE},  # unknown operation
        {"op": "add"},  # no coordinates
        {"op": "add", "coords": SQUARE[:2]},  # too few points
        {"op": "add", "coords": [[1.0, 47.0], [1.0, 47.0], [1.0, 47.0], [1.0, 47.0]]},  # one point repeated
        {"op": "add", "coords": [[1.0, 47.0], [1.1, 47.1], [1.2, 47.2]]},  # on a line: no area
        {"op": "add", "coords": [[1.0, 47.0], [1.1, 47.0], [1.1, float("nan")]]},
        {"op": "add", "coords": [[1.0, 47.0], [1.1, 47.0], [math.inf, 47.1]]},
        {"op": "add", "coords": [[1.0, 47.0], [1.1, 47.0], [181.0, 47.1]]},  # longitude out of range
        {"op": "add", "coords": [[1.0, 47.0], [1.1, 47.0], [1.1, 89.0]]},  # beyond Web Mercator
        {"op": "add", "coords": [[1.0, 47.0], [1.1, 47.0], ["1.1", 47.1]]},  # a string
        {"op": "add", "coords": [[1.0, 47.0], [1.1, 47.0], [True, 47.1]]},  # a boolean
        {"op": "add", "coords": [[1.0, 47.0], [1.1, 47.0], [1.1, 47.1, 3.0]]},  # three numbers
        {"op": "add", "coords": [[1.0, 47.0], [1.1, 47.0], {"x": 1.1, "y": 47.1}]},
        {"op": "add", "coords": [[1.0 + i * 1e-4, 47.0 + (i % 2) * 1e-4] for i in range(MAX_POINTS + 1)]},
        ["add", SQUARE],
    ],
)
def test_malformed_lassos_are_dropped(lasso: object) -> None:
    assert parse_lasso(lasso) is None
    state = parse_state({"lassos": [lasso, {"op": "add", "coords": SQUARE}]})
    assert len(state.lassos) == 1  # the good one is kept


def test_closing_point_and_duplicates_are_removed_and_coordinates_rounded() -> None:
    coords = [[1.88, 47.89], [1.88, 47.89], [1.90, 47.89], [1.90000000001, 47.91], [1.88, 47.91], [1.88, 47.89]]
    lasso = parse_lasso({"op": "subtract", "coords": coords})
    assert lasso is not None and lasso.op == "subtract"
    assert lasso.coords == ((1.88, 47.89), (1.9, 47.89), (1.9, 47.91), (1.88, 47.91))


def test_sizes_are_bounded() -> None:
    lassos = [{"op": "add", "coords": SQUARE}] * (MAX_LASSOS * 3)
    clicked = [f"k{i}" for i in range(MAX_CLICKED * 3)]
    state = parse_state({"lassos": lassos, "clicked": clicked})
    assert len(state.lassos) == MAX_LASSOS
    assert len(state.clicked_keys) == MAX_CLICKED
    points = [[1.0 + 0.01 * math.cos(t / 100), 47.0 + 0.01 * math.sin(t / 100)] for t in range(MAX_POINTS)]
    assert parse_lasso({"op": "add", "coords": points}) is not None


def test_keys_are_short_strings_without_control_characters() -> None:
    hostile = '<img src=x onerror="alert(1)">'
    keys = parse_keys(["a", "a", "", 3, None, True, "x" * (MAX_KEY_LENGTH + 1), "b\nc", "d\x00", "e\x85",
                       hostile, ["f"], "45999_7"])
    assert keys == ("a", hostile, "45999_7")  # kept as text: the page escapes what it shows
    assert parse_keys("a,b") == ()


def test_view_keeps_known_finite_fields_in_range() -> None:
    view = parse_view({"longitude": 1.9, "latitude": 95.0, "zoom": "12", "pitch": math.nan, "bearing": 10,
                       "extra": 1, "width": 700})
    assert view == {"longitude": 1.9, "bearing": 10.0}
    assert parse_view(None) == {}


def test_region_adds_and_subtracts_in_order() -> None:
    add = Lasso("add", tuple(map(tuple, SQUARE)))
    cut = Lasso("subtract", tuple(map(tuple, INNER)))
    region = LassoMapState((add, cut)).region()
    assert region.area == pytest.approx(0.02 * 0.02 - 0.01 * 0.01)
    assert not region.contains(shapely.Point(1.89, 47.90)) and region.contains(shapely.Point(1.882, 47.892))
    # order matters: a subtraction before anything is added removes nothing
    assert LassoMapState((cut, add)).region().area == pytest.approx(0.02 * 0.02)


def test_a_figure_of_eight_lasso_is_made_valid() -> None:
    bowtie = parse_lasso({"op": "add", "coords": [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]})
    assert bowtie is not None
    shape = bowtie.polygon()
    assert shape.is_valid and shape.area == pytest.approx(0.5)


def test_selected_keys_by_point() -> None:
    state = parse_state({"lassos": [{"op": "add", "coords": SQUARE}, {"op": "subtract", "coords": INNER}]})
    points = [("outside", 1.95, 47.90), ("ring", 1.882, 47.892), ("hole", 1.89, 47.90)]
    assert selected_keys(state, points) == ["ring"]
    assert selected_keys(LassoMapState(), points) == []
    assert selected_keys(state, []) == []


def test_a_stroke_going_back_on_itself_keeps_only_its_area() -> None:
    # a square, then a spike out and back along the same line
    lasso = parse_lasso({"op": "add", "coords": [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [2.0, 1.0], [1.0, 1.0], [0.0, 1.0]]})
    assert lasso is not None
    shape = lasso.polygon()
    assert shape.geom_type == "Polygon" and shape.area == pytest.approx(1.0)
    assert LassoMapState((lasso,)).region().geom_type == "Polygon"


# -- the Streamlit wrapper's side (no browser) -------------------------------------------------
APP_SCRIPT = '''
import pydeck as pdk
import streamlit as st
from dashboard.ui.map_component import lasso_map, state_json
deck = pdk.Deck(
    layers=[pdk.Layer("PolygonLayer", data=[{"p": [[0, 0], [1, 0], [1, 1]], "i": "a", "n": "<b>x</b>"}], id="x",
                      get_polygon="p", pickable=True)],
    initial_view_state=pdk.ViewState(longitude=0.5, latitude=0.5, zoom=6), map_provider=None,
    tooltip={"html": "<b>{n}</b>"},
)
st.write(state_json(lasso_map(deck, key="lasso")))
'''


def test_component_data_carries_the_deck_as_st_pydeck_chart_would() -> None:
    import pydeck as pdk

    from dashboard.maps.bundle import bundle_path, bundle_url
    from dashboard.ui.map_component import DEFAULT_LABELS, component_data

    tooltip = {"html": "<b>{n}</b>", "style": {"color": "#222"}}
    deck = pdk.Deck(layers=[pdk.Layer("PolygonLayer", data=[{"p": [[0, 0], [1, 0], [1, 1]], "i": "a"}], id="x")],
                    initial_view_state=pdk.ViewState(longitude=0.5, latitude=0.5, zoom=6), map_provider=None,
                    tooltip=tooltip)
    state = parse_state({"lassos": [{"op": "add", "coords": SQUARE}], "clicked": ["a"]})
    data = component_data(deck, key="k", height=500, labels={"clear": "Tout effacer"}, key_field="i",
                          click_layers=["x"], state=state)
    assert data["deck"] == deck.to_json() and len(data["deck_hash"]) == 40
    assert data["tooltip"] == tooltip
    assert data["labels"] == {**DEFAULT_LABELS, "clear": "Tout effacer"}
    assert data["state"] == state.to_dict() and data["instance"] == "k" and data["height"] == 500
    json.dumps(data)  # what Streamlit sends: plain JSON
    assert bundle_path().is_file() and bundle_path().stat().st_size > 1_000_000  # pydeck's deck.gl bundle
    assert data["bundle_url"] == bundle_url() and bundle_url().startswith("/carte-geo/deckgl-")  # its immutable URL


def test_the_component_runs_in_apptest_and_its_state_pickles(tmp_path) -> None:  # noqa: ANN001
    """The app enforces picklable session state: a v2 component's presented state must pickle (Streamlit 1.67 bug)."""
    import pickle

    from streamlit.testing.v1 import AppTest

    script = tmp_path / "lasso_app.py"
    script.write_text(APP_SCRIPT)
    at = AppTest.from_file(str(script), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    assert json.loads(at.markdown[0].value) == {"clicked": [], "lassos": [], "view": {}}
    assert pickle.loads(pickle.dumps(at.session_state["lasso"])) == {}
