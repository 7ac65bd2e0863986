"""A swing across the demo's redistricting in the browser: BV 7 (2022) was split into 7 and 41 (2024).

Every station has a value (none « sans donnée »), the legend states the reliability threshold and the
tooltip of the new station 41 gives its reliability.
"""

from __future__ import annotations

from tests.e2e.conftest import ARTIFACTS, log_in, wait_until_idle
from tests.e2e.test_map_page import drawn_share, map_canvas


def test_swing_across_the_split_station_goes_through_the_crosswalk(browser, demo_app: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{demo_app}/carte?election=leg2024_t1&mesure=swing_turnout&reference=pres2022_t1")
    log_in(page, "viewer")
    page.get_by_text("par rapport à Présidentielle 2022 — 1er tour").first.wait_for(timeout=60_000)
    wait_until_idle(page)
    body = page.inner_text("body")
    assert "fiabilité < 80" in body  # the legend names the threshold
    assert "sans donnée" not in body and "non comparable" not in body  # every station has a value
    share, colours = drawn_share(page)
    assert share > 0.15 and colours >= 4, (share, colours)
    # hover across the map until the tooltip is the new station 41's
    box = map_canvas(page).bounding_box()
    tooltip = page.locator(".deck-tooltip")
    found = ""
    for fy in [0.1 + 0.05 * i for i in range(17)]:
        for fx in [0.1 + 0.05 * j for j in range(17)]:
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            try:
                tooltip.first.wait_for(state="visible", timeout=500)
            except Exception:  # noqa: BLE001 - background under the pointer: no tooltip
                continue
            text = tooltip.first.inner_text()
            assert "fiabilité" in text, text  # every crosswalked station shows its reliability
            if "Bureau 41\n" in text + "\n":
                found = text
                break
        if found:
            break
    assert found, "station 41 not found under the pointer"
    assert "pts (fiabilité 100" in found, found
    page.screenshot(path=str(ARTIFACTS / "carte_evolution_table_de_passage.png"), full_page=True)
    page.close()
