"""Issue 12, row 11: ``strings campaign.duckdb`` found names, phones, e-mails and password hashes in clear.

After the demo build plus contacts and an account with known values written through the store,
the bytes of the DuckDB file and its write-ahead log, and a dump of a PostgreSQL store, hold none
of them nor any bcrypt hash prefix. A control value written in clear (the ``created_by`` user name)
is found, so the scan does see clear text where there is some.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from dashboard.demo import build as demo_build
from dashboard.store import CampaignStore, contacts, users

CONTROL_USER = "marqueur-en-clair"  # a login name: stays clear (store/crypto.py), proves the scan sees clear text
PEOPLE = [  # (address, name, phone, email)
    ("17 rue Témoin-Secret", "Anatole Introuvable", "06 98 76 54 32", "anatole.introuvable@exemple-secret.fr"),
    ("5 allée Confidentielle", "Bérénice Cachée", "07 12 12 12 12", "berenice.cachee@exemple-secret.fr"),
]
DISPLAY_NAME = "Directrice Nommée-Secrète"


def _personal_values() -> list[str]:
    values = [v for person in PEOPLE for v in person] + [DISPLAY_NAME]
    values += [name for name, _, _, phone, _ in demo_build._DEMO_CONTACTS] + \
        [phone for _, _, _, phone, _ in demo_build._DEMO_CONTACTS if phone]
    return values


def _write_people(store: CampaignStore) -> None:
    users.add_user(store, CONTROL_USER, "directrice-2026-solide", "admin", by="cli", display_name=DISPLAY_NAME)
    author = users.get_user(store, CONTROL_USER)
    for address, name, phone, email in PEOPLE:
        contacts.add_contact(store, by=author, station_id="45999_1", address=address, full_name=name,  # type: ignore[arg-type]
                             outcome="rencontre", consent=True, phone=phone, email=email)


def _found(blob: bytes) -> list[str]:
    hits = [v for v in _personal_values() if v.encode("utf-8") in blob]
    return hits + (["$2b$"] if b"$2b$" in blob else [])


def test_the_duckdb_store_and_its_wal_hold_no_personal_value_in_clear(demo_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "campaign.duckdb"
    shutil.copy(demo_dir / "campaign.duckdb", path)  # built by `isoloir demo`: accounts and contacts
    store = CampaignStore(path)
    store.backend.idle_seconds = 3600  # type: ignore[attr-defined]  # keep it open: the WAL is scanned before the checkpoint
    try:
        _write_people(store)
        wal = path.with_name(path.name + ".wal")
        blob = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        assert CONTROL_USER.encode() in blob
        assert _found(blob) == []
        assert len(contacts.contacts(store, by="cli")) == len(PEOPLE) + len(demo_build._DEMO_CONTACTS)  # and they read back
    finally:
        store.close()
    blob = path.read_bytes()
    assert CONTROL_USER.encode() in blob and _found(blob) == []


def test_a_postgresql_dump_holds_no_personal_value_in_clear(new_store: Callable[..., CampaignStore],
                                                            campaign_backend: str) -> None:
    if campaign_backend != "postgresql":
        pytest.skip("PostgreSQL only (the DuckDB file is scanned above)")
    from tests.campaign_stores import PG_URL, _schema_of

    store = new_store()
    users.ensure_demo_accounts(store)
    _write_people(store)
    schema = _schema_of(store)
    import psycopg

    copied = []
    with psycopg.connect(PG_URL) as con:  # type: ignore[arg-type]
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]).fetchall()]
        for table in tables:
            with con.cursor().copy(f'COPY "{schema}"."{table}" TO STDOUT') as copy:  # names from the catalogue
                copied.append(b"".join(bytes(chunk) for chunk in copy))
    blob = b"".join(copied)
    assert "contact" in tables and CONTROL_USER.encode() in blob
    assert _found(blob) == []
    if shutil.which("runuser") and shutil.which("pg_dump"):
        database = PG_URL.rsplit("/", 1)[1].split("?")[0]  # type: ignore[union-attr]
        dump = subprocess.run(["runuser", "-u", "postgres", "--", "pg_dump", "-n", schema, database],
                              capture_output=True, timeout=120, check=False)
        if dump.returncode == 0:
            assert CONTROL_USER.encode() in dump.stdout and _found(dump.stdout) == []


def test_a_store_upgraded_in_place_keeps_no_clear_copy_in_its_file(tmp_path: Path) -> None:
    """Migration 6 seals the clear values of a store made before it; DuckDB never zeroes the blocks it frees,
    so the file is copied into a new one: the old clear values are gone from the bytes too."""
    from tests.store.test_backends import _old_store

    path = tmp_path / "campaign.duckdb"
    _old_store(path)  # an account "Directrice", a contact "Anne" at "1 rue X", a bcrypt hash, all in clear
    before = path.read_bytes()
    assert b"Directrice" in before and b"1 rue X" in before and b"$2b$" in before
    store = CampaignStore(path)
    try:
        assert contacts.contacts(store, by="cli").loc[0, "address"] == "1 rue X"
        assert users.get_user(store, "dir").display_name == "Directrice"  # type: ignore[union-attr]
    finally:
        store.close()
    after = path.read_bytes()
    assert b"Directrice" not in after and b"1 rue X" not in after and b"$2b$" not in after
    assert not list(tmp_path.glob(".*rewrite"))


def test_after_a_rotation_the_file_holds_no_ciphertext_of_the_old_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from dashboard.access import data_key
    from dashboard.store import crypto, keys

    store = CampaignStore(tmp_path / "campaign.duckdb")
    _write_people(store)
    old_id = crypto.keyring().current
    store.close()
    assert f"ic1:{old_id}:".encode() in store.path.read_bytes()  # type: ignore[union-attr]
    secrets_path = tmp_path / "secrets.toml"
    data_key.write_file_keys(secrets_path, os.environ[data_key.ENV_VARIABLE], [])
    monkeypatch.delenv(data_key.ENV_VARIABLE)
    monkeypatch.setattr(crypto, "SECRETS_PATH", secrets_path)
    done = keys.rotate(store, os.environ, secrets_path)
    blob = store.path.read_bytes()  # type: ignore[union-attr]
    assert f"ic1:{done.new_id}:".encode() in blob and f"ic1:{old_id}:".encode() not in blob
    assert contacts.contacts(store, by="cli")["full_name"].tolist() == [p[1] for p in PEOPLE]
    store.close()


def test_the_app_with_a_wrong_key_says_so_in_french(demo_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong key never shows garbage nor a traceback: the app stops on one French message."""
    from dashboard.access import data_key
    from tests.apptest import app_test

    at = app_test("admin")  # logged in with the right key (the session is opened in the store)
    monkeypatch.setenv(data_key.ENV_VARIABLE, data_key.new_key())  # then the server restarts with a wrong one
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("clé de chiffrement" in e and "mauvaise clé" in e for e in errors), errors
    assert "Camille Exemple" not in repr(at.main) and "ic1:" not in repr(at.main)
