"""Issue 12, rows 2 and 13: rights are those of the moment of the action, files with personal data leave only
once, through an audited one-time ticket, never from Streamlit's media store nor from a table's toolbar.

Row 2 (dffab45: a candidate disabled or demoted while their page was open still exported every contact, audited
as a success, and the CSV stayed at ``/media/<hash>.csv`` with no cookie): here the click is refused and audited
as a refusal, at the page, at the store and at the download route; a ticket serves one file, once, within 60 s;
nothing of the contacts ever goes to the media store. Row 13 (a canvasser's table toolbar downloaded names):
``tests/e2e/test_no_side_door.py`` looks at the toolbar in Chromium; here, the configuration and the table kinds.
"""

from __future__ import annotations

import threading
import tomllib
from datetime import timedelta
from pathlib import Path

import bcrypt
import pytest

from dashboard.access.permissions import PermissionDenied
from dashboard.store import CampaignStore, audit, contacts, sessions, tickets, users
from dashboard.store.backend import utc_now
from dashboard.web import downloads
from tests.apptest import app_test, open_page
from tests.campaign_stores import StoreMaker
from tests.security.asgi import get

ROOT = Path(__file__).resolve().parents[2]
NAME, PHONE = "Zoé Confidentielle", "06 55 44 33 22"


@pytest.fixture(scope="module")
def template(store_maker: StoreMaker) -> CampaignStore:
    store = store_maker.new()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        for name, role in (("dir", "admin"), ("cand", "candidate"), ("dir2", "admin")):
            users.add_user(store, name, "a-long-password-1", role, by="cli")
    contacts.add_contact(store, by="cli", address_id="b1@45999_1", address="1 rue X", full_name=NAME, outcome="rencontre",
                         consent=True, phone=PHONE)
    return store


@pytest.fixture
def store(template: CampaignStore, new_store) -> CampaignStore:  # noqa: ANN001
    return new_store(clone_of=template)


def _as(store: CampaignStore, user_name: str) -> dict[str, str]:
    """The headers of a browser holding a session of ``user_name`` (the route serves only the ticket holder's)."""
    user = users.get_user(store, user_name)
    assert user is not None
    return {"Cookie": f"isoloir_session={sessions.create(store, user, hours=1)}"}


def _denied(store: CampaignStore, user_name: str) -> list[audit.AuditEntry]:
    return [e for e in audit.entries(store, by="cli", action="permission_denied") if e.user_name == user_name]


def _tickets(store: CampaignStore) -> int:
    with store.read() as con:
        return int(con.execute("SELECT count(*) FROM download_ticket").fetchone()[0])


# -- the store: the user as they are now ---------------------------------------------------------------------
@pytest.mark.parametrize("change", ["disable", "demote"])
def test_a_stale_user_is_refused_and_the_refusal_audited(store: CampaignStore, change: str) -> None:
    drawn = users.get_user(store, "cand")  # the page was drawn with this account
    assert drawn is not None
    if change == "disable":
        users.disable_user(store, "cand", by="cli")
    else:
        users.set_role(store, "cand", "viewer", by="cli")
    for call in (lambda: tickets.issue(store, "contacts", by=drawn), lambda: contacts.export_contacts_csv(store, by=drawn),
                 lambda: contacts.contacts(store, by=drawn)):
        with pytest.raises(PermissionDenied, match="désactivé" if change == "disable" else "vos droits ont changé"):
            call()
    assert len(_denied(store, "cand")) == 3 and all(e.outcome == "denied" for e in _denied(store, "cand"))
    assert not audit.entries(store, by="cli", action="export") and _tickets(store) == 0
    assert audit.verify_chain(store) is None


