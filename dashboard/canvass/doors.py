"""Doors as they are in France: an address point holds one or more households, and a turf's doors for the phone.

A REU address (``<BAN id>@<station_id>``) is one stop of the walk; behind it the canvasser may find
several entrances and households (flats by floor, letter boxes), recorded on the phone
(``store/visits.py``, table ``household``). Until they are, the address counts for its estimated doors
(``canvass/counts.py``: electors spread over the station's address lines).

- :func:`turf_addresses` and :func:`turf_walk`: a turf's warehouse address rows (with estimated
  electors and doors) and its walk list in the order stored with the turf (the Terrain page and the
  phone page share them);
- :func:`door_count` and :func:`with_households`: the doors of a set of addresses or of a walk list,
  households where known, estimates otherwise;
- :func:`door_status`: a door's state from its visits (to do, to come back to, done);
- :func:`phone_turf`: the JSON the phone page keeps for a turf (walk order, households, history).

Everything here is pure (frames and lists in, values out): no store, no Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

import dashboard.canvass.sources as sources
from dashboard.canvass.counts import with_estimates
from dashboard.canvass.walklist import NO_STREET_FR, order_walk
from dashboard.warehouse.database import Warehouse

# outcome id -> French label of the phone's buttons (``store.visits.OUTCOMES`` holds the same ids)
OUTCOME_LABELS_FR: dict[str, str] = {
    "ouvert": "Ouvert",
    "absent": "Absent",
    "refus": "Refus",
    "ne_plus_solliciter": "Ne plus solliciter",
    "repasser": "Repasser",
}
# outcomes after which the door goes back on the list at the next pass
AGAIN = frozenset({"absent", "repasser"})
# household mark id -> French label
MARK_LABELS_FR: dict[str, str] = {
    "digicode": "Digicode",
    "pas_acces": "Pas d'accès",
    "commerce": "Commerce",
    "vide": "Vide",
}


def turf_addresses(wh: Warehouse, address_ids: Sequence[str], election_id: str | None) -> pd.DataFrame:
    """The warehouse rows of ``address_ids`` (``<BAN id>@<station_id>``) in that order, with estimated
    ``electors`` and ``doors`` (``dashboard.canvass.counts``: the registered electors of ``election_id``
    spread over the station's address lines). Ids the warehouse does not know are left out."""
    ids = [str(a) for a in address_ids]
    stations = sorted({a.rpartition("@")[2] for a in ids if "@" in a})
    rows = sources.addresses_of_stations(wh, stations)
    position = {a: i for i, a in enumerate(ids)}
    rows = rows.loc[rows["address_id"].astype(str).isin(position)]
    if not len(rows):
        return rows.assign(electors=pd.Series(dtype=float), doors=pd.Series(dtype=np.int64)).reset_index(drop=True)
    totals = sources.address_totals(wh, stations)
    lines = pd.Series(totals["address_lines"].to_numpy(dtype=float), index=totals["station_id"].astype(str).to_numpy())
    registered = sources.registered_by_station(wh, election_id, stations) if election_id else None
    rows = with_estimates(rows, lines, registered)
    order = rows["address_id"].astype(str).map(position).to_numpy()
    return rows.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


def turf_walk(addresses: pd.DataFrame, address_ids: Sequence[str]) -> pd.DataFrame:
    """The walk list (``dashboard.canvass.walklist.order_walk``'s columns, one row per BAN point) in the
    order stored with the turf (``address_ids``), numbered 1…n."""
    walk = order_walk(addresses)
    if not len(walk):
        return walk
    position = {str(a): i for i, a in enumerate(address_ids)}
    first = [min((position.get(a, math.inf) for a in str(ids).split()), default=math.inf) for ids in walk["address_ids"]]
    walk = walk.iloc[np.argsort(np.asarray(first, dtype=float), kind="stable")].reset_index(drop=True)
    walk["order"] = np.arange(1, len(walk) + 1, dtype=np.int64)
    return walk


def door_count(estimates: Mapping[str, int], households: Mapping[str, int]) -> int:
    """Doors of the addresses of ``estimates`` (address id -> estimated doors): the households recorded
    at an address (``households``: address id -> households, removed ones left out) where there are
    any, its estimate otherwise."""
    return int(sum(households[a] if households.get(a, 0) > 0 else max(int(n), 0) for a, n in estimates.items()))


def with_households(walk: pd.DataFrame, households: Mapping[str, int]) -> pd.DataFrame:
    """``walk`` (one row per address point) with ``doors`` replaced by the households recorded at the point's
    addresses where there are any (``households``: address id -> households), and ``households_known``."""
    out = walk.copy()
    known = [sum(households.get(a, 0) for a in str(ids).split()) for ids in out["address_ids"]]
    out["households_known"] = np.asarray(known, dtype=bool) if len(out) else np.array([], dtype=bool)
    if len(out):
        out["doors"] = np.where(out["households_known"], np.asarray(known, dtype=np.int64), out["doors"].to_numpy())
    return out


def door_status(outcomes: Iterable[str]) -> str:
    """``todo`` (never knocked), ``again`` (last outcome absent or « repasser »: back on the list at the next
    pass) or ``done``, from a door's outcomes in the order they were recorded."""
    last = None
    for outcome in outcomes:
        last = outcome
    if last is None:
        return "todo"
    return "again" if last in AGAIN else "done"


def _label(row: Any) -> str:
    number = "" if row.number is None or (isinstance(row.number, float) and math.isnan(row.number)) else str(row.number)
    street = str(row.street) if isinstance(row.street, str) and row.street else NO_STREET_FR
    return f"{number} {street}".strip()


def phone_turf(walk: pd.DataFrame, households: Sequence[Mapping[str, Any]],
               visits: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The doors of a turf for the phone, in walk order: one entry per address point.

    ``walk``: :func:`turf_walk`'s rows; ``households``: the address's households (``household_id``,
    ``address_id``, ``entrance``, ``floor``, ``label``, ``mark``, ``position``); ``visits``: the doors'
    visits (``address_id``, ``household_id``, ``outcome``, ``recorded_at`` ISO text), oldest first. A point
    serving several addresses is keyed by the first of them in walk order (the one its visits name).
    """
    by_address: dict[str, list[dict[str, Any]]] = {}
    for household in sorted(households, key=lambda h: (str(h["entrance"]), h["floor"] if h["floor"] is not None else -99,
                                                       int(h["position"]), str(h["household_id"]))):
        by_address.setdefault(str(household["address_id"]), []).append(dict(household))
    history: dict[str, list[dict[str, Any]]] = {}
    for visit in visits:
        history.setdefault(str(visit["address_id"]), []).append(
            {"visit_id": visit.get("visit_id"), "household_id": visit["household_id"], "outcome": visit["outcome"],
             "at": visit["recorded_at"]})
    doors = []
    for row in walk.itertuples(index=False):
        ids = str(row.address_ids).split()
        key = next((a for a in ids if a in by_address), ids[0] if ids else "")
        doors.append({
            "address_id": key,
            "order": int(row.order),
            "label": _label(row),
            "estimated_doors": max(int(row.doors), 1),
            "households": by_address.get(key, []),
            "history": [v for a in ids for v in history.get(a, [])],
        })
    return doors


def drop_opposed_doors(doors: Sequence[Mapping[str, Any]],
                       opposed: Callable[[object, object], bool]) -> tuple[list[dict[str, Any]], int]:
    """:func:`phone_turf`'s doors without those on the opposition list, and how many were left out.

    ``opposed(address_id, household_id)`` (``store/opposition.OppositionList.door_opposed``): an address-level
    entry (``household_id`` None) removes the whole door, a household's entry only that household. Each door
    keeps its ``order`` (the paper sheet's line numbers stay those of the walk); a door whose every known household
    is opposed goes too. Counted like the walk sheets: one per household left out, one for a door without known
    households."""
    kept: list[dict[str, Any]] = []
    excluded = 0
    for door in doors:
        households = list(door["households"])
        if opposed(door["address_id"], None):
            excluded += max(len(households), 1)
            continue
        remaining = [h for h in households if not opposed(door["address_id"], h["household_id"])]
        excluded += len(households) - len(remaining)
        if households and not remaining:  # every known household of the door opposed: the door goes too
            continue
        kept.append({**door, "households": remaining})
    return kept, excluded

