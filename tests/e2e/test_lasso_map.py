"""The lasso map in a real browser: the choropleth draws, lassos come back in lon/lat, clicks toggle stations.

The page is ``tests/e2e/lasso_harness.py`` (the real encoded choropleth of the
city demo, no basemap) served by Streamlit on a free port; the expected
longitudes/latitudes are computed here from the deck's initial view with the
Web Mercator formulas deck.gl uses (512-px world at zoom 0).
"""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import shapely
from PIL import Image

from layers.encode import from_common, to_common
from tests.e2e.conftest import ARTIFACTS, ROOT, _free_port, stop_app, wait_until_idle

HARNESS = Path(__file__).with_name("lasso_harness.py")
HOSTILE = '<img src=x onerror="window.__pwned=1">Salle & <b>Co</b>'


@pytest.fixture(scope="module")
def harness(demo_dir: Path) -> Iterator[str]:
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"lasso-server-{port}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(HARNESS), "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.runOnSave", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "ISOLOIR_LASSO_WAREHOUSE": str(demo_dir / "warehouse.duckdb")},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                stop_app(process)
                raise RuntimeError((ARTIFACTS / f"lasso-server-{port}.log").read_text(errors="replace")[-2000:]) from None
            time.sleep(0.3)
    yield url
    stop_app(process)
    log.close()


# -- page helpers --------------------------------------------------------------------------
def no_exception(page) -> None:  # noqa: ANN001 - Playwright page
    """The script ran to its end (e.g. session state stayed picklable: the app enforces it)."""
    shown = page.locator('[data-testid="stException"]')
    assert shown.count() == 0, shown.all_inner_texts()


def open_map(page, url: str) -> None:  # noqa: ANN001 - Playwright page
    page.goto(url)
    page.locator('.lm-root[data-ready="true"]').wait_for(timeout=90_000)  # CSS locators pierce the shadow root
    wait_until_idle(page)
    page.wait_for_timeout(500)
    no_exception(page)


def codes(page) -> list[dict]:  # noqa: ANN001
    return [json.loads(text) for text in page.locator('[data-testid="stCode"]').all_inner_texts()]


def state(page) -> dict:  # noqa: ANN001
    return codes(page)[0]


def harness_info(page) -> dict:  # noqa: ANN001
    return codes(page)[1]


def wait_state(page, predicate, timeout_s: float = 60) -> dict:  # noqa: ANN001
    """Poll the state written by the harness until ``predicate`` holds (each interaction reruns the page)."""
    deadline = time.monotonic() + timeout_s
    current: dict = {}
    while time.monotonic() < deadline:
        try:
            current = state(page)
            if predicate(current):
                wait_until_idle(page)
                no_exception(page)
                return state(page)
        except (json.JSONDecodeError, IndexError):
            pass
        page.wait_for_timeout(300)
    raise AssertionError(f"state never matched: {current}")


def deck_box(page) -> dict:  # noqa: ANN001
    return page.locator(".lm-deck").bounding_box()


def painted(image: Image.Image) -> tuple[float, int]:
    """Share of pixels that are neither the light background nor white, and how many colours they use."""
    pixels = list(image.convert("RGB").get_flattened_data())
    drawn = [p for p in pixels if not (p[0] > 235 and p[1] > 235 and p[2] > 230)]
    return len(drawn) / len(pixels), len(set(drawn))


def map_image(page) -> Image.Image:  # noqa: ANN001
    return Image.open(io.BytesIO(page.locator(".lm-map").screenshot()))


def unproject(view: dict, width: float, height: float, x: float, y: float) -> tuple[float, float]:
    """deck.gl's WebMercatorViewport.unproject for pitch 0, bearing 0 (x, y in CSS px from the top left)."""
    scale = 2.0 ** float(view["zoom"])
    cx, cy = to_common(np.array([view["longitude"]]), np.array([view["latitude"]]))
    lon, lat = from_common(cx + (x - width / 2) / scale, cy - (y - height / 2) / scale)
    return float(lon[0]), float(lat[0])


def pixel_degrees(view: dict) -> float:
    return 360.0 / (512.0 * 2.0 ** float(view["zoom"]))


def draw(page, points: list[tuple[float, float]], steps: int = 8) -> None:  # noqa: ANN001
    """A closed freehand stroke with the mouse through ``points`` (page coordinates)."""
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in [*points[1:], points[0]]:
        page.mouse.move(*point, steps=steps)
    page.mouse.up()


