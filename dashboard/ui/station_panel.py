"""The station detail under the map: results for every election, history, indicators, rank."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.boundaries.crosswalk import RELIABILITY_THRESHOLD
from dashboard.maps import charts
from dashboard.errors import IsoloirError
from dashboard.formats import fmt_percent
from dashboard.formats import format_fr
from dashboard.maps.build import MapSpec
from dashboard.maps.view import MapView
from dashboard.maps.station_detail import StationDetail, station_detail
from dashboard.ui import data
from dashboard.ui.tables import show_table
from dashboard.warehouse.queries import station_label
from dashboard.text import plain


@st.cache_data(show_spinner="Fiche du bureau…", max_entries=256)
def _detail(version: int, station_id: str, set_id: str | None) -> StationDetail:
    return station_detail(data.warehouse(), station_id, set_id)


def show(station_id: str, view: MapView, spec: MapSpec) -> None:
    frame = spec.result.frame
    row = frame[frame["station_id"] == station_id]
    set_id = str(row["set_id"].iloc[0]) if not row.empty else None
    try:
        detail = _detail(data.version(), station_id, set_id)
    except IsoloirError as error:
        st.warning(plain(error.message_fr))
        return
    st.header(plain(station_label(detail.bv_code, detail.name, detail.commune_name)), anchor="fiche-bureau")
    st.caption(f"Identifiant {plain(detail.station_id)} · contours « {plain(detail.set_id or '—')} »")
    turnout = detail.turnout[detail.turnout["election_id"] == view.election_id]
    ranks = detail.ranks[detail.ranks["election_id"] == view.election_id]
    if not turnout.empty:
        t = turnout.iloc[0]
        cols = st.columns(5)
        cols[0].metric("Inscrits", format_fr(t["registered"]))
        cols[1].metric("Votants", format_fr(t["voters"]))
        cols[2].metric("Participation", fmt_percent(t["turnout"]))
        cols[3].metric("Exprimés", format_fr(t["expressed"]))
        if not ranks.empty:
            r = ranks.iloc[0]
            cols[4].metric("Rang (participation)", f"{int(r['turnout_rank'])}e / {int(r['n_stations'])}"
                           if pd.notna(r["turnout_rank"]) else "—")
    else:
        st.info("Pas de résultats de cette élection pour ce bureau.")
    _carried_caption(detail, view.election_id)
    tabs = st.tabs(["Résultats par élection", "Historique", "Indicateurs", "Rang dans la commune"])
    with tabs[0]:
        blocks = charts.results_blocks(detail.results)
        if not blocks:
            st.info("Aucun résultat pour ce bureau.")
        for block in blocks:  # one chart per election: each stretches to the page (a concatenation is cut)
            st.altair_chart(block, width="stretch")
    with tabs[1]:
        st.altair_chart(charts.history_lines(detail.history), width="stretch")
    with tabs[2]:
        _indicators(detail)
    with tabs[3]:
        _ranks(detail)


def _carried_caption(detail: StationDetail, election_id: str | None) -> None:
    """Say when results come from other boundaries through a crosswalk (or could not)."""
    carried = detail.carried[detail.carried["election_id"] == election_id]
    if carried.empty:
        return
    row = carried.iloc[0]
    if row["reliability"] < RELIABILITY_THRESHOLD:
        st.caption(f"Élection dessinée sur d'autres contours (« {plain(str(row['from_set']))} ») : report trop peu fiable "
                   f"({fmt_percent(row['reliability'], 0)} < {fmt_percent(RELIABILITY_THRESHOLD, 0)}), résultats non montrés.")
    else:
        st.caption(f"Résultats reportés depuis les contours « {plain(str(row['from_set']))} » par la table de passage "
                   f"(fiabilité {fmt_percent(row['reliability'], 0)}).")


def _indicators(detail: StationDetail) -> None:
    table = detail.indicators
    if table.empty:
        st.info("Pas d'indicateurs IRIS pour cette commune (importez contours et indicateurs IRIS).")
        return
    shown = pd.DataFrame({
        "indicateur": table["label"],
        "code INSEE": table["variable"],
        "bureau (estimation)": [format_fr(v, 0 if a else 1) for v, a in zip(table["station_value"], table["additive"])],
        "commune": [format_fr(v, 0 if a else 1) for v, a in zip(table["commune_value"], table["additive"])],
        "part au bureau": [fmt_percent(v) for v in table["station_pct"]],
        "part dans la commune": [fmt_percent(v) for v in table["commune_pct"]],
        "année": table["year"].astype(str),
    })
    show_table(shown)
    method = str(table["method"].iloc[0])
    how = (
        "chaque IRIS compte pour la part de ses adresses REU rattachées au bureau"
        if method == "adresses" else "chaque IRIS compte pour la part de sa surface comprise dans le bureau"
    )
    st.caption(f"Estimation par {method} : {how} (effectifs sommés, taux et revenus moyennés, pondérés par la population).")


def _ranks(detail: StationDetail) -> None:
    ranks = detail.ranks
    if ranks.empty:
        st.info("Aucun résultat pour ce bureau.")
        return
    shown = pd.DataFrame({
        "élection": ranks["label"],
        "participation": [fmt_percent(v) for v in ranks["turnout"]],
        "rang participation": [f"{int(r)}e / {int(n)}" if pd.notna(r) else "—" for r, n in zip(ranks["turnout_rank"], ranks["n_stations"])],
        "en tête": ranks["winner"].fillna("—"),
        "score en tête": [fmt_percent(v) for v in ranks["winner_share"]],
        "rang de ce score": [f"{int(r)}e / {int(n)}" if pd.notna(r) else "—" for r, n in zip(ranks["winner_share_rank"], ranks["winner_n_stations"])],
    })
    show_table(shown)
