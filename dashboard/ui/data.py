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
    """One read-only connection per process; raises :class:`WarehouseMissing`."""
    return Warehouse(settings().warehouse_path, read_only=True)


@st.cache_data(show_spinner="Lecture de l'entrepôt…")
def info() -> dict[str, Any]:
    from dashboard.warehouse.info import warehouse_info

    return warehouse_info(warehouse())


def territory() -> str | None:
    """``"démo …"`` for the demo territory, else ``None``."""
    try:
        value = warehouse().meta("territory")
    except WarehouseMissing:
        return None
    return value if value and value.startswith("démo") else None


def version() -> int:
    """Changes when the warehouse file is rewritten (an import): part of every cache key."""
    try:
        return settings().warehouse_path.stat().st_mtime_ns
    except OSError:
        return 0


def campaign() -> CampaignStore:
    return CampaignStore.from_settings(settings())