def square(box: dict, x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    """Corners (page coordinates) of the rectangle at fractions of the map's box."""
    left, top, w, h = box["x"], box["y"], box["width"], box["height"]
    return [(left + w * x0, top + h * y0), (left + w * x1, top + h * y0),
            (left + w * x1, top + h * y1), (left + w * x0, top + h * y1)]


def assert_lasso_matches(lasso: dict, corners: list[tuple[float, float]], box: dict, view: dict) -> None:
    """Every screen corner, unprojected with ``view``, is a vertex of the lasso (within 1.5 px)."""
    coords = np.asarray(lasso["coords"], dtype=float)
    tolerance = 1.5 * pixel_degrees(view)
    for px, py in corners:
        lon, lat = unproject(view, box["width"], box["height"], px - box["x"], py - box["y"])
        nearest = np.min(np.hypot(coords[:, 0] - lon, (coords[:, 1] - lat) / math.cos(math.radians(lat))))
        assert nearest < tolerance, (lon, lat, nearest, tolerance)


def station_records(demo_dir: Path) -> tuple[list[dict], dict]:
    """The harness's deck, rebuilt here: the station layer's records and its position props."""
    from dashboard.maps.build import MapSources, build_map
    from dashboard.maps.view import MapView
    from dashboard.warehouse.database import Warehouse

    with Warehouse(demo_dir / "warehouse.duckdb", read_only=True) as wh:
        spec = build_map(MapView(election_id="leg2024_t2"), MapSources.direct(wh), width_px=700, height_px=560,
                         map_style=None)
    layer = next(layer for layer in json.loads(spec.deck.to_json())["layers"] if layer["id"] == spec.layer_id)
    return layer["data"], layer


def station_at(demo_dir: Path, lon: float, lat: float) -> str | None:
    records, layer = station_records(demo_dir)
    ox, oy = layer["coordinateOrigin"][:2]
    step = layer["modelMatrix"][0]
    for record in records:
        flat = record["p"] if isinstance(record["p"], list) else record["p"]["positions"]
        xy = np.asarray(flat, dtype=float).reshape(-1, 2)
        lons, lats = from_common(ox + xy[:, 0] * step, oy + xy[:, 1] * step)
        if shapely.Polygon(np.column_stack([lons, lats])).contains(shapely.Point(lon, lat)):
            return record["i"]
    return None


# -- tests ---------------------------------------------------------------------------------------
def test_lasso_add_subtract_click_and_tooltip(browser, harness: str, demo_dir: Path) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_map(page, harness)
    share, colours = painted(map_image(page))
    page.screenshot(path=str(ARTIFACTS / "lasso_carte.png"))
    assert share > 0.25 and colours >= 5, (share, colours)  # the choropleth, not a blank canvas
    assert state(page) == {"clicked": [], "lassos": [], "view": {}}
    info = harness_info(page)
    initial, box = info["initial"], deck_box(page)
    assert abs(box["width"] - info["width"]) < 2 and abs(box["height"] - info["height"]) < 2

    # tooltip on hover, as in st.pydeck_chart (outside lasso mode)
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    tooltip = page.locator(".deck-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    assert "Bureau" in tooltip.inner_text()

    # an "add" lasso over part of the map
    page.get_by_role("button", name="Lasso").click()
    assert page.get_by_role("button", name="Lasso").get_attribute("aria-pressed") == "true"
    corners = square(box, 0.30, 0.30, 0.62, 0.58)
    draw(page, corners)
    current = wait_state(page, lambda s: len(s["lassos"]) == 1)
    lasso = current["lassos"][0]
    assert lasso["op"] == "add" and 4 <= len(lasso["coords"]) <= 500
    assert_lasso_matches(lasso, corners, box, initial)
    assert abs(current["view"]["zoom"] - initial["zoom"]) < 1e-6
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "lasso_ajout.png"))
    page.locator(".lm-map").screenshot(path=str(ARTIFACTS / "lasso_ajout_carte.png"))

    # a "subtract" lasso inside it
    page.get_by_role("button", name="Retirer").click()
    inner = square(box, 0.40, 0.38, 0.52, 0.50)
    draw(page, inner)
    current = wait_state(page, lambda s: len(s["lassos"]) == 2)
    assert [lasso["op"] for lasso in current["lassos"]] == ["add", "subtract"]
    assert_lasso_matches(current["lassos"][1], inner, box, initial)
    assert "Polygon" in page.inner_text("body")  # the harness computed the region (a polygon with a hole)
    page.wait_for_timeout(500)
    page.locator(".lm-map").screenshot(path=str(ARTIFACTS / "lasso_retrait_carte.png"))

    # back to panning: a click toggles the station under the pointer
    page.get_by_role("button", name="Lasso").click()
    assert page.get_by_role("button", name="Lasso").get_attribute("aria-pressed") == "false"
    x, y = box["width"] * 0.2, box["height"] * 0.5
    expected = station_at(demo_dir, *unproject(initial, box["width"], box["height"], x, y))
    assert expected is not None
    page.mouse.click(box["x"] + x, box["y"] + y)
    current = wait_state(page, lambda s: s["clicked"] == [expected])
    assert len(current["lassos"]) == 2  # clicks leave the lassos alone
    page.wait_for_timeout(500)
    page.locator(".lm-map").screenshot(path=str(ARTIFACTS / "lasso_clic_carte.png"))
    page.mouse.click(box["x"] + x, box["y"] + y)
    wait_state(page, lambda s: s["clicked"] == [])
    # a slow press is a click too (deck.gl's own click gives up after 250 ms)
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.mouse.down()
    page.wait_for_timeout(700)
    page.mouse.up()
    wait_state(page, lambda s: s["clicked"] == [expected])

    # "Effacer" forgets everything
    page.get_by_role("button", name="Effacer").click()
    wait_state(page, lambda s: s["clicked"] == [] and s["lassos"] == [])
    assert page.get_by_role("button", name="Effacer").is_disabled()
    assert not errors, errors
    page.close()


