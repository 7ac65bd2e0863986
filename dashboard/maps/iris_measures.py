"""INSEE indicators on the map: one value per IRIS of the territory (the IRIS layer), or
one value per polling station estimated from the IRIS (the measure kind ``indicator``).

Counts can be shown raw, as a share of their base population or per km²; rates
and medians (see :mod:`dashboard.iris.estimates` for the rules) only raw.

Per station (:func:`compute_station_indicator`), the IRIS are carried over with the
weights of ``station_iris`` (:mod:`dashboard.iris.weights`: REU addresses or
areas), or with area weights computed on the fly when none are stored; the legend names
the weighting actually used and the tooltip gives each station's uncertainty (share of
its population apportioned from IRIS it shares with other stations, see
:func:`dashboard.iris.weights.uncertainty`).
"""

from __future__ import annotations

import pandas as pd

from dashboard.iris.weights import ADDRESSES, interpolate_stations
from dashboard.formats import fmt_percent
from dashboard.formats import format_fr
from dashboard.iris.estimates import base_variable, is_additive
from dashboard.maps.measure_types import INDICATOR_MODES, MeasureError, MeasureResult
from dashboard.maps.territory import Scope
from dashboard.warehouse.database import Warehouse

MODES = INDICATOR_MODES
WEIGHTINGS = {
    "adresses": "par les adresses REU",
    "surface": "par les surfaces",
    "surface-volee": "par les surfaces, calculée à la volée",
}


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
    notes = [_rate_note(label)] if rate and mode != "value" else []
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
    missing = int(frame["value"].isna().sum())
    if missing:
        notes.append(f"{missing} IRIS sans valeur pour cet indicateur (en gris)")
    return MeasureResult(frame[["code_iris", "name", "value", "text", "category"]], title, unit, notes=notes)


def _rate_note(label: str) -> str:
    return f"« {label} » est un taux ou une moyenne : affiché tel quel (ni part, ni densité)"


def _meta(wh: Warehouse, variable: str, year: int) -> tuple[str, str | None]:
    meta = wh.query("SELECT label, theme FROM indicator WHERE variable = ? AND year = ?", [variable, year])
    if meta.empty:
        raise MeasureError(f"indicateur inconnu : « {variable} » ({year})")
    theme = meta["theme"].iloc[0]
    return str(meta["label"].iloc[0]), None if pd.isna(theme) else str(theme)


def compute_station_indicator(
    wh: Warehouse, variable: str, year: int, mode: str, stations: pd.DataFrame, election_label: str = ""
) -> MeasureResult:
    """One indicator estimated per polling station of ``stations`` (the stations drawn:
    station_id, set_id, commune_code, bv_code, name), in one of ``MODES``.

    Frame: the stations' columns + value, text (value and uncertainty, French formats),
    category, method (``station_iris`` method, NaN without IRIS), uncertainty (0..1).
    ``legend_notes`` name the weighting actually used and explain the uncertainty.
    """
    if mode not in MODES:
        raise MeasureError(f"mode d'indicateur inconnu : « {mode} »")
    label, _ = _meta(wh, variable, year)
    rate = not is_additive(variable, label)
    found = interpolate_stations(wh, variable, year, stations)
    frame = stations.reset_index(drop=True).merge(
        found[["station_id", "set_id", "value", "share", "base_variable", "method", "stored", "uncertainty"]],
        on=["station_id", "set_id"], how="left",
    )
    unit, what = "value", f"{label} ({year})"
    values = frame["value"].astype(float)
    notes = [_rate_note(label)] if rate and mode != "value" else []
    if mode == "share" and not rate:
        base = frame["base_variable"].dropna()
        if base.empty:
            raise MeasureError(f"pas de population de référence pour « {variable} » : choisissez « valeur »")
        base_label, _ = _meta(wh, str(base.iloc[0]), year)
        values = frame["share"].astype(float)
        unit, what = "ratio", f"{label} — part des « {base_label.lower()} » ({year})"
    elif mode == "density" and not rate:
        areas = wh.query(
            "SELECT station_id, set_id, area_m2 FROM station WHERE list_contains(?::VARCHAR[], set_id)",
            [sorted(set(frame["set_id"].astype(str)))],
        )
        area = frame[["station_id", "set_id"]].merge(areas, how="left")["area_m2"].astype(float).to_numpy()
        values = values / (pd.Series(area).where(area > 0) / 1e6)
        unit, what = "density", f"{label} par km² ({year})"
    frame = frame.assign(value=values.to_numpy(float), category=None)
    frame["text"] = [
        _text(v, unit) + ("" if pd.isna(u) else f" · incertitude {fmt_percent(u, 0)}")
        for v, u in zip(frame["value"], frame["uncertainty"])
    ]
    outside = int(frame["method"].isna().sum())
    if outside:
        notes.append(f"{outside} bureau(x) hors des IRIS importés : pas d'estimation (en gris)")
    title = f"{what}, estimé par bureau" + (f" — {election_label}" if election_label else "")
    columns = [*stations.columns, "value", "text", "category", "method", "uncertainty"]
    return MeasureResult(frame[columns], title, unit, notes=notes, legend_notes=weighting_notes(frame))


def weighting_notes(frame: pd.DataFrame) -> list[str]:
    """The legend lines of an indicator estimated per station: weighting used, uncertainty.

    ``frame``: one row per station with method (NaN: no IRIS), stored, uncertainty.
    """
    weighted = frame[frame["method"].notna()]
    if weighted.empty:
        return []
    kinds = [
        ADDRESSES if m == ADDRESSES else ("surface" if bool(s) else "surface-volee")
        for m, s in zip(weighted["method"], weighted["stored"])
    ]
    counts = pd.Series(kinds).value_counts()
    order = [k for k in WEIGHTINGS if k in counts.index]
    if len(order) == 1:
        how = f"pondération {WEIGHTINGS[order[0]]}"
    else:
        parts = [f"{format_fr(int(counts[k]))} bureau{'x' if counts[k] > 1 else ''} {WEIGHTINGS[k]}" for k in order]
        how = "pondération mixte : " + ", ".join(parts)
    lines = [f"IRIS → bureaux : {how}"]
    if "surface-volee" in counts.index:
        lines.append("Aucune pondération enregistrée pour ces bureaux : « isoloir interpolate » les calcule "
                     "(par les adresses REU quand elles sont importées).")
    spread = weighted["uncertainty"].dropna()
    if not spread.empty:
        lines.append(
            "Incertitude (infobulle) : part de la population du bureau répartie depuis des IRIS qu'il partage "
            "avec d'autres bureaux (0 % : fait d'IRIS entiers, valeurs exactes ; près de 100 % : tranches d'IRIS, "
            f"valeurs moyennes de l'IRIS) ; médiane {fmt_percent(float(spread.median()), 0)}"
        )
    return lines


def _text(value: float, unit: str) -> str:
    if pd.isna(value):
        return "—"
    if unit == "ratio":
        return fmt_percent(value)
    if unit == "density":
        return format_fr(value, 0) + "\u202f/km²"
    return format_fr(value, 0 if abs(value) >= 100 else 1)
