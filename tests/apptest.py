"""Running the app in Streamlit's AppTest as a logged-in user of a given role."""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"


def log_in(at: AppTest, user_name: str, *, hours: float = 1.0) -> AppTest:
    """Put ``user_name`` in the session as the login form does (the account must exist in the store)."""
    at.session_state["authentication_status"] = True
    at.session_state["username"] = user_name
    at.session_state["logout"] = False
    at.session_state["isoloir_session_expires"] = time.time() + hours * 3600
    return at


def app_test(user_name: str | None = "admin", **params: str) -> AppTest:
    """An AppTest of the whole app (not run yet), logged in as ``user_name`` (None: logged out)."""
    at = AppTest.from_file(str(APP), default_timeout=90)
    if user_name:
        log_in(at, user_name)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def open_page(at: AppTest, page_file: str) -> AppTest:
    """Open ``pages/<page_file>`` as if its address were typed (the app must have run once)."""
    return at.switch_page(f"../pages/{page_file}").run()
