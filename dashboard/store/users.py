"""Accounts of the campaign store: users, roles, passwords, login throttling.

Users live in the ``app_user`` table of the campaign store (not in a YAML
file); :func:`credentials_for_authenticator` feeds streamlit-authenticator
from it. Passwords are hashed exactly as the authenticator's ``Hasher.hash``
does (bcrypt, cost 12), so both sides check the same hashes (tested).

Hashes never leave this module except in :func:`credentials_for_authenticator`
(whose result prints as ``<identifiants : N comptes>``): :class:`User` has no
hash field, :func:`list_users` does not select it, and audit entries never
carry passwords.

Throttling (:func:`verify_login`): after ``MAX_FAILURES`` (5) consecutive
failures for a user name, the account is locked for ``30 s × 2^(n−5)`` (n:
consecutive failures so far), at most one hour. Attempts during a lock are
refused without checking the password and do not extend it; a success resets
the counter. Every attempt is written to the audit log (``login``).

Writes take ``by``: the user doing it (needs ``manage_users``) or a system
actor (``"cli"``, ``"demo"``, ``"first-run"``); each writes one audit entry in
the same transaction as the change. The last active admin can be neither
disabled nor demoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import bcrypt

from dashboard.access.permissions import ROLES, Grant, Principal, actor_name, check_role, permission
from dashboard.errors import IsoloirError
from dashboard.store import audit, crypto
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.campaign import CampaignStore

MIN_PASSWORD = 10
MAX_PASSWORD_BYTES = 72  # bcrypt's limit
MAX_FAILURES = 5
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
# The demo territory's accounts (user name = role), documented in the README; accepted only with demo=True.
DEMO_PASSWORDS: dict[str, str] = {role: f"demo-{role}" for role in ROLES}
_USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
_COLUMNS = "user_name, display_name, role, active, created_at, password_changed_at, failed_logins, locked_until, demo"
# Compared against when the user name is unknown, so the answer takes as long as for a known name.
_DUMMY_HASH = "$2b$12$QJCoz1syKg1H3McaDZ1s2uHMBzzAOM3Eza..nwiF4sIBjY.l0WYBC"  # hash of a random string nobody knows


class UserError(IsoloirError):
    """A user operation was refused (unknown user, bad password, last admin…)."""


class PasswordRejected(UserError):
    pass


@dataclass(frozen=True)
class User:
    """One account, without its password hash."""

    user_name: str
    display_name: str
    role: str
    active: bool
    created_at: datetime
    password_changed_at: datetime | None
    failed_logins: int
    locked_until: datetime | None
    demo: bool

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


class LoginOutcome(str, Enum):
    SUCCESS = "success"
    FAILURE = "failure"  # unknown user or wrong password: the same answer
    LOCKED = "locked"
    DISABLED = "disabled"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None
    retry_after: timedelta | None = None  # with LOCKED (and a failure that starts a lock)
    message_fr: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome is LoginOutcome.SUCCESS


class Credentials(dict):  # type: ignore[type-arg]
    """The authenticator's credentials dict; prints without the hashes it holds."""

    def __repr__(self) -> str:
        return f"<identifiants : {len(self.get('usernames', {}))} comptes>"

    __str__ = __repr__


def _hash_password(password: str) -> str:
    # Exactly streamlit_authenticator.Hasher.hash (bcrypt, default cost 12), without importing
    # the authenticator (it imports Streamlit, which the CLI does not need); tests/store/test_users.py
    # checks the hashes with Hasher.check_pw and Hasher.is_hash.
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def _check_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("utf-8"))
    except ValueError:
        return False


def check_user_name(user_name: str) -> str:
    """Lower-cased (the authenticator lower-cases names), 2-40 of a-z 0-9 . _ -, starting with a letter or digit."""
    clean = str(user_name).strip().lower()
    if not _USER_NAME.match(clean):
        raise UserError(
            f"nom d'utilisateur invalide : « {user_name} » (2 à 40 caractères parmi a-z, 0-9, « . », « _ », « - »)"
        )
    return clean


