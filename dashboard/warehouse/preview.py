"""The preview of a parsed file before anything is written: counts, candidates, arithmetic, joins.

:func:`preview` reads what a registry parser returned (the same object ``import_files`` would write)
and, for the joins, the current warehouse through a read-only :class:`Warehouse` (the app's
snapshot reader): nothing is written. Its lines are French, for the import page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dashboard.ingest.addresses import ParsedAddresses
from dashboard.ingest.indicators import ParsedIndicators
from dashboard.ingest.iris import ParsedIris
from dashboard.ingest.report import ImportReport
from dashboard.ingest.results_layout import ParsedResults
from dashboard.ingest.stations import ParsedStations
from dashboard.warehouse.database import Warehouse


@dataclass
class Preview:
    """What an import of one parsed file would do."""

    report: ImportReport
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)  # candidate, nuance, votes
    arithmetic: list[str] = field(default_factory=list)  # French checks, one line each
    joins: dict[str, Any] = field(default_factory=dict)  # French label -> French value


def _candidates(parsed: ParsedResults) -> pd.DataFrame:
    votes = parsed.votes
    by = ["candidate"] + [c for c in ("nuance", "list_label") if c in votes.columns and votes[c].notna().any()]
    table = votes.groupby(by, dropna=False, as_index=False)["votes"].sum().sort_values("votes", ascending=False)
    return table.reset_index(drop=True)


def _arithmetic(parsed: ParsedResults) -> list[str]:
    turnout = parsed.turnout.set_index("station_id")
    summed = parsed.votes.groupby("station_id")["votes"].sum()
    lines = []
    if "expressed" in turnout.columns:
        expressed = turnout["expressed"].reindex(summed.index)
        known = expressed.notna()
        wrong = summed[known] != expressed[known]
        lines.append(f"somme des voix = exprimés : {int((~wrong).sum())} bureau(x) sur {int(known.sum())}"
                     + (f" ; différente dans {int(wrong.sum())} ({', '.join(wrong[wrong].index[:8])}"
                        f"{'…' if int(wrong.sum()) > 8 else ''})" if wrong.any() else ""))
    if {"registered", "voters"} <= set(turnout.columns):
        over = turnout["voters"] > turnout["registered"]
        lines.append("votants ≤ inscrits : " + ("partout" if not over.any() else f"dépassé dans {int(over.sum())} bureau(x)"))
    if {"voters", "blank", "null", "expressed"} <= set(turnout.columns):
        parts = turnout[["blank", "null", "expressed"]].sum(axis=1, min_count=3)
        known = parts.notna() & turnout["voters"].notna()
        off = known & (parts != turnout["voters"])
        lines.append(f"blancs + nuls + exprimés = votants : {int((known & ~off).sum())} bureau(x) sur {int(known.sum())}"
                     + (f" ; différent dans {int(off.sum())}" if off.any() else ""))
    return lines


def _ids(values: list[str], limit: int = 8) -> str:
    return ", ".join(values[:limit]) + ("…" if len(values) > limit else "")


# what each parsed kind is checked against: (its ids, the query of those the warehouse holds,
# French label of the matched ones, of the missing ones or None, unit of the missing count)
_STATIONS_WITH_CONTOUR = "SELECT DISTINCT station_id FROM station WHERE station_id IN (SELECT unnest(?::VARCHAR[]))"


def _join_checks(parsed: object) -> tuple[list[str], str, str, str | None, str] | None:
    if isinstance(parsed, ParsedResults):
        return (parsed.turnout["station_id"].unique().tolist(), _STATIONS_WITH_CONTOUR,
                "bureaux avec contour", "bureaux sans contour", "")
    if isinstance(parsed, ParsedStations):
        return (parsed.frame["station_id"].unique().tolist(),
                "SELECT DISTINCT station_id FROM turnout WHERE station_id IN (SELECT unnest(?::VARCHAR[]))",
                "contours avec résultats", "contours sans résultats", "")
    if isinstance(parsed, ParsedIris):
        return (parsed.frame["code_iris"].unique().tolist(),
                "SELECT DISTINCT code_iris FROM iris_indicator WHERE code_iris IN (SELECT unnest(?::VARCHAR[]))",
                "IRIS avec indicateurs", "IRIS sans indicateurs", "")
    if isinstance(parsed, ParsedIndicators):
        return (parsed.values["code_iris"].unique().tolist(),
                "SELECT code_iris FROM iris WHERE code_iris IN (SELECT unnest(?::VARCHAR[]))",
                "IRIS avec contour", "indicateurs sans contour IRIS", " IRIS")
    if isinstance(parsed, ParsedAddresses):
        return (parsed.frame["station_id"].dropna().unique().tolist(), _STATIONS_WITH_CONTOUR,
                "bureaux des adresses avec contour", None, "")
    return None


def _joins(wh: Warehouse | None, parsed: object) -> dict[str, Any]:
    if wh is None:
        return {"entrepôt": "vide : rien à joindre pour l'instant"}
    checks = _join_checks(parsed)
    if checks is None:
        return {}
    values, sql, matched_label, missing_label, unit = checks
    ids = sorted(values)
    known = set(wh.query(sql, [ids]).iloc[:, 0])
    missing = [s for s in ids if s not in known]
    out: dict[str, Any] = {matched_label: f"{len(ids) - len(missing)} sur {len(ids)}"}
    if missing_label is not None:
        out[missing_label] = "aucun" if not missing else f"{len(missing)}{unit} ({_ids(missing)})"
    return out


def preview(parsed: object, wh: Warehouse | None) -> Preview:
    """The preview of ``parsed`` (a registry parser's result) against the read-only warehouse ``wh``
    (None: no warehouse yet). Writes nothing."""
    report: ImportReport = parsed.report  # type: ignore[attr-defined]
    result = Preview(report=report, joins=_joins(wh, parsed))
    if isinstance(parsed, ParsedResults):
        result.candidates = _candidates(parsed)
        result.arithmetic = _arithmetic(parsed)
    return result
