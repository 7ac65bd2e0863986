"""The Zones page's pure parts: the selection's polygon, the map overlays, the turf preview, the tables.

No Streamlit here (``dashboard/ui/zones_panel.py`` draws; ``pages/zones.py`` is thin).

**The selection's polygon.** A zone is a polygon (``dashboard.canvass.selection``): the
page builds it from three kinds of input, in this order —

1. *additions by attribute* (a whole commune, an IRIS, the stations whose score is at
   least X, an existing zone loaded for editing): their contours are united;
2. the *lassos* drawn on the map, in drawing order: an "add" lasso is united, a
   "subtract" lasso cut out (so a lasso can trim a commune added whole);
3. the *clicked stations*: a click toggles a station — its contour is cut out when the
   polygon so far includes it (share of its addresses ≥ the threshold), added otherwise.

The addresses and stations of the zone then follow from the polygon alone
(:func:`dashboard.canvass.selection.select`: addresses by point in polygon, stations by
the share of their addresses inside), whatever the input was.

**Map layers** are added to a :class:`~dashboard.maps.build.MapSpec` built by the usual
pipeline (same quantised grid, no basemap): each saved zone filled lightly in its own
colour with its outline and name, the stations the current selection includes outlined
in black, the selection's polygon in orange, and the chosen zone's turfs outlined.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from pydeck.types import String
from shapely.geometry.base import BaseGeometry

import dashboard.canvass.sources as sources
from dashboard.canvass.counts import ZoneCounts as SelectionCounts
from dashboard.canvass.counts import with_estimates
from dashboard.canvass.errors import LassoError
from dashboard.canvass.streets import StreetLine, street_layers
from dashboard.canvass.selection import EMPTY_POLYGON, combine, lasso_polygon, polygonal
from dashboard.canvass.turfs import Turf, TurfPlan
from dashboard.canvass.walklist import order_walk
from dashboard.formats import fmt_number, fmt_percent
from dashboard.canvass.lasso_state import Lasso
from dashboard.maps.build import MapSpec
from dashboard.warehouse.database import Warehouse
from layers.choropleth import choropleth_layer, labels_layer, position_props, tooltip
from layers.colors import RGB
from layers.encode import Quantizer, encode_polygons, quantizer_for
from layers.labels import place_labels
from layers.view import deck, fit_view

ZONES_FILL_ID = "zones-fond"
ZONES_LINE_ID = "zones-contours"
ZONES_LABEL_ID = "zones-noms"
INCLUDED_ID = "selection-bureaux"
REGION_ID = "selection-contour"
TURFS_LINE_ID = "secteurs-contours"
TURF_LAYER_ID = "secteurs"
TURF_POINTS_ID = "secteurs-adresses"
ROUTE_ID = "parcours"  # the walk route of the turf chosen under « Feuilles de route »
TURF_LABELS_ID = "secteurs-numeros"
ZONE_OUTLINE_ID = "zone-contour"

# Dark2 (ColorBrewer) without its orange (the selection's colour): one colour per saved zone
ZONE_COLORS: tuple[RGB, ...] = (
    (117, 112, 179), (27, 158, 119), (231, 41, 138), (102, 166, 30), (230, 171, 2), (166, 118, 29), (102, 102, 102),
)
# Set3-like pastel colours for the turfs of one zone (neighbours differ)
TURF_COLORS: tuple[RGB, ...] = (
    (141, 211, 199), (255, 255, 179), (190, 186, 218), (251, 128, 114), (128, 177, 211), (253, 180, 98),
    (179, 222, 105), (252, 205, 229), (217, 217, 217), (188, 128, 189), (204, 235, 197), (255, 237, 111),
)
INCLUDED_COLOR: RGB = (15, 15, 15)
REGION_COLOR: RGB = (230, 85, 13)
TURF_LINE_COLOR: RGB = (0, 90, 100)
ZONE_FILL_ALPHA = 70
LABEL_FONT = '"Source Sans", "Source Sans Pro", "Helvetica Neue", Arial, sans-serif'
ZONE_LABEL_PX = 15
TURF_LABEL_PX = 13
MAX_ZONE_LABELS = 40  # past this many zones, the smaller ones are named on hover only

PARIS = ZoneInfo("Europe/Paris")


# -- the selection's polygon ----------------------------------------------------------------
@dataclass(frozen=True)
class Region:
    """The polygon the inputs give (EPSG:4326; an empty MultiPolygon when nothing) and French notes."""

    polygon: BaseGeometry
    problems: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.polygon is None or self.polygon.is_empty


def lasso_shape(lasso: Lasso) -> BaseGeometry:
    """A drawn lasso as a valid polygon (:func:`~dashboard.canvass.selection.lasso_polygon`; raises LassoError)."""
    return lasso_polygon([list(point) for point in lasso.coords])


def build_region(additions: Sequence[BaseGeometry | None], lassos: Sequence[Lasso]) -> Region:
    """The additions united, then each lasso added or cut out in drawing order (see the module doc).

    A lasso that encloses no surface is skipped with a French note; a missing or empty
    addition adds nothing.
    """
    area: BaseGeometry = EMPTY_POLYGON
    for shape in additions:
        if shape is not None and not shape.is_empty:
            area = combine(area, shape, "add")
    problems: list[str] = []
    for number, lasso in enumerate(lassos, start=1):
        try:
            shape = lasso_shape(lasso)
        except LassoError as error:
            problems.append(f"Lasso n° {number} ignoré : {error.message_fr}")
            continue
        area = combine(area, shape, lasso.op)
    return Region(polygonal(area), tuple(problems))


def toggle_stations(polygon: BaseGeometry, included: Iterable[str], clicked: Sequence[str],
                    contours: Mapping[str, BaseGeometry]) -> tuple[BaseGeometry, list[str], list[str]]:
    """The polygon with each clicked station toggled: cut out when ``included``, added otherwise.

    Returns the polygon, the stations removed and the stations added (stations without a
    known contour are left alone).
    """
    inside = set(included)
    area = polygon if polygon is not None else EMPTY_POLYGON
    removed: list[str] = []
    added: list[str] = []
    for station in clicked:
        contour = contours.get(station)
        if contour is None or contour.is_empty:
            continue
        if station in inside:
            area = combine(area, contour, "subtract")
            removed.append(station)
        else:
            area = combine(area, contour, "add")
            added.append(station)
    return polygonal(area), removed, added


def union_of(shapes: Iterable[BaseGeometry | None]) -> BaseGeometry:
    """The valid union of the non-empty shapes (an empty MultiPolygon when none)."""
    parts = [polygonal(shapely.make_valid(s)) for s in shapes if s is not None and not s.is_empty]
    parts = [p for p in parts if not p.is_empty]
    if not parts:
        return EMPTY_POLYGON
    return polygonal(shapely.union_all(parts))


@dataclass(frozen=True)
class Overlap:
    """A saved zone that a new selection overlaps: its name, who holds it and the shared share of the selection."""

    name: str
    holders: tuple[str, ...]
    share: float

    @property
    def message_fr(self) -> str:
        who = ", ".join(self.holders)
        return (f"Cette sélection recouvre la zone « {self.name} », déjà confiée à {who} "
                f"({fmt_percent(self.share, 0)} de la sélection) : deux équipes risquent de frapper aux mêmes portes.")


MIN_OVERLAP_SHARE = 0.005  # under half a percent of the selection: a shared border, not an overlap


def assigned_overlaps(selection: BaseGeometry, zones: Sequence[tuple[str, BaseGeometry, Sequence[str]]], *,
                      min_share: float = MIN_OVERLAP_SHARE) -> list[Overlap]:
    """The saved zones held by someone (``holders``: assignees of the zone or of its turfs) that the ``selection``
    overlaps by at least ``min_share`` of its area (the smaller of the two areas, so a small zone inside a large
    selection counts), largest overlap first."""
    if selection is None or selection.is_empty or selection.area <= 0:
        return []
    found = []
    for name, shape, holders in zones:
        if not holders or shape is None or shape.is_empty:
            continue
        shared = shapely.intersection(selection, shape).area
        base = min(selection.area, shape.area) or selection.area
        if shared / base >= min_share:
            found.append(Overlap(name, tuple(dict.fromkeys(holders)), shared / selection.area))
    return sorted(found, key=lambda o: (-o.share, o.name))


# -- counts ---------------------------------------------------------------------------------
def store_counts(counts: SelectionCounts, *, election_id: str | None, score_column: str | None = None,
                 target_label: str | None = None) -> dict[str, object]:
    """The selection's counts as the campaign store keeps them (``dashboard.store.zones.ZoneCounts`` fields).

    ``addresses``: distinct address points; ``score_sum``: the share-weighted sum of
    ``score_column`` (when scores were given); ``target``: what the scores were computed for.
    """
    score_sum = counts.score_sums.get(score_column) if score_column else None
    return {
        "registered": None if counts.registered is None else int(round(counts.registered)),
        "addresses": int(counts.address_points),
        "doors": int(counts.doors),
        "score_sum": None if score_sum is None or not np.isfinite(score_sum) else float(score_sum),
        "expected_net_votes": (None if counts.expected_net_votes is None or not np.isfinite(counts.expected_net_votes)
                               else float(counts.expected_net_votes)),
        "election_id": election_id,
        "target": target_label if score_sum is not None else None,
    }


def counts_lines(counts: SelectionCounts, *, score_column: str | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs of the selection's counts, in French formats, for the page (``score_column``: the
    score summed over the stations, weighted by their share in the zone, when scores are known)."""
    rows = [
        ("Bureaux retenus", fmt_number(counts.stations_included)),
        ("Bureaux touchés", fmt_number(counts.stations_touched)),
        ("Adresses", fmt_number(counts.address_points)),
        ("Inscrits estimés", fmt_number(counts.registered)),
        ("Portes estimées", fmt_number(counts.doors)),
    ]
    if score_column is not None:
        rows.append(("Somme des scores", fmt_number(counts.score_sums.get(score_column), 1)))
        rows.append(("Votes nets attendus", fmt_number(counts.expected_net_votes, 2)))
    return rows


