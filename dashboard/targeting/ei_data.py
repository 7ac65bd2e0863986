"""Ecological inference on the warehouse: vote transfers between two elections and group behaviour.

:mod:`dashboard.targeting.inference` holds the estimators (pure functions on arrays);
this module builds their inputs from the warehouse and names the rows and columns in
French:

* **Transfers** (:func:`transfer_inputs`): rows = the earlier election's categories (the
  largest candidates or blocs, the rest merged in « Autres », then « Blancs et nuls » and
  « Abstention »), columns = the later election's categories, « Blancs et nuls » and
  « Abstention ». Every row and column is a count of *registered* electors, so each
  station's rows and columns add up. The earlier election's counts are carried onto the
  later election's stations with :func:`dashboard.maps.measures.comparable_stations`
  (identity, crosswalk or unchanged contour); stations without a comparable reference
  are left out and listed. The earlier shares are taken on the earlier register and
  applied to the later one (the register changes little between two rounds).
* **Group behaviour** (:func:`group_inputs`): rows = demographic groups (age bands,
  socio-professional categories, tenure) whose shares per station are INSEE IRIS counts
  interpolated onto the stations (:func:`dashboard.iris.estimates.indicator_by_station`:
  stored ``station_iris`` weights, else area weights); columns = the election's
  categories, blank/null and abstention, on the registered base. The groups count
  residents (often all ages), not registered electors: the estimate reads « the
  behaviour of the electors living where this group lives », an approximation stated in
  the result's notes.

Small territories: an inference needs :data:`~dashboard.targeting.inference.MIN_UNITS` (6)
stations at least; :func:`run` refuses fewer with a French explanation, and both input
builders accept ``pool=True`` to add the nearest communes (by the mean centroid of their
stations) until there are enough, said in the notes (:func:`pooled_scope`).

Every read uses bound parameters; no Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.maps import measures
from dashboard.targeting.inference import MIN_UNITS, EIResult, goodman, rxc
from dashboard.errors import IsoloirError
from dashboard.formats import fmt_number
from dashboard.iris.estimates import indicator_by_station
from dashboard.maps.territory import Scope
from dashboard.warehouse.database import Warehouse
from dashboard.maps.measure_types import target_column

__all__ = [
    "ABSTENTION",
    "BLANK_NULL",
    "GROUP_SETS",
    "EIData",
    "EIError",
    "GroupSet",
    "OTHERS",
    "available_group_sets",
    "pooled_scope",
    "group_inputs",
    "run",
    "transfer_inputs",
]

ABSTENTION = "Abstention"
BLANK_NULL = "Blancs et nuls"
OTHERS = "Autres"


class EIError(IsoloirError):
    """The inference cannot be set up as asked (no comparable station, unknown group set…)."""


@dataclass(frozen=True)
class GroupSet:
    """Demographic groups read from INSEE variables: ``variables`` are templates where ``{yy}``
    stands for the census year's two digits (``P{yy}_POP1529`` → ``P21_POP1529``)."""

    key: str
    label: str
    groups: tuple[tuple[str, str], ...]  # (variable template, French label)


GROUP_SETS: dict[str, GroupSet] = {
    "age": GroupSet("age", "Âge", (
        ("P{yy}_POP1529", "15-29 ans"), ("P{yy}_POP3044", "30-44 ans"), ("P{yy}_POP4559", "45-59 ans"),
        ("P{yy}_POP6074", "60-74 ans"), ("P{yy}_POP75P", "75 ans ou plus"),
    )),
    "csp": GroupSet("csp", "Catégorie socioprofessionnelle (15 ans ou plus)", (
        ("C{yy}_POP15P_CS1", "Agriculteurs"), ("C{yy}_POP15P_CS2", "Artisans, commerçants"),
        ("C{yy}_POP15P_CS3", "Cadres"), ("C{yy}_POP15P_CS4", "Professions intermédiaires"),
        ("C{yy}_POP15P_CS5", "Employés"), ("C{yy}_POP15P_CS6", "Ouvriers"), ("C{yy}_POP15P_CS7", "Retraités"),
        ("C{yy}_POP15P_CS8", "Autres sans activité"),
    )),
    "logement": GroupSet("logement", "Statut d'occupation du logement", (
        ("P{yy}_RP_PROP", "Propriétaires"), ("P{yy}_RP_LOC", "Locataires"), ("P{yy}_RP_GRAT", "Logés gratuitement"),
    )),
    "activite": GroupSet("activite", "Activité (15-64 ans)", (
        ("P{yy}_ACTOCC1564", "Actifs occupés"), ("P{yy}_CHOM1564", "Chômeurs"), ("P{yy}_ETUD1564", "Étudiants"),
        ("P{yy}_RETR1564", "Retraités (15-64 ans)"), ("P{yy}_AINACT1564", "Autres inactifs"),
    )),
}


