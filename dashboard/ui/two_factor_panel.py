"""Two-factor authentication screens: the mandatory enrolment gate and the « Mon compte » section.

- :func:`enrolment_gate` (called by ``dashboard/app.py`` once the user is known): when the user's
  role requires 2FA (``two_factor.must_enrol``: admin and candidate, not the demo accounts) and they
  have not enrolled, it draws only the enrolment screen — QR code, the secret in text for manual
  entry, a code to confirm, then the ten recovery codes once — and returns False (the app stops:
  nothing else of it is shown). True otherwise.
- :func:`account_section` (in the sidebar, inside « Mon compte », drawn by ``session.account_panel``): the same enrolment for everyone else, and once
  enrolled: new recovery codes, or turning 2FA off (not for roles where it is required).

Every action re-reads the user from the store (``session.valid_user``) when it runs. The store
(``dashboard.store.two_factor``) checks the codes and writes the audit entries. Every session key
starts with ``two_factor_``.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard.access import totp
from dashboard.errors import IsoloirError
from dashboard.text import sentence
from dashboard.store import two_factor
from dashboard.store.users import User
from dashboard.ui import data, session

_CODES = "two_factor_codes"  # the recovery codes just made, shown once
_NOTICE = "two_factor_notice"  # (kind, text) shown once


def _show_notice() -> None:
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        kind, text = notice
        (st.success if kind == "success" else st.error)(text)


def _acting(user: User) -> User | None:
    """The user re-read from the store at the moment of the action (still the same, still active)."""
    current = session.valid_user()
    return current if current is not None and current.user_name == user.user_name else None


def _start(user: User) -> None:
    actor = _acting(user)
    if actor is not None:
        two_factor.start_enrolment(data.campaign(), actor)


def _with_code(user: User, key: str, act: Callable[[User, str], list[str] | None], done: str) -> None:
    """A callback acting with the code typed in ``key`` (then cleared): ``act(actor, code)`` returns the new
    recovery codes to show once, or None; its French refusal, or ``done``, is the next run's notice."""
    code = str(st.session_state.get(key) or "")
    st.session_state[key] = ""
    actor = _acting(user)
    if actor is None:
        return
    try:
        codes = act(actor, code)
    except IsoloirError as error:
        st.session_state[_NOTICE] = ("error", sentence(error.message_fr))
        return
    if codes is not None:
        st.session_state[_CODES] = codes
    st.session_state[_NOTICE] = ("success", done)


def _confirm(user: User, key: str) -> None:
    _with_code(user, key, lambda actor, code: two_factor.confirm_enrolment(data.campaign(), actor, code),
               "Double authentification activée.")


def _regenerate(user: User, key: str) -> None:
    _with_code(user, key, lambda actor, code: two_factor.regenerate_recovery_codes(data.campaign(), actor, code),
               "Nouveaux codes de secours : les anciens ne valent plus rien.")


def _disable(user: User, key: str) -> None:
    def disable(actor: User, code: str) -> None:
        two_factor.disable(data.campaign(), actor, code)

    _with_code(user, key, disable, "Double authentification désactivée.")


def _codes_seen() -> None:
    st.session_state.pop(_CODES, None)


def _recovery_codes(user: User, where: str) -> bool:
    """Show the recovery codes just made, once; True while they are shown."""
    codes = st.session_state.get(_CODES)
    if not codes:
        return False
    st.warning("**Codes de secours** : notez-les ou téléchargez-les maintenant, ils ne seront plus affichés. "
               "Chacun remplace une fois le code de l'application (téléphone perdu).", icon=":material/key:")
    st.code("\n".join(codes), language=None)
    st.download_button(
        "Télécharger les codes (.txt)", data="\n".join(["Isoloir — codes de secours de " + user.user_name, *codes, ""]),
        file_name=f"isoloir-codes-de-secours-{user.user_name}.txt", mime="text/plain", key=f"two_factor_download_{where}",
        icon=":material/download:", on_click="ignore",
    )
    st.button("J'ai noté mes codes", key=f"two_factor_seen_{where}", type="primary", on_click=_codes_seen)
    return True


def _enrolment(user: User, where: str) -> None:
    """QR code, secret and confirmation form of a pending enrolment (started by the caller)."""
    secret = two_factor.pending_secret(data.campaign(), user.user_name)
    if secret is None:
        return
    uri = totp.provisioning_uri(secret, user.user_name)
    st.markdown("1. Dans une application d'authentification (Aegis, FreeOTP, Google Authenticator, "
                "Microsoft Authenticator…), ajoutez un compte en scannant ce code QR :")
    st.image(totp.qr_png(uri), width=220, caption="Code QR d'activation")
    st.markdown("ou en saisissant cette clé :")
    st.code(secret, language=None)
    key = f"two_factor_code_{where}"
    with st.form(f"two_factor_confirm_{where}", clear_on_submit=False, enter_to_submit=True):
        st.text_input("2. Code à 6 chiffres affiché par l'application", max_chars=8, key=key, autocomplete="one-time-code")
        st.form_submit_button("Activer la double authentification", type="primary", on_click=_confirm, args=(user, key))


def enrolment_gate(user: User) -> bool:
    """True when the user may use the app; otherwise draws only the mandatory enrolment screen."""
    store = data.campaign()
    if st.session_state.get(_CODES):
        with st.columns([1, 2, 1])[1]:
            st.title("Double authentification activée")
            _show_notice()
            _recovery_codes(user, "gate")
        return False
    if not two_factor.must_enrol(store, user):
        return True
    if two_factor.pending_secret(store, user.user_name) is None:
        two_factor.start_enrolment(store, user)
    with st.columns([1, 2, 1])[1]:
        st.title("Double authentification obligatoire")
        st.info(f"Votre rôle (« {user.role_label} ») permet d'exporter des données personnelles : la double "
                "authentification est obligatoire. Activez-la pour continuer ; à chaque connexion, un code de "
                "votre téléphone vous sera demandé après le mot de passe.", icon=":material/phonelink_lock:")
        _show_notice()
        _enrolment(user, "gate")
    return False


def account_section(user: User) -> None:
    """« Double authentification » in « Mon compte »."""
    store = data.campaign()
    st.markdown("**Double authentification**")
    _show_notice()
    if _recovery_codes(user, "account"):
        return
    state = two_factor.status(store, user.user_name)
    if not state.enrolled:
        if state.pending:
            _enrolment(user, "account")
        else:
            st.caption("Un code de votre téléphone, en plus du mot de passe, à chaque connexion.")
            st.button("Activer la double authentification", key="two_factor_start", icon=":material/phonelink_lock:",
                      on_click=_start, args=(user,))
        return
    st.caption(f":material/verified_user: Activée ; {state.recovery_codes_left} codes de secours restants.")
    key = "two_factor_manage_code"
    with st.form("two_factor_manage", clear_on_submit=False, enter_to_submit=False):
        st.text_input("Code à 6 chiffres de l'application", max_chars=8, key=key, autocomplete="one-time-code")
        st.form_submit_button("Nouveaux codes de secours", on_click=_regenerate, args=(user, key))
        if not two_factor.required(user.role):
            st.form_submit_button("Désactiver la double authentification", on_click=_disable, args=(user, key))
    if two_factor.required(user.role):
        st.caption("Obligatoire pour votre rôle : elle ne peut pas être désactivée.")
