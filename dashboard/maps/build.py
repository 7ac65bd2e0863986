"""From a :class:`~dashboard.maps.view.MapView` to what the browser draws: layers, view and legend.

Pure functions (no Streamlit). The expensive steps are injectable so the UI
can cache them per view (``st.cache_data``) and the benchmark can time them
cold: :class:`MapSources` bundles the measure computation and the encoded
geometry; :func:`build_map` assembles the rest (classes, colours, legend,
deck), which is cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pydeck as pdk

from dashboard.formats import fmt_number, fmt_percent, fmt_points
from dashboard.maps.iris_measures import compute_indicator
from dashboard.maps import tiles
from dashboard.maps.geometry import COARSEST_LEVEL, iris_shapes, station_shapes, total_bounds
from dashboard.maps.view import MapView
from dashboard.maps.measure_types import MeasureResult
from dashboard.maps.measures import compute, drawn_stations
from dashboard.maps.territory import Scope, resolve
from dashboard.warehouse.database import Warehouse
from layers.choropleth import choropleth_layer, outline_layer, tooltip
from layers.classify import METHODS, class_index, classify
from layers.colors import NO_DATA, class_colors, hex_to_rgb, lighten
from layers.encode import Quantizer, encode_polygons, quantizer_for
from layers.legend import Legend, categorical_legend, class_legend
from layers.view import deck, display_level, fit_view

MAP_LAYER_ID = "bureaux"
IRIS_LAYER_ID = "iris"
SEQUENTIAL_PALETTE = {"turnout": "bleus", "abstention": "oranges", "share": "violets", "margin": "verts",
                      "blank_null": "oranges", "blank": "oranges", "null": "oranges", "winner": "bleus",
                      "indicator": "bleus"}  # the IRIS layer's palette: both layers read alike
DIVERGING_PALETTE = "rouge-bleu"
ZOOM_HEADROOM = 1.0
GRID_PIXEL_FRACTION = 1.0  # one pixel one zoom level finer = half a pixel at the fitted zoom
MAX_SIMPLIFICATION_PX = 0.45
OUTLINE_MIN_ZOOM = 9.0
# « En tête »: at most this many lines in the legend (and classes in the tiles' byte); beyond, the rarer
# candidates or lists share one « autres · <bloc> » line per bloc (nationally: over a thousand candidates)
MAX_LEGEND_CATEGORIES = 16


@dataclass(frozen=True)
class Encoded:
    """Polygons ready to send and, per polygon, the row of the frame it belongs to."""

    polygons: list[object]
    rows: np.ndarray
    quantizer: Quantizer


@dataclass
class MapSpec:
    deck: pdk.Deck
    legend: Legend
    title: str
    notes: list[str]
    result: MeasureResult
    level: int
    zoom: float
    scope: Scope
    layer_id: str = MAP_LAYER_ID
    extra: dict[str, object] = field(default_factory=dict)
    geo: dict[str, object] | None = None  # the choropleth from geometry tiles (then not in the deck)


# -- the expensive, cacheable steps -------------------------------------------
def measure_for(wh: Warehouse, view: MapView, scope: Scope, voter_counts: pd.DataFrame | None = None) -> MeasureResult:
    if view.layer == "iris":
        return compute_indicator(wh, view.indicator, view.indicator_year, view.indicator_mode, scope)
    return compute(wh, view.measure, scope, voter_counts)


def outline_stations(wh: Warehouse, view: MapView, scope: Scope) -> pd.DataFrame:
    """Stations whose outline is drawn over an IRIS layer: those of the view's election."""
    if not view.election_id:
        return pd.DataFrame(columns=["station_id", "set_id"])
    return drawn_stations(wh, view.election_id, scope)[["station_id", "set_id"]]


def shapes_for(wh: Warehouse, layer: str, keys: pd.DataFrame, level: int) -> np.ndarray:
    if layer == "iris":
        return iris_shapes(wh, list(keys["code_iris"]), level)
    return station_shapes(wh, keys[["station_id", "set_id"]], level)


def bounds_for(wh: Warehouse, layer: str, keys: pd.DataFrame) -> tuple[float, float, float, float] | None:
    """Extent of the rows' geometry (read at the coarsest level: enough to fit the view)."""
    return total_bounds(shapes_for(wh, layer, keys, COARSEST_LEVEL))


