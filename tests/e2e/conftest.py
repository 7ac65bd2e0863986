"""Browser fixtures: the real app server on a free port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ROOT = Path(__file__).resolve().parents[2]
# Isoloir's map (dashboard/ui/map_component): CSS locators pierce the component's shadow root;
# ``data-painted`` appears once deck.gl has drawn the map's data (its paint marker).
MAP = ".lm-root"
MAP_CANVAS = '.lm-root[data-painted] .lm-deck canvas'
LASSO = '.lm-root[data-tools="true"]'  # the map with the lasso toolbar (Zones), beside maps without one
# document.querySelector does not pierce shadow roots: the first map canvas, for page.evaluate
FIND_MAP_CANVAS = """() => {
  for (const host of document.querySelectorAll('*')) {
    const found = host.shadowRoot && host.shadowRoot.querySelector('.lm-deck canvas');
    if (found) return found;
  }
  return document.querySelector('.lm-deck canvas');
}"""
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_app(data_dir: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``isoloir run`` as a user would, in its own process group (it spawns Streamlit)."""
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"server-{port}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "run", "--data-dir", str(data_dir), "--port", str(port), "--headless"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        # no file watcher: a source file edited while a test runs must not reload the app under it
        env={**os.environ, "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none", **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.3)
    stop_app(process)
    raise RuntimeError(f"the app did not start: {(ARTIFACTS / f'server-{port}.log').read_text(errors='replace')[-2000:]}")


@dataclass(frozen=True)
class App:
    """An app served on a private copy of a data folder: its address and its campaign store."""

    url: str
    campaign: Path


@contextlib.contextmanager
def served_copy(source: Path, target: Path, *, prepare: Callable[[Path], None] | None = None,
                host: str = "127.0.0.1") -> Iterator[App]:
    """Copy ``source``'s warehouse and campaign store into ``target`` (a module that writes must not change
    the other tests' data), let ``prepare`` write into the copy, then serve it without a basemap (no
    network) until the block ends. ``host``: ``localhost`` where a secure context is needed (service worker)."""
    for name in ("warehouse.duckdb", "campaign.duckdb"):
        shutil.copy2(source / name, target / name)
    if prepare is not None:
        prepare(target)
    process, url = start_app(target, env={"ISOLOIR_BASEMAP": "aucun"})
    try:
        yield App(url.replace("127.0.0.1", host), target / "campaign.duckdb")
    finally:
        stop_app(process)


def read_store(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """One query on a store or warehouse file, read-only, retrying while the running app holds its lock."""
    import duckdb

    deadline = time.monotonic() + 15
    while True:
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.IOException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
            continue
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


def stop_app(process: subprocess.Popen[bytes]) -> None:
    """Stop the CLI and the Streamlit server it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium (/usr/bin/chromium) is not installed: `apt-get install chromium` (./dev test does it as root)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def real_app(real_data_dir: Path) -> Iterator[str]:
    process, url = start_app(real_data_dir)
    yield url
    stop_app(process)


@pytest.fixture(scope="session")
def demo_app(demo_dir: Path) -> Iterator[str]:
    """The app on the city demo territory, as `isoloir run` serves it (default Carto basemap: offline here)."""
    process, url = start_app(demo_dir)
    yield url
    stop_app(process)


def wait_until_idle(page: object, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished running the script (no "Running…" widget, no stale elements)."""
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
               && document.querySelectorAll('[data-stale="true"]').length === 0""",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(800)  # type: ignore[attr-defined]


def log_in(page: object, user_name: str, password: str | None = None, *, totp_secret: str | None = None,
           timeout_ms: int = 60_000) -> None:
    """Fill the real login form on the page already opened (``password`` defaults to the demo one); with
    ``totp_secret``, the one-time code page that follows too (a code of a time step not used yet)."""
    page.get_by_label("Nom d'utilisateur").wait_for(timeout=timeout_ms)  # type: ignore[attr-defined]
    page.get_by_label("Nom d'utilisateur").fill(user_name)  # type: ignore[attr-defined]
    page.get_by_label("Mot de passe").fill(password or f"demo-{user_name}")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Se connecter").click()  # type: ignore[attr-defined]
    if totp_secret:
        import pyotp

        page.get_by_label("Code à usage unique").wait_for(timeout=timeout_ms)  # type: ignore[attr-defined]
        page.get_by_label("Code à usage unique").fill(pyotp.TOTP(totp_secret).at(time.time() + 30))  # type: ignore[attr-defined]
        page.get_by_role("button", name="Valider").click()  # type: ignore[attr-defined]
    page.get_by_text("Se déconnecter").wait_for(state="attached", timeout=timeout_ms)  # type: ignore[attr-defined]
