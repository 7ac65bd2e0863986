"""First run (issue 12, row 10): creating the first admin needs the one-time code that ``isoloir run``
prints in its console and writes to a 600 file; reaching the URL first is not enough."""

from __future__ import annotations

import re
import shutil
import stat
from pathlib import Path

import pytest

from dashboard.store import CampaignStore, audit, users
from dashboard.web import setup_code
from tests.e2e.conftest import ARTIFACTS, start_app, stop_app
from tests.security.conftest import Client

pytestmark = pytest.mark.e2e


def test_setup_code_file_is_private_and_stable(tmp_path: Path) -> None:
    code = setup_code.issue(tmp_path)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert stat.S_IMODE(setup_code.path(tmp_path).stat().st_mode) == 0o600
    assert setup_code.issue(tmp_path) == code  # a restart before the first admin keeps it
    assert setup_code.matches(tmp_path, code.lower().replace("-", " "))
    assert not setup_code.matches(tmp_path, "AAAA-AAAA-AAAA") and not setup_code.matches(tmp_path, "")
    setup_code.consume(tmp_path)
    assert not setup_code.matches(tmp_path, code)


def test_first_admin_needs_the_setup_code(demo_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    data_dir.mkdir()
    shutil.copy(demo_dir / "warehouse.duckdb", data_dir / "warehouse.duckdb")  # no campaign store: no account
    process, url = start_app(data_dir)
    try:
        port = url.rsplit(":", 1)[1]
        console = (ARTIFACTS / f"server-{port}.log").read_text(errors="replace")
        printed = re.search(r"Code de premier démarrage : ([A-Z2-9-]{14})", console)
        assert printed, console[-2000:]
        code = printed.group(1)
        assert stat.S_IMODE(setup_code.path(data_dir).stat().st_mode) == 0o600
        client = Client(url)
        page = client.get("/connexion")
        assert "premier démarrage" in page.body and "Code de premier démarrage" in page.body
        assert client.get("/carte").status == 303  # nothing of the app before an account exists
        fields = {"first_run": "1", "username": "directrice", "display_name": "Marie",
                  "password": "brouette-cactus-lundi-47", "password_again": "brouette-cactus-lundi-47"}
        wrong = client.post("/connexion", {**fields, "csrf": client.csrf(), "setup_code": "AAAA-BBBB-CCCC"})
        assert wrong.status == 400 and "Code de premier démarrage incorrect" in wrong.body
        store = CampaignStore(data_dir / "campaign.duckdb")
        assert not users.has_admin(store)
        store.close()
        for weak in ("aaaaaaaaaa", "1234567890", "motdepasse"):  # row 8 at the first run too
            refused = client.post("/connexion", {**fields, "password": weak, "password_again": weak,
                                                 "csrf": client.csrf(), "setup_code": code})
            assert refused.status == 400 and "Mot de passe refusé" in refused.body, refused.body[-600:]
        made = client.post("/connexion", {**fields, "csrf": client.csrf(), "setup_code": code})
        assert made.status == 303 and made.header("location") == "/connexion?compte=1"
        assert not setup_code.path(data_dir).exists()  # spent
        again = client.post("/connexion", {**fields, "username": "intrus", "csrf": client.csrf(), "setup_code": code})
        assert again.status in (303, 401)  # the first-run form is gone: a login attempt at most
        assert client.log_in("directrice", "brouette-cactus-lundi-47").status == 303
    finally:
        stop_app(process)
    store = CampaignStore(data_dir / "campaign.duckdb")
    assert [u.user_name for u in users.list_users(store, by="cli")] == ["directrice"]
    assert [e.outcome for e in audit.entries(store, by="cli", action="setup_code")] == ["failure"]
