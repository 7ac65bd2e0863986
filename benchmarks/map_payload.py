"""Map payload benchmark: server time per rerun and bytes sent for a choropleth, against two baselines.

    python benchmarks/map_payload.py [--territories brest,city,national] [--repeat N]
        [--national-dir DIR | --national] [--demo-dir DIR] [--work-dir DIR] [--skip-folium]
        [--width PX --height PX]

For each territory — Brest's official polygons (imported from the shared sample
files, view restricted to commune 29019), the demo city and the national demo —
a turnout choropleth (leg2024 first round) is drawn three ways, in the same process, on a map
of the Carte page's size (700 x 620 px unless ``--width``/``--height`` say otherwise):

* ours: ``dashboard.maps.build.build_map`` (display level chosen for the zoom,
  integer-quantised polygons, only the fields the layer needs), then
  ``deck.to_json()`` — what ``st.pydeck_chart`` sends. Cold rerun: uncached
  sources (``MapSources.direct``: measure, geometry query, encoding, deck),
  after one untimed build (traced by tracemalloc for the peak memory; it also
  warms DuckDB's buffers, as the app's long-lived connection is when a rerun
  misses the cache). Warm rerun: the same view with memoised sources keyed as
  ``dashboard.ui.map_panel`` keys its ``st.cache_data`` entries, so only classes,
  colours, deck assembly and serialisation remain; "warm + copy" also pays the
  pickle round trip ``st.cache_data`` makes on every hit (the UI keeps the encoded
  polygons in ``st.cache_resource``, which does not copy).
* naive: the same frame (every column of the measure frame, same colours) with the
  full-precision ``station`` geometry, as ``GeoDataFrame.to_json()`` in a
  ``pydeck.Layer("GeoJsonLayer")`` of a plain ``pydeck.Deck``.
* folium: ``folium.GeoJson`` of the same full-precision GeoDataFrame with a style
  function (same colours) and a tooltip; bytes of ``m.get_root().render()``, the
  HTML streamlit-folium ships.

* the new path (the map component's, ``*_tiles_*`` keys): ``build_map(geo=…)``, the deck without
  the choropleth plus the values message (``dashboard.maps.build.geo_message``: a class byte and a
  text index per station, the palette); the first view adds the geometry tiles the view needs at
  its level (``dashboard.maps.tiles.build_tile``), gzipped as ``/carte-geo/`` serves them; a measure
  change (``CHANGED_KIND``) sends only the message again. Its fidelity is measured on the decoded
  tiles (``dashboard.maps.tiles.decode_tile``) like ours below.

Baseline times are given whole (measure + full geometry query + serialisation,
comparable with our cold rerun) and for the serialisation alone (what a cached
frame would still cost per rerun, comparable with our warm rerun). Every time is
the median of ``--repeat`` runs, fewer for runs that together exceed a minute.

Fidelity (Brest, demo city): per station, the Hausdorff distance between the
full-precision boundary and the boundary of what is sent (integer polygons
decoded with the layer's quantiser), measured in Web Mercator common units and
expressed in screen pixels at the fitted zoom (one common unit is ``2**zoom``
pixels; i.e. 78,271.5 Web Mercator metres / 2**zoom, or that times cos(lat) on
the ground). The aim is a max of 1 px.

Figures, not assertions. The last line printed is a JSON object with every figure.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import os
import pickle
import statistics
import sys
import tempfile
import time
import tracemalloc
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from dashboard.demo.build import build_demo
from dashboard.warehouse.importer import import_files
from dashboard.ingest import ImportOptions
from dashboard.canvass.lasso_state import LassoMapState
from dashboard.maps import tiles
from dashboard.maps.build import ZOOM_HEADROOM, MapSources, MapSpec, TileCache, build_map, colour_rows, geo_message
from dashboard.maps.geometry import station_shapes
from dashboard.maps.view import MapView
from dashboard.maps.measures import compute
from dashboard.maps.territory import resolve
from dashboard.ui.map_component import component_data
from dashboard.warehouse.database import Warehouse, warehouse_path
from layers.colors import rgb_to_hex
from layers.encode import Quantizer, from_common, to_common
from layers.view import fit_view

REPO_ROOT = Path(__file__).resolve().parent.parent
ELECTION = "leg2024_t1"
BREST_COMMUNE = "29019"
BREST_FILES = [
    ("stations", "brest/bv/BureauxVoteBrest.geojson", None),
    ("results", "brest/results/leg2024_circos23-tour1_29019.csv", ELECTION),
]
TERRITORIES = ("brest", "city", "national")
# The Carte page's map: dashboard.ui.map_panel.draw's defaults (the view is fitted to this size).
MAP_WIDTH_PX = 700
MAP_HEIGHT_PX = 620
BASELINE_BUDGET_S = 60.0  # slow runs (national) are repeated only while together they take less than this
FOLIUM_MISSING = 'folium is not installed: pip install -e ".[bench]" (or pass --skip-folium)'


@dataclass(frozen=True)
class Case:
    key: str  # prefix of the JSON keys
    label: str
    data_dir: Path
    view: MapView
    fidelity: bool


@dataclass(frozen=True)
class MapSize:
    width_px: int = MAP_WIDTH_PX
    height_px: int = MAP_HEIGHT_PX


# -- territories ----------------------------------------------------------------
def shared_data_dir() -> Path | None:
    for candidate in (os.environ.get("ISOLOIR_SHARED_DATA"), REPO_ROOT.parent / "shared" / "data"):
        if candidate and Path(candidate, "brest", "bv").is_dir():
            return Path(candidate)
    return None


def has_warehouse(data_dir: Path | None) -> bool:
    return data_dir is not None and warehouse_path(data_dir).exists()


def prepare_brest(work: Path) -> Case | None:
    shared = shared_data_dir()
    if shared is None:
        print("brest: skipped (no shared sample data: set ISOLOIR_SHARED_DATA or provide ../shared/data)")
        return None
    data_dir = work / "brest"
    if not has_warehouse(data_dir):
        started = time.perf_counter()
        for kind, relative, election in BREST_FILES:
            import_files(kind, [shared / relative], data_dir, ImportOptions(election=election))
        print(f"brest: imported the official contours and leg2024 results in {time.perf_counter() - started:.1f} s")
    view = MapView(election_id=ELECTION, kind="turnout", communes=(BREST_COMMUNE,))
    return Case("brest", f"Brest ({BREST_COMMUNE}), official contours", data_dir, view, True)


def prepare_city(work: Path, demo_dir: Path | None) -> Case:
    data_dir = demo_dir if has_warehouse(demo_dir) else work / "city"
    if not has_warehouse(data_dir):
        started = time.perf_counter()
        build_demo(data_dir, scale="city")
        print(f"city: built the demo city in {time.perf_counter() - started:.1f} s")
    return Case("city", "demo city", data_dir, MapView(election_id=ELECTION, kind="turnout"), True)


def prepare_national(work: Path, national_dir: Path | None, build: bool) -> Case | None:
    if national_dir is not None:
        if not has_warehouse(national_dir):
            raise SystemExit(f"--national-dir {national_dir}: no warehouse.duckdb there")
        data_dir = national_dir
    elif build:
        data_dir = work / "national"
        if not has_warehouse(data_dir):
            print("national: building the national demo (several minutes)…", flush=True)
            started = time.perf_counter()
            build_demo(data_dir, scale="national")
            print(f"national: built in {time.perf_counter() - started:.0f} s")
    else:
        print("national: skipped (pass --national-dir DIR holding a national demo warehouse, or --national to build one)")
        return None
    return Case("national", "national demo", data_dir, MapView(election_id=ELECTION, kind="turnout"), False)


# -- sources memoised as the UI caches them ----------------------------------------
def _view_key(view: MapView) -> str:
    """Same key as ``dashboard.ui.map_panel._view_key``: what decides the values drawn."""
    return json.dumps(replace(view, method="quantiles", classes=5, zoom=None, title="").to_dict(), sort_keys=True)


def _frame_key(layer: str, frame: pd.DataFrame) -> str:
    """A content hash of the key columns, as ``st.cache_data`` hashes a DataFrame argument."""
    keys = frame[["code_iris"] if layer == "iris" else ["station_id", "set_id"]].reset_index(drop=True)
    return hashlib.md5(pd.util.hash_pandas_object(keys).to_numpy().tobytes()).hexdigest()


def memoised(sources: MapSources, *, copy: bool = False) -> MapSources:
    """``sources`` behind a dict memo.

    ``copy``: every hit on what the UI keeps in ``st.cache_data`` (all but the encoded
    polygons, an ``st.cache_resource``) returns an unpickled copy, as ``st.cache_data`` does.
    """
    memo: dict[tuple[object, ...], object] = {}

    def cached(key: tuple[object, ...], compute_value: Callable[[], Any]) -> Any:
        copied = copy and key[0] != "encoded"
        if key not in memo:
            value = compute_value()
            memo[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL) if copied else value
        stored = memo[key]
        return pickle.loads(stored) if copied else stored  # type: ignore[arg-type]

    return MapSources(
        measure=lambda view, scope: cached(("measure", _view_key(view)), lambda: sources.measure(view, scope)),
        bounds=lambda layer, frame: cached(("bounds", layer, _frame_key(layer, frame)), lambda: sources.bounds(layer, frame)),
        encoded=lambda layer, frame, level, q: cached(
            ("encoded", layer, _frame_key(layer, frame), level, q), lambda: sources.encoded(layer, frame, level, q)
        ),
        outlines=lambda view, scope: cached(("outlines", _view_key(view)), lambda: sources.outlines(view, scope)),
        scope=lambda view: cached(("scope", view.departements, view.communes, view.circonscription), lambda: sources.scope(view)),
    )


# -- ours ---------------------------------------------------------------------------
def render(view: MapView, sources: MapSources, size: MapSize = MapSize()) -> tuple[MapSpec, str]:
    spec = build_map(view, sources, width_px=size.width_px, height_px=size.height_px)
    return spec, spec.deck.to_json()


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def deflated(payload: str) -> int:
    """Bytes once deflated, as sent with ``server.enableWebsocketCompression`` (on in this app's .streamlit/config.toml)."""
    return len(zlib.compress(payload.encode("utf-8"), 6))


def median_time(fn: Callable[[], Any], repeat: int, budget_s: float = float("inf")) -> float:
    """Median of up to ``repeat`` runs; stops early once the runs have taken ``budget_s`` in all."""
    times: list[float] = []
    while len(times) < max(repeat, 1) and sum(times) < budget_s:
        times.append(timed(fn)[1])
    return statistics.median(times)


def main_layer(spec: MapSpec) -> pdk.Layer:
    return next(layer for layer in spec.deck.layers if layer.id == spec.layer_id)


def _positions(polygon: object) -> tuple[list[int], list[int]]:
    if isinstance(polygon, dict):
        return polygon["positions"], polygon["holeIndices"]
    return polygon, []  # type: ignore[return-value]


def sent_vertices(spec: MapSpec) -> int:
    return sum(len(_positions(record["p"])[0]) // 2 for record in main_layer(spec).data)


def measure_ours(wh: Warehouse, view: MapView, repeat: int, size: MapSize) -> dict[str, Any]:
    # Untimed first build, under tracemalloc: it also warms DuckDB's buffers, as
    # the app's long-lived connection would be when a rerun misses the cache.
    tracemalloc.start()
    spec, payload = render(view, MapSources.direct(wh), size)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    cold = median_time(lambda: render(view, MapSources.direct(wh), size), repeat, BASELINE_BUDGET_S)
    warm_sources = memoised(MapSources.direct(wh))
    copy_sources = memoised(MapSources.direct(wh), copy=True)
    _, warm_payload = render(view, warm_sources, size)
    render(view, copy_sources, size)
    if warm_payload != payload:
        print("  warning: the warm rerun's payload differs from the cold one")
    return {
        "spec": spec,
        "bytes": len(payload.encode("utf-8")),
        "deflated": deflated(payload),
        "cold_s": cold,
        "warm_s": median_time(lambda: render(view, warm_sources, size), repeat, BASELINE_BUDGET_S),
        "warm_copy_s": median_time(lambda: render(view, copy_sources, size), repeat, BASELINE_BUDGET_S),
        "peak_mb": peak / 1e6,
        "vertices": sent_vertices(spec),
    }


# -- baselines ------------------------------------------------------------------------
@dataclass
class BaselineData:
    frame: pd.DataFrame
    geometry: np.ndarray
    colors: list[tuple[int, int, int]]
    seconds: float  # scope + measure + colours + full-precision geometry query


def baseline_data(wh: Warehouse, view: MapView) -> BaselineData:
    started = time.perf_counter()
    result = compute(wh, view.measure, resolve(wh, view.territory))
    colors, _ = colour_rows(result, view)
    geometry = station_shapes(wh, result.frame, None)  # full precision
    return BaselineData(result.frame, geometry, colors, time.perf_counter() - started)


def naive_payload(data: BaselineData, size: MapSize) -> str:
    """Full-precision GeoJSON of the whole frame in a GeoJsonLayer of a plain pydeck Deck, serialised."""
    return naive_deck(data, size).to_json()


def naive_deck(data: BaselineData, size: MapSize) -> pdk.Deck:
    """Full-precision GeoJSON of the whole frame in a GeoJsonLayer of a plain pydeck Deck."""
    gdf = gpd.GeoDataFrame(data.frame.assign(fill=[list(c) for c in data.colors]), geometry=data.geometry, crs=4326)
    layer = pdk.Layer(
        "GeoJsonLayer", data=json.loads(gdf.to_json()), id="bureaux", get_fill_color="properties.fill",
        get_line_color=[255, 255, 255], line_width_min_pixels=1, opacity=0.75, pickable=True, auto_highlight=True,
    )
    bounds = tuple(float(b) for b in gdf.total_bounds)
    view_state = fit_view(bounds, width_px=size.width_px, height_px=size.height_px)  # type: ignore[arg-type]
    return pdk.Deck(layers=[layer], initial_view_state=view_state,
                    tooltip={"html": "<b>{name}</b><br/>Bureau {bv_code}<br/>{text}"})


def folium_payload(data: BaselineData, size: MapSize) -> str:
    """A folium choropleth of the same data (GeoJson + style function + tooltip), as streamlit-folium renders it."""
    import folium

    frame = data.frame[["station_id", "bv_code", "name", "value", "text"]].assign(fill=[rgb_to_hex(c) for c in data.colors])
    gdf = gpd.GeoDataFrame(frame, geometry=data.geometry, crs=4326)
    minx, miny, maxx, maxy = (float(b) for b in gdf.total_bounds)
    view = fit_view((minx, miny, maxx, maxy), width_px=size.width_px, height_px=size.height_px)
    m = folium.Map(location=[view.latitude, view.longitude], zoom_start=round(view.zoom) + 1)  # Leaflet: 256-px tiles
    folium.GeoJson(
        gdf,
        style_function=lambda feature: {"fillColor": feature["properties"]["fill"], "color": "#ffffff",
                                        "weight": 1, "fillOpacity": 0.75},
        tooltip=folium.GeoJsonTooltip(fields=["name", "bv_code", "text"], aliases=["Bureau", "Numéro", "Valeur"]),
    ).add_to(m)
    return m.get_root().render()


# -- fidelity -------------------------------------------------------------------------
def _decoded_parts(spec: MapSpec) -> dict[str, list[shapely.Polygon]]:
    """What the browser draws, per station id, in Web Mercator common units."""
    layer = main_layer(spec)
    step = float(layer.model_matrix[0])
    ox, oy = float(layer.coordinate_origin[0]), float(layer.coordinate_origin[1])
    lon, lat = from_common(np.array([ox]), np.array([oy]))
    quantizer = Quantizer((float(lon[0]), float(lat[0])), step)
    parts: dict[str, list[shapely.Polygon]] = {}
    for record in layer.data:
        positions, holes = _positions(record["p"])
        flat = np.asarray(positions, dtype=np.int64).reshape(-1, 2)
        x, y = to_common(*quantizer.decode(flat[:, 0], flat[:, 1]))
        xy = np.column_stack([x, y])
        cuts = [h // 2 for h in holes]
        rings = np.split(xy, cuts)
        parts.setdefault(record["i"], []).append(shapely.Polygon(rings[0], rings[1:]))
    return parts


def _common_geometry(geometry: object) -> object:
    return shapely.transform(geometry, lambda xy: np.column_stack(to_common(xy[:, 0], xy[:, 1])))


def fidelity(spec: MapSpec, data: BaselineData, parts: dict[str, list[shapely.Polygon]] | None = None) -> dict[str, Any]:
    """Max and 99th percentile, over stations, of the sent-vs-full Hausdorff distance, in pixels at the fitted zoom.

    ``parts``: what is drawn, per station (default: the deck's integer polygons; the tiles' for the new path)."""
    parts = _decoded_parts(spec) if parts is None else parts
    pixels_per_unit = 2.0**spec.zoom
    distances, missing = [], 0
    for station_id, geometry in zip(data.frame["station_id"], data.geometry, strict=True):
        if geometry is None or geometry.is_empty:
            continue
        sent = parts.get(str(station_id))
        if not sent:
            missing += 1
            continue
        full = shapely.boundary(_common_geometry(geometry))
        drawn = shapely.boundary(shapely.MultiPolygon(sent))
        distances.append(shapely.hausdorff_distance(full, drawn, densify=0.25) * pixels_per_unit)
    px = np.asarray(distances) if distances else np.zeros(1)
    centre_lat = float(spec.deck.initial_view_state.latitude)
    return {
        "max_px": float(px.max()),
        "p99_px": float(np.percentile(px, 99)),
        "median_px": float(np.median(px)),
        "missing": missing,
        "metres_per_px": 78_271.517 * math.cos(math.radians(centre_lat)) / 2.0**spec.zoom,
    }


# -- the new path: geometry tiles once, values per view -----------------------------------
# The measure change, as timed in the browser (benchmarks/map_browser.py's CHANGED_MEASURE): Participation ->
# En tête (nationally its rare lists share the legend's « autres »: maps.build.MAX_LEGEND_CATEGORIES).
CHANGED_KIND = {"brest": "winner", "city": "winner", "national": "winner"}


def render_tiles(wh: Warehouse, view: MapView, size: MapSize, cache: TileCache) -> MapSpec:
    """The map as the app draws it now: the deck without the choropleth, and the tiles' values (``spec.geo``)."""
    def geo(result: Any, level: int, line_px: float, selected: str | None) -> dict[str, object]:
        return geo_message(wh, cache, result, view, level=level, line_px=line_px, selected=selected)

    return build_map(view, MapSources.direct(wh), width_px=size.width_px, height_px=size.height_px, geo=geo)


def tiles_message(spec: MapSpec, size: MapSize) -> str:
    """What the map component receives for ``spec`` (JSON), as the Carte page mounts it."""
    data = component_data(spec.deck, key="carte_map", height=size.height_px, labels=None, key_field="i",
                          click_layers=None, state=LassoMapState(), tools=False, select="single", geo=spec.geo)
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def tiles_of(wh: Warehouse, spec: MapSpec) -> dict[str, bytes]:
    """The tiles the first view fetches (at the view's level), by path, as built by the server."""
    assert spec.geo is not None
    level = int(spec.geo["level"])  # type: ignore[call-overload]
    out = {}
    for group in spec.geo["groups"]:  # type: ignore[union-attr]
        set_id, stamp, _, dep = tiles.parse_tile_path(group["path"])
        out[tiles.tile_path(set_id, stamp, level, dep)] = tiles.build_tile(wh, set_id, dep, level)
    return out


def tile_parts(tile_bytes: dict[str, bytes]) -> dict[str, list[shapely.Polygon]]:
    """What the browser draws from the tiles, per station id, in Web Mercator common units."""
    parts: dict[str, list[shapely.Polygon]] = {}
    for data in tile_bytes.values():
        tile = tiles.decode_tile(data)
        for station_id, station in zip(tile.header["ids"], tile.stations, strict=True):
            for rings in station:
                common = [np.column_stack(to_common(ring[:, 0], ring[:, 1])) for ring in rings]
                parts.setdefault(str(station_id), []).append(shapely.Polygon(common[0], common[1:]))
    return parts


def measure_tiles(wh: Warehouse, view: MapView, repeat: int, size: MapSize, changed_kind: str) -> dict[str, Any]:
    """Bytes of the first view (tiles gzipped as served + the first message) and of a measure change (the
    message again, values only), and the server time of a cold rerun (measure, values; tiles not rebuilt)."""
    cache = TileCache()
    spec = render_tiles(wh, view, size, cache)
    built = tiles_of(wh, spec)
    message = tiles_message(spec, size)
    changed = tiles_message(render_tiles(wh, replace(view, kind=changed_kind), size, cache), size)
    cold = median_time(lambda: render_tiles(wh, view, size, TileCache()), repeat, BASELINE_BUDGET_S)
    warm = median_time(lambda: render_tiles(wh, view, size, cache), repeat, BASELINE_BUDGET_S)
    tile_time = median_time(lambda: tiles_of(wh, spec), 1 if len(built) > 5 else repeat, BASELINE_BUDGET_S)
    gzipped = sum(len(gzip.compress(data, compresslevel=6, mtime=0)) for data in built.values())
    return {
        "spec": spec, "tiles": built, "tile_count": len(built),
        "tile_bytes": sum(len(data) for data in built.values()), "tile_gzip_bytes": gzipped,
        "message_bytes": len(message.encode("utf-8")), "message_deflated": deflated(message),
        "change_bytes": len(changed.encode("utf-8")), "change_deflated": deflated(changed),
        "cold_s": cold, "warm_s": warm, "tile_build_s": tile_time,
    }


# -- report ---------------------------------------------------------------------------
def fmt_int(n: float) -> str:
    return f"{int(round(n)):,}".replace(",", " ")


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def run_case(case: Case, *, repeat: int, skip_folium: bool, size: MapSize) -> dict[str, Any]:
    with Warehouse(warehouse_path(case.data_dir), read_only=True) as wh:
        ours = measure_ours(wh, case.view, repeat, size)
        tiled = measure_tiles(wh, case.view, repeat, size, CHANGED_KIND[case.key])
        data = baseline_data(wh, case.view)
        data.seconds = median_time(lambda: baseline_data(wh, case.view), repeat, BASELINE_BUDGET_S)
        naive, naive_render = timed(lambda: naive_payload(data, size))
        if naive_render * repeat < BASELINE_BUDGET_S:
            naive_render = median_time(lambda: naive_payload(data, size), repeat, BASELINE_BUDGET_S)
        folium_html, folium_render = (None, 0.0) if skip_folium else timed(lambda: folium_payload(data, size))
        if folium_html is not None and folium_render * repeat < BASELINE_BUDGET_S:
            folium_render = median_time(lambda: folium_payload(data, size), repeat, BASELINE_BUDGET_S)
    spec: MapSpec = ours["spec"]
    k = case.key
    full_vertices = int(shapely.get_num_coordinates(np.asarray([g for g in data.geometry if g is not None], dtype=object)).sum())
    figures: dict[str, Any] = {
        f"{k}_stations": int(len(data.frame)),
        f"{k}_zoom": spec.zoom,
        f"{k}_level": spec.level,
        f"{k}_full_vertices": full_vertices,
        f"{k}_ours_vertices": ours["vertices"],
        f"{k}_ours_bytes": ours["bytes"],
        f"{k}_cold_s": round(ours["cold_s"], 4),
        f"{k}_warm_s": round(ours["warm_s"], 4),
        f"{k}_warm_copy_s": round(ours["warm_copy_s"], 4),
        f"{k}_peak_mb": round(ours["peak_mb"], 1),
        f"{k}_naive_bytes": len(naive.encode("utf-8")),
        f"{k}_ours_deflated_bytes": ours["deflated"],
        f"{k}_naive_deflated_bytes": deflated(naive),
        f"{k}_naive_s": round(data.seconds + naive_render, 4),
        f"{k}_naive_render_s": round(naive_render, 4),
    }
    figures[f"{k}_naive_ratio"] = round(figures[f"{k}_naive_bytes"] / ours["bytes"], 1)
    if folium_html is not None:
        figures[f"{k}_folium_bytes"] = len(folium_html.encode("utf-8"))
        figures[f"{k}_folium_s"] = round(data.seconds + folium_render, 4)
        figures[f"{k}_folium_render_s"] = round(folium_render, 4)
        figures[f"{k}_folium_ratio"] = round(figures[f"{k}_folium_bytes"] / ours["bytes"], 1)
        figures[f"{k}_folium_deflated_bytes"] = deflated(folium_html)
    first = tiled["tile_gzip_bytes"] + tiled["message_deflated"]
    figures.update({
        f"{k}_tiles": tiled["tile_count"],
        f"{k}_tiles_bytes": tiled["tile_bytes"],
        f"{k}_tiles_gzip_bytes": tiled["tile_gzip_bytes"],
        f"{k}_tiles_message_bytes": tiled["message_bytes"],
        f"{k}_tiles_message_deflated_bytes": tiled["message_deflated"],
        # on the wire: tiles gzipped (as /carte-geo/ serves them) + the message deflated (WebSocket compression)
        f"{k}_tiles_first_bytes": first,
        f"{k}_tiles_change_bytes": tiled["change_bytes"],
        f"{k}_tiles_change_deflated_bytes": tiled["change_deflated"],
        f"{k}_tiles_cold_s": round(tiled["cold_s"], 4),
        f"{k}_tiles_warm_s": round(tiled["warm_s"], 4),
        f"{k}_tiles_build_s": round(tiled["tile_build_s"], 4),
    })
    if folium_html is not None:
        figures[f"{k}_tiles_folium_raw_ratio"] = round(figures[f"{k}_folium_bytes"] / (tiled["tile_bytes"] + tiled["message_bytes"]), 1)
        figures[f"{k}_tiles_folium_ratio"] = round(figures[f"{k}_folium_deflated_bytes"] / first, 1)
        # a measure change: folium sends its whole HTML again, the new path only the values message
        figures[f"{k}_tiles_change_folium_ratio"] = round(figures[f"{k}_folium_deflated_bytes"] / tiled["change_deflated"], 1)
    if case.fidelity:
        fid = fidelity(spec, data)
        figures[f"{k}_max_px"] = round(fid["max_px"], 3)
        figures[f"{k}_p99_px"] = round(fid["p99_px"], 3)
        figures[f"{k}_median_px"] = round(fid["median_px"], 3)
        figures[f"{k}_missing_stations"] = fid["missing"]
        figures[f"{k}_metres_per_px"] = round(fid["metres_per_px"], 2)
        tile_fid = fidelity(tiled["spec"], data, tile_parts(tiled["tiles"]))
        figures[f"{k}_tiles_max_px"] = round(tile_fid["max_px"], 3)
        figures[f"{k}_tiles_p99_px"] = round(tile_fid["p99_px"], 3)
        figures[f"{k}_tiles_missing_stations"] = tile_fid["missing"]
    print_case(case, figures, skip_folium)
    return figures


def print_case(case: Case, f: dict[str, Any], skip_folium: bool) -> None:
    k = case.key
    ours_bytes = f[f"{k}_ours_bytes"]
    print()
    print(f"== {case.label}: {fmt_int(f[f'{k}_stations'])} stations, {fmt_int(f[f'{k}_full_vertices'])} full-precision vertices, "
          f"fitted zoom {f[f'{k}_zoom']:.2f}, display level {f[f'{k}_level']}")
    print(f"{'':<22} {'bytes':>13} {'x ours':>7} {'rerun (cold)':>13} {'rerun (warm)':>13} {'vertices':>11}")
    print(f"{'ours (PolygonLayer)':<22} {fmt_int(ours_bytes):>13} {'1.0':>7} {fmt_s(f[f'{k}_cold_s']):>13} "
          f"{fmt_s(f[f'{k}_warm_s']):>13} {fmt_int(f[f'{k}_ours_vertices']):>11}")
    print(f"{'naive (GeoJsonLayer)':<22} {fmt_int(f[f'{k}_naive_bytes']):>13} {f[f'{k}_naive_ratio']:>7.1f} "
          f"{fmt_s(f[f'{k}_naive_s']):>13} {fmt_s(f[f'{k}_naive_render_s']):>13} {fmt_int(f[f'{k}_full_vertices']):>11}")
    if not skip_folium:
        print(f"{'folium (GeoJson)':<22} {fmt_int(f[f'{k}_folium_bytes']):>13} {f[f'{k}_folium_ratio']:>7.1f} "
              f"{fmt_s(f[f'{k}_folium_s']):>13} {fmt_s(f[f'{k}_folium_render_s']):>13} {fmt_int(f[f'{k}_full_vertices']):>11}")
    print("  (baselines: cold = measure + full geometry query + serialisation; warm = serialisation of a cached frame)")
    print(f"  on the wire, deflated (server.enableWebsocketCompression is on in .streamlit/config.toml): ours {fmt_int(f[f'{k}_ours_deflated_bytes'])}, "
          f"naive {fmt_int(f[f'{k}_naive_deflated_bytes'])}"
          + ("" if skip_folium else f", folium {fmt_int(f[f'{k}_folium_deflated_bytes'])}"))
    print(f"  ours warm rerun with st.cache_data's copy-on-read of the measure and bounds: {fmt_s(f[f'{k}_warm_copy_s'])}")
    print(f"  time ratios, baseline / ours: naive cold {f[f'{k}_naive_s'] / max(f[f'{k}_cold_s'], 1e-9):.1f}, "
          f"naive warm {f[f'{k}_naive_render_s'] / max(f[f'{k}_warm_s'], 1e-9):.1f}"
          + ("" if skip_folium else f", folium cold {f[f'{k}_folium_s'] / max(f[f'{k}_cold_s'], 1e-9):.1f}, "
                                    f"folium warm {f[f'{k}_folium_render_s'] / max(f[f'{k}_warm_s'], 1e-9):.1f}"))
    print(f"  peak Python memory of the cold build (tracemalloc; DuckDB and GEOS buffers not traced): {f[f'{k}_peak_mb']:.1f} MB")
    print(f"  new path (geometry tiles once, values per view): {f[f'{k}_tiles']} tile(s) of {fmt_int(f[f'{k}_tiles_bytes'])} B "
          f"({fmt_int(f[f'{k}_tiles_gzip_bytes'])} gzipped, built in {fmt_s(f[f'{k}_tiles_build_s'])}) + message "
          f"{fmt_int(f[f'{k}_tiles_message_bytes'])} B ({fmt_int(f[f'{k}_tiles_message_deflated_bytes'])} deflated): first view "
          f"{fmt_int(f[f'{k}_tiles_first_bytes'])} B on the wire; measure change {fmt_int(f[f'{k}_tiles_change_bytes'])} B "
          f"({fmt_int(f[f'{k}_tiles_change_deflated_bytes'])} deflated); rerun cold {fmt_s(f[f'{k}_tiles_cold_s'])}, "
          f"warm {fmt_s(f[f'{k}_tiles_warm_s'])}"
          + ("" if skip_folium else f"; folium / new: first view {f[f'{k}_tiles_folium_raw_ratio']:.1f}x raw, "
                                    f"{f[f'{k}_tiles_folium_ratio']:.1f}x deflated, "
                                    f"measure change {f[f'{k}_tiles_change_folium_ratio']:.1f}x"))
    if f"{k}_tiles_max_px" in f:
        print(f"  new path fidelity at the fitted zoom: max {f[f'{k}_tiles_max_px']:.2f} px, p99 {f[f'{k}_tiles_p99_px']:.2f} px"
              + (f"; {f[f'{k}_tiles_missing_stations']} stations not drawn" if f[f"{k}_tiles_missing_stations"] else ""))
    if f"{k}_max_px" in f:
        verdict = "ok" if f[f"{k}_max_px"] <= 1.0 else "ABOVE 1 px"
        print(f"  fidelity at the fitted zoom (1 px = {f[f'{k}_metres_per_px']:.1f} m on the ground): "
              f"max {f[f'{k}_max_px']:.2f} px, p99 {f[f'{k}_p99_px']:.2f} px, median {f[f'{k}_median_px']:.2f} px ({verdict}); "
              f"at +{ZOOM_HEADROOM:g} zoom: max {f[f'{k}_max_px'] * 2**ZOOM_HEADROOM:.2f} px"
              + (f"; {f[f'{k}_missing_stations']} stations not drawn" if f[f"{k}_missing_stations"] else ""))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--territories", default=",".join(TERRITORIES),
                        help="comma-separated subset of brest,city,national (default: all)")
    parser.add_argument("--repeat", type=int, default=5, help="warm reruns, median taken (default 5)")
    parser.add_argument("--skip-folium", action="store_true", help="no folium baseline")
    parser.add_argument("--national-dir", type=Path, help="data dir holding a national demo warehouse")
    parser.add_argument("--national", action="store_true", help="build the national demo (several minutes) if no --national-dir")
    parser.add_argument("--width", type=int, default=MAP_WIDTH_PX, help=f"map width in px (default {MAP_WIDTH_PX}, the Carte page)")
    parser.add_argument("--height", type=int, default=MAP_HEIGHT_PX, help=f"map height in px (default {MAP_HEIGHT_PX})")
    parser.add_argument("--demo-dir", type=Path, help="data dir holding the demo city warehouse (built otherwise)")
    parser.add_argument("--work-dir", type=Path, help="where to build warehouses (default: a new temporary dir)")
    args = parser.parse_args(argv)
    wanted = [t.strip() for t in args.territories.split(",") if t.strip()]
    unknown = sorted(set(wanted) - set(TERRITORIES))
    if unknown:
        parser.error(f"unknown territories: {', '.join(unknown)}")
    if not args.skip_folium:
        try:
            import folium  # noqa: F401
        except ImportError:
            raise SystemExit(FOLIUM_MISSING) from None
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="isoloir-map-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    if "brest" in wanted and (case := prepare_brest(work)) is not None:
        cases.append(case)
    if "city" in wanted:
        cases.append(prepare_city(work, args.demo_dir))
    if "national" in wanted and (case := prepare_national(work, args.national_dir, args.national)) is not None:
        cases.append(case)
    size = MapSize(args.width, args.height)
    print(f"map of {size.width_px} x {size.height_px} px; times are medians of {args.repeat} runs")
    figures: dict[str, Any] = {"repeat": args.repeat, "width_px": size.width_px, "height_px": size.height_px}
    for case in cases:
        figures.update(run_case(case, repeat=args.repeat, skip_folium=args.skip_folium, size=size))
    print()
    print(json.dumps(figures, sort_keys=True))
    sys.stdout.flush()
    return figures


if __name__ == "__main__":
    main()
