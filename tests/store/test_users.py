"""Accounts: add, list, disable, roles, passwords, throttling, the authenticator's credentials, demo accounts."""

from __future__ import annotations

from collections.abc import Callable

from datetime import datetime, timedelta
from pathlib import Path

import bcrypt
import pytest

from dashboard.access.permissions import PermissionDenied
from dashboard.store import CampaignStore, audit, crypto, users
from dashboard.store.users import LoginOutcome, PasswordRejected, UserError

T0 = datetime(2026, 3, 1, 9, 0, 0)
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """bcrypt at cost 4 in tests (same format, checked by the same functions)."""
    monkeypatch.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())


@pytest.fixture
def store(new_store: Callable[..., CampaignStore]) -> CampaignStore:
    s = new_store()
    users.add_user(s, "Directrice", PASSWORD, "admin", by="cli", display_name="Marie Dupont", now=T0)
    return s


def _hashes(store: CampaignStore) -> list[str]:
    with store.write() as con:
        return [crypto.open_("app_user", "password_hash", r[0], r[1])  # stored sealed (store/crypto.py)
                  for r in con.execute("SELECT user_name, password_hash FROM app_user").fetchall()]


def test_add_and_list_never_show_hashes(store: CampaignStore) -> None:
    users.add_user(store, "paul", "un-mot-de-passe", "canvasser", by="cli", now=T0)
    listed = users.list_users(store, by="cli")
    assert [(u.user_name, u.role, u.active, u.demo) for u in listed] == [("directrice", "admin", True, False), ("paul", "canvasser", True, False)]
    assert listed[0].display_name == "Marie Dupont" and listed[0].role_label == "directeur de campagne"
    hashes = _hashes(store)
    assert all(h.startswith("$2b$") for h in hashes)
    text = repr(listed) + str(listed) + repr(users.get_user(store, "paul"))
    for h in hashes:
        assert h not in text
    assert "hash" not in repr(listed[0]) and "$2b$" not in repr(listed[0])
    creds = users.credentials_for_authenticator(store)
    assert all(h not in repr(creds) and h not in str(creds) for h in hashes)


def test_add_rejects_duplicates_bad_names_roles_passwords(store: CampaignStore) -> None:
    with pytest.raises(UserError, match="existe déjà"):
        users.add_user(store, "DIRECTRICE", PASSWORD, "viewer", by="cli")
    with pytest.raises(UserError, match="nom d'utilisateur invalide"):
        users.add_user(store, "a b", PASSWORD, "viewer", by="cli")
    with pytest.raises(Exception, match="rôle inconnu"):
        users.add_user(store, "zoe", PASSWORD, "boss", by="cli")
    with pytest.raises(PasswordRejected, match="trop court"):
        users.add_user(store, "zoe", "court", "viewer", by="cli")
    with pytest.raises(PasswordRejected, match="démonstration"):
        users.add_user(store, "viewer", "demo-viewer", "viewer", by="cli")  # published demo passwords: demo accounts only
    with pytest.raises(PasswordRejected, match="démonstration"):
        users.add_user(store, "zoe", "demo-admin", "viewer", by="cli", demo=True)
    with pytest.raises(PasswordRejected, match="trop long"):
        users.add_user(store, "zoe", "é" * 40, "viewer", by="cli")
    with pytest.raises(PasswordRejected, match="nom d'utilisateur"):
        users.add_user(store, "zoe-martin", "Zoe-Martin", "viewer", by="cli")
    assert [u.user_name for u in users.list_users(store, by="cli")] == ["directrice"]


def test_only_admins_manage_users(store: CampaignStore) -> None:
    viewer = users.add_user(store, "obs", PASSWORD, "viewer", by="cli")
    admin = users.get_user(store, "directrice")
    assert admin is not None
    with pytest.raises(PermissionDenied):
        users.list_users(store, by=viewer)
    with pytest.raises(PermissionDenied):
        users.add_user(store, "x2", PASSWORD, "admin", by=viewer)
    added = users.add_user(store, "strat", PASSWORD, "strategist", by=admin)
    assert added.role == "strategist"
    last = audit.entries(store, by="cli", action="user_add", limit=1)[0]
    assert (last.user_name, last.object_id, last.detail) == ("directrice", "strat", {"demo": False, "role": "strategist"})


