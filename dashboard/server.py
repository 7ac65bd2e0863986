"""ASGI entry point: the Streamlit pages of ``dashboard/app.py`` plus Isoloir's own HTTP layer.

``isoloir run`` serves this file with ``streamlit run``, which finds the ``st.App`` below and runs it
under uvicorn. Routes and middleware live in :mod:`dashboard.web` (plain Starlette); this file only
assembles them.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from dashboard.web.headers import SecurityHeaders

app = st.App("app.py", middleware=[Middleware(SecurityHeaders)])
