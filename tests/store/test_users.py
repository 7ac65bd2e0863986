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
    users.add_user(store, "paul", "un-mot-de-passe-robuste", "canvasser", by="cli", now=T0)
    listed = users.list_users(store, by="cli")
    assert [(u.user_name, u.role, u.active, u.demo) for u in listed] == [("directrice", "admin", True, False), ("paul", "canvasser", True, False)]
    assert listed[0].display_name == "Marie Dupont" and listed[0].role_label == "directeur de campagne"
    hashes = _hashes(store)
    assert all(h.startswith("$2b$") for h in hashes)
    text = repr(listed) + str(listed) + repr(users.get_user(store, "paul"))
    for h in hashes:
        assert h not in text
    assert "hash" not in repr(listed[0]) and "$2b$" not in repr(listed[0])


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
    disabled = users.verify_login(store, "directrice", PASSWORD, T0)
    assert disabled.outcome is LoginOutcome.DISABLED and disabled.message_fr == users.FAILURE_FR
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


def test_throttle_delay_grows_and_is_capped() -> None:
    pair = [users.throttle_delay(n, users.PAIR_FREE, users.PAIR_DELAY).total_seconds() for n in range(4, 10)]
    assert pair == [0, 30, 60, 120, 240, 480]
    assert users.throttle_delay(500, users.PAIR_FREE, users.PAIR_DELAY) == timedelta(hours=1)
    assert users.throttle_delay(users.ADDRESS_FREE - 1, users.ADDRESS_FREE, users.ADDRESS_DELAY) == timedelta(0)


def test_throttling_per_address_and_user_with_an_injected_clock(store: CampaignStore) -> None:
    now = T0
    attacker, owner = "203.0.113.9", "198.51.100.7"
    for attempt in range(1, 6):
        result = users.verify_login(store, "directrice", f"mauvais-{attempt}", now, client=attacker)
        assert result.outcome is LoginOutcome.FAILURE and result.user is None
    # the attacker's address is now slowed down for this name, even with the right password, with a
    # message that says nothing of the account
    blocked = users.verify_login(store, "directrice", PASSWORD, now + timedelta(seconds=10), client=attacker)
    assert blocked.outcome is LoginOutcome.LOCKED and blocked.retry_after == timedelta(seconds=20)
    assert "20 s" in blocked.message_fr and "adresse" in blocked.message_fr
    # the owner, from their own address, is not locked out by someone else's failures
    assert users.verify_login(store, "directrice", PASSWORD, now + timedelta(seconds=10), client=owner).ok
    # an unknown name is slowed down exactly the same way (spraying is throttled)
    for attempt in range(5):
        users.verify_login(store, "personne", "peu-importe-123", now, client=attacker)
    ghost = users.verify_login(store, "personne", "peu-importe-123", now + timedelta(seconds=1), client=attacker)
    assert ghost.outcome is LoginOutcome.LOCKED and ghost.message_fr.replace("29", "20") == blocked.message_fr
    # after the delay, one more failure doubles it; a success clears the pair
    now += timedelta(seconds=31)
    assert users.verify_login(store, "directrice", "mauvais-6", now, client=attacker).outcome is LoginOutcome.FAILURE
    assert users.verify_login(store, "directrice", PASSWORD, now + timedelta(seconds=59), client=attacker).retry_after == timedelta(seconds=1)
    now += timedelta(seconds=61)
    assert users.verify_login(store, "directrice", PASSWORD, now, client=attacker).ok
    assert users.verify_login(store, "directrice", "mauvais", now, client=attacker).outcome is LoginOutcome.FAILURE
    # every attempt is in the audit log with the client address, without the passwords tried
    logins = audit.entries(store, by="cli", action="login", user_name="directrice")
    outcomes = [e.outcome for e in reversed(logins)]
    assert outcomes == ["failure"] * 5 + ["throttled", "success", "failure", "throttled", "success", "failure"]
    assert all(e.detail["client"] in (attacker, owner) for e in logins)
    assert not any("mauvais" in str(e) or PASSWORD in str(e) for e in logins)


def test_many_addresses_slow_down_an_address_whatever_the_names(store: CampaignStore) -> None:
    for n in range(users.ADDRESS_FREE):
        users.verify_login(store, f"nom{n}", "peu-importe-123", T0, client="203.0.113.50")
    assert users.verify_login(store, "directrice", PASSWORD, T0, client="203.0.113.50").outcome is LoginOutcome.LOCKED
    assert users.verify_login(store, "directrice", PASSWORD, T0, client="203.0.113.51").ok


def test_unknown_user_gets_the_same_answer_and_is_audited(store: CampaignStore) -> None:
    unknown = users.verify_login(store, "personne", "peu-importe-123", T0)
    wrong = users.verify_login(store, "directrice", "peu-importe-123", T0)
    assert unknown.outcome is wrong.outcome is LoginOutcome.FAILURE and unknown.message_fr == wrong.message_fr
    entry = audit.entries(store, by="cli", user_name="personne")[0]
    assert (entry.action, entry.outcome) == ("login", "failure")


def test_production_hash_is_the_authenticators(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit_authenticator import Hasher

    monkeypatch.undo()
    hashed = users._hash_password("un-mot-de-passe-robuste")
    assert Hasher.is_hash(hashed) and Hasher.check_pw("un-mot-de-passe-robuste", hashed) and hashed.startswith("$2b$12$")


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
