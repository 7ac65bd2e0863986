"""Zones map readability (issue 13): neighbouring turfs in different colours, overlaps with assigned zones named."""

from __future__ import annotations

import json

import shapely

from dashboard.canvass.turfs import cut_turfs
from dashboard.canvass.zone_map import (TURF_LABELS_ID, assigned_overlaps, neighbour_colours, turf_deck,
                                        turf_shapes)
from tests.canvass.conftest import make_town


def test_touching_turfs_get_different_colours() -> None:
    squares = [shapely.box(i, j, i + 1, j + 1) for i in range(6) for j in range(6)]
    colours = neighbour_colours(squares, 12)
    for a in range(len(squares)):
        for b in range(a + 1, len(squares)):
            if squares[a].intersects(squares[b]):
                assert colours[a] != colours[b], (a, b)
    assert neighbour_colours([], 12) == []


def test_a_160_turf_preview_labels_only_what_fits() -> None:
    town = make_town(40, 40, spacing_m=12.0)  # 3,200 doors
    plan = cut_turfs(town, 20)
    assert len(plan.turfs) == 160
    zone = shapely.union_all([t.geometry for t in plan.turfs])
    deck = turf_deck(turf_shapes(plan), zone, width_px=700, height_px=460)
    assert deck is not None
    layers = json.loads(deck.to_json())["layers"]
    labels = next(layer for layer in layers if layer["id"] == TURF_LABELS_ID)
    assert 0 < len(labels["data"]) <= 160
    assert "monospace" not in json.dumps(labels) and labels["fontWeight"] == "bold"


def test_a_selection_over_an_assigned_zone_says_who_holds_it() -> None:
    selection = shapely.box(0, 0, 10, 10)
    zones = [("Nord", shapely.box(5, 5, 15, 15), ("canvasser", "canvasser")), ("Libre", shapely.box(0, 0, 3, 3), ()),
             ("Voisine", shapely.box(10, 0, 20, 10), ("bob",)), ("Petite", shapely.box(1, 1, 2, 2), ("alice",))]
    found = assigned_overlaps(selection, zones)
    assert [o.name for o in found] == ["Nord", "Petite"]  # unassigned and touching-only zones are not warned about
    assert found[0].holders == ("canvasser",) and abs(found[0].share - 0.25) < 1e-9
    assert "« Nord », déjà confiée à canvasser" in found[0].message_fr and "25" in found[0].message_fr
    assert assigned_overlaps(shapely.Polygon(), zones) == []


def test_the_turf_maps_of_zones_show_the_streets_and_their_names() -> None:
    from dashboard.canvass.streets import STREET_LAYER, STREET_NAME_LAYER, street_lines

    town = make_town(3, 6)
    plan = cut_turfs(town, 12)
    zone = shapely.union_all([t.geometry for t in plan.turfs])
    deck = turf_deck(turf_shapes(plan), zone, points=town[["lon", "lat"]], streets=street_lines(town))
    assert deck is not None
    layers = {layer["id"]: layer for layer in json.loads(deck.to_json())["layers"]}
    assert len(layers[STREET_LAYER]["data"]) == 3
    assert sorted(r["n"] for r in layers[STREET_NAME_LAYER]["data"]) == ["Rue n°0", "Rue n°1", "Rue n°2"]
