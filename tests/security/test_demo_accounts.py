"""Demo accounts (issue 12, row 3): they log in only in the demo territory and only while no real account
exists; the login page lists their passwords only then; ``isoloir contacts export`` follows the same rule."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.store import CampaignStore, users
from tests.e2e.conftest import ROOT, start_app, stop_app
from tests.security.conftest import Client, copy_data

pytestmark = pytest.mark.e2e


def _export(data_dir: Path, user: str, password: str, output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "contacts", "export", "--data-dir", str(data_dir), "--user", user,
         "--password-stdin", "--output", str(output)],
        input=password + "\n", capture_output=True, text=True, cwd=ROOT, env=os.environ.copy(), timeout=120,
    )


def test_demo_accounts_only_while_no_real_account_exists(demo_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data(demo_dir, tmp_path / "data")
    process, url = start_app(data_dir)
    try:
        page = Client(url).get("/connexion")
        assert "demo-&lt;rôle&gt;" in page.body and "Démo" in page.body
        assert Client(url).log_in("admin", "demo-admin").status == 303
        # a real account now exists: the demo passwords are no longer shown nor accepted
        store = CampaignStore(data_dir / "campaign.duckdb")
        users.add_user(store, "directrice", "un-mot-de-passe-solide", "admin", by="cli")
        store.close()
        page = Client(url).get("/connexion")
        assert "demo-" not in page.body and "Démo" not in page.body
        refused = Client(url, address="192.0.2.77").log_in("admin", "demo-admin")
        assert refused.status == 401 and "Nom d&#x27;utilisateur ou mot de passe incorrect." in refused.body
        assert Client(url, address="192.0.2.78").log_in("directrice", "un-mot-de-passe-solide").status == 303
    finally:
        stop_app(process)
    # the command line refuses the demo accounts too, with the same answer
    result = _export(data_dir, "admin", "demo-admin", tmp_path / "contacts.csv")
    assert result.returncode != 0 and "incorrect" in result.stderr and not (tmp_path / "contacts.csv").exists()
    assert "Traceback" not in result.stderr


def test_cli_export_accepts_the_demo_admin_in_the_demo(demo_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data(demo_dir, tmp_path / "data")
    result = _export(data_dir, "admin", "demo-admin", tmp_path / "contacts.csv")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "contacts.csv").exists()


def test_demo_accounts_are_refused_outside_the_demo_territory(demo_dir: Path, tmp_path: Path) -> None:
    """A demo store beside a warehouse that is not the demo territory: no demo login."""
    data_dir = copy_data(demo_dir, tmp_path / "data")
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    con.execute("UPDATE meta SET value = 'Ma circonscription' WHERE key = 'territory'")
    con.close()
    result = _export(data_dir, "admin", "demo-admin", tmp_path / "contacts.csv")
    assert result.returncode != 0 and "incorrect" in result.stderr