def test_long_stroke_is_simplified(browser, harness: str) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 1000})
    open_map(page, harness)
    box = deck_box(page)
    page.get_by_role("button", name="Lasso").click()
    cx, cy, r = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, box["height"] * 0.35
    page.mouse.move(cx + r, cy)
    page.mouse.down()
    for i in range(1, 1601):  # three turns, a point every ~1.7 px: thinned to 3 px, then to 500 points
        angle = 2 * math.pi * 3 * i / 1600
        page.mouse.move(cx + r * math.cos(angle), cy + r * math.sin(angle))
    page.mouse.up()
    current = wait_state(page, lambda s: len(s["lassos"]) == 1)
    count = len(current["lassos"][0]["coords"])
    assert 100 <= count <= 500, count
    page.close()


def test_touch_lasso(browser, harness: str) -> None:
    context = browser.new_context(viewport={"width": 900, "height": 1000}, has_touch=True, is_mobile=True)
    page = context.new_page()
    open_map(page, harness)
    info = harness_info(page)
    box = deck_box(page)
    page.get_by_role("button", name="Lasso").tap()
    corners = square(box, 0.25, 0.25, 0.55, 0.55)
    cdp = context.new_cdp_session(page)
    points = [*corners, corners[0]]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        for k in range(1, 9):
            x, y = x0 + (x1 - x0) * k / 8, y0 + (y1 - y0) * k / 8
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    current = wait_state(page, lambda s: len(s["lassos"]) == 1)
    assert_lasso_matches(current["lassos"][0], corners, box, info["initial"])
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "lasso_tactile.png"))
    # out of lasso mode, a tap toggles the station under the finger
    page.get_by_role("button", name="Lasso").tap()
    page.touchscreen.tap(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.5)
    current = wait_state(page, lambda s: len(s["clicked"]) == 1)
    assert current["clicked"][0].startswith("45999_") and len(current["lassos"]) == 1
    context.close()


def test_view_kept_across_reruns_and_reset_by_a_new_initial_view(browser, harness: str) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 1000})
    open_map(page, harness)
    initial, box = harness_info(page)["initial"], deck_box(page)
    # pan: drag the map 120 px left and 60 px up
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx - 120, cy - 60, steps=12)
    page.mouse.up()
    page.wait_for_timeout(800)
    assert state(page)["clicked"] == []  # a pan is not a click
    page.get_by_role("button", name="Relancer").click()
    wait_until_idle(page)
    # the view stayed where the user left it: a lasso unprojects with the panned view
    page.get_by_role("button", name="Lasso").click()
    corners = square(box, 0.3, 0.3, 0.6, 0.6)
    draw(page, corners)
    current = wait_state(page, lambda s: len(s["lassos"]) == 1)
    view = current["view"]
    # dragging left and up moves the centre east and south (less the drag's start threshold)
    moved_x = (view["longitude"] - initial["longitude"]) / pixel_degrees(initial)
    moved_y = (view["latitude"] - initial["latitude"]) / (pixel_degrees(initial) * math.cos(math.radians(initial["latitude"])))
    assert 90 < moved_x <= 121 and -61 <= moved_y < -40, (moved_x, moved_y)
    assert abs(view["zoom"] - initial["zoom"]) < 1e-6
    assert_lasso_matches(current["lassos"][0], corners, box, view)

    # another initial view (as another territory would give): the map recentres on it, lassos stay
    page.get_by_role("button", name="Zoomer la vue initiale").click()
    wait_until_idle(page)
    zoomed = harness_info(page)["initial"]
    assert abs(zoomed["zoom"] - initial["zoom"] - 1) < 1e-9
    corners = square(box, 0.2, 0.2, 0.4, 0.4)
    draw(page, corners)  # still in lasso mode
    current = wait_state(page, lambda s: len(s["lassos"]) == 2)
    assert_lasso_matches(current["lassos"][1], corners, box, zoomed)

    # a new key starts from an empty selection
    page.get_by_role("button", name="Nouvelle clé").click()
    wait_until_idle(page)
    page.locator('.lm-root[data-ready="true"]').wait_for(timeout=30_000)
    assert state(page)["lassos"] == []
    page.close()


