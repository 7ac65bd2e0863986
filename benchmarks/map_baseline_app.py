"""The browser benchmark's baselines as a tiny standalone Streamlit script (not part of the app).

    streamlit run benchmarks/map_baseline_app.py -- --data-dir DIR --mode today|naive [--communes 29019]

* ``today``: the map path the app is retiring, ``st.pydeck_chart`` of
  ``dashboard.maps.build.build_map``'s deck (integer-quantised polygons, display level for the zoom),
  its sources memoised per view as ``dashboard.ui.map_panel`` cached them;
* ``naive``: ``st.pydeck_chart`` of a pydeck ``GeoJsonLayer`` of the full-precision GeoDataFrame
  (``benchmarks/map_payload.py``'s naive baseline), its data memoised per view.

A "Mesure" select box (Participation, En tête, Abstention) lets ``benchmarks/map_browser.py`` time a measure change
exactly as on the Carte page. Started by ``map_browser.py`` from the repository root, so the app's
``.streamlit/config.toml`` (WebSocket compression on) applies to the baselines too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard.maps.build import MapSources, build_map  # noqa: E402
from dashboard.maps.measure_types import KINDS  # noqa: E402
from dashboard.maps.view import MapView  # noqa: E402
from dashboard.warehouse.database import Warehouse, warehouse_path  # noqa: E402
from map_payload import ELECTION, MapSize, baseline_data, memoised, naive_deck  # noqa: E402

MEASURES = ("turnout", "winner", "abstention")  # map_browser.py's CHANGED_MEASURE


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--mode", choices=("today", "naive"), required=True)
    parser.add_argument("--communes", default="", help="comma-separated commune codes (empty: the whole territory)")
    parser.add_argument("--election", default=ELECTION)
    return parser.parse_args(sys.argv[1:])


@st.cache_resource
def _warehouse(data_dir: str) -> Warehouse:
    return Warehouse(warehouse_path(Path(data_dir)), read_only=True)


@st.cache_resource
def _sources(data_dir: str) -> MapSources:
    return memoised(MapSources.direct(_warehouse(data_dir)))


@st.cache_resource
def _naive_decks(data_dir: str) -> dict[MapView, object]:
    return {}


args = _args()
size = MapSize()
kind = st.selectbox("Mesure", MEASURES, format_func=KINDS.get)
communes = tuple(code for code in args.communes.split(",") if code)
view = MapView(election_id=args.election, kind=kind, communes=communes)
if args.mode == "today":
    deck = build_map(view, _sources(str(args.data_dir)), width_px=size.width_px, height_px=size.height_px).deck
else:
    decks = _naive_decks(str(args.data_dir))
    if view not in decks:
        decks[view] = naive_deck(baseline_data(_warehouse(str(args.data_dir)), view), size)
    deck = decks[view]
st.pydeck_chart(deck, width=size.width_px, height=size.height_px)
