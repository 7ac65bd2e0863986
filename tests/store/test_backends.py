"""The campaign store's backends: migrations of an existing store, heavy concurrent use, French errors."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import bcrypt
import duckdb
import pytest

from dashboard.store import CampaignStore, audit, campaign_settings, contacts, turfs, users, zones
from dashboard.store.backend import retrying
from dashboard.store.errors import StoreBusy, StoreError
from dashboard.store.migrations import LATEST, MIGRATIONS
from dashboard.store.turfs import TurfConflict, TurfInput
from dashboard.store.zones import ZoneConflict

OLD_DDL = Path(__file__).parent / "data" / "campaign_schema_before_migrations.sql"
T0 = datetime(2026, 3, 1, 9, 0, 0)


@pytest.fixture(autouse=True)
def _fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())


# -- migrations ---------------------------------------------------------------------------------
def _old_store(path: Path) -> None:
    """A store as the code before migrations made it: its DDL, an account, a chained audit log, a zone with history,
    a turf, a contact, settings and a saved view."""
    con = duckdb.connect(str(path))
    try:
        ddl = "\n".join(line for line in OLD_DDL.read_text(encoding="utf-8").splitlines() if not line.startswith("--"))
        for statement in ddl.split(";"):
            if statement.strip():
                con.execute(statement)
        hashed = bcrypt.hashpw(b"un-mot-de-passe-solide", bcrypt.gensalt(4)).decode()
        con.execute("INSERT INTO app_user (user_name, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                    ["dir", "Directrice", "admin", hashed, T0])
        con.execute("INSERT INTO app_user (user_name, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                    ["paul", "Paul", "canvasser", hashed, T0])
        previous = "0" * 64
        for action, object_id in (("user_add", "dir"), ("user_add", "paul"), ("zone_change", "1")):
            detail = json.dumps({"old": True})
            chain = audit._chain(previous, T0, "cli", action, "user", object_id, detail, "success")
            con.execute('INSERT INTO audit_log ("at", user_name, action, object_type, object_id, detail, outcome, chain) '
                        "VALUES (?, 'cli', ?, 'user', ?, ?, 'success', ?)", [T0, action, object_id, detail, chain])
            previous = chain
        con.execute("INSERT INTO zone (name, status, owner, created_at, updated_at) VALUES ('Ancienne', 'draft', 'dir', ?, ?)", [T0, T0])
        con.execute("INSERT INTO zone_station VALUES (1, '45999_1')")
        con.execute("INSERT INTO zone_address VALUES (1, 'a1@45999_1', '45999_1'), (1, 'a2@45999_1', '45999_1')")
        con.execute("INSERT INTO zone_version (zone_id, version, op, name, status, station_ids, address_ids, created_by, created_at) "
                    "VALUES (1, 1, 'create', 'Ancienne', 'draft', '[\"45999_1\"]', '[]', 'dir', ?)", [T0])
        con.execute("INSERT INTO turf (zone_id, number, name, doors, created_by, created_at) VALUES (1, 1, 'Secteur 1', 4, 'dir', ?)", [T0])
        con.execute("INSERT INTO turf_address VALUES (1, 1, 'a1@45999_1', '45999_1'), (1, 2, 'a2@45999_1', '45999_1')")
        con.execute("INSERT INTO contact (station_id, address, full_name, consent, outcome, created_by, created_at) "
                    "VALUES ('45999_1', '1 rue X', 'Anne', false, 'absent', 'dir', ?)", [T0])
        con.execute("INSERT INTO campaign_setting (setting_id, name, retention_days) VALUES (1, 'Municipales', 30)")
        con.execute("INSERT INTO saved_view (name, params, position, created_at) VALUES ('Vue', '{}', 1, ?)", [T0])
    finally:
        con.close()


def test_a_store_made_before_migrations_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "campaign.duckdb"
    _old_store(path)
    store = CampaignStore(path)
    try:
        assert users.get_user(store, "dir").display_name == "Directrice"  # type: ignore[union-attr]
        assert users.verify_login(store, "dir", "un-mot-de-passe-solide").ok
        with store.read() as con:
            assert [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()] == \
                [n for n, _, _ in MIGRATIONS]
        zone = zones.get_zone(store, 1, by="cli")
        assert (zone.name, zone.station_ids, zone.address_count, zone.version, zone.row_version, zone.updated_by) == (
            "Ancienne", ("45999_1",), 2, 1, 1, "dir")
        [turf] = turfs.turfs_for(store, by="cli")
        assert (turf.address_ids, turf.row_version, turf.updated_by, turf.updated_at) == (("a1@45999_1", "a2@45999_1"), 1, "dir", T0)
        assert len(contacts.contacts(store, by="cli")) == 1
        assert campaign_settings.get_campaign_settings(store).name == "Municipales"
        assert [v.name for v in store.views()] == ["Vue"]
        # the chain carries on from the old rows; the sequences too
        assert audit.verify_chain(store) is None
        renamed = zones.rename_zone(store, 1, "Ancienne zone", by="cli", expected_row_version=1)
        assert (renamed.row_version, renamed.version) == (2, 2)
        assert zones.create_zone(store, "Neuve", [], by="cli").zone_id == 2
        assert audit.verify_chain(store) is None
        assert len(audit.entries(store, by="cli")) == 3 + 1 + 1 + 2  # old rows, login, view of contacts, two zone changes
    finally:
        store.close()
    # opened again: nothing to migrate, nothing lost
    again = CampaignStore(path)
    try:
        assert [z.name for z in zones.zones_for(again, by="cli")] == ["Ancienne zone", "Neuve"]
    finally:
        again.close()


def test_migrations_run_once_per_store(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    with store.write() as con:
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == LATEST
        con.execute("INSERT INTO schema_migrations VALUES (999, 'future', ?)", [T0])
    store.close()
    with pytest.raises(StoreError, match="version plus récente"):
        store.views()
    store.close()


# -- stale copies -------------------------------------------------------------------------------
def test_a_save_from_a_stale_copy_is_refused_with_who_and_when(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    users.add_user(store, "strat", "a-long-password-1", "strategist", by="cli")
    users.add_user(store, "paul", "a-long-password-1", "canvasser", by="cli")
    strat = users.get_user(store, "strat")
    zone = zones.create_zone(store, "Centre", ["45999_1"], by="cli", address_ids=["a@45999_1", "b@45999_1"])
    assert zone.row_version == 1 and zone.updated_by == "cli"
    # two people read version 1; the first save wins, the second is refused and changes nothing
    first = zones.update_zone(store, zone.zone_id, by=strat, name="Centre-ville", expected_row_version=zone.row_version,
                              now=datetime(2026, 3, 2, 10, 30))
    assert first.row_version == 2 and first.updated_by == "strat"
    with pytest.raises(ZoneConflict) as refused:
        zones.update_zone(store, zone.zone_id, by="cli", station_ids=["45999_2"], expected_row_version=zone.row_version)
    error = refused.value
    assert (error.changed_by, error.changed_at, error.current_version) == ("strat", datetime(2026, 3, 2, 10, 30), 2)
    assert error.message_fr == ("La zone « Centre-ville » a été modifiée par strat le 02/03/2026 à 11:30 (heure de Paris) depuis que vous "
                                "l'avez ouverte : rechargez-la avant d'enregistrer vos changements.")
    assert zones.get_zone(store, zone.zone_id, by="cli").station_ids == ("45999_1",)
    for write in (lambda v: zones.rename_zone(store, zone.zone_id, "X", by="cli", expected_row_version=v),
                  lambda v: zones.set_zone_status(store, zone.zone_id, "ready", by="cli", expected_row_version=v),
                  lambda v: zones.assign_zone(store, zone.zone_id, "paul", by="cli", expected_row_version=v),
                  lambda v: zones.restore_zone_version(store, zone.zone_id, 1, by="cli", expected_row_version=v),
                  lambda v: turfs.save_turfs(store, zone.zone_id, [TurfInput(1, ["a@45999_1"], 1)], by="cli", expected_row_version=v),
                  lambda v: zones.delete_zone(store, zone.zone_id, by="cli", expected_row_version=v)):
        with pytest.raises(ZoneConflict):
            write(1)
    # the current version goes through; every change bumps it, assignments and turfs included
    assigned = zones.assign_zone(store, zone.zone_id, "paul", by="cli", expected_row_version=2)
    assert assigned.row_version == 3 and assigned.status == "assigned"
    [turf] = turfs.save_turfs(store, zone.zone_id, [TurfInput(1, ["a@45999_1"], 1)], by="cli", expected_row_version=3)
    assert zones.get_zone(store, zone.zone_id, by="cli").row_version == 4
    team = turfs.assign_turf(store, turf.turf_id, "paul", by="cli", expected_row_version=turf.row_version)
    assert team.row_version == turf.row_version + 1
    with pytest.raises(TurfConflict, match="Le secteur « Secteur 1 » a été modifié par cli"):
        turfs.unassign_turf(store, turf.turf_id, "paul", by="cli", expected_row_version=turf.row_version)
    zones.delete_zone(store, zone.zone_id, by="cli", expected_row_version=zones.get_zone(store, zone.zone_id, by="cli").row_version)
    with pytest.raises(ZoneConflict, match="supprimée entre-temps"):
        zones.rename_zone(store, zone.zone_id, "Y", by="cli", expected_row_version=5)
    assert audit.verify_chain(store) is None


def test_conflicts_are_retried_then_french(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.store.backend import _Conflict

    calls = []

    @retrying
    def always_conflicting() -> None:
        calls.append(1)
        raise _Conflict()

    monkeypatch.setattr("dashboard.store.backend.BACKOFF", 0.001)
    with pytest.raises(StoreBusy, match="Le serveur est occupé, réessayez."):
        always_conflicting()
    assert len(calls) == 6

    @retrying
    def once() -> str:
        calls.append(1)
        if len(calls) == 7:
            raise _Conflict()
        return "ok"

    assert once() == "ok" and len(calls) == 8


def test_database_errors_never_leave_raw(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    with pytest.raises(StoreError, match="erreur du magasin de campagne"), store.write() as con:
        con.execute("SELECT * FROM no_such_table")
    assert store.views() == []  # the store still works after the failed transaction


# -- heavy concurrent use -----------------------------------------------------------------------
THREADS, ACTIONS = 8, 50


def test_heavy_concurrent_use_keeps_the_chain_and_every_write(new_store: Callable[..., CampaignStore],
                                                             campaign_backend: str) -> None:
    """8 threads × 50 mixed actions: audited writes, login failures, zone saves (own and shared, with versions)."""
    store = new_store()
    users.add_user(store, "dir", "a-long-password-1", "admin", by="cli")
    users.add_user(store, "cible", "a-long-password-1", "canvasser", by="cli")
    shared = zones.create_zone(store, "Partagée", [], by="cli")
    own = {i: zones.create_zone(store, f"Zone {i}", [], by="cli").zone_id for i in range(THREADS)}
    confirmed_audit: list[int] = []
    shared_saves: list[int] = []
    last_own_name: dict[int, str] = {}
    conflicts: list[int] = []
    escaped: list[BaseException] = []
    logins = [0]
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def work(i: int) -> None:
        try:
            start.wait()
            version = zones.get_zone(store, own[i], by="cli").row_version
            for n in range(ACTIONS):
                kind = n % 4
                if kind == 0:
                    entry = audit.record(store, "cli", "export", "contacts", None, {"thread": i, "n": n})
                    with lock:
                        confirmed_audit.append(entry)
                elif kind == 1:
                    users.verify_login(store, "cible", "wrong-password")
                    with lock:
                        logins[0] += 1
                elif kind == 2:
                    name = f"Zone {i} n{n}"
                    version = zones.rename_zone(store, own[i], name, by="cli", expected_row_version=version).row_version
                    last_own_name[i] = name
                else:
                    current = zones.get_zone(store, shared.zone_id, by="cli")
                    try:
                        saved = zones.update_zone(store, shared.zone_id, by="cli", station_ids=[f"45999_{i + 1}"],
                                                  expected_row_version=current.row_version)
                    except ZoneConflict:
                        with lock:
                            conflicts.append(i)
                    else:
                        with lock:
                            shared_saves.append(saved.row_version)
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            with lock:
                escaped.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), f"threads still running after {time.monotonic() - began:.0f} s"
    assert escaped == []
    assert audit.verify_chain(store) is None
    # no confirmed write is missing
    with store.read() as con:
        stored = {r[0] for r in con.execute("SELECT id FROM audit_log WHERE action = 'export'").fetchall()}
        login_rows = con.execute("SELECT count(*) FROM audit_log WHERE action = 'login'").fetchone()[0]
    assert stored == set(confirmed_audit) and len(confirmed_audit) == THREADS * sum(1 for n in range(ACTIONS) if n % 4 == 0)
    assert login_rows == logins[0]
    for i, zone_id in own.items():
        zone = zones.get_zone(store, zone_id, by="cli")
        assert zone.name == last_own_name[i] and zone.row_version == 1 + sum(1 for n in range(ACTIONS) if n % 4 == 2)
    # every accepted shared save bumped the version exactly once: none was lost, none applied twice
    final = zones.get_zone(store, shared.zone_id, by="cli")
    assert final.row_version == 1 + len(shared_saves) and sorted(shared_saves) == list(range(2, final.row_version + 1))
    assert len(shared_saves) + len(conflicts) == THREADS * sum(1 for n in range(ACTIONS) if n % 4 == 3)
