"""IRIS indicators as a map layer: one value per IRIS of the territory.

Counts can be shown raw, as a share of their base population or per km²; rates
and medians (see :mod:`dashboard.iris_estimates` for the rules) only raw.
"""

from __future__ import annotations

import pandas as pd

from dashboard.formats import fmt_percent
from dashboard.ingest.numbers import format_fr
from dashboard.iris_estimates import base_variable, is_additive
from dashboard.measures import MeasureError, MeasureResult
from dashboard.territory import Scope
from dashboard.warehouse import Warehouse

MODES = {"value": "valeur", "share": "part de sa population de référence", "density": "par km²"}


def catalogue(wh: Warehouse, scope: Scope) -> pd.DataFrame:
    """Indicators available for the IRIS in scope: variable, year, label, theme, iris (count)."""
    return wh.query(
        """SELECT ii.variable, ii.year, i.label, i.theme, count(*) AS iris
           FROM iris_indicator ii JOIN indicator i USING (variable, year) JOIN iris USING (code_iris)
           WHERE len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], iris.commune_code)
           GROUP BY ALL ORDER BY i.theme NULLS LAST, ii.variable, ii.year DESC""",
        [list(scope.communes), list(scope.communes)],
    )


def compute_indicator(wh: Warehouse, variable: str, year: int, mode: str, scope: Scope) -> MeasureResult:
    """Values of one indicator per IRIS in scope (frame: code_iris, name, value, text)."""
    if mode not in MODES:
        raise MeasureError(f"mode d'indicateur inconnu : « {mode} »")
    meta = wh.query("SELECT label, theme FROM indicator WHERE variable = ? AND year = ?", [variable, year])
    if meta.empty:
        raise MeasureError(f"indicateur inconnu : « {variable} » ({year})")
    label = str(meta["label"].iloc[0])
    frame = wh.query(
        """SELECT i.code_iris, coalesce(i.name, i.code_iris) AS name, i.area_m2, ii.value
           FROM iris i LEFT JOIN iris_indicator ii ON ii.code_iris = i.code_iris AND ii.variable = ? AND ii.year = ?
           WHERE len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], i.commune_code)
           ORDER BY i.code_iris""",
        [variable, year, list(scope.communes), list(scope.communes)],
    )
    rate = not is_additive(variable, label)
    unit, title = "value", f"{label} ({year})"
    values = frame["value"].astype(float)
    if mode == "share" and not rate:
        available = set(wh.query("SELECT DISTINCT variable FROM indicator WHERE year = ?", [year])["variable"])
        base = base_variable(variable, str(meta["theme"].iloc[0]), available)
        if base is None:
            raise MeasureError(f"pas de population de référence pour « {variable} » : choisissez « valeur »")
        base_values = wh.query(
            "SELECT code_iris, value FROM iris_indicator WHERE variable = ? AND year = ?", [base, year]
        ).set_index("code_iris")["value"]
        denominator = frame["code_iris"].map(base_values).astype(float)
        values = values / denominator.where(denominator > 0)
        base_label = wh.query("SELECT label FROM indicator WHERE variable = ? AND year = ?", [base, year])["label"]
        base_text = str(base_label.iloc[0]) if not base_label.empty else base
        unit, title = "ratio", f"{label} — part des « {base_text.lower()} » ({year})"
    elif mode == "density" and not rate:
        values = values / (frame["area_m2"].astype(float) / 1e6)
        unit, title = "density", f"{label} par km² ({year})"
    frame = frame.assign(value=values, category=None)
    frame["text"] = [_text(v, unit) for v in frame["value"]]
    notes = []
    missing = int(frame["value"].isna().sum())
    if missing:
        notes.append(f"{missing} IRIS sans valeur pour cet indicateur (en gris)")
    return MeasureResult(frame[["code_iris", "name", "value", "text", "category"]], title, unit, notes=notes)


def _text(value: float, unit: str) -> str:
    if pd.isna(value):
        return "—"
    if unit == "ratio":
        return fmt_percent(value)
    if unit == "density":
        return format_fr(value, 0) + "\u202f/km²"
    return format_fr(value, 0 if abs(value) >= 100 else 1)
