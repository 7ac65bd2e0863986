"""Terrain : the turfs a user walks (their map, walk lists and progress), the zones and stations they
work in, the people met there, and the contact form; for the admin and the candidate, the review queue of
the questionnaires' held free texts (``dashboard.ui.questionnaire_panel``; questionnaires are built, and their
results read, on Zones, which strategists open too).

Turfs (``dashboard.ui.terrain_panel``): a canvasser sees their turfs only (``store.turfs`` selects them in
SQL); the admin and the candidate see every turf and the team's progress. Walk sheets (PDF, CSV) are
built, allowed and audited on click only, through ``turfs.authorize_walklist_export``.

Personal data: every read goes through ``dashboard.store.contacts`` (scoped in
SQL to a canvasser's doors: the addresses of their turfs and zones; audited),
shown in a static table without toolbar. The export button exists only for the
roles that may export; a click issues a one-time ticket (``store.tickets``:
rights re-read from the store, audited) and shows a link to
``/telechargement/<token>`` (``dashboard.web.downloads``), which builds the
file when followed. The contact form offers only the canvasser's doors.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard.warehouse import queries
from dashboard.access.permissions import Grant, permission
from dashboard.errors import IsoloirError
from dashboard.formats import PARIS_TIME, fmt_date, fmt_number
from dashboard.store import consent as consent_store
from dashboard.store import contacts, text_review, tickets, zones
from dashboard.store.campaign import CampaignStore
from dashboard.store.users import User
from dashboard.ui import data, field_team, questionnaire_panel, session, terrain_panel, voters_panel
from dashboard.ui.tables import show_table
from dashboard.text import plain
from dashboard.web.downloads import download_path

_CONTACT_SAVED = "terrain_contact_saved"  # the confirmation shown on the run after a saved visit
_EXPORT_LINK = "terrain_export_link"  # the one-time download path of the last export click
_EXPORT_REFUSED = "terrain_export_refused"  # the French refusal of the last export click


def _issue_export(store: CampaignStore, user: User) -> None:
    """The export button's callback: a one-time ticket (rights re-read and audited by the store), or its refusal."""
    st.session_state.pop(_EXPORT_LINK, None)
    try:
        st.session_state[_EXPORT_LINK] = download_path(tickets.issue(store, "contacts", by=user))
    except IsoloirError as error:
        st.session_state[_EXPORT_REFUSED] = error.message_fr


user = session.page_user()
store = data.campaign()
own = permission(user.role, "view_personal_data") is Grant.OWN_ZONES
st.title("Mes zones de terrain" if own else "Terrain")

visible = zones.zones_for(store, by=user)
if not visible:
    st.info(
        "Aucune zone ne vous est affectée pour l'instant." if own
        else "Aucune zone de porte-à-porte n'existe encore : les stratèges les construisent sur la page Zones.",
        icon=":material/info:",
    )
station_ids = sorted({s for zone in visible for s in zone.station_ids})

if visible:
    turfs = terrain_panel.draw(store, user, own=own)
    # who works in each zone: its assignees and those of its turfs (for a canvasser: only their turfs are read)
    workers = {z.zone_id: set(z.assigned_to) | {u for t in turfs if t.zone_id == z.zone_id for u in t.assigned_to}
              for z in visible}
    due = {z.zone_id: [d for d in (*z.due_dates, *(d for t in turfs if t.zone_id == z.zone_id for d in t.due_dates)) if d]
           for z in visible}
    st.subheader("Mes zones" if own else "Zones")
    show_table(pd.DataFrame({
        "zone": [z.name for z in visible],
        "statut": [z.status_label for z in visible],
        "bureaux": [len(z.station_ids) for z in visible],
        "militants": [", ".join(sorted(workers[z.zone_id])) or None for z in visible],
        "échéance": [fmt_date(min(due[z.zone_id])) if due[z.zone_id] else None for z in visible],
    }))
    summary = queries.station_summaries(data.warehouse(), station_ids)
    names = dict(zip(summary["station_id"], summary["label"]))
    st.subheader("Bureaux de vote de ces zones")
    show_table(pd.DataFrame({
        "bureau": summary["label"],
        "identifiant": summary["station_id"],
        "inscrits": summary["registered"],
        "adresses du REU": summary["reu_addresses"],
        "points d'adresse": summary["address_points"],
    }))
    latest = summary["registered_election"].dropna().unique()
    st.caption(
        "Inscrits : électeurs inscrits au bureau"
        + (f" lors du dernier scrutin importé ({plain(', '.join(latest))})" if len(latest) else "")
        + ". Adresses du REU : lignes d'adresse du répertoire électoral unique rattachées au bureau (une adresse, "
        "pas un électeur) ; points d'adresse : leurs emplacements géocodés."
    )
