"""Zone counts: registered electors, address points, estimated doors, target scores, expected net votes.

**Electors per address point.** The REU address table gives, per BAN point, the
number of REU address lines geocoded there (``n_addresses``), not the number of
electors. A station's registered electors (``turnout.registered`` of the chosen
election) are spread over its points in proportion to their address lines:
``electors = registered × n_addresses / Σ n_addresses of the station`` (over all
the station's addresses, inside the zone or not). Without results for the
station, ``FALLBACK_ELECTORS_PER_LINE`` electors per line are assumed.

**Doors** (:func:`estimate_doors`): every BAN point is at least one door. A point
with a single address line is one door (a house, or a single entrance whose flats
the REU does not tell apart); a point with several lines is a building with
``max(lines, round(electors / ELECTORS_PER_DOOR))`` doors, ``ELECTORS_PER_DOOR =
1.5`` electors per household (INSEE: 47.0 million electors on the main lists in
March 2022 over 30.9 million households, census 2022 — the figure the target
scores use too). A station without any address point (area share) adds
``registered × share / 1.5`` doors.

**Registered electors of a zone** = Σ over touched stations of registered × share
(the share of :mod:`dashboard.canvass.selection`: of address lines, or of area);
for address-based shares this is exactly the sum of the estimated electors of the
points inside.

**Scores** (when a frame ``station_id`` → score columns is given, e.g.
:class:`dashboard.targeting.scores.ScoreTable`'s ``frame``): each score column is
summed over touched stations weighted by their share; the **expected net votes**
of knocking once on every door of the zone are Σ doors in the zone of the station ×
net votes per door, with net votes per door = ``net_votes_per_door`` when the frame
has it, else ``net_votes_per_hour / doors_per_hour``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import dashboard.canvass.sources as sources
from dashboard.canvass.selection import Selection
from dashboard.formats import fmt_number
from dashboard.warehouse.database import Warehouse

ELECTORS_PER_DOOR = 1.5
FALLBACK_ELECTORS_PER_LINE = 1.5
DEFAULT_SCORE_COLUMNS = ("mobilisation", "persuasion", "priority")
SCORE_LABELS_FR = {"mobilisation": "Mobilisation", "persuasion": "Persuasion", "priority": "Priorité"}


def estimate_electors(
    addresses: pd.DataFrame, station_lines: Mapping[str, float] | pd.Series,
    registered: Mapping[str, float] | pd.Series | None = None,
) -> np.ndarray:
    """Estimated electors per address row (float): the station's registered electors spread over its
    address lines (``station_lines``: Σ ``n_addresses`` of every address of the station);
    ``FALLBACK_ELECTORS_PER_LINE`` per line where the station has no result or no line count."""
    lines = addresses["n_addresses"].fillna(1).to_numpy(dtype=float)
    sid = addresses["station_id"].astype(str)
    total = sid.map(pd.Series(station_lines, dtype=float)).to_numpy(dtype=float)
    reg = sid.map(pd.Series(registered, dtype=float)).to_numpy(dtype=float) if registered is not None else np.full(len(sid), np.nan)
    known = np.isfinite(total) & (total > 0) & np.isfinite(reg)
    out = lines * FALLBACK_ELECTORS_PER_LINE
    out[known] = reg[known] * lines[known] / total[known]
    return out


def estimate_doors(n_addresses: np.ndarray | pd.Series, electors: np.ndarray | pd.Series) -> np.ndarray:
    """Doors per address point (int ≥ 1): 1 for a single address line, else a building of
    ``max(lines, round(electors / 1.5))`` doors."""
    lines = np.nan_to_num(np.asarray(n_addresses, dtype=float), nan=1.0)
    electors = np.nan_to_num(np.asarray(electors, dtype=float), nan=0.0)
    building = np.maximum(lines, np.floor(electors / ELECTORS_PER_DOOR + 0.5))
    return np.where(lines > 1, building, 1.0).astype(np.int64)


def with_estimates(
    addresses: pd.DataFrame, station_lines: Mapping[str, float] | pd.Series,
    registered: Mapping[str, float] | pd.Series | None = None,
) -> pd.DataFrame:
    """``addresses`` with two more columns: ``electors`` (float) and ``doors`` (int)."""
    electors = estimate_electors(addresses, station_lines, registered)
    return addresses.assign(electors=electors, doors=estimate_doors(addresses["n_addresses"], electors))


def selection_estimates(selection: Selection, registered: Mapping[str, float] | pd.Series | None = None) -> pd.DataFrame:
    """The selection's addresses with ``electors`` and ``doors`` (see :func:`with_estimates`)."""
    lines = pd.Series(selection.stations["address_lines"].to_numpy(dtype=float),
                      index=selection.stations["station_id"].astype(str).to_numpy())
    return with_estimates(selection.addresses, lines, registered)


