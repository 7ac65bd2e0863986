"""Everything known about one polling station (bureau de vote), as data frames.

Results are keyed by ``station_id``; the boundary version (``set_id``) gives the polygon, hence
the IRIS indicators (see :mod:`dashboard.iris.estimates`), and the history: elections drawn on
another version of the commune are re-expressed on this station through the crosswalk between
the versions (:func:`carried_across_versions`). Shares are fractions (0..1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from dashboard.boundaries.crosswalk import RELIABILITY_THRESHOLD, station_reliability, stored_or_computed
from dashboard.errors import IsoloirError
from dashboard.iris.estimates import INDICATOR_COLUMNS
from dashboard.iris.estimates import station_indicators as station_indicators
from dashboard.warehouse.database import Warehouse
from dashboard.warehouse.queries import LATEST_FIRST

PARTICIPATION = "Participation"
PARTICIPATION_COLOR = "#6a3d9a"

RESULT_COLUMNS = [
    "election_id", "label", "date", "candidate", "candidate_key", "nuance", "bloc", "bloc_label", "bloc_color",
    "bloc_order", "votes", "share_expressed", "share_registered",
]
HISTORY_COLUMNS = ["election_id", "label", "date", "series", "value", "color", "series_order"]
TURNOUT_COLUMNS = [
    "election_id", "label", "date", "registered", "voters", "abstentions", "blank", "null", "expressed", "turnout",
]
RANK_COLUMNS = [
    "election_id", "label", "date", "turnout", "turnout_rank", "n_stations", "winner", "winner_share",
    "winner_share_rank", "winner_n_stations",
]

# Display name: the list for list ballots, "First LAST" for a person, else the raw key.
_DISPLAY_NAME = """coalesce(v.list_label,
    CASE WHEN v.last_name IS NOT NULL THEN trim(coalesce(v.first_name, '') || ' ' || v.last_name) END,
    v.candidate)"""


class UnknownStation(IsoloirError, KeyError):
    """No result nor polygon for this station id (or not in the requested boundary version)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message_fr


@dataclass(frozen=True)
class StationDetail:
    """One station: identity, results per election, history, turnout, ranks, indicators.

    ``set_id`` is the boundary version used for the polygon and the indicators (``None``
    when the station has results but no polygon).
    """

    station_id: str
    commune_code: str
    commune_name: str | None
    bv_code: str
    name: str | None
    set_id: str | None
    results: pd.DataFrame
    history: pd.DataFrame
    turnout: pd.DataFrame
    ranks: pd.DataFrame
    indicators: pd.DataFrame
    # elections drawn on another boundary version, re-expressed here: election_id, from_set, reliability
    carried: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["election_id", "from_set", "reliability"]))


def default_set(wh: Warehouse, station_id: str) -> str | None:
    """The boundary version to draw a station on: the one of the latest election with a
    result for it, else the newest version holding it; ``None`` if it has no polygon."""
    found = wh.query(
        """WITH used AS (
               SELECT es.set_id, max(e.date) AS last_used FROM turnout t
               JOIN election_station_set es ON es.election_id = t.election_id AND es.commune_code = t.commune_code
               JOIN election e ON e.election_id = t.election_id
               WHERE t.station_id = ? GROUP BY es.set_id)
           SELECT s.set_id FROM station s JOIN station_set ss USING (set_id) LEFT JOIN used u USING (set_id)
           WHERE s.station_id = ?
           ORDER BY u.last_used DESC NULLS LAST, ss.valid_from DESC NULLS LAST, s.set_id DESC LIMIT 1""",
        [station_id, station_id],
    )
    return None if found.empty else str(found["set_id"].iat[0])


def station_results(wh: Warehouse, station_id: str) -> pd.DataFrame:
    """One row per (election, candidate), elections by date then votes descending."""
    return _results(wh, [station_id])[RESULT_COLUMNS]


