"""Rights given to an account beyond its role, and the check an action makes with them when it runs.

Today one right exists (``dashboard.access.permissions.RIGHTS``): ``data``, importing public files
into the warehouse from the app's « Importer » page (action ``import_data``; the admin has it by
role). Rights live in ``user_right`` (migration 7), one row per (account, right); an admin gives or
removes them (``manage_users``), each change audited (``user_right``).

:func:`authorise` is what an action calls at the moment it runs, not when the page was drawn: it
re-reads the account (active, role, rights) from the store, so a right removed while the page was
open refuses the confirm; the refusal is audited (``permission_denied``).
"""

from __future__ import annotations

from datetime import datetime

from dashboard.access.permissions import RIGHTS, PermissionDenied, Principal, actor_name, is_system_actor, require
from dashboard.store import audit
from dashboard.store.backend import retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.rights import require_current
from dashboard.store.users import User, UserError, get_user, get_user_in


def check_right(right: str) -> str:
    clean = str(right).strip().lower()
    if clean not in RIGHTS:
        raise UserError(f"droit inconnu : « {right} » (attendu : {', '.join(RIGHTS)})")
    return clean


@retrying
def set_right(store: CampaignStore, user_name: str, right: str, granted: bool, *, by: Principal | str,
              now: datetime | None = None) -> User:
    """Give (``granted``) or remove ``right`` of ``user_name``; needs ``manage_users``; audited in the same transaction."""
    audit.require(store, by, "manage_users", "user")
    right = check_right(right)
    name = str(user_name).strip().lower()
    now = now or utc_now()
    with store.write() as con:
        user = get_user_in(con, name)
        if user is None:
            raise UserError(f"utilisateur inconnu : « {name} »")
        had = right in user.rights
        if granted and not had:
            con.execute("INSERT INTO user_right (user_name, right_name, granted_by, granted_at) VALUES (?, ?, ?, ?)",
                        [name, right, actor_name(by), now])
        elif not granted and had:
            con.execute("DELETE FROM user_right WHERE user_name = ? AND right_name = ?", [name, right])
        if granted != had:
            audit.insert(con, actor_name(by), "user_right", "user", name, {"right": right, "granted": granted}, at=now)
        changed = get_user_in(con, name)
        assert changed is not None
        return changed


def authorise(store: CampaignStore, by: Principal | str, action: str) -> User | str:
    """The acting account as it is now, if it may do ``action`` (role or right); raises
    :class:`~dashboard.access.permissions.PermissionDenied` (French) and audits the refusal otherwise.
    System actors pass and are returned as they are."""
    if is_system_actor(by):
        return by  # type: ignore[return-value]
    if isinstance(by, str):
        raise ValueError(f"unknown system actor: {by!r}")
    try:
        require_current(store, by, action)  # gone, disabled, or another role than the page's
        now = get_user(store, by.user_name)
        if now is None:  # pragma: no cover - require_current refused it already
            raise PermissionDenied("action refusée : compte désactivé ou supprimé", role=by.role, action=action)
        require(now, action)
        return now
    except PermissionDenied:
        audit.record(store, by.user_name, "permission_denied", "warehouse", None, {"action": action}, "denied")
        raise
