"""The « Importer » page with an electoral list (AppTest, whole app): recognised, previewed, confirmed, reviewed.

AppTest cannot upload: the dropped file is handed over as the uploader does (``import_panel.add_paths``'s
session keys)."""

from __future__ import annotations

from pathlib import Path

from dashboard.demo.voters import generate_voter_list, write_voter_csv
from dashboard.store import CampaignStore
from dashboard.store import voters as voter_store
from dashboard.ui import voters_panel
from dashboard.warehouse.database import Warehouse
from tests.apptest import app_test, open_page


def test_voter_list_preview_confirm_and_review(demo_env: Path, tmp_path: Path) -> None:
    with Warehouse(demo_env / "warehouse.duckdb", read_only=True) as wh:
        frame = generate_voter_list(wh.query("SELECT * FROM address"), 300, seed=11)
    path = write_voter_csv(frame, tmp_path / "liste-electorale.csv")
    assert voters_panel.is_voter_list(path) and not voters_panel.is_voter_list(demo_env / "warehouse.duckdb")
    at = open_page(app_test("admin").run(), "importer.py")
    assert not at.exception, at.exception
    at.session_state[voters_panel.VOTER_FILES] = [path]
    at = at.run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Électeurs"] == "300" and metrics["Adresses rapprochées"].endswith("%")
    rate = float(metrics["Adresses rapprochées"].rstrip(" %").replace(",", ".").replace("\u202f", ""))
    assert rate >= 95
    review = at.dataframe[0].value
    assert list(review.columns)[:3] == ["ligne", "bureau", "adresse (fichier)"]
    assert "Nom de naissance" not in review.columns and not set(frame["Nom de naissance"]) & set(map(str, review.to_numpy().ravel()))
    store = CampaignStore(demo_env / "campaign.duckdb")
    assert voter_store.voter_counts_by_station(store, by="cli").empty  # nothing written before the confirm
    store.close()
    at.button(key="voters_confirm_0").click()
    at = at.run()
    assert not at.exception, at.exception
    assert any("300 électeur(s)" in s.value for s in at.success)
    store = CampaignStore(demo_env / "campaign.duckdb")
    assert int(voter_store.voter_counts_by_station(store, by="cli")["voters"].sum()) == 300
    waiting = len(voter_store.review_queue(store, by="cli"))
    store.close()
    assert waiting >= 1
    leave = [b for b in at.button if b.key and b.key.startswith("voters_leave_")]
    leave[0].click()
    at = at.run()
    assert not at.exception, at.exception
    store = CampaignStore(demo_env / "campaign.duckdb")
    assert len(voter_store.review_queue(store, by="cli")) == waiting - 1
    store.close()


def test_carte_draws_voter_counts_for_those_allowed_only(demo_env: Path, tmp_path: Path) -> None:
    import json

    from dashboard.canvass.voters import import_voter_list

    with Warehouse(demo_env / "warehouse.duckdb", read_only=True) as wh:
        path = write_voter_csv(generate_voter_list(wh.query("SELECT * FROM address"), 200, seed=3), tmp_path / "l.csv")
        store = CampaignStore(demo_env / "campaign.duckdb")
        import_voter_list(path, wh, store, by="cli")
        store.close()
    from dashboard.maps.measure_types import KINDS

    at = app_test("admin").run()
    assert KINDS["voters"] in at.selectbox(key="carte_kind").options
    at.selectbox(key="carte_kind").select("voters").run()
    assert not at.exception and not at.error, at.error
    from tests.apptest import carte_stations

    texts = [s["v"] for s in carte_stations(at).values()]
    assert any("électeur(s)" in t for t in texts) and "aucun nom sur la carte" in at.html[0].value
    strategist = app_test("strategist").run()
    assert not strategist.exception
    options = strategist.selectbox(key="carte_kind").options
    assert KINDS["turnout"] in options and KINDS["voters"] not in options


def test_terrain_selection_is_lawful_and_an_origin_criterion_is_refused(demo_env: Path, tmp_path: Path) -> None:
    from dashboard.canvass.voters import import_voter_list
    from dashboard.store import audit

    with Warehouse(demo_env / "warehouse.duckdb", read_only=True) as wh:
        path = write_voter_csv(generate_voter_list(wh.query("SELECT * FROM address"), 200, seed=5), tmp_path / "l.csv")
        store = CampaignStore(demo_env / "campaign.duckdb")
        import_voter_list(path, wh, store, by="cli")
        store.close()
    at = open_page(app_test("candidate").run(), "terrain.py")
    assert not at.exception, at.exception
    at.selectbox(key="voters_sex").set_value("F")
    at.checkbox(key="voters_names").check()
    at.button(key="FormSubmitter:voters_segment-Sélectionner").click()
    at = at.run()
    assert not at.exception and not at.error, at.error
    selected = next(m for m in at.metric if m.label == "Électeurs sélectionnés")
    assert int(selected.value.replace("\u202f", "")) > 0
    at.selectbox(key="voters_other").set_value("birthplace")
    at.button(key="FormSubmitter:voters_segment-Sélectionner").click()
    at = at.run()
    assert any("CNIL" in e.value and "lieu de naissance" in e.value for e in at.error)
    store = CampaignStore(demo_env / "campaign.duckdb")
    assert [e.detail for e in audit.entries(store, by="cli", action="segmentation_refused")] == [{"criterion": "birthplace"}]
    store.close()
