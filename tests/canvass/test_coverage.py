"""The coverage map's pure parts (``canvass/coverage.py``): progress classes, point states, the deck's records."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import shapely

from dashboard.canvass.coverage import (CLASSES, POINT_LAYER, TURF_LAYER, coverage_class, coverage_deck, point_states,
                                        turf_coverage)


def test_classes_run_from_none_to_done() -> None:
    assert [coverage_class(k, 40) for k in (0, 1, 10, 11, 20, 30, 39, 40, 55)] == [0, 1, 1, 2, 2, 3, 4, 5, 5]
    assert coverage_class(1, 0) == len(CLASSES) - 1


def test_turfs_and_points_carry_counts_only() -> None:
    square = shapely.box(1.90, 47.90, 1.91, 47.91).wkb
    turfs = [SimpleNamespace(turf_id=1, name="Secteur 1", zone_name="Nord", doors=4, geometry_wkb=square),
             SimpleNamespace(turf_id=2, name="Secteur 2", zone_name="Nord", doors=10, geometry_wkb=None)]
    counts = pd.DataFrame({"turf_id": [1, 1], "address_id": ["a@1", "b@1"], "doors": [3, 2], "opened": [1, 0]})
    coverage = turf_coverage(turfs, counts)
    assert [(c.knocked, c.doors, c.opened) for c in coverage] == [(5, 5, 1), (0, 10, 0)]  # more knocked than estimated
    points = point_states(pd.DataFrame({"address_id": ["a@1", "b@1", "c@1"], "lon": [1.901, 1.902, 1.903],
                                        "lat": [47.901] * 3}), counts)
    assert list(points["state"]) == ["opened", "knocked", "never"]
    spec = coverage_deck(coverage, points)
    assert spec is not None
    layers = {layer.id: layer.data for layer in spec.deck.layers}
    assert [r["d"] for r in layers[TURF_LAYER]] == ["5 / 5 portes frappées (100 %), 1 ouvertes".replace(" %", "\u202f%")]
    assert [r["t"] for r in layers[POINT_LAYER]] == ["porte ouverte", "frappée, sans réponse", "jamais frappée"]
    assert {e.label for e in spec.legend.entries} == {"terminé", "adresse : porte ouverte", "adresse : frappée, sans réponse",
                                                      "adresse : jamais frappée"}
    assert coverage_deck([], points.iloc[:0]) is None
