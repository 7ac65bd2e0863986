"""``isoloir keys status|rotate`` as a user runs them, and the key ``isoloir demo`` creates when none is configured."""

from __future__ import annotations

import stat
from pathlib import Path

import bcrypt
import pytest

from dashboard import cli
from dashboard.access import data_key
from dashboard.store import CampaignStore, audit, contacts, crypto, users


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())


def test_keys_status_and_rotate_from_the_secrets_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "project"
    secrets_path = root / data_key.SECRETS_FILE
    old_text = data_key.new_key()
    data_key.write_file_keys(secrets_path, old_text, [])
    monkeypatch.setattr(cli, "ROOT", root)
    monkeypatch.setattr(crypto, "SECRETS_PATH", secrets_path)
    monkeypatch.delenv(data_key.ENV_VARIABLE)
    data = tmp_path / "data"
    store = CampaignStore(data / "campaign.duckdb")
    contacts.add_contact(store, by="cli", station_id="45999_1", address="1 rue A", full_name="Léa Martin", outcome="rencontre",
                         consent=True, phone="06 01 02 03 04")
    store.close()
    old_id = data_key.resolve({}, secrets_path).current  # type: ignore[union-attr]

    assert cli.main(["keys", "status", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert f"Clé en service : {old_id} ({secrets_path})" in out and f"{old_id} : 3" in out and "en clair : 0" in out
    assert old_text not in out

    assert cli.main(["keys", "rotate", "--data-dir", str(data)]) == 0
    captured = capsys.readouterr()
    new_id = data_key.resolve({}, secrets_path).current  # type: ignore[union-attr]
    assert new_id != old_id and f"3 valeur(s) rechiffrée(s) avec la clé {new_id}" in captured.out
    assert "[100 %]" in captured.err and old_text not in captured.out + captured.err
    assert stat.S_IMODE(secrets_path.stat().st_mode) == 0o600
    assert contacts.contacts(store, by="cli").loc[0, "full_name"] == "Léa Martin"
    assert [e.user_name for e in audit.entries(store, by="cli", action="keys_rotate")] == ["cli"]
    store.close()


def test_a_missing_key_is_one_french_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    monkeypatch.setattr(crypto, "SECRETS_PATH", tmp_path / data_key.SECRETS_FILE)
    data = tmp_path / "data"
    store = CampaignStore(data / "campaign.duckdb")
    contacts.add_contact(store, by="cli", station_id="45999_1", address="1 rue A", full_name="Léa Martin", outcome="absent",
                         consent=False)
    store.close()
    monkeypatch.delenv(data_key.ENV_VARIABLE)
    assert cli.main(["keys", "status", "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Erreur : clé de chiffrement des données personnelles absente") and "Traceback" not in err
    monkeypatch.setenv(data_key.ENV_VARIABLE, data_key.new_key())  # a wrong key: refused, not read as garbage
    assert cli.main(["keys", "rotate", "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err
    assert "n'est pas configurée" in err and "Traceback" not in err


def test_ensure_data_key_writes_the_secrets_file_once_and_never_prints_the_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    monkeypatch.delenv(data_key.ENV_VARIABLE)
    cli._ensure_data_key()
    path = tmp_path / data_key.SECRETS_FILE
    ring = data_key.resolve({}, path)
    err = capsys.readouterr().err
    assert ring is not None and "Clé de chiffrement des données personnelles créée" in err
    assert data_key.encode_key(ring.keys[ring.current]) not in err and stat.S_IMODE(path.stat().st_mode) == 0o600
    cli._ensure_data_key()
    assert capsys.readouterr().err == "" and data_key.resolve({}, path).current == ring.current  # type: ignore[union-attr]
