"""Who is using the app: login, first run, cookie, expiry, logout, password change.

streamlit-authenticator supplies the signed cookie (``CookieController``: a
JWT signed with the secret of :mod:`dashboard.access.cookie_secret`, set in the
browser by its cookie component) and the session keys it defines
(``authentication_status``, ``username``, ``name``, ``roles``, ``logout``).
Passwords are checked by :func:`dashboard.store.users.verify_login` (the
authenticator's own ``login`` form would bypass the store's throttling and
audit), and the accounts fed to the authenticator come from the campaign store.

On every run the user is re-read from the store: a disabled account or a
changed role applies at once. A cookie is refused when its signature is wrong,
when it has expired, when its user is gone or disabled, or when it was issued
before the user's last password change (``exp_date`` minus the session length
is its issue time).

Streamlit state only; the rules live in :mod:`dashboard.access.permissions` and
:mod:`dashboard.store.users`.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from dashboard.access import cookie_secret
from dashboard.access.permissions import ROLES
from dashboard.errors import ConfigError, IsoloirError
from dashboard.store import audit, users
from dashboard.store.users import User
from dashboard.ui import data

COOKIE_NAME = "isoloir_session"
_EXPIRES = "isoloir_session_expires"  # epoch seconds after which the session ends
_RESUMED = "isoloir_session_resumed"  # the cookie login of this browser session was audited
_NOTICE = "isoloir_session_notice"  # a message for the login page (expired, logged out…)
_DELETE_DRAWN = "isoloir_cookie_delete_drawn"  # _end drew the cookie-deleting component in this run
_LOGOUT = "isoloir_logout_requested"
_TOKEN = "isoloir_cookie_token"  # (token, expiry) of the cookie this browser session must hold
ROOT = Path(__file__).resolve().parents[2]


def cookie_key() -> str:
    """The cookie's signing key: environment, then ``.streamlit/secrets.toml`` (``[auth] cookie_key``)."""
    key = cookie_secret.resolve(os.environ, ROOT / cookie_secret.SECRETS_FILE)
    if key is None:
        try:
            value = st.secrets.get("auth", {}).get("cookie_key")
        except (FileNotFoundError, KeyError, AttributeError, Exception):  # no secrets file at all
            value = None
        if value:
            key = cookie_secret.check_key(str(value), "st.secrets")
    if key is None:
        raise ConfigError(
            "aucune clé de signature des cookies : définissez ISOLOIR_COOKIE_KEY ou [auth] cookie_key dans "
            ".streamlit/secrets.toml (« isoloir run » en crée une)"
        )
    return key


def _session_seconds() -> float:
    return data.settings().session_hours * 3600


def authenticator() -> stauth.Authenticate:
    """Rebuilt on every run from the store's active accounts (the object holds password hashes: never shown)."""
    return stauth.Authenticate(
        users.credentials_for_authenticator(data.campaign()), cookie_name=COOKIE_NAME, cookie_key=cookie_key(),
        cookie_expiry_days=_session_seconds() / 86400, auto_hash=False,
    )


def _clear() -> None:
    for key in ("name", "username", "roles", "email"):
        st.session_state[key] = None
    st.session_state["authentication_status"] = None
    st.session_state.pop(_EXPIRES, None)
    st.session_state.pop(_RESUMED, None)
    st.session_state.pop(_TOKEN, None)


def _start(user: User, expires: float) -> None:
    st.session_state["authentication_status"] = True
    st.session_state["username"] = user.user_name
    st.session_state["name"] = user.display_name
    st.session_state["roles"] = [user.role]
    st.session_state["logout"] = False
    st.session_state[_EXPIRES] = float(expires)
    st.session_state.pop(_NOTICE, None)


def _from_cookie(auth: stauth.Authenticate) -> User | None:
    """The user of a valid login cookie, or None (nothing written for an invalid one)."""
    token = auth.cookie_controller.get_cookie()
    if not token or not isinstance(token, dict):
        return None
    try:
        expires = float(token["exp_date"])
        name = str(token["username"])
    except (KeyError, TypeError, ValueError):
        return None
    now = time.time()
    length = _session_seconds()
    if not now < expires <= now + length + 60:  # expired, or longer than a session can be
        return None
    user = users.get_user(data.campaign(), name)
    if user is None or not user.active:
        return None
    issued = expires - length
    changed = user.password_changed_at
    if changed is not None and changed.replace(tzinfo=timezone.utc).timestamp() > issued + 1:
        return None  # issued before the last password change
    try:
        auth.authentication_controller.login(token={"username": name, "exp_date": expires})
    except LoginError:
        return None
    _start(user, expires)
    return user


