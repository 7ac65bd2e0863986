"""The acting user re-read from the store at the moment of the action, not when the page was drawn.

A page holds the :class:`~dashboard.store.users.User` it was drawn for; a click may come minutes
later, after an admin disabled or demoted that account. Every permission check of the store
(``guard.audit_refusals``, ``audit.require``) therefore calls :func:`require_current` first: one
read of ``app_user`` (``active``, ``role``) in the store, by the user name, when the action runs.
A missing or disabled account, or a role that differs from the one the caller holds, is refused
(:class:`~dashboard.access.permissions.PermissionDenied`, French), and the caller audits the refusal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dashboard.access.permissions import PermissionDenied, Principal, is_system_actor

if TYPE_CHECKING:
    from dashboard.store.campaign import CampaignStore

STALE_ROLE = "action refusée : vos droits ont changé depuis l'affichage de la page ; rechargez la page"
GONE = "action refusée : compte désactivé ou supprimé"


def require_current(store: CampaignStore, by: Principal | str, action: str) -> None:
    """Refuse ``by`` unless the store holds them now, active, with the role they act with (system actors pass)."""
    if is_system_actor(by) or isinstance(by, str):
        return
    row = None
    if store.exists():
        with store.read() as con:
            row = con.execute("SELECT role, active FROM app_user WHERE user_name = ?", [by.user_name]).fetchone()
    if row is None or not row[1]:
        raise PermissionDenied(GONE, role=by.role, action=action)
    if str(row[0]) != by.role:
        raise PermissionDenied(STALE_ROLE, role=by.role, action=action)