def _results(wh: Warehouse, station_ids: list[str], election_id: str | None = None) -> pd.DataFrame:
    """``RESULT_COLUMNS`` plus ``station_id``, ``expressed``, ``registered`` for several stations."""
    return wh.query(
        f"""SELECT v.election_id, e.label, e.date, {_DISPLAY_NAME} AS candidate, v.candidate AS candidate_key,
                   v.nuance, v.bloc, b.label_fr AS bloc_label, b.color AS bloc_color, b."order" AS bloc_order, v.votes,
                   v.votes::DOUBLE / NULLIF(t.expressed, 0) AS share_expressed,
                   v.votes::DOUBLE / NULLIF(t.registered, 0) AS share_registered,
                   v.station_id, t.expressed, t.registered
            FROM votes v JOIN turnout t USING (election_id, station_id) JOIN election e USING (election_id)
            LEFT JOIN bloc b USING (bloc)
            WHERE list_contains(?::VARCHAR[], v.station_id) AND (?::VARCHAR IS NULL OR v.election_id = ?)
            ORDER BY e.date NULLS LAST, v.election_id, v.votes DESC, v.candidate""",  # noqa: S608 - fixed SQL
        [station_ids, election_id, election_id],
    )


def station_turnout(wh: Warehouse, station_id: str) -> pd.DataFrame:
    """One row per election: counts and ``turnout`` = voters / registered."""
    return _turnout(wh, [station_id])[TURNOUT_COLUMNS]


def _turnout(wh: Warehouse, station_ids: list[str], election_id: str | None = None) -> pd.DataFrame:
    return wh.query(
        """SELECT t.election_id, e.label, e.date, t.registered, t.voters, t.abstentions, t.blank, t."null", t.expressed,
                  t.voters::DOUBLE / NULLIF(t.registered, 0) AS turnout, t.station_id
           FROM turnout t JOIN election e USING (election_id)
           WHERE list_contains(?::VARCHAR[], t.station_id) AND (?::VARCHAR IS NULL OR t.election_id = ?)
           ORDER BY e.date NULLS LAST, t.election_id""",
        [station_ids, election_id, election_id],
    )


