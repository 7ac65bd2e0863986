"""Doors as they are in France (``dashboard.canvass.doors``): households where known, estimates otherwise; a door's
status from its visits; the phone's turf JSON in walk order."""

from __future__ import annotations

import pandas as pd

from dashboard.canvass.doors import door_count, door_status, phone_turf, with_households


def _walk() -> pd.DataFrame:
    return pd.DataFrame({"order": [1, 2], "street": ["Rue des Lilas", None], "number": ["12 bis", None],
                         "address_ids": ["a@45999_1 b@45999_2", "c@45999_1"], "doors": [3, 1]})


def test_doors_counted_by_households_where_known() -> None:
    assert door_count({"a": 3, "b": 1, "c": 2}, {"a": 6}) == 6 + 1 + 2
    assert door_count({"a": 3}, {"a": 0}) == 3  # every household removed: back to the estimate
    walk = with_households(_walk(), {"b@45999_2": 4})
    assert walk["doors"].tolist() == [4, 1] and walk["households_known"].tolist() == [True, False]


def test_a_door_goes_back_on_the_list_after_absent_or_repasser() -> None:
    assert door_status([]) == "todo"
    assert door_status(["ouvert", "absent"]) == "again"
    assert door_status(["absent", "repasser"]) == "again"
    assert door_status(["absent", "ne_plus_solliciter"]) == "done"


def test_phone_turf_keys_a_point_by_its_first_address_and_keeps_history() -> None:
    households = [{"household_id": "h2", "address_id": "a@45999_1", "entrance": "", "floor": 1, "label": None,
                   "mark": None, "position": 2},
                  {"household_id": "h1", "address_id": "a@45999_1", "entrance": "", "floor": 0, "label": "RDC",
                   "mark": "digicode", "position": 1}]
    visits = [{"visit_id": "v1", "address_id": "c@45999_1", "household_id": None, "outcome": "absent",
               "recorded_at": "2026-03-01T09:00:00+00:00"}]
    doors = phone_turf(_walk(), households, visits)
    assert [d["label"] for d in doors] == ["12 bis Rue des Lilas", "(voie sans nom)"]
    assert [h["household_id"] for h in doors[0]["households"]] == ["h1", "h2"]  # by floor
    assert doors[1]["history"] == [{"visit_id": "v1", "household_id": None, "outcome": "absent",
                                    "at": "2026-03-01T09:00:00+00:00"}]
    assert doors[0]["estimated_doors"] == 3 and doors[0]["address_id"] == "a@45999_1"