def test_a_remounted_map_shows_the_lassos_python_holds(browser, harness: str) -> None:
    """Streamlit mounts the element anew when it moves in the page: the drawing comes back from Python."""
    page = browser.new_page(viewport={"width": 1100, "height": 1000})
    open_map(page, harness)
    box = deck_box(page)
    page.get_by_role("button", name="Lasso").click()
    draw(page, square(box, 0.3, 0.3, 0.55, 0.55))
    drawn = wait_state(page, lambda s: len(s["lassos"]) == 1)
    page.get_by_role("button", name="Déplacer").click()
    page.get_by_text("Carte déplacée").wait_for(timeout=30_000)
    wait_until_idle(page)
    page.locator('.lm-root[data-ready="true"]').wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    assert state(page)["lassos"] == drawn["lassos"]
    image = map_image(page)
    image.save(ARTIFACTS / "lasso_remonte_carte.png")
    share, colours = painted(image)
    assert share > 0.25 and colours >= 5, (share, colours)
    outline = sum(1 for p in image.convert("RGB").get_flattened_data() if p == (31, 78, 121))
    assert outline > 200, outline  # the add lasso's outline, redrawn from the state Python sent back
    page.close()


def test_tooltip_escapes_hostile_names(browser, harness: str) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 1000})
    open_map(page, f"{harness}/?hostile=1")
    box = deck_box(page)
    tooltip = page.locator(".deck-tooltip")
    for fx in (0.5, 0.45, 0.55, 0.4, 0.6):
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * 0.5)
        page.wait_for_timeout(400)
        if tooltip.count() and tooltip.first.is_visible():
            break
    assert tooltip.first.is_visible()
    assert HOSTILE in tooltip.first.inner_text()  # shown literally
    assert tooltip.first.locator("img").count() == 0 and tooltip.first.locator("b").count() == 1  # only the template's <b>
    assert page.evaluate("() => window.__pwned === undefined")
    page.screenshot(path=str(ARTIFACTS / "lasso_infobulle_echappee.png"))
    page.close()


@pytest.mark.parametrize("order", ["pydeck", "pydeck_first"])
def test_lives_beside_streamlit_pydeck_chart(browser, harness: str, order: str) -> None:
    """Streamlit's deck.gl (another version) and pydeck's bundle both draw on one page, in either order."""
    page = browser.new_page(viewport={"width": 1100, "height": 1600})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if "multiple versions" in message.text else None)
    open_map(page, f"{harness}/?{order}=1")
    chart = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    chart.wait_for(timeout=60_000)
    wait_until_idle(page)
    page.wait_for_timeout(1000)
    share, colours = painted(Image.open(io.BytesIO(chart.screenshot())))
    assert share > 0.2 and colours >= 5, (share, colours)
    share, colours = painted(map_image(page))
    assert share > 0.25 and colours >= 5, (share, colours)
    assert not errors, errors
    page.screenshot(path=str(ARTIFACTS / f"lasso_et_pydeck_{order}.png"), full_page=True)
    page.close()


def test_carto_basemap_offline_still_draws_and_lassos(browser, harness: str) -> None:
    """The app's default basemap is Carto (mapbox-gl inside pydeck's bundle): offline, the layers still draw."""
    page = browser.new_page(viewport={"width": 1100, "height": 1000})
    open_map(page, f"{harness}/?basemap=carto")
    share, colours = painted(map_image(page))
    assert share > 0.25 and colours >= 5, (share, colours)
    info, box = harness_info(page), deck_box(page)
    page.get_by_role("button", name="Lasso").click()
    corners = square(box, 0.35, 0.35, 0.6, 0.6)
    draw(page, corners)
    current = wait_state(page, lambda s: len(s["lassos"]) == 1)
    assert_lasso_matches(current["lassos"][0], corners, box, info["initial"])
    page.close()
