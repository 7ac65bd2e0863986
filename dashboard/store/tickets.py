"""One-time download tickets: files with personal data leave only through ``/telechargement/<token>``.

A click on an export button does not build the file in the page (Streamlit would keep it in its
media store, at a public URL, for minutes). It asks :func:`issue`: the acting user's rights are
re-read from the store (``guard.audit_refusals``: a refusal is audited), then a ticket is written
in ``download_ticket``: a random 256-bit token (``secrets.token_urlsafe(32)``) of which only the
SHA-256 is stored, the user name, what to export (``kind``, ``params``), an expiry
(:data:`LIFETIME`, 60 s) and ``used_at``. The page shows a link to the token; the route of
``dashboard.web.downloads`` :func:`redeem`\\ s it: one ``UPDATE … SET used_at … WHERE used_at IS NULL
AND expires_at > now RETURNING …`` marks it used and hands it over in the same statement, so two
parallel requests get one file, an expired or used token none. The route then re-reads the user's
rights again and builds the file (the export function audits it, or its refusal).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dashboard.access.permissions import Principal, actor_name
from dashboard.store import audit
from dashboard.store.backend import retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.guard import audit_refusals, grant_for

LIFETIME = timedelta(seconds=60)
# kind -> the action it needs (checked when the ticket is issued, and again by the export itself when redeemed)
KINDS: dict[str, str] = {"contacts": "export_personal_data", "messages": "export_personal_data",
                         "person": "export_personal_data"}
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class Ticket:
    """A redeemed ticket: who asked for what."""

    user_name: str
    kind: str
    params: dict[str, Any]
    created_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def plausible_token(token: str) -> bool:
    """Whether ``token`` looks like one :func:`issue` makes (URL-safe base64, 43 characters)."""
    return len(token) == 43 and set(token) <= _TOKEN_CHARS


@retrying
def issue(store: CampaignStore, kind: str, *, by: Principal, params: dict[str, Any] | None = None,
          now: datetime | None = None) -> str:
    """A fresh token for ``kind`` once ``by``'s rights of now allow it (refusal audited); audited ``download_ticket``."""
    if kind not in KINDS:
        raise ValueError(f"unknown download kind: {kind!r}")
    now = now or utc_now()
    with audit_refusals(store, by, KINDS[kind], kind):
        grant_for(by, KINDS[kind])
    token = secrets.token_urlsafe(32)
    with store.write() as con:
        con.execute(
            "INSERT INTO download_ticket (token_hash, user_name, kind, params, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            [_hash(token), actor_name(by), kind, json.dumps(params or {}, sort_keys=True), now, now + LIFETIME],
        )
        con.execute("DELETE FROM download_ticket WHERE expires_at < ?", [now - LIFETIME])  # old tickets: nothing to keep
        audit.insert(con, actor_name(by), "download_ticket", kind, None, {"expires_s": int(LIFETIME.total_seconds())}, at=now)
    return token


@retrying
def redeem(store: CampaignStore, token: str, *, now: datetime | None = None) -> Ticket | None:
    """The ticket of ``token``, marked used in the same statement; None when unknown, used or expired."""
    if not plausible_token(token) or not store.exists():
        return None
    now = now or utc_now()
    with store.write() as con:
        row = con.execute(
            "UPDATE download_ticket SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? "
            "RETURNING user_name, kind, CAST(params AS VARCHAR), created_at",
            [now, _hash(token), now],
        ).fetchone()
    if row is None:
        return None
    return Ticket(str(row[0]), str(row[1]), json.loads(row[2]), row[3])
