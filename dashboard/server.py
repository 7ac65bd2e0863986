"""ASGI entry point: the Streamlit pages of ``dashboard/app.py`` plus Isoloir's own HTTP layer.

``isoloir run`` serves this file with ``streamlit run``, which finds the ``st.App`` below and runs it
under uvicorn. Routes and middleware live in :mod:`dashboard.web` (plain Starlette); this file only
assembles them: the login routes (``/connexion``, ``/deconnexion``), ``/telechargement/<token>``
(one-time downloads of files with personal data, ``web/downloads.py``), the canvasser's phone page and
its JSON API under ``/porte-a-porte/`` (``web/field.py``), the map's station geometry tiles under
``/carte-geo/`` (``web/geo.py``), the session gate in front of
every page, websocket and file, and the security headers on every answer.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from dashboard.config import Settings
from dashboard.web import downloads, field, geo
from dashboard.web.auth import SessionGate, Site, routes
from dashboard.web.headers import SecurityHeaders

site = Site(Settings.load())
app = st.App("app.py",
             routes=[*routes(site), *downloads.routes(lambda: site.store), *field.routes(site), *geo.routes(site)],
             middleware=[Middleware(SecurityHeaders), Middleware(SessionGate, site=site)])
