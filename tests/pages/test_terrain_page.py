"""Terrain page, turfs (AppTest through the whole app, on a copy of the demo): a canvasser sees their turf
only — in the table, the map's data and the walk list —, the campaign's leaders see every turf and the
team's progress, walk sheets go through the export gate (audited), progress is recorded and audited; a
second canvasser sees nothing of the first one's turf, in the store and on the page."""

from __future__ import annotations

import json
import shutil
import subprocess
from urllib.parse import unquote
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from dashboard.access.permissions import PermissionDenied
from dashboard.store import CampaignStore, audit, turfs, users, zones
from dashboard.store.turfs import Turf
from dashboard.ui import terrain_panel
from dashboard.warehouse.database import Warehouse
from tests.apptest import app_test, decks, maps, open_page
from dashboard.canvass.streets import STREET_LAYER, STREET_NAME_LAYER
from dashboard.canvass.walklist import NO_STREET_FR
from layers.view import IGN_ATTRIBUTION, IGN_TILE_HOST

WALK_DOWNLOADS = ["Feuille de route (PDF)", "CSV"]


@pytest.fixture()
def store(demo_env: Path) -> CampaignStore:
    return CampaignStore(demo_env / "campaign.duckdb")


@pytest.fixture()
def wh(demo_env: Path):
    with Warehouse(demo_env / "warehouse.duckdb", read_only=True) as warehouse:
        yield warehouse


# -- reading the page ----------------------------------------------------------------------------

def _frame(at, column: str) -> pd.DataFrame:  # noqa: ANN001 - AppTest
    """The first dataframe of the page having ``column``."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def _deck(at) -> dict:  # noqa: ANN001
    charts = decks(at)
    assert len(charts) == 1
    return charts[0]


def _layer(deck: dict, layer_id: str) -> list[dict]:
    return next((layer["data"] for layer in deck["layers"] if layer["id"] == layer_id), [])


def _downloads(at) -> list[str]:  # noqa: ANN001
    return [d.proto.label for d in at.get("download_button")]


def _points(wh: Warehouse, turf: Turf) -> set[tuple[float, float]]:
    """The (lon, lat) of a turf's address points, rounded as the map's records are."""
    rows = terrain_panel.turf_addresses(wh, turf.address_ids, None)
    return {(round(float(x), 6), round(float(y), 6)) for x, y in zip(rows["lon"], rows["lat"])}


def _walk(wh: Warehouse, turf: Turf) -> pd.DataFrame:
    return terrain_panel.turf_walk(terrain_panel.turf_addresses(wh, turf.address_ids, terrain_panel.latest_election(wh)),
                                   turf.address_ids)


def _user(store: CampaignStore, name: str):  # noqa: ANN202
    return users.get_user(store, name)


def _assert_page_holds_only(at, wh: Warehouse, own: list[Turf], others: list[Turf]) -> None:  # noqa: ANN001
    """The turf table, the selectbox, the map's records and the walk list hold ``own`` turfs and nothing of ``others``."""
    labels = {terrain_panel.turf_label(t) for t in own}
    table = _frame(at, "portes faites")
    assert set(zip(table["zone"], table["secteur"])) == {(t.zone_name, t.name) for t in own}
    assert set(next(s for s in at.selectbox if s.label == "Secteur").options) == labels
    deck = _deck(at)
    assert {r["k"] for r in _layer(deck, terrain_panel.TURF_LAYER)} == {t.turf_id for t in own}
    drawn = {tuple(r["p"]) for r in _layer(deck, terrain_panel.POINT_LAYER)}
    assert drawn and drawn <= set().union(*(_points(wh, t) for t in own))
    foreign = set().union(*(_points(wh, t) for t in others))
    assert not drawn & foreign
    walk = _frame(at, "ordre")
    shown = own[0]  # the first turf is selected
    expected = _walk(wh, shown)
    assert list(walk["ordre"]) == list(range(1, len(expected) + 1))
    assert list(zip(walk["rue"], walk["numéro"])) == list(zip(expected["street"], expected["number"].fillna("")))
    page_text = json.dumps([df.value.astype(str).to_dict("list") for df in at.dataframe], ensure_ascii=False)
    for turf in others:
        assert terrain_panel.turf_label(turf) not in page_text


# -- per role ------------------------------------------------------------------------------------

