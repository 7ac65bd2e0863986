"""``/telechargement/<token>``: the one way a file with personal data leaves the server.

The page's export button only issues a one-time ticket (``dashboard.store.tickets.issue``: rights
re-read, audited). This route, plain Starlette, then:

1. redeems the ticket (``tickets.redeem``: marked used in the same statement, so two parallel
   requests get one file; unknown, used or expired tokens get a French 404 page);
2. finds who the file is for (:func:`download_user`, the ONE place deciding it: the session
   cookie's user, who must hold the ticket);
3. builds the file through the export function (``contacts.export_contacts_csv``, a message list
   ``messages.message_list``, a person's data ``person.export_person``: opposed people left out of the
   first two), which re-reads the user's rights from the store at this moment and audits the export, or
   the refusal (403);
4. answers it with ``Content-Disposition: attachment`` and ``Cache-Control: no-store``: nothing is
   kept in Streamlit's media store, nothing stays at a URL once the ticket is used.

No traceback ever goes out: store errors answer their French message, anything else a French 500
(the details go to the server log).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from dashboard.formats import paris_today
from dashboard.access.permissions import PermissionDenied
from dashboard.errors import IsoloirError
from dashboard.store import audit, contacts, messages, person, sessions, tickets, users
from dashboard.store.campaign import CampaignStore
from dashboard.store.tickets import Ticket
from dashboard.store.users import User
from dashboard.web.auth import cookie_token

log = logging.getLogger(__name__)
PATH = "/telechargement/{token}"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
GONE = "Lien de téléchargement inconnu, expiré ou déjà utilisé : relancez l'export depuis la page Terrain."
CSV = "text/csv; charset=utf-8"
# kind -> (build the file for the user and the ticket's params: the export function checks and audits, file name
# stem, media type, extension)
EXPORTS: dict[str, tuple[Callable[[CampaignStore, User, dict], bytes], str, str, str]] = {  # type: ignore[type-arg]
    "contacts": (lambda store, user, _: contacts.export_contacts_csv(store, by=user), "contacts", CSV, "csv"),
    "messages": (lambda store, user, p: messages.message_list(store, str(p.get("purpose")), str(p.get("channel")),
                                                              by=user).csv(), "liste-diffusion", CSV, "csv"),
    "person": (lambda store, user, p: person.export_person(
        store, person.Query(contact_id=p.get("contact_id"), full_name=p.get("full_name"), birth_date=p.get("birth_date")),
        by=user).to_json().encode("utf-8"), "donnees-personne", "application/json", "json"),
}


def download_path(token: str) -> str:
    """The URL path of a ticket's download."""
    return PATH.format(token=token)


def download_user(request: Request, store: CampaignStore, ticket: Ticket) -> User | None:
    """The account the file of ``ticket`` is for, as the store holds it now; None refuses the download.

    The request's session (its HttpOnly cookie, looked up in the store: revoked, expired or disabled
    sessions name no one) must belong to the ticket's holder, so a link copied to another browser or
    account is useless; the export function then checks that user's rights of now.
    """
    holder = sessions.lookup(store, cookie_token(request.scope) or "")
    if holder is None or holder.user_name != ticket.user_name:
        return None
    return users.get_user(store, ticket.user_name)


def _page(status: int, message: str) -> HTMLResponse:
    body = (f'<!doctype html><html lang="fr"><meta charset="utf-8"><title>Isoloir</title>'
            f"<p>{html.escape(message)}</p><p><a href=\"/\">Retour à Isoloir</a></p></html>")
    return HTMLResponse(body, status_code=status, headers=NO_STORE)


def answer(request: Request, store: CampaignStore, token: str) -> Response:
    """The whole answer to a download request (synchronous: the store is; run in a worker thread)."""
    try:
        ticket = tickets.redeem(store, token)
        if ticket is None:
            return _page(404, GONE)
        build, stem, media_type, extension = EXPORTS[ticket.kind]
        user = download_user(request, store, ticket)
        if user is None:
            audit.record(store, ticket.user_name, "permission_denied", ticket.kind, None,
                         {"action": "download", "reason": "session"}, "denied")
            return _page(403, "téléchargement refusé : ce lien n'est pas le vôtre")
        content = build(store, user, ticket.params)  # rights of now, checked and audited (export or refusal) by the export
    except PermissionDenied as error:
        return _page(403, error.message_fr)
    except IsoloirError as error:
        return _page(503, error.message_fr)
    except Exception:  # noqa: BLE001 - the edge: the details to the log, a French page to the browser
        log.exception("download failed")
        return _page(500, "le téléchargement a échoué ; réessayez, ou prévenez l'administrateur")
    name = f"{stem}-{paris_today().isoformat()}.{extension}"
    return Response(content, media_type=media_type,
                    headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'})


def routes(store_for: Callable[[], CampaignStore]) -> list[Route]:
    """The download route, reading the campaign store that ``store_for`` gives at each request."""

    async def download(request: Request) -> Response:
        return await run_in_threadpool(answer, request, store_for(), str(request.path_params["token"]))

    return [Route(PATH, download, methods=["GET"])]
