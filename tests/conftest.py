"""Shared fixtures: the real sample files in ../shared/data and a session warehouse built from them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.campaign_stores import campaign_backend, new_store, store_maker  # noqa: F401 - fixtures of both store backends

REPO_ROOT = Path(__file__).resolve().parent.parent
# The signing key of the JWT login cookie Isoloir used before server-side sessions: the tests forge
# such cookies with it (they must be refused) and check it never shows in a page or a log.
TEST_COOKIE_KEY = "isoloir-tests-cookie-signing-key-0123456789abcdef"
os.environ["ISOLOIR_COOKIE_KEY"] = TEST_COOKIE_KEY
# The key that encrypts the campaign store's personal data (dashboard/access/data_key.py), likewise a test value
# (base64url of 32 bytes); the tests of keys themselves set their own.
TEST_DATA_KEY = "aXNvbG9pci10ZXN0cy1kYXRhLWtleS0zMi1ieXRlcyE"
os.environ["ISOLOIR_DATA_KEY"] = TEST_DATA_KEY
REAL_ADMIN_PASSWORD = "directrice-de-test-2026"  # the admin of the real-data fixture (not a demo account)
# Its TOTP secret: a real admin must enrol in two-factor authentication (dashboard/store/two_factor.py)
# before using the app; the fixture enrols it so the pages open. A test value, not a secret.
REAL_ADMIN_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _shared_data() -> Path | None:
    candidates = [os.environ.get("ISOLOIR_SHARED_DATA"), REPO_ROOT.parent / "shared" / "data"]
    for candidate in candidates:
        if candidate and Path(candidate, "SOURCES.md").exists():
            return Path(candidate)
    return None


SHARED_DATA = _shared_data()
requires_shared_data = pytest.mark.skipif(
    SHARED_DATA is None, reason="../shared/data (official sample files) is absent: set ISOLOIR_SHARED_DATA to run these tests"
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if SHARED_DATA is None:
        pytest.skip("../shared/data (official sample files) is absent: set ISOLOIR_SHARED_DATA to run these tests")
    return SHARED_DATA


# The import sequence of issue #2's acceptance: three communes, three formats each.
REAL_IMPORTS = [
    ("stations", ["bondy/bv/bv_reu_osm_2022_bondy.geojson"], {}),
    ("results", ["bondy/results/bondy_2022.csv"], {"election": "pres2022_t1"}),
    ("stations", ["brest/bv/BureauxVoteBrest.geojson"], {}),
    ("results", ["brest/results/leg2024_circos23-tour1_29019.csv"], {"election": "leg2024_t1"}),
    ("stations", ["chatenay-malabry/bv/circo_contours_92019.geojson"], {}),
    ("results", ["chatenay-malabry/results/legislatives2024_t1_9213.xlsx"], {"election": "leg2024_t1"}),
    ("iris-contours", ["bondy/iris/map_iris_gdparis_93010.shp"], {}),
    ("iris-indicators", ["bondy/iris/base-ic-activite-residents-2016-idf_93010.csv"], {}),
    ("addresses", ["bondy/reu/adresses93010.csv", "bondy/reu/bvOpendata_table-bv-reu_bondy.csv"], {}),
]


def enrol_two_factor(store, user, secret: str) -> list[str]:  # noqa: ANN001 - a store and a User
    """Enrol ``user`` in two-factor authentication with ``secret`` (as the enrolment screen does); the recovery codes."""
    import time

    from dashboard.access import totp
    from dashboard.store import two_factor

    two_factor.start_enrolment(store, user, secret=secret)
    return two_factor.confirm_enrolment(store, user, totp.code_at(secret, totp.step_of(time.time())))


@pytest.fixture(scope="session")
def real_data_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory whose warehouse holds the real Bondy, Brest and Châtenay imports."""
    from dashboard.warehouse.importer import import_files
    from dashboard.ingest import ImportOptions

    from dashboard.store import CampaignStore
    from dashboard.store.users import add_user

    data_dir = tmp_path_factory.mktemp("real")
    for kind, files, options in REAL_IMPORTS:
        import_files(kind, [shared_data / f for f in files], data_dir, ImportOptions(**options))
    # a real deployment has no demo accounts: its director was created at first run (or by the CLI)
    store = CampaignStore(data_dir / "campaign.duckdb")
    admin = add_user(store, "admin", REAL_ADMIN_PASSWORD, "admin", by="cli")
    enrol_two_factor(store, admin, REAL_ADMIN_TOTP_SECRET)
    store.close()  # checkpointed: the browser tests' app opens the file from another process
    return data_dir


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the city demo territory, built once per session by `isoloir demo`."""
    from dashboard.cli import main

    data_dir = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--data-dir", str(data_dir)]) == 0
    return data_dir


@pytest.fixture()
def demo_env(demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo data for one test (pages write accounts, audit entries, zones…),
    served to AppTest through ``ISOLOIR_DATA_DIR`` with every cache cleared."""
    import shutil

    import streamlit as st

    from dashboard.ui import data

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for name in ("warehouse.duckdb", "campaign.duckdb"):
        shutil.copy(demo_dir / name, data_dir / name)
    monkeypatch.setenv("ISOLOIR_DATA_DIR", str(data_dir))
    for cached in (data.settings, data.warehouse, data.info):
        cached.clear()
    st.cache_data.clear()
    return data_dir
