"""``isoloir opposition add``, ``person export`` / ``person erase``, ``messages`` and ``consent withdraw`` on the demo's store."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from dashboard.store import CampaignStore, audit, contacts, opposition
from tests.test_cli_contacts import _run, data_dir  # noqa: F401 - the fixture

PASS = {"admin": "demo-admin\n", "candidate": "demo-candidate\n", "strategist": "demo-strategist\n"}


def test_opposition_access_erasure_and_message_list_from_the_command_line(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    d = ["--data-dir", str(data_dir), "--password-stdin"]
    store = CampaignStore(data_dir / "campaign.duckdb")
    [camille] = [int(r.contact_id) for r in contacts.contacts(store, by="cli").itertuples() if r.full_name == "Camille Exemple"]
    store.close()
    code, _, err = _run(monkeypatch, capsys, ["opposition", "add", "--user", "strategist", "--source", "courrier",
                                              "--received", "02/03/2026", "--first-names", "Claude", "--usage-name", "Démo",
                                              "--birth-date", "1980-01-02", *d], PASS["strategist"])
    assert code == 1 and "refusée" in err
    code, out, _ = _run(monkeypatch, capsys, ["opposition", "add", "--user", "candidate", "--source", "courrier",
                                              "--received", "02/03/2026", "--first-names", "claude", "--usage-name", "DEMO",
                                              "--birth-date", "1980-01-02", *d], PASS["candidate"])
    assert code == 0 and "Opposition n° 1 enregistrée" in out
    target = data_dir / "liste.csv"
    code, out, _ = _run(monkeypatch, capsys, ["messages", "recontact", "telephone", "--user", "candidate", "-o", str(target), *d],
                        PASS["candidate"])
    assert code == 0 and "0 destinataire(s)" in out and stat.S_IMODE(target.stat().st_mode) == 0o600
    folder = data_dir / "acces"
    code, out, _ = _run(monkeypatch, capsys, ["person", "export", "--user", "candidate", "--contact", str(camille),
                                              "-o", str(folder), *d], PASS["candidate"])
    assert code == 0 and "1 contact(s)" in out
    held = json.loads((folder / "personne.json").read_text(encoding="utf-8"))
    assert held["contacts"][0]["full_name"] == "Camille Exemple" and held["contacts"][0]["phone"] == "06 00 00 00 01"
    assert "Camille Exemple" in (folder / "personne.txt").read_text(encoding="utf-8")
    assert stat.S_IMODE((folder / "personne.json").stat().st_mode) == 0o600
    code, _, err = _run(monkeypatch, capsys, ["person", "erase", "--user", "candidate", "--name", "Camille Exemple", *d],
                        PASS["candidate"])
    assert code == 1 and "refusée" in err  # erasure is the admin's
    code, out, _ = _run(monkeypatch, capsys, ["person", "erase", "--user", "admin", "--name", "camille exemple", *d], PASS["admin"])
    assert code == 0 and "Effacé : 1 contact(s)" in out
    code, out, _ = _run(monkeypatch, capsys, ["consent", "withdraw", str(camille), "--user", "admin", *d], PASS["admin"])
    assert code == 0 and "0 consentement(s) retiré(s)" in out
    store = CampaignStore(data_dir / "campaign.duckdb")
    try:
        assert "Camille Exemple" not in set(contacts.contacts(store, by="cli")["full_name"])
        assert opposition.load(store).contact_opposed(0, "Camille Exemple", held["contacts"][0]["address"])
        actions = [e.action for e in audit.entries(store, by="cli")]
        assert {"opposition_add", "message_list", "person_export", "person_erase", "consent_withdrawn"} <= set(actions)
    finally:
        store.close()
