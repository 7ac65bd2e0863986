"""``/porte-a-porte/``: the canvasser's phone page, served beside Streamlit, working without signal.

Plain Starlette routes, mounted in ``dashboard/server.py`` behind the same :class:`~dashboard.web.auth.SessionGate`
(no session: the page goes to the login page, the API answers 401 JSON):

- ``GET /porte-a-porte/``: the page (HTML, its script and style from ``static/field/``, no inline
  script: a strict Content-Security-Policy); ``GET /porte-a-porte/sw.js``: the service worker, whose
  scope is ``/porte-a-porte/``: it keeps the page, script and style, so a reload without signal opens
  the page from the phone;
- ``GET /porte-a-porte/api/secteurs``: the user's turfs (``store.turfs.turfs_for``: a canvasser's own,
  in SQL);
- ``GET /porte-a-porte/api/secteurs/<turf_id>``: one turf for the phone: doors in walk order
  (``canvass.doors.phone_turf``: the warehouse's addresses, the turf's order), households and visit
  history (``store.visits.turf_state``: a canvasser's own turf only, audited), and the questionnaire
  given there (``store.questionnaires.for_turf``: introduction, instructions, questions; or none);
- ``POST /porte-a-porte/api/envoi``: a batch of visits and households made on the phone
  (``store.visits.sync``: idempotent on the phone's ids, rights re-read, flagged when the turf was
  unassigned meanwhile) and the questionnaire answers of visits (``answers``: held once per visit id,
  free texts through the sensitive-mention guard, a caught one held for a supervisor); answers which
  ids the store holds, which were refused and why, which answers wait for review;
- ``POST /porte-a-porte/api/detenus``: which of the given visit ids the store holds.

Every API request looks the session up in the store (``auth.session_user``) and the store functions
re-read the user's rights; answers are JSON with ``Cache-Control: no-store``; errors carry a French
``erreur`` (401 session, 403 rights, 400 input, 503 store busy, 500 anything else, logged without the
body), never a traceback. POSTs must come from this host (``Origin``, else ``Referer``) with a JSON
body (a cross-site form cannot send one without a CORS preflight, which this server never grants);
the cookie is ``SameSite=Strict``. Personal data never travel in a URL (ids only) and are never logged.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from collections.abc import Callable
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dashboard.access.permissions import Grant, PermissionDenied, permission
from dashboard.canvass.doors import door_count, drop_opposed_doors, phone_turf, turf_addresses, turf_walk
from dashboard.errors import IsoloirError
from dashboard.store import turfs as turf_store
from dashboard.store import consent, contacts, opposition, questionnaires, visits
from dashboard.store import voters as voter_store
from dashboard.store.users import User
from dashboard.warehouse.database import Warehouse
from dashboard.warehouse.queries import latest_election
from dashboard.web.auth import Site, cookie_token, same_origin, session_user

LOG = logging.getLogger("isoloir.web.field")
PREFIX = "/porte-a-porte"
PAGE_PATH = f"{PREFIX}/"
API = f"{PREFIX}/api"
MAX_BODY = 512 * 1024
NO_STORE = {"Cache-Control": "no-store"}
# the page's own policy: its script, style and API from this host only; no inline code, no framing
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
       "manifest-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
STATIC: dict[str, tuple[str, str]] = {  # path -> (file in static/field/, media type)
    f"{PREFIX}/": ("index.html", "text/html; charset=utf-8"),
    f"{PREFIX}/app.js": ("app.js", "text/javascript; charset=utf-8"),
    f"{PREFIX}/style.css": ("style.css", "text/css; charset=utf-8"),
    f"{PREFIX}/sw.js": ("sw.js", "text/javascript; charset=utf-8"),
}
SESSION_FR = "Session requise : reconnectez-vous."
NOT_FOR_ROLE_FR = "Page réservée aux militants qui saisissent des passages."


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _json(payload: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(payload, status_code=status, headers=NO_STORE)


def _error(status: int, message: str) -> JSONResponse:
    return _json({"erreur": message}, status)


def static_text(name: str) -> str:
    return resources.files("dashboard.web").joinpath("static", "field", name).read_text(encoding="utf-8")


class Warehouses:
    """One read-only warehouse per path for the API (the snapshot reader follows swaps of the file)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[Path, Warehouse] = {}

    def get(self, path: Path) -> Warehouse:
        with self._lock:
            if path not in self._open:
                self._open[path] = Warehouse(path, read_only=True)
            return self._open[path]