def carried_across_versions(wh: Warehouse, station_id: str, set_id: str, commune_code: str,
                            results: pd.DataFrame, turnout: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``results`` and ``turnout`` of one station with every election drawn on another boundary
    version re-expressed on this station (version ``set_id``) through the crosswalk: counts
    apportioned, shares recomputed. An election whose crosswalk reliability here is below the
    threshold is left out (its rows under this id describe another area). Also returns one row
    per election carried: ``election_id``, ``from_set``, ``reliability``."""
    others = wh.query(
        "SELECT election_id, set_id FROM election_station_set WHERE commune_code = ? AND set_id <> ? ORDER BY election_id",
        [commune_code, set_id],
    )
    carried_results, carried_turnout, report = [], [], []
    crosswalks: dict[str, pd.DataFrame] = {}
    for from_set in others["set_id"].unique():
        found = stored_or_computed(wh, from_set, set_id, [station_id], [commune_code])
        crosswalks[from_set] = found[found["to_station_id"] == station_id]
    sources_all = sorted({s for c in crosswalks.values() for s in c["from_station_id"]})
    all_turnout = _turnout(wh, sources_all) if sources_all else pd.DataFrame(columns=["election_id", "station_id"])
    all_results = _results(wh, sources_all) if sources_all else pd.DataFrame(columns=["election_id", "station_id"])
    counts = ["registered", "voters", "abstentions", "blank", "null", "expressed"]
    for election_id, from_set in others.itertuples(index=False):
        crosswalk = crosswalks[from_set]
        sources = all_turnout[(all_turnout["election_id"] == election_id)
                              & all_turnout["station_id"].isin(crosswalk["from_station_id"])]
        if crosswalk.empty or sources.empty:
            continue
        reliability = float(station_reliability(crosswalk, sources.set_index("station_id")["registered"]).get(station_id, 0.0))
        report.append({"election_id": election_id, "from_set": from_set, "reliability": reliability})
        if reliability < RELIABILITY_THRESHOLD:
            continue
        weight = crosswalk.set_index("from_station_id")["weight"]
        t = sources.assign(**{c: sources[c].astype(float) * sources["station_id"].map(weight) for c in counts})
        row = t.iloc[[0]][["election_id", "label", "date"]].assign(**{c: t[c].sum(min_count=1) for c in counts})
        row["turnout"] = row["voters"] / row["registered"].where(row["registered"] > 0)
        carried_turnout.append(row)
        r = all_results[(all_results["election_id"] == election_id) & all_results["station_id"].isin(crosswalk["from_station_id"])].copy()
        r["votes"] = r["votes"].astype(float) * r["station_id"].map(weight)
        keys = [c for c in RESULT_COLUMNS if c not in ("votes", "share_expressed", "share_registered")]
        summed = r.groupby(keys, dropna=False, as_index=False, sort=False)["votes"].sum()
        expressed, registered = float(row["expressed"].iat[0]), float(row["registered"].iat[0])
        summed["share_expressed"] = summed["votes"] / expressed if expressed else float("nan")
        summed["share_registered"] = summed["votes"] / registered if registered else float("nan")
        carried_results.append(summed.sort_values("votes", ascending=False))
    replaced = set(others["election_id"])
    results = pd.concat([results[~results["election_id"].isin(replaced)], *carried_results], ignore_index=True)
    turnout = pd.concat([turnout[~turnout["election_id"].isin(replaced)], *carried_turnout], ignore_index=True)
    order = ["date", "election_id"]
    results = results.sort_values(order, kind="stable", na_position="last", ignore_index=True)[RESULT_COLUMNS]
    turnout = turnout.sort_values(order, kind="stable", na_position="last", ignore_index=True)[TURNOUT_COLUMNS]
    return results, turnout, pd.DataFrame(report, columns=["election_id", "from_set", "reliability"])


def station_history(results: pd.DataFrame, turnout: pd.DataFrame) -> pd.DataFrame:
    """Participation then each bloc's share of the expressed votes, per election (pure).

    A bloc without candidate in an election has no row for it (absent, not 0 %).
    """
    keys = ["election_id", "label", "date"]
    participation = turnout[keys].assign(
        series=PARTICIPATION, value=turnout["turnout"], color=PARTICIPATION_COLOR, series_order=0
    )
    blocs = (
        results.groupby(keys + ["bloc_label", "bloc_color", "bloc_order"], dropna=False)["share_expressed"]
        .sum(min_count=1)
        .reset_index()
        .rename(columns={"bloc_label": "series", "share_expressed": "value", "bloc_color": "color", "bloc_order": "series_order"})
    )
    history = pd.concat([participation, blocs[HISTORY_COLUMNS]], ignore_index=True)
    history["series_order"] = history["series_order"].astype("int64")
    return history.sort_values(["date", "election_id", "series_order"], ignore_index=True)[HISTORY_COLUMNS]


def station_ranks(wh: Warehouse, station_id: str, results: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per election, the station among its commune's stations (rank 1 = highest).

    ``turnout_rank`` among ``n_stations``; ``winner`` = the leading candidate here,
    ``winner_share_rank`` = rank of this station by that candidate's share of expressed,
    among the ``winner_n_stations`` stations of the commune where that candidate ran
    (fewer than ``n_stations`` when the commune spans several constituencies).
    """
    ranks = wh.query(
        """WITH me AS (SELECT election_id, commune_code FROM turnout WHERE station_id = ?),
           peers AS (SELECT t.election_id, t.station_id, t.expressed,
                            t.voters::DOUBLE / NULLIF(t.registered, 0) AS turnout
                     FROM turnout t JOIN me USING (election_id, commune_code)),
           turnout_ranks AS (SELECT *, rank() OVER (PARTITION BY election_id ORDER BY turnout DESC NULLS LAST) AS turnout_rank,
                                    count(*) OVER (PARTITION BY election_id) AS n_stations FROM peers),
           winner AS (SELECT election_id, candidate FROM votes WHERE station_id = ?
                      QUALIFY row_number() OVER (PARTITION BY election_id ORDER BY votes DESC, candidate) = 1),
           shares AS (SELECT v.election_id, v.station_id, v.votes::DOUBLE / NULLIF(p.expressed, 0) AS share
                      FROM votes v JOIN winner w USING (election_id, candidate) JOIN peers p USING (election_id, station_id)),
           share_ranks AS (SELECT *, rank() OVER (PARTITION BY election_id ORDER BY share DESC NULLS LAST) AS winner_share_rank,
                                  count(*) OVER (PARTITION BY election_id) AS winner_n_stations FROM shares)
           SELECT r.election_id, e.label, e.date, r.turnout, r.turnout_rank, r.n_stations, w.candidate AS winner_key,
                  s.share AS winner_share, s.winner_share_rank, s.winner_n_stations
           FROM turnout_ranks r JOIN election e USING (election_id) LEFT JOIN winner w USING (election_id)
           LEFT JOIN share_ranks s ON s.election_id = r.election_id AND s.station_id = r.station_id
           WHERE r.station_id = ? ORDER BY e.date NULLS LAST, r.election_id""",
        [station_id, station_id, station_id],
    )
    if results is None:
        results = station_results(wh, station_id)
    names = results.drop_duplicates(["election_id", "candidate_key"]).set_index(["election_id", "candidate_key"])["candidate"]
    keys = pd.MultiIndex.from_arrays([ranks["election_id"], ranks["winner_key"]])
    ranks["winner"] = names.reindex(keys).to_numpy()
    for column in ("turnout_rank", "n_stations", "winner_share_rank", "winner_n_stations"):
        ranks[column] = ranks[column].astype("Int64")
    return ranks[RANK_COLUMNS]


def _identity(wh: Warehouse, station_id: str, set_id: str | None) -> dict[str, object]:
    if set_id is not None:
        row = wh.query(
            "SELECT commune_code, bv_code, name FROM station WHERE station_id = ? AND set_id = ?", [station_id, set_id]
        )
        if row.empty:
            raise UnknownStation(f"bureau inconnu : {station_id} dans le découpage « {set_id} »")
    else:
        row = wh.query(
            f"""SELECT t.commune_code, t.bv_code, t.station_name AS name FROM turnout t JOIN election e USING (election_id)
               WHERE t.station_id = ? ORDER BY {LATEST_FIRST} LIMIT 1""",  # noqa: S608 - fixed SQL
            [station_id],
        )
        if row.empty:
            raise UnknownStation(f"bureau inconnu : {station_id}")
    identity = row.iloc[0].to_dict()
    if pd.isna(identity["name"]):
        named = wh.query(
            f"""SELECT t.station_name FROM turnout t JOIN election e USING (election_id)
               WHERE t.station_id = ? AND t.station_name IS NOT NULL ORDER BY {LATEST_FIRST} LIMIT 1""",  # noqa: S608
            [station_id],
        )
        identity["name"] = None if named.empty else str(named["station_name"].iat[0])
    commune = wh.query("SELECT name FROM commune WHERE commune_code = ?", [identity["commune_code"]])
    identity["commune_name"] = None if commune.empty or pd.isna(commune["name"].iat[0]) else str(commune["name"].iat[0])
    return identity


def station_detail(wh: Warehouse, station_id: str, set_id: str | None = None) -> StationDetail:
    """All of :class:`StationDetail` for one station.

    ``set_id`` defaults to :func:`default_set`. Raises :class:`UnknownStation` (French
    message « bureau inconnu : … ») when the station has neither results nor polygon, or
    is not in the requested boundary version.
    """
    chosen = set_id if set_id is not None else default_set(wh, station_id)
    identity = _identity(wh, station_id, chosen)
    results = station_results(wh, station_id)
    turnout = station_turnout(wh, station_id)
    carried = pd.DataFrame(columns=["election_id", "from_set", "reliability"])
    if chosen is not None:
        results, turnout, carried = carried_across_versions(
            wh, station_id, chosen, str(identity["commune_code"]), results, turnout)
    indicators = station_indicators(wh, station_id, chosen) if chosen else pd.DataFrame(columns=INDICATOR_COLUMNS)
    return StationDetail(
        station_id=station_id,
        commune_code=str(identity["commune_code"]),
        commune_name=identity["commune_name"],  # type: ignore[arg-type]
        bv_code=str(identity["bv_code"]),
        name=identity["name"],  # type: ignore[arg-type]
        set_id=chosen,
        results=results,
        history=station_history(results, turnout),
        turnout=turnout,
        ranks=station_ranks(wh, station_id, results),
        indicators=indicators,
        carried=carried,
    )
