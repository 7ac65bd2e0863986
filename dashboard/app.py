"""Streamlit entry point: login, then navigation across the pages the user's role allows.

Every page has a stable path (``/carte``, ``/presentation``, ``/donnees``,
``/terrain``, ``/admin``; the targeting and zones issues add ``/cibles`` and
``/zones``). Every page is registered on every run, so the address asked for
(a deep link, a shared view's query parameters) survives the login page; the
pages a role may not open are hidden from its navigation and, reached by
address, show a refusal without running (``dashboard.auth.may_open``). The
site root is a hidden page that forwards to the role's landing page, carrying
the query parameters.
"""

from __future__ import annotations

import streamlit as st

from dashboard import auth
from dashboard.errors import IsoloirError
from dashboard.store import users
from dashboard.ui import data, session
from dashboard.ui.navigation import PAGES_DIR, existing_pages


st.set_page_config(page_title="Isoloir", page_icon="🗳️", layout="wide")

try:
    territory = data.territory()
    data.warehouse()
    authenticator = session.authenticator()
except IsoloirError as error:
    st.error(error.message_fr)
    st.stop()

user = session.current_user(authenticator)
if user is not None and session.logout_requested():
    session.logout(authenticator, user)
    user = None

if territory:
    st.warning(
        f"**Territoire de démonstration** ({territory}) : toutes les données affichées sont **fictives** "
        "(communes, bureaux, résultats, adresses) et ne décrivent aucun lieu réel.",
        icon=":material/science:",
    )

allowed = auth.pages_for(user.role) if user else []
pages = {
    key: st.Page(str(PAGES_DIR / page.file), title=page.title, icon=page.icon, url_path=key,
                 visibility="visible" if key in allowed else "hidden")
    for key, page in existing_pages().items()
}


def _home() -> None:
    assert user is not None
    st.switch_page(pages[auth.landing_page(user.role)], query_params=st.query_params.to_dict())


home = st.Page(_home, title="Accueil", url_path="accueil", default=True, visibility="hidden")
navigation = st.navigation([home, *pages.values()], position="sidebar" if user else "hidden")

if user is None:
    if users.has_admin(data.campaign()):
        session.login_form()
    else:
        session.first_run_form()
    st.stop()

session.account_panel(authenticator, user)
requested = navigation.url_path or "accueil"
if requested != "accueil" and not auth.may_open(user.role, requested):
    st.title("Accès refusé")
    rule = auth.PAGES.get(requested)
    if rule and auth.permission(user.role, rule.action) is auth.Grant.OWN_ZONES:
        reason = "elle couvre tout le territoire, et ce rôle ne voit que ses propres zones"
    else:
        reason = auth.ACTIONS[rule.action] if rule else "page inconnue"
    st.error(f"Cette page n'est pas ouverte au rôle « {user.role_label} » ({reason}).", icon=":material/block:")
    st.page_link(pages[auth.landing_page(user.role)], label="Revenir à l'accueil", icon=":material/home:")
    st.stop()
navigation.run()
