"""What does not join, in words: the part of an import report written after the data lands."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from dashboard.formats import fmt_percent
from dashboard.warehouse import queries
from dashboard.ingest.addresses import ParsedAddresses
from dashboard.ingest.indicators import ParsedIndicators
from dashboard.ingest.iris import ParsedIris
from dashboard.ingest.results_layout import ParsedResults
from dashboard.ingest.stations import ParsedStations
from dashboard.warehouse.database import Warehouse


def _ids(values: list[str], limit: int = 12) -> str:
    return ", ".join(values[:limit]) + ("…" if len(values) > limit else "")


# A station's contour "changed" between two boundary versions beyond this share of its area.
CHANGED_CONTOUR = 0.01


def _contour_ids(wh: Warehouse, communes: list[str]) -> dict[str, list[str]]:
    """Station ids with a contour (any boundary version), per commune."""
    frame = queries.contours_of_communes(wh, communes)
    return {c: g["station_id"].tolist() for c, g in frame.groupby("commune_code", sort=True)}


def describe_missing_polygons(missing: Any, wh: Warehouse) -> list[str]:
    """French lines for ``queries.results_without_polygon`` rows, grouped by commune.

    "aucun contour importé" only when the commune has no contour in any version (read from
    ``wh``); otherwise how many contours exist and examples of both ids, which differ.
    """
    lines: list[str] = []
    existing = _contour_ids(wh, sorted(missing["commune_code"].unique())) if not missing.empty else {}
    for (election, commune), group in missing.groupby(["election_id", "commune_code"], sort=True):
        ids, found = group["station_id"].tolist(), existing.get(commune, [])
        if not group["set_id"].isna().all():
            lines.append(f"{election} · {commune} : {len(group)} bureau(x) sans contour ({_ids(ids)})")
        elif not found:
            lines.append(f"{election} · {commune} : aucun contour de bureau importé pour cette commune "
                         f"({len(group)} bureau{'x' if len(group) > 1 else ''})")
        else:
            lines.append(
                f"{election} · {commune} : {len(group)} bureau(x) sans contour, mais {len(found)} contour(s) existent pour "
                f"cette commune : les identifiants diffèrent (résultats : {_ids(ids, 4)} ; contours : {_ids(found, 4)})"
            )
    return lines


def contours_without_results(wh: Warehouse, set_id: str) -> list[str]:
    """Per commune of a boundary version: its stations that no election has results for,
    and the communes with no results at all."""
    frame = wh.query(
        """SELECT s.commune_code, s.station_id,
                  EXISTS (SELECT 1 FROM turnout t WHERE t.station_id = s.station_id) AS has_results,
                  EXISTS (SELECT 1 FROM turnout t WHERE t.commune_code = s.commune_code) AS commune_has_results
           FROM station s WHERE s.set_id = ? ORDER BY s.commune_code, s.station_id""",
        [set_id],
    )
    lines = []
    for commune, group in frame.groupby("commune_code", sort=True):
        if not group["commune_has_results"].any():
            lines.append(f"{commune} : aucun résultat importé pour cette commune ({len(group)} contour{'s' if len(group) > 1 else ''})")
            continue
        orphans = group.loc[~group["has_results"], "station_id"].tolist()
        if orphans:
            lines.append(f"{commune} : {len(orphans)} contour(s) sur {len(group)} sans résultats ({_ids(orphans)})")
    return lines


def changed_contours(wh: Warehouse, set_id: str) -> list[str]:
    """Stations of ``set_id`` that another boundary version also has, with a contour that moved
    by more than :data:`CHANGED_CONTOUR` of its area (symmetric difference over area)."""
    frame = wh.query(
        """SELECT n.station_id, o.set_id AS other, n.geometry::BLOB AS new_wkb, o.geometry::BLOB AS old_wkb
           FROM station n JOIN station o ON o.station_id = n.station_id AND o.set_id <> n.set_id
           WHERE n.set_id = ? ORDER BY o.set_id, n.station_id""",
        [set_id],
    )
    if frame.empty:
        return []
    new = shapely.from_wkb([bytes(b) for b in frame["new_wkb"]])
    old = shapely.from_wkb([bytes(b) for b in frame["old_wkb"]])
    moved = shapely.area(shapely.symmetric_difference(new, old)) / np.maximum(shapely.area(new), 1e-18)
    frame["moved"] = moved
    lines = []
    for other, group in frame.groupby("other", sort=True):
        changed = group[group["moved"] > CHANGED_CONTOUR]
        if not changed.empty:
            examples = ", ".join(f"{s} ({fmt_percent(m, 0)})" for s, m in zip(changed["station_id"][:8], changed["moved"][:8]))
            lines.append(f"par rapport à {other} : {len(changed)} sur {len(group)} ({examples}{'…' if len(changed) > 8 else ''})")
    return lines


def _block(lines: list[str], empty: str) -> str:
    return empty if not lines else "\n    " + "\n    ".join(lines)


def join_report(wh: Warehouse, parsed: object) -> dict[str, Any]:
    """Join diagnostics for what was just imported."""
    out: dict[str, Any] = {}
    if isinstance(parsed, ParsedResults):
        missing = queries.results_without_polygon(wh, parsed.election_id)
        missing = missing[missing["station_id"].isin(parsed.turnout["station_id"])]
        lines = describe_missing_polygons(missing, wh)
        out["bureaux sans contour"] = _block(lines, "aucun")
    elif isinstance(parsed, ParsedStations):
        out["contours sans résultats"] = _block(contours_without_results(wh, parsed.set_id), "aucun")
        changed = changed_contours(wh, parsed.set_id)
        if changed:
            out["bureaux dont le contour a changé"] = _block(changed, "aucun")
    elif isinstance(parsed, ParsedIris):
        empty = queries.iris_without_indicators(wh)
        empty = empty[empty["code_iris"].isin(parsed.frame["code_iris"])]
        out["IRIS sans indicateurs"] = "aucun" if empty.empty else f"{len(empty)} ({_ids(empty['code_iris'].tolist())})"
    elif isinstance(parsed, ParsedIndicators):
        orphans = queries.indicators_without_iris(wh)
        orphans = orphans[orphans["code_iris"].isin(parsed.values["code_iris"])]
        out["indicateurs sans contour IRIS"] = "aucun" if orphans.empty else f"{len(orphans)} IRIS ({_ids(orphans['code_iris'].tolist())})"
    elif isinstance(parsed, ParsedAddresses):
        orphans = queries.addresses_without_polygon(wh)
        orphans = orphans[orphans["station_id"].isin(parsed.frame["station_id"])]
        out["adresses de bureaux sans contour"] = "aucune" if orphans.empty else f"{int(orphans['addresses'].sum())} ({_ids(orphans['station_id'].tolist())})"
    return out