def current_user(auth: stauth.Authenticate) -> User | None:
    """The logged-in user of this run, from the session or the cookie; None to show the login page."""
    if st.session_state.get("authentication_status") and st.session_state.get("username"):
        user = users.get_user(data.campaign(), str(st.session_state["username"]))
        if user is None or not user.active:
            _end(auth, "Votre compte a été désactivé ou supprimé : session fermée.")
            return None
        if time.time() >= float(st.session_state.get(_EXPIRES, 0)):
            _end(auth, "Session expirée : reconnectez-vous.")
            return None
        return user
    if st.session_state.get("logout"):
        return None  # logged out in this browser session: the cookie is being deleted
    user = _from_cookie(auth)
    if user is not None and not st.session_state.get(_RESUMED):
        st.session_state[_RESUMED] = True
        audit.record(data.campaign(), user, "login", "user", user.user_name, {"via": "cookie"})
    return user


def _issue_cookie(user: User, expires: float) -> None:
    """Sign this session's cookie (the same claims streamlit-authenticator writes and reads back)."""
    token = jwt.encode({"username": user.user_name, "exp_date": float(expires)}, cookie_key(), algorithm="HS256")
    st.session_state[_TOKEN] = (token, float(expires))


def keep_cookie(auth: stauth.Authenticate) -> None:
    """Draw the cookie-setting component with this session's token, on every run until logout.

    Drawn once, it could be dropped before its frame loads when the same run switches page (the
    site root forwards to the landing page): drawn on every run with the same arguments, it stays
    mounted and sets the cookie once loaded (its arguments change only with a new token).
    """
    held = st.session_state.get(_TOKEN)
    if not held:
        return
    token, expires = held
    auth.cookie_controller.cookie_model.cookie_manager.set(
        COOKIE_NAME, token, expires_at=datetime.fromtimestamp(expires)
    )


def _end(auth: stauth.Authenticate, notice: str) -> None:
    """Close the session and delete the cookie (the login page is drawn in the same run)."""
    if st.session_state.get("authentication_status"):
        auth.logout(location="unrendered")
    else:
        auth.cookie_controller.delete_cookie()
    _clear()
    st.session_state["logout"] = True
    st.session_state[_NOTICE] = notice
    st.session_state[_DELETE_DRAWN] = True


def keep_cookie_deleted(auth: stauth.Authenticate) -> None:
    """After a logout, draw the cookie-deleting component again on every run of the login page.

    Drawn only in the logout's run, it can be dropped before its frame loads when another run
    follows at once (the cookie component's first answer triggers one): the cookie then stayed in
    the browser and a new tab was logged in again. Drawn on every run with the same arguments, it
    stays mounted until it has deleted the cookie; it is not drawn once someone logs in.
    """
    if st.session_state.pop(_DELETE_DRAWN, False) or not st.session_state.get("logout"):
        return  # drawn by _end in this very run (same key), or no logout in this browser session
    auth.cookie_controller.cookie_model.cookie_manager.cookie_manager(
        method="delete", cookie=COOKIE_NAME, key="delete", default=False
    )


def logout(auth: stauth.Authenticate, user: User) -> None:
    audit.record(data.campaign(), user, "logout", "user", user.user_name)
    _end(auth, "Vous êtes déconnecté.")


def login_form() -> None:
    """The login page; a successful login reruns the app logged in."""
    store = data.campaign()
    notice = st.session_state.get(_NOTICE)  # kept across the reruns of the login page; cleared at login
    slot = st.columns([1, 2, 1])[1].empty()
    with slot.container():
        st.title("Isoloir — connexion")
        if notice:
            st.info(notice)
        _demo_accounts_hint()
        with st.form("isoloir_login"):  # Enter logs in; its English hint is hidden by style.BASE_CSS
            name = st.text_input("Nom d'utilisateur", max_chars=40, autocomplete="username")
            password = st.text_input("Mot de passe", type="password", max_chars=200, autocomplete="current-password")
            submitted = st.form_submit_button("Se connecter", type="primary")
        if not submitted:
            return None
        if not name or not password:
            st.error("Saisissez votre nom d'utilisateur et votre mot de passe.")
            return
        try:
            result = users.verify_login(store, name, password)
        except IsoloirError as error:  # the store busy beyond its retries: say so, the user can try again
            st.error(_sentence(error.message_fr))
            return
        if not result.ok or result.user is None:
            st.error(_sentence(result.message_fr))
            return
    slot.empty()
    expires = time.time() + _session_seconds()
    _start(result.user, expires)
    _issue_cookie(result.user, expires)
    st.session_state[_RESUMED] = True
    st.rerun()  # the next run is logged in and sets the cookie (see keep_cookie)


