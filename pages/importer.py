"""Importer (``/import``): drop public data files, see what each is, preview, correct, confirm.

Admin, and the accounts an admin gave the "data" right (``dashboard.access.permissions.RIGHTS``).
``dashboard/app.py`` refuses the page to the others before running it; the page checks again, and
the confirm re-reads the right when it runs. Widgets and file handling: :mod:`dashboard.ui.import_panel`.
"""

from __future__ import annotations

import streamlit as st

from dashboard.access import permissions
from dashboard.ui import import_panel, session

user = session.page_user()
if not permissions.may_open(user.role, "import", user.rights):
    st.title("Accès refusé")
    st.error(f"Ce compte ne peut pas ouvrir cette page ({permissions.ACTIONS['import_data']}) : "
             "un administrateur peut lui donner le droit « données ».", icon=":material/block:")
    st.stop()
import_panel.render(user)
