"""``isoloir contacts export`` (the export gate on the command line) and ``isoloir purge``."""

from __future__ import annotations

import io
import shutil
import stat
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.store import CampaignStore, audit, contacts


@pytest.fixture()
def data_dir(demo_dir: Path, tmp_path: Path) -> Path:
    """The demo's campaign store (demo accounts, two zones, three fictional contacts) beside its warehouse:
    demo accounts log in only where the warehouse is the demo territory."""
    shutil.copy(demo_dir / "campaign.duckdb", tmp_path / "campaign.duckdb")
    shutil.copy(demo_dir / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    return tmp_path


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_export_needs_the_right_role_and_password_and_is_audited(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    d = ["--data-dir", str(data_dir)]
    store = CampaignStore(data_dir / "campaign.duckdb")
    target = data_dir / "contacts.csv"
    for user in ("strategist", "canvasser", "viewer"):
        code, out, err = _run(monkeypatch, capsys, ["contacts", "export", "--user", user, "-o", str(target), "--password-stdin", *d],
                              f"demo-{user}\n")
        assert code == 1 and "refusée" in err and not target.exists(), user
    code, _, err = _run(monkeypatch, capsys, ["contacts", "export", "--user", "candidate", "-o", str(target), "--password-stdin", *d],
                        "mauvais-mot-de-passe\n")
    assert code == 1 and "incorrect" in err and not target.exists()
    assert not audit.entries(store, by="cli", action="export")
    code, out, _ = _run(monkeypatch, capsys, ["contacts", "export", "--user", "candidate", "-o", str(target), "--password-stdin", *d],
                        "demo-candidate\n")
    assert code == 0 and "3 contact(s) exporté(s)" in out
    text = target.read_text(encoding="utf-8-sig")
    assert "Camille Exemple" in text and ";" in text.splitlines()[0]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    export = audit.entries(store, by="cli", action="export")
    assert len(export) == 1 and export[0].user_name == "candidate" and export[0].detail["rows"] == 3
    code, _, err = _run(monkeypatch, capsys, ["contacts", "export", "--user", "candidate", "-o", str(target), "--password-stdin", *d],
                        "demo-candidate\n")
    assert code == 1 and "existe déjà" in err  # never overwrites


def test_purge_says_then_does(data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    d = ["--data-dir", str(data_dir)]
    store = CampaignStore(data_dir / "campaign.duckdb")
    code, out, _ = _run(monkeypatch, capsys, ["purge", *d])
    assert code == 0 and "contact : 3" in out and "--yes" in out and "non fixée" in out
    assert len(contacts.contacts(store, by="cli")) == 3  # nothing deleted without --yes
    code, out, _ = _run(monkeypatch, capsys, ["purge", "--yes", *d])
    assert code == 0 and "contacts (contact) : 3 avant, 0 après" in out and "zones (zone) : 2 avant, 0 après" in out
    assert contacts.contacts(store, by="cli").empty
    entry = audit.entries(store, by="cli", action="purge")[0]
    assert entry.user_name == "cli" and entry.detail["deleted"]["contact"] == 3
    assert entry.detail["before"]["contact"] == 3 and entry.detail["after"]["contact"] == 0
    assert audit.verify_chain(store) is None  # the log itself is kept, intact


def test_a_command_opening_the_store_purges_it_when_due(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import date, timedelta

    from dashboard.store.campaign_settings import set_campaign_settings

    store = CampaignStore(data_dir / "campaign.duckdb")
    set_campaign_settings(store, by="cli", election_date=date.today() - timedelta(days=11), retention_days=10)
    store.close()
    code, _, err = _run(monkeypatch, capsys, ["users", "list", "--data-dir", str(data_dir)])
    assert code == 0 and "Purge automatique" in err and "contacts (contact) : 3 avant, 0 après" in err
    assert contacts.contacts(store, by="cli").empty
    [entry] = audit.entries(store, by="cli", action="purge")
    assert entry.user_name == "purge-auto" and entry.detail["automatic"] is True