def encode_for(wh: Warehouse, layer: str, keys: pd.DataFrame, level: int, quantizer: Quantizer) -> Encoded:
    """The rows' display geometry at ``level``, encoded for the browser."""
    polygons, rows = encode_polygons(list(shapes_for(wh, layer, keys, level)), quantizer)
    return Encoded(polygons, rows, quantizer)


@dataclass(frozen=True)
class MapSources:
    """How build_map gets its data; the UI passes cached versions of these."""

    measure: Callable[[MapView, Scope], MeasureResult]
    bounds: Callable[[str, pd.DataFrame], tuple[float, float, float, float] | None]
    encoded: Callable[[str, pd.DataFrame, int, Quantizer], Encoded]
    outlines: Callable[[MapView, Scope], pd.DataFrame]
    scope: Callable[[MapView], Scope]

    @classmethod
    def direct(cls, wh: Warehouse) -> MapSources:
        return cls(
            measure=lambda view, scope: measure_for(wh, view, scope),
            bounds=lambda layer, keys: bounds_for(wh, layer, keys),
            encoded=lambda layer, keys, level, quantizer: encode_for(wh, layer, keys, level, quantizer),
            outlines=lambda view, scope: outline_stations(wh, view, scope),
            scope=lambda view: resolve(wh, view.territory),
        )


# -- assembling ---------------------------------------------------------------
def _formatter(unit: str) -> Callable[[float], str]:
    if unit == "ratio":
        return fmt_percent
    if unit == "points":
        return fmt_points
    if unit == "score":  # target scores: small numbers need two decimals to tell classes apart
        return lambda x: fmt_number(x, 2 if abs(x) < 10 else (1 if abs(x) < 100 else 0))
    return lambda x: fmt_number(x, 0 if abs(x) >= 100 else 1)


def category_colors(categories: list[tuple[str, str, str]]) -> dict[str, tuple[int, int, int]]:
    """Each category's bloc colour; the 2nd, 3rd… category of one bloc gets it lighter (same hue)."""
    seen: dict[str, int] = {}
    out = {}
    for key, _, color in categories:
        rank = seen.get(color, 0)
        seen[color] = rank + 1
        out[key] = lighten(hex_to_rgb(color), min(0.6, 0.3 * rank))
    return out


@dataclass(frozen=True)
class CategoryGroup:
    """The rarer categories of one bloc colour, drawn and listed as one « autres » line."""

    key: str
    label: str
    color: str  # the bloc's "#rrggbb"
    members: tuple[str, ...]


def shown_categories(categories: list[tuple[str, str, str]], counts: pd.Series, blocs: Mapping[str, str],
                     limit: int = MAX_LEGEND_CATEGORIES) -> tuple[list[tuple[str, str, str]], list[CategoryGroup]]:
    """The categories the legend names and the groups of the rarer ones, in at most ``limit`` lines.

    Up to ``limit`` categories leading a station: all named. Beyond (nationally: a thousand candidates), the
    rarer ones are grouped per bloc colour into « autres · <bloc> » (``blocs``: category → bloc label) and
    the categories leading the most stations fill the remaining lines, in the given order.
    Categories leading no station are left out.
    """
    present = [category for category in categories if int(counts.get(category[0], 0)) > 0]
    if len(present) <= limit:
        return present, []
    colours = list(dict.fromkeys(color for _, _, color in present))
    rank = sorted(range(len(present)), key=lambda i: (-int(counts[present[i][0]]), i))
    keep = set(rank[: max(0, limit - len(colours))])
    kept = [c for i, c in enumerate(present) if i in keep]
    groups = []
    for color in colours:
        members = tuple(key for i, (key, _, c) in enumerate(present) if c == color and i not in keep)
        if members:
            bloc = blocs.get(members[0], "")
            groups.append(CategoryGroup(f"\x00autres {color}", f"autres · {bloc}" if bloc else "autres", color, members))
    return kept, groups


