"""Browser map benchmark: time to the first painted choropleth, to the repaint after a measure change, and
the bytes over the wire, in headless Debian Chromium (Playwright), against three baselines in the same run.

    python benchmarks/map_browser.py [--national-dir DIR] [--quick] [--repeat N] [--work-dir DIR]
        [--paths ours,today,naive,folium] [--skip-brest] [--skip-phone] [--verbose]

What is timed (median of ``--repeat`` runs, 5 by default, 1 with ``--quick``):

* **ours** (the app's map component, ``dashboard/ui/map_component``): ``isoloir run`` on a data folder,
  log-in untimed (plain HTTP through the browser context's request API, so the browser cache stays
  empty), then ``/carte?…`` opened. Paint is the component's marker: after each frame in which deck.gl drew
  the choropleth with new values it calls ``performance.mark("isoloir-paint")`` and counts
  ``<html data-isoloir-paint>``. First paint = the first mark's time since navigation start; measure change
  = from the click on another measure in the Carte page's "Mesure" select box (``CHANGED_MEASURE``: "En
  tête") to the next mark.
  - **cold**: a fresh server and a fresh browser context (empty cache) for every run;
  - **warm**: one server, warmed by one untimed opening, and one browser context (cache kept).
* **today** (``st.pydeck_chart`` of ``dashboard.maps.build.build_map``'s deck) and **naive** (pydeck
  ``GeoJsonLayer`` of the full-precision GeoDataFrame), served by ``benchmarks/map_baseline_app.py``,
  cold and warm like ours. pydeck has no paint marker: an init script wraps WebGL's draw calls
  (``drawArrays``, ``drawElements`` and their instanced forms) and records the time of the last one;
  the map counts as painted when draw calls have happened and the canvas then stays quiet for 500 ms
  (and Streamlit has finished its run); the time reported is that of the last draw call.
* **folium** (``folium.GeoJson`` HTML, ``benchmarks/map_payload.py``'s ``folium_payload``), loaded from a
  file: Leaflet 1.9.3 comes from the ``xstatic-leaflet`` package (offline machine: every other CDN asset of
  the page gets an empty answer). Painted when Leaflet's SVG holds one ``path.leaflet-interactive`` per
  station (and an animation frame has passed). Its bytes are the HTML's (what streamlit-folium ships),
  its measure change is the HTML of the other measure, reloaded.

Bytes: Chrome DevTools Protocol ``Network`` events of the page from navigation (or from the click) until
Streamlit is idle again: HTTP responses' ``encodedDataLength`` (``Network.loadingFinished``, as on the wire,
headers included) plus the payload of WebSocket frames received (``Network.webSocketFrameReceived``;
Chrome reports the payload after permessage-deflate, so ``*_deflated_bytes`` also gives each frame's zlib
size, an estimate of the wire).

Territories: **France** (the national demo in ``--national-dir``; skipped with a line without it) and
**Brest** (official polygons imported from ``../shared/data`` as ``map_payload.py`` does, view restricted
to commune 29019; a viewer account is added to that folder). **Phone**: the canvasser's Terrain map on
a 390 x 844 touch viewport with network emulation of 4 Mbit/s down, 3 Mbit/s up, 20 ms latency, empty
browser cache: time to the turf's first paint (the national demo when given, else the demo city).

Figures, not assertions. A readable table, then as the last line one JSON object.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
for _path in (str(ROOT), str(BENCH_DIR)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

CHROMIUM = Path("/usr/bin/chromium")
# tests/e2e/conftest.py's flags (root, no GPU, no background traffic)
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
BREST_COMMUNE = "29019"
ELECTION = "leg2024_t1"
VIEWPORT = {"width": 1500, "height": 1000}
PHONE = {"width": 390, "height": 844}
# 4G as asked by issue 19: 4 Mbit/s down, 3 Mbit/s up, 20 ms (Chrome's throughput is in bytes per second)
FOUR_G = {"offline": False, "latency": 20, "downloadThroughput": 4_000_000 / 8, "uploadThroughput": 3_000_000 / 8}
BENCH_USER, BENCH_PASSWORD = "bench", "banc-essai-carte-2026"
VERBOSE = False  # --verbose: the largest responses of each first view
QUIET_MS = 500  # baselines: no WebGL draw call for this long after the data came = painted
TIMEOUT_MS = 600_000  # France on a cold, loaded 2-core machine
MEASURE_LABEL = "Mesure"
# The measure chosen for the change: "En tête" (nationally its rare lists share the legend's « autres »).
CHANGED_MEASURE = {"brest": "En tête", "france": "En tête"}
DEMO_PASSWORD = "demo-{}"
SESSION_COOKIE = "isoloir_session"  # dashboard.web.auth.COOKIE

# Every WebGL draw call counted, the time of the last one kept (baselines' paint detection).
GL_HOOK = """(() => {
  const wrap = (proto) => {
    if (!proto) return;
    for (const name of ['drawArrays', 'drawElements', 'drawArraysInstanced', 'drawElementsInstanced']) {
      const original = proto[name];
      if (!original) continue;
      proto[name] = function (...args) {
        window.__glDraws = (window.__glDraws || 0) + 1;
        window.__glLast = performance.now();
        return original.apply(this, args);
      };
    }
  };
  wrap(window.WebGLRenderingContext && WebGLRenderingContext.prototype);
  wrap(window.WebGL2RenderingContext && WebGL2RenderingContext.prototype);
})();"""
STREAMLIT_IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && document.querySelectorAll('[data-stale="true"]').length === 0"""
PAINTS = "() => Number(document.documentElement.dataset.isoloirPaint || 0)"


