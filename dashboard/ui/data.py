"""Cached access to the read-only warehouse (shared by all sessions: public data only)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard.config import Settings
from dashboard.errors import WarehouseMissing
from dashboard.store import CampaignStore
from dashboard.warehouse.database import Warehouse


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return Settings.load()


@st.cache_resource(show_spinner=False)
def warehouse() -> Warehouse:
    """One read-only warehouse per process, shared by every session: each query runs on a cursor
    of its own, and the file is re-opened within a second when a CLI writer swaps a new one in
    (``warehouse/snapshots.py``). Raises :class:`WarehouseMissing`."""
    return Warehouse(settings().warehouse_path, read_only=True)


@st.cache_data(show_spinner="Lecture de l'entrepôt…", max_entries=4)
def _info(version: int) -> dict[str, Any]:
    from dashboard.warehouse.info import warehouse_info

    return warehouse_info(warehouse())


def info() -> dict[str, Any]:
    return _info(version())


info.clear = _info.clear  # type: ignore[attr-defined] # as the cached function it wraps


@st.cache_data(show_spinner=False, max_entries=4)
def _territory(version: int) -> str | None:
    value = warehouse().meta("territory")
    return value if value and value.startswith("démo") else None


def territory() -> str | None:
    """``"démo …"`` for the demo territory, else ``None``."""
    try:
        return _territory(version())
    except WarehouseMissing:
        return None


def version() -> int:
    """The version of the warehouse file the next queries read (changes when a writer swaps a new
    file in): part of every cache key of warehouse data, so new data show without a restart."""
    try:
        return warehouse().version
    except WarehouseMissing:
        return 0


def campaign() -> CampaignStore:
    return CampaignStore.from_settings(settings())
