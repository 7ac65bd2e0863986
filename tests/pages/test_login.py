"""The login page as Streamlit runs it (AppTest): form, throttling, first run, expiry, logout, password change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard.store import CampaignStore, audit, users
from tests.apptest import app_test, log_in


def _submit(at, name: str, password: str):  # noqa: ANN001, ANN202 - AppTest
    inputs = {t.label: t for t in at.text_input}
    inputs["Nom d'utilisateur"].input(name)
    inputs["Mot de passe"].input(password)
    next(b for b in at.button if b.label == "Se connecter").click()
    return at.run()


def _texts(at) -> str:  # noqa: ANN001 - AppTest
    return " ".join(e.value for kind in ("error", "info", "warning", "success", "title", "markdown") for e in getattr(at, kind))


def test_logged_out_shows_the_login_form_and_the_demo_accounts(demo_env: Path) -> None:
    at = app_test(None).run()
    assert not at.exception
    assert at.title[0].value == "Isoloir — connexion"
    assert not at.get("deck_gl_json_chart")  # nothing of the map before login
    assert any("Démo" in w.value and "demo-<rôle>" in w.value for w in at.warning)


def test_login_through_the_form_opens_the_map_and_is_audited(demo_env: Path) -> None:
    at = _submit(app_test(None).run(), "Strategist", "demo-strategist")  # names are case-insensitive
    assert not at.exception
    assert at.session_state["username"] == "strategist"
    assert at.get("deck_gl_json_chart")
    store = CampaignStore(demo_env / "campaign.duckdb")
    last = audit.entries(store, by="cli", action="login")[0]
    assert (last.user_name, last.outcome) == ("strategist", "success")


def test_six_wrong_passwords_are_throttled_and_audited(demo_env: Path) -> None:
    at = app_test(None).run()
    messages = []
    for _ in range(6):
        at = _submit(at, "admin", "pas-le-bon-mot-de-passe")
        messages.append(at.error[0].value)
    assert all("incorrect" in m for m in messages[:4])
    assert "réessayez dans 30 s" in messages[4]  # the 5th failure starts a 30 s lock
    assert "trop d'essais" in messages[5].lower()  # the 6th is refused without checking the password
    at = _submit(at, "admin", "demo-admin")  # even the right password waits for the end of the lock
    assert "trop d'essais" in at.error[0].value.lower() and not at.session_state["authentication_status"]
    store = CampaignStore(demo_env / "campaign.duckdb")
    logins = audit.entries(store, by="cli", action="login", user_name="admin")
    # this test's seven attempts, oldest first (the shared demo store may hold an earlier test's login)
    assert [e.outcome for e in reversed(logins)][-7:] == ["failure"] * 5 + ["locked", "locked"]
    assert users.get_user(store, "admin").locked_until is not None
    for entry in logins:
        assert "pas-le-bon" not in str(entry.detail) and "demo-admin" not in str(entry.detail)


def test_unknown_user_and_wrong_password_get_the_same_answer(demo_env: Path) -> None:
    at = _submit(app_test(None).run(), "personne", "n-importe-quoi-123")
    unknown = at.error[0].value
    at = _submit(at, "viewer", "n-importe-quoi-123")
    assert at.error[0].value == unknown == "Nom d'utilisateur ou mot de passe incorrect."


def test_first_run_asks_for_an_admin_then_the_login(tmp_path: Path, demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "fresh"
    data_dir.mkdir()
    shutil.copy(demo_dir / "warehouse.duckdb", data_dir / "warehouse.duckdb")  # no campaign store: no account
    monkeypatch.setenv("ISOLOIR_DATA_DIR", str(data_dir))
    from dashboard.ui import data

    data.settings.clear()
    at = app_test(None).run()
    assert at.title[0].value == "Isoloir — premier démarrage"
    fields = {t.label: t for t in at.text_input}
    fields["Nom d'utilisateur"].input("directrice")
    fields["Mot de passe (10 caractères au moins)"].input("un-mot-de-passe-solide")
    fields["Mot de passe, encore"].input("un-autre-mot-de-passe")
    next(b for b in at.button if b.label == "Créer le compte administrateur").click()
    at.run()
    assert "diffèrent" in at.error[0].value and not users.has_admin(CampaignStore(data_dir / "campaign.duckdb"))
    fields = {t.label: t for t in at.text_input}
    fields["Mot de passe, encore"].input("un-mot-de-passe-solide")
    next(b for b in at.button if b.label == "Créer le compte administrateur").click()
    at.run()
    assert at.title[0].value == "Isoloir — connexion" and "« directrice » créé" in _texts(at)
    assert not any("Démo" in w.value for w in at.warning[1:])  # a real store shows no demo accounts
    at = _submit(at, "directrice", "un-mot-de-passe-solide")
    assert at.session_state["username"] == "directrice" and not at.exception


def test_an_expired_session_returns_to_the_login_page(demo_env: Path) -> None:
    at = log_in(app_test(None), "viewer", hours=-0.01).run()
    assert at.title[0].value == "Isoloir — connexion"
    assert "Session expirée" in _texts(at)


def test_a_disabled_account_is_logged_out_at_its_next_click(demo_env: Path) -> None:
    at = app_test("viewer").run()
    assert at.get("deck_gl_json_chart")
    users.disable_user(CampaignStore(demo_env / "campaign.duckdb"), "viewer", by="cli")
    at.run()
    assert at.title[0].value == "Isoloir — connexion" and "désactivé" in _texts(at)


def test_a_role_change_applies_at_the_next_run(demo_env: Path) -> None:
    at = app_test("strategist").run()
    assert any(b.label == "Enregistrer la vue" for b in at.button)
    users.set_role(CampaignStore(demo_env / "campaign.duckdb"), "strategist", "viewer", by="cli")
    at.run()
    assert not any(b.label == "Enregistrer la vue" for b in at.button)  # viewers do not save views


def test_logout_returns_to_the_login_form_and_is_audited(demo_env: Path) -> None:
    at = app_test("candidate").run()
    at.button(key="isoloir_logout").click().run()
    assert at.title[0].value == "Isoloir — connexion" and "déconnecté" in _texts(at)
    assert not at.session_state["authentication_status"]
    at.run()  # the cookie is not read again in this browser session
    assert at.title[0].value == "Isoloir — connexion"
    store = CampaignStore(demo_env / "campaign.duckdb")
    assert audit.entries(store, by="cli", action="logout")[0].user_name == "candidate"


def test_password_change_from_my_account(demo_env: Path) -> None:
    at = app_test("viewer").run()
    fields = {t.label: t for t in at.text_input}
    fields["Mot de passe actuel"].input("demo-viewer")
    fields["Nouveau mot de passe"].input("un-nouveau-mot-de-passe")
    fields["Nouveau mot de passe, encore"].input("un-nouveau-mot-de-passe")
    next(b for b in at.button if b.label == "Changer le mot de passe").click()
    at.run()
    assert any("Mot de passe changé" in s.value for s in at.success)
    store = CampaignStore(demo_env / "campaign.duckdb")
    assert users.verify_login(store, "viewer", "un-nouveau-mot-de-passe").ok
    assert not users.verify_login(store, "viewer", "demo-viewer").ok
