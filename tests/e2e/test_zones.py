"""The Zones page in a real browser, as the strategist of the city demo: a lasso drawn with the mouse becomes a
saved zone with its counts, is cut into turfs, and a walk-list PDF is downloaded (issue 6's "done when").

One app server (``isoloir run``) on a private copy of the demo; the campaign store it writes is read here
(read-only, retrying while the app holds the file). Screenshots go to ``tests/e2e/artifacts/zones_*.png``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import shapely

from dashboard.canvass.selection import select
from dashboard.maps.build import MapSources, build_map
from dashboard.maps.view import MapView
from dashboard.warehouse.database import Warehouse
from tests.e2e.conftest import ARTIFACTS, LASSO, MAP, log_in, read_store, start_app, stop_app, wait_until_idle
from tests.e2e.test_lasso_map import draw, painted, pixel_degrees, square, unproject

pytestmark = pytest.mark.e2e

ZONE_NAME = "Nord — tracé à la souris"
ELECTION = "leg2024_t2"  # the demo's latest election: the page's default
MAP_WIDTH, MAP_HEIGHT = 700, 560  # what the page fits the territory to (dashboard.ui.zones_panel)


@pytest.fixture(scope="module")
def app(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("zones")
    for name in ("warehouse.duckdb", "campaign.duckdb"):
        shutil.copy2(demo_dir / name, data_dir / name)
    # no file watcher: a source file edited while the test runs would reload modules under the session
    process, url = start_app(data_dir, env={"ISOLOIR_BASEMAP": "aucun"})
    yield url, data_dir
    stop_app(process)


def _metric(page, label: str) -> str:  # noqa: ANN001 - Playwright page
    metric = page.locator('[data-testid="stMetric"]', has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().replace("\u202f", "").strip()


def _table_row(page, name: str) -> dict[str, str]:  # noqa: ANN001
    """The row of the zones table (``st.table``: an HTML table) whose first cell is ``name``."""
    table = page.locator('[data-testid="stTable"] table').first
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    for row in table.locator("tbody tr").all():
        cells = [c.strip() for c in row.locator("td, th").all_inner_texts()]
        if cells and cells[0] == name:
            return dict(zip(headers, cells, strict=False))
    raise AssertionError(f"« {name} » is not in the zones table")


def _click_until(page, button: str, expected, timeout_ms: int = 90_000) -> None:  # noqa: ANN001 - Playwright objects
    """Click ``button`` once Streamlit is idle and wait until ``expected`` shows (a screenshot of the page if not)."""
    wait_until_idle(page)
    page.get_by_role("button", name=button, exact=True).click()
    try:
        expected.wait_for(timeout=timeout_ms)
    except Exception:
        _main_screenshot(page, ARTIFACTS / "zones_echec.png")
        raise


def _main_screenshot(page, path: Path) -> None:  # noqa: ANN001
    """The whole main area (Streamlit scrolls inside it, so a page screenshot shows only the viewport)."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": int(height) + 40})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    page.wait_for_timeout(500)