def test_assignable_users_are_active_canvassers_for_those_who_assign(store: CampaignStore) -> None:
    strategist = users.add_user(store, "strat", PASSWORD, "strategist", by="cli")
    viewer = users.add_user(store, "obs", PASSWORD, "viewer", by="cli")
    users.add_user(store, "marie", PASSWORD, "canvasser", by="cli", display_name="Marie")
    users.add_user(store, "paul", PASSWORD, "canvasser", by="cli")
    users.disable_user(store, "paul", by="cli")
    assert users.assignable_users(store, by=strategist) == {"marie": "Marie (marie)"}  # names only
    with pytest.raises(PermissionDenied):
        users.list_users(store, by=strategist)  # the accounts themselves stay the admin's
    with pytest.raises(PermissionDenied):
        users.assignable_users(store, by=viewer)
    assert audit.entries(store, by="cli", action="permission_denied", limit=1)[0].user_name == "obs"


def test_disable_enable_set_role_and_last_admin(store: CampaignStore) -> None:
    users.add_user(store, "paul", PASSWORD, "canvasser", by="cli")
    with pytest.raises(UserError, match="dernier administrateur"):
        users.disable_user(store, "directrice", by="cli")
    with pytest.raises(UserError, match="dernier administrateur"):
        users.set_role(store, "directrice", "viewer", by="cli")
    assert users.set_role(store, "paul", "admin", by="cli").role == "admin"
    assert users.set_role(store, "directrice", "candidate", by="cli").role == "candidate"
    assert not users.disable_user(store, "directrice", by="cli").active
    assert users.verify_login(store, "directrice", PASSWORD, T0).outcome is LoginOutcome.DISABLED
    assert "directrice" not in users.credentials_for_authenticator(store)["usernames"]
    assert users.enable_user(store, "directrice", by="cli").active
    with pytest.raises(UserError, match="inconnu"):
        users.set_role(store, "nobody", "viewer", by="cli")
    actions = [e.action for e in audit.entries(store, by="cli", user_name="cli")]
    assert actions[:4] == ["user_enable", "user_disable", "user_set_role", "user_set_role"]


def test_reset_and_change_password(store: CampaignStore) -> None:
    users.reset_password(store, "directrice", "nouveau-secret-1", by="cli", now=T0)
    assert not users.verify_login(store, "directrice", PASSWORD, T0).ok
    assert users.verify_login(store, "directrice", "nouveau-secret-1", T0).ok
    with pytest.raises(UserError, match="ancien mot de passe incorrect"):
        users.change_password(store, "directrice", "faux-mot-de-passe", "autre-secret-22", now=T0)
    with pytest.raises(PasswordRejected, match="trop court"):
        users.change_password(store, "directrice", "nouveau-secret-1", "court", now=T0)
    with pytest.raises(PasswordRejected, match="différent"):
        users.change_password(store, "directrice", "nouveau-secret-1", "nouveau-secret-1", now=T0)
    changed = users.change_password(store, "directrice", "nouveau-secret-1", "autre-secret-22", now=T0 + timedelta(hours=1))
    assert changed.password_changed_at == T0 + timedelta(hours=1)
    assert users.verify_login(store, "directrice", "autre-secret-22", T0).ok
    kinds = [(e.action, e.outcome) for e in audit.entries(store, by="cli", user_name="directrice", action="password_change")]
    assert ("password_change", "success") in kinds and ("password_change", "failure") in kinds


def test_lock_delay_grows_and_is_capped() -> None:
    assert [users.lock_delay(n).total_seconds() for n in range(4, 10)] == [0, 30, 60, 120, 240, 480]
    assert users.lock_delay(12) == timedelta(hours=1) and users.lock_delay(500) == timedelta(hours=1)


