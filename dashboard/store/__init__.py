"""The campaign store: what the campaign itself writes (saved views, and later users, zones, audit).

Unlike the warehouse it is read-write for the app and holds campaign data; it
is purged after the election (see the roles issue).
"""

from dashboard.store.campaign import CAMPAIGN_FILE, CampaignStore, SavedView

__all__ = ["CAMPAIGN_FILE", "CampaignStore", "SavedView"]
