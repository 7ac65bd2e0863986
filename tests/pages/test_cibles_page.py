"""The Cibles page through the whole app (AppTest): score map with the top targets numbered,
ranked and explained targets, export, group behaviour and vote transfers; roles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.targeting.scores import parse_fr_number
from dashboard.targeting.target_map import LABELS_LAYER_ID, TOP_LAYER_ID
from tests.apptest import app_test, decks, maps, open_page


def _deck(at) -> dict:  # noqa: ANN001 - AppTest
    return decks(at)[0]


def _layer(deck: dict, layer_id: str) -> dict:
    return next(layer for layer in deck["layers"] if layer["id"] == layer_id)


def test_scores_tab_draws_the_map_with_the_top_targets_numbered(demo_env: Path) -> None:
    at = open_page(app_test("strategist").run(), "cibles.py")
    assert not at.exception, at.exception
    assert at.title[0].value == "Cibles"
    deck = _deck(at)
    labels = [r["t"] for r in _layer(deck, LABELS_LAYER_ID)["data"]]
    assert labels == [str(i) for i in range(1, 11)]  # the ten first, numbered 1..10
    assert len(_layer(deck, TOP_LAYER_ID)["data"]) >= 10  # their outlines (a multipolygon gives several)
    stations = {r["i"] for r in _layer(deck, "bureaux")["data"]}
    assert len(stations) >= 40
    table = at.dataframe[0].value
    assert list(table["Rang"]) == [str(i) for i in range(1, 11)]
    priorities = [parse_fr_number(v) for v in table["Priorité"]]
    assert priorities == sorted(priorities, reverse=True)
    # each target is explained with its own numbers
    assert len(at.expander) >= 10
    assert any("mobilisation =" in m.value for m in at.markdown)
    download = at.get("download_button")
    assert download and "CSV" in download[0].proto.label


def test_top_n_and_score_choice_change_the_map(demo_env: Path) -> None:
    at = open_page(app_test("viewer").run(), "cibles.py")
    at.slider(key="cibles_top_n").set_value(3)
    at.selectbox(key="cibles_score").set_value("net_votes_per_hour")
    at.run()
    assert not at.exception, at.exception
    deck = _deck(at)
    assert [r["t"] for r in _layer(deck, LABELS_LAYER_ID)["data"]] == ["1", "2", "3"]
    assert "Votes nets par heure" in at.subheader[0].value
    values = [parse_fr_number(v) for v in at.dataframe[0].value["Votes nets par heure"]]
    assert values == sorted(values, reverse=True)


def test_weights_reorder_the_priority(demo_env: Path) -> None:
    at = open_page(app_test("strategist").run(), "cibles.py")
    first = list(at.dataframe[0].value["Nom du bureau"])
    assert "1,25" in at.select_slider(key="cibles_w_persuasion").options  # weights read in French
    for score in ("persuasion", "net_votes_per_hour"):
        at.select_slider(key=f"cibles_w_{score}").set_value(0.0)
    at.run()
    assert not at.exception
    by_mobilisation = [parse_fr_number(v) for v in at.dataframe[0].value["Mobilisation"]]
    assert by_mobilisation == sorted(by_mobilisation, reverse=True)  # priority = mobilisation alone
    assert list(at.dataframe[0].value["Nom du bureau"]) != first or len(set(first)) < 2


def test_transfers_and_groups_show_a_heat_map_with_intervals_and_a_diagnostic(demo_env: Path) -> None:
    at = open_page(app_test("candidate").run(), "cibles.py")
    assert not at.exception
    assert at.selectbox(key="cibles_t_from").value.endswith("_t1")
    assert at.selectbox(key="cibles_t_to").value == at.selectbox(key="cibles_t_from").value[:-1] + "2"
    charts = at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart")
    assert len(charts) >= 2  # groups and transfers
    diagnostics = [s.value for s in at.success] + [w.value for w in at.warning]
    assert sum("Diagnostic" in d for d in diagnostics) >= 2
    # 40 stations cannot pin down the small candidates' transfers: those cells say so, the others are numbers
    details = [df.value for df in at.dataframe if "Estimation" in df.value.columns]
    assert len(details) == 2
    for frame in details:
        shown = list(frame["Estimation"])
        assert "non identifiable ici" in shown
        assert any(v.endswith("%") for v in shown)
        for est, lo, hi in zip(shown, frame["Borne basse (90 %)"], frame["Borne haute (90 %)"]):
            if est == "non identifiable ici":
                assert parse_fr_number(hi) - parse_fr_number(lo) > 50
            else:
                assert parse_fr_number(hi) - parse_fr_number(lo) <= 50
    assert any("non identifiables ici" in d for d in diagnostics)
    assert any("Détails du diagnostic" in e.label for e in at.expander)
    at.radio(key="cibles_t_method").set_value("goodman").run()
    assert not at.exception
    assert any("Goodman" in m.value for m in at.markdown)
    assert any("régression de Goodman sur" in w.value and "convergée" in w.value for w in [*at.warning, *at.success])


def test_pooling_with_neighbours_is_the_users_choice(demo_env: Path) -> None:
    """Both inference tabs offer to pool a territory of fewer than six stations with its neighbours;
    refusing is the default (the refusal itself: tests/targeting/test_ei_data.py)."""
    at = open_page(app_test("strategist").run(), "cibles.py")
    assert at.checkbox(key="cibles_t_pool") is not None and at.checkbox(key="cibles_g_pool") is not None
    assert not at.checkbox(key="cibles_t_pool").value  # refusal is the default


@pytest.mark.parametrize("role", ["canvasser"])
def test_refused_to_canvassers(demo_env: Path, role: str) -> None:
    at = open_page(app_test(role).run(), "cibles.py")
    assert at.title[0].value == "Accès refusé"
    assert not maps(at)

