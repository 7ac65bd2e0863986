"""Personal data encrypted at rest in the campaign store (dashboard/store/crypto.py), on both backends.

Round trip through the store functions, raw values sealed, tampering and swapping refused in French,
a wrong or missing key refused in French, migration 6 sealing an existing store's clear values in
place, and the key rotation (old key alone reads nothing afterwards).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import bcrypt
import pytest

from dashboard.access import data_key
from dashboard.access.data_key import DataKeyError, Keyring
from dashboard.store import CampaignStore, audit, contacts, crypto, keys, users
from dashboard.store.migrations import MIGRATIONS

T0 = datetime(2026, 3, 1, 9, 0, 0)
PEOPLE = [  # (address, name, phone, email)
    ("12 rue des Lilas", "Zoé Lefèvre", "06 11 22 33 44", "zoe.lefevre@example.fr"),
    ("3 impasse du Moulin", "Karim Benali", "07 55 66 77 88", "karim.benali@example.fr"),
]


@pytest.fixture(autouse=True)
def _fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())


@pytest.fixture()
def store(new_store: Callable[..., CampaignStore]) -> CampaignStore:
    s = new_store()
    users.add_user(s, "marie", "directrice-2026-solide", "admin", by="cli", display_name="Marie Dupont", now=T0)
    for address, name, phone, email in PEOPLE:
        contacts.add_contact(s, by="cli", station_id="45999_1", address=address, full_name=name, outcome="rencontre",
                             consent=True, phone=phone, email=email, now=T0)
    return s


def _raw(store: CampaignStore, sql: str) -> list[tuple]:
    with store.read() as con:
        return [tuple(r) for r in con.execute(sql).fetchall()]


def _set(store: CampaignStore, sql: str, params: list) -> None:
    with store.write() as con:
        con.execute(sql, params)


def test_round_trip_and_every_stored_value_sealed(store: CampaignStore) -> None:
    frame = contacts.contacts(store, by="cli")
    assert [tuple(r) for r in frame[["address", "full_name", "phone", "email"]].itertuples(index=False)] == PEOPLE
    assert users.get_user(store, "marie").display_name == "Marie Dupont"  # type: ignore[union-attr]
    assert users.verify_login(store, "marie", "directrice-2026-solide").ok
    assert "Zoé Lefèvre" in contacts.export_contacts_csv(store, by="cli").decode("utf-8-sig")
    stored = _raw(store, "SELECT address, full_name, phone, email FROM contact") + \
        _raw(store, "SELECT display_name, password_hash FROM app_user")
    flat = [v for row in stored for v in row]
    assert flat and all(data_key.is_sealed(v) for v in flat)
    text = repr(flat)
    for person in PEOPLE:
        assert not any(part in text for part in person)
    assert "Marie Dupont" not in text and "$2b$" not in text
    # a random nonce per value: the same name twice gives two different ciphertexts
    again = contacts.add_contact(store, by="cli", station_id="45999_1", address="12 rue des Lilas", full_name="Zoé Lefèvre",
                                 outcome="absent", consent=False)
    [(first,), (second,)] = _raw(store, f"SELECT full_name FROM contact WHERE contact_id IN (1, {again}) ORDER BY contact_id")
    assert first != second


def test_a_tampered_value_is_refused_in_french(store: CampaignStore) -> None:
    [(token,)] = _raw(store, "SELECT full_name FROM contact WHERE contact_id = 1")
    body = token.rsplit(":", 1)[1]
    flipped = token[: -len(body)] + ("A" if body[5] != "A" else "B").join([body[:5], body[6:]])
    _set(store, "UPDATE contact SET full_name = ? WHERE contact_id = 1", [flipped])
    with pytest.raises(DataKeyError, match="altérée ou déplacée"):
        contacts.contacts(store, by="cli")
    _set(store, "UPDATE contact SET full_name = ? WHERE contact_id = 1", ["Zoé Lefèvre"])  # a clear value slipped in
    with pytest.raises(DataKeyError, match="non chiffrée"):
        contacts.export_contacts_csv(store, by="cli")


def test_values_cannot_be_swapped_between_rows_or_columns(store: CampaignStore) -> None:
    [(one,), (two,)] = _raw(store, "SELECT full_name FROM contact ORDER BY contact_id")
    _set(store, "UPDATE contact SET full_name = ? WHERE contact_id = 1", [two])  # row 2's name copied onto row 1
    with pytest.raises(DataKeyError, match="contact.full_name, ligne 1"):
        contacts.contacts(store, by="cli")
    _set(store, "UPDATE contact SET full_name = ? WHERE contact_id = 1", [one])
    assert len(contacts.contacts(store, by="cli")) == 2
    [(address,)] = _raw(store, "SELECT address FROM contact WHERE contact_id = 1")
    _set(store, "UPDATE contact SET full_name = ? WHERE contact_id = 1", [address])  # another column of the same row
    with pytest.raises(DataKeyError, match="altérée ou déplacée"):
        contacts.contacts(store, by="cli")
    # an account's hash moved onto another account does not log in: refused, not accepted
    users.add_user(store, "paul", "militant-2026-solide", "canvasser", by="cli", now=T0)
    [(marie_hash,)] = _raw(store, "SELECT password_hash FROM app_user WHERE user_name = 'marie'")
    _set(store, "UPDATE app_user SET password_hash = ? WHERE user_name = 'paul'", [marie_hash])
    with pytest.raises(DataKeyError):
        users.verify_login(store, "paul", "directrice-2026-solide")


def test_a_wrong_or_missing_key_is_refused_in_french(store: CampaignStore, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setattr(crypto, "SECRETS_PATH", tmp_path / "absent.toml")
    monkeypatch.setenv(data_key.ENV_VARIABLE, data_key.new_key())
    with pytest.raises(DataKeyError, match="n'est pas configurée") as wrong:
        contacts.contacts(store, by="cli")
    assert "mauvaise clé" in wrong.value.message_fr
    with pytest.raises(DataKeyError):
        users.verify_login(store, "marie", "directrice-2026-solide")
    monkeypatch.delenv(data_key.ENV_VARIABLE)
    with pytest.raises(DataKeyError, match="clé de chiffrement des données personnelles absente"):
        contacts.contacts(store, by="cli")
    with pytest.raises(DataKeyError, match="absente"):  # nothing is written in clear either
        contacts.add_contact(store, by="cli", station_id="45999_1", address="1 rue", full_name="Nom", outcome="absent",
                             consent=False)
    monkeypatch.setenv(data_key.ENV_VARIABLE, "trop-courte")
    with pytest.raises(DataKeyError, match="invalide"):
        contacts.contacts(store, by="cli")


def test_migration_6_seals_an_existing_stores_clear_values_once(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    users.add_user(store, "marie", "directrice-2026-solide", "admin", by="cli", display_name="Marie Dupont", now=T0)
    with store.write() as con:  # the store as before migration 6: clear values, migration not recorded
        clear_hash = bcrypt.hashpw(b"directrice-2026-solide", bcrypt.gensalt(4)).decode()
        con.execute("UPDATE app_user SET display_name = 'Marie Dupont', password_hash = ?", [clear_hash])
        con.execute("INSERT INTO contact (station_id, address, full_name, phone, email, consent, outcome, created_by, created_at) "
                    "VALUES ('45999_1', '12 rue des Lilas', 'Zoé Lefèvre', '06 11 22 33 44', 'zoe@example.fr', true, "
                    "'rencontre', 'cli', ?)", [T0])
        con.execute("DELETE FROM schema_migrations WHERE version = 6")
    store.close()
    assert 6 in [n for n, _, _ in MIGRATIONS]
    frame = contacts.contacts(store, by="cli")  # reopened: migration 6 runs
    assert frame.loc[0, "full_name"] == "Zoé Lefèvre" and frame.loc[0, "email"] == "zoe@example.fr"
    assert users.verify_login(store, "marie", "directrice-2026-solide").ok
    assert users.get_user(store, "marie").display_name == "Marie Dupont"  # type: ignore[union-attr]
    values = [v for row in _raw(store, "SELECT address, full_name, phone, email FROM contact") +
              _raw(store, "SELECT display_name, password_hash FROM app_user") for v in row]
    assert all(data_key.is_sealed(v) for v in values)
    with store.read() as con:
        assert crypto.clear_values_left(con) == 0
        assert con.execute("SELECT count(*) FROM schema_migrations WHERE version = 6").fetchone()[0] == 1


def test_rotation_reencrypts_everything_and_the_old_key_alone_reads_nothing(
        store: CampaignStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secrets_path = tmp_path / ".streamlit" / "secrets.toml"
    secrets_path.parent.mkdir()
    secrets_path.write_text('[auth]\ncookie_key = "c' + "x" * 40 + '"\n', encoding="utf-8")
    old_text = os.environ[data_key.ENV_VARIABLE]
    data_key.write_file_keys(secrets_path, old_text, [])  # the key now comes from the file
    monkeypatch.delenv(data_key.ENV_VARIABLE)
    monkeypatch.setattr(crypto, "SECRETS_PATH", secrets_path)
    before = keys.status(store, os.environ, secrets_path)
    old_id = before.current
    assert before.sealed_by == {old_id: 4 * len(PEOPLE) + 2} and before.clear == 0
    steps: list[float] = []
    done = keys.rotate(store, os.environ, secrets_path, progress=lambda _m, f: steps.append(f))
    assert done.old_ids == (old_id,) and done.new_id != old_id and done.values == 4 * len(PEOPLE) + 2
    assert steps and steps[-1] == 1.0
    after = keys.status(store, os.environ, secrets_path)
    assert after.current == done.new_id and after.sealed_by == {done.new_id: done.values} and after.configured == (done.new_id,)
    # the file: the new key only, [auth] kept, owner-only
    text = secrets_path.read_text(encoding="utf-8")
    assert old_text not in text and "cookie_key" in text and stat.S_IMODE(secrets_path.stat().st_mode) == 0o600
    # everything reads with the new key, nothing with the old one alone
    assert list(contacts.contacts(store, by="cli")["full_name"]) == [p[1] for p in PEOPLE]
    assert users.verify_login(store, "marie", "directrice-2026-solide").ok
    old_only = Keyring.of([data_key.parse_key(old_text, "test")])
    [(token,)] = _raw(store, "SELECT full_name FROM contact WHERE contact_id = 1")
    with pytest.raises(DataKeyError, match="n'est pas configurée"):
        old_only.open(token, "contact", "full_name", 1)
    monkeypatch.setenv(data_key.ENV_VARIABLE, old_text)
    with pytest.raises(DataKeyError, match="mauvaise clé"):
        contacts.contacts(store, by="cli")
    monkeypatch.delenv(data_key.ENV_VARIABLE)
    rotation = audit.entries(store, by="cli", action="keys_rotate")
    assert len(rotation) == 1 and rotation[0].detail == {"from": [old_id], "to": done.new_id, "values": done.values}
    assert old_text not in repr(rotation)
    assert audit.verify_chain(store) is None


def test_rotation_with_the_key_in_the_environment_leaves_the_new_key_in_a_600_file(
        store: CampaignStore, tmp_path: Path) -> None:
    secrets_path = tmp_path / ".streamlit" / "secrets.toml"
    env = dict(os.environ)
    done = keys.rotate(store, env, secrets_path)
    assert done.origin == "environment" and done.new_key_file == secrets_path.with_name(keys.NEW_KEY_FILE)
    assert stat.S_IMODE(done.new_key_file.stat().st_mode) == 0o600 and not secrets_path.exists()
    new_text = done.new_key_file.read_text(encoding="utf-8").strip()
    with pytest.raises(DataKeyError):  # the environment's old key no longer reads
        contacts.contacts(store, by="cli")
    crypto.use_keyring(data_key.resolve({data_key.ENV_VARIABLE: new_text}, secrets_path))
    try:
        assert list(contacts.contacts(store, by="cli")["full_name"]) == [p[1] for p in PEOPLE]
    finally:
        crypto.use_keyring(None)


def test_a_failed_rotation_changes_nothing_and_keeps_both_keys(
        store: CampaignStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secrets_path = tmp_path / "secrets.toml"
    old_text = os.environ[data_key.ENV_VARIABLE]
    data_key.write_file_keys(secrets_path, old_text, [])
    monkeypatch.delenv(data_key.ENV_VARIABLE)
    monkeypatch.setattr(crypto, "SECRETS_PATH", secrets_path)
    before = _raw(store, "SELECT contact_id, full_name FROM contact ORDER BY contact_id")
    [(sealed_email,)] = _raw(store, "SELECT email FROM contact WHERE contact_id = 2")
    _set(store, "UPDATE contact SET email = ? WHERE contact_id = 2", ["karim@example.fr"])  # a clear value: reencrypt refuses it

    with pytest.raises(DataKeyError, match="non chiffrée"):
        keys.rotate(store, os.environ, secrets_path)
    assert _raw(store, "SELECT contact_id, full_name FROM contact ORDER BY contact_id") == before  # rolled back
    _set(store, "UPDATE contact SET email = ? WHERE contact_id = 2", [sealed_email])
    ring = data_key.resolve({}, secrets_path)
    assert ring is not None and len(ring.keys) == 2  # the new key and the old one: everything still reads
    assert contacts.contacts(store, by="cli").loc[0, "full_name"] == "Zoé Lefèvre"
    assert audit.entries(store, by="cli", action="keys_rotate") == []
