"""The Administration page's « Personnes » tab: rights of people, the opposition list, message lists.

- **Droits d'une personne**: a search by contact number, or by name (and birth date); « Voir ses données »
  shows the French summary of everything held (``store.person.export_person``: audited) and a one-time link
  to the JSON (``/telechargement/…``); « Effacer » (typed confirmation) erases it, keeping only the keyed
  opposition (``store.person.erase_person``). Both re-read the admin's rights when they run.
- **Liste d'opposition**: a request received by e-mail or post (``store.opposition.add_request``) and the
  list itself (the field's « ne plus solliciter » arrive on their own).
- **Liste de diffusion**: a purpose and a channel, then a one-time link to the CSV
  (``store.messages.message_list``: opposed people left out, counted).

Session keys start with ``person_``. Every user-provided text is shown through ``text.plain``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from dashboard.errors import IsoloirError
from dashboard.formats import fmt_date, fmt_datetime, paris_today
from dashboard.store import consent, opposition, person, tickets
from dashboard.store.users import User
from dashboard.text import plain, sentence
from dashboard.access import permissions
from dashboard.ui import data, session
from dashboard.ui.tables import show_table

ERASE_WORD = "EFFACER"
_SUMMARY = "person_summary"
_LINK = "person_link"


def _actor() -> User | None:
    """The logged-in admin, re-checked in the callback (they run before the app script)."""
    user = session.valid_user()
    return user if user is not None and permissions.may_open(user.role, "admin") else None


def _query() -> person.Query:
    s = st.session_state
    contact = s.get("person_contact")
    return person.Query(contact_id=int(contact) if contact else None, full_name=(s.get("person_name") or "").strip() or None,
                        birth_date=s.get("person_birth") or None)


def _show() -> None:
    user = _actor()
    if user is None:
        return
    store = data.campaign()
    try:
        query = _query()
        record = person.export_person(store, query, by=user)
        st.session_state[_SUMMARY] = ("info", record.summary_fr())
        st.session_state[_LINK] = tickets.issue(store, "person", by=user, params={
            "contact_id": query.contact_id, "full_name": query.full_name,
            "birth_date": None if query.birth_date is None else str(query.birth_date)})
    except IsoloirError as error:
        st.session_state[_SUMMARY] = ("error", sentence(error.message_fr))
        st.session_state.pop(_LINK, None)


def _erase() -> None:
    user = _actor()
    if user is None:
        return
    st.session_state.pop(_LINK, None)
    if (st.session_state.get("person_erase_confirm") or "").strip() != ERASE_WORD:
        st.session_state[_SUMMARY] = ("error", f"Tapez {ERASE_WORD} pour confirmer l'effacement.")
        return
    try:
        done = person.erase_person(data.campaign(), _query(), by=user)
    except IsoloirError as error:
        st.session_state[_SUMMARY] = ("error", sentence(error.message_fr))
        return
    st.session_state["person_erase_confirm"] = ""
    st.session_state[_SUMMARY] = ("success", f"Effacé : {done.contacts} contact(s), "
                                             f"{done.voters} inscription(s) sur la liste électorale, "
                                             f"{done.consents} consentement(s), {done.visits} passage(s). Seule l'opposition reste, sous forme de clés.")


def rights_section(user: User, link_for: Callable[[str], str]) -> None:
    st.subheader("Droits d'une personne")
    st.caption("Accès (tout ce qui est détenu) ou effacement. Cherchez par n° de contact, ou par nom et prénom "
               "(la date de naissance affine la recherche dans la liste d'opposition).")
    with st.form("person_form", enter_to_submit=False):
        st.number_input("N° de contact", min_value=0, step=1, value=None, key="person_contact")
        st.text_input("Nom et prénom", max_chars=120, key="person_name")
        st.text_input("Date de naissance (JJ/MM/AAAA)", max_chars=10, key="person_birth")
        st.text_input(f"Pour effacer, tapez {ERASE_WORD}", max_chars=10, key="person_erase_confirm")
        left, right = st.columns(2)
        with left:
            st.form_submit_button("Voir ses données", type="primary", key="person_show", on_click=_show)
        with right:
            st.form_submit_button("Effacer ses données", key="person_erase", on_click=_erase)
    if shown := st.session_state.pop(_SUMMARY, None):
        kind, text = shown
        {"info": st.info, "error": st.error, "success": st.success}[kind](plain(text).replace("\n", "  \n"))
    if token := st.session_state.pop(_LINK, None):
        st.markdown(f"[Télécharger ses données (JSON)]({link_for(token)}) — lien valable 60 secondes, une seule fois.")


def _add_opposition() -> None:
    user = _actor()
    if user is None:
        return
    s = st.session_state
    try:
        entry = opposition.add_request(
            data.campaign(), by=user, source=str(s.get("person_opp_source")), received_on=s.get("person_opp_received") or paris_today(),
            birth_name=s.get("person_opp_birth_name") or None, usage_name=s.get("person_opp_usage_name") or None,
            first_names=s.get("person_opp_first_names") or None, birth_date=s.get("person_opp_birth") or None,
            address=s.get("person_opp_address") or None)
    except IsoloirError as error:
        s["person_opp_notice"] = ("error", sentence(error.message_fr))
        return
    for key in ("person_opp_birth_name", "person_opp_usage_name", "person_opp_first_names", "person_opp_birth",
                "person_opp_address"):
        s[key] = ""
    s["person_opp_notice"] = ("success", f"Opposition n° {entry} enregistrée.")


def _entries_frame(entries: list[opposition.Entry]) -> pd.DataFrame:
    rows = []
    for e in entries:
        who = e.identity or {}
        names = " ".join(str(who.get(k) or "") for k in ("first_names", "usage_name", "birth_name")).strip()
        rows.append({
            "n°": str(e.opposition_id), "origine": opposition.SOURCES.get(e.source, e.source),
            "reçue le": fmt_date(e.received_on), "saisie par": e.entered_by, "le": fmt_datetime(e.entered_at),
            "personne": names or ("porte relevée sur le terrain" if e.address_id else "effacée (clés seulement)"),
            "née le": str(who.get("birth_date") or ""), "adresse": str(who.get("address") or ""),
        })
    return pd.DataFrame(rows, columns=["n°", "origine", "reçue le", "saisie par", "le", "personne", "née le", "adresse"])


def opposition_section(user: User) -> None:
    st.subheader("Liste d'opposition")
    st.caption("Les « ne plus solliciter » du terrain s'y ajoutent seuls. Saisissez ici les demandes reçues par "
               "courriel ou courrier : la personne est exclue des feuilles de route, exports, listes de diffusion et imports.")
    with st.form("person_opp_form", enter_to_submit=False):
        st.selectbox("Reçue par", opposition.REQUEST_SOURCES, key="person_opp_source",
                     format_func=opposition.SOURCES.get)
        st.date_input("Reçue le", value=paris_today(), max_value=paris_today(), format="DD/MM/YYYY", key="person_opp_received")
        st.text_input("Nom de naissance", max_chars=120, key="person_opp_birth_name")
        st.text_input("Nom d'usage", max_chars=120, key="person_opp_usage_name")
        st.text_input("Prénoms", max_chars=120, key="person_opp_first_names")
        st.text_input("Date de naissance (JJ/MM/AAAA)", max_chars=10, key="person_opp_birth")
        st.text_input("Adresse", max_chars=200, key="person_opp_address")
        st.form_submit_button("Enregistrer l'opposition", key="person_opp_submit", on_click=_add_opposition)
    if notice := st.session_state.pop("person_opp_notice", None):
        (st.success if notice[0] == "success" else st.error)(plain(notice[1]))
    if not st.toggle("Afficher la liste d'opposition (consultation inscrite au journal)", key="person_opp_show"):
        return
    try:
        entries = opposition.entries(data.campaign(), by=user)
    except IsoloirError as error:
        st.error(plain(error.message_fr))
        return
    if entries:
        show_table(_entries_frame(entries))
    else:
        st.caption("Aucune opposition enregistrée.")


def messages_section(user: User, link_for: Callable[[str], str]) -> None:
    st.subheader("Liste de diffusion")
    st.caption("Les contacts ayant consenti à une finalité sur un canal, sans les personnes opposées (comptées).")
    left, right = st.columns(2)
    with left:
        purpose = st.selectbox("Finalité", list(consent.PURPOSES), format_func=consent.PURPOSES.get, key="person_msg_purpose")
    with right:
        channel = st.selectbox("Canal", list(consent.CHANNELS), format_func=consent.CHANNELS.get, key="person_msg_channel")
    if st.button("Préparer la liste", key="person_msg_make"):
        store = data.campaign()
        try:
            token = tickets.issue(store, "messages", by=user, params={"purpose": purpose, "channel": channel})
        except IsoloirError as error:
            st.error(plain(error.message_fr))
            return
        st.markdown(f"[Télécharger la liste (CSV)]({link_for(token)}) — lien valable 60 secondes, une seule fois ; "
                    "le nombre de personnes exclues est inscrit au journal d'audit.")


def render(user: User, link_for: Callable[[str], str]) -> None:
    """The tab; ``link_for(token)``: the one-time download's address (``web.downloads.download_path``, passed by the page)."""
    rights_section(user, link_for)
    opposition_section(user)
    messages_section(user, link_for)
