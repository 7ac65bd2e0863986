"""Two app replicas share one PostgreSQL campaign store and one warehouse (issue 11, item 5).

A zone saved through one replica is listed by the other; an account disabled through one is
refused by the other at its next action.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.campaign_stores import PG_URL, pg_skip_or_fail, schema_url
from tests.e2e.conftest import ARTIFACTS, LASSO, log_in, start_app, stop_app, wait_until_idle
from tests.e2e.test_lasso_map import draw, square

ZONE_NAME = "Zone partagée entre répliques"


@pytest.fixture(scope="module")
def replicas(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    if PG_URL is None:
        pg_skip_or_fail()
    import uuid

    import psycopg

    from dashboard.store import CampaignStore, users

    schema = f"replicas_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    url = schema_url(PG_URL, schema)
    store = CampaignStore(url)
    users.ensure_demo_accounts(store)  # the demo's accounts, now in PostgreSQL
    store.close()
    data_dir = tmp_path_factory.mktemp("replicas")
    shutil.copy2(demo_dir / "warehouse.duckdb", data_dir / "warehouse.duckdb")  # read by both; no campaign.duckdb
    env = {"ISOLOIR_CAMPAIGN_URL": url, "ISOLOIR_BASEMAP": "aucun"}
    first, url_a = start_app(data_dir, env=env)
    second, url_b = start_app(data_dir, env=env)
    try:
        yield url_a, url_b, url
    finally:
        stop_app(first)
        stop_app(second)
        assert not (data_dir / "campaign.duckdb").exists(), "a replica wrote a local campaign store"
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _open(browser, url: str, user: str, path: str):  # noqa: ANN001, ANN202 - Playwright objects
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}{path}")
    log_in(page, user)
    page.wait_for_url(f"**{path}*", timeout=30_000)
    wait_until_idle(page)
    return context, page


def test_a_zone_saved_through_one_replica_is_listed_by_the_other(browser, replicas: tuple[str, str, str]) -> None:
    url_a, url_b, _ = replicas
    context_a, page_a = _open(browser, url_a, "strategist", "/zones")
    page_a.locator(f'{LASSO}[data-ready="true"]').wait_for(timeout=90_000)
    wait_until_idle(page_a)
    page_a.get_by_role("button", name="Lasso").click()
    draw(page_a, square(page_a.locator(f"{LASSO} .lm-deck").bounding_box(), 0.30, 0.22, 0.56, 0.50))
    page_a.locator('[data-testid="stMetric"]', has_text="Bureaux retenus").wait_for(timeout=60_000)
    wait_until_idle(page_a)
    page_a.get_by_label("Nom de la zone").fill(ZONE_NAME)
    wait_until_idle(page_a)
    page_a.get_by_role("button", name="Enregistrer la zone", exact=True).click()
    page_a.get_by_text(f"Zone « {ZONE_NAME} » enregistrée").wait_for(timeout=90_000)

    context_b, page_b = _open(browser, url_b, "strategist", "/zones")
    table = page_b.locator('[data-testid="stTable"] table').first
    table.get_by_text(ZONE_NAME).wait_for(timeout=60_000)
    page_b.locator(f'{LASSO}[data-ready="true"]').wait_for(timeout=90_000)
    wait_until_idle(page_b)
    page_b.screenshot(path=str(ARTIFACTS / "replicas_zone_on_b.png"))
    context_a.close()
    context_b.close()


def test_an_account_disabled_through_one_replica_is_refused_by_the_other(browser, replicas: tuple[str, str, str]) -> None:
    url_a, url_b, _ = replicas
    viewer_context, viewer = _open(browser, url_b, "viewer", "/carte")
    viewer.get_by_text("Se déconnecter").wait_for(state="attached")

    admin_context, admin = _open(browser, url_a, "admin", "/admin")
    admin.get_by_text("Modifier un compte").wait_for(timeout=60_000)  # the "Comptes" tab opens first
    admin.locator('[data-testid="stSelectbox"]').filter(has=admin.get_by_text("Compte", exact=True)).first.click()
    admin.get_by_role("option", name=re.compile(r"^viewer —")).first.click()
    wait_until_idle(admin)
    admin.get_by_role("button", name="Désactiver le compte").click()
    wait_until_idle(admin)

    # the viewer's next action on the other replica: the session is closed
    viewer.get_by_role("link", name="Données").first.click()
    viewer.get_by_text("Session fermée : reconnectez-vous.").wait_for(timeout=60_000)
    viewer.screenshot(path=str(ARTIFACTS / "replicas_disabled_on_b.png"))
    viewer.get_by_role("link", name="Se reconnecter").click()  # the login page; the disabled account cannot log in
    viewer.get_by_label("Nom d'utilisateur").wait_for(timeout=30_000)
    viewer.get_by_label("Nom d'utilisateur").fill("viewer")
    viewer.get_by_label("Mot de passe").fill("demo-viewer")
    viewer.get_by_role("button", name="Se connecter").click()
    viewer.get_by_text("Nom d'utilisateur ou mot de passe incorrect").wait_for(timeout=30_000)
    viewer_context.close()
    admin_context.close()
