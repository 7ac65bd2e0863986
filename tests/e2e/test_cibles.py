"""Cibles in a real browser: a strategist logs in, sees the score map drawn with its legend and
ranked targets, opens the vote transfers and sees the heat map with intervals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, FIND_MAP_CANVAS, MAP_CANVAS, log_in, start_app, stop_app, wait_until_idle

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def app(demo_dir: Path):  # noqa: ANN201
    process, url = start_app(demo_dir, env={"ISOLOIR_BASEMAP": "aucun"})
    yield url
    stop_app(process)


def _painted(page) -> float:  # noqa: ANN001
    """Share of non-background pixels of the first map's canvas (0: blank)."""
    return page.evaluate(
        """() => { const c = (""" + FIND_MAP_CANVAS + """)(); if (!c) return -1;
               const g = document.createElement('canvas'); g.width = c.width; g.height = c.height;
               const ctx = g.getContext('2d'); ctx.drawImage(c, 0, 0);
               const d = ctx.getImageData(0, 0, g.width, g.height).data; let n = 0;
               for (let i = 0; i < d.length; i += 4 * 16) { if (d[i + 3] > 0 && (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235)) n++; }
               return n / (d.length / (4 * 16)); }""",
    )


def test_strategist_sees_scores_targets_and_transfers(browser, app: str) -> None:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{app}/cibles")
    log_in(page, "strategist")
    page.locator(MAP_CANVAS).first.wait_for(timeout=60_000)
    wait_until_idle(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "cibles_scores.png"))
    assert page.url.endswith("/cibles")
    main = page.locator('[data-testid="stMain"]')
    assert "Priorité combinée" in main.inner_text()
    assert _painted(page) > 0.2, "the score map is blank"
    assert page.locator('[data-testid="stDataFrame"]').count() >= 1
    export = page.get_by_role("button", name="Exporter la liste des cibles (CSV)")
    assert export.count() == 1
    with page.expect_download() as download:
        export.click()
    assert download.value.suggested_filename.startswith("cibles_") and download.value.suggested_filename.endswith(".csv")

    page.get_by_role("tab", name="Reports de voix").click()
    page.get_by_text("Diagnostic").last.wait_for(timeout=60_000)
    wait_until_idle(page)
    chart = page.locator('[data-testid="stVegaLiteChart"]').last
    chart.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "cibles_reports.png"), full_page=True)
    svg_text = " ".join(t or "" for t in chart.locator("svg text").all_text_contents())
    assert "Abstention" in svg_text, svg_text[:500]
    assert "[" in svg_text and "%" in svg_text  # cells carry their share and their 90 % interval
    page.close()
