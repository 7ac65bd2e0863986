"""The live coverage map of the field team: turfs coloured by progress, address points knocked or never knocked.

Pure builders (no store, no Streamlit): the Zones page (``dashboard/ui/field_team.py``) reads the counts from the
store (``store.visits.coverage``: distinct doors knocked and opened per turf and address) and draws what
:func:`coverage_deck` returns.

- **Turfs** are filled by the share of their doors knocked (:data:`CLASSES`: none, under a quarter, … done;
  a green ramp, light to dark, colour-blind friendly), doors being the turf's estimate (or the doors
  knocked, when more);
- **address points** are drawn in three states (:data:`POINT_STATES`): never knocked (grey), knocked without
  an answer (blue), at least one door opened (green). No other outcome is shown (a refusal or an opt-out at one
  address is the canvasser's and the admin's to see, not the map's).

Tooltips are record placeholders only (Streamlit escapes the values): turf name and its counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from pydeck.types import String

from dashboard.formats import fmt_number, fmt_percent
from layers.colors import RGB, hex_to_rgb
from layers.legend import Legend, categorical_legend
from layers.view import deck, fit_view

# (upper bound of the share of doors knocked, French label, colour); the last class is "done"
CLASSES: tuple[tuple[float, str, RGB], ...] = (
    (0.0, "aucune porte frappée", (224, 224, 224)),
    (0.25, "moins d'un quart", hex_to_rgb("#c7e9c0")),
    (0.5, "d'un quart à la moitié", hex_to_rgb("#a1d99b")),
    (0.75, "de la moitié aux trois quarts", hex_to_rgb("#74c476")),
    (0.999999, "plus des trois quarts", hex_to_rgb("#31a354")),
    (float("inf"), "terminé", hex_to_rgb("#006d2c")),
)
POINT_STATES: dict[str, tuple[str, RGB]] = {
    "never": ("jamais frappée", (150, 150, 150)),
    "knocked": ("frappée, sans réponse", (33, 113, 181)),
    "opened": ("porte ouverte", (0, 109, 44)),
}
TURF_LAYER = "couverture_secteurs"
POINT_LAYER = "couverture_adresses"
FILL_ALPHA = 150
TOOLTIP = {
    "html": "<b>{t}</b><br/>{d}",
    "style": {"backgroundColor": "rgba(255, 255, 255, 0.95)", "color": "#222", "fontSize": "0.85rem", "padding": "6px 8px"},
}
_PIXELS = String("pixels")


@dataclass(frozen=True)
class TurfCoverage:
    """One turf on the coverage map: its outline, its doors, and the distinct doors knocked and opened."""

    turf_id: int
    label: str
    geometry_wkb: bytes | None
    doors: int
    knocked: int
    opened: int

    @property
    def share(self) -> float:
        return 1.0 if self.doors <= 0 else self.knocked / self.doors


def coverage_class(knocked: int, doors: int) -> int:
    """The index in :data:`CLASSES` of a turf with ``knocked`` of ``doors`` doors knocked."""
    if knocked <= 0:
        return 0
    share = 1.0 if doors <= 0 else knocked / doors
    return next(i for i, (upper, _, _) in enumerate(CLASSES) if i > 0 and share <= upper)


def turf_coverage(turfs: Sequence[object], counts: pd.DataFrame) -> list[TurfCoverage]:
    """The coverage of ``turfs`` (``store.turfs.Turf``: ``turf_id``, ``name``, ``zone_name``, ``doors``,
    ``geometry_wkb``) from ``counts`` (``store.visits.coverage``: per turf and address, doors knocked and opened)."""
    per_turf = counts.groupby("turf_id")[["doors", "opened"]].sum() if len(counts) else None
    out = []
    for turf in turfs:
        tid = int(turf.turf_id)  # type: ignore[attr-defined]
        knocked = int(per_turf.loc[tid, "doors"]) if per_turf is not None and tid in per_turf.index else 0
        opened = int(per_turf.loc[tid, "opened"]) if per_turf is not None and tid in per_turf.index else 0
        out.append(TurfCoverage(tid, f"{turf.name} — {turf.zone_name}", turf.geometry_wkb,  # type: ignore[attr-defined]
                                max(int(turf.doors), knocked), knocked, opened))  # type: ignore[attr-defined]
    return out


def point_states(addresses: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """``addresses`` (``address_id``, ``lon``, ``lat``) with ``state``: ``never``, ``knocked`` or ``opened``
    (:data:`POINT_STATES`) from ``counts`` (``store.visits.coverage``)."""
    knocked = set(counts["address_id"].astype(str)) if len(counts) else set()
    opened = set(counts.loc[counts["opened"] > 0, "address_id"].astype(str)) if len(counts) else set()
    ids = addresses["address_id"].astype(str)
    state = np.where(ids.isin(opened), "opened", np.where(ids.isin(knocked), "knocked", "never"))
    return addresses.assign(state=state)


def _polygons(geometry_wkb: bytes | None) -> list[list[list[list[float]]]]:
    if geometry_wkb is None:
        return []
    try:
        geometry = shapely.from_wkb(geometry_wkb)
    except Exception:  # noqa: BLE001 - unreadable geometry: not drawn
        return []
    return [[np.round(np.asarray(r.coords)[:, :2], 6).tolist() for r in (p.exterior, *p.interiors)]
            for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and not p.is_empty]


@dataclass(frozen=True)
class CoverageMap:
    deck: pdk.Deck
    legend: Legend


def coverage_deck(turfs: Sequence[TurfCoverage], points: pd.DataFrame, *, map_style: str | None = None,
                  height: int = 520, width: int = 760) -> CoverageMap | None:
    """The coverage map: ``turfs`` filled by progress class, ``points`` (:func:`point_states`) by state; None when
    there is nothing to draw. Records hold only ``t`` (title), ``d`` (detail), ``k`` (turf id) and the position."""
    records, class_counts = [], [0] * len(CLASSES)
    xs: list[float] = []
    ys: list[float] = []
    for turf in turfs:
        index = coverage_class(turf.knocked, turf.doors)
        detail = (f"{fmt_number(turf.knocked)} / {fmt_number(turf.doors)} portes frappées "
                  f"({fmt_percent(min(turf.share, 1.0), 0)}), {fmt_number(turf.opened)} ouvertes")
        polygons = _polygons(turf.geometry_wkb)
        if polygons:
            class_counts[index] += 1
        for rings in polygons:
            outer = np.asarray(rings[0])
            xs += [float(outer[:, 0].min()), float(outer[:, 0].max())]
            ys += [float(outer[:, 1].min()), float(outer[:, 1].max())]
            records.append({"p": rings, "k": turf.turf_id, "t": turf.label, "d": detail,
                            "c": [*CLASSES[index][2], FILL_ALPHA]})
    dots = []
    state_counts = dict.fromkeys(POINT_STATES, 0)
    for row in points.itertuples(index=False):
        if not (np.isfinite(row.lon) and np.isfinite(row.lat)):
            continue
        label, color = POINT_STATES[row.state]
        state_counts[row.state] += 1
        dots.append({"p": [round(float(row.lon), 6), round(float(row.lat), 6)], "t": label, "d": "", "c": list(color)})
        xs.append(float(row.lon))
        ys.append(float(row.lat))
    if not xs:
        return None
    layers = [pdk.Layer("PolygonLayer", data=records, id=TURF_LAYER, get_polygon="p", get_fill_color="c",
                        get_line_color=[60, 60, 60, 220], line_width_units=_PIXELS, get_line_width=1, stroked=True,
                        filled=True, pickable=True, auto_highlight=True)]
    if dots:
        layers.append(pdk.Layer("ScatterplotLayer", data=dots, id=POINT_LAYER, get_position="p", get_fill_color="c",
                                get_line_color=[255, 255, 255], stroked=True, line_width_units=_PIXELS,
                                get_line_width=1, radius_units=_PIXELS, get_radius=5, pickable=True))
    view = fit_view((min(xs), min(ys), max(xs), max(ys)), width_px=width, height_px=height, padding=0.08)
    entries = [(label, color, n) for (_, label, color), n in zip(CLASSES, class_counts) if n]
    entries += [(f"adresse : {label}", color, state_counts[s]) for s, (label, color) in POINT_STATES.items()
                if state_counts[s]]
    legend = categorical_legend("Couverture (portes frappées)", entries,
                                note="Secteurs : part de leurs portes estimées déjà frappées (au moins les portes frappées).")
    return CoverageMap(deck(layers, view, map_style=map_style, tooltip=TOOLTIP, height=height), legend)
