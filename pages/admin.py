"""Administration (``/admin``): accounts, audit log, campaign settings, rights, people (access, erasure,
opposition, message lists). Admin role only.

``dashboard/app.py`` refuses the page to the other roles before running it;
the page checks again (and the store checks every write: ``by=user``).
Widgets: :mod:`dashboard.ui.admin_panel`.
"""

from __future__ import annotations

import streamlit as st

from dashboard.access import permissions
from dashboard.ui import admin_panel, session
from dashboard.web.downloads import download_path

user = session.page_user()
if not permissions.may_open(user.role, "admin"):
    st.title("Accès refusé")
    st.error(f"Le rôle « {user.role_label} » ne permet pas d'ouvrir cette page ({permissions.ACTIONS['manage_users']}).",
             icon=":material/block:")
    st.stop()

st.title("Administration")
admin_panel.render(user, download_path)