def test_a_lasso_becomes_a_zone_cut_into_turfs_with_a_walk_list_pdf(browser, app: tuple[str, Path]) -> None:
    url, data_dir = app
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{url}/")
    log_in(page, "strategist")  # through the form
    page.locator('[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]', has_text="Zones").click()
    page.wait_for_url("**/zones*", timeout=30_000)
    page.locator(f'{LASSO}[data-ready="true"]').wait_for(timeout=90_000)  # the lasso map (CSS pierces its shadow root)
    wait_until_idle(page)
    page.wait_for_timeout(1000)
    share, colours = painted(_image(page))
    assert share > 0.25 and colours >= 5, (share, colours)  # the stations are drawn, not a blank canvas

    # a lasso with the mouse over the north of the city
    box = page.locator(f"{LASSO} .lm-deck").bounding_box()
    page.get_by_role("button", name="Lasso").click()
    corners = square(box, 0.30, 0.22, 0.56, 0.50)
    draw(page, corners)
    page.locator('[data-testid="stMetric"]', has_text="Bureaux retenus").wait_for(timeout=60_000)
    wait_until_idle(page)
    shown = int(_metric(page, "Bureaux retenus"))
    addresses = int(_metric(page, "Adresses"))
    assert shown >= 3 and addresses > 100
    page.wait_for_timeout(500)
    page.locator(f"{LASSO} .lm-map").screenshot(path=str(ARTIFACTS / "zones_lasso_carte.png"))
    page.screenshot(path=str(ARTIFACTS / "zones_lasso.png"))

    # saved under a name: in the list with the number of stations shown before saving
    page.get_by_label("Nom de la zone").fill(ZONE_NAME)
    _click_until(page, "Enregistrer la zone", page.get_by_text(f"Zone « {ZONE_NAME} » enregistrée"))
    wait_until_idle(page)
    row = _table_row(page, ZONE_NAME)
    assert int(row["bureaux"]) == shown and int(row["adresses"].replace("\u202f", "")) == addresses
    assert row["statut"] == "brouillon" and row["propriétaire"] == "strategist"

    # the store holds the lasso's polygon; the same polygon selects the same stations
    ((zone_id, wkb),) = read_store(data_dir / "campaign.duckdb", "SELECT zone_id, geometry::BLOB FROM zone WHERE name = ?", [ZONE_NAME])
    stored = {r[0] for r in read_store(data_dir / "campaign.duckdb", "SELECT station_id FROM zone_station WHERE zone_id = ?", [zone_id])}
    polygon = shapely.from_wkb(bytes(wkb))
    with Warehouse(data_dir / "warehouse.duckdb", read_only=True) as wh:
        expected = select(wh, polygon, election_id=ELECTION)
        view = build_map(MapView(election_id=ELECTION, communes=("45999",)), MapSources.direct(wh), width_px=MAP_WIDTH,
                         height_px=MAP_HEIGHT).deck.initial_view_state
    assert stored == set(expected.station_ids) and len(stored) == shown
    initial = {"longitude": view.longitude, "latitude": view.latitude, "zoom": view.zoom}
    vertices = np.asarray(shapely.get_coordinates(polygon))
    for px, py in corners:  # each corner of the stroke, unprojected with the map's view, is a vertex of the zone
        lon, lat = unproject(initial, box["width"], box["height"], px - box["x"], py - box["y"])
        nearest = np.min(np.hypot(vertices[:, 0] - lon, (vertices[:, 1] - lat) / np.cos(np.radians(lat))))
        assert nearest < 1.5 * pixel_degrees(initial), (lon, lat, nearest)
    page.wait_for_timeout(800)
    page.locator(f"{LASSO} .lm-map").screenshot(path=str(ARTIFACTS / "zones_enregistree_carte.png"))
    share, colours = painted(_image(page))
    assert share > 0.25 and colours >= 5, (share, colours)

    # cut into turfs of about 40 doors (the default): a preview on a map, then saved
    assert page.get_by_label("Portes par secteur", exact=True).input_value() == "40"
    _click_until(page, "Découper en secteurs", page.get_by_text("Aperçu", exact=True))
    wait_until_idle(page)
    preview = page.locator(f'{MAP}[data-tools="false"]').first  # the lasso map has its toolbar
    preview.locator("canvas").first.wait_for(timeout=60_000)
    preview.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    preview.screenshot(path=str(ARTIFACTS / "zones_secteurs_apercu.png"))
    share, colours = painted(_image(page, preview))
    assert share > 0.2 and colours >= 5, (share, colours)  # turfs filled in several colours
    _click_until(page, "Enregistrer les secteurs", page.get_by_text("secteurs enregistrés pour"))
    wait_until_idle(page)
    turf_count = read_store(data_dir / "campaign.duckdb", "SELECT count(*) FROM turf WHERE zone_id = ?", [zone_id])[0][0]
    assert turf_count >= 2
    _main_screenshot(page, ARTIFACTS / "zones_page.png")

    # the walk-list PDF of the first turf
    before = read_store(data_dir / "campaign.duckdb", "SELECT count(*) FROM audit_log WHERE action = 'export_walklist'")[0][0]
    button = page.get_by_role("button", name="Feuille de route (PDF)")
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=60_000) as download:
        button.click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and download.value.suggested_filename.endswith(".pdf")
    (ARTIFACTS / "zones_feuille_de_route.pdf").write_bytes(pdf)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        after = read_store(data_dir / "campaign.duckdb",
                      "SELECT count(*) FROM audit_log WHERE action = 'export_walklist' AND user_name = 'strategist'")[0][0]
        if after > before:
            break
        time.sleep(0.3)
    assert after == before + 1  # the export went through the gate, audited
    assert not errors, errors
    context.close()


def _image(page, element=None):  # noqa: ANN001, ANN202 - Playwright objects, a PIL image
    import io

    from PIL import Image

    target = element if element is not None else page.locator(f"{LASSO} .lm-map")
    return Image.open(io.BytesIO(target.screenshot()))
