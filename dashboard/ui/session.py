"""Who is using the app, inside Streamlit: the server-side session of the browser's cookie.

The login itself is plain HTTP (:mod:`dashboard.web.auth`: ``/connexion`` sets the HttpOnly cookie
``isoloir_session``, ``/deconnexion`` ends it), and the session gate lets the Streamlit websocket
open only with a valid session. Here, on EVERY run, the cookie's token (``st.context.cookies``) is
looked up in the store (:func:`dashboard.store.sessions.lookup`), which re-reads the account: a
revoked or expired session, a disabled account or a changed role apply at the next click. No cookie
component is mounted (its first answer used to trigger a second run that swallowed the user's
first click), and nothing here writes a cookie.

AppTest has no cookies: :func:`tests.apptest.log_in` opens a real session in the store and puts its
token under :data:`TOKEN_KEY` in the session state, which only server code can write; the token is
looked up in the store exactly like the cookie's.

Streamlit state only; the rules live in :mod:`dashboard.access.permissions` and
:mod:`dashboard.store`.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard.errors import IsoloirError
from dashboard.store import sessions, users
from dashboard.store.users import User
from dashboard.access.data_key import DataKeyError
from dashboard.text import plain, sentence
from dashboard.ui import data

COOKIE_NAME = "isoloir_session"
TOKEN_KEY = "isoloir_session_token"  # AppTest only (no cookies there): a token looked up like the cookie's
_ENDED = "isoloir_session_ended"  # French notice: this browser session's login ended (logout, password change)
LOGIN_URL = "/connexion"


def _token() -> str | None:
    try:
        token = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # noqa: BLE001 - no request context
        token = None
    if not isinstance(token, str) or not token:  # AppTest's context is a mock: no cookie there
        token = st.session_state.get(TOKEN_KEY)
    return token if isinstance(token, str) else None


def valid_user() -> User | None:
    """The user of this browser's session if it is still valid (not revoked nor expired, account
    active, role as it is now in the store), else None. For the app and for widget callbacks."""
    if st.session_state.get(_ENDED):
        return None
    try:
        return sessions.lookup(data.campaign(), _token())
    except DataKeyError:
        raise  # a wrong or missing data key is said, never taken for a closed session
    except IsoloirError:
        return None


def current_user() -> User | None:
    """The logged-in user of this run; None to show :func:`closed`. A wrong or missing data key stops
    the run on its French message (the accounts cannot be read without it)."""
    try:
        return valid_user()
    except DataKeyError as error:
        st.error(plain(error.message_fr), icon=":material/key_off:")
        st.stop()


def closed() -> None:
    """What the app shows when the session has ended while the page was open: a link to log in again."""
    with st.columns([1, 2, 1])[1]:
        st.title("Isoloir — session fermée")
        st.info(st.session_state.get(_ENDED) or "Session fermée : reconnectez-vous.")
        # a plain link in this tab (st.link_button opens a new one): the login page, then back here
        st.html(f'<a href="{LOGIN_URL}" class="isoloir-relogin" target="_self">Se reconnecter</a>'
                "<style>.isoloir-relogin{display:inline-block;padding:.45rem .9rem;border-radius:.5rem;"
                "background:#ff4b4b;color:#fff!important;text-decoration:none;font-weight:600}</style>")


def _end(notice: str, reason: str) -> None:
    token = _token()
    try:
        if reason == "logout":
            sessions.revoke(data.campaign(), token, "logout", client="app")
    except IsoloirError:
        pass
    st.session_state[_ENDED] = notice
    st.session_state.pop(TOKEN_KEY, None)


def _logout() -> None:
    _end("Vous êtes déconnecté.", "logout")


def account_panel(user: User, more: Callable[[User], None] | None = None) -> None:
    """Sidebar: who is logged in, « Mon compte » (password change, then ``more``: the two-factor
    section of :mod:`dashboard.ui.two_factor_panel`, passed in by the app), logout."""
    with st.sidebar:
        st.caption(f":material/person: **{plain(user.display_name)}** ({plain(user.user_name)}) — {user.role_label}")
        with st.popover("Mon compte", icon=":material/key:", width="stretch"):
            with st.form("isoloir_password", clear_on_submit=True, enter_to_submit=False):
                st.markdown("**Changer de mot de passe**")
                old = st.text_input("Mot de passe actuel", type="password", max_chars=200)
                new = st.text_input("Nouveau mot de passe", type="password", max_chars=200)
                again = st.text_input("Nouveau mot de passe, encore", type="password", max_chars=200)
                st.caption("Toutes vos sessions se ferment ensuite : reconnectez-vous avec le nouveau mot de passe.")
                if st.form_submit_button("Changer le mot de passe"):
                    if new != again:
                        st.error("Les deux nouveaux mots de passe diffèrent.")
                    else:
                        try:
                            users.change_password(data.campaign(), user.user_name, old, new, client="app")
                        except IsoloirError as error:
                            st.error(plain(sentence(error.message_fr)))
                        else:  # every session of the user ended in the same write
                            st.session_state[_ENDED] = "Mot de passe changé : reconnectez-vous."
                            st.rerun()
            if more is not None:
                st.divider()
                more(user)
        st.button("Se déconnecter", icon=":material/logout:", width="stretch", key="isoloir_logout",
                  on_click=_logout)


def page_user() -> User:
    """The logged-in user, for the pages (``dashboard/app.py`` runs a page only for a logged-in user
    whose role may open it); re-read from the store, so a role change applies at once."""
    user = valid_user()
    if user is None:
        st.error("Session fermée : reconnectez-vous.")
        st.link_button("Se reconnecter", LOGIN_URL)
        st.stop()
    return user
