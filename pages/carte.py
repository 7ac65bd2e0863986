"""Carte : the chosen measure on the polling stations (or an IRIS indicator), station details, charts."""

from __future__ import annotations

import urllib.parse

import streamlit as st

from dashboard.access.permissions import permission
from dashboard.errors import IsoloirError
from dashboard.store import zones
from dashboard.ui import charts_panel, data, map_controls, map_panel, session, station_panel
from dashboard.text import plain

user = session.page_user()
# A canvasser's map holds only the stations of their zones (the limit goes into every query).
allowed = zones.station_ids_for(data.campaign(), by=user)
limit = None if allowed is None else tuple(sorted(allowed))
if limit is not None and not limit:
    st.title("Carte")
    st.info("Aucune zone ne vous est encore affectée : votre carte s'affichera quand un stratège vous en aura confié une.",
            icon=":material/info:")
    st.stop()

problems = map_controls.init_from_url()
if "carte_station" not in st.session_state:
    st.session_state.carte_station = st.query_params.get("bv") or None
if limit is not None and st.session_state.carte_station not in limit:
    st.session_state.carte_station = None
for problem in problems:
    st.toast(plain(problem), icon=":material/warning:")

view = map_controls.controls()
title = st.empty()
try:
    spec, clicked = map_panel.draw(view, key="carte_map", selected=st.session_state.carte_station, limit=limit)
except IsoloirError as error:
    st.error(plain(error.message_fr))
    st.stop()
title.title(plain(spec.title))
if clicked != st.session_state.get("carte_last_click"):  # a new click (not the selection kept by the chart)
    st.session_state.carte_last_click = clicked
    if clicked and view.layer == "bv":
        st.session_state.carte_station = clicked
        st.rerun()
for note in spec.notes:
    st.caption(f":material/info: {plain(note)}")

params = view.to_params()
if st.session_state.carte_station:
    params["bv"] = st.session_state.carte_station
st.query_params.from_dict(params)

with st.sidebar:
    if limit is None:
        st.header("Partager et présenter")
        st.markdown(f"[Ouvrir en mode présentation](/presentation?{urllib.parse.urlencode(view.to_params())})")
if permission(user.role, "save_views"):
    with st.sidebar, st.form("save_view", clear_on_submit=True, border=False, enter_to_submit=False):
        name = st.text_input("Nom de la vue", max_chars=120, placeholder="ex. Participation 2022 — centre-ville", key="carte_view_name")
        if st.form_submit_button("Enregistrer la vue"):
            try:
                data.campaign().save_view(name, view.to_dict(), by=user)
            except IsoloirError as error:
                st.error(plain(error.message_fr))
            else:
                st.success("Vue enregistrée : elle apparaît dans Présentation.")

station = st.session_state.carte_station
if station and view.layer == "bv":
    station_panel.show(station, view, spec)
    if st.button("Fermer la fiche du bureau"):
        st.session_state.carte_station = None
        st.rerun()
elif view.layer == "bv":
    st.info("Cliquez sur un bureau de la carte pour ouvrir sa fiche : résultats, historique, indicateurs, rang.")

if limit is None:  # the charts describe the whole territory
    charts_panel.show(view, spec)
