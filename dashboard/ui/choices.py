"""Cached lists the widgets offer (territories, elections, targets, indicators), keyed by warehouse version."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.maps import iris_measures, measures, territory
from dashboard.maps.territory import Scope
from dashboard.ui import data


@st.cache_data(show_spinner=False, max_entries=16)
def departements(version: int) -> pd.DataFrame:
    return territory.departements(data.warehouse())


@st.cache_data(show_spinner=False, max_entries=64)
def communes(version: int, departements: tuple[str, ...]) -> pd.DataFrame:
    return territory.communes(data.warehouse(), departements)


@st.cache_data(show_spinner=False, max_entries=64)
def circonscriptions(version: int, communes: tuple[str, ...], departements: tuple[str, ...]) -> pd.DataFrame:
    return territory.circonscriptions(data.warehouse(), communes, departements)


@st.cache_data(show_spinner=False, max_entries=64)
def elections(version: int, scope: Scope) -> pd.DataFrame:
    return measures.elections(data.warehouse(), scope)


@st.cache_data(show_spinner=False, max_entries=128)
def targets(version: int, election_id: str, target_type: str, scope: Scope) -> pd.DataFrame:
    return measures.targets(data.warehouse(), election_id, target_type, scope)


@st.cache_data(show_spinner=False, max_entries=64)
def indicators(version: int, scope: Scope) -> pd.DataFrame:
    return iris_measures.catalogue(data.warehouse(), scope)


@st.cache_data(show_spinner=False, max_entries=64)
def drawn_stations(version: int, election_id: str, scope: Scope) -> pd.DataFrame:
    return measures.drawn_stations(data.warehouse(), election_id, scope)
