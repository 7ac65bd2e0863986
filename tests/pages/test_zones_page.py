"""The Zones page (``/zones``) as Streamlit runs it (AppTest, whole app, city demo).

A lasso is simulated by setting the lasso component's state (what the browser sends);
the browser test ``tests/e2e/test_zones.py`` draws one with the mouse. Every flow is
checked in the campaign store the page writes to.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import shapely
from streamlit.testing.v1 import AppTest

from dashboard.canvass.selection import select, stations_at_least
from dashboard.store import CampaignStore, audit, turfs, users, zones
from dashboard.warehouse.database import Warehouse
from dashboard.canvass.zone_map import INCLUDED_ID, REGION_ID, ZONES_FILL_ID, ZONES_LABEL_ID
from tests.apptest import app_test, decks, maps, open_page

ELECTION = "leg2024_t2"  # the demo's latest election: the page's default
# a rectangle over the north of the city demo (lon/lat), and one far away
LASSO = [[1.8825, 47.8912], [1.9091, 47.8912], [1.9091, 47.9042], [1.8825, 47.9042]]
OUTSIDE = [[2.5, 48.5], [2.6, 48.5], [2.6, 48.6], [2.5, 48.6]]


@pytest.fixture()
def demo_env(demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo (the page writes zones, turfs and audit entries into its campaign store)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(demo_dir / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    shutil.copy(demo_dir / "campaign.duckdb", data_dir / "campaign.duckdb")
    monkeypatch.setenv("ISOLOIR_DATA_DIR", str(data_dir))
    from dashboard.ui import data

    for cached in (data.settings, data.warehouse, data.info):
        cached.clear()
    import streamlit as st

    st.cache_data.clear()
    return data_dir


def _store(data_dir: Path) -> CampaignStore:
    return CampaignStore(data_dir / "campaign.duckdb")


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def _page(role: str = "strategist") -> AppTest:
    return _ok(open_page(_ok(app_test(role).run()), "zones.py"))


def _map_key(at: AppTest) -> str:
    gen = at.session_state["zones_gen"] if "zones_gen" in at.session_state else 0
    return f"zones_lasso_{gen}"


def _lasso(at: AppTest, *lassos: tuple[str, list[list[float]]], clicked: tuple[str, ...] = ()) -> AppTest:
    """What the browser sends after drawing ``lassos`` ((op, coords), …) and clicking ``clicked``."""
    at.session_state[_map_key(at)] = {"selection": {
        "lassos": [{"op": op, "coords": coords} for op, coords in lassos], "clicked": list(clicked), "view": {},
    }}
    return _ok(at.run())


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _button(at: AppTest, label: str):  # noqa: ANN202 - AppTest element
    return next(b for b in at.button if b.label == label)


def _deck(at: AppTest) -> dict:
    component = [m for m in maps(at) if m["tools"]]  # the lasso map (the field team's maps have no tools)
    assert len(component) == 1
    return json.loads(component[0]["deck"])


def _expected(data_dir: Path, polygon: shapely.Geometry):  # noqa: ANN202 - a Selection
    with Warehouse(data_dir / "warehouse.duckdb", read_only=True) as wh:
        return select(wh, polygon, election_id=ELECTION)


def _zone(data_dir: Path, name: str) -> zones.Zone:
    return next(z for z in zones.zones_for(_store(data_dir), by="cli") if z.name == name)


def _key(prefix: str, zone: zones.Zone) -> str:
    """The key of a widget of the zone's actions (it changes with each version: fresh defaults)."""
    return f"{prefix}{zone.zone_id}_{zone.version}"


def _choose_zone(at: AppTest, data_dir: Path, name: str) -> AppTest:
    return _ok(at.selectbox(key="zones_current").select(_zone(data_dir, name).zone_id).run())


# -- who opens the page -------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["admin", "candidate", "strategist"])
def test_the_builders_open_the_page(demo_env: Path, role: str) -> None:
    at = _page(role)
    assert at.title[0].value == "Zones de porte-à-porte"
    listed = at.table[0].value
    assert {"Centre-ville (démo)", "Quartier nord (démo)"} <= set(listed["zone"])
    assert list(listed.columns) == ["zone", "statut", "bureaux", "adresses", "portes", "inscrits", "secteurs",
                                    "propriétaire", "modifiée le"]
    layers = {layer["id"] for layer in _deck(at)["layers"]}
    assert {"bureaux", ZONES_FILL_ID, ZONES_LABEL_ID} <= layers  # the stations and the saved zones
    assert "Tracez un lasso" in at.info[0].value or "tracez un lasso" in at.info[0].value


