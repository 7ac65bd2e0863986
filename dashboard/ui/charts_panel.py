"""Charts under the map: territory results, indicator × share scatter, distribution of the measure."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.maps import charts, measures

from dashboard.iris import estimates
from dashboard.maps.build import MapSpec
from dashboard.maps.view import MapView
from dashboard.maps.measure_types import Measure
from dashboard.maps.results_summary import territory_results_frame
from dashboard.ui import choices, data
from dashboard.ui.map_panel import scope_of

_FORMATS = {"ratio": ".0%", "points": "+.1%"}
SCATTER_MAX_STATIONS = 3000  # area weighting runs per commune: interactive up to a few thousand stations


@st.cache_data(show_spinner=False, max_entries=64)
def _territory(version: int, election_id: str, communes: tuple[str, ...], by: str) -> pd.DataFrame:
    return territory_results_frame(data.warehouse(), election_id, list(communes) or None, by=by)  # type: ignore[arg-type]


@st.cache_data(show_spinner="Estimation des indicateurs par bureau…", max_entries=64)
def _station_indicator(version: int, variable: str, year: int, stations: pd.DataFrame) -> pd.DataFrame:
    return estimates.indicator_by_station(data.warehouse(), variable, year, stations)


@st.cache_data(show_spinner=False, max_entries=64)
def _share(version: int, election_id: str, target_type: str, target: str, communes: tuple[str, ...],
           stations: tuple[str, ...] | None) -> pd.Series:
    from dashboard.maps.territory import Scope

    measure = Measure("share", election_id, target_type, target)
    numerator, denominator = measures.numerator_denominator(data.warehouse(), measure, election_id, Scope(communes, stations))
    return numerator / denominator.where(denominator > 0)


def show(view: MapView, spec: MapSpec) -> None:
    st.header("Graphiques", anchor="graphiques")
    tabs = st.tabs(["Résultats du territoire", "Indicateur × score", "Distribution de la mesure"])
    version = data.version()
    scope = scope_of(view)
    with tabs[0]:
        by = st.radio("Regrouper", ["candidate", "bloc"], format_func={"candidate": "par candidat ou liste", "bloc": "par bloc"}.get,
                      horizontal=True, key="charts_by")
        frame = _territory(version, view.election_id, scope.communes, by)
        st.altair_chart(charts.territory_results(frame), width="stretch")
        if scope.stations is not None:
            st.caption("Résultats des communes entières de la circonscription.")
    with tabs[1]:
        _scatter(view, version, scope)
    with tabs[2]:
        values = spec.result.frame["value"]
        unit = "IRIS" if view.layer == "iris" else "bureaux"
        st.altair_chart(charts.distribution(values, spec.title, fmt=_FORMATS.get(spec.result.unit, ",.0f"), unit=unit),
                        width="stretch")


def _scatter(view: MapView, version: int, scope) -> None:  # noqa: ANN001 - Scope
    catalogue = choices.indicators(version, scope)
    if catalogue.empty:
        st.info("Pas d'indicateurs IRIS sur ce territoire : le nuage de points a besoin de contours et d'indicateurs IRIS.")
        return
    keys = [f"{v}|{y}" for v, y in zip(catalogue["variable"], catalogue["year"])]
    labels = dict(zip(keys, catalogue["label"] + " (" + catalogue["year"].astype(str) + ")"))
    left, right = st.columns(2)
    choice = left.selectbox("Indicateur (axe horizontal)", keys, format_func=labels.get, key="charts_indicator")
    found = choices.targets(version, view.election_id, "bloc", scope)
    target_labels = dict(zip(found["key"], found["label"]))
    if not target_labels:
        st.info("Pas de résultats pour cette élection.")
        return
    default = view.target if view.target_type == "bloc" and view.target in target_labels else list(target_labels)[0]
    target = right.selectbox("Score (axe vertical, part des exprimés)", list(target_labels), format_func=target_labels.get,
                             index=list(target_labels).index(default), key="charts_target")
    variable, year = choice.split("|")
    stations = choices.drawn_stations(version, view.election_id, scope)
    if len(stations) > SCATTER_MAX_STATIONS:
        st.info(f"Le nuage de points estime l'indicateur bureau par bureau : choisissez un territoire de moins de "
                f"{SCATTER_MAX_STATIONS:,} bureaux (ici {len(stations):,}).".replace(",", "\u202f"))
        return
    indicator = _station_indicator(version, variable, int(year), stations[["station_id", "set_id"]].reset_index(drop=True))
    share = _share(version, view.election_id, "bloc", target, scope.communes, scope.stations)
    frame = stations[["station_id", "name"]].assign(
        x=stations["station_id"].map(indicator.set_index("station_id")["value"]),
        y=stations["station_id"].map(share),
    )
    frame = frame.dropna(subset=["x", "y"])
    if len(frame) < 3:
        st.info("Trop peu de bureaux avec l'indicateur et le score pour un nuage de points.")
        return
    is_share = bool(indicator["is_share"].iloc[0]) if "is_share" in indicator and len(indicator) else False
    st.altair_chart(
        charts.scatter_regression(frame, "x", "y", labels[choice] + (" (part)" if is_share else ""),
                                  f"Score {target_labels[target]}", name="name",
                                  x_format=".0%" if is_share else ",.0f"),
        width="stretch",
    )
    st.caption("Indicateur estimé par bureau : IRIS pondérés par les adresses REU ou les surfaces "
               "(pondération enregistrée par « isoloir interpolate », sinon surfaces calculées à la volée).")
