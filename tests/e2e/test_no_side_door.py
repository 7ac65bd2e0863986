"""Issue 12 in Chromium, rows 13 and 2: no table offers a built-in download (the canvasser's people table least
of all: a toolbar "Download as CSV" saved names and a phone at dffab45, audited as a mere view); the contacts
leave only through the export's one-time link, served once by ``/telechargement/<token>`` with ``no-store``,
never from Streamlit's ``/media/``.

One app server for the module, on a private copy of the demo data; the screenshots go to the artifacts folder.
"""

from __future__ import annotations

from urllib.parse import urlparse

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, App, log_in, read_store, served_copy, wait_until_idle

pytestmark = pytest.mark.e2e

VIEWPORT = {"width": 1400, "height": 1000}
# what Streamlit's element toolbar offers for data (English labels of the frontend, and any French ones)
EXPORT_CONTROLS = ("Download", "Télécharger", "Copy", "Copier")


@pytest.fixture(scope="module")
def app(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    with served_copy(demo_dir, tmp_path_factory.mktemp("side-door")) as served:
        yield served


def _toolbar_labels(page, table) -> list[str]:  # noqa: ANN001 - Playwright objects
    """The labels of every toolbar control shown while the pointer is over ``table``."""
    table.scroll_into_view_if_needed()
    table.hover()
    page.wait_for_timeout(600)
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stElementToolbar"] button, [data-testid="stElementToolbarButton"]')]
               .filter(e => e.checkVisibility()).map(e => (e.getAttribute('aria-label') || '') + ' ' + (e.textContent || ''))"""
    )


def test_the_canvassers_tables_offer_no_download(app: App, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(f"{app.url}/terrain")
        log_in(page, "canvasser")
        page.get_by_role("heading", name="Personnes rencontrées").wait_for(timeout=90_000)
        wait_until_idle(page, 90_000)
        people = page.locator('[data-testid="stTable"]').filter(has_text="Camille Exemple").first
        people.wait_for(timeout=60_000)
        labels = _toolbar_labels(page, people)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "no-side-door-people-table.png"))
        assert not [x for x in labels if any(word in x for word in EXPORT_CONTROLS)], labels
        # the other tables of the page (st.dataframe: turfs, walk list…) offer no download nor copy either
        frames = page.locator('[data-testid="stDataFrame"]')
        assert frames.count() >= 1
        for i in range(frames.count()):
            labels = _toolbar_labels(page, frames.nth(i))
            if i == 0:
                page.screenshot(path=str(ARTIFACTS / "no-side-door-dataframe.png"))
            assert not [x for x in labels if any(word in x for word in EXPORT_CONTROLS)], (i, labels)
        assert page.get_by_role("button", name="Exporter les contacts (CSV)").count() == 0
        hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
        assert not [h for h in hrefs if "/media/" in h or "/telechargement/" in h]
    finally:
        context.close()


def test_the_export_is_a_one_time_link(app: App, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(f"{app.url}/terrain")
        log_in(page, "candidate")
        page.get_by_role("button", name="Exporter les contacts (CSV)").click(timeout=90_000)
        link = page.get_by_role("link", name="Télécharger le fichier des contacts")
        link.wait_for(timeout=60_000)
        href = link.get_attribute("href")
        assert href and href.startswith("/telechargement/"), href
        answer = context.request.get(f"{app.url}{href}")
        assert answer.status == 200 and answer.headers["cache-control"] == "no-store"
        assert answer.headers["content-disposition"].startswith("attachment;")
        assert "Camille Exemple" in answer.body().decode("utf-8-sig")
        again = context.request.get(f"{app.url}{href}")
        assert again.status == 404 and "Camille Exemple" not in again.text()
        # no cookie: the session gate sends the link to the login page (the /media/ store never held the file)
        anonymous = browser.new_context()
        try:
            stranger = anonymous.request.get(f"{app.url}{href}")
            assert urlparse(stranger.url).path == "/connexion" and "Camille Exemple" not in stranger.text()
        finally:
            anonymous.close()
        exports = read_store(app.campaign, "SELECT user_name, outcome FROM audit_log WHERE action = 'export'")
        assert exports == [("candidate", "success")]
    finally:
        context.close()