@pytest.mark.parametrize("role", ["viewer", "canvasser"])
def test_the_other_roles_are_refused(demo_env: Path, role: str) -> None:
    at = _ok(open_page(_ok(app_test(role).run()), "zones.py"))
    assert at.title[0].value == "Accès refusé"
    assert not maps(at) and not at.table


# -- a lasso becomes a zone -----------------------------------------------------------------------
def test_a_lasso_becomes_a_saved_zone_with_its_counts(demo_env: Path) -> None:
    at = _lasso(_page(), ("add", LASSO))
    polygon = shapely.Polygon(LASSO)
    expected = _expected(demo_env, polygon)
    assert len(expected.station_ids) >= 5
    shown = _metrics(at)
    assert shown["Bureaux retenus"] == str(len(expected.station_ids))
    assert shown["Adresses"].replace("\u202f", "") == str(expected.addresses["ban_id"].nunique())
    assert {"Inscrits estimés", "Portes estimées", "Bureaux touchés"} <= set(shown)
    deck = _deck(at)
    included = next(layer for layer in deck["layers"] if layer["id"] == INCLUDED_ID)
    assert len(included["data"]) >= len(expected.station_ids)  # the included stations outlined (one record per part)
    assert any(layer["id"] == REGION_ID for layer in deck["layers"])

    at.text_input(key="zones_name_0").input("Nord — lasso")
    at = _ok(_button(at, "Enregistrer la zone").click().run())
    assert any("Zone « Nord — lasso » enregistrée" in s.value for s in at.success)
    zone = _zone(demo_env, "Nord — lasso")
    assert zone.station_ids == tuple(sorted(expected.station_ids, key=zones.station_sort_key))
    assert zone.owner == "strategist" and zone.status == "draft" and zone.version == 1
    assert shapely.from_wkb(zone.geometry_wkb).equals(polygon)
    assert set(zones.zone_address_ids(_store(demo_env), zone.zone_id, by="cli")) == set(expected.address_ids)
    assert zone.counts is not None and zone.counts.election_id == ELECTION
    assert zone.counts.doors >= zone.counts.addresses == expected.addresses["ban_id"].nunique()
    assert zone.counts.registered > 0 and zone.counts.score_sum is None
    # the list shows it, it is the zone chosen below, and the map starts an empty selection
    row = at.table[0].value.set_index("zone").loc["Nord — lasso"]
    assert row["bureaux"] == str(len(expected.station_ids)) and row["propriétaire"] == "strategist"
    assert at.selectbox(key="zones_current").value == zone.zone_id
    assert _map_key(at) == "zones_lasso_1" and "Bureaux retenus" not in _metrics(at)
    entries = audit.entries(_store(demo_env), by="cli", action="zone_change", user_name="strategist")
    assert entries and entries[0].detail["op"] == "create"


def test_bad_input_gives_french_messages_and_loses_nothing(demo_env: Path) -> None:
    before = len(zones.zones_for(_store(demo_env), by="cli"))
    at = _page()
    at.text_input(key="zones_name_0").input("Sans lasso")
    at = _ok(_button(at, "Enregistrer la zone").click().run())
    assert "La sélection est vide" in at.error[0].value
    at = _lasso(at, ("add", OUTSIDE))
    assert any("en dehors du territoire" in w.value for w in at.warning)
    at = _lasso(at, ("add", LASSO))
    at.text_input(key="zones_name_0").input("Centre-ville (démo)")
    at = _ok(_button(at, "Enregistrer la zone").click().run())
    assert at.error[0].value == "Une zone s'appelle déjà « Centre-ville (démo) »"
    assert at.text_input(key="zones_name_0").value == "Centre-ville (démo)"  # the name typed is kept
    assert "Bureaux retenus" in _metrics(at)  # and so is the lasso
    assert len(zones.zones_for(_store(demo_env), by="cli")) == before
    # a lasso that subtracts everything leaves an empty selection, not an error
    at = _lasso(at, ("add", LASSO), ("subtract", [[1.88, 47.89], [1.92, 47.89], [1.92, 47.91], [1.88, 47.91]]))
    assert "Bureaux retenus" not in _metrics(at) and not at.error


