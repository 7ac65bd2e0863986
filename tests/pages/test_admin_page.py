"""The Administration page (``/admin``) as Streamlit runs it (AppTest, whole app): accounts, audit, campaign, rights."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Dataframe

from dashboard.formats import paris_today
from dashboard.store import CampaignStore, audit, campaign_settings, crypto, sessions, users
from tests.apptest import app_test, open_page

NEW_PASSWORD = "un-mot-de-passe-solide"
TABS = ["Comptes", "Journal d'audit", "Campagne", "Droits", "Personnes", "Registre et notice"]


def _store(data_dir: Path) -> CampaignStore:
    return CampaignStore(data_dir / "campaign.duckdb")


def _admin_page(user_name: str = "admin") -> AppTest:
    at = app_test(user_name).run()
    assert not at.exception
    return open_page(at, "admin.py")


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def _frame(at: AppTest, column: str) -> Dataframe:
    """The table whose first column is `column`."""
    return next(df for df in at.dataframe if df.value.columns[0] == column)


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _successes(at: AppTest) -> list[str]:
    return [s.value for s in at.success]


def _page_text(at: AppTest) -> str:
    """Every element's protobuf as text, plus the dataframes' cells (their protobuf holds Arrow bytes)."""
    parts: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        if isinstance(node, Dataframe):
            parts.append(node.value.to_csv())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def _snapshot(data_dir: Path) -> tuple[int, list[tuple]]:
    with CampaignStore(data_dir / "campaign.duckdb").read() as con:
        count = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        accounts = con.execute("SELECT * FROM app_user ORDER BY user_name").fetchall()
    return count, accounts


def _submit_new_user(at: AppTest, name: str, password: str, again: str, role: str = "viewer") -> AppTest:
    at.text_input(key="admin_new_name").input(name)
    at.text_input(key="admin_new_display").input(f"Compte {name}")
    at.selectbox(key="admin_new_role").select(role)
    at.text_input(key="admin_new_password").input(password)
    at.text_input(key="admin_new_password2").input(again)
    return _ok(at.button(key="admin_new_submit").click().run())


def test_admin_sees_the_four_tabs_and_no_secret(demo_env: Path) -> None:
    at = _ok(_admin_page())
    assert at.title[0].value == "Administration"
    assert [t.label for t in at.tabs] == TABS
    accounts = _frame(at, "utilisateur").value
    assert list(accounts["utilisateur"]) == ["admin", "candidate", "canvasser", "strategist", "viewer"]
    assert set(accounts["rôle"]) == {"directeur de campagne", "candidat", "stratège", "militant", "observateur"}
    assert set(accounts["démo"]) == {"oui"} and set(accounts["actif"]) == {"oui"}
    assert all(len(v) == 16 and v[2] == "/" and v[5] == "/" for v in accounts["créé le"])  # dd/mm/yyyy HH:MM
    rights = _frame(at, "action").value
    row = rights.set_index("action").loc["voir les cartes et les scores agrégés"]
    assert list(row) == ["tout", "tout", "tout", "ses zones", "tout"]
    assert list(rights.set_index("action").loc["gérer les comptes"]) == ["tout", "—", "—", "—", "—"]
    pages = _frame(at, "page").value.set_index("page")
    assert list(pages.index) == ["Carte (/carte)", "Présentation (/presentation)", "Données (/donnees)", "Importer (/import)",
                                 "Cibles (/cibles)", "Zones (/zones)", "Terrain (/terrain)", "Administration (/admin)"]
    assert list(pages.loc["Administration (/admin)"]) == ["oui", "—", "—", "—", "—"]
    assert list(pages.loc["Importer (/import)"]) == ["oui"] + ["avec le droit « données »"] * 4
    assert list(rights.set_index("action").loc["importer des fichiers de données publiques dans l'entrepôt"]) == (
        ["tout"] + ["avec le droit « données »"] * 4)
    assert list(pages["militant"][pages["militant"] == "oui"].index) == ["Carte (/carte)", "Terrain (/terrain)"]
    assert any(s.startswith("Journal intègre") for s in _successes(at))

    text = _page_text(at)
    with CampaignStore(demo_env / "campaign.duckdb").read() as con:
        hashes = [crypto.open_("app_user", "password_hash", r[0], r[1])  # stored sealed (store/crypto.py)
                  for r in con.execute("SELECT user_name, password_hash FROM app_user").fetchall()]
    assert "$2b$" not in text and not any(h in text for h in hashes)
    assert os.environ["ISOLOIR_COOKIE_KEY"] not in text


def test_create_a_user(demo_env: Path) -> None:
    store = _store(demo_env)
    at = _submit_new_user(_admin_page(), "bob.martin", NEW_PASSWORD, NEW_PASSWORD, role="strategist")
    assert "Compte « bob.martin » créé (stratège)." in _successes(at)
    bob = users.get_user(store, "bob.martin")
    assert bob is not None and bob.role == "strategist" and bob.active and bob.display_name == "Compte bob.martin"
    assert users.verify_login(store, "bob.martin", NEW_PASSWORD).ok
    added = audit.entries(store, by="cli", action="user_add", user_name="admin")
    assert [(e.object_id, e.detail["role"]) for e in added] == [("bob.martin", "strategist")]
    assert "bob.martin" in list(_frame(at, "utilisateur").value["utilisateur"])  # the table shows it at once
    assert at.text_input(key="admin_new_password").value == "" and at.text_input(key="admin_new_name").value == ""
    assert "$2b$" not in _page_text(at)


def test_refused_creations_show_a_french_error_and_change_nothing(demo_env: Path) -> None:
    before = _snapshot(demo_env)
    at = _submit_new_user(_admin_page(), "carole", NEW_PASSWORD, NEW_PASSWORD + "x")
    assert "Les deux mots de passe diffèrent." in _errors(at)
    at = _submit_new_user(at, "carole", "court", "court")
    assert any(e.startswith("Mot de passe trop court") and e.endswith(".") for e in _errors(at))
    at = _submit_new_user(at, "viewer", NEW_PASSWORD, NEW_PASSWORD)
    assert "L'utilisateur « viewer » existe déjà." in _errors(at)
    at = _submit_new_user(at, "Carole Dupont", NEW_PASSWORD, NEW_PASSWORD)
    assert any(e.startswith("Nom d'utilisateur invalide") for e in _errors(at))
    assert _snapshot(demo_env) == before
    assert users.get_user(_store(demo_env), "carole") is None


def test_change_role_disable_enable_and_reset_password(demo_env: Path) -> None:
    store = _store(demo_env)
    at = _admin_page()
    at = _ok(at.selectbox(key="admin_target").select("viewer").run())
    at.selectbox(key="admin_role_viewer").select("strategist")
    at = _ok(at.button(key="admin_role_submit").click().run())
    assert "Rôle de « viewer » : stratège." in _successes(at)
    assert users.get_user(store, "viewer").role == "strategist"
    assert _frame(at, "utilisateur").value.set_index("utilisateur").loc["viewer", "rôle"] == "stratège"

    assert at.button(key="admin_toggle").label == "Désactiver le compte"
    at = _ok(at.button(key="admin_toggle").click().run())
    assert not users.get_user(store, "viewer").active
    assert _frame(at, "utilisateur").value.set_index("utilisateur").loc["viewer", "actif"] == "non"
    assert at.button(key="admin_toggle").label == "Réactiver le compte"
    at = _ok(at.button(key="admin_toggle").click().run())
    assert "Compte « viewer » réactivé." in _successes(at)
    assert users.get_user(store, "viewer").active

    at.text_input(key="admin_reset_password").input(NEW_PASSWORD)
    at.text_input(key="admin_reset_password2").input(NEW_PASSWORD)
    at = _ok(at.button(key="admin_reset_submit").click().run())
    assert any(s.startswith("Mot de passe de « viewer » réinitialisé") for s in _successes(at))
    assert at.text_input(key="admin_reset_password").value == ""
    assert users.verify_login(store, "viewer", NEW_PASSWORD).ok
    done = [e.action for e in audit.entries(store, by="cli", user_name="admin") if e.object_id == "viewer"]
    assert done == ["user_reset_password", "user_enable", "user_disable", "user_set_role"]


def test_give_and_remove_the_data_right(demo_env: Path) -> None:
    store = _store(demo_env)
    at = _admin_page()
    at = _ok(at.selectbox(key="admin_target").select("strategist").run())
    assert at.toggle(key="admin_data_right_strategist").value is False
    at = _ok(at.toggle(key="admin_data_right_strategist").set_value(True).run())
    assert "Droit « données » de « strategist » : donné (page Importer)." in _successes(at)
    assert users.get_user(store, "strategist").rights == {"data"}
    assert _frame(at, "utilisateur").value.set_index("utilisateur").loc["strategist", "droit données"] == "oui"
    at = _ok(at.toggle(key="admin_data_right_strategist").set_value(False).run())
    assert users.get_user(store, "strategist").rights == frozenset()
    done = [e.detail["granted"] for e in audit.entries(store, by="cli", action="user_right")]
    assert done == [False, True]
    at = _ok(at.selectbox(key="admin_target").select("admin").run())
    assert not [t for t in at.toggle if t.key == "admin_data_right_admin"]  # the admin imports by role


def test_the_last_admin_stays_and_bad_resets_change_nothing(demo_env: Path) -> None:
    store = _store(demo_env)
    at = _admin_page()
    before = _snapshot(demo_env)
    assert at.selectbox(key="admin_target").value == "admin"  # the first account: the logged-in admin
    at.selectbox(key="admin_role_admin").select("viewer")
    at = _ok(at.button(key="admin_role_submit").click().run())
    assert "Impossible de changer le rôle de « admin » : c'est le dernier administrateur actif." in _errors(at)
    at = _ok(at.button(key="admin_toggle").click().run())
    assert "Impossible de désactiver « admin » : c'est le dernier administrateur actif." in _errors(at)
    assert at.title[0].value == "Administration"  # still an admin
    at = _ok(at.selectbox(key="admin_target").select("candidate").run())
    at.text_input(key="admin_reset_password").input(NEW_PASSWORD)
    at.text_input(key="admin_reset_password2").input(NEW_PASSWORD + "!")
    at = _ok(at.button(key="admin_reset_submit").click().run())
    assert "Les deux mots de passe diffèrent." in _errors(at)
    at.text_input(key="admin_reset_password").input("demo-viewer")
    at.text_input(key="admin_reset_password2").input("demo-viewer")
    at = _ok(at.button(key="admin_reset_submit").click().run())
    assert any("compte de démonstration" in e for e in _errors(at))
    assert _snapshot(demo_env) == before
    assert users.get_user(store, "admin").role == "admin"


def test_audit_tab_lists_newest_first_and_filters(demo_env: Path) -> None:
    store = _store(demo_env)
    users.verify_login(store, "viewer", "mauvais-mot-de-passe")  # one failure in the log
    at = _admin_page()
    log = _frame(at, "date/heure").value
    assert list(log.columns) == ["date/heure", "utilisateur", "action", "objet", "détail", "résultat"]
    assert len(log) == len(audit.entries(store, by="cli", limit=500))
    assert log.iloc[0]["action"] == "connexion" and log.iloc[0]["résultat"] == "échec"  # newest first
    assert log.iloc[0]["objet"] == "compte « viewer »" and '"pair_failures": 1' in log.iloc[0]["détail"]

    at = _ok(at.selectbox(key="admin_audit_action").select("user_add").run())
    log = _frame(at, "date/heure").value
    assert len(log) == 5 and set(log["action"]) == {"création de compte"} and set(log["utilisateur"]) == {"demo"}
    at = _ok(at.selectbox(key="admin_audit_action").select(None).run())
    at = _ok(at.selectbox(key="admin_audit_outcome").select("failure").run())
    assert list(_frame(at, "date/heure").value["résultat"]) == ["échec"]
    at = _ok(at.date_input(key="admin_audit_to").set_value(date.today() + timedelta(days=1)).run())
    assert list(_frame(at, "date/heure").value["résultat"]) == ["échec"]
    at = _ok(at.date_input(key="admin_audit_from").set_value(date.today() + timedelta(days=2)).run())
    assert "La date de début est postérieure à la date de fin." in _errors(at)
    at = _ok(at.date_input(key="admin_audit_to").set_value(date.today() + timedelta(days=3)).run())
    assert any(i.value.startswith("Aucune entrée") for i in at.info)
    assert not any(b.key and "delete" in b.key for b in at.button)  # nothing edits or deletes the log


def test_chain_check_names_the_first_altered_entry(demo_env: Path) -> None:
    with CampaignStore(demo_env / "campaign.duckdb").write() as con:  # someone editing the store by hand
        altered = con.execute("SELECT min(id) + 2 FROM audit_log").fetchone()[0]
        con.execute("UPDATE audit_log SET detail = '{\"role\": \"viewer\"}' WHERE id = ?", [altered])
    at = _ok(_admin_page())
    assert not any(s.startswith("Journal intègre") for s in _successes(at))
    assert any(e.startswith(f"Journal altéré : l'entrée n° {altered} ") for e in _errors(at))


def test_campaign_settings_are_saved_and_the_purge_date_shown(demo_env: Path) -> None:
    store = _store(demo_env)
    at = _admin_page()
    assert any(w.value.startswith("Date de l'élection non renseignée") for w in at.warning)
    at.text_input(key="admin_campaign_name").input("Municipales 2026")
    at.date_input(key="admin_campaign_date").set_value(date(2026, 3, 22))
    at.number_input(key="admin_campaign_retention").set_value(45)
    at = _ok(at.button(key="admin_campaign_submit").click().run())
    assert "Paramètres de la campagne enregistrés." in _successes(at)
    saved = campaign_settings.get_campaign_settings(store)
    assert (saved.name, saved.election_date, saved.retention_days) == ("Municipales 2026", date(2026, 3, 22), 45)
    assert any(i.value.startswith("Les données de campagne seront purgées après le 06/05/2026") for i in at.info)
    assert not any(w.value.startswith("Date de l'élection non renseignée") for w in at.warning)
    assert [e.action for e in audit.entries(store, by="cli", user_name="admin", limit=1)] == ["settings"]


@pytest.mark.parametrize("change", ["expired", "demoted"])
def test_a_stale_admin_session_cannot_act(demo_env: Path, change: str) -> None:
    """Callbacks run before the app checks the session: they check it themselves."""
    store = _store(demo_env)
    at = _ok(_admin_page().selectbox(key="admin_target").select("viewer").run())
    if change == "expired":
        sessions.revoke_all(store, "admin", "test")
    else:
        users.add_user(store, "directrice", NEW_PASSWORD, "admin", by="cli")
        users.set_role(store, "admin", "viewer", by="cli")
    before = _snapshot(demo_env)
    at = _ok(at.button(key="admin_toggle").click().run())
    assert at.title[0].value == "Isoloir — session fermée"  # a role change ends the sessions too
    assert users.get_user(store, "viewer").active
    assert _snapshot(demo_env) == before


@pytest.mark.parametrize("role", ["candidate", "strategist", "canvasser", "viewer"])
def test_other_roles_are_refused_and_write_nothing(demo_env: Path, role: str) -> None:
    at = app_test(role).run()
    assert not at.exception
    before = _snapshot(demo_env)
    at = _ok(open_page(at, "admin.py"))
    assert at.title[0].value == "Accès refusé"
    assert not at.tabs and not at.dataframe
    widgets = [*at.button, *at.text_input, *at.selectbox, *at.date_input, *at.number_input]
    assert not any(str(w.key or "").startswith("admin_") for w in widgets)
    assert "Journal intègre" not in _page_text(at)
    count, accounts = _snapshot(demo_env)
    assert (count, accounts) == (before[0] + 1, before[1])  # nothing written but the refusal's audit entry
    last = audit.entries(_store(demo_env), by="cli", limit=1)[0]
    assert (last.user_name, last.action, last.object_id, last.outcome) == (role, "permission_denied", "admin", "denied")


def test_purge_warning_on_every_page_for_admins_and_the_register_panel(demo_env: Path) -> None:
    """From warning_days before the purge the admins see the banner on every page (others do not); the admin page
    shows the register, the notice and the DPIA generated from the settings, and the last purge's counts."""
    from dashboard.store import purge

    store = _store(demo_env)
    campaign_settings.set_campaign_settings(store, by="cli", election_date=paris_today() - timedelta(days=25),
                                            retention_days=30, warning_days=10, controller_name="Camille Exemple")
    warned = [w.value for w in _ok(app_test("admin").run()).warning]  # the landing page, not the admin page
    assert any("seront purgées automatiquement" in w and "dans 5 jours" in w for w in warned)
    assert not any("purgées automatiquement" in w.value for w in _ok(app_test("candidate").run()).warning)
    purge.purge_campaign_data(store, by="cli")
    at = _admin_page()
    assert any("purgées automatiquement" in w.value for w in at.warning)
    text = _page_text(at)
    for needed in ("Registre des activités de traitement", "Camille Exemple", "(AIPD)",
                   "Vos données personnelles", "Dernière purge"):
        assert needed in text, needed
    assert any(str(w).startswith("À compléter dans l'onglet Campagne pour la notice : adresse du responsable")
               for w in (x.value for x in at.warning))
    frame = _frame(at, "données").value
    row = frame.loc[frame["données"] == "contacts"].iloc[0]
    assert (row["avant"], row["après"]) == (3, 0)