@dataclass(frozen=True)
class ZoneCounts:
    """The counts of one zone. ``registered`` is None when no election was given."""

    registered: float | None
    address_points: int  # distinct BAN points
    address_lines: int  # REU address lines (Σ n_addresses)
    doors: int
    stations_included: int
    stations_touched: int
    score_sums: dict[str, float] = field(default_factory=dict)
    expected_net_votes: float | None = None
    notes_fr: tuple[str, ...] = ()

    def summary_fr(self) -> list[str]:
        """One French line per figure, for the Zones page and the printed sheet."""
        lines = []
        if self.registered is not None:
            lines.append(f"Inscrits estimés : {fmt_number(self.registered)}")
        lines += [
            f"Points d'adresse : {fmt_number(self.address_points)} ({fmt_number(self.address_lines)} adresses du REU)",
            f"Portes estimées : {fmt_number(self.doors)}",
            f"Bureaux de vote : {fmt_number(self.stations_included)} retenus, {fmt_number(self.stations_touched)} touchés",
        ]
        for column, value in self.score_sums.items():
            lines.append(f"{SCORE_LABELS_FR.get(column, column)} (somme pondérée) : {fmt_number(value, 1)}")
        if self.expected_net_votes is not None:
            lines.append(f"Votes nets attendus d'un passage à chaque porte : {fmt_number(self.expected_net_votes, 1)}")
        return lines + list(self.notes_fr)


def _per_door(scores: pd.DataFrame) -> pd.Series | None:
    frame = scores.set_index(scores["station_id"].astype(str))
    if "net_votes_per_door" in frame:
        return pd.to_numeric(frame["net_votes_per_door"], errors="coerce")
    if "net_votes_per_hour" in frame and "doors_per_hour" in frame:
        dph = pd.to_numeric(frame["doors_per_hour"], errors="coerce")
        return pd.to_numeric(frame["net_votes_per_hour"], errors="coerce") / dph.where(dph > 0)
    return None


def zone_counts(
    selection: Selection, *, registered: Mapping[str, float] | pd.Series | None = None,
    scores: pd.DataFrame | None = None, score_columns: Sequence[str] | None = None,
) -> ZoneCounts:
    """Counts of a selection (pure). ``registered``: station id → registered electors of the chosen
    election; ``scores``: a frame with ``station_id`` and score columns (``score_columns`` default:
    those of :data:`DEFAULT_SCORE_COLUMNS` present)."""
    stations = selection.stations
    share = pd.Series(stations["share"].to_numpy(dtype=float), index=stations["station_id"].astype(str).to_numpy())
    estimates = selection_estimates(selection, registered)
    notes: list[str] = []
    reg_total: float | None = None
    if registered is not None:
        reg = pd.Series(registered, dtype=float)
        known = share.index.isin(reg.index)
        reg_total = float((share[known] * reg.reindex(share.index[known])).sum())
        missing = int((~known).sum())
        if missing:
            notes.append(f"{missing} bureau(x) touché(s) sans résultat pour cette élection : inscrits non comptés.")
    door_by_station = estimates.groupby(estimates["station_id"].astype(str))["doors"].sum() if len(estimates) else pd.Series(dtype=float)
    by_area = stations["basis"].to_numpy() == "surface"
    if by_area.any() and registered is not None:
        reg = pd.Series(registered, dtype=float)
        area_ids = stations["station_id"].astype(str).to_numpy()[by_area]
        area_doors = (reg.reindex(area_ids).fillna(0).to_numpy() * share.reindex(area_ids).to_numpy() / ELECTORS_PER_DOOR)
        door_by_station = door_by_station.add(pd.Series(np.floor(area_doors + 0.5), index=area_ids), fill_value=0)
        notes.append("Bureaux sans adresse connue : portes estimées à partir des inscrits et de la surface couverte.")
    score_sums: dict[str, float] = {}
    net_votes: float | None = None
    if scores is not None and len(scores):
        frame = scores.set_index(scores["station_id"].astype(str))
        columns = [c for c in (score_columns if score_columns is not None else DEFAULT_SCORE_COLUMNS) if c in frame]
        for column in columns:
            values = pd.to_numeric(frame[column], errors="coerce").reindex(share.index)
            score_sums[column] = float((values * share).sum(skipna=True))
        per_door = _per_door(scores)
        if per_door is not None:
            net_votes = float((door_by_station * per_door.reindex(door_by_station.index)).sum(skipna=True))
    return ZoneCounts(
        registered=reg_total,
        address_points=int(selection.addresses["ban_id"].nunique()) if len(selection.addresses) else 0,
        address_lines=int(selection.addresses["n_addresses"].fillna(1).sum()) if len(selection.addresses) else 0,
        doors=int(door_by_station.sum()) if len(door_by_station) else 0,
        stations_included=len(selection.station_ids),
        stations_touched=int(len(stations)),
        score_sums=score_sums,
        expected_net_votes=net_votes,
        notes_fr=tuple(notes),
    )


def zone_counts_for(
    wh: Warehouse, selection: Selection, election_id: str | None, *, scores: pd.DataFrame | None = None,
    score_columns: Sequence[str] | None = None,
) -> ZoneCounts:
    """:func:`zone_counts` with the registered electors of ``election_id`` read from the warehouse."""
    registered = None
    if election_id is not None:
        ids = list(selection.stations["station_id"].astype(str))
        registered = sources.registered_by_station(wh, election_id, ids)
    return zone_counts(selection, registered=registered, scores=scores, score_columns=score_columns)