def class_rows(result: MeasureResult, view: MapView) -> tuple[list[tuple[int, int, int]], np.ndarray, Legend]:
    """The palette, one class (or category) index per frame row (-1: no data), and the legend that explains them."""
    frame = result.frame
    values = frame["value"].to_numpy(dtype=float)
    title = view.title or result.title
    if view.kind == "winner" and view.layer == "bv" and result.categories:
        counts = frame["category"].value_counts()
        kept, groups = shown_categories(result.categories, counts, result.category_blocs)
        # the groups first: each takes its bloc's own colour (it covers most of the map), the named ones shades
        colours = category_colors([(g.key, g.label, g.color) for g in groups] + kept)
        keys = [key for key, _, _ in kept]
        position = {key: i for i, key in enumerate(keys)}
        for i, group in enumerate(groups):
            position.update((member, len(keys) + i) for member in group.members)
        index = np.array([position.get(c, -1) if isinstance(c, str) else -1 for c in frame["category"]],
                         dtype=np.int64)
        entries = [(label, colours[key], int(counts[key])) for key, label, _ in kept]
        entries += [(f"{g.label} ({fmt_number(len(g.members), 0)} candidats ou listes)", colours[g.key],
                     int(sum(int(counts[m]) for m in g.members))) for g in groups]
        palette = [colours[k] for k in keys] + [colours[g.key] for g in groups]
        missing = int(frame["category"].isna().sum())
        if missing:
            entries.append(("sans donnée", NO_DATA, missing))
        return palette, index, categorical_legend(
            title, entries, note="Couleur du bloc du candidat ou de la liste en tête")
    center = 0.0 if result.diverging else None
    classes = classify(values, view.classes, view.method, center=center)
    palette_name = DIVERGING_PALETTE if result.diverging else SEQUENTIAL_PALETTE.get(view.kind if view.layer == "bv" else "turnout", "bleus")
    class_rgb = class_colors(classes, palette_name, center=center) if classes.breaks else []
    index = class_index(values, classes) if classes.breaks else np.full(len(values), -1)
    counts = [int((index == i).sum()) for i in range(len(class_rgb))]
    no_data = int((index < 0).sum())
    what = "bureaux" if view.layer == "bv" else "IRIS"
    note = f"{METHODS[view.method]} · {len(class_rgb)} classes"
    if no_data:
        note += f" · {no_data} {what} sans donnée"
    legend = class_legend(title, classes, class_rgb, _formatter(result.unit), counts, no_data=no_data, note=note,
                          details=tuple(result.legend_notes))
    return list(class_rgb), np.asarray(index, dtype=np.int64), legend


def colour_rows(result: MeasureResult, view: MapView) -> tuple[list[tuple[int, int, int]], Legend]:
    """One colour per frame row, and the legend that explains them."""
    palette, index, legend = class_rows(result, view)
    return [palette[i] if i >= 0 else NO_DATA for i in index.tolist()], legend


@dataclass
class TileCache:
    """What :func:`dashboard.maps.tiles.groups_for` fills per warehouse version (the UI keeps one per version)."""

    stamps: dict[str, str] = field(default_factory=dict)
    sets: dict[str, dict[str, tuple[pd.Index, tuple[float, float, float, float]]]] = field(default_factory=dict)


def geo_message(wh: Warehouse, cache: TileCache, result: MeasureResult, view: MapView, *, level: int,
                line_px: float, selected: str | None) -> dict[str, object]:
    """The choropleth as the map component draws it from geometry tiles: tile URLs, a class byte and a text
    index per station, the palette, the distinct tooltip texts (see :mod:`dashboard.maps.tiles`)."""
    frame = result.frame
    palette, index, _ = class_rows(result, view)
    if len(palette) > tiles.MAX_CLASSES:
        raise ValueError("Trop de classes pour la carte.")
    codes = np.where(index >= 0, index + tiles.FIRST_CLASS, tiles.NO_DATA).astype(np.uint8)
    text_codes, texts = pd.factorize(frame["text"].fillna("").astype(str), sort=False)
    if len(texts) > 65_535:
        raise ValueError("Trop de libellés distincts pour la carte.")
    text_type = np.uint8 if len(texts) <= 256 else np.uint16
    groups = tiles.groups_for(wh, frame, codes, text_codes.astype(text_type), cache.stamps, cache.sets)
    return {
        "layer": MAP_LAYER_ID,
        "groups": groups,
        "palette": [[int(c) for c in rgb] for rgb in palette],
        "nodata": [int(c) for c in NO_DATA],
        "texts": [str(t) for t in texts],
        "text_bytes": 1 if text_type is np.uint8 else 2,
        "level": int(level),
        "levels": [[int(lv), float(t)] for lv, t in tiles.DISPLAY_LEVELS],
        "max_error_px": tiles.MAX_SIMPLIFICATION_PX,
        "line_px": float(line_px),
        "opacity": 0.75,
        "with_commune": bool(frame["commune_code"].nunique() > 1),
        "label": "Bureau",
        "selected": selected,
    }


