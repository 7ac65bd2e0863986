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
from dashboard.ui import data, map_panel, session, style
from dashboard.text import plain

# The map is fitted to the map area of the smallest screen expected (1280 × 720 in full screen): on larger ones
# the whole territory shows too, with more room around it.
MAP_FIT = (880, 520)

user = session.page_user()
store = data.campaign()
slides = store.views()
params = st.query_params.to_dict()
requested = params.get("vue")
index = next((i for i, v in enumerate(slides) if str(v.view_id) == requested), None)
adhoc = from_params(params) if index is None and set(params) - {"vue", "plein"} else None
if index is None and adhoc is None and slides:
    index = 0

full_screen = st.session_state.get("presentation_full", params.get("plein", "1") != "0")
style.presentation(full_screen, demo=data.territory() is not None)

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

# One row: title, slide controls, the full-screen switch; then the map and its legend, which in full screen
# fill the window's height (dashboard.ui.style.presentation) so that nothing is cut and nothing scrolls.
top = st.columns([7, 1.3, 0.8, 1.3, 1.4], vertical_alignment="center")
title_slot = top[0].empty()
if index is not None:
    if top[1].button("◀ Précédent", disabled=index == 0, width="stretch"):
        st.query_params.from_dict({"vue": str(slides[index - 1].view_id), "plein": "1" if full_screen else "0"})
        st.rerun()
    top[2].markdown(f"<div style='text-align:center;font-size:1.3rem'>{index + 1} / {len(slides)}</div>",
                    unsafe_allow_html=True)
    if top[3].button("Suivant ▶", disabled=index == len(slides) - 1, width="stretch"):
        st.query_params.from_dict({"vue": str(slides[index + 1].view_id), "plein": "1" if full_screen else "0"})
        st.rerun()
top[4].toggle("Plein écran", value=full_screen, key="presentation_full")

try:
    with st.container(key=style.PRESENTATION_STAGE_KEY):
        spec, _ = map_panel.draw(view, key=f"presentation_map_{index}", height=560 if full_screen else 640,
                                 width=MAP_FIT[0], fit_height=MAP_FIT[1], large_legend=True, legend_width=1.6,
                                 notes_beside=True, css_height=style.presentation_map_height(full_screen))
except IsoloirError as error:
    st.error(plain(error.message_fr))
    st.stop()
title_slot.title(plain(heading or spec.title))

if index is not None:
    st.query_params.from_dict({"vue": str(slides[index].view_id), "plein": "1" if full_screen else "0"})
if full_screen or not permission(user.role, "save_views"):
    st.stop()  # in full screen the window holds the slide alone; the slides are managed out of it
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
                st.error(plain(error.message_fr))
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
