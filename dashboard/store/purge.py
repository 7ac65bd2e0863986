"""Purge of the campaign's data once the election is over (CNIL: delete what was collected for the campaign).

:func:`purge_campaign_data` (permission ``purge``: admin only) deletes, in one
transaction, every contact (the people met) and their consents, every zone with its stations,
addresses, counts, version history and assignments, every turf with its walk
order, assignments and progress, the phone's visits and households, the questionnaires with their
answers and held free texts, the field teams and goals, and the saved views. It keeps the accounts (the team may need
them for the next campaign; the admin disables them), the opposition list (``store/opposition.py``: it must
be honoured by the next campaign and provider too, as the CNIL asks) and the audit log, which
records the purge with the number of rows deleted per table — never their
content. :func:`purge_status` says whether the purge is due (the day after
``election_date + retention_days`` of the campaign settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dashboard.access.permissions import Principal, actor_name
from dashboard.store import audit
from dashboard.store.backend import retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.campaign_settings import get_campaign_settings
from dashboard.store.guard import audit_refusals, grant_for

# deleted, children first; every one is campaign data (personal or planning)
PURGED_TABLES = (
    "answer_review", "answer", "answer_set", "questionnaire_version", "questionnaire",
    "visit", "household", "consent", "contact",
    "turf_progress", "turf_assignment", "turf_address", "turf",
    "zone_version", "zone_count", "zone_address", "zone_assignment", "zone_station", "zone",
    "field_goal", "team_member", "team",
    "saved_view",
)
# purged table -> French label (the admin page lists what is held before the purge)
PURGED_TABLE_LABELS: dict[str, str] = {
    "answer_review": "réponses libres en attente de relecture",
    "answer": "réponses aux questionnaires",
    "answer_set": "questionnaires remplis",
    "questionnaire_version": "versions de questionnaires",
    "questionnaire": "questionnaires",
    "visit": "passages saisis sur le téléphone",
    "household": "logements relevés",
    "consent": "consentements",
    "contact": "contacts",
    "turf_progress": "relevés d'avancement",
    "turf_assignment": "affectations de secteurs",
    "turf_address": "adresses en secteur",
    "turf": "secteurs",
    "zone_version": "versions de zones",
    "zone_count": "chiffres de zones",
    "zone_address": "adresses en zone",
    "zone_assignment": "affectations",
    "zone_station": "bureaux en zone",
    "field_goal": "objectifs de porte-à-porte",
    "team_member": "membres d'équipes",
    "team": "équipes",
    "zone": "zones",
    "saved_view": "vues enregistrées",
}


@dataclass(frozen=True)
class PurgeStatus:
    purge_after: date | None  # None: no election date set
    due: bool
    rows: dict[str, int]  # rows held now, per purged table


def _counts(store: CampaignStore) -> dict[str, int]:
    if not store.exists():
        return dict.fromkeys(PURGED_TABLES, 0)
    with store.read() as con:
        return {table: int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) for table in PURGED_TABLES}


def purge_status(store: CampaignStore, today: date | None = None) -> PurgeStatus:
    after = get_campaign_settings(store).purge_after
    today = today or date.today()
    return PurgeStatus(after, after is not None and today >= after, _counts(store))


@retrying
def purge_campaign_data(store: CampaignStore, *, by: Principal | str, now: datetime | None = None) -> dict[str, int]:
    """Delete the campaign's data (see the module doc); returns the rows deleted per table."""
    now = now or utc_now()
    with audit_refusals(store, by, "purge", "campaign"):
        grant_for(by, "purge")
    deleted: dict[str, int] = {}
    with store.write() as con:
        for table in PURGED_TABLES:  # fixed names, not user input
            deleted[table] = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            con.execute(f"DELETE FROM {table}")
        audit.insert(con, actor_name(by), "purge", "campaign", None, {"deleted": deleted}, at=now)
    store.backend.compact(PURGED_TABLES)  # DuckDB: CHECKPOINT; PostgreSQL: VACUUM — deleted rows do not linger in free space
    return deleted