def test_clicks_and_additions_build_the_selection(demo_env: Path) -> None:
    polygon = shapely.Polygon(LASSO)
    expected = _expected(demo_env, polygon)
    inside = expected.station_ids[0]
    at = _lasso(_page(), ("add", LASSO), clicked=(inside,))
    assert _metrics(at)["Bureaux retenus"] == str(len(expected.station_ids) - 1)  # a click removes an included station
    outside = "45999_30"
    assert outside not in expected.station_ids
    at = _lasso(at, ("add", LASSO), clicked=(inside, outside))
    assert _metrics(at)["Bureaux retenus"] == str(len(expected.station_ids))  # …and adds one that was not
    # a whole commune, added by attribute
    at = _ok(_button(at, "Ajouter la commune").click().run())
    assert "commune Isoloir-sur-Loire" in " ".join(c.value for c in at.caption)
    at = _lasso(at)  # no lasso, no click: the commune alone
    assert _metrics(at)["Bureaux retenus"] == "41"
    at = _ok(at.button(key="zones_clear").click().run())
    assert "Bureaux retenus" not in _metrics(at)
    # an IRIS
    at = _ok(_button(at, "Ajouter l'IRIS").click().run())
    assert "IRIS " in " ".join(c.value for c in at.caption) and int(_metrics(at)["Bureaux touchés"]) >= 1
    at = _ok(at.button(key="zones_clear").click().run())
    # stations whose score is at least X, once a target is chosen: the map shows the score
    at = _ok(at.selectbox(key="zones_target").select("gauche").run())
    assert at.selectbox(key="zones_score").value == "priority"
    at.number_input(key="zones_add_score_min").set_value(0.8)
    at = _ok(_button(at, "Ajouter ces bureaux").click().run())
    from dashboard.targeting.scores import compute_scores
    from dashboard.maps.territory import Scope

    with Warehouse(demo_env / "warehouse.duckdb", read_only=True) as wh:
        table = compute_scores(wh, ELECTION, "bloc", "gauche", Scope(("45999",), None))
    chosen = stations_at_least(table.frame, "priority", 0.8)
    assert 0 < len(chosen) < 41
    shown = _metrics(at)
    assert shown["Bureaux retenus"] == str(len(chosen))
    assert "Votes nets attendus" in shown and "Somme des scores" in shown
    stations = next(layer for layer in _deck(at)["layers"] if layer["id"] == "bureaux")
    assert all(r["v"].startswith("priorité combinée") for r in stations["data"] if r["v"])  # the map shows the score


# -- the zones list -------------------------------------------------------------------------------
def test_rename_duplicate_status_history_and_delete(demo_env: Path) -> None:
    at = _choose_zone(_page(), demo_env, "Quartier nord (démo)")
    zone = _zone(demo_env, "Quartier nord (démo)")
    at.text_input(key=_key("zones_rename_", zone)).input("Quartier nord")
    at = _ok(_button(at, "Renommer").click().run())
    assert "Zone renommée : « Quartier nord »." in [s.value for s in at.success]
    zone = _zone(demo_env, "Quartier nord")
    assert at.text_input(key=_key("zones_copy_", zone)).value == "Quartier nord (copie)"
    at.text_input(key=_key("zones_copy_", zone)).input("Centre-ville (démo)")
    at = _ok(_button(at, "Dupliquer").click().run())
    assert at.error[0].value == "Une zone s'appelle déjà « Centre-ville (démo) »"
    at.text_input(key=_key("zones_copy_", zone)).input("Quartier nord bis")
    at = _ok(_button(at, "Dupliquer").click().run())
    copy = _zone(demo_env, "Quartier nord bis")
    assert copy.station_ids == zone.station_ids and copy.address_count == zone.address_count
    assert at.selectbox(key="zones_current").value == copy.zone_id  # the copy is now the chosen zone

    at = _choose_zone(at, demo_env, "Quartier nord")
    zone = _zone(demo_env, "Quartier nord")
    at.selectbox(key=_key("zones_status_", zone)).select("ready")
    at = _ok(_button(at, "Changer le statut").click().run())
    assert _zone(demo_env, "Quartier nord").status == "ready"
    history = next(df.value for df in at.dataframe if "changement" in df.value.columns)
    assert list(history["changement"])[:2] == ["statut", "renommage"]
    zone = _zone(demo_env, "Quartier nord")
    at.selectbox(key=_key("zones_restore_", zone)).select(1)
    at = _ok(_button(at, "Restaurer cette version").click().run())
    restored = _zone(demo_env, "Quartier nord (démo)")
    assert restored.status == "ready" and restored.version == zone.version + 1

    at = _choose_zone(at, demo_env, "Quartier nord bis")
    at = _ok(_button(at, "Supprimer définitivement").click().run())  # not confirmed: nothing happens
    assert any("Cochez la case" in w.value for w in at.warning)
    at.checkbox(key=_key("zones_delete_ok_", copy)).check()
    at = _ok(_button(at, "Supprimer définitivement").click().run())
    assert "Zone « Quartier nord bis » supprimée." in [s.value for s in at.success]
    assert "Quartier nord bis" not in {z.name for z in zones.zones_for(_store(demo_env), by="cli")}


