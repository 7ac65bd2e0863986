"""Données : what the warehouse holds and what does not join."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.access import permissions
from dashboard.formats import format_fr
from dashboard.warehouse.info import current_stations
from dashboard.ui import data, session, versions_panel
from dashboard.ui.navigation import PAGES_DIR
from dashboard.ui.tables import show_table
from dashboard.text import plain

info = data.info()
counts = info["counts"]
current = current_stations(info["stations"])
st.title("Données de l'entrepôt")
user = session.page_user()
if permissions.may_open(user.role, "import", user.rights):
    st.page_link(str(PAGES_DIR / "importer.py"), label="Importer des fichiers (résultats, contours, IRIS, adresses…)",
                 icon=":material/upload_file:")
else:
    st.caption("Pour ajouter des données : la page « Importer » (administrateur, ou droit « données ») ; "
               "en ligne de commande, « isoloir import ».")
cols = st.columns(5)
cols[0].metric("Communes", format_fr(counts["commune"]))
# each commune counted once, in its latest boundary version: adding the versions together would count
# a station twice (a 41-station commune with 2022 and 2024 contours would read « 81 bureaux »)
cols[1].metric(
    "Bureaux de vote", format_fr(current["stations"]),
    help=f"Contours les plus récents de chaque commune ({plain(', '.join(current['versions'])) or '—'}). L'entrepôt garde "
         f"{format_fr(current['all_versions'])} version(s) de contours, soit {format_fr(current['rows'])} contours de bureau "
         "en tout : le détail par version est plus bas.",
)
cols[2].metric("Élections", format_fr(counts["election"]))
cols[3].metric("IRIS", format_fr(counts["iris"]))
cols[4].metric("Adresses du REU", format_fr(counts["address"]), help="Points d'adresse géocodés du répertoire électoral "
               "unique, un par bureau qu'ils desservent : des adresses, pas des électeurs.")
if current["all_versions"] > 1:
    st.caption(f"Bureaux de vote : contours les plus récents de chaque commune ({plain(', '.join(current['versions']))}) ; "
               f"{format_fr(current['all_versions'])} versions de contours en tout, détaillées plus bas.")

st.subheader("Élections")
elections = pd.DataFrame(info["elections"])
if elections.empty:
    st.info("Aucun résultat importé : déposez un fichier sur la page « Importer » (ou « isoloir import » en ligne de commande).")
else:
    if "date" in elections:
        elections["date"] = pd.to_datetime(elections["date"]).dt.date
    show_table(
        elections.rename(columns={"election_id": "identifiant", "label": "élection", "date": "date", "communes": "communes",
                                  "stations": "bureaux", "registered": "inscrits", "expressed": "exprimés"})
        [["identifiant", "élection", "date", "communes", "bureaux", "inscrits", "exprimés"]]
    )

stations = pd.DataFrame(info["stations"])
versions_panel.show(dict(zip(stations["commune_code"], stations["commune_name"].fillna(""))) if not stations.empty else {})

st.subheader("Ce qui ne se joint pas")
unjoined = info["unjoined"]
lines = unjoined.get("results_without_polygon_fr", [])
st.markdown("**Résultats sans contour** : " + ("aucun" if not lines else ""))
for line in lines:
    st.markdown(f"- {plain(line)}")
orphan_lines = [f"{set_id} · {line}" for set_id, found in unjoined.get("contours_without_results_fr", {}).items() for line in found]
st.markdown("**Contours sans résultats** : " + ("aucun" if not orphan_lines else ""))
for line in orphan_lines:
    st.markdown(f"- {plain(line)}")
st.markdown(f"**IRIS sans indicateurs** : {plain(', '.join(unjoined['iris_without_indicators'])) or 'aucun'}")
