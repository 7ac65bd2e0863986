"""A campaign director imports Marseille through the « Importer » page in a real browser, then sees an IRIS
indicator estimated per polling station on the map: issue 14's « done when », through the app only.

The real drop (``set_input_files`` on Streamlit's uploader) of four files at once:

- the real Marseille contours (``wild/marseille2014-makina/bureaux_marseille.geojson``, JS-wrapped): refused
  as dropped (no id column the importer knows), then read with a mapping built from the page's menus
  (commune ``CODE``, bureau ``BUREAU``, name ``NOM``), as a user would;
- IRIS contours and an IRIS indicator for Marseille, and a Ministry-layout results file for a few Marseille
  bureaux (the Carte draws the stations of an election). **These three are synthetic**, generated into a
  temporary folder by :mod:`tests.marseille_iris` (one IRIS per arrondissement cut from the real
  contours, ``P15_POP`` = 1 000 × the arrondissement's number): no real Marseille IRIS file is in
  ``../shared/data``, and the real Marseille results file gives percentages only (refused).

Then the preview is read (471 bureaux, 16 IRIS), the import confirmed, the page's IRIS → stations weights
button pressed and its link to the indicator on the map followed. The time from the drop to the map drawn
is printed (``-s``) and kept in ``tests/e2e/artifacts/import-timing.txt``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REAL_ADMIN_PASSWORD, REAL_ADMIN_TOTP_SECRET, SHARED_DATA
from tests.e2e.conftest import ARTIFACTS, MAP_CANVAS, log_in, read_store, start_app, stop_app, wait_until_idle
from tests.e2e.test_map_page import drawn_share
from tests.marseille_iris import MARSEILLE, write_marseille_iris, write_marseille_results

ELECTION = "pres2022_t1"  # the synthetic results' election (read from the file's name)
BUREAUX = ("0101", "0512", "1614")  # the synthetic results' bureaux: arrondissements 1, 5 and 16


@pytest.fixture(scope="module")
def import_app(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, list[Path]]]:
    """Its own app on a copy of the real warehouse and store (the import must not change the other tests' data),
    and the files to drop."""
    assert SHARED_DATA is not None
    data_dir = tmp_path_factory.mktemp("import-page")
    for name in ("warehouse.duckdb", "campaign.duckdb"):
        shutil.copy(real_data_dir / name, data_dir / name)
    generated = tmp_path_factory.mktemp("marseille-files")
    iris, indicator = write_marseille_iris(SHARED_DATA, generated)
    results = write_marseille_results(generated, BUREAUX)
    process, url = start_app(data_dir)
    yield url, data_dir, [SHARED_DATA / MARSEILLE, iris, indicator, results]
    stop_app(process)


def _expander(page, name: str):  # noqa: ANN001, ANN202 - Playwright objects
    return page.locator('[data-testid="stExpander"]').filter(has_text=name)


def test_marseille_imported_through_the_page_then_an_iris_indicator_on_the_map(
        browser, import_app: tuple[str, Path, list[Path]]) -> None:
    url, data_dir, drop = import_app
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{url}/import")
    log_in(page, "admin", REAL_ADMIN_PASSWORD, totp_secret=REAL_ADMIN_TOTP_SECRET)
    page.get_by_role("heading", name="Importer des fichiers").wait_for(timeout=60_000)
    wait_until_idle(page)

    started = time.monotonic()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(p) for p in drop])
    page.get_by_text(f"{drop[-1].name} — prêt").wait_for(timeout=120_000)
    wait_until_idle(page)
    contours = _expander(page, "bureaux_marseille.geojson")
    assert "bureaux_marseille.geojson — refusé" in contours.inner_text() and "BUREAU, CODE, NOM" in contours.inner_text()

    # the menus of the refused file: which columns hold the commune, the bureau number and its name
    for label, column in (("code commune (INSEE)", "CODE"), ("numéro du bureau", "BUREAU"), ("nom du bureau", "NOM")):
        box = contours.get_by_role("combobox", name=label, exact=True)
        box.click()
        page.keyboard.type(column)
        page.keyboard.press("Enter")
    contours.get_by_role("button", name="Relire avec ces corrections").click()
    page.get_by_text("bureaux_marseille.geojson — prêt").wait_for(timeout=120_000)
    wait_until_idle(page)
    contours = _expander(page, "bureaux_marseille.geojson")
    text = contours.inner_text()
    assert "Contours de bureaux" in text or "bureaux" in text.lower()
    assert "13055" in text and "471" in text and "enveloppe JavaScript" in text, text
    iris = _expander(page, drop[1].name).inner_text()
    assert "IRIS" in iris and "16" in iris and "13055" in iris, iris
    indicators = _expander(page, drop[2].name).inner_text()
    assert "commune(s) : 13201, 13202" in indicators and "Lignes lues\n\n16\n" in indicators, indicators
    assert ELECTION in _expander(page, drop[3].name).inner_text()
    assert not read_store(data_dir / "warehouse.duckdb", "SELECT 1 FROM station WHERE commune_code = '13055'")
    page.set_viewport_size({"width": 1400, "height": 2600})  # Streamlit scrolls inside its main block: a tall window
    page.get_by_role("heading", name="Importer des fichiers").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "import-preview.png"))
    page.set_viewport_size({"width": 1400, "height": 1100})

    page.get_by_role("button", name="Importer 4 fichier(s) dans l'entrepôt").click()
    page.get_by_text("Import terminé").wait_for(timeout=120_000)
    wait_until_idle(page)
    assert read_store(data_dir / "warehouse.duckdb", "SELECT count(*) FROM station WHERE commune_code = '13055'")[0][0] == 471
    page.get_by_role("button", name="Calculer les poids IRIS → bureaux (interpolate)").click()
    page.get_by_text("Pondérations IRIS → bureaux :").wait_for(timeout=180_000)
    wait_until_idle(page)
    assert read_store(data_dir / "warehouse.duckdb",
                      "SELECT count(DISTINCT station_id) FROM station_iris WHERE station_id LIKE '13055_%'")[0][0] == 471

    page.get_by_role("link", name="Voir « Population » (2015) estimé par bureau sur la carte").click()
    page.locator(MAP_CANVAS).first.wait_for(timeout=120_000)
    wait_until_idle(page)
    share, colours = drawn_share(page)
    elapsed = time.monotonic() - started
    address = page.url.replace("%2C", ",")
    assert "mesure=indicator" in address and "indicateur=P15_POP" in address and "communes=13055" in address, address
    body = page.inner_text("body")
    assert "Population" in body and "Quantiles · 5 classes" in body, body[:2000]  # the legend
    assert share > 0.05 and colours >= 2, (share, colours)  # Marseille's stations drawn in several classes
    page.screenshot(path=str(ARTIFACTS / "import-map.png"), full_page=True)
    timing = f"drop → map drawn: {elapsed:.1f} s (Marseille: 471 bureaux, 16 IRIS, P15_POP estimé par bureau)"
    (ARTIFACTS / "import-timing.txt").write_text(timing + "\n", encoding="utf-8")
    print(timing)
    page.close()
