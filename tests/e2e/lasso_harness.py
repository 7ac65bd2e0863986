"""A bare Streamlit page for the lasso map's browser tests (not part of the app).

It builds the real encoded choropleth of the city demo (``dashboard.maps.build``,
as the Carte page does, without a basemap: offline), draws it with
``lasso_map`` and writes the returned state as JSON in a code block.

Environment: ``ISOLOIR_LASSO_WAREHOUSE`` (the demo warehouse). Query parameters:
``hostile=1`` renames every station to a hostile string (tooltip escaping);
``basemap=carto`` asks for the Carto basemap (the app's default; its tiles
come from the Internet, unreachable in tests); ``pydeck=1`` also draws the same deck with ``st.pydeck_chart`` (two deck.gl
versions on one page); ``pydeck_first=1`` draws that chart first. Buttons: a
plain rerun, a new initial view (zoom + 1), a move of the map in the page (the
browser mounts it anew) and a new component key.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard.maps.build import MapSources, build_map  # noqa: E402
from dashboard.maps.view import MapView  # noqa: E402
from dashboard.ui.map_component import lasso_map, state_json  # noqa: E402
from dashboard.warehouse.database import Warehouse  # noqa: E402

HOSTILE = '<img src=x onerror="window.__pwned=1">Salle & <b>Co</b>'
WIDTH, HEIGHT = 700, 560

st.set_page_config(page_title="Lasso (tests)", layout="wide")


@st.cache_resource
def warehouse() -> Warehouse:
    return Warehouse(Path(os.environ["ISOLOIR_LASSO_WAREHOUSE"]), read_only=True)


params = st.query_params
zoom_shift = float(st.session_state.get("zoom_shift", 0.0))
spec = build_map(MapView(election_id="leg2024_t2"), MapSources.direct(warehouse()), width_px=WIDTH,
                 height_px=HEIGHT, map_style="light" if params.get("basemap") == "carto" else None)
deck = spec.deck
if zoom_shift:
    deck.initial_view_state.zoom = float(deck.initial_view_state.zoom) + zoom_shift
if params.get("hostile") == "1":
    for layer in deck.layers:
        if layer.id == spec.layer_id:
            layer.data = [{**record, "n": HOSTILE} for record in layer.data]

if params.get("pydeck_first") == "1":
    st.pydeck_chart(deck, height=300, key="pydeck")

if st.session_state.get("moved"):  # another place in the page: the browser mounts the map anew
    st.caption("Carte déplacée")
with st.container(width=WIDTH, border=bool(st.session_state.get("moved"))):
    state = lasso_map(deck, key=f"lasso-{st.session_state.get('generation', 0)}", height=HEIGHT)

st.code(state_json(state), language="json")
view = deck.initial_view_state
st.code(json.dumps({"initial": {"longitude": view.longitude, "latitude": view.latitude, "zoom": view.zoom},
                    "width": WIDTH, "height": HEIGHT, "layer": spec.layer_id}), language="json")
st.write(f"region: {state.region().geom_type if state.lassos else 'none'}; rerun {st.session_state.setdefault('runs', 0)}")
st.session_state["runs"] += 1

if st.button("Relancer"):
    pass  # a plain rerun
if st.button("Zoomer la vue initiale"):
    st.session_state["zoom_shift"] = zoom_shift + 1.0
    st.rerun()
if st.button("Déplacer"):
    st.session_state["moved"] = not st.session_state.get("moved", False)
    st.rerun()
if st.button("Nouvelle clé"):
    st.session_state["generation"] = st.session_state.get("generation", 0) + 1
    st.rerun()

if params.get("pydeck") == "1":
    st.pydeck_chart(deck, height=300, key="pydeck")
