"""The Terrain page in a real browser, as the demo canvasser: their turf's map is drawn, the PDF walk
sheet downloads (and the export is audited), progress can be recorded.

One app server for the module, on a private copy of the demo data (its audit log is read here), without
basemap (offline: the turfs are drawn on the plain background layer).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from dashboard.canvass.streets import STREET_COLOR, STREET_NAME_COLOR
from tests.e2e.conftest import ARTIFACTS, MAP, App, log_in, read_store, served_copy, wait_until_idle

pytestmark = pytest.mark.e2e

VIEWPORT = {"width": 1400, "height": 1000}
POINT = (8, 81, 156)  # dashboard.ui.terrain_panel.POINT_COLOR: the numbered address points
STREET = STREET_COLOR  # dashboard.canvass.streets: the streets drawn from the addresses, and their names
STREET_NAME = STREET_NAME_COLOR
TODO_FILL = (158, 202, 225)  # "à faire" turf fill (drawn at alpha 110 over the background)


@pytest.fixture(scope="module")
def app(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    with served_copy(demo_dir, tmp_path_factory.mktemp("terrain")) as served:
        yield served


def _audit(path: Path, action: str) -> list[tuple]:
    return read_store(path, "SELECT user_name, object_id, detail, outcome FROM audit_log WHERE action = ? ORDER BY id", [action])


def _near(pixels: list[tuple[int, ...]], color: tuple[int, int, int], tolerance: int = 12) -> int:
    return sum(1 for p in pixels if all(abs(int(p[i]) - color[i]) <= tolerance for i in range(3)))


def test_the_canvasser_sees_their_turf_map_and_downloads_its_walk_sheet(app: App, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(f"{app.url}/terrain")
        log_in(page, "canvasser")
        page.get_by_role("heading", name="Mes secteurs").wait_for(timeout=60_000)
        chart = page.locator(MAP).first
        chart.locator("canvas").first.wait_for(timeout=60_000)
        wait_until_idle(page)
        page.wait_for_timeout(1500)  # deck.gl draws on the next animation frames
        chart.scroll_into_view_if_needed()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "terrain-canvasser.png"), full_page=True)
        chart.screenshot(path=str(ARTIFACTS / "terrain-canvasser-map.png"))

        # the map is drawn: the turf's fill and the numbered address points are on the canvas
        pixels = list(Image.open(ARTIFACTS / "terrain-canvasser-map.png").convert("RGB").get_flattened_data())
        assert _near(pixels, POINT, 20) > 200, "no address point drawn on the turf map"
        assert len(set(pixels)) > 20, "the turf map is blank"
        # no basemap: the streets are drawn from the addresses (light lines under the route, their names on them)
        assert _near(pixels, STREET[:3], 5) > 300, "no street drawn on the offline turf map"
        assert _near(pixels, STREET_NAME[:3], 25) > 50, "no street name written on the offline turf map"
        # only their turf: one row in "Mes secteurs", the walk list of that turf
        assert page.get_by_text("Secteur 1 — Centre-ville (démo)").count() >= 1
        assert page.get_by_text("Secteur 2 — Centre-ville (démo)").count() == 0

        before = len(_audit(app.campaign, "export_walklist"))
        with page.expect_download(timeout=60_000) as download_info:
            page.get_by_role("button", name="Feuille de route (PDF)").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".pdf")
        content = Path(download.path()).read_bytes()
        assert content.startswith(b"%PDF"), content[:20]
        exports = _audit(app.campaign, "export_walklist")
        assert len(exports) == before + 1
        user_name, _, detail, outcome = exports[-1]
        assert user_name == "canvasser" and outcome == "success" and json.loads(detail)["personal_data"] is False

        # recording progress
        field = page.get_by_role("spinbutton", name="Portes faites sur ce secteur (total depuis le début)")
        field.fill("12")
        page.get_by_role("button", name="Enregistrer l'avancement").click()
        page.get_by_text("Avancement enregistré").wait_for(timeout=60_000)
        wait_until_idle(page)
        progress = _audit(app.campaign, "turf_progress")
        assert progress and progress[-1][0] == "canvasser" and json.loads(progress[-1][2])["doors_done"] == 12
        page.screenshot(path=str(ARTIFACTS / "terrain-canvasser-progress.png"), full_page=True)
    finally:
        context.close()