def test_the_canvasser_sees_only_their_turf(store: CampaignStore, wh: Warehouse) -> None:
    everything = turfs.turfs_for(store, by="cli")
    own = turfs.turfs_for(store, by=_user(store, "canvasser"))
    assert len(own) == 1 and len(everything) > 10  # the demo: turf 1 of the centre assigned to canvasser
    at = open_page(app_test("canvasser").run(), "terrain.py")
    assert not at.exception and not at.error
    assert "Mes secteurs" in [s.value for s in at.subheader]
    _assert_page_holds_only(at, wh, own, [t for t in everything if t.turf_id != own[0].turf_id])
    table = _frame(at, "portes faites")
    assert list(table["portes faites"]) == [f"0 / {own[0].doors}"]
    assert list(table["échéance"]) == [own[0].due_date.strftime("%d/%m/%Y")] and list(table["en retard"]) == ["non"]
    assert "affecté à" not in table.columns
    # the map: outline + route + numbered points of the walk, the tooltip a template of placeholders only
    deck = _deck(at)
    points = _layer(deck, terrain_panel.POINT_LAYER)
    assert [p["o"] for p in points] == [str(i) for i in range(1, len(points) + 1)]
    assert len(points) == len(_walk(wh, own[0]))
    assert {layer["id"] for layer in deck["layers"]} >= {"secteurs", "secteur_choisi", "parcours", "adresses", "numeros"}
    assert maps(at)[0]["tooltip"]["html"] == "<b>{t}</b><br/>{d}"
    assert "Secteurs" in at.get("html")[0].proto.body  # the legend
    # streets: their names from the turf's addresses, IGN's Plan as the basemap online, with its attribution
    names = {r["n"] for r in _layer(deck, STREET_NAME_LAYER)}
    assert names == {s for s in _walk(wh, own[0])["street"]} - {NO_STREET_FR}  # the turf's few streets all named
    assert IGN_TILE_HOST in unquote(deck["mapStyle"]) and IGN_ATTRIBUTION in unquote(deck["mapStyle"])
    assert IGN_ATTRIBUTION in at.get("html")[0].proto.body
    # downloads: the walk sheets (their own turf), never the contacts' export
    assert _downloads(at) == WALK_DOWNLOADS
    assert any(b.label == "Enregistrer l'avancement" for b in at.button)


def test_the_leaders_see_every_turf_and_the_team(store: CampaignStore) -> None:
    everything = turfs.turfs_for(store, by="cli")
    for role in ("admin", "candidate"):
        at = open_page(app_test(role).run(), "terrain.py")
        assert not at.exception and not at.error, role
        table = _frame(at, "portes faites")
        assert len(table) == len(everything) and "affecté à" in table.columns, role
        assert dict(zip(table["secteur"] + " / " + table["zone"], table["affecté à"]))[
            f"Secteur 1 / {everything[0].zone_name}"] == "canvasser"
        team = _frame(at, "militant")
        assert list(team["militant"]) == ["canvasser"] and list(team["secteurs"]) == ["1"]
        assert {r["k"] for r in _layer(_deck(at), terrain_panel.TURF_LAYER)} == {t.turf_id for t in everything}
        # the contacts' export is a button issuing a one-time ticket, not a file in the page (tests/security/test_exports.py)
        assert _downloads(at) == WALK_DOWNLOADS and any(b.label == "Exporter les contacts (CSV)" for b in at.button)
        # recording progress is canvassing: the admin (who also canvasses) may, the candidate may not
        assert any(b.label == "Enregistrer l'avancement" for b in at.button) is (role == "admin"), role
        # one zone at a time
        at.selectbox(key="terrain_turf_zone").set_value(everything[-1].zone_name).run()
        shown = _frame(at, "portes faites")
        assert set(shown["zone"]) == {everything[-1].zone_name}


def test_recording_progress_is_scoped_and_audited(store: CampaignStore) -> None:
    own = turfs.turfs_for(store, by=_user(store, "canvasser"))[0]
    at = open_page(app_test("canvasser").run(), "terrain.py")
    at.number_input(key=f"terrain_turf_done_{own.turf_id}").set_value(12)
    next(b for b in at.button if b.label == "Enregistrer l'avancement").click()
    at.run()
    assert not at.exception and not at.error
    assert any("Avancement enregistré" in s.value for s in at.success)
    assert list(_frame(at, "portes faites")["portes faites"]) == [f"12 / {own.doors}"]
    assert turfs.get_turf(store, own.turf_id, by="cli").doors_done == 12
    entry = audit.entries(store, by="cli", action="turf_progress")[0]  # newest first
    assert entry.user_name == "canvasser" and entry.object_id == str(own.turf_id) and entry.detail["doors_done"] == 12


