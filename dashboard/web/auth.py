"""Login and logout as plain HTTP, and the gate that keeps every other door shut without a session.

- ``GET /connexion``: the login page (French HTML, no Streamlit), or the first-admin form with
  its one-time setup code while no admin exists (:mod:`dashboard.web.setup_code`).
- ``POST /connexion``: checks the password (:func:`dashboard.store.users.verify_login`,
  throttled per client address and per (address, user), audited), opens a server-side session
  (:mod:`dashboard.store.sessions`) and sets the cookie ``isoloir_session`` = the random token,
  ``HttpOnly; SameSite=Strict; Path=/``, ``Secure`` over HTTPS, ``Max-Age`` = the session length,
  then 303 to ``next`` (a local path only: no open redirect).
- ``POST /deconnexion``: ends every session of the user and clears the cookie.
- :class:`SessionGate`: a page load without a valid session is sent to ``/connexion?next=…``;
  the Streamlit websocket, ``/media/``, uploads and component files are refused (a request asking for
  JSON, such as the phone page's API, gets a JSON 401 with a French ``erreur``); static assets
  and health checks stay open. An unauthenticated client never runs the Streamlit script.

Form posts are checked twice against cross-site requests: ``Origin`` (else ``Referer``) must be
this host, and a per-browser token (cookie ``isoloir_csrf``, HttpOnly, SameSite=Strict) must come
back in the form. No exception text ever reaches the client: failures are logged and answered in
French.

A second login step (a one-time code) fits in :func:`_after_password`, between the password
check and the session.
"""

from __future__ import annotations

import html
import hmac
import ipaddress
import logging
import secrets
import threading
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from dashboard.config import Settings
from dashboard.errors import IsoloirError
from dashboard.text import sentence
from dashboard.store import CampaignStore, audit, sessions, two_factor, users
from dashboard.store.users import User
from dashboard.web import setup_code

COOKIE = "isoloir_session"
CSRF_COOKIE = "isoloir_csrf"
PENDING_COOKIE = "isoloir_code_due"  # the pending session between a right password and the one-time code
MAX_CODE_FAILURES = 5  # wrong codes before the password must be typed again
LOGIN_PATH = "/connexion"
LOGOUT_PATH = "/deconnexion"
MAX_FORM_BYTES = 16 * 1024
# Open without a session: Streamlit's static bundle, health checks, the login routes.
OPEN_PREFIXES = ("/static/", "/_stcore/health", "/_stcore/host-config", "/_stcore/script-health-check",
                 "/favicon.png", LOGIN_PATH, LOGOUT_PATH)
# Refused (not redirected) without a session: the app's websocket, its files, uploads, components.
API_PREFIXES = ("/_stcore/", "/media/", "/component/", "/app/static/")
LOG = logging.getLogger("isoloir.web.auth")

_NOTICES = {
    "fin": "Vous êtes déconnecté.",
    "compte": "Compte administrateur créé : connectez-vous.",
    "session": "Session fermée : reconnectez-vous.",
    "code": "Délai du code dépassé ou trop d'essais : reconnectez-vous.",
}