def build_map(view: MapView, sources: MapSources, *, width_px: int = 1200, height_px: int = 650,
              map_style: str | None = None, selected: str | None = None,
              geo: Callable[[MeasureResult, int, float, str | None], dict[str, object]] | None = None) -> MapSpec:
    """Everything the page draws for ``view``.

    ``geo`` (station layer only): the choropleth is left out of the deck and described for the map
    component's geometry tiles instead (``spec.geo``: :func:`geo_message` with the view's level,
    outline width and selection).
    """
    scope = sources.scope(view)
    result = sources.measure(view, scope)
    frame = result.frame
    layer = "iris" if view.layer == "iris" else "bv"
    bounds = sources.bounds(layer, frame)
    outlines = sources.outlines(view, scope) if layer == "iris" else None
    if bounds is None:
        bounds = (-5.2, 41.3, 9.6, 51.1)  # metropolitan France: nothing to draw in scope
    view_state = fit_view(bounds, width_px=width_px, height_px=height_px)
    if view.zoom is not None:
        view_state.zoom = view.zoom
    latitude = (bounds[1] + bounds[3]) / 2
    # simplified contours move up to about twice their nominal tolerance (measured by
    # benchmarks/map_payload.py): 0.45 px keeps every vertex within one pixel
    level = display_level(view_state.zoom, latitude, max_error_px=MAX_SIMPLIFICATION_PX)
    # one zoom level of headroom: the user zooms in a little without seeing the grid
    quantizer = quantizer_for(bounds, view_state.zoom + ZOOM_HEADROOM, pixel_fraction=GRID_PIXEL_FRACTION)
    line_px = 1.0 if view_state.zoom >= OUTLINE_MIN_ZOOM else 0.0
    label = "Bureau" if layer == "bv" else "IRIS"
    if geo is not None and layer == "bv":
        _, _, legend = class_rows(result, view)
        message = geo(result, level, line_px, selected)
        spec_deck = deck([], view_state, map_style=map_style, tooltip=tooltip(label, number_field="b"), height=height_px)
        return MapSpec(spec_deck, legend, view.title or result.title, list(result.notes), result, level,
                       float(view_state.zoom), scope, MAP_LAYER_ID, extra={"quantizer": quantizer}, geo=message)
    encoded = sources.encoded(layer, frame, level, quantizer)
    colors, legend = colour_rows(result, view)
    rows = np.asarray(encoded.rows, dtype=np.int64)
    if layer == "iris":
        ids = frame["code_iris"]
    elif frame["commune_code"].nunique() > 1:
        ids = frame["bv_code"] + " (" + frame["commune_code"] + ")"
    else:
        ids = frame["bv_code"]
    key_ids = (frame["code_iris"] if layer == "iris" else frame["station_id"]).astype(str).to_numpy(dtype=object)

    def per_polygon(column: pd.Series) -> list[str]:
        return list(column.astype(str).to_numpy(dtype=object)[rows])

    layers = [
        choropleth_layer(
            IRIS_LAYER_ID if layer == "iris" else MAP_LAYER_ID, encoded.polygons,
            [colors[r] for r in rows.tolist()], per_polygon(frame["name"]), list(key_ids[rows]),
            per_polygon(frame["text"]), quantizer, numbers=per_polygon(ids),
            # white borders would wash out thousands of small polygons at a country-wide zoom
            line_width_px=line_px,
        )
    ]
    if outlines is not None and not outlines.empty:
        outline = sources.encoded("bv", outlines, level, quantizer)
        layers.append(outline_layer("contours-bureaux", outline.polygons, quantizer))
    if selected is not None and layer == "bv":
        chosen = np.flatnonzero(key_ids[rows] == selected)
        if len(chosen):
            layers.append(outline_layer("selection", [encoded.polygons[i] for i in chosen], quantizer,
                                        color=(20, 20, 20), width_px=4))
    spec_deck = deck(layers, view_state, map_style=map_style, tooltip=tooltip(label, number_field="b"), height=height_px)
    return MapSpec(spec_deck, legend, view.title or result.title, list(result.notes), result, level,
                   float(view_state.zoom), scope, layers[0].id, extra={"quantizer": quantizer})
