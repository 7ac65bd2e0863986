"""Streamlit entry point: banner, then navigation across the pages.

Every page has a stable path (``/carte``, ``/presentation``, ``/donnees``; the
roles, targeting and zones issues add ``/admin``, ``/cibles``, ``/zones``,
``/terrain``). The site root is a hidden page that forwards to the first
page, carrying the query parameters, so that no real page is the "default"
page, which Streamlit serves at ``/`` only.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.errors import IsoloirError
from dashboard.ui import data

PAGES = Path(__file__).resolve().parent.parent / "pages"

st.set_page_config(page_title="Isoloir", page_icon="🗳️", layout="wide")

try:
    territory = data.territory()
    data.warehouse()
except IsoloirError as error:
    st.error(error.message_fr)
    st.stop()

if territory:
    st.warning(
        f"**Territoire de démonstration** ({territory}) : toutes les données affichées sont **fictives** "
        "(communes, bureaux, résultats, adresses) et ne décrivent aucun lieu réel.",
        icon=":material/science:",
    )

pages = {
    "carte": st.Page(str(PAGES / "carte.py"), title="Carte", icon=":material/map:", url_path="carte"),
    "presentation": st.Page(str(PAGES / "presentation.py"), title="Présentation", icon=":material/slideshow:", url_path="presentation"),
    "donnees": st.Page(str(PAGES / "entrepot.py"), title="Données", icon=":material/database:", url_path="donnees"),
}


def _home() -> None:
    st.switch_page(pages["carte"], query_params=st.query_params.to_dict())


home = st.Page(_home, title="Accueil", url_path="accueil", default=True, visibility="hidden")
navigation = st.navigation([home, *pages.values()])
navigation.run()
