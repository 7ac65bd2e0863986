"""Données : what the warehouse holds and what does not join."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.formats import format_fr
from dashboard.warehouse.joins import describe_missing_polygons
from dashboard.ui import data

info = data.info()
counts = info["counts"]
st.title("Données de l'entrepôt")
cols = st.columns(5)
for col, (label, key) in zip(cols, [("Communes", "commune"), ("Bureaux de vote", "station"), ("Élections", "election"), ("IRIS", "iris"), ("Adresses REU", "address")]):
    col.metric(label, format_fr(counts[key]))

st.subheader("Élections")
elections = pd.DataFrame(info["elections"])
for column in ("communes", "stations", "registered", "expressed"):
    if column in elections:
        elections[column] = elections[column].map(format_fr)
if "date" in elections:
    elections["date"] = pd.to_datetime(elections["date"]).dt.strftime("%d/%m/%Y").fillna("—")
if elections.empty:
    st.info("Aucun résultat importé : `isoloir import results FICHIER`.")
else:
    st.dataframe(
        elections.rename(columns={"election_id": "identifiant", "label": "élection", "date": "date", "communes": "communes",
                                  "stations": "bureaux", "registered": "inscrits", "expressed": "exprimés"})
        [["identifiant", "élection", "date", "communes", "bureaux", "inscrits", "exprimés"]],
        hide_index=True, width="stretch",
    )

st.subheader("Bureaux par commune et version de contours")
stations = pd.DataFrame(info["stations"])
if not stations.empty:
    stations["stations"] = stations["stations"].map(format_fr)
    for column in ("valid_from", "valid_to"):
        stations[column] = pd.to_datetime(stations[column]).dt.strftime("%d/%m/%Y").fillna("—")
    stations["commune_name"] = stations["commune_name"].fillna("—")
    st.dataframe(
        stations.rename(columns={"commune_code": "commune", "commune_name": "nom", "set_id": "version", "label": "libellé",
                                 "valid_from": "valide du", "valid_to": "au", "stations": "bureaux"})
        [["commune", "nom", "version", "libellé", "valide du", "au", "bureaux"]],
        hide_index=True, width="stretch",
    )

st.subheader("Ce qui ne se joint pas")
unjoined = info["unjoined"]
missing = pd.DataFrame(unjoined["results_without_polygon"], columns=["election_id", "commune_code", "station_id", "set_id"])
lines = describe_missing_polygons(missing)
st.markdown("**Résultats sans contour** : " + ("aucun" if not lines else ""))
for line in lines:
    st.markdown(f"- {line}")
orphans = pd.DataFrame(unjoined["polygons_without_results"])
st.markdown(f"**Contours sans résultats** : {len(orphans) if not orphans.empty else 'aucun'}")
st.markdown(f"**IRIS sans indicateurs** : {', '.join(unjoined['iris_without_indicators']) or 'aucun'}")
