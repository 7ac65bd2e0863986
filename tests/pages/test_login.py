"""The session inside Streamlit (AppTest): looked up in the store on every run; logout, password
change, disabling and role changes end it at the next click. (The login form itself is plain HTTP:
tests/security/.)"""

from __future__ import annotations

from pathlib import Path

from dashboard.store import CampaignStore, audit, sessions, users
from tests.apptest import app_test, log_in, maps


def _texts(at) -> str:  # noqa: ANN001 - AppTest
    return " ".join(e.value for kind in ("error", "info", "warning", "success", "title", "markdown") for e in getattr(at, kind))


def test_without_a_session_nothing_of_the_app_runs(demo_env: Path) -> None:
    at = app_test(None).run()
    assert not at.exception
    assert at.title[0].value == "Isoloir — session fermée"
    assert not maps(at)


def test_a_session_opens_the_map(demo_env: Path) -> None:
    at = app_test("strategist").run()
    assert not at.exception and maps(at)


def test_an_expired_session_is_closed(demo_env: Path) -> None:
    at = log_in(app_test(None), "viewer", hours=-0.01).run()
    assert at.title[0].value == "Isoloir — session fermée" and not maps(at)


def test_a_disabled_account_is_logged_out_at_its_next_click(demo_env: Path) -> None:
    at = app_test("viewer").run()
    assert maps(at)
    users.disable_user(CampaignStore(demo_env / "campaign.duckdb"), "viewer", by="cli")
    at.run()
    assert at.title[0].value == "Isoloir — session fermée" and not maps(at)


def test_a_role_change_ends_the_session_at_the_next_run(demo_env: Path) -> None:
    at = app_test("strategist").run()
    assert any(b.label == "Enregistrer la vue" for b in at.button)
    users.set_role(CampaignStore(demo_env / "campaign.duckdb"), "strategist", "viewer", by="cli")
    at.run()
    assert at.title[0].value == "Isoloir — session fermée"
    assert not any(b.label == "Enregistrer la vue" for b in at.button)
    at = app_test("strategist").run()  # logged in again: the new role
    assert maps(at) and not any(b.label == "Enregistrer la vue" for b in at.button)


def test_logout_ends_the_session_server_side_and_is_audited(demo_env: Path) -> None:
    at = app_test("candidate").run()
    token = at.session_state["isoloir_session_token"]
    store = CampaignStore(demo_env / "campaign.duckdb")
    assert sessions.lookup(store, token) is not None
    at.button(key="isoloir_logout").click().run()
    assert at.title[0].value == "Isoloir — session fermée" and "déconnecté" in _texts(at)
    assert sessions.lookup(store, token) is None  # the token (the cookie) is useless from now on
    assert audit.entries(store, by="cli", action="logout")[0].user_name == "candidate"


def test_password_change_from_my_account_ends_every_session(demo_env: Path) -> None:
    at = app_test("viewer").run()
    other = app_test("viewer").run()  # the same user in another browser
    fields = {t.label: t for t in at.text_input}
    fields["Mot de passe actuel"].input("demo-viewer")
    fields["Nouveau mot de passe"].input("un-nouveau-mot-de-passe")
    fields["Nouveau mot de passe, encore"].input("un-nouveau-mot-de-passe")
    next(b for b in at.button if b.label == "Changer le mot de passe").click()
    at.run()
    assert at.title[0].value == "Isoloir — session fermée" and "Mot de passe changé" in _texts(at)
    assert other.run().title[0].value == "Isoloir — session fermée"
    store = CampaignStore(demo_env / "campaign.duckdb")
    assert users.verify_login(store, "viewer", "un-nouveau-mot-de-passe").ok
    assert not users.verify_login(store, "viewer", "demo-viewer").ok
