"""Isoloir's one map: every page's deck.gl map, as a bidirectional Streamlit (components v2) component.

It renders a pydeck deck (``deck.to_json()``, the same tooltip template, values HTML-escaped) with the
deck.gl bundle shipped inside the installed ``pydeck`` package; ``st.pydeck_chart`` is not used. What a
page asks for (:func:`map_component`):

* ``tools=True`` (Zones, :func:`lasso_map`): the lasso toolbar below, clicks toggle stations;
* ``select="single"`` (Carte, Présentation): a click reports one station (the page draws its detail);
* ``select="none"`` (Cibles, Terrain, the field team's coverage): a map to look at;
* ``geo=`` (:mod:`dashboard.maps.tiles`): the choropleth's geometry is fetched by the browser from an
  immutable URL (``/carte-geo/…``, cached by the browser) and only one class index per station comes
  with the message; the colours are made in the browser from the palette.

After each frame in which deck.gl drew the map with new values, the browser counts a paint:
``window.isoloirPaints`` (+1), ``performance.mark("isoloir-paint")`` and
``document.documentElement.dataset.isoloirPaint`` (the count): the browser benchmark's marker.

The lasso toolbar:

* **Lasso** toggles drawing mode: a transparent overlay takes the pointer
  (mouse, pen or finger, through Pointer Events) and draws the freehand path;
  on release the path is closed, thinned (points 3 px apart, 500 at most) and
  unprojected with the deck's current viewport to longitude/latitude. Outside
  drawing mode the map pans and zooms as usual.
* **Ajouter** / **Retirer** choose whether the next lassos add to the
  selection or cut out of it (and switch drawing mode on).
* **Effacer** forgets every lasso and every click.
* A click on a pickable polygon toggles its key (the record's ``i`` field by
  default: the station id for ``layers.choropleth`` layers) in the clicked set;
  clicked polygons are outlined, drawn lassos stay on the map as a layer.

The state comes back to Python as a :class:`~dashboard.canvass.lasso_state.LassoMapState`,
validated by :func:`~dashboard.canvass.lasso_state.parse_state` (the browser is not
trusted). The view (pan, zoom) survives reruns as long as the deck's initial
view does not change; a new initial view (another territory) recentres the map.
Mount it again under another ``key`` to start from an empty selection.

Serving (no CDN, no copy in git, no configuration): the component's own
files (``dashboard/ui/map_component/``) and pydeck's ``nbextension/static/``
directory are declared to Streamlit's components-v2 manager as asset
directories, so the Streamlit server serves them under
``/_stcore/bidi-components/isoloir.map_component/`` and
``/_stcore/bidi-components/isoloir.deckgl/index.js``. That is what
``[[tool.streamlit.component.components]]`` in an installed package's
``pyproject.toml`` would do, but pydeck's directory is outside this package,
so the declaration is made here, once per Streamlit runtime. Streamlit sends
those without a cache header, so the browser would download the 1.2 MB deck.gl
bundle on every page load: the component loads it from its content-addressed,
immutable URL (``bundle_url`` in its data: :func:`dashboard.maps.bundle.bundle_url`,
served by ``dashboard/web/geo.py``) and falls back to Streamlit's route only when
that one fails (a bare ``streamlit run`` without Isoloir's server).
"""

from __future__ import annotations

import functools
import hashlib
import re
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pydeck as pdk
import streamlit as st

from dashboard.canvass.lasso_state import LassoMapState, parse_state
from dashboard.maps.bundle import PYDECK_STATIC, bundle_url

COMPONENT_NAME = "isoloir.map_component"
BUNDLE_COMPONENT_NAME = "isoloir.deckgl"
ASSET_DIR = Path(__file__).with_name("map_component")
STATE_KEY = "selection"
DEFAULT_LABELS: dict[str, str] = {
    "lasso": "Lasso",
    "add": "Ajouter",
    "subtract": "Retirer",
    "clear": "Effacer",
    "hint": "Dessinez un contour fermé sur la carte",
    "error": "Carte indisponible",
}
_MANIFEST_NAME, _MAP_COMPONENT, _BUNDLE_COMPONENT = "isoloir", "map_component", "deckgl"

_renderers: dict[int, tuple[object, Callable[..., Any]]] = {}


