"""View fitting, pixel size, display level and the Deck without a basemap."""

from __future__ import annotations

import json
import math

import pytest

from layers.simplify import DISPLAY_LEVELS
from layers.choropleth import tooltip
from layers.view import BACKGROUND_LAYER_ID, deck, display_level, fit_view, pixel_size_m


def _merc(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _visible(view, width: int, height: int) -> tuple[float, float, float, float]:
    """Lon/lat extent of a deck.gl view (512-px world at zoom 0)."""
    world = 512 * 2**view.zoom
    half_lon = width / world * 360 / 2
    half_y = height / world * 2 * math.pi / 2
    yc = _merc(view.latitude)
    to_lat = lambda y: math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)  # noqa: E731
    return view.longitude - half_lon, to_lat(yc - half_y), view.longitude + half_lon, to_lat(yc + half_y)


@pytest.mark.parametrize(
    "bounds",
    [(-4.569, 48.324, -4.319, 48.470), (-5.2, 41.3, 9.6, 51.1), (2.25, 48.81, 2.42, 48.91), (-61.9, 15.8, -61.0, 16.6)],
)
def test_fit_view_shows_the_bounds(bounds):
    width, height = 1200, 650
    view = fit_view(bounds, width_px=width, height_px=height)
    vx0, vy0, vx1, vy1 = _visible(view, width, height)
    assert vx0 <= bounds[0] and vy0 <= bounds[1] and vx1 >= bounds[2] and vy1 >= bounds[3]
    # and fills the map on one axis, padding aside
    fill = max((bounds[2] - bounds[0]) / (vx1 - vx0), (_merc(bounds[3]) - _merc(bounds[1])) / (_merc(vy1) - _merc(vy0)))
    assert fill == pytest.approx(0.9, abs=0.01)


def test_fit_view_clamps_the_zoom():
    assert fit_view((2.35, 48.85, 2.35, 48.85)).zoom == 17
    assert fit_view((-180, -80, 180, 80)).zoom == 3


def test_pixel_size():
    assert pixel_size_m(0, 0) == pytest.approx(78_271.5, rel=1e-4)
    assert pixel_size_m(10, 60) == pytest.approx(78_271.5 / 1024 / 2, rel=1e-4)


def test_display_level_is_the_coarsest_under_the_pixel_budget():
    lat = 48.4
    for zoom in [3, 5, 8, 10, 11.5, 13, 15, 17]:
        level = display_level(zoom, lat)
        budget = 0.5 * pixel_size_m(zoom, lat)
        tolerances = dict(DISPLAY_LEVELS)
        assert tolerances[level] <= budget or level == DISPLAY_LEVELS[0][0]
        assert all(tol > budget for lvl, tol in DISPLAY_LEVELS if lvl > level)
    assert display_level(17, lat) == 0 and display_level(4, lat) == 4
    assert display_level(12, lat, max_error_px=4) >= display_level(12, lat)


def test_deck_without_basemap_fetches_nothing():
    d = deck([], fit_view((2.3, 48.8, 2.4, 48.9)), map_style=None, tooltip=tooltip())
    spec = json.loads(d.to_json())
    # pydeck's placeholder: Streamlit deletes it and then does not substitute its Carto basemap.
    assert spec["mapStyle"] == "__MAP_STYLE__"
    assert "mapProvider" not in spec and "cartocdn" not in d.to_json()
    background = spec["layers"][0]
    assert background["id"] == BACKGROUND_LAYER_ID and background["pickable"] is False
    assert spec["initialViewState"]["height"] == 650
    assert spec["views"][0]["@@type"] == "MapView"


def test_deck_with_basemap():
    d = deck([], fit_view((2.3, 48.8, 2.4, 48.9)), map_style="light", tooltip=None, height=500)
    spec = json.loads(d.to_json())
    assert "cartocdn" in spec["mapStyle"] and spec["mapProvider"] == "carto"
    assert all(layer["id"] != BACKGROUND_LAYER_ID for layer in spec["layers"])
    assert spec["initialViewState"]["height"] == 500


def test_the_field_maps_ign_basemap_is_an_inline_style_of_one_raster_source():
    from urllib.parse import unquote

    from layers.view import IGN_ATTRIBUTION, IGN_PLAN_TILES, ign_plan_style

    url = ign_plan_style()
    prefix = "data:application/json;charset=utf-8,"
    assert url.startswith(prefix)
    style = json.loads(unquote(url[len(prefix):]))
    (source,) = style["sources"].values()
    assert style["version"] == 8 and [layer["type"] for layer in style["layers"]] == ["raster"]
    assert source["type"] == "raster" and source["tiles"] == [IGN_PLAN_TILES] and source["attribution"] == "© IGN – Plan IGN"
    assert IGN_PLAN_TILES.startswith("https://data.geopf.fr/wmts?") and "PLANIGNV2" in IGN_PLAN_TILES
    assert all(f"{{{k}}}" in IGN_PLAN_TILES for k in "zxy") and IGN_ATTRIBUTION == source["attribution"]
    # nothing else is fetched: no glyphs, sprite or other source in the style
    assert set(style) == {"version", "sources", "layers"}
    spec = json.loads(deck([], fit_view((2.3, 48.8, 2.4, 48.9)), map_style=url, tooltip=None).to_json())
    assert spec["mapStyle"] == url and "mapbox" not in url and "cartocdn" not in url
