"""A candidate opens the map in a real browser: changes election and measure, clicks a station, projects."""

from __future__ import annotations

import io

from PIL import Image

from tests.e2e.conftest import ARTIFACTS, MAP_CANVAS, log_in, wait_until_idle


def choose(page, label: str, option: str) -> None:  # noqa: ANN001 - Playwright page
    """Pick ``option`` in the Streamlit select box labelled ``label``."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_until_idle(page)


def map_canvas(page):  # noqa: ANN001, ANN201 - Playwright objects
    canvas = page.locator(MAP_CANVAS).first
    canvas.wait_for(timeout=60_000)
    return canvas


def drawn_share(page) -> tuple[float, int]:  # noqa: ANN001 - Playwright page
    """Share of the map's pixels that are not background, and how many distinct colours they use."""
    image = Image.open(io.BytesIO(map_canvas(page).screenshot())).convert("RGB")
    pixels = list(image.get_flattened_data())
    painted = [p for p in pixels if not (p[0] > 235 and p[1] > 235 and p[2] > 235)]
    return len(painted) / len(pixels), len(set(painted))


def test_map_change_election_and_measure_click_a_station(browser, demo_app: str) -> None:
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.goto(f"{demo_app}/carte")
    log_in(page, "viewer")
    page.get_by_role("heading", name="Participation — Législatives 2024 — 2d tour").wait_for(timeout=60_000)
    wait_until_idle(page)
    share, colours = drawn_share(page)
    assert share > 0.25 and colours >= 5, (share, colours)  # polygons drawn in the 5 classes, no basemap needed
    assert "Quantiles · 5 classes" in page.inner_text("body")

    choose(page, "Élection", "Présidentielle 2022 — 1er tour")
    choose(page, "Mesure", "En tête")
    page.get_by_role("heading", name="En tête — Présidentielle 2022 — 1er tour").wait_for(timeout=30_000)
    legend = page.inner_text("body")
    assert "(Gauche radicale)" in legend or "(Centre)" in legend
    assert "election=pres2022_t1" in page.url and "mesure=winner" in page.url

    canvas = map_canvas(page)
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.5)  # a real click on the map
    page.get_by_text("Identifiant 45999_").wait_for(timeout=30_000)
    wait_until_idle(page)
    body = page.inner_text("body")
    assert "Résultats par élection" in body and "Rang (participation)" in body and "bv=45999_" in page.url
    page.get_by_role("tab", name="Historique").click()
    history = page.locator('[role="tabpanel"]:visible').first.locator('[data-testid="stVegaLiteChart"]')
    history.wait_for(timeout=30_000)  # the history chart itself, not the charts further down
    wait_until_idle(page)
    page.screenshot(path=str(ARTIFACTS / "carte_bureau.png"), full_page=True)

    choose(page, "Mesure", "Évolution de la participation")
    choose(page, "Élection", "Législatives 2024 — 1er tour")
    page.get_by_text("fiabilité < 80", exact=False).first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    # the split BV 7 (2022) → 7 and 41 (2024) goes through the crosswalk: no station without a value
    assert "pts" in body and "non comparable" not in body and "sans donnée" not in body
    share, colours = drawn_share(page)
    assert share > 0.15 and colours >= 4  # the palest swing classes are near white
    page.screenshot(path=str(ARTIFACTS / "carte_evolution.png"), full_page=True)
    page.close()


def test_link_reopens_the_view_and_presents_it(browser, demo_app: str) -> None:
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(f"{demo_app}/presentation?election=euro2024&mesure=share&cible=ecologiste&methode=jenks&classes=4")
    log_in(page, "strategist")
    page.get_by_role("heading", name="Score Écologistes (des exprimés) — Européennes 2024").first.wait_for(timeout=60_000)
    wait_until_idle(page)
    assert "Seuils naturels (Jenks) · 4 classes" in page.inner_text("body")
    assert not page.locator('[data-testid="stSidebar"]').is_visible()  # full screen
    share, colours = drawn_share(page)
    assert share > 0.15 and colours >= 4  # the palest swing classes are near white
    page.screenshot(path=str(ARTIFACTS / "presentation.png"), full_page=True)

    # the site root forwards to the map, keeping the view of the link
    page.goto(f"{demo_app}/?election=pres2022_t2&mesure=margin")
    page.get_by_role("heading", name="Écart entre les deux premiers — Présidentielle 2022 — 2d tour").wait_for(timeout=60_000)
    assert "/carte" in page.url
    page.close()
