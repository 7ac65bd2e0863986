"""Server-side sessions: tokens never stored, lookup re-reads the account, every way a session ends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import bcrypt
import pytest

from dashboard.store import CampaignStore, audit, sessions, users

T0 = datetime(2026, 3, 1, 9, 0, 0)
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())


@pytest.fixture
def store(new_store: Callable[..., CampaignStore]) -> CampaignStore:
    s = new_store()
    users.add_user(s, "chef", PASSWORD, "admin", by="cli")
    users.add_user(s, "paul", PASSWORD, "candidate", by="cli")
    return s


def _open(store: CampaignStore, name: str, now: datetime = T0) -> str:
    user = users.get_user(store, name)
    assert user is not None
    return sessions.create(store, user, hours=2, client="127.0.0.1", now=now)


def test_token_is_random_and_only_its_hash_is_stored(store: CampaignStore) -> None:
    token = _open(store, "paul")
    assert len(token) >= 43 and token != _open(store, "paul")
    with store.read() as con:
        ids = [r[0] for r in con.execute("SELECT session_id FROM user_session").fetchall()]
    assert token not in ids and sessions.session_id(token) in ids
    assert sessions.lookup(store, token, T0 + timedelta(minutes=5)).user_name == "paul"  # type: ignore[union-attr]


@pytest.mark.parametrize("token", [None, "", "x", "a" * 500, "é" * 30, {"username": "paul"}, "eyJhbGciOiJub25lIn0.eyJ1c2VybmFtZSI6InBhdWwifQ."])
def test_malformed_or_foreign_tokens_name_nobody(store: CampaignStore, token: object) -> None:
    assert sessions.lookup(store, token, T0) is None
    assert sessions.revoke(store, token) is None


def test_expiry(store: CampaignStore) -> None:
    token = _open(store, "paul")
    assert sessions.lookup(store, token, T0 + timedelta(hours=1, minutes=59)) is not None
    assert sessions.lookup(store, token, T0 + timedelta(hours=2)) is None


def test_logout_ends_every_session_of_the_user_and_is_audited(store: CampaignStore) -> None:
    first, second, other = _open(store, "paul"), _open(store, "paul"), _open(store, "chef")
    assert sessions.revoke(store, first, client="10.0.0.1") == "paul"
    assert sessions.lookup(store, first, T0) is None and sessions.lookup(store, second, T0) is None
    assert sessions.lookup(store, other, T0) is not None
    assert sessions.revoke(store, first) is None  # already ended
    entry = audit.entries(store, by="cli", action="logout")[0]
    assert entry.user_name == "paul" and entry.detail["sessions"] == 2 and entry.detail["client"] == "10.0.0.1"


@pytest.mark.parametrize("change", ["disable", "set_role", "reset_password", "change_password", "revoke_all"])
def test_account_changes_end_every_session_at_once(store: CampaignStore, change: str) -> None:
    tokens = [_open(store, "paul"), _open(store, "paul")]
    kept = _open(store, "chef")
    if change == "disable":
        users.disable_user(store, "paul", by="cli")
    elif change == "set_role":
        users.set_role(store, "paul", "viewer", by="cli")
    elif change == "reset_password":
        users.reset_password(store, "paul", "autre-secret-123", by="cli")
    elif change == "change_password":
        users.change_password(store, "paul", PASSWORD, "autre-secret-123")
    else:
        assert sessions.revoke_all(store, "paul", "admin", by="chef") == 2
    assert all(sessions.lookup(store, t, T0) is None for t in tokens)
    assert sessions.lookup(store, kept, T0) is not None
    assert sessions.open_sessions(store, "paul", T0) == []
    with store.read() as con:
        reasons = {r[0] for r in con.execute("SELECT revoke_reason FROM user_session WHERE user_name = 'paul'").fetchall()}
    assert len(reasons) == 1 and None not in reasons


def test_same_role_does_not_end_sessions(store: CampaignStore) -> None:
    token = _open(store, "paul")
    users.set_role(store, "paul", "candidate", by="cli")
    assert sessions.lookup(store, token, T0) is not None


def test_demo_accounts_log_in_only_in_the_demo_and_without_real_accounts(new_store: Callable[..., CampaignStore]) -> None:
    s = new_store()
    users.ensure_demo_accounts(s)
    assert users.verify_login(s, "admin", "demo-admin", T0, client="a").ok
    refused = users.verify_login(s, "admin", "demo-admin", T0, client="a", demo_allowed=False)
    assert not refused.ok and refused.message_fr == users.FAILURE_FR
    users.add_user(s, "vraie", PASSWORD, "admin", by="cli")
    assert users.verify_login(s, "admin", "demo-admin", T0, client="b").message_fr == users.FAILURE_FR
    reasons = [e.detail.get("reason") for e in audit.entries(s, by="cli", action="login", user_name="admin")]
    assert reasons[:2] == ["demo_account_refused", "demo_account_refused"]