_WAREHOUSES = Warehouses()


# -- the answers (synchronous: the store is; run in a worker thread) --------------------------------
def _user(site: Site, request: Request) -> User:
    user = session_user(site, cookie_token(request.scope))
    if user is None:
        raise _Refused(401, SESSION_FR)
    if permission(user.role, "record_feedback") is Grant.NONE:
        raise _Refused(403, NOT_FOR_ROLE_FR)
    return user


def turf_list(site: Site, user: User) -> dict[str, Any]:
    shown = turf_store.turfs_for(site.store, by=user)
    return {"user": user.user_name, "turfs": [
        {"turf_id": t.turf_id, "name": t.name, "zone_name": t.zone_name, "doors": t.doors,
         "stops": len(t.address_ids)} for t in shown]}


def turf_detail(site: Site, user: User, turf_id: int) -> dict[str, Any]:
    turf = turf_store.get_turf(site.store, turf_id, by=user)  # a canvasser's own turf only (SQL), refused otherwise
    state = visits.turf_state(site.store, turf.turf_id, by=user)  # rights re-read, audited
    wh = _WAREHOUSES.get(site.settings.warehouse_path)
    walk = turf_walk(turf_addresses(wh, turf.address_ids, latest_election(wh)), turf.address_ids)
    doors, excluded = drop_opposed_doors(phone_turf(walk, state.households, state.visits),
                                         opposition.load(site.store).door_opposed)  # never shown, counted
    names = voter_store.voters_at_doors(site.store, by=user, address_ids=[d["address_id"] for d in doors])
    for door in doors:  # the electoral list by name at each door, in walk order; the opposed never
        door["voters"] = names.get(door["address_id"], [])
    known = {d["address_id"]: len(d["households"]) for d in doors}
    estimates = {d["address_id"]: d["estimated_doors"] for d in doors}
    return {"turf": {"turf_id": turf.turf_id, "name": turf.name, "zone_name": turf.zone_name,
                     "doors": door_count(estimates, known)},
            "doors": doors, "excluded": excluded, "consent_texts": consent_texts(site),
            "loaded_at": datetime.now(timezone.utc).isoformat(),
            "questionnaire": questionnaire_of(site, user, turf.turf_id)}


DOOR_PURPOSES = ("recontact", "volunteering")  # the consents the phone asks after an « ouvert » door


def consent_texts(site: Site) -> dict[str, dict[str, Any]]:
    """The exact texts in force the phone shows beside its boxes (``store/consent.py``), with their version."""
    texts = consent.current_texts(site.store)
    return {p: {"version": texts[p].version, "text": texts[p].text, "label": consent.PURPOSES[p]} for p in DOOR_PURPOSES}


@dataclass(frozen=True)
class DoorConsent:
    """A consent step sent by the phone: its own id, the door, who, the detail given, the purposes ticked."""

    client_id: str
    address_id: str
    address: str  # the door's label as the phone showed it
    full_name: str
    email: str | None
    phone: str | None
    purposes: tuple[str, ...]
    versions: dict[str, int]
    recorded_at: datetime

    def choices(self) -> list[tuple[str, str]]:
        """(purpose, channel) pairs: the channel is the detail given (e-mail, telephone)."""
        channels = [c for c, given in (("email", self.email), ("telephone", self.phone)) if given]
        return [(p, c) for p in self.purposes for c in channels]


