"""Données: boundary versions per commune, the elections drawn on each, what changed between two."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.boundaries import versions
from dashboard.formats import fmt_percent, format_fr
from dashboard.text import plain
from dashboard.ui import data
from dashboard.ui.tables import show_table


@st.cache_data(show_spinner=False, max_entries=8)
def _versions(version: int) -> pd.DataFrame:
    return versions.versions_table(data.warehouse())


@st.cache_data(show_spinner="Comparaison des contours…", max_entries=32)
def _diff(version: int, commune: str, set_a: str, set_b: str) -> pd.DataFrame:
    return versions.diff_versions(data.warehouse(), commune, set_a, set_b)


def show(names: dict[str, str]) -> None:
    """The section; ``names``: commune code → name."""
    st.subheader("Versions de contours par commune")
    table = _versions(data.version())
    if table.empty:
        st.info("Aucun contour de bureau importé : `isoloir import stations FICHIER`.")
        return
    shown = table.assign(
        nom=table["commune_code"].map(names).fillna(""),
        valid_from=pd.to_datetime(table["valid_from"]).dt.date, valid_to=pd.to_datetime(table["valid_to"]).dt.date,
        own_dates=table["own_dates"].map({True: "oui", False: ""}),
    )
    show_table(
        shown.rename(columns={"commune_code": "commune", "set_id": "version", "label": "libellé", "valid_from": "valide du",
                              "valid_to": "au", "own_dates": "dates propres à la commune", "stations": "bureaux",
                              "elections": "élections dessinées dessus"})
        [["commune", "nom", "version", "libellé", "valide du", "au", "dates propres à la commune", "bureaux",
          "élections dessinées dessus"]]
    )
    several = table.groupby("commune_code")["set_id"].nunique()
    several = list(several[several > 1].index)
    if not several:
        return
    st.markdown("**Ce qui a changé entre deux versions**")
    cols = st.columns(3)
    labels = {c: plain(f"{c} {names.get(c, '')}".strip()) for c in several}
    commune = cols[0].selectbox("Commune", several, format_func=labels.get, key="versions_commune")
    sets = list(table.loc[table["commune_code"] == commune, "set_id"])
    set_a = cols[1].selectbox("Version ancienne", sets, index=0, format_func=plain, key="versions_a")
    set_b = cols[2].selectbox("Version nouvelle", sets, index=len(sets) - 1, format_func=plain, key="versions_b")
    if set_a == set_b:
        st.info("Choisissez deux versions différentes.")
        return
    diff = _diff(data.version(), commune, set_a, set_b)
    summary = versions.diff_summary(diff)
    st.caption(" · ".join(f"{format_fr(n)} bureau(x) {kind}(s)" for kind, n in summary.items()))
    changed = diff[diff["change"] != versions.UNCHANGED]
    if changed.empty:
        st.info("Aucun bureau ajouté, supprimé ni redessiné.")
        return
    show_table(pd.DataFrame({
        "bureau": changed["station_id"], "changement": changed["change"],
        "surface avant (m²)": [format_fr(v) for v in changed["area_a_m2"]],
        "surface après (m²)": [format_fr(v) for v in changed["area_b_m2"]],
        "surface déplacée (m²)": [format_fr(v) for v in changed["moved_m2"]],
        "part déplacée": [fmt_percent(v) for v in changed["moved_share"]],
    }))
