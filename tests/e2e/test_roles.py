"""Login and roles in a real browser: what each role sees, refusals by address, deep links,
the session cookie (other tabs, logout, a copied cookie, forged cookies) and no secret in the pages
or the server log.

One app server for the module, on a private copy of the demo data (the audit log is read here).
The tests that open pages by address come last: ``-x`` then still runs the others first.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import jwt
import pytest

from dashboard.access import permissions
from dashboard.ui import navigation
from tests.conftest import TEST_COOKIE_KEY
from tests.e2e.conftest import ARTIFACTS, MAP, MAP_CANVAS, log_in, read_store, start_app, stop_app, wait_until_idle
from tests.security.conftest import Client

pytestmark = pytest.mark.e2e

ROLES = list(permissions.ROLES)  # admin, candidate, strategist, canvasser, viewer
COOKIE = "isoloir_session"
SESSION_SECONDS = 12 * 3600  # the default session length, set explicitly for the server below
LOGIN_TITLE = "Isoloir — connexion"
REFUSED = "Accès refusé"
VIEWPORT = {"width": 1400, "height": 1000}
# What a refusal page may hold: the cookie component, the demo warning and the refusal, its title,
# the link back; in the sidebar, the account caption and the logout button (the popover is no element).
REFUSAL_MAIN = {"stCustomComponentV1", "stAlert", "stHeading", "stPageLink"}
REFUSAL_SIDEBAR = {"stMarkdown", "stButton"}


# page key -> (file, title, icon), in navigation order; the app registers only the pages whose file
# exists (pages still to come, e.g. cibles and zones, are listed but absent). A plain module: importing
# it runs no Streamlit script.
PAGE_FILES = navigation.PAGE_FILES
REGISTERED = list(navigation.existing_pages())


def expected_pages(role: str) -> list[str]:
    """The pages in the role's navigation, in the app's order."""
    allowed = permissions.pages_for(role)
    return [key for key in REGISTERED if key in allowed]


@dataclass(frozen=True)
class App:
    url: str
    data_dir: Path

    @property
    def campaign(self) -> Path:
        return self.data_dir / "campaign.duckdb"

    @property
    def log(self) -> Path:
        return ARTIFACTS / f"server-{urlparse(self.url).port}.log"


@pytest.fixture(scope="module")
def app(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """A private copy of the demo data (this module reads its audit log), served by `isoloir run`."""
    data_dir = tmp_path_factory.mktemp("roles")
    for name in ("warehouse.duckdb", "campaign.duckdb"):
        shutil.copy2(demo_dir / name, data_dir / name)
    # the session length is the default one; set here so that a developer's environment cannot change it
    process, url = start_app(data_dir, env={"ISOLOIR_BASEMAP": "aucun", "ISOLOIR_SESSION_HOURS": "12"})
    yield App(url, data_dir)
    stop_app(process)


@contextmanager
def fresh_context(browser) -> Iterator[object]:  # noqa: ANN001 - Playwright objects
    """A browser context of its own: no cookie from another test."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield context
    finally:
        context.close()


# -- reading the page ----------------------------------------------------------------------------

def settle(page, selector: str = '[data-testid="stMain"] h1') -> None:  # noqa: ANN001
    """Wait until the page has drawn a title and Streamlit is idle, twice (a page may rerun itself)."""
    page.locator(selector).first.wait_for(state="attached", timeout=60_000)
    wait_until_idle(page)
    wait_until_idle(page)


def path_of(page) -> str:  # noqa: ANN001
    return urlparse(page.url).path


def titles(page) -> list[str]:  # noqa: ANN001
    return [text.strip() for text in page.locator('[data-testid="stMain"] h1').all_inner_texts()]


def nav_titles(page) -> list[str]:  # noqa: ANN001
    """The page titles of the sidebar navigation (the icon's ligature is a separate span)."""
    links = page.locator('[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]')
    return [str(links.nth(i).locator("span[label]").first.get_attribute("label")) for i in range(links.count())]


