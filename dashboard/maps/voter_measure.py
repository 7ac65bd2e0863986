"""Voters of the imported electoral list per station, as a map measure: counts only, never a name.

The counts come from the campaign store (``store/voters.voter_counts_by_station``, which checks
``view_personal_data`` and limits a canvasser to their doors); this module only lays them on the
stations drawn for the view's election, so the map reads them like any other measure.
"""

from __future__ import annotations

import pandas as pd

from dashboard.formats import format_fr
from dashboard.maps.measure_types import KINDS, MeasureResult


def voter_measure(stations: pd.DataFrame, counts: pd.DataFrame, election_label: str) -> MeasureResult:
    """``stations`` (``drawn_stations``) with ``value`` = voters of the list in each (``counts``: ``station_id``,
    ``voters``, ``matched``); a station without any voter of the list shows no data."""
    by_station = counts.set_index("station_id") if len(counts) else pd.DataFrame(columns=["voters", "matched"])
    voters = stations["station_id"].map(by_station["voters"]).astype(float)
    matched = stations["station_id"].map(by_station["matched"]).astype(float)
    frame = stations.assign(value=voters, category=None)
    frame["text"] = [
        "—" if v != v else f"{format_fr(int(v))} électeur(s), {format_fr(int(m))} à une adresse connue"  # noqa: PLR0124 - NaN
        for v, m in zip(voters, matched.fillna(0), strict=True)
    ]
    outside = int(counts["voters"].sum() - voters.fillna(0).sum()) if len(counts) else 0
    notes = [f"{format_fr(outside)} électeur(s) de la liste dans des bureaux non dessinés pour cette élection"] if outside > 0 else []
    return MeasureResult(frame, f"{KINDS['voters']} — bureaux de {election_label}", "value", notes=notes,
                         legend_notes=["Effectifs de la liste importée (aucun nom sur la carte)"])
