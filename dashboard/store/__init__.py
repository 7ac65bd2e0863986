"""The campaign store: what the campaign itself writes (saved views, users, zones, contacts, settings, audit).

Unlike the warehouse it is read-write for the app and holds campaign data; it
is purged after the election (see the roles issue). The modules: ``campaign``
(the file and its schema), ``users``, ``audit``, ``zones`` (zones, their
addresses, counts and history), ``turfs`` (turfs, walk order, assignments,
progress, walk-list export gate), ``contacts``, ``campaign_settings``. The
audit actions they record are all listed in ``audit.AUDIT_ACTIONS``; the
modules are imported here so ``from dashboard.store import turfs`` works.
"""

from dashboard.store import campaign_settings, contacts, turfs, zones
from dashboard.store.campaign import CAMPAIGN_FILE, CampaignStore, SavedView

__all__ = ["CAMPAIGN_FILE", "CampaignStore", "SavedView", "campaign_settings", "contacts", "turfs", "zones"]
