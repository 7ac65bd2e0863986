"""Streamlit entry point: banner, then navigation across the pages."""

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
        icon="🧪",
    )

navigation = st.navigation(
    [st.Page(str(PAGES / "entrepot.py"), title="Données", icon="🗄️", url_path="donnees", default=True)]
)
navigation.run()
