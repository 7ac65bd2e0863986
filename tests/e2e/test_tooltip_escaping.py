"""Station names are user data (imported files): the map's tooltip shows them as text, never as HTML."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import ARTIFACTS, MAP_CANVAS, log_in, start_app, stop_app, wait_until_idle

HOSTILE = '<img src=x onerror="window.__pwned=1">Salle & <b>Co</b>'


@pytest.fixture(scope="module")
def hostile_app(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("hostile")
    shutil.copy(demo_dir / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    shutil.copy(demo_dir / "campaign.duckdb", data_dir / "campaign.duckdb")
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    con.execute("UPDATE station SET name = ?", [HOSTILE])
    con.close()
    process, url = start_app(data_dir, env={"ISOLOIR_BASEMAP": "aucun"})
    yield url
    stop_app(process)


def test_tooltip_shows_hostile_names_as_text(browser, hostile_app: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{hostile_app}/carte")
    log_in(page, "viewer")
    canvas = page.locator(MAP_CANVAS).first
    canvas.wait_for(timeout=60_000)
    wait_until_idle(page)
    box = canvas.bounding_box()
    tooltip = page.locator(".deck-tooltip")
    for fx in (0.45, 0.5, 0.55, 0.4, 0.6):
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * 0.5)
        page.wait_for_timeout(400)
        if tooltip.count() and tooltip.first.is_visible():
            break
    assert tooltip.first.is_visible()
    assert HOSTILE in tooltip.first.inner_text()  # shown literally
    assert tooltip.first.locator("img").count() == 0
    assert page.evaluate("() => window.__pwned === undefined")
    page.screenshot(path=str(ARTIFACTS / "infobulle_echappee.png"))
    page.close()
