"""``isoloir info``: what the warehouse holds and what does not join."""

from __future__ import annotations

from typing import Any

from dashboard.warehouse import queries
from dashboard.formats import format_fr
from dashboard.warehouse.joins import contours_without_results, describe_missing_polygons
from dashboard.warehouse.database import Warehouse


def _records(frame: Any) -> list[dict[str, Any]]:
    """Rows as dicts with ``None`` (not NaN) for missing values."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def warehouse_info(wh: Warehouse) -> dict[str, Any]:
    """A JSON-ready summary of the warehouse."""
    elections = queries.elections(wh)
    stations = queries.stations_per_commune(wh)
    missing = queries.results_without_polygon(wh)
    orphans = queries.polygons_without_results(wh)
    iris_empty = queries.iris_without_indicators(wh)
    return {
        "territory": wh.meta("territory") or "réel",
        "counts": queries.counts(wh),
        "elections": _records(elections),
        "stations": _records(stations),
        "indicators": _records(queries.indicators(wh)),
        "addresses": _records(queries.addresses_per_commune(wh)),
        "unjoined": {
            "results_without_polygon": _records(missing),
            "results_without_polygon_fr": describe_missing_polygons(missing, wh),
            "contours_without_results_fr": {
                set_id: contours_without_results(wh, set_id) for set_id in stations["set_id"].drop_duplicates()
            } if "set_id" in stations else {},
            "polygons_without_results": _records(orphans),
            "iris_without_indicators": iris_empty["code_iris"].tolist(),
            "indicators_without_iris": queries.indicators_without_iris(wh)["code_iris"].tolist(),
            "addresses_without_polygon": _records(queries.addresses_without_polygon(wh)),
        },
    }


def current_stations(stations: list[dict[str, Any]]) -> dict[str, Any]:
    """Stations counted once: each commune in its most recent boundary version.

    ``stations`` are the rows of ``info["stations"]`` (one per commune and version). A version's
    recency is its ``valid_from`` (a version without one counts as the oldest), then its id. Returns
    ``stations`` (that count), ``versions`` (the version ids counted, in order), ``all_versions``
    (how many versions the warehouse holds) and ``rows`` (every station of every version: what
    adding the versions together would wrongly call stations).
    """
    latest: dict[str, dict[str, Any]] = {}
    for row in stations:
        key = (row.get("valid_from") is not None, str(row.get("valid_from") or ""), str(row["set_id"]))
        held = latest.get(row["commune_code"])
        if held is None or key > held["key"]:
            latest[row["commune_code"]] = {"key": key, "set_id": row["set_id"], "stations": int(row["stations"] or 0)}
    return {
        "stations": sum(v["stations"] for v in latest.values()),
        "versions": sorted({v["set_id"] for v in latest.values()}),
        "all_versions": len({row["set_id"] for row in stations}),
        "rows": sum(int(row["stations"] or 0) for row in stations),
    }


def warehouse_info_lines(info: dict[str, Any]) -> list[str]:
    """The summary as French text for the terminal."""
    import pandas as pd

    c = info["counts"]
    current = current_stations(info["stations"])
    lines = []
    if info["territory"] != "réel":
        lines.append(f"⚠ Territoire de démonstration ({info['territory']}) : données FICTIVES.")
    lines.append(
        f"Entrepôt : {format_fr(c['commune'])} communes, {format_fr(current['stations'])} bureaux (contours les plus récents de "
        f"chaque commune ; {format_fr(c['station'])} contours de bureau sur {format_fr(c['station_set'])} versions), "
        f"{format_fr(c['election'])} élections, {format_fr(c['iris'])} IRIS, {format_fr(c['indicator'])} indicateurs, {format_fr(c['address'])} adresses."
    )
    lines.append("\nÉlections :")
    for e in info["elections"]:
        lines.append(
            f"  {e['election_id']:<14} {e['label']:<36} {format_fr(e['stations'])} bureaux, {format_fr(e['communes'])} commune(s), "
            f"{format_fr(e['registered'])} inscrits, {format_fr(e['expressed'])} exprimés"
        )
    lines.append("\nBureaux par commune et version de contours :")
    for s in info["stations"][:60]:
        lines.append(f"  {s['commune_code']} {s['commune_name'] or '':<22} {s['set_id']:<36} {format_fr(s['stations'])} bureaux")
    if len(info["stations"]) > 60:
        lines.append(f"  … {len(info['stations']) - 60} autres lignes (--json pour tout voir)")
    themes: dict[str, int] = {}
    for i in info["indicators"]:
        themes[i["theme"] or "autre"] = themes.get(i["theme"] or "autre", 0) + 1
    if themes:
        lines.append("\nIndicateurs IRIS : " + ", ".join(f"{t} ({n})" for t, n in sorted(themes.items())))
    if info["addresses"]:
        lines.append("Adresses REU : " + ", ".join(f"{a['commune_code']} ({format_fr(a['addresses'])})" for a in info["addresses"][:20]))
    u = info["unjoined"]
    lines.append("\nCe qui ne se joint pas :")
    described = u["results_without_polygon_fr"]
    lines.append("  résultats sans contour : " + ("aucun" if not described else ""))
    lines.extend(f"    {d}" for d in described[:40])
    orphans = [f"{set_id} · {line}" for set_id, found in u["contours_without_results_fr"].items() for line in found]
    lines.append("  contours sans résultats : " + ("aucun" if not orphans else ""))
    lines.extend(f"    {line}" for line in orphans[:40])
    lines.append(f"  IRIS sans indicateurs : {', '.join(u['iris_without_indicators'][:15]) or 'aucun'}")
    if u["indicators_without_iris"]:
        lines.append(f"  indicateurs sans contour IRIS : {len(u['indicators_without_iris'])} IRIS")
    if u["addresses_without_polygon"]:
        n = sum(a["addresses"] for a in u["addresses_without_polygon"])
        lines.append(f"  adresses dont le bureau n'a pas de contour : {format_fr(n)}")
    return lines
