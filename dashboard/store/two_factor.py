"""Two-factor authentication of the campaign store's accounts: TOTP secrets and recovery codes.

Enrolment (by the user themselves): :func:`start_enrolment` keeps a new secret, pending
(``enrolled_at`` NULL), and returns it for the QR code; :func:`confirm_enrolment` checks a
first code from the app, marks the secret enrolled and returns ten recovery codes, shown once
(only their SHA-256 digests are kept, see :mod:`dashboard.access.totp`).

Login (the HTTP login handler calls it after the password): :func:`is_enrolled`, then
:func:`verify`, which accepts a current TOTP code (±1 step of 30 s, never a step already used:
replays are refused) or an unused recovery code (used up at once). It runs in one write
transaction (writers of a store take turns) and its updates are conditional, so two parallel
uses of one code give exactly one success. Every verification is audited (``two_factor_verify``
success or failure, ``two_factor_recovery_used``).

Who must enrol: :func:`required` — the roles that may export personal data (``export_personal_data``
in :mod:`dashboard.access.permissions`), i.e. admin and candidate. :func:`must_enrol` applies it to
an account: the demo territory's accounts (``demo``, with published passwords, refused once real
accounts exist) are exempt, so the demo opens without an authenticator app.

:func:`disable` (by the user, with a current code; refused where 2FA is required),
:func:`regenerate_recovery_codes` (with a current code) and :func:`reset` (an admin, for a user
who lost their phone and codes: they enrol again at their next login) are audited too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from dashboard.access import totp
from dashboard.access.permissions import Grant, Principal, actor_name, permission
from dashboard.errors import IsoloirError
from dashboard.store import audit, crypto
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.campaign import CampaignStore


class TwoFactorError(IsoloirError):
    """A two-factor operation was refused (wrong code, not enrolled, required for the role…)."""


@dataclass(frozen=True)
class TwoFactorStatus:
    enrolled: bool
    pending: bool  # enrolment started, not confirmed yet
    enrolled_at: datetime | None
    recovery_codes_left: int


def required(role: str) -> bool:
    """Whether ``role`` must use two-factor authentication: it may export personal data."""
    return permission(role, "export_personal_data") is not Grant.NONE


def _epoch(now: datetime) -> float:
    return (now if now.tzinfo else now.replace(tzinfo=timezone.utc)).timestamp()


def _name(user_name: str) -> str:
    return str(user_name).strip().lower()


def _row(con: Tx, name: str) -> tuple | None:  # type: ignore[type-arg]
    """(secret, enrolled_at, last_step) of ``name``; the secret is stored sealed (``store/crypto.py``)."""
    row = con.execute("SELECT secret, enrolled_at, last_step FROM user_totp WHERE user_name = ?", [name]).fetchone()
    return None if row is None else (crypto.open_("user_totp", "secret", name, row[0]), row[1], row[2])


def status(store: CampaignStore, user_name: str) -> TwoFactorStatus:
    name = _name(user_name)
    if not store.exists():
        return TwoFactorStatus(False, False, None, 0)
    with store.read() as con:
        row = _row(con, name)
        left = int(con.execute("SELECT count(*) FROM user_recovery_code WHERE user_name = ? AND used_at IS NULL",
                               [name]).fetchone()[0])
    enrolled = row is not None and row[1] is not None
    return TwoFactorStatus(enrolled, row is not None and row[1] is None, row[1] if row else None, left if enrolled else 0)


def is_enrolled(store: CampaignStore, user_name: str) -> bool:
    """Whether the user has confirmed a TOTP enrolment (the login then asks for a code)."""
    return status(store, user_name).enrolled


def must_enrol(store: CampaignStore, user: Principal) -> bool:
    """Whether this account must enrol before using the app: its role requires 2FA, it is not a
    demo account, and it has not enrolled yet."""
    return required(user.role) and not getattr(user, "demo", False) and not is_enrolled(store, user.user_name)


@retrying
def start_enrolment(store: CampaignStore, user: Principal, *, secret: str | None = None,
                    now: datetime | None = None) -> str:
    """Keep a new pending secret for the user (replacing a pending one) and return it."""
    name = _name(user.user_name)
    secret = secret or totp.new_secret()
    now = now or utc_now()
    with store.write() as con:
        row = _row(con, name)
        if row is not None and row[1] is not None:
            raise TwoFactorError("la double authentification est déjà activée pour ce compte")
        con.execute("DELETE FROM user_totp WHERE user_name = ?", [name])
        con.execute("INSERT INTO user_totp (user_name, secret, created_at) VALUES (?, ?, ?)",
                    [name, crypto.seal("user_totp", "secret", name, secret), now])
    return secret


def pending_secret(store: CampaignStore, user_name: str) -> str | None:
    """The secret of an enrolment started and not confirmed (to draw its QR code again), else None."""
    if not store.exists():
        return None
    with store.read() as con:
        row = _row(con, _name(user_name))
    return str(row[0]) if row is not None and row[1] is None else None


def _new_codes(con: Tx, name: str, now: datetime) -> list[str]:
    codes = totp.new_recovery_codes()
    con.execute("DELETE FROM user_recovery_code WHERE user_name = ?", [name])
    for code in codes:
        con.execute("INSERT INTO user_recovery_code (user_name, code_hash, created_at) VALUES (?, ?, ?)",
                    [name, totp.recovery_digest(name, code), now])
    return codes


@retrying
def confirm_enrolment(store: CampaignStore, user: Principal, code: str, *, now: datetime | None = None) -> list[str]:
    """Check the first code against the pending secret; enrol and return the ten recovery codes."""
    name = _name(user.user_name)
    now = now or utc_now()
    with store.write() as con:
        row = _row(con, name)
        if row is None or row[1] is not None:
            raise TwoFactorError("aucune activation de la double authentification n'est en cours")
        step = totp.matching_step(str(row[0]), code, now=_epoch(now), last_step=None)
        if step is None:
            audit.insert(con, name, "two_factor_enrol", "user", name, {"reason": "wrong_code"}, "failure", at=now)
            failed = True
        else:
            con.execute("UPDATE user_totp SET enrolled_at = ?, last_step = ? WHERE user_name = ?", [now, step, name])
            codes = _new_codes(con, name, now)
            audit.insert(con, name, "two_factor_enrol", "user", name, {}, at=now)
            failed = False
    if failed:
        raise TwoFactorError("code incorrect : saisissez le code à 6 chiffres affiché par l'application, avant qu'il change")
    return codes


@retrying
def verify(store: CampaignStore, user_name: str, code: str, *, now: datetime | None = None) -> bool:
    """Accept a current TOTP code (not already used) or an unused recovery code, once; audited."""
    name = _name(user_name)
    now = now or utc_now()
    if not store.exists():
        return False
    with store.write() as con:
        row = _row(con, name)
        if row is None or row[1] is None:
            audit.insert(con, name or None, "two_factor_verify", "user", name or None, {"reason": "not_enrolled"}, "failure", at=now)
            return False
        step = totp.matching_step(str(row[0]), code, now=_epoch(now), last_step=None if row[2] is None else int(row[2]))
        if step is not None:
            taken = con.execute(
                "UPDATE user_totp SET last_step = ? WHERE user_name = ? AND (last_step IS NULL OR last_step < ?) RETURNING user_name",
                [step, name, step],
            ).fetchone()
            if taken:
                audit.insert(con, name, "two_factor_verify", "user", name, {"method": "totp"}, at=now)
                return True
        elif totp.looks_like_recovery_code(code):
            used = con.execute(
                "UPDATE user_recovery_code SET used_at = ? WHERE user_name = ? AND code_hash = ? AND used_at IS NULL "
                "RETURNING code_hash", [now, name, totp.recovery_digest(name, code)],
            ).fetchone()
            if used:
                left = int(con.execute("SELECT count(*) FROM user_recovery_code WHERE user_name = ? AND used_at IS NULL",
                                       [name]).fetchone()[0])
                audit.insert(con, name, "two_factor_recovery_used", "user", name, {"codes_left": left}, at=now)
                return True
        reused = totp.matching_step(str(row[0]), code, now=_epoch(now), last_step=None) is not None
        audit.insert(con, name, "two_factor_verify", "user", name,
                     {"reason": "code_already_used" if reused else "wrong_code"}, "failure", at=now)
        return False


def _check_current_code(con: Tx, name: str, code: str, now: datetime, action: str) -> bool:
    """A current TOTP code of the user (used up), for the user's own changes; audits a wrong one."""
    row = _row(con, name)
    if row is None or row[1] is None:
        raise TwoFactorError("la double authentification n'est pas activée pour ce compte")
    step = totp.matching_step(str(row[0]), code, now=_epoch(now), last_step=None if row[2] is None else int(row[2]))
    if step is None:
        audit.insert(con, name, action, "user", name, {"reason": "wrong_code"}, "failure", at=now)
        return False
    con.execute("UPDATE user_totp SET last_step = ? WHERE user_name = ?", [step, name])
    return True


