"""Issue 12, row 9, in a real browser: text from the address bar and from the store shows as text.

A ``?titre=`` holding a Markdown image and a fake re-login link, and a saved view (slide) named with
them, must load nothing from their host and put no ``<img>`` or ``<a>`` to it in the page, while the
literal text stays readable (``dashboard.text.plain``).
"""

from __future__ import annotations

import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.store import CampaignStore
from tests.e2e.conftest import MAP, log_in, start_app, stop_app, wait_until_idle

HOST = "127.0.0.1:9"
PHISH = f"![t](http://{HOST}/x.png) [Session expirée : reconnectez-vous](http://{HOST}/phish)"
SLIDE = f"Diapo ![logo](http://{HOST}/slide.png) **gras**"


@pytest.fixture(scope="module")
def hostile_app(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("text_is_text")
    for name in ("warehouse.duckdb", "campaign.duckdb"):
        shutil.copy(demo_dir / name, data_dir / name)
    store = CampaignStore(data_dir / "campaign.duckdb")
    first = store.views()[0]
    store.rename_view(first.view_id, SLIDE, by="cli")
    store.close()
    process, url = start_app(data_dir, env={"ISOLOIR_BASEMAP": "aucun"})
    yield url
    stop_app(process)


def _assert_inert(page: object, requests: list[str], literal: str) -> None:
    images = page.eval_on_selector_all("img", "els => els.map(e => e.getAttribute('src') || '')")  # type: ignore[attr-defined]
    links = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href') || '')")  # type: ignore[attr-defined]
    assert not [src for src in images if HOST in src]
    assert not [href for href in links if HOST in href]
    assert not [url for url in requests if HOST in url]
    text = page.evaluate("() => document.body.innerText").replace("\u2060", "")  # type: ignore[attr-defined]
    assert literal in text


def test_title_parameter_shows_as_text(browser, hostile_app: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{hostile_app}/carte?{urllib.parse.urlencode({'titre': PHISH})}")
    log_in(page, "admin")
    page.locator(MAP).first.wait_for(timeout=90_000)
    wait_until_idle(page)
    _assert_inert(page, requests, PHISH)
    page.close()


def test_slide_name_and_title_show_as_text_on_presentation(browser, hostile_app: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{hostile_app}/presentation?plein=0")
    log_in(page, "admin")
    page.locator(MAP).first.wait_for(timeout=90_000)
    wait_until_idle(page)
    _assert_inert(page, requests, SLIDE)
    page.goto(f"{hostile_app}/presentation?{urllib.parse.urlencode({'election': 'leg2024_t2', 'titre': PHISH})}")
    page.locator(MAP).first.wait_for(timeout=90_000)
    wait_until_idle(page)
    _assert_inert(page, requests, PHISH)
    page.close()