# -- bytes over the wire (CDP) ----------------------------------------------------------
@dataclass
class WireCount:
    """Bytes received by one page, from Chrome's Network events, since the last :meth:`reset`."""

    http: int = 0
    code: int = 0  # of ``http``: the app's code (scripts, styles, fonts, images), cached by a browser that kept its cache
    websocket: int = 0
    websocket_deflated: int = 0
    frames: int = 0
    responses: int = 0
    urls: dict[str, str] = field(default_factory=dict)  # request id -> URL
    by_url: dict[str, int] = field(default_factory=dict)

    def reset(self) -> None:
        self.http = self.code = self.websocket = self.websocket_deflated = self.frames = self.responses = 0
        self.by_url.clear()

    @property
    def data(self) -> int:
        """What this view sent besides the app's code: WebSocket payload and data responses (e.g. geometry)."""
        return self.total - self.code

    @property
    def total(self) -> int:
        return self.http + self.websocket

    @property
    def deflated_total(self) -> int:
        return self.http + self.websocket_deflated

    def on_request(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event.get("request", {}).get("url", "")

    def on_loading_finished(self, event: dict[str, Any]) -> None:
        size = int(event.get("encodedDataLength") or 0)
        url = self.urls.get(event.get("requestId", ""), "")
        self.http += size
        self.code += size if is_code(url) else 0
        self.by_url[url] = self.by_url.get(url, 0) + size
        self.responses += 1

    def on_frame(self, event: dict[str, Any]) -> None:
        response = event.get("response") or {}
        payload = response.get("payloadData") or ""
        raw = base64.b64decode(payload) if response.get("opcode") == 2 else payload.encode("utf-8")
        self.websocket += len(raw)
        self.websocket_deflated += len(zlib.compress(raw, 6)) if raw else 0
        self.frames += 1


CODE_SUFFIXES = (".js", ".mjs", ".css", ".woff", ".woff2", ".ttf", ".svg", ".png", ".ico", ".map")


def is_code(url: str) -> bool:
    """A response that is the app's code or style (same for every view), not the view's data."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    return path.endswith(CODE_SUFFIXES)


def count_wire(page: Any) -> WireCount:
    """Start counting ``page``'s received bytes (HTTP and WebSocket) through a CDP session."""
    counter = WireCount()
    cdp = page.context.new_cdp_session(page)
    cdp.on("Network.requestWillBeSent", counter.on_request)
    cdp.on("Network.loadingFinished", counter.on_loading_finished)
    cdp.on("Network.webSocketFrameReceived", counter.on_frame)
    cdp.send("Network.enable")
    page._isoloir_cdp = cdp  # noqa: SLF001 - kept alive with the page (network emulation uses it too)
    return counter


# -- servers -----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(command: list[str], log_path: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run a Streamlit server (``{port}`` in ``command`` is replaced) until the block ends; yields its URL."""
    port = _free_port()
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [part.replace("{port}", str(port)) for part in command], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True, env={**os.environ, "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none", **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {log_path.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def app_command(data_dir: Path) -> list[str]:
    return [sys.executable, "-m", "dashboard.cli", "run", "--data-dir", str(data_dir), "--port", "{port}", "--headless"]


def baseline_command(data_dir: Path, mode: str, communes: str) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(BENCH_DIR / "map_baseline_app.py"), "--server.port", "{port}",
            "--server.headless", "true", "--", "--data-dir", str(data_dir), "--mode", mode, "--communes", communes]


# -- log-in and paint detection --------------------------------------------------------------
def log_in(context: Any, url: str, user: str, password: str) -> None:
    """Log in through ``/connexion`` with the context's request API: the cookie lands in the context,
    nothing is loaded in (or cached by) the browser."""
    import re

    form = context.request.get(f"{url}/connexion")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text())
    if csrf is None:
        raise RuntimeError("no login form at /connexion")
    answer = context.request.post(
        f"{url}/connexion", form={"csrf": csrf.group(1), "next": "/", "username": user, "password": password},
        headers={"Origin": url}, max_redirects=0,
    )
    if not any(cookie["name"] == SESSION_COOKIE for cookie in context.cookies()) or answer.status >= 400:
        raise RuntimeError(f"log-in of {user} refused (HTTP {answer.status})")


def wait_idle(page: Any) -> None:
    page.wait_for_function(STREAMLIT_IDLE, timeout=TIMEOUT_MS, polling=100)


def wait_paint(page: Any, after: int) -> float:
    """Wait for the component's paint count to exceed ``after``; the time of that paint's mark (ms since navigation)."""
    page.wait_for_function(f"() => ({PAINTS})() > {after}", timeout=TIMEOUT_MS, polling="raf")
    return float(page.evaluate(f"""() => {{
        const marks = performance.getEntriesByName('isoloir-paint');
        return marks[{after}] ? marks[{after}].startTime : performance.now();
    }}"""))


def wait_gl_quiet(page: Any, draws_before: int) -> float:
    """Baselines: wait for WebGL draw calls, then QUIET_MS without any (and Streamlit idle); the last draw's time."""
    page.wait_for_function(
        f"""() => (window.__glDraws || 0) > {draws_before} && performance.now() - window.__glLast > {QUIET_MS}
             && ({STREAMLIT_IDLE})()""",
        timeout=TIMEOUT_MS, polling=100,
    )
    return float(page.evaluate("() => window.__glLast"))


def choose_measure(page: Any, measure: str) -> float:
    """Open the "Mesure" select box, then click ``measure``; the click's time (ms since navigation)."""
    option = page.get_by_role("option", name=measure, exact=True)
    for attempt in range(5):  # a rerun landing meanwhile (the map reporting its view) closes the list
        wait_idle(page)
        page.get_by_role("combobox", name=MEASURE_LABEL, exact=True).click()
        try:
            option.wait_for(timeout=15_000)
            break
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError: open the list again
            if attempt == 4:
                raise
            page.keyboard.press("Escape")
    started = float(page.evaluate("() => performance.now()"))
    option.click()
    return started


# -- one territory, one path ---------------------------------------------------------------------
@dataclass
class Runs:
    """Per-run figures of one path on one territory (seconds and bytes)."""

    first_paint_s: list[float] = field(default_factory=list)
    first_bytes: list[int] = field(default_factory=list)
    first_deflated: list[int] = field(default_factory=list)
    first_data: list[int] = field(default_factory=list)
    change_s: list[float] = field(default_factory=list)
    change_bytes: list[int] = field(default_factory=list)
    change_deflated: list[int] = field(default_factory=list)


def median(values: list[float] | list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


@dataclass(frozen=True)
class Target:
    """A page to time: how to start its server, where to go, whom to log in, how to see it painted."""

    command: list[str]
    path: str
    user: str | None
    password: str | None
    marker: bool  # True: the component's paint marker; False: WebGL draw calls (pydeck baselines)
    env: dict[str, str] = field(default_factory=dict)
    change_to: str = "En tête"  # the measure chosen for the measure change


def _open_and_time(context: Any, url: str, target: Target, runs: Runs | None, *, change: bool) -> None:
    page = context.new_page()
    try:
        wire = count_wire(page)
        page.goto(url + target.path, wait_until="commit", timeout=TIMEOUT_MS)
        if target.marker:
            painted_ms = wait_paint(page, 0)
        else:
            painted_ms = wait_gl_quiet(page, 0)
        wait_idle(page)
        if runs is None:
            return
        runs.first_paint_s.append(painted_ms / 1000)
        runs.first_bytes.append(wire.total)
        runs.first_deflated.append(wire.deflated_total)
        runs.first_data.append(wire.data)
        if VERBOSE:
            print(f"    first view: {wire.total} B, code {wire.code} B, WebSocket {wire.websocket} B; largest: "
                  + ", ".join(f"{url[-60:]} {size}" for url, size in sorted(wire.by_url.items(), key=lambda x: -x[1])[:4]))
        if not change:
            return
        paints = int(page.evaluate(PAINTS)) if target.marker else 0
        draws = int(page.evaluate("() => window.__glDraws || 0"))
        page.wait_for_timeout(QUIET_MS)  # late frames of the first view must not count as the change's
        wire.reset()
        started = choose_measure(page, target.change_to)
        repainted = wait_paint(page, paints) if target.marker else wait_gl_quiet(page, draws)
        wait_idle(page)
        runs.change_s.append((repainted - started) / 1000)
        runs.change_bytes.append(wire.total)
        runs.change_deflated.append(wire.deflated_total)
    finally:
        page.close()


def _context(browser: Any, url: str, target: Target, viewport: dict[str, int] | None = None, **options: Any) -> Any:
    context = browser.new_context(viewport=viewport or VIEWPORT, **options)
    context.add_init_script(GL_HOOK)
    if target.user:
        log_in(context, url, target.user, target.password or "")
    return context


def time_cold(browser: Any, target: Target, repeat: int, logs: Path) -> Runs:
    """A fresh server and an empty browser cache for each run."""
    runs = Runs()
    for index in range(repeat):
        with serve(target.command, logs / f"cold-{index}.log", target.env) as url:
            context = _context(browser, url, target)
            try:
                _open_and_time(context, url, target, runs, change=False)
            finally:
                context.close()
    return runs


def time_warm(browser: Any, target: Target, repeat: int, logs: Path) -> Runs:
    """One server warmed by an untimed opening, one browser context (cache kept): ``repeat`` timed openings,
    each followed by a measure change."""
    runs = Runs()
    with serve(target.command, logs / "warm.log", target.env) as url:
        context = _context(browser, url, target)
        try:
            _open_and_time(context, url, target, None, change=False)
            for _ in range(repeat):
                _open_and_time(context, url, target, runs, change=True)
        finally:
            context.close()
    return runs


# -- folium ------------------------------------------------------------------------------------
def leaflet_assets() -> dict[str, Path] | None:
    """Leaflet's script and style from the xstatic-leaflet package (None when it is not installed)."""
    try:
        import xstatic.pkg.leaflet as leaflet
    except ImportError:
        return None
    base = Path(leaflet.BASE_DIR)
    found = {name: next(iter(sorted(base.rglob(name))), None) for name in ("leaflet.js", "leaflet.css")}
    return found if all(found.values()) else None  # type: ignore[return-value]


def time_folium(browser: Any, pages: list[Path], stations: int, repeat: int, assets: dict[str, Path]) -> Runs:
    """Each HTML file opened in a fresh context; painted when Leaflet drew one SVG path per station."""
    runs = Runs()

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith("file:"):
            request_route.continue_()
            return
        for name, path in assets.items():
            if url.split("?")[0].endswith("/" + name):
                request_route.fulfill(path=str(path))
                return
        kind = "text/css" if url.split("?")[0].endswith(".css") else "application/javascript"
        request_route.fulfill(status=200, body="", content_type=kind)

    for _ in range(repeat):
        for index, html_path in enumerate(pages):
            context = browser.new_context(viewport=VIEWPORT)
            try:
                context.route("**/*", route)
                page = context.new_page()
                page.goto(html_path.as_uri(), wait_until="commit", timeout=TIMEOUT_MS)
                page.wait_for_function(
                    f"() => document.querySelectorAll('path.leaflet-interactive').length >= {stations}",
                    timeout=TIMEOUT_MS, polling="raf",
                )
                painted = float(page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(performance.now())))"))
                size = html_path.stat().st_size
                deflated = len(zlib.compress(html_path.read_bytes(), 6))
                if index == 0:
                    runs.first_paint_s.append(painted / 1000)
                    runs.first_bytes.append(size)
                    runs.first_data.append(size)
                    runs.first_deflated.append(deflated)
                else:  # the other measure: streamlit-folium sends the whole HTML again
                    runs.change_s.append(painted / 1000)
                    runs.change_bytes.append(size)
                    runs.change_deflated.append(deflated)
            finally:
                context.close()
    return runs


def folium_pages(data_dir: Path, communes: tuple[str, ...], work: Path) -> tuple[list[Path], int]:
    """The folium HTML of turnout, then of the winner ("En tête"), and the number of stations drawn."""
    from map_payload import MapSize, baseline_data, folium_payload

    from dashboard.maps.view import MapView
    from dashboard.warehouse.database import Warehouse, warehouse_path

    paths, stations = [], 0
    with Warehouse(warehouse_path(data_dir), read_only=True) as wh:
        for kind in ("turnout", "winner"):
            data = baseline_data(wh, MapView(election_id=ELECTION, kind=kind, communes=communes))
            stations = sum(1 for geometry in data.geometry if geometry is not None and not geometry.is_empty)
            path = work / f"folium-{kind}.html"
            path.write_text(folium_payload(data, MapSize()), encoding="utf-8")
            paths.append(path)
    return paths, stations


# -- phone -------------------------------------------------------------------------------------------
def time_phone(browser: Any, data_dir: Path, repeat: int, logs: Path) -> Runs:
    """The canvasser's Terrain map on a 390 x 844 touch screen over emulated 4G, empty cache, warm server."""
    runs = Runs()
    target = Target(app_command(data_dir), "/terrain", "canvasser", DEMO_PASSWORD.format("canvasser"), True,
                    {"ISOLOIR_BASEMAP": "aucun"})
    with serve(target.command, logs / "phone.log", target.env) as url:
        warm = _context(browser, url, target, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        try:
            _open_and_time(warm, url, target, None, change=False)  # the server's caches, not the browser's
        finally:
            warm.close()
        for _ in range(repeat):
            context = _context(browser, url, target, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
            try:
                page = context.new_page()
                wire = count_wire(page)
                page._isoloir_cdp.send("Network.emulateNetworkConditions", FOUR_G)  # noqa: SLF001
                page.goto(url + target.path, wait_until="commit", timeout=TIMEOUT_MS)
                runs.first_paint_s.append(wait_paint(page, 0) / 1000)
                wait_idle(page)
                runs.first_bytes.append(wire.total)
                runs.first_deflated.append(wire.deflated_total)
                runs.first_data.append(wire.data)
                page.close()
            finally:
                context.close()
    return runs


# -- data folders -----------------------------------------------------------------------------------
def prepare_brest(work: Path) -> Path | None:
    """Brest's official contours and leg2024 results (as map_payload.py imports them), plus a viewer account."""
    import map_payload

    case = map_payload.prepare_brest(work)
    if case is None:
        return None
    from dashboard.access import data_key
    from dashboard.store import CampaignStore
    from dashboard.store.users import add_user, get_user

    data_key.ensure(None, ROOT / data_key.SECRETS_FILE)  # as `isoloir run` does: the account's name is sealed
    store = CampaignStore(case.data_dir / "campaign.duckdb")
    try:
        if get_user(store, BENCH_USER) is None:
            add_user(store, BENCH_USER, BENCH_PASSWORD, "viewer", by="cli")
    finally:
        store.close()
    return case.data_dir


def prepare_city(work: Path) -> Path:
    from dashboard.demo.build import build_demo
    from dashboard.warehouse.database import warehouse_path

    data_dir = work / "city"
    if not warehouse_path(data_dir).exists():
        build_demo(data_dir, scale="city")
    return data_dir


# -- report --------------------------------------------------------------------------------------------
def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def figures_of(prefix: str, runs: Runs) -> dict[str, Any]:
    out: dict[str, Any] = {
        f"{prefix}_first_paint_s": _r(median(runs.first_paint_s)),
        f"{prefix}_first_bytes": None if not runs.first_bytes else int(median(runs.first_bytes) or 0),
        f"{prefix}_first_deflated_bytes": None if not runs.first_deflated else int(median(runs.first_deflated) or 0),
        f"{prefix}_first_data_bytes": None if not runs.first_data else int(median(runs.first_data) or 0),
    }
    if runs.change_s:
        out[f"{prefix}_measure_change_s"] = _r(median(runs.change_s))
        out[f"{prefix}_measure_change_bytes"] = int(median(runs.change_bytes) or 0)
        out[f"{prefix}_measure_change_deflated_bytes"] = int(median(runs.change_deflated) or 0)
    out[f"{prefix}_runs"] = len(runs.first_paint_s)
    return out


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 1)


PATHS = ("ours", "today", "naive", "folium")
CONTRACT_KEYS = ("france_first_paint_s", "france_measure_change_s", "france_measure_change_bytes", "brest_bytes",
                 "brest_folium_ratio", "brest_measure_change_bytes")


def summary(figures: dict[str, Any]) -> dict[str, Any]:
    """The issue's keys (null when not measured), from the detailed figures; then every figure."""
    get = figures.get
    headline = {
        # France: first paint warm (the aim is <= 1.5 s warm, <= 3 s cold: both are in the details)
        "france_first_paint_s": get("france_warm_first_paint_s"),
        "france_measure_change_s": get("france_warm_measure_change_s"),
        "france_measure_change_bytes": get("france_warm_measure_change_bytes"),
        # Brest: the first view's bytes besides the app's code (WebSocket + data responses), empty browser cache,
        # against folium's HTML (its Leaflet code not counted either)
        "brest_bytes": get("brest_cold_first_data_bytes"),
        "brest_folium_ratio": ratio(get("brest_folium_first_bytes"), get("brest_cold_first_data_bytes")),
        "brest_measure_change_bytes": get("brest_warm_measure_change_bytes"),
        "brest_folium_change_ratio": ratio(get("brest_folium_measure_change_bytes"), get("brest_warm_measure_change_bytes")),
    }
    return {**headline, **{key: value for key, value in figures.items() if key not in headline}}


def _cell(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s".replace(".", ",")
    return f"{int(value):,}".replace(",", " ") + " o"


def table(figures: dict[str, Any], rows: list[tuple[str, str]]) -> str:
    head = (f"{'':32} {'1re peinture':>12} {'octets':>12} {'dont données':>12} {'chg. mesure':>12} "
            f"{'octets chg.':>12} {'runs':>5}")
    lines = [head, "-" * len(head)]
    for prefix, label in rows:
        if f"{prefix}_runs" not in figures:
            continue
        lines.append(
            f"{label:32} {_cell(figures.get(f'{prefix}_first_paint_s'), 's'):>12} "
            f"{_cell(figures.get(f'{prefix}_first_bytes'), 'o'):>12} "
            f"{_cell(figures.get(f'{prefix}_first_data_bytes'), 'o'):>12} "
            f"{_cell(figures.get(f'{prefix}_measure_change_s'), 's'):>12} "
            f"{_cell(figures.get(f'{prefix}_measure_change_bytes'), 'o'):>12} {figures[f'{prefix}_runs']:>5}"
        )
    return "\n".join(lines)


ROWS = [
    ("france_cold", "France, ours, cold"), ("france_warm", "France, ours, warm"),
    ("france_today_cold", "France, today's path, cold"), ("france_today_warm", "France, today's path, warm"),
    ("brest_cold", "Brest, ours, cold"), ("brest_warm", "Brest, ours, warm"),
    ("brest_today_cold", "Brest, today's path, cold"), ("brest_today_warm", "Brest, today's path, warm"),
    ("brest_naive_cold", "Brest, naive GeoJSON, cold"), ("brest_naive_warm", "Brest, naive GeoJSON, warm"),
    ("brest_folium", "Brest, folium (file)"),
    ("phone", "Phone 4G, Terrain turf"),
]


# -- main -----------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national-dir", type=Path, help="a national demo data folder (isoloir demo --scale national)")
    parser.add_argument("--quick", action="store_true", help="one run of each (default: median of 5)")
    parser.add_argument("--repeat", type=int, help="runs per figure (default 5, 1 with --quick)")
    parser.add_argument("--work-dir", type=Path, help="where Brest is imported and the demo city built (kept)")
    parser.add_argument("--skip-phone", action="store_true")
    parser.add_argument("--skip-brest", action="store_true")
    parser.add_argument("--paths", default=",".join(PATHS),
                        help=f"comma-separated subset of {','.join(PATHS)} (default: all; naive and folium on Brest only)")
    parser.add_argument("--verbose", action="store_true", help="print the largest responses of each first view")
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 5
    args.paths = [path.strip() for path in args.paths.split(",") if path.strip()]
    if set(args.paths) - set(PATHS):
        parser.error(f"--paths: unknown {', '.join(sorted(set(args.paths) - set(PATHS)))}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.national_dir is not None and not (args.national_dir / "warehouse.duckdb").exists():
        parser.error(f"--national-dir {args.national_dir}: no warehouse.duckdb there")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    global VERBOSE  # noqa: PLW0603 - a print switch
    VERBOSE = args.verbose
    if not CHROMIUM.exists():
        raise SystemExit("Debian's Chromium (/usr/bin/chromium) is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="map-browser-"))
    work.mkdir(parents=True, exist_ok=True)
    logs = work / "logs"
    figures: dict[str, Any] = {"repeat": args.repeat}
    started = time.perf_counter()
    brest = None if args.skip_brest else prepare_brest(work)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            territories: list[tuple[str, Path, str, str]] = []
            if args.national_dir is None:
                print("France: skipped (pass --national-dir DIR holding a national demo)", flush=True)
            else:
                territories.append(("france", args.national_dir, "", "viewer"))
            if brest is None:
                print("Brest: skipped" + ("" if args.skip_brest else " (no shared sample data ../shared/data)"), flush=True)
            else:
                territories.append(("brest", brest, BREST_COMMUNE, BENCH_USER))
            for key, data_dir, communes, user in territories:
                password = BENCH_PASSWORD if user == BENCH_USER else DEMO_PASSWORD.format(user)
                query = f"/carte?election={ELECTION}" + (f"&communes={communes}" if communes else "")
                change_to = CHANGED_MEASURE[key]
                figures[f"{key}_changed_measure"] = change_to
                ours = Target(app_command(data_dir), query, user, password, True, {"ISOLOIR_BASEMAP": "aucun"}, change_to)
                paths = [("", ours)] if "ours" in args.paths else []
                if "today" in args.paths:
                    paths.append(("_today", Target(baseline_command(data_dir, "today", communes), "/", None, None, False,
                                                   change_to=change_to)))
                if "naive" in args.paths and key == "brest":  # France's full-precision GeoJSON: hundreds of MB
                    paths.append(("_naive", Target(baseline_command(data_dir, "naive", communes), "/", None, None, False,
                                                   change_to=change_to)))
                for suffix, target in paths:
                    for mode, timer in (("cold", time_cold), ("warm", time_warm)):
                        prefix = f"{key}{suffix}_{mode}"
                        (logs / prefix).mkdir(parents=True, exist_ok=True)
                        print(f"{prefix}…", flush=True)
                        figures.update(figures_of(prefix, timer(browser, target, args.repeat, logs / prefix)))
                if key == "brest" and "folium" in args.paths:
                    assets = leaflet_assets()
                    if assets is None:
                        print('Brest folium: skipped (pip install -e ".[bench]" for folium and xstatic-leaflet)')
                    else:
                        print("brest_folium…", flush=True)
                        pages, stations = folium_pages(data_dir, (communes,), work)
                        figures["brest_stations"] = stations
                        figures.update(figures_of("brest_folium", time_folium(browser, pages, stations, args.repeat, assets)))
            if args.skip_phone:
                print("Phone: skipped", flush=True)
            else:
                phone_dir = args.national_dir or prepare_city(work)
                (logs / "phone").mkdir(parents=True, exist_ok=True)
                print("phone…", flush=True)
                figures["phone_profile"] = "4 Mbit/s down, 3 Mbit/s up, 20 ms; 390 x 844, touch"
                figures.update(figures_of("phone", time_phone(browser, phone_dir, args.repeat, logs / "phone")))
        finally:
            browser.close()
    if args.work_dir is None:
        shutil.rmtree(work, ignore_errors=True)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    result = summary(figures)
    print(table(result, ROWS))
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
