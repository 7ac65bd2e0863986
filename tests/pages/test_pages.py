"""Carte and Présentation as Streamlit runs them (AppTest): widgets, URL, station detail, saved views."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.maps.view import MapView
from dashboard.store import CampaignStore
from tests.apptest import app_test, carte_stations, decks, maps

@pytest.fixture()
def demo_env(demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo (pages write saved views into the campaign store beside it)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(demo_dir / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    shutil.copy(demo_dir / "campaign.duckdb", data_dir / "campaign.duckdb")  # the demo accounts
    monkeypatch.setenv("ISOLOIR_DATA_DIR", str(data_dir))
    from dashboard.ui import data

    for cached in (data.settings, data.warehouse, data.info):
        cached.clear()
    import streamlit as st

    st.cache_data.clear()
    return data_dir


def _app(**params: str) -> AppTest:
    return app_test("admin", **params).run()


def _deck(at: AppTest) -> dict:
    charts = decks(at)
    assert len(charts) == 1
    return charts[0]


def test_carte_opens_on_the_latest_election_with_a_legend(demo_env: Path) -> None:
    at = _app()
    assert not at.exception
    assert at.title[0].value == "Participation — Législatives 2024 — 2d tour"
    assert len(carte_stations(at)) == 41
    geo = maps(at)[0]["geo"]  # the geometry comes from its tiles: the message holds a few bytes per station
    assert all(set(group) == {"path", "n", "bounds", "c", "t"} for group in geo["groups"])
    assert not any(layer["id"] == "bureaux" for layer in _deck(at)["layers"])
    legend = at.html[0].value
    assert "Quantiles · 5 classes" in legend and "\u202f%" in legend
    assert at.query_params["election"] == "leg2024_t2"


@pytest.mark.parametrize("kind", ["turnout", "abstention", "share", "winner", "margin", "blank_null", "blank", "null",
                                  "swing_share", "swing_turnout"])
def test_every_measure_can_be_chosen_and_drawn(demo_env: Path, kind: str) -> None:
    at = _app()
    at.selectbox(key="carte_election_id").select("leg2024_t1").run()
    at.selectbox(key="carte_kind").select(kind).run()
    assert not at.exception and not at.error
    colours = {tuple(r["c"]) for r in carte_stations(at).values()}
    assert len(colours) >= 2
    if kind.startswith("swing"):
        assert at.selectbox(key="carte_reference_id").value == "euro2024"  # the previous election by default
        at.selectbox(key="carte_reference_id").select("pres2022_t1").run()  # across the 2024 boundary change
        assert not any("non comparable" in c.value for c in at.caption)  # the split station goes through the crosswalk
        assert "pts" in at.html[0].value and "fiabilité &lt; 80" in at.html[0].value  # the legend (escaped HTML)


def test_link_with_view_and_station_opens_its_detail(demo_env: Path) -> None:
    at = _app(election="pres2022_t1", mesure="share", cible="extreme_droite", base="registered", methode="jenks",
              classes="4", bv="45999_12")
    assert not at.exception
    assert at.title[0].value == "Score Extrême droite (des inscrits) — Présidentielle 2022 — 1er tour"
    assert "Seuils naturels (Jenks) · 4 classes" in at.html[0].value
    assert any(h.value.startswith("Bureau 12") for h in at.header)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rang (participation)"].endswith("/ 40")
    assert maps(at)[0]["geo"]["selected"] == "45999_12"  # the station is outlined on the map
    next(b for b in at.button if b.label == "Fermer la fiche du bureau").click().run()
    assert not any(h.value.startswith("Bureau 12") for h in at.header)
    assert "bv" not in at.query_params


def test_hostile_parameters_are_ignored_with_a_message(demo_env: Path) -> None:
    at = _app(mesure="<script>alert(1)</script>", communes="x';DROP TABLE votes;--", classes="42")
    assert not at.exception
    assert at.title[0].value.startswith("Participation")
    assert len(at.toast) == 3


def test_iris_layer_with_station_outlines(demo_env: Path) -> None:
    at = _app(couche="iris", election="pres2022_t1", indicateur="P21_RP_LOC", annee="2021", mode="share")
    assert not at.exception
    assert at.title[0].value.startswith("Résidences principales occupées par des locataires — part des")
    ids = [layer["id"] for layer in _deck(at)["layers"]]
    assert "iris" in ids and "contours-bureaux" in ids


def test_territory_choice_restricts_the_map(real_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOLOIR_DATA_DIR", str(real_data_dir))
    from dashboard.ui import data

    for cached in (data.settings, data.warehouse, data.info):
        cached.clear()
    at = _app(election="leg2024_t1", communes="29019")
    assert not at.exception
    assert len(carte_stations(at)) == 104
    at.multiselect(key="carte_communes").select("92019").run()
    stations = set(carte_stations(at))
    assert {s.split("_")[0] for s in stations} == {"29019", "92019"} and len(stations) == 104 + 19
    at.radio(key="carte_layer").set_value("iris").run()
    assert any("Aucun indicateur IRIS" in w.value for w in at.warning)


def test_saved_views_become_slides(demo_env: Path) -> None:
    at = _app(election="pres2022_t2", mesure="winner")
    at.text_input(key="carte_view_name").input("Vainqueurs du 2d tour")
    next(b for b in at.button if b.label == "Enregistrer la vue").click().run()
    assert any("Vue enregistrée" in s.value for s in at.success)
    store = CampaignStore(demo_env / "campaign.duckdb")
    store.save_view("Participation européennes", MapView(election_id="euro2024").to_dict(), by="cli")
    from dashboard.demo.build import DEMO_SLIDES

    demo_slides = [name for name, _ in DEMO_SLIDES]  # the demo ships three slides: Présentation never opens empty
    assert [v.name for v in store.views()] == [*demo_slides, "Vainqueurs du 2d tour", "Participation européennes"]

    at.query_params.clear()  # the sidebar link to Présentation carries no view: the first slide
    at.switch_page("../pages/presentation.py").run()
    assert not at.exception
    assert at.title[0].value == demo_slides[0]
    assert any("1 / 5" in m.value for m in at.markdown)
    at.query_params["vue"] = str(store.views()[3].view_id)
    at.run()
    assert at.title[0].value == "Vainqueurs du 2d tour"
    assert any("4 / 5" in m.value for m in at.markdown)
    next_button = next(b for b in at.button if b.label == "Suivant ▶")
    next_button.click().run()
    assert at.title[0].value == "Participation européennes"
    assert at.query_params["vue"] == str(store.views()[4].view_id)


def test_zoom_is_part_of_the_view(demo_env: Path) -> None:
    at = _app(zoom="15", classes="2")
    assert not at.exception
    assert _deck(at)["initialViewState"]["zoom"] == 15
    assert at.selectbox(key="carte_zoom").value == "15"
    at.selectbox(key="carte_zoom").select("auto").run()
    assert _deck(at)["initialViewState"]["zoom"] < 15 and "zoom" not in at.query_params


def test_station_indicators_name_the_stored_weighting(demo_env: Path) -> None:
    from dashboard.iris.weights import store_station_iris
    from dashboard.warehouse.database import Warehouse

    with Warehouse(demo_env / "warehouse.duckdb") as wh:
        store_station_iris(wh)
    at = _app(election="pres2022_t1", bv="45999_12")
    assert not at.exception
    assert any(c.value.startswith("Estimation par adresses") for c in at.caption)
