"""A campaign director imports a file through the « Importer » page in a real browser, then sees it on the map.

The real drop: ``set_input_files`` on Streamlit's uploader, the preview read, the confirm, the map opened
from the page's link. The time from the drop to the map drawn is printed (``-s``) and kept in
``tests/e2e/artifacts/import-timing.txt``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REAL_ADMIN_PASSWORD, REAL_ADMIN_TOTP_SECRET, SHARED_DATA
from tests.e2e.conftest import ARTIFACTS, log_in, read_store, start_app, stop_app, wait_until_idle
from tests.e2e.test_map_page import drawn_share

# INTEGRATOR: once import-geo's branch (JS-wrapped GeoJSON, Marseille's canonical ids) is merged, switch to
# DROP = ["wild/marseille2014-makina/bureaux_marseille.geojson", "wild/marseille2014-makina/results_marseille.json"]
# (+ an IRIS indicator file of Marseille) and COMMUNE to Marseille's code, PREVIEW to a line of its preview.
# Until then: a file that imports on main today, a new election on communes whose contours the warehouse holds.
DROP = ["chatenay-malabry/results/legislatives2024_t2_9213.xlsx"]
COMMUNE = "92019"
PREVIEW = "Législatives 2024"  # a text the preview shows before anything is written
ELECTION = "leg2024_t2"
EXTRA = "brest/iris/IRIS_housing_IR_Hab_29019.csv"  # dropped second: added to the list, the first not repeated


@pytest.fixture(scope="module")
def import_app(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Its own app on a copy of the real warehouse and store: the import must not change the other tests' data."""
    data_dir = tmp_path_factory.mktemp("import-page")
    for name in ("warehouse.duckdb", "campaign.duckdb"):
        shutil.copy(real_data_dir / name, data_dir / name)
    process, url = start_app(data_dir)
    yield url, data_dir
    stop_app(process)


def test_drop_preview_confirm_and_see_it_on_the_map(browser, import_app: tuple[str, Path]) -> None:
    url, data_dir = import_app
    assert SHARED_DATA is not None
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{url}/import")
    log_in(page, "admin", REAL_ADMIN_PASSWORD, totp_secret=REAL_ADMIN_TOTP_SECRET)
    page.get_by_role("heading", name="Importer des fichiers").wait_for(timeout=60_000)
    wait_until_idle(page)

    started = time.monotonic()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(SHARED_DATA / f) for f in DROP])
    page.get_by_text("Candidats et listes trouvés").first.wait_for(timeout=120_000)
    wait_until_idle(page)
    body = page.inner_text("body")
    assert COMMUNE in body and "Lignes lues" in body and "somme des voix = exprimés" in body and "Jointures" in body
    assert PREVIEW in body or ELECTION in body
    assert not read_store(data_dir / "warehouse.duckdb", "SELECT 1 FROM turnout WHERE election_id = ?", [ELECTION])
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(SHARED_DATA / EXTRA)])
    page.get_by_text(f"{Path(EXTRA).name} — prêt").wait_for(timeout=120_000)
    wait_until_idle(page)
    names = [Path(f).name for f in [*DROP, EXTRA]]
    headers = page.locator('[data-testid="stExpander"] summary').all_inner_texts()
    assert sorted(h.strip().splitlines()[-1].split(" — ")[0] for h in headers) == sorted(names), headers
    page.screenshot(path=str(ARTIFACTS / "import-preview.png"), full_page=True)

    page.get_by_role("button", name="Importer").filter(has_text="fichier(s) dans l'entrepôt").click()
    page.get_by_text("Import terminé").wait_for(timeout=120_000)
    assert read_store(data_dir / "warehouse.duckdb", "SELECT count(*) FROM turnout WHERE election_id = ? AND commune_code = ?",
                      [ELECTION, COMMUNE])[0][0] > 0
    page.get_by_role("link", name="Voir sur la carte").click()
    page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for(timeout=120_000)
    wait_until_idle(page)
    share, colours = drawn_share(page)
    elapsed = time.monotonic() - started
    assert f"communes={COMMUNE}" in page.url.replace("%2C", ",") or COMMUNE in page.url
    assert share > 0.05 and colours >= 2, (share, colours)  # the commune's stations are drawn
    page.screenshot(path=str(ARTIFACTS / "import-map.png"), full_page=True)
    (ARTIFACTS / "import-timing.txt").write_text(f"drop → map drawn: {elapsed:.1f} s ({', '.join(DROP)})\n", encoding="utf-8")
    print(f"drop → map drawn: {elapsed:.1f} s")
    page.close()