def check_password(password: str, user_name: str, *, demo: bool = False) -> None:
    """Raise :class:`PasswordRejected` (French) unless the password is acceptable.

    At least ``MIN_PASSWORD`` characters, at most 72 bytes, not the user name, and
    not one of the published demo passwords, which only the demo account of that
    name accepts (``demo=True``).
    """
    if password in DEMO_PASSWORDS.values():
        if demo and DEMO_PASSWORDS.get(user_name) == password:
            return
        raise PasswordRejected("ce mot de passe est celui, publié, d'un compte de démonstration : choisissez-en un autre")
    if len(password) < MIN_PASSWORD:
        raise PasswordRejected(f"mot de passe trop court : {MIN_PASSWORD} caractères au moins")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise PasswordRejected(f"mot de passe trop long : {MAX_PASSWORD_BYTES} octets au plus")
    if password.strip().lower() == user_name.lower():
        raise PasswordRejected("le mot de passe ne doit pas être le nom d'utilisateur")


def lock_delay(failures: int) -> timedelta:
    """How long an account stays locked after ``failures`` consecutive failures (zero below 5)."""
    if failures < MAX_FAILURES:
        return timedelta(0)
    return min(BASE_DELAY * 2 ** min(failures - MAX_FAILURES, 20), MAX_DELAY)


def _user(row: tuple[Any, ...]) -> User:
    return User(row[0], _display(row[0], row[1]), row[2], bool(row[3]), row[4], row[5], int(row[6]), row[7], bool(row[8]))


def _display(user_name: str, sealed: str) -> str:
    return crypto.open_("app_user", "display_name", user_name, sealed) or ""


def _hash_of(user_name: str, sealed: str) -> str:
    return crypto.open_("app_user", "password_hash", user_name, sealed) or ""


def _get(con: Tx, user_name: str) -> User | None:
    row = con.execute(f"SELECT {_COLUMNS} FROM app_user WHERE user_name = ?", [user_name]).fetchone()
    return _user(row) if row else None


def _require_user(con: Tx, user_name: str) -> User:
    user = _get(con, user_name)
    if user is None:
        raise UserError(f"utilisateur inconnu : « {user_name} »")
    return user


def _active_admins(con: Tx) -> int:
    return int(con.execute("SELECT count(*) FROM app_user WHERE role = 'admin' AND active").fetchone()[0])


# -- reads ----------------------------------------------------------------------------
def has_admin(store: CampaignStore) -> bool:
    """Whether an active admin exists (first run: the app asks to create one when not)."""
    if not store.exists():
        return False
    with store.read() as con:
        return _active_admins(con) > 0


def get_user(store: CampaignStore, user_name: str) -> User | None:
    """The account (no hash), or None. For the app to re-read the role on every run."""
    if not store.exists():
        return None
    with store.read() as con:
        return _get(con, str(user_name).strip().lower())


def list_users(store: CampaignStore, *, by: Principal | str) -> list[User]:
    """Every account, by user name, without hashes (needs ``manage_users``)."""
    audit.require(store, by, "manage_users", "user")
    if not store.exists():
        return []
    with store.read() as con:
        rows = con.execute(f"SELECT {_COLUMNS} FROM app_user ORDER BY user_name").fetchall()
    return [_user(r) for r in rows]


def assignable_users(store: CampaignStore, *, by: Principal | str) -> dict[str, str]:
    """Active accounts a turf or a zone can be given to (roles that record canvass feedback in
    their own zones): user name → « Display name (user) ». Needs ``edit_zones`` (the people who
    assign), not ``manage_users``: names only, no role, lock or other account detail."""
    audit.require(store, by, "edit_zones", "user")
    if not store.exists():
        return {}
    roles = [role for role in ROLES if permission(role, "record_feedback") is Grant.OWN_ZONES]
    with store.read() as con:
        rows = con.execute(
            "SELECT user_name, display_name FROM app_user WHERE active AND role IN (SELECT unnest(?::VARCHAR[])) "
            "ORDER BY user_name", [roles],
        ).fetchall()
    return {name: f"{_display(name, display)} ({name})" for name, display in rows}


