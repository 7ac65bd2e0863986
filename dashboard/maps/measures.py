"""Measures drawn on the map: one value per polling station for a chosen election.

A :class:`Measure` names what to compute (turnout, a share, the winner, a swing
between two elections…); :func:`compute` returns a :class:`MeasureResult`
whose frame has one row per station *drawn* (the boundary version the
election uses in each commune), with ``value`` NaN where there is nothing to
show and the reason in ``notes``. Swings are drawn on the later election's
boundaries: where the two elections use different boundary versions, the
reference results are carried onto the later stations through the crosswalk
between the versions; a station whose crosswalk reliability is below the
threshold is listed in ``not_comparable`` (greyed) instead of receiving a
doubtful number, and the tooltip gives every crosswalked station's reliability.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.boundaries.crosswalk import RELIABILITY_THRESHOLD, station_reliability, stored_or_computed
from dashboard.errors import IsoloirError
from dashboard.formats import fmt_margin, fmt_percent, fmt_points
from dashboard.maps.voter_measure import voter_measure
from dashboard.maps.measure_types import (
    PERSONAL_KINDS,
    BASES, INDICATOR_MODES, KINDS, NEEDS_TARGET, SWINGS, TARGET_TYPES, Measure, MeasureError, MeasureResult, target_column,
)
from dashboard.maps.iris_measures import compute_station_indicator
from dashboard.maps.territory import Scope
from dashboard.warehouse import queries
from dashboard.warehouse.database import Warehouse

# -- catalogue --------------------------------------------------------------
def elections(wh: Warehouse, scope: Scope) -> pd.DataFrame:
    """Elections with results in scope, oldest first: election_id, label, date, kind, round."""
    return wh.query(
        """SELECT e.election_id, e.label, e.date, e.kind, e.round
           FROM election e WHERE EXISTS (
               SELECT 1 FROM turnout t WHERE t.election_id = e.election_id
                 AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], t.commune_code)))
           ORDER BY e.date NULLS LAST, e.election_id""",
        [list(scope.communes), list(scope.communes)],
    )


def targets(wh: Warehouse, election_id: str, target_type: str, scope: Scope) -> pd.DataFrame:
    """What can be scored in an election: key, label, votes (descending)."""
    column = target_column(target_type)
    frame = wh.query(
        f"""SELECT {column} AS key, sum(v.votes)::BIGINT AS votes
            FROM votes v JOIN turnout t USING (election_id, station_id)
            WHERE v.election_id = ? AND {column} IS NOT NULL
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], t.commune_code))
            GROUP BY ALL ORDER BY votes DESC, key""",  # noqa: S608 - column from a fixed table
        [election_id, list(scope.communes), list(scope.communes)],
    )
    if target_type == "bloc":
        labels = bloc_table(wh).set_index("bloc")["label_fr"]
        frame["label"] = [labels.get(key, key) for key in frame["key"]]
    else:
        frame["label"] = frame["key"]
    return frame[["key", "label", "votes"]]


def bloc_table(wh: Warehouse) -> pd.DataFrame:
    return wh.query('SELECT bloc, label_fr, "order", color FROM bloc ORDER BY "order"')



# -- stations drawn -------------------------------------------------------
def drawn_stations(wh: Warehouse, election_id: str, scope: Scope) -> pd.DataFrame:
    """Stations of the boundary version used by ``election_id`` in each commune of the scope."""
    frame = wh.query(
        """SELECT s.station_id, s.set_id, s.commune_code, s.bv_code,
                  coalesce(s.name, t.station_name) AS name
           FROM election_station_set es
           JOIN station s ON s.set_id = es.set_id AND s.commune_code = es.commune_code
           LEFT JOIN turnout t ON t.election_id = es.election_id AND t.station_id = s.station_id
           WHERE es.election_id = ?
             AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], es.commune_code))
             AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], s.station_id))
           ORDER BY s.commune_code, try_cast(s.bv_code AS INTEGER) NULLS LAST, s.bv_code""",
        [election_id, *_scope_params(scope)],
    )
    frame["name"] = queries.station_labels(frame, with_commune=False) if len(frame) else frame["name"]
    return frame


def _scope_params(scope: Scope) -> list[object]:
    stations = None if scope.stations is None else list(scope.stations)
    return [list(scope.communes), list(scope.communes), stations, stations]


def _counts(wh: Warehouse, election_id: str, scope: Scope) -> pd.DataFrame:
    return wh.query(
        """SELECT station_id, commune_code, registered, voters, abstentions, blank, "null", expressed
           FROM turnout WHERE election_id = ?
             AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], commune_code))
             AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], station_id))""",
        [election_id, *_scope_params(scope)],
    ).set_index("station_id")


def _target_votes(wh: Warehouse, measure: Measure, election_id: str, scope: Scope) -> pd.Series:
    column = target_column(measure.target_type)
    frame = wh.query(
        f"""SELECT v.station_id, sum(v.votes) AS votes FROM votes v JOIN turnout t USING (election_id, station_id)
            WHERE v.election_id = ? AND {column} = ?
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], t.commune_code))
              AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], t.station_id))
            GROUP BY ALL""",  # noqa: S608 - column from a fixed table
        [election_id, measure.target, *_scope_params(scope)],
    )
    return frame.set_index("station_id")["votes"].astype(float)


def _election_label(wh: Warehouse, election_id: str) -> str:
    frame = wh.query("SELECT label FROM election WHERE election_id = ?", [election_id])
    if frame.empty:
        raise MeasureError(f"élection inconnue : « {election_id} »")
    return str(frame["label"].iloc[0])


# -- computing ----------------------------------------------------------------
def numerator_denominator(
    wh: Warehouse, measure: Measure, election_id: str, scope: Scope, counts: pd.DataFrame | None = None
) -> tuple[pd.Series, pd.Series]:
    """Per station counts whose ratio is the measure (turnout, abstention, blank/null, share).

    ``counts``: the election's turnout rows in ``scope`` when the caller already read them.
    """
    if counts is None:
        counts = _counts(wh, election_id, scope)
    kind = measure.kind.removeprefix("swing_")
    if kind == "turnout":
        return counts["voters"].astype(float), counts["registered"].astype(float)
    if kind == "abstention":
        return counts["abstentions"].astype(float), counts["registered"].astype(float)
    if kind in ("blank", "null", "blank_null"):
        blank = counts["blank"].astype(float)
        null = counts["null"].astype(float)
        numerator = {"blank": blank, "null": null, "blank_null": blank + null}[kind]
        return numerator, counts["voters"].astype(float)
    if kind == "share":
        votes = _target_votes(wh, measure, election_id, scope).reindex(counts.index).fillna(0.0)
        return votes, counts[measure.base].astype(float)
    raise MeasureError(f"mesure sans rapport simple : « {measure.kind} »")


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator.where(denominator > 0)).astype(float)


def compute(wh: Warehouse, measure: Measure, scope: Scope, voter_counts: pd.DataFrame | None = None) -> MeasureResult:
    """The measure for every station drawn for ``measure.election_id`` in ``scope``; ``voter_counts``: the
    campaign store's counts per station for the ``voters`` kind, read by the caller with the user's rights."""
    measure.validate()
    label = _election_label(wh, measure.election_id)
    stations = drawn_stations(wh, measure.election_id, scope)
    if measure.kind in PERSONAL_KINDS:
        if voter_counts is None:
            raise MeasureError("les électeurs de la liste ne sont montrés qu'aux rôles qui voient les données personnelles")
        return voter_measure(stations, voter_counts, label)
    counts = _counts(wh, measure.election_id, scope)
    notes = _coverage_notes(counts, stations, results_drawn=measure.kind != "indicator")
    if measure.kind == "indicator":
        assert measure.indicator is not None
        result = compute_station_indicator(
            wh, measure.indicator, measure.indicator_year, measure.indicator_mode, stations, label
        )
    elif measure.kind in SWINGS:
        result = _swing(wh, measure, scope, stations, label, counts)
    elif measure.kind in ("winner", "margin"):
        result = _winner(wh, measure, scope, stations, label)
    else:
        numerator, denominator = numerator_denominator(wh, measure, measure.election_id, scope, counts)
        values = _ratio(numerator, denominator)
        frame = stations.assign(value=stations["station_id"].map(values).astype(float), category=None)
        frame["text"] = [fmt_percent(v) for v in frame["value"]]
        result = MeasureResult(frame, _title(wh, measure, label), "ratio")
    result.notes = notes + result.notes
    return result


def _title(wh: Warehouse, measure: Measure, label: str) -> str:
    name = KINDS[measure.kind]
    if measure.kind in NEEDS_TARGET:
        name = f"{name} {_target_label(wh, measure)} ({BASES[measure.base]})"
    return f"{name} — {label}"


def _target_label(wh: Warehouse, measure: Measure) -> str:
    target = measure.target or ""
    if measure.target_type == "bloc":
        labels = bloc_table(wh).set_index("bloc")["label_fr"]
        return str(labels.get(target, target))
    return target


def _coverage_notes(counts: pd.DataFrame, stations: pd.DataFrame, results_drawn: bool = True) -> list[str]:
    """Stations with results but no contour; with ``results_drawn``, stations drawn without results."""
    drawn = set(stations["station_id"])
    without_polygon = sorted(set(counts.index) - drawn)
    notes = []
    if without_polygon:
        shown = ", ".join(without_polygon[:8]) + (" …" if len(without_polygon) > 8 else "")
        notes.append(f"{len(without_polygon)} bureau(x) avec résultats mais sans contour (non dessinés) : {shown}")
    without_results = sorted(drawn - set(counts.index)) if results_drawn else []
    if without_results:
        shown = ", ".join(without_results[:8]) + (" …" if len(without_results) > 8 else "")
        notes.append(f"{len(without_results)} bureau(x) dessiné(s) sans résultats pour cette élection (en gris) : {shown}")
    return notes


def _winner(wh: Warehouse, measure: Measure, scope: Scope, stations: pd.DataFrame, label: str) -> MeasureResult:
    top = wh.query(
        """SELECT station_id, candidate, bloc, votes, expressed, rk FROM (
               SELECT v.station_id, v.candidate, v.bloc, v.votes, t.expressed,
                      row_number() OVER (PARTITION BY v.station_id ORDER BY v.votes DESC, v.candidate) AS rk
               FROM votes v JOIN turnout t USING (election_id, station_id)
               WHERE v.election_id = ?
                 AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], t.commune_code))
                 AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], t.station_id)))
           WHERE rk <= 2""",
        [measure.election_id, *_scope_params(scope)],
    )
    first = top[top["rk"] == 1].set_index("station_id")
    second = top[top["rk"] == 2].set_index("station_id")
    expressed = first["expressed"].astype(float).where(first["expressed"] > 0)
    first_share = first["votes"] / expressed
    second_votes = second["votes"].reindex(first.index).fillna(0.0)
    margin = (first["votes"] - second_votes) / expressed
    frame = stations.copy()
    frame["category"] = frame["station_id"].map(first["candidate"])
    if measure.kind == "winner":
        frame["value"] = frame["station_id"].map(first_share).astype(float)
        frame["text"] = [
            "—" if pd.isna(c) else f"{c} ({fmt_percent(v)})" for c, v in zip(frame["category"], frame["value"])
        ]
        blocs = bloc_table(wh).set_index("bloc")
        order = first.groupby("candidate")["votes"].sum().sort_values(ascending=False).index
        bloc_of = first.groupby("candidate")["bloc"].first()
        categories = [
            (candidate, f"{candidate} ({blocs['label_fr'].get(bloc_of[candidate], bloc_of[candidate])})",
             str(blocs["color"].get(bloc_of[candidate], "#888888")))
            for candidate in order
        ]
        bloc_labels = {candidate: str(blocs["label_fr"].get(bloc_of[candidate], bloc_of[candidate])) for candidate in order}
        return MeasureResult(frame, f"{KINDS['winner']} — {label}", "ratio", categories=categories,
                             category_blocs=bloc_labels)
    frame["value"] = frame["station_id"].map(margin).astype(float)
    runner = second["candidate"].reindex(first.index)
    texts = {
        station: f"{first.at[station, 'candidate']} devant {runner.get(station) or '—'} : {fmt_margin(margin.get(station))}"
        for station in first.index
    }
    frame["text"] = frame["station_id"].map(texts).fillna("—")
    return MeasureResult(frame, f"{KINDS['margin']} — {label}", "points")


# -- swings -------------------------------------------------------------------
def _swing(wh: Warehouse, measure: Measure, scope: Scope, stations: pd.DataFrame, label: str,
           counts: pd.DataFrame) -> MeasureResult:
    assert measure.reference_id is not None
    reference_label = _election_label(wh, measure.reference_id)
    later_num, later_den = numerator_denominator(wh, measure, measure.election_id, scope, counts)
    ref_scope = Scope(scope.communes, None)  # reference stations may have other ids: map them below
    ref_num, ref_den = numerator_denominator(wh, measure, measure.reference_id, ref_scope)
    mapping, not_comparable = comparable_stations(wh, measure.reference_id, measure.election_id, stations)
    ref_num_on_later = _carry(ref_num, mapping)
    ref_den_on_later = _carry(ref_den, mapping)
    difference = _ratio(later_num, later_den) - _ratio(ref_num_on_later, ref_den_on_later)
    frame = stations.assign(category=None)
    frame["value"] = frame["station_id"].map(difference).astype(float)
    refused = frame["station_id"].isin(not_comparable["station_id"])
    frame.loc[refused, "value"] = np.nan
    reliability = pd.concat([
        mapping.drop_duplicates("to_station_id").set_index("to_station_id")["reliability"],
        not_comparable.set_index("station_id")["reliability"],
    ])
    reliability = reliability[~reliability.index.duplicated()]
    frame["reliability"] = frame["station_id"].map(reliability).astype(float)
    crossed = frame["station_id"].isin(mapping.loc[mapping["crosswalk"], "to_station_id"]) | refused
    frame["text"] = [
        _swing_text(v, r if c else None) for v, r, c in zip(frame["value"], frame["reliability"], crossed)
    ]
    if measure.kind == "swing_share":
        what = f"du score {_target_label(wh, measure)} ({BASES[measure.base]})"
    else:
        what = "de la participation"
    notes = []
    if not not_comparable.empty:
        shown = ", ".join(not_comparable["station_id"].head(8)) + (" …" if len(not_comparable) > 8 else "")
        notes.append(f"{len(not_comparable)} bureau(x) non comparable(s) entre les deux élections : {shown}")
    legend_notes = []
    if crossed.any():
        legend_notes.append(
            f"Contours différents entre les deux élections : résultats anciens reportés sur les bureaux actuels "
            f"(table de passage) ; en gris, fiabilité < {fmt_percent(RELIABILITY_THRESHOLD, 0)}"
        )
    title = f"Évolution {what} — {label} par rapport à {reference_label}"
    return MeasureResult(frame, title, "points", diverging=True, notes=notes, legend_notes=legend_notes,
                         not_comparable=not_comparable)


def _swing_text(value: float, reliability: float | None) -> str:
    if reliability is None or pd.isna(reliability):
        return fmt_points(value)
    if pd.isna(value):
        return f"non comparable (fiabilité {fmt_percent(reliability, 0)})"
    return f"{fmt_points(value)} (fiabilité {fmt_percent(reliability, 0)})"


def _carry(values: pd.Series, mapping: pd.DataFrame) -> pd.Series:
    """Counts of the reference election carried onto the later stations: Σ weight × count."""
    joined = mapping.assign(count=mapping["from_station_id"].map(values))
    joined = joined[joined["count"].notna()]
    return (joined["weight"] * joined["count"]).groupby(joined["to_station_id"]).sum()


MAPPING_COLUMNS = ["from_station_id", "to_station_id", "weight", "reliability", "crosswalk"]
REFUSED_COLUMNS = ["station_id", "bv_code", "name", "reason", "reliability"]


def comparable_stations(wh: Warehouse, reference_id: str, later_id: str, stations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How reference stations map onto the later election's ``stations``.

    Returns (mapping: from_station_id, to_station_id, weight, reliability (of the later station),
    crosswalk (bool: through a crosswalk); not_comparable: station_id, bv_code, name, reason,
    reliability). Per commune: same boundary version → identity; otherwise the crosswalk between
    the two versions (``station_crosswalk``, computed on the fly for a commune without one,
    :mod:`dashboard.boundaries.crosswalk`). A later station whose reliability is below
    :data:`~dashboard.boundaries.crosswalk.RELIABILITY_THRESHOLD`, or that no reference station
    feeds, is not comparable.
    """
    sets = wh.query(
        """SELECT l.commune_code, l.set_id AS later_set, r.set_id AS ref_set
           FROM election_station_set l LEFT JOIN election_station_set r
             ON r.commune_code = l.commune_code AND r.election_id = ?
           WHERE l.election_id = ?""",
        [reference_id, later_id],
    ).set_index("commune_code")
    mappings: list[pd.DataFrame] = []
    refused: list[pd.DataFrame] = []
    electors: pd.Series | None = None
    for (later_set, ref_set), group in stations.groupby(
        [stations["commune_code"].map(sets["later_set"]), stations["commune_code"].map(sets["ref_set"]).fillna("")]
    ):
        ids = list(group["station_id"])
        if not ref_set:
            refused.append(group.assign(reason="pas de résultats de l'élection de référence dans cette commune", reliability=np.nan))
            continue
        if ref_set == later_set:
            mappings.append(pd.DataFrame({"from_station_id": ids, "to_station_id": ids, "weight": 1.0,
                                          "reliability": 1.0, "crosswalk": False}))
            continue
        if electors is None:
            electors = wh.query("SELECT station_id, registered FROM turnout WHERE election_id = ?",
                                [reference_id]).set_index("station_id")["registered"].astype(float)
        crosswalk = stored_or_computed(wh, ref_set, later_set, ids, sorted(set(group["commune_code"])))
        reliability = station_reliability(crosswalk, electors)
        good = reliability[reliability >= RELIABILITY_THRESHOLD - 1e-12].index
        kept = crosswalk[crosswalk["to_station_id"].isin(good)]
        mappings.append(pd.DataFrame({
            "from_station_id": kept["from_station_id"], "to_station_id": kept["to_station_id"], "weight": kept["weight"],
            "reliability": kept["to_station_id"].map(reliability), "crosswalk": True,
        }))
        weak = group[group["station_id"].isin(reliability.index.difference(good))]
        if not weak.empty:
            r = weak["station_id"].map(reliability)
            refused.append(weak.assign(
                reason=[f"table de passage peu fiable ({fmt_percent(x, 0)} < {fmt_percent(RELIABILITY_THRESHOLD, 0)})" for x in r],
                reliability=r))
        missing = group[~group["station_id"].isin(reliability.index)]
        if not missing.empty:
            refused.append(missing.assign(reason="aucun bureau de l'élection de référence ne le recouvre", reliability=np.nan))
    mappings = [m for m in mappings if not m.empty]
    mapping = (pd.concat(mappings, ignore_index=True)[MAPPING_COLUMNS] if mappings
               else pd.DataFrame({c: pd.Series(dtype=object) for c in MAPPING_COLUMNS}))
    mapping["crosswalk"] = mapping["crosswalk"].astype(bool)
    not_comparable = (
        pd.concat(refused, ignore_index=True)[REFUSED_COLUMNS]
        if refused else pd.DataFrame(columns=REFUSED_COLUMNS)
    )
    return mapping, not_comparable