else:
    names = {}

if visible and permission(user.role, "edit_zones") is Grant.ALL:
    terrain_panel.draw_field_review(store, user, turfs)
turf_labels = {t.turf_id: terrain_panel.turf_label(t) for t in turfs} if visible else {}
if permission(user.role, "review_feedback"):  # free texts the sensitive-mention guard caught
    questionnaire_panel.draw_review(store, user, turf_labels)

if visible and turfs and permission(user.role, "record_feedback"):
    # the printed sheet of the turf chosen above, typed back: one line per door, one click per outcome
    sheet_turf = next((t for t in turfs if t.turf_id == st.session_state.get("terrain_turf")), turfs[0])
    with st.expander("Saisir une feuille papier", icon=":material/edit_note:"):
        field_team.draw_sheet_entry(store, user, sheet_turf)

if permission(user.role, "view_personal_data"):
    st.subheader("Personnes rencontrées")
    people = contacts.contacts(store, by=user)  # audited: one "view_personal_data" entry with the row count
    if people.empty:
        st.caption("Aucun contact enregistré" + (" dans vos zones." if own else "."))
    else:
        shown = people.assign(
            station_id=people["station_id"].map(lambda s: names.get(s, s)),
            outcome=people["outcome"].map(lambda o: contacts.OUTCOMES.get(o, o)),
        )
        show_table(  # personal data: a static table (nothing to select and copy); the audited export is the way out
            shown[["station_id", "address", "full_name", "outcome", "consent", "phone", "email", "created_by", "created_at"]]
            .rename(columns={"station_id": "bureau", "address": "adresse", "full_name": "nom", "outcome": "résultat",
                             "consent": "accepte d'être recontacté", "phone": "téléphone", "email": "courriel",
                             "created_by": "saisi par", "created_at": f"le ({PARIS_TIME})"}),
            personal=True,
        )
    if permission(user.role, "export_personal_data"):
        # No file in the page: the click's callback (which runs before the next run, with the user of the page as
        # drawn) asks the store for a one-time ticket; the store re-reads that user's rights now and audits a refusal.
        st.button("Exporter les contacts (CSV)", icon=":material/download:", key="terrain_export", on_click=_issue_export,
                  args=(store, user), help="Réservé au candidat et au directeur de campagne ; chaque export est inscrit au "
                                           "journal d'audit.")
        if refused := st.session_state.pop(_EXPORT_REFUSED, None):
            st.error(refused)
        if link := st.session_state.pop(_EXPORT_LINK, None):
            st.link_button("Télécharger le fichier des contacts", link, icon=":material/download:", type="primary")
            st.caption(f"Lien valable {fmt_number(int(tickets.LIFETIME.total_seconds()))} secondes, pour un seul "
                       "téléchargement ; le fichier est produit à ce moment-là.")

if permission(user.role, "view_personal_data"):  # the imported electoral list: lawful selections only
    voters_panel.draw_segmentation(user)

if permission(user.role, "review_feedback"):
    st.subheader("Revue des retours de terrain")
    review = contacts.feedback_review(store, by=user)
    if review.empty:
        st.caption("Aucun retour de terrain pour l'instant.")
    else:
        show_table(
            review.assign(station_id=review["station_id"].map(lambda s: names.get(s, s)))
            .rename(columns={"created_by": "militant", "station_id": "bureau", "contacts": "portes", "met": "rencontrés",
                             "absent": "absents", "refused": "refus", "consented": "accords",
                             "last_at": f"dernier passage ({PARIS_TIME})"}),
        )