@dataclass
class EIData:
    """Inputs of one inference: counts per station (rows of ``X`` and ``Y`` add up to ``N``)."""

    X: np.ndarray  # n × R row counts
    Y: np.ndarray  # n × C column counts
    N: np.ndarray  # n totals (registered electors)
    row_labels: list[str]
    col_labels: list[str]
    station_ids: list[str]
    title: str
    notes: list[str] = field(default_factory=list)

    @property
    def n_units(self) -> int:
        return int(self.N.size)


def _stations_frame(wh: Warehouse, election_id: str, scope: Scope) -> pd.DataFrame:
    frame = wh.query(
        """SELECT t.station_id, t.commune_code, t.bv_code, es.set_id, t.registered::DOUBLE AS registered,
                  t.voters::DOUBLE AS voters, t.abstentions::DOUBLE AS abstentions,
                  (coalesce(t.blank, 0) + coalesce(t."null", 0))::DOUBLE AS blank_null, t.expressed::DOUBLE AS expressed
           FROM turnout t
           LEFT JOIN election_station_set es ON es.election_id = t.election_id AND es.commune_code = t.commune_code
           WHERE t.election_id = ? AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], t.commune_code))""",
        [election_id, list(scope.communes), list(scope.communes)],
    )
    if scope.stations is not None:
        frame = frame[frame["station_id"].isin(list(scope.stations))]
    return frame.set_index("station_id").sort_index()


def _votes(wh: Warehouse, election_id: str, key_type: str, scope: Scope) -> pd.DataFrame:
    """station_id × key table of votes (columns ordered by total votes, largest first)."""
    try:
        column = target_column(key_type)
    except IsoloirError:
        raise EIError(f"type de catégorie inconnu : « {key_type} »") from None
    long = wh.query(
        f"""SELECT v.station_id, {column} AS key, sum(v.votes)::DOUBLE AS votes
            FROM votes v JOIN turnout t USING (election_id, station_id)
            WHERE v.election_id = ? AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], t.commune_code))
            GROUP BY ALL""",
        [election_id, list(scope.communes), list(scope.communes)],
    )
    long["key"] = long["key"].fillna("?").astype(str)
    wide = long.pivot_table(index="station_id", columns="key", values="votes", aggfunc="sum", fill_value=0.0)
    order = wide.sum().sort_values(ascending=False, kind="stable").index
    return wide[order]


def _bloc_labels(wh: Warehouse) -> dict[str, str]:
    frame = wh.query("SELECT bloc, label_fr FROM bloc")
    return dict(zip(frame["bloc"].astype(str), frame["label_fr"].astype(str)))


def _election_label(wh: Warehouse, election_id: str) -> str:
    frame = wh.query("SELECT label FROM election WHERE election_id = ?", [election_id])
    if frame.empty:
        raise EIError(f"élection inconnue : « {election_id} »")
    return str(frame["label"].iat[0])