def test_edit_on_the_map_replaces_the_zone(demo_env: Path) -> None:
    name = "Centre-ville (démo)"
    at = _choose_zone(_page(), demo_env, name)
    zone = _zone(demo_env, name)
    at = _ok(at.button(key="zones_edit").click().run())
    assert at.subheader[0].value == f"Modification de la zone « {name} »"
    assert _metrics(at)["Bureaux retenus"] == str(len(zone.station_ids))
    # cut the western half of the zone out with a "subtract" lasso
    minx, miny, maxx, maxy = shapely.from_wkb(zone.geometry_wkb).bounds
    west = [[minx - 0.01, miny - 0.01], [(minx + maxx) / 2, miny - 0.01], [(minx + maxx) / 2, maxy + 0.01],
            [minx - 0.01, maxy + 0.01]]
    at = _lasso(at, ("subtract", west))
    kept = int(_metrics(at)["Bureaux retenus"])
    assert kept < len(zone.station_ids)
    at = _ok(at.button(key="zones_save_edit").click().run())
    edited = _zone(demo_env, name)
    assert len(edited.station_ids) == kept and edited.version == zone.version + 1
    assert edited.address_count < zone.address_count
    assert any("modifiée" in s.value for s in at.success)
    versions = zones.zone_versions(_store(demo_env), zone.zone_id, by="cli")
    assert versions[0].op == "edit" and len(versions[1].station_ids) == len(zone.station_ids)


# -- turfs, walk lists, assignments ----------------------------------------------------------------
def test_cut_save_assign_and_export_walk_lists(demo_env: Path) -> None:
    name = "Quartier nord (démo)"
    at = _choose_zone(_page(), demo_env, name)
    zone = _zone(demo_env, name)
    assert at.number_input(key="zones_turf_doors").value == 40
    at.number_input(key="zones_turf_doors").set_value(80)
    at = _ok(at.button(key="zones_cut").click().run())
    from dashboard.ui.zones_panel import Preview

    preview = Preview.from_state(at.session_state["zones_preview"])
    assert preview.zone_id == zone.zone_id and preview.target_doors == 80
    assert any(m.value.startswith("**Aperçu** :") for m in at.markdown)
    chart = next(d for d in decks(at) if any(layer["id"] == "secteurs" for layer in d["layers"]))
    assert {"secteurs", "secteurs-numeros", "zone-contour"} <= {layer["id"] for layer in chart["layers"]}
    sizes = next(df.value for df in at.dataframe if "écart" in df.value.columns)
    assert len(sizes) == len(preview.plan.turfs) and sizes["portes"].sum() == preview.plan.sizes.sum()
    assert len(turfs.turfs_for(_store(demo_env), by="cli", zone_id=zone.zone_id)) == 33  # nothing saved yet
    at = _ok(at.button(key="zones_save_turfs").click().run())
    saved = turfs.turfs_for(_store(demo_env), by="cli", zone_id=zone.zone_id)
    assert len(saved) == len(preview.plan.turfs) < 33
    assert {a for t in saved for a in t.address_ids} == set(zones.zone_address_ids(_store(demo_env), zone.zone_id, by="cli"))
    assert "zones_preview" not in at.session_state
    assert any("secteurs enregistrés" in s.value for s in at.success)

    # assign the first turf to the canvasser with a due date, then take it back
    first = saved[0]
    at.selectbox(key=f"zones_assign_turf_{zone.zone_id}").select(first.turf_id)
    at.multiselect(key="zones_assign_team").select("canvasser")
    at = _ok(_button(at, "Affecter").click().run())
    assigned = turfs.get_turf(_store(demo_env), first.turf_id, by="cli")
    assert assigned.assigned_to == ("canvasser",) and assigned.due_date is not None
    progress = next(df.value for df in at.dataframe if "portes faites" in df.value.columns)
    assert progress.iloc[0]["affecté à"] == "canvasser" and progress.iloc[0]["portes faites"].startswith("0 / ")
    at = _ok(_button(at, "Retirer l'affectation").click().run())
    assert turfs.get_turf(_store(demo_env), first.turf_id, by="cli").assigned_to == ()

    # the walk list on screen, and its files through the export gate (audited)
    walk = next(df.value for df in at.dataframe if "voie" in df.value.columns)
    assert len(walk) == len({a.split("@")[0] for a in first.address_ids}) and list(walk["n°"]) == list(range(1, len(walk) + 1))
    assert {b.label for b in at.get("download_button")} >= {"Feuille de route (PDF)", "CSV"}