def test_overdue_turfs_are_flagged(store: CampaignStore) -> None:
    own = turfs.turfs_for(store, by=_user(store, "canvasser"))[0]
    turfs.assign_turf(store, own.turf_id, "canvasser", by="cli", due_date=date.today() - timedelta(days=1))
    at = open_page(app_test("canvasser").run(), "terrain.py")
    assert list(_frame(at, "portes faites")["en retard"]) == ["oui"]
    assert any("Échéance dépassée" in w.value for w in at.warning)
    team = _frame(open_page(app_test("admin").run(), "terrain.py"), "militant")
    assert list(team["secteurs en retard"]) == ["1"]


# -- the export gate -----------------------------------------------------------------------------

def test_walk_sheets_go_through_the_export_gate(store: CampaignStore, wh: Warehouse) -> None:
    canvasser = _user(store, "canvasser")
    own = turfs.turfs_for(store, by=canvasser)[0]
    other = next(t for t in turfs.turfs_for(store, by="cli") if t.turf_id != own.turf_id)
    before = len(audit.entries(store, by="cli", action="export_walklist"))
    pdf = terrain_panel.walklist_file(store, wh, own.turf_id, "pdf", by=canvasser)
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):  # the door notice is the sheet's last page
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, check=True, capture_output=True, timeout=60).stdout.decode()
        last = text.split("\f")[-2] if text.endswith("\f") else text.split("\f")[-1]
        assert "Vos données personnelles" in last and "réclamation à la CNIL" in last
    csv = terrain_panel.walklist_file(store, wh, own.turf_id, "csv", by=canvasser).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("N°;Numéro;Voie") and len(csv.splitlines()) == 1 + len(_walk(wh, own))
    exports = audit.entries(store, by="cli", action="export_walklist")  # newest first
    assert len(exports) == before + 2
    assert {(e.user_name, e.object_id, e.detail["personal_data"]) for e in exports[:2]} == {
        ("canvasser", str(own.turf_id), False)}
    # another's turf: refused, audited, nothing built
    with pytest.raises(PermissionDenied):
        terrain_panel.walklist_file(store, wh, other.turf_id, "pdf", by=canvasser)
    assert audit.entries(store, by="cli", action="permission_denied")[0].user_name == "canvasser"
    assert len(audit.entries(store, by="cli", action="export_walklist")) == before + 2
    # who is offered the downloads: the roles that build zones, and canvassers for their own turfs
    offered = {role: terrain_panel.may_export_walklist(_user(store, role))
               for role in ("admin", "candidate", "strategist", "canvasser", "viewer")}
    assert offered == {"admin": True, "candidate": True, "strategist": True, "canvasser": True, "viewer": False}
    with pytest.raises(PermissionDenied):
        terrain_panel.walklist_file(store, wh, own.turf_id, "csv", by=_user(store, "viewer"))


# -- a second canvasser --------------------------------------------------------------------------

def test_a_second_canvasser_sees_nothing_of_the_first_ones_turf(store: CampaignStore, wh: Warehouse) -> None:
    everything = turfs.turfs_for(store, by="cli")
    first = turfs.turfs_for(store, by=_user(store, "canvasser"))[0]
    users.add_user(store, "paul", "un-mot-de-passe-long", "canvasser", by="cli")
    paul = _user(store, "paul")
    # without any assignment: nothing at all
    at = open_page(app_test("paul").run(), "terrain.py")
    assert not at.exception and not maps(at) and not _downloads(at)
    assert "Aucune zone" in at.info[0].value
    # one turf of the same zone (turf 2) and one of the other zone
    same_zone = next(t for t in everything if t.zone_id == first.zone_id and t.number == 2)
    elsewhere = next(t for t in everything if t.zone_id != first.zone_id)
    for turf in (same_zone, elsewhere):
        turfs.assign_turf(store, turf.turf_id, "paul", by="cli", due_date=date.today() + timedelta(days=7))
    # the store: scoped in SQL
    mine = turfs.turfs_for(store, by=paul)
    assert {t.turf_id for t in mine} == {same_zone.turf_id, elsewhere.turf_id}
    assert {p.turf_id for p in turfs.progress(store, by=paul)} == {same_zone.turf_id, elsewhere.turf_id}
    assert not zones.address_ids_for(store, by=paul) & set(first.address_ids)
    for call in (lambda: turfs.get_turf(store, first.turf_id, by=paul),
                 lambda: turfs.record_turf_progress(store, first.turf_id, 3, by=paul),
                 lambda: turfs.authorize_walklist_export(store, first.turf_id, by=paul)):
        with pytest.raises(PermissionDenied):
            call()
    assert turfs.get_turf(store, first.turf_id, by="cli").doors_done == 0
    # the page, for each of their turfs
    at = open_page(app_test("paul").run(), "terrain.py")
    assert not at.exception and not at.error
    assert set(next(s for s in at.selectbox if s.label == "Zone").options) == {
        "Toutes les zones", same_zone.zone_name, elsewhere.zone_name}
    _assert_page_holds_only(at, wh, mine, [t for t in everything if t.turf_id not in {same_zone.turf_id, elsewhere.turf_id}])
    at.selectbox(key="terrain_turf").set_value(mine[1].turf_id).run()
    drawn = {tuple(r["p"]) for r in _layer(_deck(at), terrain_panel.POINT_LAYER)}
    assert drawn and drawn <= _points(wh, mine[1]) and not drawn & _points(wh, first)
    # and the first canvasser still sees only theirs
    at = open_page(app_test("canvasser").run(), "terrain.py")
    _assert_page_holds_only(at, wh, [first], [t for t in everything if t.turf_id != first.turf_id])


