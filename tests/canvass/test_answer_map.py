"""The questionnaire answer map (pure): share classes, counts in the tooltip, small counts pale and said."""

from __future__ import annotations

import pandas as pd
from shapely.geometry import box

from dashboard.canvass.answer_map import CLASSES, FEW_ANSWERS, LAYER_ID, Area, answer_map, answer_shares, share_class

RESULTS = pd.DataFrame({
    "group": ["a", "a", "b", "b", "c"],
    "question_key": ["q1"] * 5,
    "question": ["Irez-vous voter ?"] * 5,
    "choice": ["oui", "non", "oui", "non", "non"],
    "count": [12, 18, 1, 1, 3],
    "answered": [30, 30, 2, 2, 3],
    "share": [0.4, 0.6, 0.5, 0.5, 1.0],
})
AREAS = [Area("a", "Bureau 1", box(2.0, 47.0, 2.01, 47.01)), Area("b", "Bureau 2", box(2.01, 47.0, 2.02, 47.01)),
         Area("c", "Bureau 3", box(2.02, 47.0, 2.03, 47.01)), Area("d", "Bureau 4", box(2.03, 47.0, 2.04, 47.01)),
         Area("e", "sans contour", None)]


def test_shares_count_areas_that_gave_only_other_answers() -> None:
    shares = answer_shares(RESULTS, "q1", "oui")
    assert {k: (s.count, s.answered) for k, s in shares.items()} == {"a": (12, 30), "b": (1, 2), "c": (0, 3)}
    assert [share_class(x) for x in (0.0, 0.19, 0.2, 0.59, 0.8, 1.0)] == [0, 0, 1, 2, 4, 4]


def test_the_map_gives_share_and_count_and_flags_small_counts() -> None:
    drawn = answer_map(AREAS, RESULTS, question_key="q1", question="Irez-vous voter ?", choice="oui",
                       group_fr="bureau de vote")
    assert drawn is not None
    layer = next(layer for layer in drawn.deck.layers if layer.id == LAYER_ID)
    details = {r["k"]: r["d"] for r in layer.data}
    assert details["a"] == "oui : 12 sur 30 réponses (40\u202f%)"
    assert details["b"].startswith("oui : 1 sur 2 réponses (50\u202f%)") and "peu de réponses" in details["b"]
    assert details["c"].startswith("oui : 0 sur 3 réponses (0\u202f%)")
    assert details["d"] == "aucune réponse à cette question" and "e" not in details  # no outline: not drawn
    colours = {r["k"]: r["c"] for r in layer.data}
    assert colours["a"][:3] == list(CLASSES[2][2]) and colours["b"][3] < colours["a"][3]  # pale under FEW_ANSWERS
    labels = [e.label for e in drawn.legend.entries]
    assert f"moins de {FEW_ANSWERS} réponses (couleur pâle)" in labels and "aucune réponse" in labels
    assert set(layer.data[0]) == {"p", "k", "t", "d", "c"}  # no visit, address or text


def test_nothing_to_draw_without_outlines() -> None:
    assert answer_map([AREAS[-1]], RESULTS, question_key="q1", question="x", choice="oui", group_fr="secteur") is None