# -- the route: rights re-read when the file is asked for ----------------------------------------------------
def test_a_ticket_gives_one_file_once_with_no_store(store: CampaignStore) -> None:
    routes = downloads.routes(lambda: store)
    token = tickets.issue(store, "contacts", by=users.get_user(store, "cand"))
    with store.read() as con:  # only the token's hash is kept
        assert con.execute("SELECT count(*) FROM download_ticket WHERE token_hash = ?", [token]).fetchone()[0] == 0
    first = get(routes, downloads.download_path(token), _as(store, "cand"))
    assert first.status == 200 and NAME in first.body.decode("utf-8-sig") and PHONE in first.body.decode("utf-8-sig")
    assert first.headers["cache-control"] == "no-store"
    assert first.headers["content-disposition"].startswith('attachment; filename="contacts-')
    assert [e.user_name for e in audit.entries(store, by="cli", action="export")] == ["cand"]
    again = get(routes, downloads.download_path(token), _as(store, "cand"))
    assert again.status == 404 and NAME.encode() not in again.body
    assert len(audit.entries(store, by="cli", action="export")) == 1


def test_parallel_requests_get_one_file(store: CampaignStore) -> None:
    token = tickets.issue(store, "contacts", by=users.get_user(store, "dir"))
    results: list[object] = []
    barrier = threading.Barrier(6)

    def redeem() -> None:
        barrier.wait()
        results.append(tickets.redeem(store, token))

    threads = [threading.Thread(target=redeem) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r is not None for r in results) == 1


def test_a_ticket_expires(store: CampaignStore) -> None:
    token = tickets.issue(store, "contacts", by=users.get_user(store, "dir"))
    assert tickets.redeem(store, token, now=utc_now() + tickets.LIFETIME + timedelta(seconds=1)) is None
    old = tickets.issue(store, "contacts", by=users.get_user(store, "dir"), now=utc_now() - tickets.LIFETIME - timedelta(seconds=1))
    answer = get(downloads.routes(lambda: store), downloads.download_path(old), _as(store, "dir"))
    assert answer.status == 404 and NAME.encode() not in answer.body and "expiré" in answer.body.decode()


@pytest.mark.parametrize("change", ["disable", "demote"])
def test_the_route_refuses_a_user_changed_after_the_click(store: CampaignStore, change: str) -> None:
    token = tickets.issue(store, "contacts", by=users.get_user(store, "cand"))  # clicked while still a candidate
    browser = _as(store, "cand")
    if change == "disable":  # the account's sessions end with it: the route sees no session of the holder
        users.disable_user(store, "cand", by="cli")
        expected = {"action": "download", "reason": "session"}
    else:  # a demoted user logging in again holds a session, but no longer the right to export
        users.set_role(store, "cand", "strategist", by="cli")
        browser = _as(store, "cand")
        expected = {"action": "export_personal_data"}
    answer = get(downloads.routes(lambda: store), downloads.download_path(token), browser)
    assert answer.status == 403 and NAME.encode() not in answer.body and answer.headers["cache-control"] == "no-store"
    assert "refusé" in answer.body.decode() or "désactivé" in answer.body.decode()
    assert _denied(store, "cand")[0].detail == expected
    assert not audit.entries(store, by="cli", action="export")


@pytest.mark.parametrize("browser", ["none", "other_user", "forged"])
def test_a_ticket_is_refused_to_anyone_but_its_holder(store: CampaignStore, browser: str) -> None:
    """A link opened without the holder's session (no cookie, another account's, a forged one) gives nothing; the
    refusal is audited and the ticket is spent."""
    token = tickets.issue(store, "contacts", by=users.get_user(store, "cand"))
    headers = {"none": {}, "other_user": _as(store, "dir2"), "forged": {"Cookie": "isoloir_session=" + "x" * 43}}[browser]
    answer = get(downloads.routes(lambda: store), downloads.download_path(token), headers)
    assert answer.status == 403 and NAME.encode() not in answer.body
    assert _denied(store, "cand")[0].detail == {"action": "download", "reason": "session"}
    assert not audit.entries(store, by="cli", action="export")
    assert get(downloads.routes(lambda: store), downloads.download_path(token), _as(store, "cand")).status == 404