def _categories(stations: pd.DataFrame, votes: pd.DataFrame, key_type: str, keep: int, blocs: dict[str, str],
                prefix: str = "") -> pd.DataFrame:
    """Counts per station: the ``keep`` largest keys, « Autres », blank and null, abstention (sum = registered)."""
    votes = votes.reindex(stations.index).fillna(0.0)
    keep = max(int(keep), 1)
    main = votes.iloc[:, :keep]
    rest = votes.iloc[:, keep:].sum(axis=1)
    names = [blocs.get(k, k) if key_type == "bloc" else k for k in main.columns]
    out = pd.DataFrame(main.to_numpy(), index=stations.index, columns=[prefix + n for n in names])
    if votes.shape[1] > keep:
        out[prefix + OTHERS] = rest
    # what the ballots do not explain (rounding, missing candidate rows) goes with « Autres »/the last column
    gap = stations["expressed"] - out.sum(axis=1)
    if (gap.abs() > 0.5).any():
        column = prefix + OTHERS
        out[column] = out.get(column, 0.0) + gap.clip(lower=0.0)
    out[prefix + BLANK_NULL] = stations["blank_null"]
    out[prefix + ABSTENTION] = (stations["registered"] - stations["voters"]).clip(lower=0.0)
    return out


def _commune_stations(wh: Warehouse, election_id: str) -> pd.DataFrame:
    """commune_code, stations with results for ``election_id``, centroid (lon, lat) of their stations."""
    return wh.query(
        """WITH st AS (SELECT commune_code, count(*) AS stations FROM turnout WHERE election_id = ? GROUP BY ALL),
                cen AS (SELECT commune_code, avg(centroid_lon) AS lon, avg(centroid_lat) AS lat FROM station
                        WHERE centroid_lon IS NOT NULL GROUP BY ALL)
           SELECT st.commune_code, st.stations, cen.lon, cen.lat, coalesce(c.name, st.commune_code) AS name
           FROM st LEFT JOIN cen USING (commune_code) LEFT JOIN commune c USING (commune_code)
           ORDER BY st.commune_code""",
        [election_id],
    )


def pooled_scope(wh: Warehouse, scope: Scope, election_id: str, *, min_units: int = MIN_UNITS) -> tuple[Scope, list[str]]:
    """``scope`` with the nearest communes added until it has ``min_units`` stations with results.

    Distance: between the mean centroids of the communes' stations (equirectangular, fine at
    this scale). Returns the scope unchanged (and no note) when it already has enough stations
    or covers every commune; otherwise the larger scope and a French note naming what was added.
    """
    if not scope.communes:
        return scope, []
    table = _commune_stations(wh, election_id)
    inside = table["commune_code"].isin(list(scope.communes))
    have = (len(scope.stations) if scope.stations is not None else int(table.loc[inside, "stations"].sum()))
    if have >= min_units:
        return scope, []
    here = table[inside & table["lon"].notna()]
    others = table[~inside & table["lon"].notna()].copy()
    if here.empty or others.empty:
        return scope, []
    lon0, lat0 = float(here["lon"].mean()), float(here["lat"].mean())
    others["distance"] = np.hypot((others["lon"] - lon0) * np.cos(np.radians(lat0)), others["lat"] - lat0)
    others = others.sort_values(["distance", "commune_code"])
    need = min_units - have
    running = others["stations"].cumsum()
    added = others[running.shift(fill_value=0) < need]
    communes = tuple(sorted(set(scope.communes) | set(added["commune_code"])))
    stations = scope.stations
    if stations is not None:
        extra = wh.query(
            "SELECT station_id FROM turnout WHERE election_id = ? AND list_contains(?::VARCHAR[], commune_code)",
            [election_id, list(added["commune_code"])],
        )
        stations = tuple(sorted(set(stations) | set(extra["station_id"].astype(str))))
    total = have + int(added["stations"].sum())
    names = ", ".join(f"{n} ({c})" for n, c in zip(added["name"], added["commune_code"]))
    note = (f"Territoire trop petit ({have} bureau{'x' if have > 1 else ''}) : regroupé avec les communes les plus "
            f"proches, {names} ; {total} bureaux au total. Le résultat décrit l'ensemble, pas la seule commune choisie.")
    return Scope(communes, stations), [note]


