"""ASGI entry point: the Streamlit pages of ``dashboard/app.py`` plus Isoloir's own HTTP layer.

``isoloir run`` serves this file with ``streamlit run``, which finds the ``st.App`` below and runs it
under uvicorn. Routes and middleware live in :mod:`dashboard.web` (plain Starlette); this file only
assembles them: the security headers, and ``/telechargement/<token>`` (one-time downloads of files
with personal data, ``web/downloads.py``).
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from dashboard.config import Settings
from dashboard.store.campaign import CampaignStore
from dashboard.web import downloads
from dashboard.web.headers import SecurityHeaders


def _campaign_store() -> CampaignStore:
    return CampaignStore.from_settings(Settings.load())


app = st.App("app.py", routes=downloads.routes(_campaign_store), middleware=[Middleware(SecurityHeaders)])
