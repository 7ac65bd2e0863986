"""Accounts of the campaign store: users, roles, passwords, login throttling.

Users live in the ``app_user`` table of the campaign store (not in a YAML
file). Passwords are hashed exactly as streamlit-authenticator's ``Hasher.hash``
does (bcrypt, cost 12; tested), the dependency the design card names, though
the login no longer goes through the authenticator (``dashboard/web/auth.py``).

Hashes never leave this module: :class:`User` has no hash field,
:func:`list_users` does not select it, and audit entries never carry passwords.

Throttling (:func:`verify_login`): failed logins are counted atomically in
``login_throttle`` (an upsert in the store's write turn, so parallel guesses all
count) per client address and per (address, user name), known or not. Past
``ADDRESS_FREE`` failures an address, past ``PAIR_FREE`` a pair, is refused for a
delay doubling with each further failure (at most one hour); there is no
per-account lock, so nobody can lock the owner of an account out from their own
address. Unknown users, wrong passwords, disabled and refused demo accounts get
one French answer. Every attempt is written to the audit log (``login``: success,
failure, throttled, with the client address).

Sessions (:mod:`dashboard.store.sessions`): disabling, a role change and any
password change revoke every session of the user in the same write transaction.

Writes take ``by``: the user doing it (needs ``manage_users``) or a system
actor (``"cli"``, ``"demo"``, ``"first-run"``); each writes one audit entry in
the same transaction as the change. The last active admin can be neither
disabled nor demoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import bcrypt

from dashboard.access import passwords
from dashboard.access.permissions import ROLES, Grant, Principal, actor_name, check_rights, check_role, permission
from dashboard.errors import IsoloirError
from dashboard.store import audit, crypto
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.campaign import CampaignStore

MIN_PASSWORD = passwords.MIN_LENGTH
MAX_PASSWORD_BYTES = passwords.MAX_BYTES  # bcrypt's limit
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
    rights: frozenset[str] = field(default=frozenset())  # rights given beyond the role (``store/data_right.py``)

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


def check_password(password: str, user_name: str, *, demo: bool = False, display_name: str | None = None,
                   campaign_name: str | None = None) -> None:
    """Raise :class:`PasswordRejected` (French) unless the password is acceptable.

    The policy of :func:`dashboard.access.passwords.weakness` (length, the bundled list of common
    passwords, words of the user name, display name and campaign name, repeats and sequences,
    zxcvbn's estimate), and never one of the published demo passwords. Those are the one explicit
    exception: only the demo account of that name accepts its own (``demo=True``, used by
    ``ensure_demo_accounts`` for the demo territory); every other password of a demo account
    follows the policy.
    """
    if password in DEMO_PASSWORDS.values():
        if demo and DEMO_PASSWORDS.get(user_name) == password:
            return
        raise PasswordRejected("ce mot de passe est celui, publié, d'un compte de démonstration : choisissez-en un autre")
    reason = passwords.weakness(password, words=passwords.personal_words(user_name, display_name, campaign_name))
    if reason:
        raise PasswordRejected(reason)


def _campaign_name(store: CampaignStore) -> str | None:
    """The campaign's name (its settings), one of the words a password must not be built from."""
    if not store.exists():
        return None
    with store.read() as con:
        row = con.execute("SELECT name FROM campaign_setting WHERE setting_id = 1").fetchone()
    return str(row[0]) if row and row[0] else None


def _user(row: tuple[Any, ...]) -> User:
    return User(row[0], _display(row[0], row[1]), row[2], bool(row[3]), row[4], row[5], int(row[6]), row[7], bool(row[8]))


def _display(user_name: str, sealed: str) -> str:
    return crypto.open_("app_user", "display_name", user_name, sealed) or ""


def _hash_of(user_name: str, sealed: str) -> str:
    return crypto.open_("app_user", "password_hash", user_name, sealed) or ""


def _rights(con: Tx, user_name: str | None = None) -> dict[str, frozenset[str]]:
    """user name -> the rights of ``user_right`` (one user's, or everyone's)."""
    sql, params = "SELECT user_name, right_name FROM user_right", []
    if user_name is not None:
        sql, params = sql + " WHERE user_name = ?", [user_name]
    found: dict[str, set[str]] = {}
    for name, right in con.execute(sql, params).fetchall():
        found.setdefault(str(name), set()).add(str(right))
    return {name: check_rights(rights) for name, rights in found.items()}


def _get(con: Tx, user_name: str) -> User | None:
    row = con.execute(f"SELECT {_COLUMNS} FROM app_user WHERE user_name = ?", [user_name]).fetchone()
    if not row:
        return None
    return replace(_user(row), rights=_rights(con, user_name).get(user_name, frozenset()))


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


def get_user_in(con: Tx, user_name: str) -> User | None:
    """The account read inside the caller's transaction."""
    return _get(con, str(user_name).strip().lower())


def list_users(store: CampaignStore, *, by: Principal | str) -> list[User]:
    """Every account, by user name, without hashes (needs ``manage_users``)."""
    audit.require(store, by, "manage_users", "user")
    if not store.exists():
        return []
    with store.read() as con:
        rows = con.execute(f"SELECT {_COLUMNS} FROM app_user ORDER BY user_name").fetchall()
        rights = _rights(con)
    return [replace(_user(r), rights=rights.get(r[0], frozenset())) for r in rows]


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


# -- writes ---------------------------------------------------------------------------
@retrying
def add_user(store: CampaignStore, user_name: str, password: str, role: str, *, by: Principal | str,
             display_name: str | None = None, demo: bool = False, now: datetime | None = None) -> User:
    """Create an account; ``demo=True`` marks it as a demo account and accepts the demo passwords."""
    audit.require(store, by, "manage_users", "user")
    name = check_user_name(user_name)
    role = check_role(role)
    display = " ".join(str(display_name or name).split())[:120] or name
    check_password(password, name, demo=demo, display_name=display, campaign_name=_campaign_name(store))
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
    check_password(password, name, display_name=display_name, campaign_name=_campaign_name(store))
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
        if not active:
            end_sessions(con, name, "disabled", now)
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
        if role != user.role:
            end_sessions(con, name, "role_change", now)
        audit.insert(con, actor_name(by), "user_set_role", "user", name, {"from": user.role, "to": role}, at=now)
        return _require_user(con, name)


@retrying
def reset_password(store: CampaignStore, user_name: str, new_password: str, *, by: Principal | str,
                   now: datetime | None = None) -> User:
    """An admin sets a new password; every session of the user ends."""
    audit.require(store, by, "manage_users", "user")
    name = str(user_name).strip().lower()
    now = now or utc_now()
    campaign = _campaign_name(store)
    with store.write() as con:
        user = _require_user(con, name)
        check_password(new_password, name, demo=user.demo, display_name=user.display_name, campaign_name=campaign)
        con.execute(
            "UPDATE app_user SET password_hash = ?, password_changed_at = ?, failed_logins = 0, locked_until = NULL WHERE user_name = ?",
            [crypto.seal("app_user", "password_hash", name, _hash_password(new_password)), now, name],
        )
        end_sessions(con, name, "password_reset", now)
        audit.insert(con, actor_name(by), "user_reset_password", "user", name, {}, at=now)
        return _require_user(con, name)


def change_password(store: CampaignStore, user_name: str, old_password: str, new_password: str,
                    now: datetime | None = None, *, client: str = "inconnue") -> User:
    """The user changes their own password; the old one is checked with the login throttling."""
    name = str(user_name).strip().lower()
    now = now or utc_now()
    result = _attempt(store, name, old_password, now, action="password_change", client=client)
    if not result.ok:
        raise UserError(result.message_fr if result.outcome is not LoginOutcome.FAILURE else "ancien mot de passe incorrect")
    assert result.user is not None
    check_password(new_password, name, demo=result.user.demo, display_name=result.user.display_name,
                   campaign_name=_campaign_name(store))
    if new_password == old_password:
        raise PasswordRejected("le nouveau mot de passe doit être différent de l'ancien")
    return _store_new_password(store, name, _hash_password(new_password), now)


@retrying
def _store_new_password(store: CampaignStore, name: str, hashed: str, now: datetime) -> User:
    with store.write() as con:
        con.execute("UPDATE app_user SET password_hash = ?, password_changed_at = ? WHERE user_name = ?",
                    [crypto.seal("app_user", "password_hash", name, hashed), now, name])
        end_sessions(con, name, "password_change", now)
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


# -- sessions ---------------------------------------------------------------------------
def end_sessions(con: Tx, user_name: str, reason: str, now: datetime | None = None) -> int:
    """Revoke every open session of ``user_name`` inside the caller's write transaction (the change
    that ends them: logout everywhere, password change, role change, disabling). Returns how many."""
    now = now or utc_now()
    rows = con.execute(
        "UPDATE user_session SET revoked_at = ?, revoke_reason = ? WHERE user_name = ? AND revoked_at IS NULL "
        "RETURNING session_id", [now, reason, user_name],
    ).fetchall()
    return len(rows)


def real_account_exists(con: Tx) -> bool:
    """Whether the store holds an account that is not a demo account (demo accounts then never log in)."""
    return bool(con.execute("SELECT count(*) FROM app_user WHERE NOT demo").fetchone()[0])


# -- login ----------------------------------------------------------------------------
# Throttling is per client address and per (address, user name), never per account alone: a
# stranger's failures slow the stranger down, not the account's owner at another address.
ADDRESS_FREE = 20  # failures from one address (any user names) before it is slowed down
PAIR_FREE = 5  # failures for one (address, user name) before that pair is slowed down
ADDRESS_DELAY = timedelta(seconds=5)  # first delay of an address, doubled by each further failure
PAIR_DELAY = timedelta(seconds=30)  # first delay of a pair, doubled by each further failure
THROTTLE_MAX = timedelta(hours=1)
THROTTLE_WINDOW = timedelta(hours=1)  # failures older than this (since the last one) are forgotten
FAILURE_FR = "nom d'utilisateur ou mot de passe incorrect"


def throttle_delay(failures: int, free: int, base: timedelta) -> timedelta:
    """How long a key is refused after ``failures`` failures in a row (zero up to ``free``)."""
    if failures < free:
        return timedelta(0)
    return min(base * 2 ** min(failures - free, 20), THROTTLE_MAX)


def _keys(client: str, name: str) -> tuple[str, str]:
    client = (client or "inconnue")[:64]
    return f"addr:{client}", f"pair:{client}|{name[:64]}"


def _blocked(con: Tx, keys: tuple[str, ...], now: datetime) -> timedelta | None:
    rows = con.execute(
        "SELECT blocked_until FROM login_throttle WHERE throttle_key IN (SELECT unnest(?::VARCHAR[])) "
        "AND blocked_until IS NOT NULL", [list(keys)],
    ).fetchall()
    waits = [r[0] - now for r in rows if r[0] is not None and r[0] > now]
    return max(waits) if waits else None


def _count_failure(con: Tx, key: str, now: datetime, free: int, base: timedelta) -> int:
    """Add one failure to ``key`` atomically (an upsert in the write turn); set its block; returns the count."""
    stale = now - THROTTLE_WINDOW
    count = int(con.execute(
        "INSERT INTO login_throttle (throttle_key, failures, last_failure) VALUES (?, 1, ?) "
        "ON CONFLICT (throttle_key) DO UPDATE SET "
        "failures = CASE WHEN login_throttle.last_failure < ? THEN 1 ELSE login_throttle.failures + 1 END, "
        "last_failure = excluded.last_failure RETURNING failures",
        [key, now, stale],
    ).fetchone()[0])
    delay = throttle_delay(count, free, base)
    if delay:
        con.execute("UPDATE login_throttle SET blocked_until = ? WHERE throttle_key = ?", [now + delay, key])
    return count


def verify_login(store: CampaignStore, user_name: str, password: str, now: datetime | None = None, *,
                 client: str = "inconnue", demo_allowed: bool = True) -> LoginResult:
    """Check a login with throttling per client address and per (address, user); every attempt is audited.

    ``client``: the client's address (the socket peer, or a trusted proxy's ``X-Forwarded-For``;
    ``"cli"`` for the command line). ``demo_allowed``: whether demo accounts may log in at all (the
    warehouse holds the demo territory); they never do once a real account exists. Unknown users,
    wrong passwords, disabled and refused demo accounts get the same French answer."""
    return _attempt(store, str(user_name).strip().lower(), password, now or utc_now(), action="login",
                    client=str(client), demo_allowed=demo_allowed)


def login_wait(store: CampaignStore, user_name: str, client: str, now: datetime | None = None) -> LoginResult | None:
    """The throttled answer when ``client`` (or ``client`` for ``user_name``) is slowed down now, else None."""
    now = now or utc_now()
    with store.read() as con:
        wait = _blocked(con, _keys(str(client), str(user_name).strip().lower()), now)
    return _throttled(wait) if wait else None


@retrying
def count_second_factor_failure(store: CampaignStore, user_name: str, client: str, now: datetime | None = None) -> int:
    """A wrong one-time code after a right password counts as a failed login of (address, user) and of the
    address (so codes cannot be guessed faster than passwords); returns the pair's failures."""
    now = now or utc_now()
    name = str(user_name).strip().lower()
    keys = _keys(str(client), name)
    with store.write() as con:
        _count_failure(con, keys[0], now, ADDRESS_FREE, ADDRESS_DELAY)
        return _count_failure(con, keys[1], now, PAIR_FREE, PAIR_DELAY)


def _seconds(delay: timedelta) -> int:
    return max(1, int(-(-delay.total_seconds() // 1)))


def _throttled(wait: timedelta) -> LoginResult:
    return LoginResult(LoginOutcome.LOCKED, None, wait,
                       f"trop d'essais de connexion depuis cette adresse : réessayez dans {_seconds(wait)} s")


@retrying
def _attempt(store: CampaignStore, name: str, password: str, now: datetime, *, action: str,
             client: str = "inconnue", demo_allowed: bool = True) -> LoginResult:
    failure = LoginResult(LoginOutcome.FAILURE, message_fr=FAILURE_FR)
    keys = _keys(client, name)
    audited = name[:64] or None
    # bcrypt (a quarter of a second by design) runs outside any transaction: the store's writers take turns,
    # and a login holding that turn for its hash held up every other write (and timed them out under load).
    with store.read() as con:
        wait = _blocked(con, keys, now)
        seen = con.execute("SELECT password_hash FROM app_user WHERE user_name = ?", [name]).fetchone()
    checked_hash = _hash_of(name, seen[0]) if seen else _DUMMY_HASH
    matches = False if wait else _check_password(password, checked_hash)
    with store.write() as con:
        # Checked again in the write turn: parallel guesses that all passed the first check are
        # counted one after the other, and the ones after a block are refused, right or wrong.
        wait = _blocked(con, keys, now)
        if wait:
            audit.insert(con, audited, action, "user", audited, {"client": client, "retry_after_s": _seconds(wait)},
                         "throttled", at=now)
            return _throttled(wait)
        row = con.execute(f"SELECT {_COLUMNS}, password_hash FROM app_user WHERE user_name = ?", [name]).fetchone()
        user, hashed = (_user(row[:-1]), _hash_of(name, row[-1])) if row else (None, None)
        if user is not None and hashed != checked_hash:
            matches = _check_password(password, hashed)  # changed meanwhile (rare): checked against the row now
        reason = None
        if user is None:
            reason = "unknown_user"
        elif not matches:
            reason = "wrong_password"
        elif user.demo and (not demo_allowed or real_account_exists(con)):
            reason = "demo_account_refused"
        if reason is not None:
            address_failures = _count_failure(con, keys[0], now, ADDRESS_FREE, ADDRESS_DELAY)
            pair_failures = _count_failure(con, keys[1], now, PAIR_FREE, PAIR_DELAY)
            if user is not None:
                con.execute("UPDATE app_user SET failed_logins = failed_logins + 1 WHERE user_name = ?", [name])
            audit.insert(con, audited, action, "user", audited,
                         {"reason": reason, "client": client, "address_failures": address_failures,
                          "pair_failures": pair_failures}, "failure", at=now)
            return failure
        assert user is not None
        if not user.active:
            audit.insert(con, name, action, "user", name, {"client": client}, "disabled", at=now)
            return LoginResult(LoginOutcome.DISABLED, None, message_fr=FAILURE_FR)
        con.execute("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE user_name = ?", [name])
        con.execute("DELETE FROM login_throttle WHERE throttle_key = ?", [keys[1]])
        if action == "login":
            audit.insert(con, name, action, "user", name, {"client": client}, "success", at=now)
        return LoginResult(LoginOutcome.SUCCESS, _get(con, name), message_fr="connexion réussie")
