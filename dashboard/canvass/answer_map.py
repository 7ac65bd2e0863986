"""Questionnaire results as a map measure: the share of one answer per polling station or turf, with its counts.

Pure builders (no store, no Streamlit): the Zones page (``dashboard/ui/questionnaire_panel.py``) reads the
aggregates from the store (``store.questionnaires.results``: per station or turf, question and choice, the count,
the doors that answered the question and the share) and the outlines (stations from the warehouse, turfs from
the store), then draws what :func:`answer_map` returns beside its legend.

- Each area is filled by the share of the doors that answered the question and gave this answer, in fixed
  classes of 20 points (:data:`CLASSES`, a blue ramp, light to dark), so two maps read the same way;
- **small counts are shown honestly**: an area where fewer than :data:`FEW_ANSWERS` doors answered keeps its
  class but is drawn pale with a dashed-looking grey outline, its tooltip says « peu de réponses », and the
  legend counts such areas; an area with no answer is grey (« aucune réponse »);
- the tooltip gives the share **and** the count (« oui : 12 sur 30 réponses (40 %) »). Records carry only the
  area's title, that detail and its key: no visit, no address, no canvasser, no free text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from pydeck.types import String
from shapely.geometry.base import BaseGeometry

from dashboard.formats import fmt_number, fmt_percent
from layers.colors import NO_DATA, RGB, hex_to_rgb, lighten
from layers.legend import Legend, categorical_legend
from layers.view import deck, fit_view

# (upper bound of the share, French label, colour): fixed classes, so that maps of two answers compare
CLASSES: tuple[tuple[float, str, RGB], ...] = (
    (0.2, "moins de 20 %", hex_to_rgb("#c6dbef")),
    (0.4, "de 20 % à 40 %", hex_to_rgb("#9ecae1")),
    (0.6, "de 40 % à 60 %", hex_to_rgb("#4292c6")),
    (0.8, "de 60 % à 80 %", hex_to_rgb("#2171b5")),
    (float("inf"), "80 % et plus", hex_to_rgb("#08306b")),
)
FEW_ANSWERS = 5  # under this many doors answering, an area is drawn pale and said « peu de réponses »
LAYER_ID = "reponses"
FILL_ALPHA = 190
FEW_ALPHA = 110
TOOLTIP = {
    "html": "<b>{t}</b><br/>{d}",
    "style": {"backgroundColor": "rgba(255, 255, 255, 0.95)", "color": "#222", "fontSize": "0.85rem", "padding": "6px 8px"},
}


@dataclass(frozen=True)
class Area:
    """One station or turf on the map: the key the results use, its label and its outline (EPSG:4326)."""

    key: str
    label: str
    geometry: BaseGeometry | None


@dataclass(frozen=True)
class AnswerShare:
    """One area's figures for the answer mapped: doors that gave it, doors that answered the question."""

    key: str
    count: int
    answered: int

    @property
    def share(self) -> float:
        return self.count / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class AnswerMap:
    deck: pdk.Deck
    legend: Legend
    shares: tuple[AnswerShare, ...]


def share_class(share: float) -> int:
    """The index in :data:`CLASSES` of a share in [0, 1]."""
    return next(i for i, (upper, _, _) in enumerate(CLASSES) if share < upper or i == len(CLASSES) - 1)


def answer_shares(results: pd.DataFrame, question_key: str, choice: str) -> dict[str, AnswerShare]:
    """Per area key, the count of ``choice`` to ``question_key`` and the doors that answered it, from
    ``store.questionnaires.results`` (an area that answered with other choices only has a count of 0)."""
    one = results.loc[results["question_key"].astype(str) == str(question_key)]
    if one.empty:
        return {}
    answered = one.groupby("group")["answered"].max()
    chosen = one.loc[one["choice"].astype(str) == str(choice)].groupby("group")["count"].sum()
    return {str(g): AnswerShare(str(g), int(chosen.get(g, 0)), int(n)) for g, n in answered.items()}


def detail_text(choice: str, figures: AnswerShare | None) -> str:
    """The tooltip line: « oui : 12 sur 30 réponses (40 %) », « peu de réponses » under :data:`FEW_ANSWERS`."""
    if figures is None or figures.answered == 0:
        return "aucune réponse à cette question"
    text = (f"{choice} : {fmt_number(figures.count)} sur {fmt_number(figures.answered)} "
            f"réponse{'s' if figures.answered > 1 else ''} ({fmt_percent(figures.share, 0)})")
    return text + (" — peu de réponses, à lire avec prudence" if figures.answered < FEW_ANSWERS else "")


def _rings(geometry: BaseGeometry | None) -> list[list[list[list[float]]]]:
    if geometry is None or geometry.is_empty:
        return []
    return [[np.round(np.asarray(r.coords)[:, :2], 6).tolist() for r in (p.exterior, *p.interiors)]
            for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and not p.is_empty]


def answer_map(areas: Sequence[Area], results: pd.DataFrame, *, question_key: str, question: str, choice: str,
               group_fr: str, map_style: str | None = None, height: int = 480, width: int = 700) -> AnswerMap | None:
    """The map of the share of ``choice`` to ``question_key`` per area (``areas``: stations or turfs, named
    ``group_fr`` in the legend); None when no area has an outline."""
    shares = answer_shares(results, question_key, choice)
    records: list[dict[str, object]] = []
    counts = [0] * len(CLASSES)
    few = empty = 0
    xs: list[float] = []
    ys: list[float] = []
    for area in areas:
        rings = _rings(area.geometry)
        if not rings:
            continue
        figures = shares.get(area.key)
        if figures is None or figures.answered == 0:
            color: tuple[int, ...] = (*NO_DATA, FILL_ALPHA)
            empty += 1
        else:
            index = share_class(figures.share)
            counts[index] += 1
            if figures.answered < FEW_ANSWERS:
                few += 1
                color = (*lighten(CLASSES[index][2], 0.45), FEW_ALPHA)
            else:
                color = (*CLASSES[index][2], FILL_ALPHA)
        detail = detail_text(choice, figures)
        for polygon in rings:
            outer = np.asarray(polygon[0])
            xs += [float(outer[:, 0].min()), float(outer[:, 0].max())]
            ys += [float(outer[:, 1].min()), float(outer[:, 1].max())]
            records.append({"p": polygon, "k": area.key, "t": area.label, "d": detail, "c": list(color)})
    if not xs:
        return None
    layer = pdk.Layer("PolygonLayer", data=records, id=LAYER_ID, get_polygon="p", get_fill_color="c",
                      get_line_color=[60, 60, 60, 200], line_width_units=String("pixels"), get_line_width=1,
                      stroked=True, filled=True, pickable=True, auto_highlight=True)
    view = fit_view((min(xs), min(ys), max(xs), max(ys)), width_px=width, height_px=height, padding=0.08)
    entries = [(label, color, n) for (_, label, color), n in zip(CLASSES, counts) if n]
    if few:
        entries.append((f"moins de {FEW_ANSWERS} réponses (couleur pâle)", lighten(CLASSES[2][2], 0.45), few))
    if empty:
        entries.append(("aucune réponse", NO_DATA, empty))
    legend = categorical_legend(
        f"« {choice} » à « {question} »", entries,
        note=f"Par {group_fr} : part des portes ayant répondu à la question qui ont répondu « {choice} ». "
             f"Sous {FEW_ANSWERS} réponses, la part dépend d'une ou deux portes : couleur pâle.")
    return AnswerMap(deck([layer], view, map_style=map_style, tooltip=TOOLTIP, height=height), legend,
                     tuple(shares.values()))