def credentials_for_authenticator(store: CampaignStore) -> Credentials:
    """Active accounts in the shape streamlit-authenticator 0.4.2 takes as ``credentials``.

    ``{"usernames": {name: {"name", "password" (bcrypt hash), "roles": [role],
    "email": None, "failed_login_attempts", "logged_in": False}}}``. Pass it with
    ``auto_hash=False``. Holds hashes: never display or log it.
    """
    usernames: dict[str, dict[str, Any]] = {}
    if store.exists():
        with store.read() as con:
            rows = con.execute(
                "SELECT user_name, display_name, role, password_hash, failed_logins FROM app_user WHERE active ORDER BY user_name"
            ).fetchall()
        for name, display, role, hashed, failed in rows:
            usernames[name] = {
                "name": _display(name, display), "password": _hash_of(name, hashed), "roles": [role], "email": None,
                "failed_login_attempts": int(failed), "logged_in": False,
            }
    return Credentials(usernames=usernames)


# -- writes ---------------------------------------------------------------------------
@retrying
def add_user(store: CampaignStore, user_name: str, password: str, role: str, *, by: Principal | str,
             display_name: str | None = None, demo: bool = False, now: datetime | None = None) -> User:
    """Create an account; ``demo=True`` marks it as a demo account and accepts the demo passwords."""
    audit.require(store, by, "manage_users", "user")
    name = check_user_name(user_name)
    role = check_role(role)
    check_password(password, name, demo=demo)
    display = " ".join(str(display_name or name).split())[:120] or name
    now = now or utc_now()
    hashed = _hash_password(password)
    with store.write() as con:
        if _get(con, name) is not None:
            raise UserError(f"l'utilisateur « {name} » existe déjà")
        con.execute(
            "INSERT INTO app_user (user_name, display_name, role, password_hash, active, created_at, password_changed_at, demo) "
            "VALUES (?, ?, ?, ?, true, ?, ?, ?)",
            [name, crypto.seal("app_user", "display_name", name, display), role,
             crypto.seal("app_user", "password_hash", name, hashed), now, now, demo],
        )
        audit.insert(con, actor_name(by), "user_add", "user", name, {"role": role, "demo": demo}, at=now)
        return _require_user(con, name)


@retrying
def create_first_admin(store: CampaignStore, user_name: str, password: str, *, display_name: str | None = None,
                       now: datetime | None = None) -> User:
    """First run: create the admin, only while no active admin exists (otherwise :class:`UserError`)."""
    name = check_user_name(user_name)
    check_password(password, name)
    now = now or utc_now()
    hashed = _hash_password(password)
    with store.write() as con:
        if _active_admins(con) > 0:
            raise UserError("un administrateur existe déjà : connectez-vous")
        if _get(con, name) is not None:
            raise UserError(f"l'utilisateur « {name} » existe déjà")
        con.execute(
            "INSERT INTO app_user (user_name, display_name, role, password_hash, active, created_at, password_changed_at) "
            "VALUES (?, ?, 'admin', ?, true, ?, ?)",
            [name, crypto.seal("app_user", "display_name", name, " ".join(str(display_name or name).split()) or name),
             crypto.seal("app_user", "password_hash", name, hashed), now, now],
        )
        audit.insert(con, "first-run", "user_add", "user", name, {"role": "admin", "first_run": True}, at=now)
        return _require_user(con, name)


def disable_user(store: CampaignStore, user_name: str, *, by: Principal | str, now: datetime | None = None) -> User:
    return _set_active(store, user_name, False, by=by, now=now)


