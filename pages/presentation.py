"""Présentation : the map full screen, large title and legend; saved views shown as slides.

``/presentation?vue=3`` opens saved view n° 3; ``/presentation?election=…&mesure=…``
(the Carte page's link) opens that view; with neither, the first saved view.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from dashboard.errors import IsoloirError
from dashboard.maps.view import from_dict, from_params
from dashboard.access.permissions import permission
from dashboard.ui import data, map_panel, session

user = session.page_user()
store = data.campaign()
slides = store.views()
params = st.query_params.to_dict()
requested = params.get("vue")
index = next((i for i, v in enumerate(slides) if str(v.view_id) == requested), None)
adhoc = from_params(params) if index is None and set(params) - {"vue", "plein"} else None
if index is None and adhoc is None and slides:
    index = 0

full_screen = st.toggle("Plein écran", value=params.get("plein", "1") != "0", key="presentation_full")
if full_screen:
    st.html(
        "<style>[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl'],header[data-testid='stHeader']"
        "{display:none !important} .block-container{padding-top:0.8rem !important; max-width:100% !important}</style>"
    )

if adhoc is not None:
    view = adhoc.view
    heading = view.title
elif index is not None:
    slide = slides[index]
    view = from_dict(slide.params).view
    heading = slide.name
else:
    st.title("Présentation")
    st.info("Aucune vue enregistrée. Sur la page **Carte**, choisissez une mesure puis « Enregistrer la vue » : "
            "chaque vue devient une diapositive ici.")
    st.markdown("[Aller à la carte](/carte)")
    st.stop()

if not view.election_id:
    elections = data.warehouse().query("SELECT election_id FROM election ORDER BY date DESC NULLS LAST LIMIT 1")
    if not elections.empty:
        view = replace(view, election_id=str(elections["election_id"].iloc[0]))

if index is None:
    title_slot = st.empty()
else:
    top = st.columns([6, 1, 1, 1])
    with top[0]:
        title_slot = st.empty()
    if top[1].button("◀ Précédent", disabled=index == 0, width="stretch"):
        st.query_params.from_dict({"vue": str(slides[index - 1].view_id), "plein": "1" if full_screen else "0"})
        st.rerun()
    top[2].markdown(f"<div style='text-align:center;font-size:1.4rem;padding-top:0.3rem'>{index + 1} / {len(slides)}</div>",
                    unsafe_allow_html=True)
    if top[3].button("Suivant ▶", disabled=index == len(slides) - 1, width="stretch"):
        st.query_params.from_dict({"vue": str(slides[index + 1].view_id), "plein": "1" if full_screen else "0"})
        st.rerun()

try:
    spec, _ = map_panel.draw(view, key=f"presentation_map_{index}", height=760, width=1000, large_legend=True, legend_width=1.6)
except IsoloirError as error:
    st.error(error.message_fr)
    st.stop()
title_slot.title(heading or spec.title)
if heading and heading != spec.title:
    st.markdown(f"### {spec.title}")
for note in spec.notes:
    st.caption(f":material/info: {note}")

if index is not None:
    st.query_params.from_dict({"vue": str(slides[index].view_id), "plein": "1" if full_screen else "0"})
if not permission(user.role, "save_views"):
    st.stop()
with st.expander("Gérer les vues enregistrées"):
    if not slides:
        st.write("Aucune vue enregistrée.")
    for position, slide in enumerate(slides):
        cols = st.columns([5, 1, 1, 1])
        new_name = cols[0].text_input("Nom", slide.name, key=f"slide_name_{slide.view_id}", label_visibility="collapsed")
        if new_name != slide.name:
            try:
                store.rename_view(slide.view_id, new_name, by=user)
            except IsoloirError as error:
                st.error(error.message_fr)
            else:
                st.rerun()
        if cols[1].button("↑", key=f"slide_up_{slide.view_id}", disabled=position == 0, help="Monter"):
            store.move_view(slide.view_id, -1, by=user)
            st.rerun()
        if cols[2].button("↓", key=f"slide_down_{slide.view_id}", disabled=position == len(slides) - 1, help="Descendre"):
            store.move_view(slide.view_id, 1, by=user)
            st.rerun()
        if cols[3].button("Supprimer", key=f"slide_del_{slide.view_id}"):
            store.delete_view(slide.view_id, by=user)
            st.query_params.clear()
            st.rerun()
    st.markdown("[Retour à la carte](/carte)")