def transfer_inputs(
    wh: Warehouse, from_election: str, to_election: str, scope: Scope, *,
    from_type: str = "candidate", to_type: str = "candidate", keep_from: int = 6, keep_to: int = 6,
    pool: bool = False,
) -> EIData:
    """Counts for the transfers ``from_election`` → ``to_election`` on the stations of ``scope``
    (``pool``: with the nearest communes added when the scope has too few stations)."""
    if from_election == to_election:
        raise EIError("choisissez deux élections différentes")
    pool_notes: list[str] = []
    if pool:
        scope, pool_notes = pooled_scope(wh, scope, to_election)
    from_label, to_label = _election_label(wh, from_election), _election_label(wh, to_election)
    blocs = _bloc_labels(wh)
    later = _stations_frame(wh, to_election, scope)
    earlier = _stations_frame(wh, from_election, scope)
    if later.empty or earlier.empty:
        raise EIError("pas de résultats des deux élections dans ce territoire")
    notes: list[str] = list(pool_notes)
    drawn = later.reset_index()[["station_id", "commune_code", "bv_code"]].assign(name="")
    mapping, refused = measures.comparable_stations(wh, from_election, to_election, drawn)
    mapping = mapping[mapping["from_station_id"].isin(earlier.index)]
    if mapping.empty:
        raise EIError(
            f"aucun bureau comparable entre « {from_label} » et « {to_label} » (contours changés sans table de passage)"
        )
    if not refused.empty:
        ids = sorted(refused["station_id"].astype(str))
        notes.append(f"{len(ids)} bureau(x) non comparable(s) écarté(s) : {', '.join(ids[:8])}{'…' if len(ids) > 8 else ''}.")
    before = _categories(earlier, _votes(wh, from_election, from_type, scope), from_type, keep_from, blocs)
    after = _categories(later, _votes(wh, to_election, to_type, scope), to_type, keep_to, blocs)
    # carry the earlier counts onto the later stations (weights: share of the earlier station going there)
    weighted = before.reindex(mapping["from_station_id"]).to_numpy() * mapping["weight"].to_numpy()[:, None]
    carried = pd.DataFrame(weighted, columns=before.columns).groupby(mapping["to_station_id"].to_numpy()).sum()
    ids = sorted(set(carried.index) & set(after.index))
    carried = carried.loc[ids]
    after = after.loc[ids]
    n_later = after.sum(axis=1).to_numpy()
    totals = carried.sum(axis=1).to_numpy()
    ok = (totals > 0) & (n_later > 0)
    if not ok.all():
        notes.append(f"{int((~ok).sum())} bureau(x) sans inscrits écarté(s).")
    shares = carried.to_numpy()[ok] / totals[ok, None]
    N = n_later[ok]
    X = shares * N[:, None]
    Y = after.to_numpy()[ok]
    drift = np.abs(totals[ok] - N) / N
    if drift.size and float(np.median(drift)) > 0.02:
        notes.append(
            f"Les inscrits diffèrent entre les deux élections (écart médian {fmt_number(100 * float(np.median(drift)), 1)} %) : "
            "les parts de la première sont appliquées aux inscrits de la seconde."
        )
    return EIData(
        X=X, Y=Y, N=N, row_labels=list(carried.columns), col_labels=list(after.columns),
        station_ids=[s for s, keep in zip(ids, ok) if keep],
        title=f"Reports de voix : {from_label} → {to_label}", notes=notes,
    )


def _years(wh: Warehouse) -> list[int]:
    frame = wh.query("SELECT DISTINCT year FROM indicator ORDER BY year DESC")
    return [int(y) for y in frame["year"]]


def _resolve(wh: Warehouse, group_set: GroupSet) -> tuple[int, list[tuple[str, str]]] | None:
    """The most recent census year where at least two of the set's variables exist."""
    catalogue = wh.query("SELECT variable, year FROM indicator")
    have = set(zip(catalogue["variable"].astype(str), catalogue["year"].astype(int)))
    for year in _years(wh):
        yy = f"{year % 100:02d}"
        found = [(t.format(yy=yy), label) for t, label in group_set.groups if (t.format(yy=yy), year) in have]
        if len(found) >= 2:
            return year, found
    return None


def available_group_sets(wh: Warehouse) -> dict[str, str]:
    """Group sets the warehouse has the variables for: key → French label (with the census year)."""
    out = {}
    for key, group_set in GROUP_SETS.items():
        found = _resolve(wh, group_set)
        if found:
            out[key] = f"{group_set.label} ({found[0]})"
    return out


