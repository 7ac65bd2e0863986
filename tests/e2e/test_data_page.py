"""A person opens the app in a real browser and reads what the warehouse holds."""

from __future__ import annotations

from tests.conftest import REAL_ADMIN_PASSWORD, REAL_ADMIN_TOTP_SECRET
from tests.e2e.conftest import ARTIFACTS, log_in, wait_until_idle


def test_data_page_in_browser(browser, real_app: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{real_app}/donnees")
    log_in(page, "admin", REAL_ADMIN_PASSWORD, totp_secret=REAL_ADMIN_TOTP_SECRET)  # the address asked for survives the login page
    page.get_by_text("Données de l'entrepôt").wait_for(timeout=60_000)
    page.get_by_text("92019_20").first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text().strip() == "8"
    body = page.inner_text("body")
    assert "Bureaux de vote" in body and "aucun contour de bureau importé pour cette commune" in body
    wait_until_idle(page)
    page.screenshot(path=str(ARTIFACTS / "donnees.png"), full_page=True)
    page.close()