def _declare_assets(manager: Any) -> None:
    """Declare the asset directories on ``manager`` (idempotent)."""
    from streamlit.components.v2.manifest_scanner import ComponentConfig, ComponentManifest

    version = getattr(pdk, "__version__", "0")
    wanted = (
        (BUNDLE_COMPONENT_NAME, _BUNDLE_COMPONENT, PYDECK_STATIC, Path(pdk.__file__).resolve().parent),
        (COMPONENT_NAME, _MAP_COMPONENT, ASSET_DIR.name, ASSET_DIR.parent),
    )
    for full_name, name, asset_dir, package_root in wanted:
        if manager.get_component_path(full_name) is None:
            manifest = ComponentManifest(name=_MANIFEST_NAME, version=str(version),
                                         components=[ComponentConfig(name=name, asset_dir=asset_dir)])
            manager.register_from_manifest(manifest, package_root)


def _reduce_as_dict(self: dict[str, Any], _protocol: object = None) -> tuple[type, tuple[dict[str, Any]]]:
    return dict, (dict(self),)


def _make_component_state_picklable() -> None:
    """Work around a Streamlit 1.67 bug that breaks every components-v2 widget in this app.

    The app sets ``runner.enforceSerializableSessionState``: after each run
    Streamlit pickles every session-state value, including each v2
    component's state as ``st.session_state`` presents it — a ``dict``
    subclass defined inside ``make_bidi_component_presenter``, which pickle
    cannot name ("Can't pickle local object …_WriteThrough"), so the run
    ends with ``UnserializableSessionStateError``. The presenter is wrapped
    so that this class pickles as the plain ``dict`` it holds (nothing else
    changes). Idempotent; does nothing if Streamlit's internals moved.
    """
    try:
        from streamlit.components.v2.bidi_component import main as bidi_main
    except ImportError:  # pragma: no cover - another Streamlit layout
        return
    factory = getattr(bidi_main, "make_bidi_component_presenter", None)
    if factory is None or getattr(factory, "_isoloir_picklable", False):
        return

    @functools.wraps(factory)
    def make_presenter(*args: Any, **kwargs: Any) -> Callable[[Any, Any], Any]:
        present = factory(*args, **kwargs)

        def picklable(base_value: Any, session_state: Any) -> Any:
            value = present(base_value, session_state)
            cls = type(value)
            if isinstance(value, dict) and cls is not dict and "<locals>" in cls.__qualname__ \
                    and "__reduce_ex__" not in vars(cls):
                cls.__reduce_ex__ = _reduce_as_dict  # type: ignore[method-assign]
            return value

        return picklable

    make_presenter._isoloir_picklable = True  # type: ignore[attr-defined]
    bidi_main.make_bidi_component_presenter = make_presenter


def _renderer() -> Callable[..., Any]:
    """The component's mount function for the running Streamlit runtime."""
    from streamlit.components.v2.get_bidi_component_manager import get_bidi_component_manager

    _make_component_state_picklable()
    manager = get_bidi_component_manager()
    _declare_assets(manager)
    cached = _renderers.get(id(manager))
    if cached is not None and cached[0] is manager:
        return cached[1]
    mount = st.components.v2.component(COMPONENT_NAME, css="map_component.css", js="map_component.js")
    _renderers.clear()  # one runtime at a time (tests create several in turn)
    _renderers[id(manager)] = (manager, mount)
    return mount


def deck_tooltip(deck: pdk.Deck) -> dict[str, Any] | None:
    """The deck's tooltip as ``st.pydeck_chart`` reads it (a dict, or none)."""
    widget = getattr(deck, "deck_widget", None)
    if widget is not None and isinstance(getattr(widget, "tooltip", None), dict):
        return widget.tooltip
    tooltip = getattr(deck, "_tooltip", None)
    return tooltip if isinstance(tooltip, dict) else None


SELECT_MODES = ("toggle", "single", "none")
CSS_HEIGHT = re.compile(r"calc\(100vh - \d{1,4}px\)|\d{1,4}px")  # the map's height set by CSS (Présentation)


