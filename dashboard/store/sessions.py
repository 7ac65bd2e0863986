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
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.users import User

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 128  # a longer cookie is not a token of ours: refused before hashing
PENDING_FOR = timedelta(minutes=5)  # between a right password and the one-time code of a two-factor account
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
           now: datetime | None = None, pending: bool = False) -> str:
    """Open a session for ``user`` (just authenticated) lasting ``hours``; returns the token for the cookie.

    ``pending``: the password was right but a one-time code is still due (two-factor accounts): the
    session lasts :data:`PENDING_FOR`, opens nothing (:func:`lookup` ignores it) and only
    :func:`complete` turns it into a real one."""
    now = now or utc_now()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with store.write() as con:
        _insert(con, token, user.user_name, now, PENDING_FOR if pending else timedelta(hours=hours), client, pending)
    return token


def _insert(con: Tx, token: str, user_name: str, now: datetime, length: timedelta, client: str, pending: bool) -> None:
    con.execute(
        "INSERT INTO user_session (session_id, user_name, created_at, last_seen, expires_at, client, pending) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [session_id(token), user_name, now, now, now + length, str(client)[:64], pending],
    )


def pending_user(store: CampaignStore, token: object, now: datetime | None = None) -> User | None:
    """The active user of a pending session (password right, code due), else None."""
    if not _plausible(token) or not store.exists():
        return None
    now = now or utc_now()
    with store.read() as con:
        row = con.execute(
            "SELECT user_name FROM user_session WHERE session_id = ? AND pending AND revoked_at IS NULL "
            "AND expires_at > ?", [session_id(str(token)), now],
        ).fetchone()
        user = users.get_user_in(con, row[0]) if row else None
    return user if user is not None and user.active else None


@retrying
def complete(store: CampaignStore, token: object, *, hours: float, client: str = "inconnue",
             now: datetime | None = None) -> str | None:
    """The one-time code was right: end the pending session of ``token`` and open a real one (a new
    token) in the same write; None when the pending session is gone (expired, used, revoked)."""
    if not _plausible(token) or not store.exists():
        return None
    now = now or utc_now()
    fresh = secrets.token_urlsafe(TOKEN_BYTES)
    with store.write() as con:
        row = con.execute(
            "UPDATE user_session SET revoked_at = ?, revoke_reason = 'second_factor_done' WHERE session_id = ? "
            "AND pending AND revoked_at IS NULL AND expires_at > ? RETURNING user_name",
            [now, session_id(str(token)), now],
        ).fetchone()
        if row is None:
            return None
        _insert(con, fresh, str(row[0]), now, timedelta(hours=hours), client, False)
    return fresh


@retrying
def drop_pending(store: CampaignStore, token: object, now: datetime | None = None) -> None:
    """End a pending session (too many wrong codes: the password must be typed again)."""
    if not _plausible(token) or not store.exists():
        return
    now = now or utc_now()
    with store.write() as con:
        con.execute("UPDATE user_session SET revoked_at = ?, revoke_reason = 'second_factor_failed' "
                    "WHERE session_id = ? AND pending AND revoked_at IS NULL", [now, session_id(str(token))])


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
            "SELECT user_name, expires_at, revoked_at, last_seen, pending FROM user_session WHERE session_id = ?", [sid]
        ).fetchone()
        if row is None or row[2] is not None or not now < row[1] or row[4]:
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