def parse_consents(body: Any) -> list[DoorConsent]:
    """The batch's consent steps (``consents``); French 400 when their shape is wrong."""
    out = []
    try:
        for c in body.get("consents", []):
            purposes = tuple(str(p) for p in c["purposes"])
            if not purposes or not set(purposes) <= set(DOOR_PURPOSES):
                raise ValueError("purpose")
            out.append(DoorConsent(str(c["consent_id"])[:64], str(c["address_id"]),
                                   str(c.get("address") or c["address_id"]), str(c["full_name"]),
                                   None if c.get("email") in (None, "") else str(c["email"]),
                                   None if c.get("phone") in (None, "") else str(c["phone"]), purposes,
                                   {str(k): int(v) for k, v in dict(c.get("versions", {})).items()},
                                   _when(c["recorded_at"])))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _Refused(400, "envoi mal formé") from None
    return out


def record_consents(site: Site, user: User, steps: list[DoorConsent]) -> tuple[list[str], dict[str, str]]:
    """Each step as a contact met at the door with its consents and their proof (``contacts.add_contact``,
    source ``porte_a_porte``), idempotent on the phone's id; a step is refused (French) when the text the phone
    showed is not the one in force, or the contact is refused (not one of the canvasser's doors, no detail…)."""
    texts = consent.current_texts(site.store)
    stored, refused = [], {}
    for step in steps:
        stale = [p for p in step.purposes if step.versions.get(p, texts[p].version) != texts[p].version]
        if stale:
            refused[step.client_id] = "texte de consentement périmé : rechargez le secteur et demandez à nouveau"
            continue
        if not step.email and not step.phone:
            refused[step.client_id] = "courriel ou téléphone nécessaire pour être recontacté(e)"
            continue
        try:
            contacts.add_contact(site.store, by=user, address_id=step.address_id, address=step.address,
                                 full_name=step.full_name, outcome="rencontre", consent=True, email=step.email,
                                 phone=step.phone, consents=step.choices(), now=step.recorded_at,
                                 client_id=step.client_id, source="porte_a_porte")
        except IsoloirError as error:
            refused[step.client_id] = error.message_fr
            continue
        stored.append(step.client_id)
    return stored, refused


def questionnaire_of(site: Site, user: User, turf_id: int) -> dict[str, Any] | None:
    """The questionnaire given on this turf (its zone's, else the campaign's), as the phone shows it; None when none."""
    found = questionnaires.for_turf(site.store, turf_id, by=user)
    return None if found is None else found.as_dict()


def _when(value: object) -> datetime:
    """A phone time: milliseconds since the epoch (UTC)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Refused(400, "heure invalide dans l'envoi")
    try:
        return datetime.fromtimestamp(float(value) / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise _Refused(400, "heure invalide dans l'envoi") from None


def parse_answers(body: Any) -> list[questionnaires.AnswerInput]:
    """The questionnaire answers of a batch (``answers``: visit id, questionnaire id, version, values); French 400."""
    if not isinstance(body, dict) or not isinstance(body.get("answers", []), list):
        raise _Refused(400, "envoi mal formé")
    try:
        return [questionnaires.AnswerInput(str(a["visit_id"]), int(a["questionnaire_id"]), int(a["version"]),
                                           dict(a["values"])) for a in body.get("answers", [])]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _Refused(400, "envoi mal formé") from None


def parse_batch(body: Any) -> tuple[list[visits.VisitInput], list[visits.HouseholdInput]]:
    """The phone's JSON batch as store inputs; French 400 when its shape is wrong."""
    if not isinstance(body, dict) or not isinstance(body.get("visits", []), list) or not isinstance(body.get("households", []), list):
        raise _Refused(400, "envoi mal formé")
    out_visits, out_households = [], []
    try:
        for v in body.get("visits", []):
            out_visits.append(visits.VisitInput(
                visit_id=str(v["visit_id"]), turf_id=int(v["turf_id"]), address_id=str(v["address_id"]),
                outcome=str(v["outcome"]), recorded_at=_when(v["recorded_at"]),
                household_id=None if v.get("household_id") in (None, "") else str(v["household_id"]),
                phone_seq=int(v.get("seq", 0)), note=None if v.get("note") in (None, "") else str(v["note"])))
        for h in body.get("households", []):
            out_households.append(visits.HouseholdInput(
                household_id=str(h["household_id"]), address_id=str(h["address_id"]), changed_at=_when(h["changed_at"]),
                entrance=str(h.get("entrance") or ""), floor=None if h.get("floor") in (None, "") else int(h["floor"]),
                label=None if h.get("label") in (None, "") else str(h["label"]),
                mark=None if h.get("mark") in (None, "") else str(h["mark"]),
                position=int(h.get("position", 0)), removed=bool(h.get("removed", False))))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _Refused(400, "envoi mal formé") from None
    return out_visits, out_households