def enable_user(store: CampaignStore, user_name: str, *, by: Principal | str, now: datetime | None = None) -> User:
    return _set_active(store, user_name, True, by=by, now=now)


@retrying
def _set_active(store: CampaignStore, user_name: str, active: bool, *, by: Principal | str, now: datetime | None) -> User:
    audit.require(store, by, "manage_users", "user")
    name = str(user_name).strip().lower()
    with store.write() as con:
        user = _require_user(con, name)
        if not active and user.active and user.role == "admin" and _active_admins(con) <= 1:
            raise UserError(f"impossible de désactiver « {name} » : c'est le dernier administrateur actif")
        con.execute("UPDATE app_user SET active = ?, failed_logins = 0, locked_until = NULL WHERE user_name = ?", [active, name])
        audit.insert(con, actor_name(by), "user_enable" if active else "user_disable", "user", name, {}, at=now)
        return _require_user(con, name)


@retrying
def set_role(store: CampaignStore, user_name: str, role: str, *, by: Principal | str, now: datetime | None = None) -> User:
    audit.require(store, by, "manage_users", "user")
    name = str(user_name).strip().lower()
    role = check_role(role)
    with store.write() as con:
        user = _require_user(con, name)
        if user.role == "admin" and role != "admin" and user.active and _active_admins(con) <= 1:
            raise UserError(f"impossible de changer le rôle de « {name} » : c'est le dernier administrateur actif")
        con.execute("UPDATE app_user SET role = ? WHERE user_name = ?", [role, name])
        audit.insert(con, actor_name(by), "user_set_role", "user", name, {"from": user.role, "to": role}, at=now)
        return _require_user(con, name)


@retrying
def reset_password(store: CampaignStore, user_name: str, new_password: str, *, by: Principal | str,
                   now: datetime | None = None) -> User:
    """An admin sets a new password (and lifts any lock)."""
    audit.require(store, by, "manage_users", "user")
    name = str(user_name).strip().lower()
    now = now or utc_now()
    with store.write() as con:
        user = _require_user(con, name)
        check_password(new_password, name, demo=user.demo)
        con.execute(
            "UPDATE app_user SET password_hash = ?, password_changed_at = ?, failed_logins = 0, locked_until = NULL WHERE user_name = ?",
            [crypto.seal("app_user", "password_hash", name, _hash_password(new_password)), now, name],
        )
        audit.insert(con, actor_name(by), "user_reset_password", "user", name, {}, at=now)
        return _require_user(con, name)


def change_password(store: CampaignStore, user_name: str, old_password: str, new_password: str,
                    now: datetime | None = None) -> User:
    """The user changes their own password; the old one is checked with the login throttling."""
    name = str(user_name).strip().lower()
    now = now or utc_now()
    result = _attempt(store, name, old_password, now, action="password_change")
    if not result.ok:
        raise UserError(result.message_fr if result.outcome is not LoginOutcome.FAILURE else "ancien mot de passe incorrect")
    assert result.user is not None
    check_password(new_password, name, demo=result.user.demo)
    if new_password == old_password:
        raise PasswordRejected("le nouveau mot de passe doit être différent de l'ancien")
    return _store_new_password(store, name, _hash_password(new_password), now)


@retrying
def _store_new_password(store: CampaignStore, name: str, hashed: str, now: datetime) -> User:
    with store.write() as con:
        con.execute("UPDATE app_user SET password_hash = ?, password_changed_at = ? WHERE user_name = ?", [crypto.seal("app_user", "password_hash", name, hashed), now, name])
        audit.insert(con, name, "password_change", "user", name, {}, at=now)
        return _require_user(con, name)


