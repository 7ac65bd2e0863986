"""The Cibles map: a target score per polling station, the top N outlined and numbered.

Pure functions (no Streamlit). The score table (:class:`dashboard.targeting.scores.ScoreTable`)
becomes a :class:`~dashboard.maps.measure_types.MeasureResult`, drawn by the same pipeline as every
other map (:func:`dashboard.maps.build.build_map`: classes, colours, legend, quantised
geometry); the top N stations get a dark outline and their rank as a label at their
centroid.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from dashboard.targeting.scores import DECIMALS, SCORES, ScoreTable, top_targets
from dashboard.formats import fmt_number
from dashboard.maps.build import MapSources, MapSpec, build_map
from dashboard.maps.view import MapView
from dashboard.maps.measure_types import MeasureResult
from dashboard.maps.territory import Scope
from dashboard.warehouse.database import Warehouse
from layers.choropleth import labels_layer, outline_layer

__all__ = ["SCORE_CHOICES", "score_result", "target_map", "station_centroids"]

# the score columns the map can show: the three scores and the combined priority
SCORE_CHOICES: dict[str, str] = {"priority": "Priorité combinée", **SCORES}
TOP_LAYER_ID = "cibles-top"
LABELS_LAYER_ID = "cibles-rangs"


def score_result(table: ScoreTable, score: str) -> MeasureResult:
    """The score as a map measure: one row per station, the value formatted in French."""
    if score not in SCORE_CHOICES:
        raise ValueError(f"unknown score: {score!r}")
    frame = table.frame
    values = frame[score].astype(float)
    decimals = DECIMALS.get(score, 1)
    text = [
        f"{SCORE_CHOICES[score].lower()} {fmt_number(v, decimals)} — rang {int(r)}" if np.isfinite(v) else ""
        for v, r in zip(values, frame["rank"].astype(float).fillna(0))
    ]
    out = pd.DataFrame({
        "station_id": frame["station_id"].astype(str),
        "set_id": frame["set_id"].astype(str),
        "commune_code": frame["commune_code"].astype(str),
        "bv_code": frame["bv_code"].astype(str),
        "name": frame["name"].astype(str),
        "value": values.to_numpy(),
        "text": text,
        "category": None,
    })
    title = f"{SCORE_CHOICES[score]} — {table.target_label} — {table.election_label}"
    return MeasureResult(out, title, unit="score", notes=list(table.notes))


def station_centroids(wh: Warehouse, frame: pd.DataFrame) -> pd.DataFrame:
    """centroid_lon, centroid_lat of the (station_id, set_id) pairs of ``frame`` (bound parameters)."""
    if frame.empty:
        return pd.DataFrame(columns=["station_id", "set_id", "centroid_lon", "centroid_lat"])
    return wh.query(
        """SELECT station_id, set_id, centroid_lon, centroid_lat FROM station
           WHERE list_contains(?::VARCHAR[], station_id) AND list_contains(?::VARCHAR[], set_id)""",
        [sorted(set(frame["station_id"].astype(str))), sorted(set(frame["set_id"].astype(str)))],
    )


def target_map(
    table: ScoreTable, score: str, scope: Scope, sources: MapSources, centroids: pd.DataFrame, *,
    top_n: int = 10, method: str = "quantiles", classes: int = 5, width_px: int = 700, height_px: int = 620,
    map_style: str | None = None,
) -> tuple[MapSpec, pd.DataFrame]:
    """The score map and the top ``top_n`` stations (by ``score``; rank 1 first).

    ``sources`` gives the geometry (the UI passes its cached sources; the measure and the
    scope are replaced by the score table's); ``centroids`` come from :func:`station_centroids`.
    """
    result = score_result(table, score)
    view = MapView(election_id=table.election_id, kind="share", method=method, classes=classes,
                   title=result.title)
    own = replace(sources, measure=lambda _view, _scope: result, scope=lambda _view: scope)
    spec = build_map(view, own, width_px=width_px, height_px=height_px, map_style=map_style)
    top = top_targets(table, top_n, by=score)
    quantizer = spec.extra.get("quantizer")
    if top.empty or quantizer is None:
        return spec, top
    chosen = set(top["station_id"].astype(str))
    base = next(layer for layer in spec.deck.layers if getattr(layer, "id", None) == spec.layer_id)
    polygons = [record["p"] for record in base.data if record.get("i") in chosen]
    if polygons:
        spec.deck.layers.append(outline_layer(TOP_LAYER_ID, polygons, quantizer, color=(15, 15, 15), width_px=3))
    located = top.merge(centroids, on=["station_id", "set_id"], how="left")
    points = list(zip(located["centroid_lon"].astype(float), located["centroid_lat"].astype(float)))
    spec.deck.layers.append(labels_layer(LABELS_LAYER_ID, points, [str(int(p)) for p in located["position"]],
                                         quantizer, size_px=15))
    spec.notes.append(f"Contour noir et numéro : les {len(top)} premiers bureaux selon « {SCORE_CHOICES[score]} ».")
    return spec, top