# -- the campaign and its store ------------------------------------------------------------------
class Site:
    """What the HTTP layer needs from the settings: the store, the data folder, the demo flag."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = CampaignStore.from_settings(settings)
        self.trusted = _networks(settings.trusted_proxies)
        self._territory: tuple[float, str | None] | None = None
        self._lock = threading.Lock()

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    def demo_territory(self) -> bool:
        """Whether the warehouse holds the fictitious demo territory (the only place demo accounts log in)."""
        path = self.settings.warehouse_path
        try:
            stamp = path.stat().st_mtime
        except OSError:
            return False
        with self._lock:
            if self._territory is None or self._territory[0] != stamp:
                from dashboard.warehouse.database import Warehouse

                try:
                    with Warehouse(path, read_only=True) as wh:
                        value = wh.meta("territory")
                except Exception:  # noqa: BLE001 - an unreadable warehouse is not a demo one
                    LOG.exception("warehouse unreadable while checking for the demo territory")
                    value = None
                self._territory = (stamp, value)
            value = self._territory[1]
        return bool(value and str(value).startswith("démo"))

    def demo_hint(self) -> list[User]:
        """The demo accounts to list on the login page: only in the demo, and only while no real account exists."""
        if not self.demo_territory() or not self.store.exists():
            return []
        accounts = users.list_users(self.store, by="cli")
        if any(not u.demo for u in accounts):
            return []
        return [u for u in accounts if u.demo and u.active]


def _networks(values: tuple[str, ...]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    nets = []
    for value in values:
        try:
            nets.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            LOG.warning("ISOLOIR_TRUSTED_PROXIES: not an address: %r (ignored)", value)
    return nets


def _trusted_peer(site: Site, scope: Scope) -> bool:
    peer = (scope.get("client") or ("", 0))[0]
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in net for net in site.trusted)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def client_address(site: Site, scope: Scope) -> str:
    """The client: the socket peer, or the last ``X-Forwarded-For`` hop when the peer is a trusted proxy."""
    peer = str((scope.get("client") or ("inconnue", 0))[0])
    if _trusted_peer(site, scope):
        forwarded = _header(scope, b"x-forwarded-for")
        if forwarded:
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            if hops:
                return hops[-1][:64]
    return peer[:64]


def is_https(site: Site, scope: Scope) -> bool:
    if scope.get("scheme") in ("https", "wss"):
        return True
    return _trusted_peer(site, scope) and (_header(scope, b"x-forwarded-proto") or "").lower() == "https"


def cookie_token(scope: Scope) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # noqa: BLE001 - a malformed cookie header names no session
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


def session_user(site: Site, token: str | None) -> User | None:
    """The user of a session token, None for any bad token and on any store failure (logged)."""
    if not token:
        return None
    try:
        return sessions.lookup(site.store, token)
    except Exception:  # noqa: BLE001 - a store failure must not open the door nor show a traceback
        LOG.exception("session lookup failed")
        return None


def safe_next(value: str | None) -> str:
    """``value`` if it is a local path (with its query), else ``/``: never another site."""
    if not value or len(value) > 2048:
        return "/"
    value = value.strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value or any(ord(c) < 32 for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith((LOGIN_PATH, LOGOUT_PATH)):
        return "/"
    return value


# -- the pages --------------------------------------------------------------------------------------
_STYLE = """
body{font-family:"Source Sans Pro",system-ui,sans-serif;background:#f6f7f9;color:#1d2530;margin:0}
main{max-width:26rem;margin:8vh auto;background:#fff;padding:2rem 2.2rem;border-radius:.6rem;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:1.5rem;margin:0 0 1.2rem}label{display:block;margin:.9rem 0 .3rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.55rem .6rem;font-size:1rem;
border:1px solid #b8c0cc;border-radius:.35rem}
button{margin-top:1.3rem;width:100%;padding:.65rem;font-size:1rem;background:#1f4e79;color:#fff;border:0;
border-radius:.35rem;cursor:pointer}button:hover{background:#173b5c}
.msg{padding:.7rem .9rem;border-radius:.35rem;margin-bottom:1rem}.err{background:#fdecea;color:#8a1c12}
.info{background:#e8f1fb;color:#173b5c}.demo{background:#fff6dd;color:#5c4300;font-size:.92rem}
code{background:rgba(0,0,0,.06);padding:0 .25rem;border-radius:.2rem}
"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    text = (
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)} — Isoloir</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    response = HTMLResponse(text, status_code=status)
    response.headers["cache-control"] = "no-store"
    response.headers["content-security-policy"] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    return response


def _message(kind: str, text: str) -> str:
    return f'<div class="msg {kind}" role="{"alert" if kind == "err" else "status"}">{html.escape(text)}</div>'


def _field(label: str, name: str, kind: str = "text", autocomplete: str = "off", value: str = "") -> str:
    return (f'<label for="{name}">{html.escape(label)}</label>'
            f'<input id="{name}" name="{name}" type="{kind}" autocomplete="{autocomplete}" '
            f'value="{html.escape(value)}" maxlength="200" required>')


def _login_body(site: Site, csrf: str, next_path: str, error: str | None, notice: str | None, name: str = "") -> str:
    parts = ["<h1>Isoloir — connexion</h1>"]
    if notice:
        parts.append(_message("info", notice))
    if error:
        parts.append(_message("err", error))
    demo = site.demo_hint()
    if demo:
        listed = ", ".join(f"<code>{html.escape(u.user_name)}</code> ({html.escape(u.role_label)})" for u in demo)
        parts.append(
            '<div class="msg demo"><strong>Démo</strong> : comptes de démonstration (nom d\'utilisateur = rôle, '
            f"mot de passe <code>demo-&lt;rôle&gt;</code>) : {listed}. Ces comptes n'existent que dans les "
            "données de démonstration.</div>"
        )
    parts.append(
        f'<form method="post" action="{LOGIN_PATH}">'
        f'<input type="hidden" name="csrf" value="{html.escape(csrf)}">'
        f'<input type="hidden" name="next" value="{html.escape(next_path)}">'
        + _field("Nom d'utilisateur", "username", autocomplete="username", value=name)
        + _field("Mot de passe", "password", "password", "current-password")
        + '<button type="submit">Se connecter</button></form>'
    )
    return "".join(parts)


def _first_run_body(csrf: str, error: str | None, name: str = "", display: str = "") -> str:
    parts = [
        "<h1>Isoloir — premier démarrage</h1>",
        _message("info", "Aucun compte administrateur n'existe encore. Créez celui du directeur de campagne avec le "
                         "code de premier démarrage qu'« isoloir run » a affiché dans sa console (et écrit dans "
                         "setup-code.txt du dossier des données)."),
    ]
    if error:
        parts.append(_message("err", error))
    parts.append(
        f'<form method="post" action="{LOGIN_PATH}"><input type="hidden" name="csrf" value="{html.escape(csrf)}">'
        '<input type="hidden" name="first_run" value="1">'
        + _field("Code de premier démarrage", "setup_code")
        + _field("Nom d'utilisateur", "username", autocomplete="username", value=name)
        + _field("Nom affiché", "display_name", value=display)
        + _field("Mot de passe (10 caractères au moins)", "password", "password", "new-password")
        + _field("Mot de passe, encore", "password_again", "password", "new-password")
        + '<button type="submit">Créer le compte administrateur</button></form>'
    )
    return "".join(parts)


def _code_body(csrf: str, next_path: str, error: str | None) -> str:
    parts = ["<h1>Isoloir — double authentification</h1>",
             _message("info", "Saisissez le code à 6 chiffres affiché par votre application d'authentification, "
                              "ou l'un de vos codes de secours.")]
    if error:
        parts.append(_message("err", error))
    parts.append(
        f'<form method="post" action="{LOGIN_PATH}"><input type="hidden" name="csrf" value="{html.escape(csrf)}">'
        f'<input type="hidden" name="next" value="{html.escape(next_path)}">'
        '<input type="hidden" name="second_factor" value="1">'
        + _field("Code à usage unique", "code", autocomplete="one-time-code")
        + '<button type="submit">Valider</button></form>'
        + f'<p><a href="{LOGIN_PATH}">Revenir à la connexion</a></p>'
    )
    return "".join(parts)


def _with_csrf(response: Response, site: Site, scope: Scope, csrf: str) -> Response:
    response.set_cookie(CSRF_COOKIE, csrf, max_age=3600, path=LOGIN_PATH, httponly=True, samesite="strict",
                        secure=is_https(site, scope))
    return response


def _csrf_of(request: Request) -> str:
    value = request.cookies.get(CSRF_COOKIE, "")
    return value if 20 <= len(value) <= 64 and value.isascii() else secrets.token_urlsafe(24)


def same_origin(request: Request) -> bool:
    """Whether the request comes from a page of this host (``Origin``, else ``Referer``): the check of every POST."""
    host = request.headers.get("host", "")
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return False
    return urlsplit(source).netloc == host


async def _form(request: Request) -> dict[str, str]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {key: values[0] for key, values in parsed.items()}


def _clear_session_cookie(response: Response, site: Site, scope: Scope) -> Response:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=is_https(site, scope))
    return response


def _guarded(handler: Callable[[Site, Request], Awaitable[Response]]) -> Callable[[Site, Request], Awaitable[Response]]:
    """Any failure answers a French page; the details go to the server log only."""

    async def run(site: Site, request: Request) -> Response:
        try:
            return await handler(site, request)
        except IsoloirError as error:
            LOG.warning("login edge: %s", error)
            return _page("Erreur", _message("err", sentence(error.message_fr)), 503)
        except Exception:  # noqa: BLE001 - never a traceback to the browser
            LOG.exception("login edge failed")
            return _page("Erreur", _message("err", "Une erreur est survenue : réessayez dans un instant."), 500)

    return run


@_guarded
async def login_page(site: Site, request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    token = request.cookies.get(COOKIE)
    if token and await run_in_threadpool(session_user, site, token) is not None:
        return RedirectResponse(next_path, status_code=303)
    csrf = _csrf_of(request)
    if not await run_in_threadpool(users.has_admin, site.store):
        response: Response = _page("Premier démarrage", _first_run_body(csrf, None))
    else:
        notice = next((text for key, text in _NOTICES.items() if key in request.query_params), None)
        body = await run_in_threadpool(_login_body, site, csrf, next_path, None, notice)
        response = _page("Connexion", body)
    if token:  # a stale cookie (revoked, expired, forged): gone
        _clear_session_cookie(response, site, request.scope)
    return _with_csrf(response, site, request.scope, csrf)


def _csrf_ok(request: Request, form: dict[str, str]) -> bool:
    expected = request.cookies.get(CSRF_COOKIE, "")
    given = form.get("csrf", "")
    return bool(expected) and same_origin(request) and hmac.compare_digest(expected.encode(), given.encode())


@_guarded
async def login_post(site: Site, request: Request) -> Response:
    form = await _form(request)
    if not _csrf_ok(request, form):
        return _page("Connexion", _message("err", "Formulaire expiré ou venu d'un autre site : rechargez la page "
                                                   f"de connexion.") + f'<p><a href="{LOGIN_PATH}">Connexion</a></p>', 403)
    csrf = _csrf_of(request)
    if form.get("first_run"):
        return await _first_admin(site, request, form, csrf)
    if form.get("second_factor"):
        return await _second_factor(site, request, form, csrf)
    next_path = safe_next(form.get("next"))
    name, password = form.get("username", "")[:64], form.get("password", "")[:200]
    client = client_address(site, request.scope)
    if not name.strip() or not password:
        error = "Saisissez votre nom d'utilisateur et votre mot de passe."
    else:
        result = await run_in_threadpool(users.verify_login, site.store, name, password, client=client,
                                         demo_allowed=site.demo_territory())
        if result.ok and result.user is not None:
            return await _after_password(site, request, result.user, next_path)
        error = sentence(result.message_fr)
    body = await run_in_threadpool(_login_body, site, csrf, next_path, error, None, name)
    return _with_csrf(_page("Connexion", body, 401), site, request.scope, csrf)


async def _after_password(site: Site, request: Request, user: User, next_path: str) -> Response:
    """The password was right: the session, or first a one-time code for a two-factor account.

    The code step holds a pending session (``sessions.create(pending=True)``: five minutes, opens
    nothing) in its own HttpOnly cookie limited to ``/connexion``; it lives in the store, so any
    replica can take the code."""
    if not await run_in_threadpool(two_factor.is_enrolled, site.store, user.user_name):
        return await open_session(site, request, user, next_path)
    client = client_address(site, request.scope)
    token = await run_in_threadpool(sessions.create, site.store, user, hours=0, client=client, pending=True)
    csrf = _csrf_of(request)
    response = _page("Double authentification", _code_body(csrf, next_path, None))
    response.set_cookie(PENDING_COOKIE, token, max_age=int(sessions.PENDING_FOR.total_seconds()), path=LOGIN_PATH,
                        httponly=True, samesite="strict", secure=is_https(site, request.scope))
    return _with_csrf(response, site, request.scope, csrf)


async def _second_factor(site: Site, request: Request, form: dict[str, str], csrf: str) -> Response:
    """The one-time code of a pending login: right, the real session; wrong, counted like a wrong password
    (per address and per (address, user)); too many, or too late, back to the password."""
    next_path = safe_next(form.get("next"))
    pending = request.cookies.get(PENDING_COOKIE)
    user = await run_in_threadpool(sessions.pending_user, site.store, pending)
    if user is None or pending is None:
        return RedirectResponse(f"{LOGIN_PATH}?code=1&next={quote(next_path, safe='')}", status_code=303)
    client = client_address(site, request.scope)
    throttled = await run_in_threadpool(users.login_wait, site.store, user.user_name, client)
    if throttled is not None:
        error = sentence(throttled.message_fr)
    elif await run_in_threadpool(two_factor.verify, site.store, user.user_name, form.get("code", "").strip()[:32]):
        token = await run_in_threadpool(sessions.complete, site.store, pending, hours=site.settings.session_hours,
                                        client=client)
        if token is None:
            return RedirectResponse(f"{LOGIN_PATH}?code=1", status_code=303)
        response = _session_cookie(RedirectResponse(next_path, status_code=303), site, request, token)
        response.delete_cookie(PENDING_COOKIE, path=LOGIN_PATH)
        return response
    else:
        failures = await run_in_threadpool(users.count_second_factor_failure, site.store, user.user_name, client)
        if failures >= MAX_CODE_FAILURES:
            await run_in_threadpool(sessions.drop_pending, site.store, pending)
            response = RedirectResponse(f"{LOGIN_PATH}?code=1&next={quote(next_path, safe='')}", status_code=303)
            response.delete_cookie(PENDING_COOKIE, path=LOGIN_PATH)
            return response
        error = "Code incorrect ou déjà utilisé."
    return _with_csrf(_page("Double authentification", _code_body(csrf, next_path, error), 401),
                      site, request.scope, csrf)


def _session_cookie(response: Response, site: Site, request: Request, token: str) -> Response:
    hours = site.settings.session_hours
    response.set_cookie(COOKIE, token, max_age=int(hours * 3600), path="/", httponly=True, samesite="strict",
                        secure=is_https(site, request.scope))
    response.delete_cookie(CSRF_COOKIE, path=LOGIN_PATH)
    return response


async def open_session(site: Site, request: Request, user: User, next_path: str) -> Response:
    client = client_address(site, request.scope)
    hours = site.settings.session_hours
    token = await run_in_threadpool(sessions.create, site.store, user, hours=hours, client=client)
    return _session_cookie(RedirectResponse(safe_next(next_path), status_code=303), site, request, token)


async def _first_admin(site: Site, request: Request, form: dict[str, str], csrf: str) -> Response:
    name, display = form.get("username", "")[:64], form.get("display_name", "")[:120]

    def again(error: str) -> Response:
        return _with_csrf(_page("Premier démarrage", _first_run_body(csrf, error, name, display), 400),
                          site, request.scope, csrf)

    if await run_in_threadpool(users.has_admin, site.store):
        return RedirectResponse(LOGIN_PATH, status_code=303)
    client = client_address(site, request.scope)
    if not setup_code.matches(site.data_dir, form.get("setup_code", "")):
        await run_in_threadpool(audit.record, site.store, None, "setup_code", "user", name or None,
                                {"client": client}, "failure")
        return again("Code de premier démarrage incorrect : recopiez celui qu'« isoloir run » a affiché.")
    if form.get("password", "") != form.get("password_again", ""):
        return again("Les deux mots de passe diffèrent.")
    try:
        await run_in_threadpool(users.create_first_admin, site.store, name, form.get("password", "")[:200],
                                display_name=display or None)
    except users.UserError as error:
        return again(sentence(error.message_fr))
    setup_code.consume(site.data_dir)
    return RedirectResponse(f"{LOGIN_PATH}?compte=1", status_code=303)


@_guarded
async def logout_post(site: Site, request: Request) -> Response:
    if not same_origin(request):
        return PlainTextResponse("Déconnexion refusée : requête venue d'un autre site.", status_code=403)
    token = request.cookies.get(COOKIE)
    if token:
        await run_in_threadpool(sessions.revoke, site.store, token, "logout",
                                client=client_address(site, request.scope))
    return _clear_session_cookie(RedirectResponse(f"{LOGIN_PATH}?fin=1", status_code=303), site, request.scope)


def routes(site: Site) -> list[Route]:
    def bind(handler: Callable[[Site, Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await handler(site, request)
        return endpoint

    return [
        Route(LOGIN_PATH, bind(login_page), methods=["GET"]),
        Route(LOGIN_PATH, bind(login_post), methods=["POST"]),
        Route(LOGOUT_PATH, bind(logout_post), methods=["POST"]),
    ]


# -- the gate ---------------------------------------------------------------------------------------
class SessionGate:
    """ASGI middleware: without a valid session, page loads go to the login page and the rest is refused."""

    def __init__(self, app: ASGIApp, site: Site) -> None:
        self.app = app
        self.site = site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(OPEN_PREFIXES):
            await self.app(scope, receive, send)
            return
        token = cookie_token(scope)
        if token and await run_in_threadpool(session_user, self.site, token) is not None:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401, "reason": "session"})
            return
        wants_json = "application/json" in (_header(scope, b"accept") or "")
        if scope.get("method") in ("GET", "HEAD") and not path.startswith(API_PREFIXES) and not wants_json:
            query = scope.get("query_string", b"").decode("latin-1")
            target = path + (f"?{query}" if query else "")
            location = LOGIN_PATH if target in ("", "/") else f"{LOGIN_PATH}?next={quote(safe_next(target), safe='')}"
            if token:
                location += ("&" if "?" in location else "?") + "session=1"
            response: Response = RedirectResponse(location, status_code=303)
        elif wants_json:  # a JSON API (the phone page's): a JSON answer
            response = JSONResponse({"erreur": "Session requise : reconnectez-vous."}, status_code=401)
        else:
            response = PlainTextResponse("Session requise : reconnectez-vous.", status_code=401)
        response.headers["cache-control"] = "no-store"
        await response(scope, receive, send)