# -- warehouse reads for turfs and walk lists ----------------------------------------------
def addresses_by_id(wh: Warehouse, address_ids: Sequence[str]) -> pd.DataFrame:
    """The address rows (columns :data:`~dashboard.canvass.sources.ADDRESS_COLUMNS`) of the given ids, by id."""
    ids = sorted({str(a) for a in address_ids})
    if not ids:
        return sources.empty_addresses()
    columns = ", ".join(sources.ADDRESS_COLUMNS[:-1])  # fixed names
    frame = wh.query(
        f"SELECT {columns}, coalesce(n_addresses, 1)::INTEGER AS n_addresses FROM address "
        "WHERE address_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY address_id",
        [ids],
    )
    frame = frame.reset_index(drop=True)
    if len(frame):
        frame["lon"] = frame["lon"].astype(float)
        frame["lat"] = frame["lat"].astype(float)
    return frame


def addresses_with_doors(wh: Warehouse, address_ids: Sequence[str], election_id: str | None) -> pd.DataFrame:
    """The zone's address rows with their estimated ``electors`` and ``doors`` (as the zone's counts estimate them):
    each station's registered electors of ``election_id`` spread over all its REU address lines."""
    rows = addresses_by_id(wh, address_ids)
    if not len(rows):
        return rows.assign(electors=pd.Series(dtype=float), doors=pd.Series(dtype=np.int64))
    stations = sorted(rows["station_id"].dropna().astype(str).unique())
    totals = sources.address_totals(wh, stations)
    lines = pd.Series(totals["address_lines"].to_numpy(dtype=float), index=totals["station_id"].astype(str).to_numpy())
    registered = sources.registered_by_station(wh, election_id, stations) if election_id else None
    return with_estimates(rows, lines, registered)


