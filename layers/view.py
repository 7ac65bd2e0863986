"""View state, display level and the ``pydeck.Deck`` of the map.

``deck(..., map_style=None)`` draws no basemap at all, so the map stays
readable offline: pydeck's ``map_provider=None`` keeps the ``"__MAP_STYLE__"``
placeholder as ``mapStyle``, which Streamlit's ``DeckGlJsonChart`` deletes
*and* remembers as "no style wanted"; an absent or empty ``mapStyle``, by
contrast, makes Streamlit substitute the Carto Positron basemap (fetched from
the network). A light background polygon under the layers replaces the
basemap, whatever the Streamlit theme.

The JSON of the returned deck is compact (no indentation): pydeck indents
by two spaces, which more than doubles the size of long coordinate lists.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from urllib.parse import quote

import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from layers.simplify import level_for_zoom

MIN_ZOOM = 3.0
MAX_ZOOM = 17.0
BACKGROUND: tuple[int, int, int] = (246, 245, 241)
BACKGROUND_LAYER_ID = "fond"
_TILE = 512.0  # deck.gl / MapLibre: the world is 512 px wide at zoom 0
_EARTH_CIRCUMFERENCE_M = 40_075_016.686


class CompactDeck(pdk.Deck):
    """A ``pydeck.Deck`` whose JSON (what Streamlit sends) has no indentation."""

    def to_json(self) -> str:  # noqa: D102 - same contract as pydeck's
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"), ensure_ascii=False)


def _merc_y(lat: float) -> float:
    phi = math.radians(max(min(lat, 85.0511), -85.0511))
    return math.log(math.tan(math.pi / 4 + phi / 2))


def _inv_merc_y(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def fit_view(
    bounds: tuple[float, float, float, float],
    *,
    width_px: int = 1200,
    height_px: int = 650,
    padding: float = 0.05,
) -> pdk.ViewState:
    """Centre and zoom (Web Mercator) showing ``bounds`` (lon/lat) in a map of that size, zoom in [3, 17].

    ``padding`` is the fraction of the width and height kept free on each side.
    """
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    y0, y1 = _merc_y(miny), _merc_y(maxy)
    usable_w = max(width_px * (1 - 2 * padding), 1.0)
    usable_h = max(height_px * (1 - 2 * padding), 1.0)
    span_x = (maxx - minx) / 360.0  # fraction of the world width
    span_y = (y1 - y0) / (2 * math.pi)
    zooms = [MAX_ZOOM]
    if span_x > 0:
        zooms.append(math.log2(usable_w / (_TILE * span_x)))
    if span_y > 0:
        zooms.append(math.log2(usable_h / (_TILE * span_y)))
    zoom = min(max(min(zooms), MIN_ZOOM), MAX_ZOOM)
    return pdk.ViewState(
        longitude=(minx + maxx) / 2.0,
        latitude=_inv_merc_y((y0 + y1) / 2.0),
        zoom=round(zoom, 3),
        pitch=0,
        bearing=0,
    )


def pixel_size_m(zoom: float, latitude: float) -> float:
    """Ground metres covered by one screen pixel at deck.gl ``zoom`` and ``latitude`` (512-px world at zoom 0)."""
    return _EARTH_CIRCUMFERENCE_M * math.cos(math.radians(latitude)) / (_TILE * 2.0**zoom)


def display_level(zoom: float, latitude: float, *, max_error_px: float = 0.5) -> int:
    """The coarsest simplified display level whose tolerance stays under ``max_error_px`` pixels."""
    return level_for_zoom(zoom, latitude, max_error_px=max_error_px)


def background_layer(color: tuple[int, int, int] = BACKGROUND) -> pdk.Layer:
    """A plain world-sized rectangle drawn under everything, in place of a basemap."""
    world = [[-180.0, -85.0], [180.0, -85.0], [180.0, 85.0], [-180.0, 85.0]]
    return pdk.Layer(
        "PolygonLayer",
        data=[{"p": world}],
        id=BACKGROUND_LAYER_ID,
        get_polygon="p",
        get_fill_color=[int(c) for c in color],
        stroked=False,
        pickable=False,
    )


def deck(
    layers: Sequence[pdk.Layer],
    view_state: pdk.ViewState,
    *,
    map_style: str | None,
    tooltip: dict | None,
    height: int = 650,
) -> pdk.Deck:
    """The map: ``layers`` over a basemap ``map_style`` (a Carto style URL or pydeck name), or none.

    With ``map_style=None`` nothing is fetched from the network: no basemap, a
    light background layer (id ``"fond"``, not pickable) under ``layers``.
    """
    state = pdk.ViewState(**{**vars(view_state), "height": int(height)})
    if map_style is None:
        return CompactDeck(
            layers=[background_layer(), *layers],
            initial_view_state=state,
            map_provider=None,
            tooltip=tooltip if tooltip is not None else False,
        )
    return CompactDeck(
        layers=list(layers),
        initial_view_state=state,
        map_provider="carto",
        map_style=map_style,
        tooltip=tooltip if tooltip is not None else False,
    )


# IGN's Plan IGN v2 (Géoplateforme WMTS, Web Mercator "PM" tile matrix, 256-px PNG tiles): French streets and
# their names, free of charge under Etalab's open licence, attribution required.
IGN_PLAN_TILES = (
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"
    "&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
)
IGN_TILE_HOST = "https://data.geopf.fr"
IGN_ATTRIBUTION = "© IGN – Plan IGN"


def ign_plan_style() -> str:
    """The basemap of the field maps online: a MapLibre style with one raster source, IGN's Plan IGN v2
    (:data:`IGN_PLAN_TILES`, attribution :data:`IGN_ATTRIBUTION` shown by the map's attribution control), as a
    ``data:`` URL (Streamlit's chart takes a style URL only; nothing but the tiles is fetched from IGN)."""
    style = {
        "version": 8,
        "sources": {"plan-ign": {"type": "raster", "tiles": [IGN_PLAN_TILES], "tileSize": 256, "minzoom": 0,
                                 "maxzoom": 19, "attribution": IGN_ATTRIBUTION}},
        "layers": [{"id": "plan-ign", "type": "raster", "source": "plan-ign"}],
    }
    text = json.dumps(style, separators=(",", ":"), ensure_ascii=False)
    return "data:application/json;charset=utf-8," + quote(text, safe="")