def test_walk_list_files_pass_the_export_gate(demo_env: Path) -> None:
    from dashboard.store import users
    from dashboard.maps.territory import Scope
    from dashboard.ui import zones_panel

    store = _store(demo_env)
    strategist = users.get_user(store, "strategist")
    turf = turfs.turfs_for(store, by="cli")[0]
    ctx = zones_panel.Context(("45999",), {}, Scope(("45999",), None), ELECTION, "")
    pdf = zones_panel.walklist_files(ctx, store, strategist, turf.turf_id, "pdf")
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    csv = zones_panel.walklist_files(ctx, store, strategist, turf.turf_id, "csv").decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("N°;Numéro;Voie") and len(csv.splitlines()) > 1
    exports = audit.entries(store, by="cli", action="export_walklist", user_name="strategist")
    assert len(exports) == 2 and exports[0].detail == {"zone_id": turf.zone_id, "addresses": len(turf.address_ids),
                                                        "personal_data": False}


def test_the_whole_zone_is_given_to_a_canvasser_then_taken_back(demo_env: Path) -> None:
    name = "Quartier nord (démo)"
    at = _choose_zone(_page(), demo_env, name)
    zone = _zone(demo_env, name)
    assert zone.assigned_to == ()
    at.multiselect(key="zones_zone_team").select("canvasser")
    at = _ok(_button(at, "Confier la zone").click().run())
    given = _zone(demo_env, name)
    assert given.assigned_to == ("canvasser",) and given.status == "assigned"
    canvasser = users.get_user(_store(demo_env), "canvasser")
    # the canvasser now holds every turf of that zone (and still their own turf elsewhere)
    held = {t.zone_id for t in turfs.turfs_for(_store(demo_env), by=canvasser)}
    assert zone.zone_id in held
    assert len([t for t in turfs.turfs_for(_store(demo_env), by=canvasser) if t.zone_id == zone.zone_id]) == 33
    assert audit.entries(_store(demo_env), by="cli", action="assignment_change", limit=1)[0].user_name == "strategist"
    at = _ok(_button(at, "Retirer la zone").click().run())
    assert _zone(demo_env, name).assigned_to == ()
    assert not [t for t in turfs.turfs_for(_store(demo_env), by=canvasser) if t.zone_id == zone.zone_id]


def test_replacing_assigned_turfs_needs_a_confirmation(demo_env: Path) -> None:
    name = "Centre-ville (démo)"  # its turf 1 is assigned to the canvasser
    at = _choose_zone(_page(), demo_env, name)
    zone = _zone(demo_env, name)
    at.number_input(key="zones_turf_doors").set_value(120)
    at = _ok(at.button(key="zones_cut").click().run())
    at = _ok(at.button(key="zones_save_turfs").click().run())
    assert "déjà affectés ou commencés" in at.error[0].value
    assert len(turfs.turfs_for(_store(demo_env), by="cli", zone_id=zone.zone_id)) == 46  # unchanged
    at.checkbox(key="zones_replace_turfs").check()
    at = _ok(at.button(key="zones_save_turfs").click().run())
    saved = turfs.turfs_for(_store(demo_env), by="cli", zone_id=zone.zone_id)
    assert len(saved) < 46 and not any(t.assigned_to for t in saved)


