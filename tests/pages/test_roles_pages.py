"""Every page as every role (AppTest through the whole app): what opens, what refuses, what each role sees."""

from __future__ import annotations

import json
from pathlib import Path


from dashboard.access.permissions import ROLES, may_open
from dashboard.store import CampaignStore, audit, contacts, turfs, users, zones
from dashboard.ui.navigation import existing_pages
from tests.apptest import app_test, carte_stations, maps, open_page

PAGES = existing_pages()


def _rows(data_dir: Path) -> dict[str, int]:
    with CampaignStore(data_dir / "campaign.duckdb").read() as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()]
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_every_page_as_every_role(demo_env: Path) -> None:
    assert {"carte", "presentation", "donnees", "terrain", "admin"} <= set(PAGES)
    for role in ROLES:
        for key, page in PAGES.items():
            at = app_test(role).run()
            before = _rows(demo_env)
            at = open_page(at, page.file)
            assert not at.exception, (role, key)
            refused = bool(at.title) and at.title[0].value == "Accès refusé"
            assert refused is not may_open(role, key), (role, key)
            if refused:  # a refusal writes nothing but its audit entry (issue 12, row 12)
                after = _rows(demo_env)
                assert after == {**before, "audit_log": before["audit_log"] + 1}, (role, key)
                last = audit.entries(CampaignStore(demo_env / "campaign.duckdb"), by="cli", limit=1)[0]
                assert (last.user_name, last.action, last.object_type, last.object_id, last.outcome) == (
                    role, "permission_denied", "page", key, "denied"), (role, key)
                assert not maps(at) and not at.dataframe and not at.get("download_button")


def _stations(at) -> set[str]:  # noqa: ANN001 - AppTest
    return set(carte_stations(at))


def test_the_canvasser_map_holds_only_their_zones(demo_env: Path) -> None:
    store = CampaignStore(demo_env / "campaign.duckdb")
    own = zones.station_ids_for(store, by=users.get_user(store, "canvasser"))
    at = app_test("canvasser", bv="45999_30").run()  # a station outside the zones, by URL
    at = open_page(at, "carte.py")
    assert _stations(at) == set(own) and len(own) == 4
    assert "bv" not in at.query_params  # the outside station's detail is not opened
    assert not any(b.label == "Enregistrer la vue" for b in at.button)
    assert _stations(open_page(app_test("viewer").run(), "carte.py")) > set(own)  # other roles: the whole city
    for zone in zones.zones_for(store, by="cli"):
        if "canvasser" in zone.assigned_to:
            zones.unassign_zone(store, zone.zone_id, "canvasser", by="cli")
    for turf in turfs.turfs_for(store, by="cli"):  # the demo canvasser holds a turf, which opens its zone
        if "canvasser" in turf.assigned_to:
            turfs.unassign_turf(store, turf.turf_id, "canvasser", by="cli")
    at = open_page(app_test("canvasser").run(), "carte.py")
    assert not maps(at) and "Aucune zone" in at.info[0].value


def test_terrain_shows_each_role_what_it_may(demo_env: Path) -> None:
    store = CampaignStore(demo_env / "campaign.duckdb")
    contacts.add_contact(store, by="cli", station_id="45999_30", address="9 rue Hors Zone", full_name="Personne Ailleurs",  # no door
                         outcome="absent", consent=False)
    seen = {}
    for role in ("admin", "candidate", "canvasser"):
        at = open_page(app_test(role).run(), "terrain.py")
        assert not at.exception
        frames = [df.value for df in at.dataframe] + [t.value for t in at.table]  # contacts: a static table
        people = next(f for f in frames if "résultat" in f.columns)
        seen[role] = set(people["nom"])
        labels = [d.proto.label for d in at.get("download_button")]
        assert "Exporter les contacts (CSV)" not in labels  # never a file in the page: a one-time ticket on click
        assert any(b.label == "Exporter les contacts (CSV)" for b in at.button) is (role in ("admin", "candidate")), role
        assert labels[:2] == ["Feuille de route (PDF)", "CSV"], role  # the walk sheet of the chosen turf
        assert any(b.label == "Enregistrer le passage" for b in at.button) is (role in ("admin", "canvasser")), role
    assert "Personne Ailleurs" in seen["admin"] and "Personne Ailleurs" in seen["candidate"]
    assert "Personne Ailleurs" not in seen["canvasser"] and "Camille Exemple" in seen["canvasser"]


def test_the_canvasser_records_a_contact_in_their_zone(demo_env: Path) -> None:
    at = open_page(app_test("canvasser").run(), "terrain.py")
    fields = {t.label: t for t in at.text_input}
    fields["Nom de la personne"].input("Sacha Nouveau")
    at.radio[0].set_value("rencontre")
    at.checkbox[0].check()
    fields["Courriel (si accord)"].input("sacha@example.org")
    next(b for b in at.button if b.label == "Enregistrer le passage").click()
    at.run()
    assert not at.exception and not at.error
    assert "Passage enregistré." in [s.value for s in at.success]  # shown after the rerun that follows the save
    store = CampaignStore(demo_env / "campaign.duckdb")
    frame = contacts.contacts(store, by=users.get_user(store, "canvasser"))
    row = frame[frame["full_name"] == "Sacha Nouveau"].iloc[0]
    assert row["email"] == "sacha@example.org" and row["created_by"] == "canvasser"
