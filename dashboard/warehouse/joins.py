"""What does not join, in words: the part of an import report written after the data lands."""

from __future__ import annotations

from typing import Any

from dashboard.warehouse import queries
from dashboard.ingest.addresses import ParsedAddresses
from dashboard.ingest.indicators import ParsedIndicators
from dashboard.ingest.iris import ParsedIris
from dashboard.ingest.results_layout import ParsedResults
from dashboard.ingest.stations import ParsedStations
from dashboard.warehouse.database import Warehouse


def _ids(values: list[str], limit: int = 12) -> str:
    return ", ".join(values[:limit]) + ("…" if len(values) > limit else "")


def describe_missing_polygons(missing: Any, contours: Any = None) -> list[str]:
    """French lines for ``queries.results_without_polygon`` rows, grouped by commune.

    ``contours`` (``queries.contours_of_communes``) tells a commune without any contour
    from one whose contours exist but whose station ids differ from the results'.
    """
    lines = []
    for (election, commune), group in missing.groupby(["election_id", "commune_code"], sort=True):
        existing = [] if contours is None else contours.loc[contours["commune_code"] == commune, "station_id"].tolist()
        if group["set_id"].isna().all() and existing:
            lines.append(
                f"{election} · {commune} : {len(existing)} contour(s) de bureau existent pour cette commune mais aucun "
                f"identifiant ne correspond aux {len(group)} bureaux des résultats (résultats : {_ids(group['station_id'].tolist(), 4)} ; "
                f"contours : {_ids(existing, 4)})"
            )
        elif group["set_id"].isna().all():
            lines.append(f"{election} · {commune} : aucun contour de bureau importé pour cette commune ({len(group)} bureaux)")
        else:
            lines.append(f"{election} · {commune} : {len(group)} bureau(x) sans contour ({_ids(group['station_id'].tolist())})")
    return lines


def join_report(wh: Warehouse, parsed: object) -> dict[str, Any]:
    """Join diagnostics for what was just imported."""
    out: dict[str, Any] = {}
    if isinstance(parsed, ParsedResults):
        missing = queries.results_without_polygon(wh, parsed.election_id)
        missing = missing[missing["station_id"].isin(parsed.turnout["station_id"])]
        lines = describe_missing_polygons(missing, queries.contours_of_communes(wh, sorted(missing["commune_code"].unique())))
        out["bureaux sans contour"] = "aucun" if not lines else "\n    " + "\n    ".join(lines)
    elif isinstance(parsed, ParsedStations):
        orphans = queries.polygons_without_results(wh, parsed.set_id)
        out["contours sans résultats"] = (
            "aucun" if orphans.empty else f"{len(orphans)} ({_ids(orphans['station_id'].tolist())})"
        )
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
