"""Results of one election summed over a territory (a set of communes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from dashboard.warehouse.database import Warehouse

TERRITORY_COLUMNS = [
    "candidate", "candidate_key", "nuance", "bloc", "bloc_label", "bloc_color", "bloc_order", "votes", "share",
]


def territory_results_frame(
    wh: Warehouse,
    election_id: str,
    commune_codes: Sequence[str] | None = None,
    *,
    by: Literal["candidate", "bloc"] = "candidate",
) -> pd.DataFrame:
    """Votes and share of the expressed votes per candidate (or per bloc) over the communes.

    ``commune_codes=None`` means every commune with results; an empty sequence gives an
    empty frame. ``share`` divides by the expressed votes of the same stations, so that
    shares sum to 1. With ``by="bloc"``, ``candidate`` is the bloc's French label and
    ``candidate_key``/``nuance`` are the bloc code / NULL. Sorted by votes, descending.
    """
    if commune_codes is not None and len(commune_codes) == 0:
        return pd.DataFrame(columns=TERRITORY_COLUMNS)
    codes = None if commune_codes is None else [str(c) for c in commune_codes]
    frame = wh.query(
        """WITH stations AS (
               SELECT station_id, expressed FROM turnout
               WHERE election_id = ? AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], commune_code))),
           total AS (SELECT sum(expressed)::DOUBLE AS expressed FROM stations)
           SELECT coalesce(any_value(v.list_label), any_value(CASE WHEN v.last_name IS NOT NULL
                      THEN trim(coalesce(v.first_name, '') || ' ' || v.last_name) END), v.candidate) AS candidate,
                  v.candidate AS candidate_key, any_value(v.nuance) AS nuance, v.bloc,
                  any_value(b.label_fr) AS bloc_label, any_value(b.color) AS bloc_color, any_value(b."order") AS bloc_order,
                  sum(v.votes)::BIGINT AS votes, sum(v.votes) / NULLIF(any_value(total.expressed), 0) AS share
           FROM votes v JOIN stations s USING (station_id) CROSS JOIN total LEFT JOIN bloc b USING (bloc)
           WHERE v.election_id = ?
           GROUP BY v.candidate, v.bloc""",
        [election_id, codes, codes, election_id],
    )
    if by == "bloc":
        frame = (
            frame.groupby(["bloc", "bloc_label", "bloc_color", "bloc_order"], as_index=False, dropna=False)[["votes", "share"]]
            .sum()
            .assign(candidate=lambda f: f["bloc_label"], candidate_key=lambda f: f["bloc"], nuance=None)
        )
    frame = frame.sort_values(["votes", "candidate"], ascending=[False, True], ignore_index=True)
    return frame[TERRITORY_COLUMNS]