def send(site: Site, user: User, body: Any) -> dict[str, Any]:
    batch_visits, batch_households = parse_batch(body)
    batch_answers = parse_answers(body)
    batch_consents = parse_consents(body)
    report = visits.sync(site.store, by=user, visits=batch_visits, households=batch_households, answers=batch_answers)
    consents_stored, consents_refused = record_consents(site, user, batch_consents)
    return {"held": report.held, "new": report.new, "flagged": report.flagged, "rejected": report.rejected,
            "households": report.households, "households_rejected": report.households_rejected,
            "answers": report.answers, "answers_held": report.answers_held, "answers_rejected": report.answers_rejected,
            "notes_held": report.notes_held, "consents": consents_stored, "consents_refused": consents_refused}


def held(site: Site, user: User, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
        raise _Refused(400, "envoi mal formé")
    return {"held": visits.held_ids(site.store, [str(i) for i in body["ids"]], by=user)}


# -- the HTTP edge -------------------------------------------------------------------------------
async def _body(request: Request) -> Any:
    if not same_origin(request):
        raise _Refused(403, "requête venue d'un autre site : refusée")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise _Refused(400, "envoi mal formé (JSON attendu)")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise _Refused(413, "envoi trop gros : envoyez moins de passages à la fois")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _Refused(400, "envoi mal formé") from None


def _answer(site: Site, request: Request, work: Callable[[User], dict[str, Any]]) -> Response:
    try:
        return _json(work(_user(site, request)))
    except _Refused as refused:
        return _error(refused.status, refused.message)
    except PermissionDenied as error:
        return _error(403, error.message_fr)
    except IsoloirError as error:
        status = 400 if isinstance(error, (visits.VisitError, turf_store.TurfError, questionnaires.QuestionnaireError)) else 503
        return _error(status, error.message_fr)
    except Exception:  # noqa: BLE001 - the edge: details to the log (no body, no personal data), French to the phone
        LOG.exception("field API failed on %s", request.url.path)
        return _error(500, "Une erreur est survenue : vos passages restent sur le téléphone, réessayez plus tard.")


def routes(site: Site) -> list[Route]:
    """The phone page's routes (see the module doc)."""

    async def asset(request: Request) -> Response:
        name, media_type = STATIC[request.url.path]
        headers = {"Cache-Control": "no-cache", "Content-Security-Policy": CSP}
        if name == "sw.js":
            headers["Service-Worker-Allowed"] = PAGE_PATH
        return Response(static_text(name), media_type=media_type, headers=headers)

    async def list_turfs(request: Request) -> Response:
        return await run_in_threadpool(_answer, site, request, lambda user: turf_list(site, user))

    async def one_turf(request: Request) -> Response:
        turf_id = request.path_params["turf_id"]
        return await run_in_threadpool(_answer, site, request, lambda user: turf_detail(site, user, turf_id))

    def posting(work: Callable[[Site, User, Any], dict[str, Any]]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            try:
                body = await _body(request)
            except _Refused as refused:
                return _error(refused.status, refused.message)
            return await run_in_threadpool(_answer, site, request, lambda user: work(site, user, body))
        return endpoint

    async def home(request: Request) -> Response:  # /porte-a-porte without the slash
        from starlette.responses import RedirectResponse

        return RedirectResponse(PAGE_PATH, status_code=307)

    return [
        *(Route(path, asset, methods=["GET"]) for path in STATIC),
        Route(PREFIX, home, methods=["GET"]),
        Route(f"{API}/secteurs", list_turfs, methods=["GET"]),
        Route(f"{API}/secteurs/{{turf_id:int}}", one_turf, methods=["GET"]),
        Route(f"{API}/envoi", posting(send), methods=["POST"]),
        Route(f"{API}/detenus", posting(held), methods=["POST"]),
    ]
