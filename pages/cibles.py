"""Cibles : target scores per polling station (map, ranked and explained targets, export),
group behaviour and vote transfers by ecological inference."""

from __future__ import annotations

import streamlit as st

from dashboard.errors import IsoloirError
from dashboard.ui import session, targets_panel
from dashboard.text import plain

session.page_user()  # the app opens this page only for roles that see the whole territory's scores
st.title("Cibles")
st.caption(
    "Où parler, et à qui : chaque bureau reçoit des scores ouverts et expliqués (mobilisation, persuasion, "
    "votes nets par heure de porte-à-porte) pour la cible choisie ; les reports de voix et le comportement des "
    "groupes sont estimés par inférence écologique, avec leurs intervalles."
)

choice = targets_panel.controls()
if choice is None:
    st.stop()

scores_tab, groups_tab, transfers_tab = st.tabs(["Scores et cibles", "Comportement des groupes", "Reports de voix"])
with scores_tab:
    try:
        table = targets_panel.score_table(choice)
    except IsoloirError as error:
        st.error(plain(error.message_fr))
    else:
        if table.frame.empty:
            st.info("Aucun bureau à noter : " + plain("; ".join(table.notes)))
        else:
            top = targets_panel.draw_map(table, choice)
            targets_panel.ranked_targets(table, top, score=choice.score)
with groups_tab:
    targets_panel.groups_tab(choice)
with transfers_tab:
    targets_panel.transfers_tab(choice)