def _demo_accounts_hint() -> None:
    demo = [u for u in users.list_users(data.campaign(), by="cli") if u.demo and u.active]
    if demo:
        st.warning(
            "**Démo** : comptes de démonstration (nom d'utilisateur = rôle, mot de passe `demo-<rôle>`) : "
            + ", ".join(f"`{u.user_name}` ({ROLES.get(u.role, u.role)})" for u in demo)
            + ". Ces comptes n'existent que dans les données de démonstration.",
            icon=":material/science:",
        )


def first_run_form() -> None:
    """No admin yet: create the campaign director's account (no default password exists)."""
    with st.columns([1, 2, 1])[1]:
        _first_run_form()


def _first_run_form() -> None:
    st.title("Isoloir — premier démarrage")
    st.info(
        "Aucun compte administrateur n'existe encore. Créez celui du **directeur de campagne** : il créera "
        "ensuite les comptes de l'équipe (page Administration, ou « isoloir users add » en ligne de commande)."
    )
    with st.form("isoloir_first_admin", enter_to_submit=False):
        name = st.text_input("Nom d'utilisateur", max_chars=40)
        display = st.text_input("Nom affiché", max_chars=120)
        password = st.text_input("Mot de passe (10 caractères au moins)", type="password", max_chars=200)
        again = st.text_input("Mot de passe, encore", type="password", max_chars=200)
        submitted = st.form_submit_button("Créer le compte administrateur", type="primary")
    if not submitted:
        return
    if password != again:
        st.error("Les deux mots de passe diffèrent.")
        return
    try:
        user = users.create_first_admin(data.campaign(), name, password, display_name=display or None)
    except IsoloirError as error:
        st.error(_sentence(error.message_fr))
        return
    st.session_state[_NOTICE] = f"Compte « {user.user_name} » créé : connectez-vous."
    st.rerun()


def account_panel(auth: stauth.Authenticate, user: User) -> None:
    """Sidebar: who is logged in, password change, logout."""
    with st.sidebar:
        st.caption(f":material/person: **{user.display_name}** ({user.user_name}) — {user.role_label}")
        with st.popover("Mon compte", icon=":material/key:", width="stretch"):
            with st.form("isoloir_password", clear_on_submit=True, enter_to_submit=False):
                st.markdown("**Changer de mot de passe**")
                old = st.text_input("Mot de passe actuel", type="password", max_chars=200)
                new = st.text_input("Nouveau mot de passe", type="password", max_chars=200)
                again = st.text_input("Nouveau mot de passe, encore", type="password", max_chars=200)
                if st.form_submit_button("Changer le mot de passe"):
                    if new != again:
                        st.error("Les deux nouveaux mots de passe diffèrent.")
                    else:
                        try:
                            users.change_password(data.campaign(), user.user_name, old, new)
                        except IsoloirError as error:
                            st.error(_sentence(error.message_fr))
                        else:
                            # the cookie issued before the change is now refused: issue a new one
                            expires = time.time() + _session_seconds()
                            _issue_cookie(user, expires)
                            st.session_state[_EXPIRES] = expires
                            st.success("Mot de passe changé.")
        st.button("Se déconnecter", icon=":material/logout:", width="stretch", key="isoloir_logout",
                  on_click=_request_logout)


def _request_logout() -> None:
    st.session_state[_LOGOUT] = True


def logout_requested() -> bool:
    """The logout button was clicked: the caller logs out and draws the login page in this same run,
    so that the cookie component that deletes the cookie reaches the browser."""
    return bool(st.session_state.pop(_LOGOUT, False))


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith((".", "!", "?")) else ".")


def valid_user() -> User | None:
    """The session's user if the session is still valid (logged in, not expired, account active), else None.

    For widget callbacks, which Streamlit runs before ``dashboard/app.py`` checks the session.
    """
    name = st.session_state.get("username")
    if not (st.session_state.get("authentication_status") and name):
        return None
    if time.time() >= float(st.session_state.get(_EXPIRES, 0)):
        return None
    user = users.get_user(data.campaign(), str(name))
    return user if user is not None and user.active else None


def page_user() -> User:
    """The logged-in user, for the pages (``dashboard/app.py`` runs a page only for a logged-in user
    whose role may open it); re-read from the store, so a role change applies at once."""
    user = valid_user()
    if user is None:
        st.error("Session fermée : reconnectez-vous.")
        st.stop()
    return user
