"""The audit log: append-only (no update/delete API, tamper-evident chain), filters, no secrets."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from dashboard.access.permissions import PermissionDenied
from dashboard.store import CampaignStore, audit

T0 = datetime(2026, 3, 1, 9, 0, 0)


@pytest.fixture
def store(new_store: Callable[..., CampaignStore]) -> CampaignStore:
    s = new_store()
    audit.record(s, "cli", "user_add", "user", "alice", {"role": "admin"}, at=T0)
    audit.record(s, "alice", "login", "user", "alice", outcome="success", at=T0 + timedelta(minutes=1))
    audit.record(s, "alice", "export", "contacts", 12, {"rows": 40}, at=T0 + timedelta(days=1))
    audit.record(s, "bob", "login", "user", "bob", outcome="failure", at=T0 + timedelta(days=2))
    return s


def test_no_update_or_delete_api() -> None:
    names = [n for n, _ in inspect.getmembers(audit, inspect.isfunction) if inspect.getmodule(getattr(audit, n)) is audit]
    assert not [n for n in names if any(w in n.lower() for w in ("update", "delete", "remove", "edit", "purge", "clear", "truncate"))]
    source = inspect.getsource(audit)
    assert "UPDATE audit_log" not in source and "DELETE FROM audit_log" not in source


def test_entries_newest_first_and_filters(store: CampaignStore) -> None:
    every = audit.entries(store, by="cli")
    assert [e.action for e in every] == ["login", "export", "login", "user_add"]
    assert [e.user_name for e in audit.entries(store, by="cli", user_name="alice")] == ["alice", "alice"]
    assert [e.object_id for e in audit.entries(store, by="cli", action="login")] == ["bob", "alice"]
    assert [e.action for e in audit.entries(store, by="cli", since=T0 + timedelta(hours=1), until=T0 + timedelta(days=2))] == ["export"]
    assert [e.user_name for e in audit.entries(store, by="cli", outcome="failure")] == ["bob"]
    export = audit.entries(store, by="cli", action="export")[0]
    assert (export.object_type, export.object_id, export.detail, export.at) == ("contacts", "12", {"rows": 40}, T0 + timedelta(days=1))
    assert len(audit.entries(store, by="cli", limit=2)) == 2


def test_reading_needs_view_audit(store: CampaignStore) -> None:
    class Strategist:
        user_name, role = "s", "strategist"

    class Admin:
        user_name, role = "a", "admin"

    with store.write() as con:  # the accounts acting: the store re-reads them at each check (no audit entry here)
        for name, role in (("s", "strategist"), ("a", "admin")):
            con.execute("INSERT INTO app_user (user_name, display_name, role, password_hash, created_at) VALUES (?, ?, ?, 'x', ?)",
                        [name, name, role, T0])
    with pytest.raises(PermissionDenied):
        audit.entries(store, by=Strategist())
    entries = audit.entries(store, by=Admin())
    assert len(entries) == 5  # the 4 of the fixture and the refusal itself
    assert (entries[0].user_name, entries[0].action, entries[0].outcome) == ("s", "permission_denied", "denied")


def test_secrets_are_masked_and_actions_checked(store: CampaignStore) -> None:
    audit.record(store, "cli", "user_reset_password", "user", "bob", {"password": "hunter2hunter2", "nested": {"cookie_key": "s3cr3t"}})
    entry = audit.entries(store, by="cli", action="user_reset_password")[0]
    assert entry.detail == {"password": audit.MASK, "nested": {"cookie_key": audit.MASK}}
    with pytest.raises(ValueError):
        audit.record(store, "cli", "made_up_action")
    with pytest.raises(ValueError):
        audit.record(store, "cli", "login", outcome="maybe")


def test_chain_detects_edits_and_deletions(store: CampaignStore) -> None:
    assert audit.verify_chain(store) is None
    ids = [e.id for e in sorted(audit.entries(store, by="cli"), key=lambda e: e.id)]
    with store.write() as con:  # someone editing the store by hand
        con.execute("UPDATE audit_log SET outcome = 'success' WHERE id = ?", [ids[3]])
    assert audit.verify_chain(store) == ids[3]
    with store.write() as con:  # someone editing the store by hand
        con.execute("UPDATE audit_log SET outcome = 'failure' WHERE id = ?", [ids[3]])
    assert audit.verify_chain(store) is None  # restoring the value restores the chain
    with store.write() as con:  # someone editing the store by hand
        con.execute("DELETE FROM audit_log WHERE id = ?", [ids[1]])
    assert audit.verify_chain(store) == ids[2]


def test_empty_store(tmp_path: Path) -> None:
    s = CampaignStore(tmp_path / "none.duckdb")
    assert audit.entries(s, by="cli") == [] and audit.verify_chain(s) is None and not s.path.exists()
