"""Running the app in Streamlit's AppTest as a logged-in user of a given role."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"


def log_in(at: AppTest, user_name: str, *, hours: float = 1.0) -> AppTest:
    """Open a real session for ``user_name`` in the store the app uses (the account must exist) and
    hand its token to the app the way AppTest can (no cookies there): the app looks it up in the
    store on every run, exactly like the browser's cookie."""
    from dashboard.config import Settings
    from dashboard.store import CampaignStore, sessions, users
    from dashboard.ui.session import TOKEN_KEY

    store = CampaignStore.from_settings(Settings.load())
    user = users.get_user(store, user_name)
    if user is None:
        raise ValueError(f"no account {user_name!r} in {store!r}")
    at.session_state[TOKEN_KEY] = sessions.create(store, user, hours=hours, client="apptest")
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


def maps(at: AppTest) -> list[dict]:
    """What each map of the page received (``dashboard.ui.map_component``'s data), in page order."""
    from dashboard.ui.map_component import COMPONENT_NAME

    return [json.loads(c.proto.json) for c in at.get("bidi_component") if c.proto.component_name == COMPONENT_NAME]


def decks(at: AppTest) -> list[dict]:
    """The deck (deck.gl JSON) of each map of the page, in page order."""
    return [json.loads(m["deck"]) for m in maps(at)]


def carte_stations(at: AppTest, index: int = 0) -> dict[str, dict]:
    """Station id → colour ``c`` and tooltip text ``v`` of a map's choropleth drawn from geometry tiles."""
    from dashboard.config import Settings
    from dashboard.maps.tiles import drawn_stations
    from dashboard.warehouse.database import Warehouse

    geo = maps(at)[index]["geo"]
    with Warehouse(Settings.load().warehouse_path, read_only=True) as wh:
        return drawn_stations(wh, geo)
