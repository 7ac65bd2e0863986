"""The campaign store: what the campaign itself writes (saved views, users, zones, contacts, settings, audit).

Unlike the warehouse it is read-write for the app and holds campaign data; it
is purged after the election (see the roles issue). The modules: ``campaign``
(the file and its schema), ``users``, ``audit``, ``zones``, ``contacts``,
``campaign_settings``. ``zones``, ``contacts`` and ``campaign_settings`` are
imported here so the audit actions they add ("record_feedback", "settings")
are known to ``audit`` whatever module the app imports first.
"""

from dashboard.store import campaign_settings, contacts, zones
from dashboard.store.campaign import CAMPAIGN_FILE, CampaignStore, SavedView

__all__ = ["CAMPAIGN_FILE", "CampaignStore", "SavedView", "campaign_settings", "contacts", "zones"]
