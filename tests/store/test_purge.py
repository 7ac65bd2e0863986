"""When the campaign data is due for purge, and what the purge keeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from dashboard.store import CampaignStore, users
from dashboard.store.campaign_settings import set_campaign_settings
from dashboard.store.purge import PURGED_TABLE_LABELS, PURGED_TABLES, purge_campaign_data, purge_status


def test_due_the_day_after_the_retention_period(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    status = purge_status(store, today=date(2027, 1, 1))
    assert status.purge_after is None and not status.due and set(status.rows) == set(PURGED_TABLES)
    set_campaign_settings(store, by="cli", election_date=date(2026, 3, 22), retention_days=30)
    assert purge_status(store, today=date(2026, 4, 20)).due is False
    assert purge_status(store, today=date(2026, 4, 21)).due is True
    assert purge_status(store, today=date(2026, 4, 21)).purge_after == date(2026, 4, 21)


def test_purge_keeps_accounts_and_settings(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    users.add_user(store, "directrice", "un-mot-de-passe-solide", "admin", by="cli")
    set_campaign_settings(store, by="cli", election_date=date(2026, 3, 22), retention_days=0)
    store.save_view("Vue", {}, by="cli")
    deleted = purge_campaign_data(store, by="cli")
    assert deleted["saved_view"] == 1 and store.views() == []
    assert users.get_user(store, "directrice") is not None
    assert purge_status(store).purge_after == date(2026, 3, 22)


def test_every_purged_table_has_a_french_label() -> None:
    assert set(PURGED_TABLE_LABELS) == set(PURGED_TABLES)