def walk_of_turf(rows: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """The walk list of a stored turf: :func:`~dashboard.canvass.walklist.order_walk`'s rows, in the
    stored walking ``order`` (address ids; a point comes where its first id is), renumbered 1…"""
    walk = order_walk(rows)
    if not len(walk) or not order:
        return walk
    position = {a: i for i, a in enumerate(order)}
    first = [min((position.get(a, len(position)) for a in str(ids).split()), default=len(position))
             for ids in walk["address_ids"]]
    walk = walk.assign(_pos=first).sort_values(["_pos", "order"], kind="stable").drop(columns="_pos").reset_index(drop=True)
    walk["order"] = np.arange(1, len(walk) + 1, dtype=np.int64)
    return walk


# -- a turf plan in session state ----------------------------------------------------------------
def plan_to_state(plan: TurfPlan) -> dict[str, object]:
    """The plan as builtins only (session state must pickle even after Streamlit reloads a changed module)."""
    return {
        "target_doors": int(plan.target_doors), "tolerance": float(plan.tolerance), "streets_split": int(plan.streets_split),
        "notes": list(plan.notes_fr),
        "turfs": [{"number": int(t.number), "name": t.name, "address_ids": list(t.address_ids), "doors": int(t.doors),
                   "oversized": bool(t.oversized), "wkb": None if t.geometry is None else shapely.to_wkb(t.geometry)}
                  for t in plan.turfs],
    }


def plan_from_state(state: Mapping[str, object]) -> TurfPlan:
    """The :class:`TurfPlan` of :func:`plan_to_state`."""
    turfs = tuple(
        Turf(int(t["number"]), tuple(t["address_ids"]), int(t["doors"]),
             shapely.from_wkb(t["wkb"]) if t.get("wkb") else None, name=str(t.get("name") or ""),
             oversized=bool(t.get("oversized")))
        for t in state["turfs"]  # type: ignore[union-attr]
    )
    return TurfPlan(turfs, int(state["target_doors"]), float(state["tolerance"]),  # type: ignore[arg-type]
                    int(state["streets_split"]), tuple(state["notes"]))  # type: ignore[arg-type]


# -- map layers -----------------------------------------------------------------------------
def _polygon_layer(layer_id: str, polygons: list[object], quantizer: Quantizer, *, fill: Sequence[Sequence[int]] | None,
                   line: Sequence[Sequence[int]], width_px: float) -> pdk.Layer:
    """Encoded polygons with a per-record fill (RGBA) and line colour; not pickable."""
    records = [{"p": p, "f": list(fill[k]) if fill is not None else [0, 0, 0, 0], "l": list(line[k])}
               for k, p in enumerate(polygons)]
    return pdk.Layer(
        "PolygonLayer", data=records, id=layer_id, get_polygon="p", filled=fill is not None, stroked=True,
        get_fill_color="f", get_line_color="l", get_line_width=float(width_px), line_width_units=String("pixels"),
        pickable=False, **position_props(quantizer),
    )


def _records_of(spec: MapSpec, keys: Iterable[str]) -> list[object]:
    """The encoded polygons of the base layer's records whose ``i`` is in ``keys``."""
    wanted = set(keys)
    base = next((layer for layer in spec.deck.layers if getattr(layer, "id", None) == spec.layer_id), None)
    if base is None or not wanted:
        return []
    return [record["p"] for record in base.data if record.get("i") in wanted]


def label_point(shape: BaseGeometry) -> tuple[float, float] | None:
    """A point inside the shape's largest part (where its label goes), or None."""
    if shape is None or shape.is_empty:
        return None
    parts = list(shapely.get_parts(shape))
    biggest = max(parts, key=lambda p: p.area) if parts else shape
    point = shapely.point_on_surface(biggest)
    return float(point.x), float(point.y)


def add_overlays(spec: MapSpec, *, zones: Sequence[tuple[str, BaseGeometry, int]] = (), included: Iterable[str] = (),
                 region: BaseGeometry | None = None, turfs: Sequence[BaseGeometry] = ()) -> MapSpec:
    """``spec`` with the zones (fill, outline, name), the selection and the turfs drawn over its stations.

    ``zones``: (name, contour, colour key — the zone id: a zone keeps its colour) of each saved zone;
    ``included``: the station ids the
    selection includes (their polygons are taken from the base layer, already encoded);
    ``region``: the selection's polygon; ``turfs``: contours of the chosen zone's turfs.
    """
    quantizer = spec.extra.get("quantizer")
    if not isinstance(quantizer, Quantizer):
        return spec
    layers = spec.deck.layers
    shapes = [shape for _, shape, _ in zones]
    keys = [int(key) for _, _, key in zones]
    polygons, rows = encode_polygons(shapes, quantizer) if shapes else ([], np.empty(0, dtype=np.int64))
    if polygons:
        colors = [ZONE_COLORS[keys[int(r)] % len(ZONE_COLORS)] for r in rows]
        layers.append(_polygon_layer(ZONES_FILL_ID, polygons, quantizer, fill=[(*c, ZONE_FILL_ALPHA) for c in colors],
                                     line=[(*c, 255) for c in colors], width_px=2.5))
    if turfs:
        turf_polygons, _ = encode_polygons(list(turfs), quantizer)
        if turf_polygons:
            layers.append(_polygon_layer(TURFS_LINE_ID, turf_polygons, quantizer, fill=None,
                                         line=[(*TURF_LINE_COLOR, 230)] * len(turf_polygons), width_px=1.2))
    chosen = _records_of(spec, included)
    if chosen:
        layers.append(_polygon_layer(INCLUDED_ID, chosen, quantizer, fill=None,
                                     line=[(*INCLUDED_COLOR, 255)] * len(chosen), width_px=3.0))
    if region is not None and not region.is_empty:
        region_polygons, _ = encode_polygons([region], quantizer)
        if region_polygons:
            layers.append(_polygon_layer(REGION_ID, region_polygons, quantizer, fill=[(*REGION_COLOR, 35)] * len(region_polygons),
                                         line=[(*REGION_COLOR, 255)] * len(region_polygons), width_px=2.0))
    named = [(name, label_point(shape), float(shape.area)) for name, shape, _ in zones]
    named = [(name, point, area) for name, point, area in named if point is not None]
    if named:
        zoom = float(getattr(spec.deck.initial_view_state, "zoom", 12) or 12)
        layers.append(placed_labels(ZONES_LABEL_ID, [p for _, p, _ in named], [n for n, _, _ in named],
                                    [a for _, _, a in named], quantizer, zoom=zoom, size_px=ZONE_LABEL_PX,
                                    max_labels=MAX_ZONE_LABELS, bold=True))
    return spec


def placed_labels(layer_id: str, points: Sequence[tuple[float, float]], texts: Sequence[str], areas: Sequence[float],
                  quantizer: Quantizer, *, zoom: float, size_px: float, max_labels: int | None = None,
                  bold: bool = False) -> pdk.Layer:
    """A text layer of the labels that fit without overlap at ``zoom`` (largest shapes first; the others are
    named by the tooltip on hover), in a sans-serif font with a white halo."""
    placed = place_labels(points, texts, zoom=zoom, size_px=size_px, priority=areas, max_labels=max_labels)
    return labels_layer(layer_id, [points[p.index] for p in placed], [texts[p.index] for p in placed], quantizer,
                        size_px=size_px, offsets=[(p.dx, p.dy) for p in placed], font_family=LABEL_FONT,
                        font_weight="bold" if bold else None)


def neighbour_colours(shapes: Sequence[BaseGeometry], n_colours: int) -> list[int]:
    """A colour index per shape such that shapes that touch get different colours where ``n_colours`` allow
    (greedy, most-connected first; deterministic)."""
    n = len(shapes)
    if n == 0:
        return []
    tree = shapely.STRtree(list(shapes))
    left, right = tree.query(list(shapes), predicate="intersects")
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a != b:
            neighbours[a].add(b)
            neighbours[b].add(a)
    colour = [-1] * n
    for i in sorted(range(n), key=lambda k: (-len(neighbours[k]), k)):
        used = {colour[j] for j in neighbours[i] if colour[j] >= 0}
        free = [c for c in range(n_colours) if c not in used]
        colour[i] = free[0] if free else i % n_colours
    return colour


@dataclass(frozen=True)
class TurfShape:
    """One turf as the preview map draws it."""

    number: int
    name: str
    doors: int
    addresses: int
    geometry: BaseGeometry | None


def turf_shapes(plan: TurfPlan) -> list[TurfShape]:
    return [TurfShape(t.number, t.label, t.doors, len(t.address_ids), t.geometry) for t in plan.turfs]


def turf_deck(turfs: Sequence[TurfShape], zone: BaseGeometry | None = None, *, points: pd.DataFrame | None = None,
              width_px: int = 700, height_px: int = 520, streets: Sequence[StreetLine] = (),
              route: Sequence[tuple[float, float]] = ()) -> pdk.Deck | None:
    """A map of one zone's turfs (no basemap): each turf filled in its colour, numbered, with its tooltip;
    the zone's contour; the streets drawn from the addresses and their names (``streets``:
    ``dashboard.canvass.streets.street_lines``); the address points (``points``: ``lon``, ``lat``) as dots; the
    walk route of one turf along its streets (``route``: ``streets.route_path``, lon/lat).
    None when nothing has a geometry."""
    drawn = [t for t in turfs if t.geometry is not None and not t.geometry.is_empty]
    outline = zone if zone is not None and not zone.is_empty else None
    shapes = [t.geometry for t in drawn] + ([outline] if outline is not None else [])
    if not shapes:
        return None
    bounds = tuple(float(v) for v in shapely.total_bounds(np.asarray(shapes, dtype=object)))
    view = fit_view(bounds, width_px=width_px, height_px=height_px)  # type: ignore[arg-type]
    quantizer = quantizer_for(bounds, float(view.zoom) + 1.0, pixel_fraction=1.0)  # type: ignore[arg-type]
    colors = [TURF_COLORS[c] for c in neighbour_colours([t.geometry for t in drawn], len(TURF_COLORS))]
    layers: list[pdk.Layer] = []
    if drawn:
        layers.append(choropleth_layer(
            TURF_LAYER_ID, [t.geometry for t in drawn], colors, [t.name for t in drawn], [str(t.number) for t in drawn],
            [f"{fmt_number(t.doors)} portes · {fmt_number(t.addresses)} adresses" for t in drawn], quantizer,
            opacity=0.8, line_color=(40, 40, 40), line_width_px=1.5,
        ))
    if outline is not None:
        zone_polygons, _ = encode_polygons([outline], quantizer)
        if zone_polygons:
            layers.append(_polygon_layer(ZONE_OUTLINE_ID, zone_polygons, quantizer, fill=None,
                                         line=[(20, 20, 20, 255)] * len(zone_polygons), width_px=2.5))
    layers += street_layers(list(streets), zoom=float(view.zoom))
    if points is not None and len(points):
        ok = np.isfinite(points["lon"].to_numpy(dtype=float)) & np.isfinite(points["lat"].to_numpy(dtype=float))
        pts = points.loc[ok]
        x, y = quantizer.encode(pts["lon"].to_numpy(dtype=float), pts["lat"].to_numpy(dtype=float))
        layers.append(pdk.Layer(
            "ScatterplotLayer", data=[{"p": [a, b]} for a, b in zip(x.tolist(), y.tolist(), strict=True)],
            id=TURF_POINTS_ID, get_position="p", get_radius=2.5, radius_units=String("pixels"),
            get_fill_color=[40, 40, 40, 200], pickable=False, **position_props(quantizer),
        ))
    if len(route) > 1:
        rx, ry = quantizer.encode(np.array([p[0] for p in route]), np.array([p[1] for p in route]))
        layers.append(pdk.Layer(
            "PathLayer", data=[{"path": [[a, b] for a, b in zip(rx.tolist(), ry.tolist(), strict=True)]}], id=ROUTE_ID,
            get_path="path", get_color=[31, 78, 121, 220], width_units=String("pixels"), get_width=2.5, pickable=False,
            **position_props(quantizer),
        ))
    labelled = [(t, label_point(t.geometry)) for t in drawn]
    labelled = [(t, p) for t, p in labelled if p is not None]
    if labelled:  # numbers that would overlap are left out: the tooltip names every turf on hover
        layers.append(placed_labels(TURF_LABELS_ID, [p for _, p in labelled], [str(t.number) for t, _ in labelled],
                                    [float(t.geometry.area) for t, _ in labelled], quantizer, zoom=float(view.zoom),
                                    size_px=TURF_LABEL_PX, bold=True))
    return deck(layers, view, map_style=None, tooltip=tooltip("Secteur"), height=height_px)


# -- tables ---------------------------------------------------------------------------------
def _date(value: date | datetime | None, with_time: bool = False) -> str:
    """A date ``dd/mm/yyyy``; with ``with_time``, a stored (naive UTC) timestamp in Paris time."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if with_time and isinstance(value, datetime):
        aware = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
        return aware.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def zones_frame(zones: Sequence[object], turf_counts: Mapping[int, int] | None = None) -> pd.DataFrame:
    """The zones list (``dashboard.store.zones.Zone`` objects), French headers and formats."""
    turf_counts = turf_counts or {}
    rows = []
    for z in zones:
        counts = getattr(z, "counts", None)
        rows.append({
            "zone": z.name,
            "statut": z.status_label,
            "bureaux": fmt_number(len(z.station_ids)),
            "adresses": fmt_number(z.address_count),
            "portes": fmt_number(counts.doors if counts is not None else None),
            "inscrits": fmt_number(counts.registered if counts is not None else None),
            "secteurs": fmt_number(turf_counts.get(z.zone_id, 0)),
            "propriétaire": z.owner or "—",
            "modifiée le": _date(z.updated_at, with_time=True),
        })
    return pd.DataFrame(rows, columns=["zone", "statut", "bureaux", "adresses", "portes", "inscrits", "secteurs",
                                       "propriétaire", "modifiée le"])


def versions_frame(versions: Sequence[object], op_labels: Mapping[str, str], status_labels: Mapping[str, str]) -> pd.DataFrame:
    """A zone's history (``ZoneVersion`` objects, newest first), French headers and formats."""
    return pd.DataFrame([{
        "version": int(v.version),
        "changement": op_labels.get(v.op, v.op) + (f" (de la version {v.restored_from})" if v.restored_from else ""),
        "nom": v.name,
        "statut": status_labels.get(v.status, v.status),
        "bureaux": fmt_number(len(v.station_ids)),
        "adresses": fmt_number(len(v.address_ids)),
        "portes": fmt_number(v.counts.doors if v.counts is not None else None),
        "par": v.created_by,
        "le": _date(v.created_at, with_time=True),
    } for v in versions], columns=["version", "changement", "nom", "statut", "bureaux", "adresses", "portes", "par", "le"])


def plan_frame(plan: TurfPlan) -> pd.DataFrame:
    """The preview's sizes: one row per turf, its doors and gap to the requested size."""
    target = plan.target_doors
    return pd.DataFrame([{
        "secteur": t.number,
        "nom": t.label,
        "portes": int(t.doors),
        "adresses": len(t.address_ids),
        "écart": fmt_percent((t.doors - target) / target if target else None, 0),
        "remarque": "grand immeuble seul" if t.oversized else ("" if plan.within_tolerance(t) else "hors tolérance"),
    } for t in plan.turfs], columns=["secteur", "nom", "portes", "adresses", "écart", "remarque"])


def progress_frame(progress: Sequence[object]) -> pd.DataFrame:
    """Doors done / total per turf (``TurfProgress`` objects), with assignees, due date and lateness."""
    return pd.DataFrame([{
        "secteur": p.number,
        "nom": p.name,
        "portes faites": f"{fmt_number(p.doors_done)} / {fmt_number(p.doors)}",
        "avancement": fmt_percent(p.share, 0),
        "affecté à": ", ".join(p.assigned_to) or "—",
        "échéance": _date(p.due_date),
        "en retard": "oui" if p.overdue else "",
    } for p in progress], columns=["secteur", "nom", "portes faites", "avancement", "affecté à", "échéance", "en retard"])


def walk_frame(walk: pd.DataFrame) -> pd.DataFrame:
    """The walk list for the screen: order, street, number, side, doors (no outcome columns)."""
    return pd.DataFrame({
        "n°": walk["order"].astype(int).to_numpy(),
        "voie": walk["street"].to_numpy(),
        "numéro": [n if isinstance(n, str) and n else "s/n" for n in walk["number"]],
        "côté": walk["side"].to_numpy(),
        "portes": walk["doors"].astype(int).to_numpy(),
        "bureau": walk["station_ids"].to_numpy(),
    })