def ensure_demo_accounts(store: CampaignStore, now: datetime | None = None) -> list[str]:
    """Create the demo accounts (user name = role, password ``demo-<role>``) that are missing.

    Refused when the store holds any non-demo account: known passwords must never
    reach a real campaign's store. Returns the user names created.
    """
    with store.read() as con:
        real = con.execute("SELECT count(*) FROM app_user WHERE NOT demo").fetchone()[0]
        existing = {r[0] for r in con.execute("SELECT user_name FROM app_user").fetchall()}
    if real:
        raise UserError("ce magasin de campagne contient de vrais comptes : les comptes de démonstration n'y sont pas créés")
    created = []
    for role, password in DEMO_PASSWORDS.items():
        if role not in existing:
            add_user(store, role, password, role, by="demo", display_name=f"Démo {ROLES[role]}", demo=True, now=now)
            created.append(role)
    return created


# -- login ----------------------------------------------------------------------------
def verify_login(store: CampaignStore, user_name: str, password: str, now: datetime | None = None) -> LoginResult:
    """Check a login with throttling; every attempt is audited (``login``)."""
    return _attempt(store, str(user_name).strip().lower(), password, now or utc_now(), action="login")


def _seconds(delay: timedelta) -> int:
    return max(1, int(-(-delay.total_seconds() // 1)))


@retrying
def _attempt(store: CampaignStore, name: str, password: str, now: datetime, *, action: str) -> LoginResult:
    failure = LoginResult(LoginOutcome.FAILURE, message_fr="nom d'utilisateur ou mot de passe incorrect")
    # bcrypt (a quarter of a second by design) runs outside any transaction: the store's writers take turns,
    # and a login holding that turn for its hash held up every other write (and timed them out under load).
    with store.read() as con:
        seen = con.execute("SELECT password_hash, locked_until FROM app_user WHERE user_name = ?", [name]).fetchone()
    checked_hash = _hash_of(name, seen[0]) if seen else _DUMMY_HASH
    locked = seen is not None and seen[1] is not None and now < seen[1]
    matches = False if locked else _check_password(password, checked_hash)
    with store.write() as con:
        row = con.execute(f"SELECT {_COLUMNS}, password_hash FROM app_user WHERE user_name = ?", [name]).fetchone()
        if row is None:
            audit.insert(con, name or None, action, "user", name or None, {"reason": "unknown_user"}, "failure", at=now)
            return failure
        user, hashed = _user(row[:-1]), _hash_of(name, row[-1])
        still_locked = user.locked_until is not None and now < user.locked_until
        if not still_locked and (locked or hashed != checked_hash):
            matches = _check_password(password, hashed)  # changed meanwhile (rare): checked against the row now
        if still_locked:
            wait = user.locked_until - now
            audit.insert(con, name, action, "user", name, {"retry_after_s": _seconds(wait)}, "locked", at=now)
            return LoginResult(LoginOutcome.LOCKED, user, wait,
                               f"trop d'essais infructueux : réessayez dans {_seconds(wait)} s")
        if not matches:
            failures = int(con.execute(
                "UPDATE app_user SET failed_logins = failed_logins + 1 WHERE user_name = ? RETURNING failed_logins", [name]
            ).fetchone()[0])
            delay = lock_delay(failures)
            detail: dict[str, Any] = {"failed_logins": failures}
            if delay:
                con.execute("UPDATE app_user SET locked_until = ? WHERE user_name = ?", [now + delay, name])
                detail["locked_s"] = _seconds(delay)
            audit.insert(con, name, action, "user", name, detail, "failure", at=now)
            if delay:
                return LoginResult(LoginOutcome.FAILURE, None, delay,
                                   f"nom d'utilisateur ou mot de passe incorrect ; trop d'essais : réessayez dans {_seconds(delay)} s")
            return failure
        if not user.active:
            audit.insert(con, name, action, "user", name, {}, "disabled", at=now)
            return LoginResult(LoginOutcome.DISABLED, None, message_fr="compte désactivé : voyez le directeur de campagne")
        con.execute("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE user_name = ?", [name])
        if action == "login":
            audit.insert(con, name, action, "user", name, {}, "success", at=now)
        return LoginResult(LoginOutcome.SUCCESS, _get(con, name), message_fr="connexion réussie")
