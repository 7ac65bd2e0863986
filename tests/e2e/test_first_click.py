"""Issue 13: « the first click on Élection is lost after a page load ».

The login cookie used to be kept by a cookie component mounted on every run; its first answer made the
browser ask for a second run 0.5-5 s after the page loaded, which redrew the sidebar and swallowed a
click made meanwhile (an open select box closed). The cookie is now set by the server at login
(HttpOnly) and nothing in the page answers back, so the first click after a fresh load is applied.
"""

from __future__ import annotations

from tests.e2e.conftest import log_in, wait_until_idle

LANDING = "Participation — Législatives 2024 — 2d tour"
CHOSEN = "Présidentielle 2022 — 1er tour"


def test_first_click_on_election_after_a_fresh_load_is_applied(browser, demo_app: str) -> None:
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    try:
        page = context.new_page()
        page.goto(f"{demo_app}/carte")
        log_in(page, "viewer")
        page.get_by_role("heading", name=LANDING).wait_for(timeout=60_000)
        wait_until_idle(page)
        fresh = context.new_page()  # a fresh page load of /carte, logged in by the cookie
        page.close()
        sent: list[int] = []  # what the browser sends on Streamlit's websocket
        fresh.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))
        fresh.goto(f"{demo_app}/carte")
        fresh.get_by_role("heading", name=LANDING).wait_for(timeout=60_000)
        box = fresh.get_by_role("combobox", name="Élection", exact=True)
        box.wait_for(timeout=60_000)
        fresh.wait_for_timeout(5_000)  # the window in which the old cookie component answered
        # Before any user action the browser asked for one run only (the page's own); the old cookie
        # component sent a second message here (its value), whose rerun swallowed the user's click.
        assert len(sent) == 1, f"the page asked for {len(sent)} runs by itself: {sent}"
        box.click()  # the FIRST click
        option = fresh.get_by_role("option", name=CHOSEN, exact=True)
        option.wait_for(timeout=10_000)
        option.click()
        fresh.get_by_role("heading", name=f"Participation — {CHOSEN}").wait_for(timeout=60_000)
        wait_until_idle(fresh)
        assert "election=pres2022_t1" in fresh.url, fresh.url
    finally:
        context.close()
