"""Sessions over HTTP against the real server (issue 12, rows 4, 5 and the "forged/expired cookies" that held).

Row 4: a copied cookie is useless after logout, and the cookie is HttpOnly and SameSite=Strict.
Row 5: a cookie signed with alg=none or HS512 (or tampered, or random) shows the login page, no traceback.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta, timezone
from pathlib import Path

import jwt
import pytest

from dashboard.store import CampaignStore, audit, sessions, users
from tests.security.conftest import Client

pytestmark = pytest.mark.e2e
LEAKS = ("Traceback", "Exception", "Error:", "/work/", "site-packages")


def _no_leak(body: str) -> None:
    assert not any(word in body for word in LEAKS), body[:800]


def test_login_sets_an_httponly_strict_cookie_and_carries_the_deep_link(secure_app: tuple[str, Path]) -> None:
    url, data_dir = secure_app
    client = Client(url)
    deep = "/carte?election=leg2024_t1&titre=Ma%20vue"
    first = client.get(deep, keep=False)
    assert first.status == 303 and first.header("location") == "/connexion?next=" + "%2Fcarte%3Felection%3Dleg2024_t1%26titre%3DMa%2520vue"
    answer = client.log_in("viewer", "demo-viewer", deep)
    assert answer.status == 303 and answer.header("location") == deep
    raw = next(c for c in answer.cookies() if c.startswith("isoloir_session="))
    flags = [part.strip().lower() for part in raw.split(";")[1:]]
    assert "httponly" in flags and "samesite=strict" in flags and "path=/" in flags
    assert "max-age=43200" in flags and "secure" not in flags  # plain HTTP here; Secure over HTTPS (next test)
    token = answer.cookie("isoloir_session")
    assert token and len(token) >= 43
    with CampaignStore(data_dir / "campaign.duckdb").read() as con:
        stored = [r[0] for r in con.execute("SELECT session_id FROM user_session").fetchall()]
    assert token not in stored and sessions.session_id(token) in stored  # only its hash is kept
    assert client.get(deep).status == 200  # the page itself (Streamlit's HTML)


def test_cookie_is_secure_behind_an_https_proxy(secure_app: tuple[str, Path]) -> None:
    url, _ = secure_app
    client = Client(url)
    token = client.csrf()
    answer = client.post("/connexion", {"csrf": token, "username": "viewer", "password": "demo-viewer", "next": "/"},
                         headers={"X-Forwarded-Proto": "https"})
    raw = next(c for c in answer.cookies() if c.startswith("isoloir_session="))
    assert "secure" in [p.strip().lower() for p in raw.split(";")]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "/connexion?next=//x"])
def test_next_never_leaves_the_site(secure_app: tuple[str, Path], target: str) -> None:
    url, _ = secure_app
    answer = Client(url).log_in("viewer", "demo-viewer", target)
    assert answer.status == 303 and answer.header("location") == "/"


def test_without_a_session_every_door_is_shut(secure_app: tuple[str, Path]) -> None:
    url, _ = secure_app
    client = Client(url)
    for path in ("/", "/carte", "/admin", "/terrain?x=1"):
        answer = client.get(path)
        assert answer.status == 303 and answer.header("location", ).startswith("/connexion"), path
    for path in ("/media/0123456789abcdef.csv", "/_stcore/upload_file/x/y", "/component/x/index.html"):
        assert client.get(path).status == 401, path
    assert client.get("/_stcore/health").status == 200
    assert client.get("/connexion").status == 200


def test_the_websocket_opens_only_with_a_session(secure_app: tuple[str, Path]) -> None:
    import websockets

    from tests.security.asgi import run_async

    url, _ = secure_app
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"

    async def connect(cookie: str | None) -> bool:
        headers = {"Cookie": f"isoloir_session={cookie}"} if cookie else {}
        try:
            async with websockets.connect(ws_url, subprotocols=["streamlit"], additional_headers=headers,
                                          origin=url, open_timeout=30):
                return True
        except (websockets.exceptions.InvalidStatus, websockets.exceptions.InvalidHandshake):
            return False

    client = Client(url)
    client.log_in("viewer", "demo-viewer")
    assert run_async(connect(None)) is False
    assert run_async(connect("x" * 43)) is False
    assert run_async(connect(client.jar["isoloir_session"])) is True


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _forged() -> dict[str, str]:
    claims = {"username": "admin", "exp_date": time.time() + 3600}
    return {
        "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "hs512": jwt.encode(claims, "k" * 64, algorithm="HS512"),
        "hs256": jwt.encode(claims, "k" * 64, algorithm="HS256"),
        "random": "A" * 43,
        "garbage": "%%%\"';--<script>",
    }


@pytest.mark.parametrize("kind", list(_forged()))
def test_forged_cookies_show_the_login_page(secure_app: tuple[str, Path], kind: str) -> None:
    url, _ = secure_app
    client = Client(url)
    cookie = {"Cookie": f"isoloir_session={_forged()[kind]}"}
    page = client.get("/carte", headers=cookie, keep=False)
    assert page.status == 303 and page.header("location").startswith("/connexion")
    login = client.get("/connexion", headers=cookie, keep=False)
    assert login.status == 200 and "Se connecter" in login.body
    _no_leak(login.body)


def test_tampered_token_shows_the_login_page(secure_app: tuple[str, Path]) -> None:
    url, _ = secure_app
    client = Client(url)
    client.log_in("viewer", "demo-viewer")
    token = client.jar["isoloir_session"]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    page = client.get("/carte", headers={"Cookie": f"isoloir_session={tampered}"}, keep=False)
    assert page.status == 303


def test_a_copied_cookie_is_useless_after_logout(secure_app: tuple[str, Path]) -> None:
    url, data_dir = secure_app
    client = Client(url)
    client.log_in("candidate", "demo-candidate")
    copied = client.jar["isoloir_session"]
    assert client.get("/carte").status == 200
    out = client.post("/deconnexion", {})
    assert out.status == 303 and out.header("location") == "/connexion?fin=1"
    assert "isoloir_session" not in client.jar  # cleared in the browser
    thief = Client(url, address="198.51.100.66")
    answer = thief.get("/carte", headers={"Cookie": f"isoloir_session={copied}"})
    assert answer.status == 303 and answer.header("location").startswith("/connexion")
    store = CampaignStore(data_dir / "campaign.duckdb")
    assert audit.entries(store, by="cli", action="logout", user_name="candidate")
    assert audit.verify_chain(store) is None


def test_logout_from_another_site_is_refused(secure_app: tuple[str, Path]) -> None:
    url, _ = secure_app
    client = Client(url)
    client.log_in("strategist", "demo-strategist")
    assert client.post("/deconnexion", {}, origin="https://evil.example").status == 403
    assert client.get("/carte").status == 200  # still logged in


def test_login_form_posts_need_the_token_and_this_origin(secure_app: tuple[str, Path]) -> None:
    url, _ = secure_app
    client = Client(url)
    token = client.csrf()
    fields = {"csrf": token, "username": "viewer", "password": "demo-viewer", "next": "/"}
    assert client.post("/connexion", {**fields, "csrf": "x" * 32}).status == 403
    assert client.post("/connexion", fields, origin="https://evil.example").status == 403
    assert client.post("/connexion", fields).status == 303


@pytest.mark.parametrize("change", ["disable", "set_role", "reset_password"])
def test_account_changes_end_the_sessions_at_the_next_request(secure_app: tuple[str, Path], change: str) -> None:
    url, data_dir = secure_app
    store = CampaignStore(data_dir / "campaign.duckdb")
    name = f"agent-{change.replace('_', '-')}"
    users.add_user(store, name, "un-mot-de-passe-solide", "strategist", by="cli", demo=False)
    try:
        client = Client(url, address=f"192.0.2.{30 + len(change)}")
        client.log_in(name, "un-mot-de-passe-solide")
        assert client.get("/carte").status == 200
        if change == "disable":
            users.disable_user(store, name, by="cli")
        elif change == "set_role":
            users.set_role(store, name, "viewer", by="cli")
        else:
            users.reset_password(store, name, "un-autre-mot-de-passe", by="cli")
        assert client.get("/carte").status == 303
    finally:
        with store.write() as con:  # the demo accounts log in only while no real account exists
            con.execute("DELETE FROM app_user WHERE user_name = ?", [name])
        store.close()


def test_a_two_factor_account_needs_its_code_before_any_session(secure_app: tuple[str, Path]) -> None:
    """Password right: a code page and a pending session that opens nothing; a wrong code is counted; the right
    code (or a recovery code, once) opens the session; the pending cookie alone never does."""
    import pyotp

    from dashboard.store import two_factor
    from dashboard.store.backend import utc_now

    url, data_dir = secure_app
    store = CampaignStore(data_dir / "campaign.duckdb")
    strategist = users.get_user(store, "strategist")
    assert strategist is not None
    secret = pyotp.random_base32()
    two_factor.start_enrolment(store, strategist, secret=secret)
    earlier = utc_now() - timedelta(seconds=90)  # the enrolment code's step is used: the login's code is a later one
    codes = two_factor.confirm_enrolment(store, strategist, pyotp.TOTP(secret).at(earlier.replace(tzinfo=timezone.utc)),
                                         now=earlier)

    client = Client(url, address="192.0.2.77")
    step = client.log_in("strategist", "demo-strategist", "/carte?election=leg2024_t1")
    assert step.status == 200 and "Code à usage unique" in step.body and "isoloir_session" not in client.jar
    assert "isoloir_code_due" in client.jar
    gate = client.get("/carte")
    assert gate.status == 303 and gate.header("location").startswith("/connexion")  # pending opens nothing

    def send(code: str):  # noqa: ANN202
        csrf = client.csrf()
        return client.post("/connexion", {"csrf": csrf, "second_factor": "1", "code": code, "next": "/carte?election=leg2024_t1"})

    wrong = send("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert wrong.status == 401 and "Code incorrect" in wrong.body and "isoloir_session" not in client.jar
    _no_leak(wrong.body)
    right = send(pyotp.TOTP(secret).now())
    assert right.status == 303 and right.header("location") == "/carte?election=leg2024_t1", right.body[:400]
    assert "isoloir_session" in client.jar and "isoloir_code_due" not in client.jar
    assert client.get("/carte").status == 200

    other = Client(url, address="192.0.2.78")  # a recovery code works once
    other.log_in("strategist", "demo-strategist")
    csrf = other.csrf()
    first = other.post("/connexion", {"csrf": csrf, "second_factor": "1", "code": codes[0], "next": "/"})
    assert first.status == 303 and "isoloir_session" in other.jar
    again = Client(url, address="192.0.2.79")
    again.log_in("strategist", "demo-strategist")
    csrf = again.csrf()
    reused = again.post("/connexion", {"csrf": csrf, "second_factor": "1", "code": codes[0], "next": "/"})
    assert reused.status == 401 and "isoloir_session" not in again.jar
    two_factor.reset(store, "strategist", by="cli")
