"""The paper walk sheet's lines: the phone's doors, in the phone's order, one line per known household.

Paper and phone say the same: :func:`sheet_rows` flattens :func:`dashboard.canvass.doors.phone_turf` (the
doors the phone page shows, in walk order, households sorted by entrance, floor and position) into one line
per household where the canvasser recorded them (a 12-door building with its 12 households gets 12 lines,
one block), and one line per address point elsewhere (its estimated doors shown). The outcome columns are
the phone's (``walklist.OUTCOME_COLUMNS``). The frame keeps :func:`~dashboard.canvass.walklist.order_walk`'s
columns, with ``order`` the sheet's line number (the « N° » printed and typed back), so
``walklist_pdf`` and ``walklist_csv`` print it as they print a walk list.

:func:`typed_back` turns the outcomes typed from a sheet (line number -> outcome) into the visits to store,
refusing lines the sheet does not have and outcomes the phone does not know (French messages), and
:func:`sheet_visit_id` makes each visit's id on the server from the turf, the walk's day and the door, so a
sheet typed twice is stored once.

:func:`drop_opposed` leaves out the lines of the doors on the opposition list (``store/opposition.py``: a
« ne plus solliciter » at the address covers all its households; at one household, that household) and
says how many: the sheet prints the count, never hides it.

Pure: frames and values in and out; no store, no Streamlit.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from dashboard.canvass.doors import MARK_LABELS_FR, phone_turf
from dashboard.canvass.errors import CanvassError
from dashboard.canvass.walklist import OUTCOME_COLUMNS, OUTCOME_LABELS_FR, WALK_COLUMNS

# the namespace of the ids of visits typed back from paper (uuid5 of the turf, day and door)
SHEET_NAMESPACE = uuid.UUID("5b0e6c1e-2f7a-4c59-9a57-1d0f3c2b7a10")
SHEET_COLUMNS = [*WALK_COLUMNS, "door", "address_id", "household_id", "household"]


def household_text(household: Mapping[str, Any], rank: int) -> str:
    """A household's place on paper, without its label (a sealed value): « A · 2e ét. », « log. 3 », mark."""
    parts = []
    if str(household.get("entrance") or "").strip():
        parts.append(str(household["entrance"]).strip())
    floor = household.get("floor")
    if floor is not None and not (isinstance(floor, float) and pd.isna(floor)):
        floor = int(floor)
        parts.append("RdC" if floor == 0 else "1er ét." if floor == 1 else f"{floor}e ét." if floor > 0
                     else f"ss-sol {-floor}")
    if not parts:
        parts.append(f"log. {rank}")
    if household.get("mark"):
        parts.append(MARK_LABELS_FR.get(str(household["mark"]), str(household["mark"])).lower())
    return " · ".join(parts)


def sheet_rows(walk: pd.DataFrame, households: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One line per door of the phone (``walk``: ``doors.turf_walk``'s rows; ``households``: the turf's, as
    ``store.visits.turf_state`` gives them), numbered 1…n in ``order``; ``door`` the phone's walk order,
    ``address_id`` and ``household_id`` (None for a point without households) the door a typed outcome names."""
    doors = phone_turf(walk, households, [])
    by_order = {int(o): i for i, o in enumerate(walk["order"])} if len(walk) else {}
    lines: list[dict[str, Any]] = []
    for door in doors:
        base = walk.iloc[by_order[door["order"]]].to_dict()
        block = door["households"] or [None]
        for rank, household in enumerate(block, start=1):
            line = {**base, "door": door["order"], "address_id": door["address_id"]}
            if household is None:
                line.update(household_id=None, household="", doors=int(door["estimated_doors"]))
            else:
                line.update(household_id=str(household["household_id"]), household=household_text(household, rank),
                            side=household_text(household, rank), doors=1)
            lines.append(line)
    frame = pd.DataFrame(lines, columns=SHEET_COLUMNS)
    frame["order"] = range(1, len(frame) + 1)
    for column in OUTCOME_COLUMNS:
        frame[column] = ""
    return frame.astype({"order": "int64", "door": "int64", "doors": "int64"}) if len(frame) else frame


def drop_opposed(rows: pd.DataFrame, doors: Collection[tuple[str, str | None]]) -> tuple[pd.DataFrame, int]:
    """``rows`` (:func:`sheet_rows`, or any frame with ``address_id`` and ``household_id``) without the lines of
    opposed ``doors`` ((address_id, household_id or None: the whole address)), and how many lines were left out.
    ``order`` is kept as it was (a gap where a door was left out): a sheet printed before a « ne plus solliciter »
    and typed back after it keeps its line numbers, so no result lands on the wrong door."""
    if not len(rows) or not doors:
        return rows, 0
    addresses = {a for a, h in doors if h is None}
    households = {(a, h) for a, h in doors if h is not None}

    def opposed(address_id: object, household_id: object) -> bool:
        if str(address_id) in addresses:
            return True
        return household_id is not None and not pd.isna(household_id) and (str(address_id), str(household_id)) in households

    mask = [opposed(a, h) for a, h in zip(rows["address_id"], rows["household_id"], strict=True)]
    kept = rows.loc[[not m for m in mask]].reset_index(drop=True)
    return kept, int(sum(mask))


def sheet_visit_id(turf_id: int, day: date, address_id: str, household_id: str | None) -> str:
    """The id of the visit typed back for one door of a turf's sheet walked on ``day``: the same door typed
    again gives the same id (the store keeps the first)."""
    return str(uuid.uuid5(SHEET_NAMESPACE, f"{int(turf_id)}|{day.isoformat()}|{address_id}|{household_id or ''}"))


@dataclass(frozen=True)
class TypedVisit:
    """One line of a sheet typed back: the door and its outcome."""

    line: int
    visit_id: str
    address_id: str
    household_id: str | None
    outcome: str


def typed_back(rows: pd.DataFrame, outcomes: Mapping[int, str | None], *, turf_id: int, day: date) -> list[TypedVisit]:
    """The visits of the lines of ``rows`` (:func:`sheet_rows`) given an outcome in ``outcomes`` (line -> outcome
    id; None or empty: not knocked). A line the sheet does not have or an outcome the phone does not know is
    refused as a whole, with a French message (nothing half-stored)."""
    by_line = {int(r.order): r for r in rows.itertuples(index=False)}
    out: list[TypedVisit] = []
    for line, outcome in sorted(outcomes.items()):
        if outcome in (None, ""):
            continue
        if int(line) not in by_line:
            raise CanvassError(f"ligne {line} impossible : la feuille compte {len(by_line)} ligne(s)")
        if outcome not in OUTCOME_LABELS_FR:
            raise CanvassError(f"ligne {line} : résultat inconnu « {str(outcome)[:30]} »")
        row = by_line[int(line)]
        household = None if row.household_id is None or pd.isna(row.household_id) else str(row.household_id)
        out.append(TypedVisit(int(line), sheet_visit_id(turf_id, day, str(row.address_id), household),
                              str(row.address_id), household, str(outcome)))
    return out