if permission(user.role, "record_feedback") and station_ids:
    st.subheader("Saisir un passage")
    if saved := st.session_state.pop(_CONTACT_SAVED, None):
        st.success(plain(saved))
    st.caption(
        "Seules les informations utiles à la campagne : pas de mention de santé, de religion, d'orientation sexuelle "
        "ou d'opinion. Téléphone et courriel seulement si la personne accepte d'être recontactée."
    )
    doors = zones.address_ids_for(store, by=user)  # a canvasser's doors (SQL); None: everywhere
    form_stations = station_ids if doors is None else sorted({d.rpartition("@")[2] for d in doors} & set(station_ids))
    labels = {f"{names[s]} ({s})" if names.get(s) else s: s for s in form_stations}
    if not labels:
        st.caption("Aucune adresse ne vous est affectée : les passages se saisissent aux adresses de vos secteurs.")
        st.stop()
    station = labels[st.selectbox("Bureau", list(labels), key="terrain_station")]
    addresses = queries.station_addresses(data.warehouse(), station)
    if doors is not None:  # public warehouse rows, kept to the doors the store gave for this user
        addresses = addresses.loc[addresses["address_id"].isin(doors)]
    address_labels = dict(zip(addresses["address_id"].astype(str), addresses["label"].astype(str)))
    with st.form("terrain_contact", clear_on_submit=True, enter_to_submit=False):
        address_id = st.selectbox("Adresse", list(address_labels), format_func=address_labels.get)
        full_name = st.text_input("Nom de la personne", max_chars=contacts.MAX_FULL_NAME)
        outcome = st.radio("Résultat", list(contacts.OUTCOMES), format_func=contacts.OUTCOMES.get, horizontal=True)
        # consent per purpose, with the exact text read to the person (its version is stored with the consent)
        texts = consent_store.current_texts(store)
        agreed = [p for p, label in consent_store.PURPOSES.items()
                  if st.checkbox(f"Accepte : {label}", help=texts[p].text, key=f"terrain_consent_{p}")]
        st.caption("Texte lu à la personne (survolez « ? ») : il est enregistré avec son accord.")
        channels = st.multiselect("Par", list(consent_store.CHANNELS), format_func=consent_store.CHANNELS.get,
                                  placeholder="déduit des coordonnées données", key="terrain_consent_channels")
        phone = st.text_input("Téléphone (si accord)", max_chars=contacts.MAX_PHONE)
        email = st.text_input("Courriel (si accord)", max_chars=contacts.MAX_EMAIL)
        remark = st.text_input("Remarque (facultative)", max_chars=text_review.MAX_NOTE,
                               help="Ce qui sert à la campagne. Une mention sensible est retenue pour relecture.")
        if st.form_submit_button("Enregistrer le passage", type="primary"):
            try:
                if address_id is None:
                    raise contacts.ContactError("choisissez une adresse de vos secteurs")
                chosen = channels or [c for c, given in (("email", email), ("telephone", phone)) if given]
                if agreed and not chosen:
                    raise contacts.ContactError("accord sans moyen de contact : choisissez un canal ou donnez une coordonnée")
                contact_id = contacts.add_contact(store, by=user, address_id=address_id, station_id=station,
                                                  address=address_labels.get(address_id, ""), full_name=full_name,
                                                  outcome=outcome, consent=bool(agreed), phone=phone or None,
                                                  email=email or None, remark=remark or None,
                                                  consents=[(p, c) for p in agreed for c in chosen])
            except IsoloirError as error:
                st.error(plain(error.message_fr))
            else:  # said on the next run: a message drawn before st.rerun() never reaches the browser
                st.session_state[_CONTACT_SAVED] = "Passage enregistré." + (
                    " Remarque mise en attente : elle contient une mention sensible, un responsable la relira."
                    if remark and contacts.remark_held(store, contact_id) else "")
                st.rerun()
