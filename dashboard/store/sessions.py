"""Server-side login sessions: the cookie holds a random token, the store only its SHA-256.

A session is created at login (:func:`create`) and looked up on every request and every
Streamlit run (:func:`lookup`), which re-reads the account: a revoked or expired session, a
disabled account, all give ``None`` at the next
click. :func:`revoke` is the logout (it ends that session and every other one of the user); :func:`revoke_all` ends every session of a
user, and :mod:`dashboard.store.users` does the same inside the write that disables an
account, changes its role or its password (``users.end_sessions``).

The token is 256 random bits (``secrets.token_urlsafe(32)``); a copy of the table is
useless to log in, and nothing but the browser's cookie ever holds the token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.store import audit, users
from dashboard.store.backend import retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.users import User

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 128  # a longer cookie is not a token of ours: refused before hashing
SEEN_EVERY = timedelta(minutes=1)  # ``last_seen`` is written at most this often (a write per click would queue)


@dataclass(frozen=True)
class Session:
    session_id: str
    user_name: str
    created_at: datetime
    expires_at: datetime


def session_id(token: str) -> str:
    """The stored id of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _plausible(token: object) -> bool:
    return isinstance(token, str) and 20 <= len(token) <= MAX_TOKEN_LENGTH and token.isascii() and token.isprintable()


@retrying
def create(store: CampaignStore, user: User, *, hours: float, client: str = "inconnue",
           now: datetime | None = None) -> str:
    """Open a session for ``user`` (just authenticated) lasting ``hours``; returns the token for the cookie."""
    now = now or utc_now()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with store.write() as con:
        con.execute(
            "INSERT INTO user_session (session_id, user_name, created_at, last_seen, expires_at, client) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [session_id(token), user.user_name, now, now, now + timedelta(hours=hours), str(client)[:64]],
        )
    return token


def lookup(store: CampaignStore, token: object, now: datetime | None = None) -> User | None:
    """The active user of a valid session token, else None (malformed, unknown, expired, revoked,
    account disabled). Never raises on a bad token. (Demo accounts are refused at login once a real
    account exists: :func:`dashboard.store.users.verify_login`.)"""
    if not _plausible(token) or not store.exists():
        return None
    now = now or utc_now()
    sid = session_id(str(token))
    with store.read() as con:
        row = con.execute(
            "SELECT user_name, expires_at, revoked_at, last_seen FROM user_session WHERE session_id = ?", [sid]
        ).fetchone()
        if row is None or row[2] is not None or not now < row[1]:
            return None
        user = users.get_user_in(con, row[0])
        if user is None or not user.active:
            return None
    if now - row[3] >= SEEN_EVERY:
        _touch(store, sid, now)
    return user


@retrying
def _touch(store: CampaignStore, sid: str, now: datetime) -> None:
    with store.write() as con:
        con.execute("UPDATE user_session SET last_seen = ? WHERE session_id = ?", [now, sid])


@retrying
def revoke(store: CampaignStore, token: object, reason: str = "logout", *, client: str = "inconnue",
           now: datetime | None = None) -> str | None:
    """Logout: end the session of ``token`` and every other open session of its user; audited.
    Returns the user name, None when the token named no open session."""
    if not _plausible(token) or not store.exists():
        return None
    now = now or utc_now()
    sid = session_id(str(token))
    with store.write() as con:
        row = con.execute("SELECT user_name FROM user_session WHERE session_id = ? AND revoked_at IS NULL", [sid]).fetchone()
        if row is None:
            return None
        count = users.end_sessions(con, row[0], reason, now)
        audit.insert(con, row[0], "logout" if reason == "logout" else "session_revoke", "user", row[0],
                     {"reason": reason, "client": client, "sessions": count}, at=now)
        return str(row[0])


@retrying
def revoke_all(store: CampaignStore, user_name: str, reason: str, *, by: str | None = None,
               now: datetime | None = None) -> int:
    """End every open session of ``user_name`` at once; audited. Returns how many were open."""
    now = now or utc_now()
    name = str(user_name).strip().lower()
    with store.write() as con:
        count = users.end_sessions(con, name, reason, now)
        audit.insert(con, by or name, "session_revoke", "user", name, {"reason": reason, "sessions": count}, at=now)
        return count


def open_sessions(store: CampaignStore, user_name: str, now: datetime | None = None) -> list[Session]:
    """The sessions of ``user_name`` neither revoked nor expired (ids only, never tokens)."""
    if not store.exists():
        return []
    now = now or utc_now()
    with store.read() as con:
        rows = con.execute(
            "SELECT session_id, user_name, created_at, expires_at FROM user_session "
            "WHERE user_name = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at",
            [str(user_name).strip().lower(), now],
        ).fetchall()
    return [Session(*r) for r in rows]
