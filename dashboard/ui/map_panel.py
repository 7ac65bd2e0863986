"""Draws a :class:`MapView`: cached per view, the one map component with selection, legend beside it."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard.maps.build import (Encoded, MapSources, MapSpec, TileCache, bounds_for, build_map, encode_for,
                                  geo_message, measure_for, outline_stations)
from dashboard.maps.view import MapView, from_dict
from dashboard.maps.measure_types import MeasureResult
from dashboard.maps.territory import Scope, Territory, resolve, restrict
from dashboard.ui import data
from dashboard.ui.map_component import map_component
from dashboard.text import plain
from layers.encode import Quantizer
from layers.legend import legend_html


def _view_key(view: MapView) -> str:
    """What decides the values drawn (not the classes, zoom or title)."""
    data_only = replace(view, method="quantiles", classes=5, zoom=None, title="")
    return json.dumps(data_only.to_dict(), sort_keys=True)


def _view(key: str) -> MapView:
    return from_dict(json.loads(key)).view


@st.cache_data(show_spinner=False, max_entries=256)
def _scope(version: int, departements: tuple[str, ...], communes: tuple[str, ...], circonscription: str | None) -> Scope:
    return resolve(data.warehouse(), Territory(departements, communes, circonscription))


def scope_of_territory(t: Territory) -> Scope:
    return _scope(data.version(), t.departements, t.communes, t.circonscription)


def scope_of(view: MapView) -> Scope:
    return scope_of_territory(view.territory)


def limited_scope(view: MapView, limit: tuple[str, ...] | None) -> Scope:
    """The view's scope, limited to the stations ``limit`` (a canvasser's zones; None: no limit)."""
    return restrict(scope_of(view), limit)


@st.cache_data(show_spinner="Calcul de la mesure…", max_entries=64)
def _measure(version: int, view_key: str, limit: tuple[str, ...] | None) -> MeasureResult:
    view = _view(view_key)
    return measure_for(data.warehouse(), view, limited_scope(view, limit))


@st.cache_data(show_spinner=False, max_entries=64)
def _bounds(version: int, layer: str, keys: pd.DataFrame) -> tuple[float, float, float, float] | None:
    return bounds_for(data.warehouse(), layer, keys)


# cache_resource: the same object is returned to every rerun and session (read-only), instead of
# unpickling ~10 MB of polygons per rerun as cache_data would at the national scale.
@st.cache_resource(show_spinner="Préparation des contours…", max_entries=32)
def _encoded(version: int, layer: str, keys: pd.DataFrame, level: int, quantizer: Quantizer) -> Encoded:
    return encode_for(data.warehouse(), layer, keys, level, quantizer)


@st.cache_data(show_spinner=False, max_entries=64)
def _outlines(version: int, view_key: str, limit: tuple[str, ...] | None) -> pd.DataFrame:
    view = _view(view_key)
    return outline_stations(data.warehouse(), view, limited_scope(view, limit))


@st.cache_resource(show_spinner=False, max_entries=4)
def _tile_cache(version: int) -> TileCache:
    """Boundary stamps, tile orders and bounds of one warehouse version (shared by every session)."""
    return TileCache()


@st.cache_data(show_spinner=False, max_entries=128)
def _geo(version: int, view_json: str, limit: tuple[str, ...] | None, level: int, line_px: float,
         selected: str | None) -> dict[str, object]:
    view = from_dict(json.loads(view_json)).view
    result = _measure(version, _view_key(view), limit)
    return geo_message(data.warehouse(), _tile_cache(version), result, view, level=level, line_px=line_px,
                       selected=selected)


def tiles_for(view: MapView, limit: tuple[str, ...] | None):  # noqa: ANN201 - build_map's geo callable
    """The choropleth from geometry tiles (``build_map(geo=…)``), cached per view, classes and selection."""
    version = data.version()
    view_json = json.dumps(view.to_dict(), sort_keys=True)
    return lambda result, level, line_px, selected: _geo(version, view_json, limit, level, line_px, selected)


def sources(limit: tuple[str, ...] | None = None) -> MapSources:
    version = data.version()

    def keys_only(layer: str, frame: pd.DataFrame) -> pd.DataFrame:
        columns = ["code_iris"] if layer == "iris" else ["station_id", "set_id"]
        return frame[columns].reset_index(drop=True)

    return MapSources(
        measure=lambda view, scope: _measure(version, _view_key(view), limit),
        bounds=lambda layer, frame: _bounds(version, layer, keys_only(layer, frame)),
        encoded=lambda layer, frame, level, q: _encoded(version, layer, keys_only(layer, frame), level, q),
        outlines=lambda view, scope: _outlines(version, _view_key(view), limit),
        scope=lambda view: limited_scope(view, limit),
    )


def draw(view: MapView, *, key: str, height: int = 620, width: int = 700, selected: str | None = None,
         large_legend: bool = False, legend_width: float = 1.3,
         limit: tuple[str, ...] | None = None, fit_height: int | None = None,
         notes_beside: bool = False, css_height: str | None = None) -> tuple[MapSpec, str | None]:
    """Draw the map and its legend; returns the spec and the id of the clicked station (or IRIS).

    ``limit``: only these stations are measured and drawn (a canvasser's zones).

    ``width`` is the map's smallest expected width in pixels (the server does not know the
    browser's): the view is fitted to it so that the whole territory shows on a laptop; ``fit_height``
    likewise for the height, when the drawn height is set by CSS (Présentation), else ``height``.
    ``notes_beside``: the map's notes go under the legend (the caller then shows none). ``css_height``: the
    map's height as CSS (Présentation in full screen), in place of ``height``.
    """
    spec = build_map(view, sources(limit), width_px=width, height_px=fit_height or height,
                     map_style=data.settings().map_style, selected=selected, geo=tiles_for(view, limit))
    map_col, legend_col = st.columns([5, legend_width])
    with map_col:
        state = map_component(spec.deck, key=key, height=height, select="single", click_layers=[spec.layer_id],
                              geo=spec.geo, css_height=css_height)
    with legend_col:
        st.html(legend_html(spec.legend, large=large_legend))
        if notes_beside:
            for note in spec.notes:
                st.caption(f":material/info: {plain(note)}")
    clicked = state.clicked_keys[-1] if state.clicked_keys else None
    return spec, clicked


def deck_beside_legend(deck: object, legend: object, *, key: str, height: int, legend_width: float = 1.4) -> None:
    """A map with no selection and its legend in a column beside it (Cibles, Terrain, the field team's coverage)."""
    map_col, legend_col = st.columns([5, legend_width])
    with map_col:
        map_component(deck, key=key, height=height)
    with legend_col:
        st.html(legend_html(legend))
