"""Permission checks of the campaign store's functions, with their refusals audited.

``dashboard.access.permissions`` holds the table (role × action → all / own zones / none);
these helpers apply it to ``by`` (a user, or a system actor such as ``"cli"``)
and record every refusal in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from dashboard.access.permissions import Grant, PermissionDenied, Principal, is_system_actor, require
from dashboard.store import audit
from dashboard.store.rights import require_current

if TYPE_CHECKING:
    from dashboard.store.campaign import CampaignStore


def grant_for(by: Principal | str, action: str) -> Grant:
    """``ALL`` for a system actor; otherwise the user's grant (raises :class:`PermissionDenied` on NONE or disabled)."""
    if is_system_actor(by):
        return Grant.ALL
    if isinstance(by, str):
        raise ValueError(f"unknown system actor: {by!r}")  # noqa: TRY004 - as dashboard.access.permissions.require_actor
    return require(by, action)


@contextmanager
def audit_refusals(store: CampaignStore, by: Principal | str, action: str, object_type: str | None = None,
                   object_id: str | int | None = None) -> Iterator[None]:
    """Record one ``permission_denied`` entry (outcome ``denied``) when the block raises :class:`PermissionDenied`.

    Wrap the whole ``with store.write()`` block: the change is rolled back
    first, then the refusal is written in its own transaction. The acting user
    is re-read from the store first (``rights.require_current``): a page drawn
    before an account was disabled or demoted acts with its rights of now.
    """
    try:
        require_current(store, by, action)
        yield
    except PermissionDenied:
        if not isinstance(by, str):
            audit.record(store, by.user_name, "permission_denied", object_type, object_id, {"action": action}, "denied")
        raise
