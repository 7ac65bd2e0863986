"""The exported target list: ranked polling stations with their scores and inputs (aggregated
public data only: no person, no address), as a CSV for a French spreadsheet."""

from __future__ import annotations

import pandas as pd

from dashboard.targeting.scores import ScoreTable
from dashboard.csv_export import french_csv

COLUMNS: tuple[tuple[str, str], ...] = (
    ("position", "Rang"),
    ("station_id", "Bureau"),
    ("bv_code", "Numéro"),
    ("name", "Nom du bureau"),
    ("commune", "Commune"),
    ("registered", "Inscrits"),
    ("turnout", "Participation"),
    ("support", "Soutien estimé"),
    ("rival", "Principal rival"),
    ("rival_share", "Score du rival"),
    ("closeness", "Proximité"),
    ("volatility", "Volatilité"),
    ("undecided", "Indécis"),
    ("doors", "Portes"),
    ("doors_per_hour", "Portes par heure"),
    ("mobilisation", "Mobilisation"),
    ("persuasion", "Persuasion"),
    ("net_votes_per_hour", "Votes nets par heure"),
    ("priority", "Priorité"),
)


def target_list(table: ScoreTable, top: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``top`` (from :func:`dashboard.targeting.scores.top_targets`) with French headers."""
    frame = top[[c for c, _ in COLUMNS]].copy()
    return frame.rename(columns=dict(COLUMNS))


def target_list_csv(table: ScoreTable, top: pd.DataFrame) -> bytes:
    """The target list as CSV bytes (shares as decimals: 0,4213 = 42,13 %)."""
    listed = target_list(table, top)
    return french_csv(list(listed.columns), listed.itertuples(index=False), decimals=4)


def file_name(table: ScoreTable) -> str:
    """``cibles_<election>_<target>.csv`` with only safe characters."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in f"{table.election_id}_{table.target}")
    return f"cibles_{safe[:80]}.csv"