def element_kinds(page, area: str) -> list[str]:  # noqa: ANN001
    """The kind (data-testid) of every element Streamlit drew in ``area`` (stMain or stSidebar)."""
    return page.evaluate(
        """(area) => Array.from(document.querySelectorAll(`[data-testid="${area}"] [data-testid="stElementContainer"]`))
             .map(e => { const c = e.firstElementChild;
                         return (c && (c.getAttribute('data-testid')
                                       || (c.firstElementChild && c.firstElementChild.getAttribute('data-testid')))) || '?'; })""",
        area,
    )


def logged_in_as(page) -> str:  # noqa: ANN001
    """The account caption of the sidebar (``Démo … (user) — role``)."""
    return page.locator('[data-testid="stSidebar"] [data-testid="stCaptionContainer"]').first.inner_text()


def assert_login_page(page, why: str) -> None:  # noqa: ANN001
    """The login page (plain HTML at /connexion), and nothing of the app behind it."""
    assert path_of(page) == "/connexion", f"{why}: expected the login page, got {page.url}"
    assert page.locator("h1").first.inner_text().strip() == LOGIN_TITLE, why
    assert page.get_by_label("Nom d'utilisateur").is_visible() and page.get_by_label("Mot de passe").is_visible(), why
    assert page.locator('[data-testid="stApp"]').count() == 0, f"{why}: the Streamlit app is drawn"
    assert page.get_by_text("Se déconnecter").count() == 0, f"{why}: the logout button is drawn"


def open_login_page(page, url: str) -> None:  # noqa: ANN001
    page.goto(url)
    page.get_by_label("Nom d'utilisateur").wait_for(timeout=60_000)


# -- reading the campaign store (read-only, beside the running app) ------------------------------


