"""Streamlit entry point: login, then navigation across the pages the user's role allows.

Every page has a stable path (``/carte``, ``/presentation``, ``/donnees``,
``/terrain``, ``/admin``; the targeting and zones issues add ``/cibles`` and
``/zones``). Every page is registered on every run, so the address asked for
(a deep link, a shared view's query parameters) survives the login page; the
pages a role may not open are hidden from its navigation and, reached by
address, show a refusal without running (``dashboard.access.permissions.may_open``). The
site root is a hidden page that forwards to the role's landing page, carrying
the query parameters.
"""

from __future__ import annotations

from urllib.parse import urlparse

import streamlit as st

from dashboard.access import permissions
from dashboard.errors import IsoloirError
from dashboard.text import plain
from dashboard.store import audit
from dashboard.ui import admin_panel, data, session, style, two_factor_panel
from dashboard.ui.navigation import PAGES_DIR, existing_pages


st.set_page_config(page_title="Isoloir", page_icon="🗳️", layout="wide")

_OPENED = "isoloir_session_opened"
_LAST = "isoloir_last_page"  # (page key, query parameters) of the page this browser session is on

# A fresh page load sends the address's page with its first run only; a rerun the browser asks for
# before it has learnt that page comes back without it and resolves to the site root. So the page is
# read from the address at the very start of the session's first run, before anything can interrupt
# it; the root forwards to the page this session is on, and only a new session starts at the
# role's landing page.
if not st.session_state.get(_OPENED):
    st.session_state[_OPENED] = True
    opened_at = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    if opened_at in existing_pages():
        st.session_state[_LAST] = (opened_at, st.query_params.to_dict())

try:
    territory = data.territory()
    data.warehouse()
except IsoloirError as error:
    st.error(plain(error.message_fr))
    st.stop()

# The session gate (dashboard/web/auth.py) opens this script's websocket only with a valid session;
# the session is looked up again on every run, so a logout, a revocation, a disabled account or a
# changed role applies at the next click.
user = session.current_user()

style.inject()
if territory:
    style.demo_banner(territory)
if user is not None and not two_factor_panel.enrolment_gate(user):  # must enrol first: nothing else is drawn
    st.stop()
if user is not None:  # the admins are warned of the coming purge on every page
    admin_panel.purge_banner(user)

allowed = permissions.pages_for(user.role, user.rights) if user else []


def _refuse(key: str) -> None:
    """What a page the role may not open shows instead of running its file (reached by address)."""
    assert user is not None
    try:  # a page refused by address is audited with the client's address
        audit.record(data.campaign(), user, "permission_denied", "page", key,
                     {"page": key, "client": st.context.ip_address or "inconnue"}, "denied")
    except IsoloirError:
        pass
    st.title("Accès refusé")
    rule = permissions.PAGES.get(key)
    if rule and permissions.permission(user.role, rule.action, user.rights) is permissions.Grant.OWN_ZONES:
        reason = "elle couvre tout le territoire, et ce rôle ne voit que ses propres zones"
    else:
        reason = permissions.ACTIONS[rule.action] if rule else "page inconnue"
    st.error(f"Cette page n'est pas ouverte au rôle « {user.role_label} » ({reason}).", icon=":material/block:")
    st.page_link(pages[permissions.landing_page(user.role, user.rights)], label="Revenir à l'accueil", icon=":material/home:")


# Every page is registered under its own path on every run, so the address asked for survives the
# login page; the pages a role may not open are hidden from its navigation.
pages = {
    key: st.Page(str(PAGES_DIR / page.file), title=page.title, icon=page.icon, url_path=key,
                 visibility="visible" if key in allowed else "hidden")
    for key, page in existing_pages().items()
}


def _arrived() -> None:
    """After a page's run: keep the query parameters it left in the address (a view's link)."""
    if navigation.url_path not in ("", "accueil"):
        st.session_state[_LAST] = (navigation.url_path, st.query_params.to_dict())


def _home() -> None:
    assert user is not None
    last = st.session_state.get(_LAST)
    if last and last[0] in pages:  # the page this session is on (a rerun that lost its address)
        st.switch_page(pages[last[0]], query_params=last[1])
    st.switch_page(pages[permissions.landing_page(user.role, user.rights)], query_params=st.query_params.to_dict())


home = st.Page(_home, title="Accueil", url_path="accueil", default=True, visibility="hidden")
navigation = st.navigation([home, *pages.values()], position="sidebar" if user else "hidden")

if navigation.url_path not in ("", "accueil"):
    st.session_state[_LAST] = (navigation.url_path, st.query_params.to_dict())

if user is None:
    session.closed()
    st.stop()

session.account_panel(user, two_factor_panel.account_section)  # « Double authentification » inside « Mon compte »
requested = navigation.url_path or "accueil"
if requested != "accueil" and not permissions.may_open(user.role, requested, user.rights):
    _refuse(requested)  # the page's file does not run
    st.stop()
try:
    navigation.run()
except IsoloirError as error:  # a refusal or a busy store that a page let through: said in French, no traceback
    st.error(plain(error.message_fr))
finally:
    _arrived()