def test_throttling_with_an_injected_clock(store: CampaignStore) -> None:
    now = T0
    for attempt in range(1, 5):
        result = users.verify_login(store, "directrice", f"mauvais-{attempt}", now)
        assert result.outcome is LoginOutcome.FAILURE and result.retry_after is None and result.user is None
    fifth = users.verify_login(store, "directrice", "mauvais-5", now)
    assert fifth.outcome is LoginOutcome.FAILURE and fifth.retry_after == timedelta(seconds=30) and "30 s" in fifth.message_fr
    # during the lock even the right password is refused, without being checked, and the lock does not grow
    locked = users.verify_login(store, "directrice", PASSWORD, now + timedelta(seconds=10))
    assert locked.outcome is LoginOutcome.LOCKED and locked.retry_after == timedelta(seconds=20) and "20 s" in locked.message_fr
    assert users.get_user(store, "directrice").failed_logins == 5  # type: ignore[union-attr]
    # after the lock, one more failure locks for twice as long
    now += timedelta(seconds=31)
    sixth = users.verify_login(store, "directrice", "mauvais-6", now)
    assert sixth.retry_after == timedelta(seconds=60)
    assert users.verify_login(store, "directrice", PASSWORD, now + timedelta(seconds=59)).outcome is LoginOutcome.LOCKED
    now += timedelta(seconds=61)
    assert users.verify_login(store, "directrice", "mauvais-7", now).retry_after == timedelta(seconds=120)
    now += timedelta(seconds=121)
    ok = users.verify_login(store, "directrice", PASSWORD, now)
    assert ok.ok and ok.user is not None and ok.user.failed_logins == 0 and ok.user.locked_until is None
    # a success resets the count: four new failures do not lock
    for attempt in range(4):
        assert users.verify_login(store, "directrice", "mauvais", now).retry_after is None
    # every attempt is in the audit log, without the passwords tried
    logins = audit.entries(store, by="cli", action="login", user_name="directrice")
    assert [e.outcome for e in reversed(logins)] == ["failure"] * 5 + ["locked"] + ["failure", "locked", "failure", "success"] + ["failure"] * 4
    assert logins[-5].detail == {"failed_logins": 5, "locked_s": 30}
    assert not any("mauvais" in str(e) or PASSWORD in str(e) for e in logins)


def test_unknown_user_gets_the_same_answer_and_is_audited(store: CampaignStore) -> None:
    unknown = users.verify_login(store, "personne", "peu-importe-123", T0)
    wrong = users.verify_login(store, "directrice", "peu-importe-123", T0)
    assert unknown.outcome is wrong.outcome is LoginOutcome.FAILURE and unknown.message_fr == wrong.message_fr
    entry = audit.entries(store, by="cli", user_name="personne")[0]
    assert (entry.action, entry.outcome) == ("login", "failure")


def test_credentials_feed_streamlit_authenticator(store: CampaignStore) -> None:
    from streamlit_authenticator import Authenticate, Hasher

    users.add_user(store, "paul", "un-mot-de-passe", "canvasser", by="cli", display_name="Paul")
    creds = users.credentials_for_authenticator(store)
    assert set(creds["usernames"]) == {"directrice", "paul"}
    paul = creds["usernames"]["paul"]
    assert paul["name"] == "Paul" and paul["roles"] == ["canvasser"]
    assert Hasher.is_hash(paul["password"]) and Hasher.check_pw("un-mot-de-passe", paul["password"])
    authenticator = Authenticate(creds, "isoloir_test", "k" * 32, 0.5, auto_hash=False)
    model = authenticator.authentication_controller.authentication_model
    assert model.check_credentials("paul", "un-mot-de-passe") and not model.check_credentials("paul", "faux")


def test_production_hash_is_the_authenticators(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit_authenticator import Hasher

    monkeypatch.undo()
    hashed = users._hash_password("un-mot-de-passe")
    assert Hasher.is_hash(hashed) and Hasher.check_pw("un-mot-de-passe", hashed) and hashed.startswith("$2b$12$")


def test_first_run_admin(new_store: Callable[..., CampaignStore]) -> None:
    s = new_store()
    assert not users.has_admin(s) and users.list_users(s, by="cli") == []
    admin = users.create_first_admin(s, "chef", "premier-secret", now=T0)
    assert admin.role == "admin" and users.has_admin(s)
    with pytest.raises(UserError, match="existe déjà"):
        users.create_first_admin(s, "autre", "premier-secret")
    assert audit.entries(s, by="cli")[0].user_name == "first-run"


def test_demo_accounts_not_beside_real_ones(store: CampaignStore) -> None:
    with pytest.raises(UserError, match="vrais comptes"):
        users.ensure_demo_accounts(store)
    assert len(users.list_users(store, by="cli")) == 1


def test_demo_territory_has_one_account_per_role(demo_dir: Path) -> None:
    from dashboard.config import Settings

    s = CampaignStore(Settings.load({}, data_dir=demo_dir).campaign_path)
    accounts = {u.user_name: u for u in users.list_users(s, by="cli")}
    assert {name: u.role for name, u in accounts.items()} == {r: r for r in ["admin", "candidate", "strategist", "canvasser", "viewer"]}
    assert all(u.demo and u.active for u in accounts.values())
    assert users.verify_login(s, "admin", "demo-admin").ok
    assert users.verify_login(s, "viewer", "demo-viewer").user.role == "viewer"  # type: ignore[union-attr]
    assert users.ensure_demo_accounts(s) == []  # rerunning the demo adds nothing