def row_counts(path: Path) -> dict[str, int]:
    """Rows of every table of the campaign store (users, zones, contacts, views, audit log…)."""
    tables = [row[0] for row in read_store(path, "SELECT table_name FROM information_schema.tables ORDER BY table_name")]
    counts = read_store(path, " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables))
    return {name: int(count) for name, count in counts}


def last_audit_id(path: Path) -> int:
    return int(read_store(path, "SELECT coalesce(max(id), 0) FROM audit_log")[0][0])


def audit_since(path: Path, after_id: int) -> list[dict[str, object]]:
    rows = read_store(path, f"SELECT id, user_name, action, object_id, detail, outcome FROM audit_log WHERE id > {int(after_id)} ORDER BY id")
    return [
        {"id": r[0], "user": r[1], "action": r[2], "object": r[3], "detail": json.loads(r[4]) if r[4] else {}, "outcome": r[5]}
        for r in rows
    ]


def token(user_name: str, exp_date: float, key: str = TEST_COOKIE_KEY) -> str:
    return jwt.encode({"username": user_name, "exp_date": exp_date}, key, algorithm="HS256")


def session_cookie(context) -> dict | None:  # noqa: ANN001
    return next((c for c in context.cookies() if c["name"] == COOKIE), None)


# -- 5. no secret in the pages nor in the server log ---------------------------------------------

def test_no_password_hash_nor_session_token_in_pages_or_server_log(browser, app: App) -> None:
    secrets = {"bcrypt hash prefix": "$2b$", "old cookie signing key": TEST_COOKIE_KEY}
    seen: list[str] = []
    with fresh_context(browser) as context:
        page = context.new_page()
        open_login_page(page, f"{app.url}/")
        pages = {"connexion": page.content()}
        log_in(page, "admin")
        settle(page)
        cookie = session_cookie(context)
        assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict", cookie
        secrets["session token"] = cookie["value"]
        # moved by the navigation's links, in the same browser session: every page of the admin role
        for key in expected_pages("admin"):
            page.locator('[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]', has_text=PAGE_FILES[key].title).click()
            page.wait_for_url(f"**/{key}*", timeout=30_000)
            settle(page)
            assert REFUSED not in titles(page), f"the admin is refused the page {key}"
            # the page and its frames (components: the cookie manager receives the browser's cookies)
            pages[key] = "\n".join(frame.content() for frame in page.frames)
            seen.append(key)
            if key == "presentation":
                # the presentation opens full screen (no sidebar): leave it as a presenter would
                page.get_by_text("Plein écran").click()
                page.locator('[data-testid="stSidebarNav"]').wait_for(state="visible", timeout=30_000)
                settle(page)
        assert seen == expected_pages("admin")
        for key, html in pages.items():
            for what, secret in secrets.items():
                assert secret not in html, f"the {what} appears in the HTML of the page {key}"
    log = app.log.read_text(encoding="utf-8", errors="replace")
    assert log, f"empty server log {app.log}"
    for what, secret in secrets.items():
        assert secret not in log, f"the {what} appears in the server log {app.log}"


# -- 3. the session cookie: other tabs, logout, a copied cookie ------------------------------------

def test_cookie_logs_in_other_tabs_and_logout_ends_it_everywhere(browser, app: App) -> None:
    with fresh_context(browser) as context:
        page = context.new_page()
        open_login_page(page, f"{app.url}/")
        log_in(page, "strategist")
        settle(page)
        cookie = session_cookie(context)
        assert cookie is not None, f"no {COOKIE} cookie after logging in: {[c['name'] for c in context.cookies()]}"
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict", cookie  # not readable by JavaScript
        assert page.evaluate("document.cookie").find(COOKIE) < 0
        assert abs(float(cookie["expires"]) - (time.time() + SESSION_SECONDS)) < 300, cookie

        # another tab of the same browser: logged in by the cookie, without the form
        other = context.new_page()
        other.goto(f"{app.url}/carte")
        settle(other)
        assert "(strategist)" in logged_in_as(other)
        assert nav_titles(other) == [PAGE_FILES[key].title for key in expected_pages("strategist")]

        before = last_audit_id(app.campaign)
        page.get_by_role("button", name="Se déconnecter").click()
        page.get_by_text("Vous êtes déconnecté.").wait_for(timeout=30_000)
        page.get_by_text("Se reconnecter").first.wait_for(timeout=30_000)
        assert any(r["action"] == "logout" and r["user"] == "strategist" for r in audit_since(app.campaign, before))

        # the other tab, still open: its next click finds the session ended
        other.locator('[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]').last.click()
        other.get_by_text("Session fermée : reconnectez-vous.").first.wait_for(timeout=30_000)
        other.close()

        # a copied cookie, in a fresh browser: useless
        with fresh_context(browser) as thief:
            thief.add_cookies([{"name": COOKIE, "value": cookie["value"], "url": app.url}])
            stolen = thief.new_page()
            stolen.goto(f"{app.url}/carte")
            stolen.get_by_label("Nom d'utilisateur").wait_for(timeout=60_000)
            assert_login_page(stolen, "a copied cookie after logout")

        # a new tab after the logout: the login form
        after = context.new_page()
        after.goto(f"{app.url}/carte")
        after.get_by_label("Nom d'utilisateur").wait_for(timeout=60_000)
        assert_login_page(after, "a new tab after logging out")
        after.close()


# -- 4. forged cookies --------------------------------------------------------------------------

def _unsigned(claims: dict) -> str:
    import base64

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


FORGED = {
    "old_jwt_cookie": lambda now: token("admin", now + 3600),
    "alg_none": lambda now: _unsigned({"username": "admin", "exp_date": now + 3600}),
    "hs512": lambda now: jwt.encode({"username": "admin", "exp_date": now + 3600}, "k" * 64, algorithm="HS512"),
    "random_token": lambda now: "Zm9yZ2VkLXRva2VuLW9mLTQzLWNoYXJhY3RlcnMtbG9uZw",
}


@pytest.mark.parametrize("case", list(FORGED))
def test_forged_cookie_is_refused(browser, app: App, case: str) -> None:
    before = last_audit_id(app.campaign)
    with fresh_context(browser) as context:
        context.add_cookies([{"name": COOKIE, "value": FORGED[case](time.time()), "url": app.url}])
        page = context.new_page()
        page.goto(f"{app.url}/carte")
        page.get_by_label("Nom d'utilisateur").wait_for(timeout=60_000)
        assert_login_page(page, f"forged cookie ({case})")
        assert "Traceback" not in page.content()
    assert audit_since(app.campaign, before) == [], "a refused cookie wrote to the audit log"


def test_valid_cookie_logs_in_without_the_form(browser, app: App) -> None:
    """Positive control of the forged cookies: a real session's token, set in a fresh browser, logs in."""
    client = Client(app.url)
    assert client.log_in("admin", "demo-admin").status == 303
    with fresh_context(browser) as context:
        context.add_cookies([{"name": COOKIE, "value": client.jar[COOKIE], "url": app.url}])
        page = context.new_page()
        page.goto(f"{app.url}/carte")
        page.get_by_text("Se déconnecter").wait_for(state="attached", timeout=60_000)
        settle(page)
        assert page.get_by_label("Nom d'utilisateur").count() == 0
        assert "(admin)" in logged_in_as(page)
        assert nav_titles(page) == [PAGE_FILES[key].title for key in expected_pages("admin")]


# -- 1. each role: navigation, landing page, refusals by address ---------------------------------

def assert_refused(page, key: str, role: str) -> None:  # noqa: ANN001
    """The page asked for by address shows the refusal, and nothing of the page ran."""
    assert path_of(page) == f"/{key}", (
        f"{role} asked for /{key} by address and ended on {page.url}: the address asked for was lost"
    )
    assert titles(page) == [REFUSED], f"{role} on /{key}: titles {titles(page)}"
    assert f"« {permissions.role_label(role)} »" in page.locator('[data-testid="stMain"] [data-testid="stAlert"]').last.inner_text()
    main, sidebar = set(element_kinds(page, "stMain")), set(element_kinds(page, "stSidebar"))
    assert main <= REFUSAL_MAIN, f"{role} on /{key}: the page drew {main - REFUSAL_MAIN}"
    assert sidebar <= REFUSAL_SIDEBAR, f"{role} on /{key}: the sidebar holds {sidebar - REFUSAL_SIDEBAR}"
    assert page.locator(f'{MAP}, [data-testid="stDataFrame"]').count() == 0


@pytest.mark.parametrize("role", ROLES)
def test_role_sees_its_pages_and_is_refused_the_others(browser, app: App, role: str) -> None:
    allowed = expected_pages(role)
    forbidden = [key for key in REGISTERED if key not in allowed]
    with fresh_context(browser) as context:
        page = context.new_page()
        open_login_page(page, f"{app.url}/")
        log_in(page, role)
        settle(page)
        assert nav_titles(page) == [PAGE_FILES[key].title for key in allowed]
        assert path_of(page) == f"/{permissions.landing_page(role)}", f"{role} landed on {page.url}"
        assert REFUSED not in titles(page) and f"({role})" in logged_in_as(page)
        if permissions.landing_page(role) == "carte":
            page.locator(MAP_CANVAS).first.wait_for(timeout=60_000)
            wait_until_idle(page)
        page.screenshot(path=str(ARTIFACTS / f"role_{role}.png"), full_page=True)

        counts, last_id = row_counts(app.campaign), last_audit_id(app.campaign)
        for key in forbidden:
            page.goto(f"{app.url}/{key}")
            settle(page)
            if key == forbidden[0]:
                page.screenshot(path=str(ARTIFACTS / f"role_{role}_refus_{key}.png"), full_page=True)
            assert_refused(page, key, role)

        # each refused address is audited (issue 12, row 12); nothing else may be written
        added = audit_since(app.campaign, last_id)
        others = [row for row in added if (row["action"], row["user"], row["outcome"]) != ("permission_denied", role, "denied")]
        assert others == [], f"refused visits wrote to the audit log: {others}"
        assert {row["object"] for row in added} == set(forbidden), added
        after = row_counts(app.campaign)
        assert {t: n for t, n in after.items() if t != "audit_log"} == {t: n for t, n in counts.items() if t != "audit_log"}


# -- 2. a deep link survives the login page ------------------------------------------------------

def test_deep_link_survives_the_login_page(browser, app: App) -> None:
    with fresh_context(browser) as context:
        page = context.new_page()
        page.goto(f"{app.url}/carte?election=pres2022_t1&mesure=share&cible=centre")
        page.get_by_label("Nom d'utilisateur").wait_for(timeout=60_000)
        assert_login_page(page, "a deep link, logged out")
        log_in(page, "viewer")
        settle(page)
        page.screenshot(path=str(ARTIFACTS / "role_deep_link.png"), full_page=True)
        assert path_of(page) == "/carte", f"the deep link ended on {page.url}"
        heading = titles(page)[0] if titles(page) else ""
        assert "Présidentielle 2022 — 1er tour" in heading, f"heading {heading!r} at {page.url}"
        assert "election=pres2022_t1" in page.url and "cible=centre" in page.url, page.url