# -- the pure parts (dashboard.canvass.zone_map) ------------------------------------------------------------
def test_the_selection_polygon_adds_then_lassos_then_toggles_clicks() -> None:
    from dashboard.canvass.lasso_state import Lasso
    from dashboard.canvass.zone_map import build_region, toggle_stations

    commune = shapely.box(0, 0, 10, 10)
    # a subtract lasso trims an addition made by attribute, whatever the order they were made in
    region = build_region([commune], [Lasso("subtract", ((0, 0), (5, 0), (5, 10), (0, 10)))])
    assert region.polygon.equals(shapely.box(5, 0, 10, 10)) and not region.problems
    region = build_region([None, shapely.Polygon()], [Lasso("add", ((0, 0), (2, 0), (2, 2))),
                                                      Lasso("add", ((0, 0), (1, 1), (2, 2)))])  # aligned: skipped
    assert region.polygon.area == 2.0 and len(region.problems) == 1 and "Lasso n° 2 ignoré" in region.problems[0]
    assert build_region([], []).empty
    # a click removes a station the polygon includes and adds one it does not
    contours = {"A": shapely.box(5, 0, 10, 5), "B": shapely.box(10, 0, 15, 5)}
    polygon, removed, added = toggle_stations(shapely.box(5, 0, 10, 10), ["A"], ["A", "B", "unknown"], contours)
    assert removed == ["A"] and added == ["B"]
    assert polygon.equals(shapely.union(shapely.box(5, 5, 10, 10), shapely.box(10, 0, 15, 5)))


def test_counts_for_the_store_and_plan_state_round_trip() -> None:
    import pickle

    import numpy as np
    import pandas as pd

    from dashboard.canvass.turfs import cut_turfs
    from dashboard.canvass.counts import ZoneCounts as SelectionCounts
    from dashboard.store.zones import clean_counts
    from dashboard.canvass.zone_map import plan_from_state, plan_to_state, store_counts

    counts = SelectionCounts(registered=1234.6, address_points=300, address_lines=420, doors=512, stations_included=4,
                             stations_touched=6, score_sums={"priority": 2.5, "mobilisation": float("nan")},
                             expected_net_votes=-1.25)
    stored = store_counts(counts, election_id=ELECTION, score_column="priority", target_label="Priorité — Gauche")
    assert stored == {"registered": 1235, "addresses": 300, "doors": 512, "score_sum": 2.5, "expected_net_votes": -1.25,
                      "election_id": ELECTION, "target": "Priorité — Gauche"}
    assert clean_counts(stored, __import__("datetime").datetime(2026, 1, 1)) is not None  # the store accepts them
    assert store_counts(counts, election_id=None)["target"] is None
    assert store_counts(counts, election_id=None, score_column="mobilisation")["score_sum"] is None  # NaN: not stored

    rng = np.random.default_rng(6)
    n = 120
    addresses = pd.DataFrame({
        "address_id": [f"b{i}@45999_1" for i in range(n)], "ban_id": [f"b{i}" for i in range(n)],
        "lon": 1.9 + rng.random(n) * 0.01, "lat": 47.9 + rng.random(n) * 0.01, "street": [f"Rue {i % 7}" for i in range(n)],
        "housenumber": [str(i) for i in range(n)], "commune_code": "45999", "doors": 1,
    })
    plan = cut_turfs(addresses, 30)
    state = plan_to_state(plan)
    assert pickle.loads(pickle.dumps(state)) == state  # builtins only: pickles whatever module is reloaded
    back = plan_from_state(state)
    assert [t.address_ids for t in back.turfs] == [t.address_ids for t in plan.turfs]
    assert all(a.geometry.equals(b.geometry) for a, b in zip(back.turfs, plan.turfs, strict=True))
    assert back.target_doors == 30 and back.notes_fr == plan.notes_fr


def test_the_walk_list_follows_the_stored_order() -> None:
    import pandas as pd

    from dashboard.canvass.zone_map import walk_of_turf

    rows = pd.DataFrame({
        "address_id": ["p1@45999_1", "p2@45999_1", "p3@45999_1"], "ban_id": ["p1", "p2", "p3"],
        "lon": [1.9, 1.9001, 1.9002], "lat": [47.9, 47.9, 47.9], "street": ["Rue Haute"] * 3,
        "housenumber": ["1", "3", "5"], "commune_code": "45999", "station_id": "45999_1", "doors": [1, 2, 1],
    })
    walk = walk_of_turf(rows, ["p3@45999_1", "p1@45999_1", "p2@45999_1"])
    assert list(walk["ban_id"]) == ["p3", "p1", "p2"] and list(walk["order"]) == [1, 2, 3]
