"""A real admin enrols in two-factor authentication in Chromium: the mandatory screen shows the QR code and
the key, the code computed from the key shown (pyotp) is accepted, the ten recovery codes are shown once, then
the app opens. Screenshot: ``tests/e2e/artifacts/two_factor_enrolment.png``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from dashboard.store import CampaignStore, users
from tests.e2e.conftest import ARTIFACTS, MAP, read_store, start_app, stop_app, wait_until_idle

pytestmark = pytest.mark.e2e

PASSWORD = "brouette-cactus-lundi-47"


@pytest.fixture(scope="module")
def app(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("two_factor")
    for name in ("warehouse.duckdb", "campaign.duckdb"):
        shutil.copy(demo_dir / name, data_dir / name)
    store = CampaignStore(data_dir / "campaign.duckdb")
    users.add_user(store, "directrice", PASSWORD, "admin", by="cli", display_name="Marie Dupont")
    store.close()
    process, url = start_app(data_dir)
    yield url, data_dir
    stop_app(process)


def test_an_admin_enrols_with_the_key_shown(browser, app: tuple[str, Path]) -> None:  # noqa: ANN001
    url, data_dir = app
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{url}/carte")
        page.get_by_label("Nom d'utilisateur").wait_for(timeout=60_000)
        page.get_by_label("Nom d'utilisateur").fill("directrice")
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.get_by_text("Double authentification obligatoire").wait_for(timeout=60_000)
        wait_until_idle(page)
        # only the enrolment screen: no map, no table, no navigation
        assert page.locator(f'{MAP}, [data-testid="stDataFrame"]').count() == 0
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        qr = page.locator('[data-testid="stImage"] img')
        assert qr.count() == 1 and qr.evaluate("img => img.complete && img.naturalWidth > 100")
        secret = page.locator('[data-testid="stCode"]').first.inner_text().strip()
        assert len(secret) == 32
        page.get_by_label("2. Code à 6 chiffres affiché par l'application").fill(pyotp.TOTP(secret).now())
        page.screenshot(path=str(ARTIFACTS / "two_factor_enrolment.png"), full_page=True)
        page.get_by_role("button", name="Activer la double authentification").click()
        page.get_by_text("Codes de secours").wait_for(timeout=60_000)
        wait_until_idle(page)
        codes = page.locator('[data-testid="stCode"]').first.inner_text().split()
        assert len(codes) == 10 and all(len(c) == 11 for c in codes)
        page.screenshot(path=str(ARTIFACTS / "two_factor_recovery_codes.png"), full_page=True)
        page.get_by_role("button", name="J'ai noté mes codes").click()
        page.get_by_text("Se déconnecter").wait_for(state="attached", timeout=60_000)
        wait_until_idle(page)
        assert page.get_by_text("Double authentification obligatoire").count() == 0
        assert page.locator('[data-testid="stSidebarNav"]').count() == 1
    finally:
        context.close()
    rows = read_store(data_dir / "campaign.duckdb",
                      "SELECT enrolled_at IS NOT NULL, (SELECT count(*) FROM user_recovery_code WHERE user_name = ?) "
                      "FROM user_totp WHERE user_name = ?", ["directrice", "directrice"])
    assert rows == [(True, 10)]
    outcomes = read_store(data_dir / "campaign.duckdb",
                          "SELECT outcome FROM audit_log WHERE action = 'two_factor_enrol' AND user_name = ?", ["directrice"])
    assert outcomes == [("success",)]