def group_inputs(
    wh: Warehouse, election_id: str, scope: Scope, group_set: str, *, outcome_type: str = "bloc", keep: int = 6,
    pool: bool = False,
) -> EIData:
    """Counts for the behaviour of the groups of ``group_set`` at ``election_id`` (``pool``: see
    :func:`transfer_inputs`)."""
    pool_notes: list[str] = []
    if pool:
        scope, pool_notes = pooled_scope(wh, scope, election_id)
    if group_set not in GROUP_SETS:
        raise EIError(f"groupes inconnus : « {group_set} »")
    resolved = _resolve(wh, GROUP_SETS[group_set])
    if resolved is None:
        raise EIError(f"indicateurs INSEE absents pour « {GROUP_SETS[group_set].label} » : importez-les")
    year, variables = resolved
    label = _election_label(wh, election_id)
    stations = _stations_frame(wh, election_id, scope)
    if stations.empty:
        raise EIError("pas de résultats de cette élection dans ce territoire")
    keys = stations.reset_index()[["station_id", "set_id"]].dropna()
    counts = {}
    methods: set[str] = set()
    for variable, group_label in variables:
        found = indicator_by_station(wh, variable, year, keys)
        counts[group_label] = found.set_index("station_id")["station_value"]
        methods.update(str(m) for m in found["method"].dropna())
    groups = pd.DataFrame(counts).reindex(stations.index)
    outcomes = _categories(stations, _votes(wh, election_id, outcome_type, scope), outcome_type, keep, _bloc_labels(wh))
    valid = groups.notna().all(axis=1) & (groups.sum(axis=1) > 0) & (stations["registered"] > 0)
    notes = [
        *pool_notes,
        f"Groupes : effectifs INSEE {year} des IRIS, estimés par bureau ("
        + ", ".join(sorted({"adresses": "pondération par les adresses REU", "surface": "pondération par les surfaces"}.get(m, m) for m in methods))
        + "). Ils comptent des habitants, pas des inscrits : le résultat se lit « les électeurs des bureaux où vit ce groupe »."
    ]
    if (~valid).any():
        notes.append(f"{int((~valid).sum())} bureau(x) sans estimation INSEE écarté(s).")
    share = groups[valid].to_numpy(float)
    share = share / share.sum(axis=1, keepdims=True)
    N = outcomes[valid].sum(axis=1).to_numpy()
    return EIData(
        X=share * N[:, None], Y=outcomes[valid].to_numpy(), N=N, row_labels=list(groups.columns),
        col_labels=list(outcomes.columns), station_ids=list(stations.index[valid]),
        title=f"Comportement des groupes — {GROUP_SETS[group_set].label} — {label}", notes=notes,
    )


def run(data: EIData, method: str = "rxc") -> EIResult:
    """The inference on ``data``: ``rxc`` (bounded R × C model) or ``goodman`` (regression baseline)."""
    if data.n_units < MIN_UNITS:
        raise EIError(
            f"{data.n_units} bureau{'x' if data.n_units > 1 else ''} seulement : une inférence écologique en demande "
            f"au moins {MIN_UNITS}. Avec si peu de bureaux, les reports se déduisent de quelques chiffres et aucun "
            "intervalle n'a de sens. Regroupez avec les communes voisines (case à cocher) ou choisissez un "
            "territoire plus large."
        )
    fn = {"rxc": rxc, "goodman": goodman}.get(method)
    if fn is None:
        raise EIError(f"méthode inconnue : « {method} »")
    return fn(data.X / data.N[:, None], data.Y, data.N, row_labels=data.row_labels, col_labels=data.col_labels)


def long_table(result: EIResult, row_totals: Sequence[float] | None = None) -> pd.DataFrame:
    """One row per cell: from, to, estimate, lower, upper (shares of the row), and the count when
    ``row_totals`` (the rows' electors) is given — for the heat map and the export."""
    est = result.estimate.stack().rename("estimate")
    lo = result.lower.stack().rename("lower")
    hi = result.upper.stack().rename("upper")
    out = pd.concat([est, lo, hi], axis=1).reset_index()
    out.columns = ["from", "to", "estimate", "lower", "upper"]
    if row_totals is not None:
        totals = dict(zip(result.estimate.index, row_totals))
        out["electors"] = out["from"].map(totals) * out["estimate"]
    return out
