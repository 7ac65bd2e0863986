"""Isoloir's own HTTP layer beside Streamlit's pages: plain Starlette routes and ASGI middleware.

Mounted by :mod:`dashboard.server` (the ``st.App`` that ``isoloir run`` serves). No Streamlit here.
"""
