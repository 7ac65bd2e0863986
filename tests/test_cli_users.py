"""``isoloir users …``: passwords from stdin only, no hashes printed, every change audited as "cli"."""

from __future__ import annotations

import io
import json
from pathlib import Path

import bcrypt
import pytest

from dashboard.cli import _parser, main
from dashboard.store import CampaignStore, audit, crypto, users

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_users_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    d = ["--data-dir", str(tmp_path)]
    code, out, _ = _run(monkeypatch, capsys, ["users", "list", *d])
    assert code == 0 and "Aucun compte" in out
    code, out, _ = _run(monkeypatch, capsys, ["users", "add", "Marie", "--role", "admin", "--name", "Marie Dupont", "--password-stdin", *d], "secret-de-marie\n")
    assert code == 0 and "« marie » créé (directeur de campagne)" in out and "secret-de-marie" not in out
    code, out, _ = _run(monkeypatch, capsys, ["users", "add", "paul", "--role", "militant", "--password-stdin", *d], "secret-de-paul\n")
    assert code == 1
    code, out, err = _run(monkeypatch, capsys, ["users", "add", "paul", "--role", "canvasser", "--password-stdin", *d], "court\n")
    assert code == 1 and err.startswith("Erreur : mot de passe trop court")
    assert _run(monkeypatch, capsys, ["users", "add", "paul", "--role", "canvasser", "--password-stdin", *d], "secret-de-paul\n")[0] == 0
    code, out, err = _run(monkeypatch, capsys, ["users", "set-role", "paul", "strategist", *d])
    assert code == 0 and "stratège" in out
    code, out, err = _run(monkeypatch, capsys, ["users", "disable", "marie", *d])
    assert code == 1 and "dernier administrateur" in err
    assert _run(monkeypatch, capsys, ["users", "disable", "paul", *d])[0] == 0
    code, out, err = _run(monkeypatch, capsys, ["users", "reset-password", "nobody", "--password-stdin", *d], "secret-nouveau\n")
    assert code == 1 and "inconnu" in err
    assert _run(monkeypatch, capsys, ["users", "reset-password", "paul", "--password-stdin", *d], "secret-nouveau\n")[0] == 0
    assert _run(monkeypatch, capsys, ["users", "enable", "paul", *d])[0] == 0

    store = CampaignStore(tmp_path / "campaign.duckdb")
    with store.write() as con:
        hashes = [crypto.open_("app_user", "password_hash", r[0], r[1])  # stored sealed (store/crypto.py)
                  for r in con.execute("SELECT user_name, password_hash FROM app_user").fetchall()]
    code, text, _ = _run(monkeypatch, capsys, ["users", "list", *d])
    assert code == 0 and "marie\tMarie Dupont\tadmin (directeur de campagne)\tactif" in text and "paul" in text
    code, js, _ = _run(monkeypatch, capsys, ["users", "list", "--json", *d])
    listed = json.loads(js)
    assert [(u["user_name"], u["role"], u["active"]) for u in listed] == [("marie", "admin", True), ("paul", "strategist", True)]
    for h in hashes:
        assert h not in text and h not in js
    assert "password_hash" not in js and "$2b$" not in text + js
    assert users.verify_login(store, "paul", "secret-nouveau").ok

    cli_entries = audit.entries(store, by="cli", user_name="cli")
    assert [e.action for e in reversed(cli_entries)] == [
        "user_add", "user_add", "user_set_role", "user_disable", "user_reset_password", "user_enable",
    ]
    assert not any("secret" in json.dumps(e.detail) for e in cli_entries)


def test_password_is_never_an_argument() -> None:
    parser = _parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["users", "add", "x", "--role", "admin", "--password", "secret-secret"])


def test_password_prompt_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter(["secret-saisi-1", "secret-saisi-2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, err = _run(monkeypatch, capsys, ["users", "add", "zoe", "--role", "viewer", "--data-dir", str(tmp_path)])
    assert code == 1 and "diffèrent" in err
    answers = iter(["secret-saisi-1", "secret-saisi-1"])
    assert _run(monkeypatch, capsys, ["users", "add", "zoe", "--role", "viewer", "--data-dir", str(tmp_path)])[0] == 0


def test_readme_documents_users_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for action in ["add", "list", "disable", "enable", "set-role", "reset-password"]:
        assert f"isoloir users {action}" in readme
    for role in ["admin", "candidate", "strategist", "canvasser", "viewer"]:
        assert f"demo-{role}" in readme