_WRONG = "code incorrect ou déjà utilisé : saisissez le code à 6 chiffres affiché maintenant par l'application"


@retrying
def regenerate_recovery_codes(store: CampaignStore, user: Principal, code: str, *,
                              now: datetime | None = None) -> list[str]:
    """Ten new recovery codes in place of the old ones (all of them), after a current TOTP code."""
    name = _name(user.user_name)
    now = now or utc_now()
    with store.write() as con:
        if _check_current_code(con, name, code, now, "two_factor_recovery_codes"):
            codes = _new_codes(con, name, now)
            audit.insert(con, name, "two_factor_recovery_codes", "user", name, {}, at=now)
        else:
            codes = []
    if not codes:
        raise TwoFactorError(_WRONG)
    return codes


@retrying
def disable(store: CampaignStore, user: Principal, code: str, *, now: datetime | None = None) -> None:
    """The user turns two-factor authentication off (after a current code); refused where it is required."""
    name = _name(user.user_name)
    now = now or utc_now()
    if required(user.role):
        with store.write() as con:
            audit.insert(con, name, "two_factor_disable", "user", name, {"reason": "required"}, "denied", at=now)
        raise TwoFactorError("la double authentification est obligatoire pour votre rôle : elle ne peut pas être désactivée")
    with store.write() as con:
        done = _check_current_code(con, name, code, now, "two_factor_disable")
        if done:
            con.execute("DELETE FROM user_totp WHERE user_name = ?", [name])
            con.execute("DELETE FROM user_recovery_code WHERE user_name = ?", [name])
            audit.insert(con, name, "two_factor_disable", "user", name, {}, at=now)
    if not done:
        raise TwoFactorError(_WRONG)


@retrying
def reset(store: CampaignStore, user_name: str, *, by: Principal | str, now: datetime | None = None) -> None:
    """An admin (``manage_users``) removes a user's secret and recovery codes: they enrol again."""
    audit.require(store, by, "manage_users", "user", _name(user_name))
    name = _name(user_name)
    now = now or utc_now()
    with store.write() as con:
        if con.execute("SELECT count(*) FROM app_user WHERE user_name = ?", [name]).fetchone()[0] == 0:
            raise TwoFactorError(f"utilisateur inconnu : « {name} »")
        had = _row(con, name) is not None
        con.execute("DELETE FROM user_totp WHERE user_name = ?", [name])
        con.execute("DELETE FROM user_recovery_code WHERE user_name = ?", [name])
        audit.insert(con, actor_name(by), "two_factor_reset", "user", name, {"was_enrolled": had}, at=now)
