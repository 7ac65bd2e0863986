"""The Administration page's « Personnes » tab (AppTest, whole app): access, opposition request, erasure."""

from __future__ import annotations

from pathlib import Path

from dashboard.store import CampaignStore, audit, contacts, opposition
from tests.apptest import app_test, open_page


def test_admin_sees_exports_opposes_and_erases_a_person(demo_env: Path) -> None:
    store = CampaignStore(demo_env / "campaign.duckdb")
    at = open_page(app_test("admin").run(), "admin.py")
    assert not at.exception
    at.text_input(key="person_name").input("camille EXEMPLE")
    at = at.button(key="person_show").click().run()
    assert not at.exception, at.exception
    [summary] = [i.value for i in at.info if "Données détenues" in i.value]
    assert "Camille Exemple" in summary and "06 00 00 00 01" in summary
    assert any("/telechargement/" in m.value for m in at.markdown)
    assert [e.detail["contacts"] for e in audit.entries(store, by="cli", action="person_export")] == [1]

    # a request received by e-mail (the form's first choice)
    at.text_input(key="person_opp_usage_name").input("Fictif")
    at.text_input(key="person_opp_first_names").input("Dominique")
    at = at.button(key="person_opp_submit").click().run()
    assert any("Date de naissance ou adresse" in e.value for e in at.error)  # refused, nothing written
    at.text_input(key="person_opp_birth").input("02/01/1980")
    at = at.button(key="person_opp_submit").click().run()
    assert any("Opposition n° 1 enregistrée" in s.value for s in at.success), [e.value for e in at.error]

    # erasure needs the typed word, then keeps only the keyed opposition
    at.text_input(key="person_name").input("Camille Exemple")
    at = at.button(key="person_erase").click().run()
    assert any("Tapez EFFACER" in e.value for e in at.error)
    assert "Camille Exemple" in set(contacts.contacts(store, by="cli")["full_name"])
    at.text_input(key="person_name").input("Camille Exemple")
    at.text_input(key="person_erase_confirm").input("EFFACER")
    at = at.button(key="person_erase").click().run()
    assert any(s.value.startswith("Effacé : 1 contact(s)") for s in at.success), [e.value for e in at.error]
    assert "Camille Exemple" not in set(contacts.contacts(store, by="cli")["full_name"])
    entries = opposition.entries(store, by="cli")
    assert [e.source for e in entries] == ["courriel", "effacement"] and entries[1].identity is None
    at.toggle(key="person_opp_show").set_value(True)
    at = at.run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if df.value.columns[0] == "n°")
    assert list(table["personne"]) == ["Dominique Fictif", "effacée (clés seulement)"]