# -- the page (AppTest on the demo) ---------------------------------------------------------------------------
class _MediaSpy:
    """Everything the page hands to Streamlit's media store (served at /media/<hash>)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

        self.payloads: list[bytes] = []
        original = MemoryMediaFileStorage.load_and_get_id

        def spy(storage, path_or_data, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            self.payloads.append(path_or_data if isinstance(path_or_data, bytes) else str(path_or_data).encode())
            return original(storage, path_or_data, *args, **kwargs)

        monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)


def test_the_export_click_gives_a_one_time_link_and_nothing_in_the_media_store(demo_env: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    media = _MediaSpy(monkeypatch)
    store = CampaignStore(demo_env / "campaign.duckdb")
    at = open_page(app_test("candidate").run(), "terrain.py")
    assert "Exporter les contacts (CSV)" not in [d.proto.label for d in at.get("download_button")]
    at.button(key="terrain_export").click().run()
    assert not at.exception and not at.error
    [link] = [b for b in at.get("link_button") if b.proto.label == "Télécharger le fichier des contacts"]
    assert link.proto.url.startswith("/telechargement/")
    names = set(contacts.contacts(store, by="cli")["full_name"])
    assert names and not any(name.encode() in payload for name in names for payload in media.payloads)
    answer = get(downloads.routes(lambda: store), link.proto.url, _as(store, "candidate"))
    assert answer.status == 200 and all(name in answer.body.decode("utf-8-sig") for name in names)
    assert get(downloads.routes(lambda: store), link.proto.url, _as(store, "candidate")).status == 404


@pytest.mark.parametrize("change", ["disable", "demote"])
def test_disable_or_demote_while_the_page_is_open_then_click(demo_env: Path, change: str) -> None:
    store = CampaignStore(demo_env / "campaign.duckdb")
    at = open_page(app_test("candidate").run(), "terrain.py")
    assert any(b.label == "Exporter les contacts (CSV)" for b in at.button)
    if change == "disable":
        users.disable_user(store, "candidate", by="cli")
    else:
        users.set_role(store, "candidate", "strategist", by="cli")
    at.button(key="terrain_export").click().run()
    assert not at.exception
    assert not [b for b in at.get("link_button") if "contacts" in b.proto.label]
    assert _tickets(store) == 0 and not audit.entries(store, by="cli", action="export")
    refusal = _denied(store, "candidate")
    assert refusal and refusal[0].detail == {"action": "export_personal_data"} and refusal[0].outcome == "denied"


# -- row 13: no side door --------------------------------------------------------------------------------------
def test_no_table_offers_a_built_in_export() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True  # no CSV button nor clipboard copy on any st.dataframe


def test_personal_tables_are_static_for_the_canvasser(demo_env: Path) -> None:
    at = open_page(app_test("canvasser").run(), "terrain.py")
    assert not at.exception
    people = [t.value for t in at.table if "nom" in t.value.columns]
    assert len(people) == 1 and len(people[0]) >= 1  # the people met: a static table (no toolbar, no selection)
    assert not [d for d in at.dataframe if {"nom", "téléphone", "courriel"} & set(d.value.columns)]
    assert "Exporter les contacts (CSV)" not in [b.label for b in at.button]


def test_a_walk_sheet_click_uses_the_rights_of_the_click(demo_env: Path) -> None:
    """Walk sheets (addresses only, no names) are built on click by a callable holding the page's user: a canvasser
    disabled since the page was drawn is refused there, and the refusal audited."""
    from dashboard.store import turfs
    from dashboard.ui import terrain_panel
    from dashboard.warehouse.database import Warehouse

    store = CampaignStore(demo_env / "campaign.duckdb")
    drawn = users.get_user(store, "canvasser")
    [turf] = turfs.turfs_for(store, by=drawn)
    users.disable_user(store, "canvasser", by="cli")
    with Warehouse(demo_env / "warehouse.duckdb", read_only=True) as wh:
        for kind in ("pdf", "csv"):
            with pytest.raises(PermissionDenied, match="désactivé"):
                terrain_panel.walklist_file(store, wh, turf.turf_id, kind, by=drawn)
    assert len(_denied(store, "canvasser")) == 2
    assert not audit.entries(store, by="cli", action="export_walklist")
