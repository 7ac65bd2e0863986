"""The campaign store: what the campaign itself writes (saved views, users, zones, contacts, settings, audit).

Unlike the warehouse it is read-write for the app and holds campaign data; it
is purged after the election. It lives in a DuckDB file (default) or in
PostgreSQL (``ISOLOIR_CAMPAIGN_URL``): ``CampaignStore.from_settings(settings)``.

The modules: ``campaign`` (the :class:`CampaignStore` handle and the saved
views), ``backend`` (DuckDB and PostgreSQL backends, transactions, retries,
:class:`~dashboard.store.backend.StoreBusy`), ``dialect`` (every SQL
difference between the two), ``migrations`` (the numbered schema), ``users``,
``audit``, ``guard`` (permission checks with audited refusals), ``scope`` (a
canvasser's scope as SQL), ``validate``, ``errors`` (``ZoneConflict``…),
``zones`` (zones, their addresses and assignments), ``zone_counts``,
``zone_history``, ``turfs`` (turfs, walk order, assignments, progress,
walk-list export gate), ``contacts``, ``campaign_settings``, ``purge``, ``two_factor``
(TOTP secrets and recovery codes), ``data_right`` (rights given beyond the role: the "data" right). The
audit actions they record are all listed in ``audit.AUDIT_ACTIONS``; the
modules are imported here so ``from dashboard.store import turfs`` works.
"""

from dashboard.store import campaign_settings, contacts, turfs, two_factor, zones
from dashboard.store.errors import StoreBusy, StoreError
from dashboard.store.campaign import CAMPAIGN_FILE, CampaignStore, SavedView
from dashboard.store.errors import ZoneConflict

__all__ = ["CAMPAIGN_FILE", "CampaignStore", "SavedView", "StoreBusy", "StoreError", "ZoneConflict", "campaign_settings",
           "contacts", "turfs", "two_factor", "zones"]
