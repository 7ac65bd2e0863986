"""Issue 12, row 8: « aaaaaaaaaa », « 1234567890 » and « motdepasse » were accepted (only the length was
checked). Each is now refused, with a French reason, at every place a password is set: the store's four
functions, the CLI (``isoloir users add`` and ``reset-password``), the first-run form, the admin page
(create and reset) and « Mon compte ». Plus item 9: two-factor authentication is required exactly for the
roles that may export personal data."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import bcrypt
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.access.permissions import ROLES, Grant, permission
from dashboard.cli import main
from dashboard.store import CampaignStore, audit, two_factor, users
from dashboard.store.users import PasswordRejected
from tests.apptest import app_test, open_page

ROW_8 = ["aaaaaaaaaa", "1234567890", "motdepasse"]
ALSO = ["azertyuiop", "soleil2024!"]  # the brief's other examples
GOOD = "brouette-cactus-lundi-47"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())


def _refusal(message: str) -> bool:
    return message.lower().startswith("mot de passe refusé : il ") and (
        "courant" in message or "répète" in message or "suite" in message)


@pytest.mark.parametrize("password", ROW_8 + ALSO)
def test_the_store_refuses_them_everywhere_a_password_is_set(password: str, new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    with pytest.raises(PasswordRejected) as first:
        users.create_first_admin(store, "directrice", password)
    assert _refusal(first.value.message_fr)
    users.create_first_admin(store, "directrice", GOOD)
    with pytest.raises(PasswordRejected) as added:
        users.add_user(store, "paul", password, "canvasser", by="cli")
    assert _refusal(added.value.message_fr)
    users.add_user(store, "paul", GOOD, "canvasser", by="cli")
    with pytest.raises(PasswordRejected):
        users.reset_password(store, "paul", password, by="cli")
    with pytest.raises(PasswordRejected):
        users.change_password(store, "paul", GOOD, password)
    assert users.verify_login(store, "paul", GOOD).ok and not users.verify_login(store, "paul", password).ok


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("password", ROW_8)
def test_the_cli_refuses_them(password: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    d = ["--data-dir", str(tmp_path)]
    code, err = _cli(monkeypatch, capsys, ["users", "add", "marie", "--role", "admin", "--password-stdin", *d], password + "\n")
    assert code == 1 and err.startswith("Erreur : mot de passe refusé : il ") and "Traceback" not in err
    assert _cli(monkeypatch, capsys, ["users", "add", "marie", "--role", "admin", "--password-stdin", *d], GOOD + "\n")[0] == 0
    code, err = _cli(monkeypatch, capsys, ["users", "reset-password", "marie", "--password-stdin", *d], password + "\n")
    assert code == 1 and err.startswith("Erreur : mot de passe refusé : il ")
    assert users.verify_login(CampaignStore(tmp_path / "campaign.duckdb"), "marie", GOOD).ok


def _texts(at: AppTest) -> str:
    return " ".join(e.value for kind in ("error", "success") for e in getattr(at, kind))


# The first-run form (HTTP, /connexion) refuses them too: tests/security/test_first_run.py, on the real server.


def test_the_admin_page_refuses_them_for_new_and_reset_accounts(demo_env: Path) -> None:
    at = open_page(app_test("admin").run(), "admin.py")
    for password in ROW_8:
        at.text_input(key="admin_new_name").input("nouvelle")
        at.selectbox(key="admin_new_role").select("viewer")
        at.text_input(key="admin_new_password").input(password)
        at.text_input(key="admin_new_password2").input(password)
        at = at.button(key="admin_new_submit").click().run()
        assert not at.exception and any(_refusal(e.value.rstrip(".")) for e in at.error), _texts(at)
    store = CampaignStore(demo_env / "campaign.duckdb")
    assert users.get_user(store, "nouvelle") is None
    at.selectbox(key="admin_target").set_value("viewer")
    at = at.run()
    for password in ROW_8:
        at.text_input(key="admin_reset_password").input(password)
        at.text_input(key="admin_reset_password2").input(password)
        at = at.button(key="admin_reset_submit").click().run()
        assert not at.exception and any(_refusal(e.value.rstrip(".")) for e in at.error), _texts(at)
    assert users.verify_login(store, "viewer", "demo-viewer").ok


def test_my_account_refuses_them(demo_env: Path) -> None:
    at = app_test("viewer").run()
    for password in ROW_8:
        fields = {t.label: t for t in at.text_input}
        fields["Mot de passe actuel"].input("demo-viewer")
        fields["Nouveau mot de passe"].input(password)
        fields["Nouveau mot de passe, encore"].input(password)
        next(b for b in at.button if b.label == "Changer le mot de passe").click()
        at.run()
        assert not at.exception and any(_refusal(e.value.rstrip(".")) for e in at.error), _texts(at)
    store = CampaignStore(demo_env / "campaign.duckdb")
    assert users.verify_login(store, "viewer", "demo-viewer").ok
    assert not any(e.outcome == "success" for e in audit.entries(store, by="cli", action="password_change", user_name="viewer"))


def test_two_factor_is_required_exactly_for_the_roles_that_may_export() -> None:
    for role in ROLES:
        assert two_factor.required(role) is (permission(role, "export_personal_data") is not Grant.NONE)
    assert [r for r in ROLES if two_factor.required(r)] == ["admin", "candidate"]


def test_the_cli_resets_two_factor_for_a_director_who_lost_phone_and_codes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import enrol_two_factor

    store = CampaignStore(tmp_path / "campaign.duckdb")
    enrol_two_factor(store, users.add_user(store, "marie", GOOD, "admin", by="cli"), "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    store.close()
    d = ["--data-dir", str(tmp_path)]
    code, err = _cli(monkeypatch, capsys, ["users", "reset-two-factor", "personne", *d], "")
    assert code == 1 and err.startswith("Erreur : utilisateur inconnu")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["users", "reset-two-factor", "Marie", *d]) == 0
    assert "réinitialisée" in capsys.readouterr().out
    store = CampaignStore(tmp_path / "campaign.duckdb")
    assert not two_factor.is_enrolled(store, "marie") and two_factor.must_enrol(store, users.get_user(store, "marie"))
    entry = audit.entries(store, by="cli", action="two_factor_reset")[0]
    assert (entry.user_name, entry.object_id) == ("cli", "marie")