def test_phone_visits_reach_the_supervisor_and_flags_show(store: CampaignStore) -> None:
    """Visits sent from the phone page (``store.visits.sync``) appear per canvasser and per turf for the leaders,
    with the one recorded on a turf unassigned meanwhile listed as flagged; the canvasser gets the phone page's link."""
    import uuid
    from datetime import datetime, timezone

    from dashboard.store import visits

    canvasser = _user(store, "canvasser")
    own = turfs.turfs_for(store, by=canvasser)[0]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    sent = [visits.VisitInput(str(uuid.uuid4()), own.turf_id, own.address_ids[i], outcome, now, None, i)
            for i, outcome in enumerate(("ouvert", "absent", "ouvert"))]
    flats = [visits.HouseholdInput(str(uuid.uuid4()), own.address_ids[0], now, floor=f // 2, position=f) for f in range(6)]
    visits.sync(store, by=canvasser, visits=sent[:2], households=flats)
    turfs.unassign_turf(store, own.turf_id, "canvasser", by="cli")
    assert visits.sync(store, by=canvasser, visits=sent[2:]).flagged == [sent[2].visit_id]
    at = open_page(app_test("admin").run(), "terrain.py")
    assert not at.exception and not at.error
    assert "Passages saisis sur le téléphone" in [s.value for s in at.subheader]
    per_user = _frame(at, "passages (campagne)")
    assert list(per_user.iloc[0][["militant", "passages (campagne)", "ouvertes aujourd'hui", "signalés"]]) == ["canvasser", "3", "2", "1"]
    flagged = _frame(at, "motif")
    assert list(flagged["militant"]) == ["canvasser"] and list(flagged["secteur"]) == [terrain_panel.turf_label(own)]
    turfs.assign_turf(store, own.turf_id, "canvasser", by="cli")
    at = open_page(app_test("canvasser").run(), "terrain.py")
    assert not at.exception and "Passages saisis sur le téléphone" not in [s.value for s in at.subheader]
    assert "/porte-a-porte/" in json.dumps([str(e.proto) for e in at.get("link_button")])
    table = _frame(at, "portes faites")  # the doors knocked from the phone count as done on the turf
    assert list(table["portes faites"]) == [f"3 / {own.doors}"]
    walk = _frame(at, "ordre")  # the building's six households count as its doors in the walk list
    assert walk["portes (logements relevés, sinon estim.)"].iloc[0] == "6"


def test_offline_the_turf_map_draws_the_streets_from_the_addresses(store: CampaignStore, wh: Warehouse) -> None:
    own = turfs.turfs_for(store, by=_user(store, "canvasser"))
    walk = _walk(wh, own[0])
    spec = terrain_panel.turf_deck(own, own[0], walk, today=date.today(), map_style=None)
    assert spec is not None
    deck = json.loads(spec.deck.to_json())
    ids = [layer["id"] for layer in deck["layers"]]
    assert ids.index(STREET_LAYER) < ids.index("parcours") < ids.index(terrain_panel.POINT_LAYER)  # under the route
    streets = _layer(deck, STREET_LAYER)
    assert streets and all(len(s["path"]) >= 2 for s in streets)
    names = next(layer for layer in deck["layers"] if layer["id"] == STREET_NAME_LAYER)
    assert names["characterSet"] == "auto" and all(-90 < r["a"] <= 90 for r in names["data"])  # accents, read upright
    assert "data.geopf.fr" not in json.dumps(deck)  # nothing fetched