def component_data(deck: pdk.Deck, *, key: str, height: int, labels: Mapping[str, str] | None,
                   key_field: str, click_layers: Sequence[str] | None, state: LassoMapState,
                   tools: bool = True, select: str = "toggle", geo: Mapping[str, Any] | None = None,
                   css_height: str | None = None) -> dict[str, Any]:
    """What the browser receives (JSON): the deck, its tooltip, the toolbar's labels, the known state, the geometry."""
    if select not in SELECT_MODES:
        raise ValueError(f"Mode de sélection inconnu : « {select} ».")
    if css_height is not None and not CSS_HEIGHT.fullmatch(css_height):
        raise ValueError(f"Hauteur de carte invalide : « {css_height} ».")
    spec = deck.to_json()
    return {
        "deck": spec,
        "deck_hash": hashlib.sha1(spec.encode("utf-8")).hexdigest(),
        "tooltip": deck_tooltip(deck),
        "height": int(height),
        "labels": {**DEFAULT_LABELS, **(dict(labels) if labels else {})} if tools else {"error": DEFAULT_LABELS["error"]},
        "key_field": key_field,
        "click_layers": list(click_layers) if click_layers is not None else None,
        "state": state.to_dict(),
        "instance": key,
        "tools": bool(tools),
        "select": select,
        "geo": dict(geo) if geo is not None else None,
        "css_height": css_height,
        "bundle_url": bundle_url(),
    }


def _known_state(key: str) -> LassoMapState:
    """The state Streamlit holds for the component ``key`` (before it is mounted in this run)."""
    try:
        value = st.session_state[key]
    except (KeyError, AttributeError):  # first run, or the widget was dropped (page left)
        return LassoMapState()
    raw = value.get(STATE_KEY) if isinstance(value, Mapping) else None
    return parse_state(raw)


def map_component(
    deck: pdk.Deck,
    *,
    key: str,
    height: int = 620,
    tools: bool = False,
    select: str = "none",
    labels: Mapping[str, str] | None = None,
    key_field: str = "i",
    click_layers: Sequence[str] | None = None,
    geo: Mapping[str, Any] | None = None,
    css_height: str | None = None,
    on_change: Callable[[], None] | None = None,
) -> LassoMapState:
    """Draw ``deck``; returns the lassos, the clicked keys and the last view.

    ``height``: the map's height in pixels (the toolbar, when ``tools``, sits above it) — give the
    deck's initial view the same height. ``tools``: the lasso toolbar. ``select``: ``"toggle"``
    (a click adds or removes its key, the clicked polygons outlined), ``"single"`` (a click reports
    its key alone; the page outlines it) or ``"none"``. ``labels``: the toolbar's texts (keys
    ``lasso``, ``add``, ``subtract``, ``clear``, ``hint``, ``error``), French by default.
    ``key_field``: the record property a click reports; ``click_layers``: the ids of the layers whose
    polygons answer a click (default: every pickable layer). ``geo``: the choropleth drawn from
    geometry tiles (:func:`dashboard.maps.build.geo_message`), beneath the deck's own layers.
    ``css_height``: the map's height as CSS (``calc(100vh - 190px)``: Présentation in full screen), in
    place of ``height``, at least 240 px.
    ``on_change``: called (as a widget callback) when the user draws, clicks or clears.

    Every lasso or click reruns the script. A rerun keeps the view and the drawings, a new ``key``
    clears them.
    """
    mount = _renderer()
    data = component_data(deck, key=key, height=height, labels=labels, key_field=key_field,
                          click_layers=click_layers, state=_known_state(key), tools=tools, select=select, geo=geo,
                          css_height=css_height)
    result = mount(key=key, data=data, height="content", on_selection_change=on_change or _ignore)
    raw = result.get(STATE_KEY) if isinstance(result, Mapping) else getattr(result, STATE_KEY, None)
    return parse_state(raw)


def lasso_map(
    deck: pdk.Deck,
    *,
    key: str,
    height: int = 620,
    labels: Mapping[str, str] | None = None,
    key_field: str = "i",
    click_layers: Sequence[str] | None = None,
    on_change: Callable[[], None] | None = None,
) -> LassoMapState:
    """The map with the lasso toolbar, clicks toggling stations (Zones): :func:`map_component` with its tools."""
    return map_component(deck, key=key, height=height, tools=True, select="toggle", labels=labels,
                         key_field=key_field, click_layers=click_layers, on_change=on_change)


def _ignore() -> None:
    """A state callback is what makes Streamlit keep the component's state: none needed here."""


def state_json(state: LassoMapState) -> str:
    """The state as compact JSON (for logs and the tests' harness)."""
    return json.dumps(state.to_dict(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
