"""Campaign settings, edited on the admin page: campaign name, election date, retention period.

A single row (``campaign_setting``, ``setting_id = 1``). Personal data must be
deleted once the election is over (CNIL): ``purge_after`` = election date +
retention days (default 30, from 0 to 365), None while the date is unset.

Anyone may read the settings (pages show the election date; no personal data).
Writing needs ``manage_users``: the admin page's permission, admin only. (The
``purge`` permission also belongs to the admin alone; ``manage_users`` is the
one that opens the admin page where the settings are edited.) Each write
records one ``settings`` audit entry, with the previous values, in the same
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dashboard.access.permissions import Principal, actor_name
from dashboard.errors import IsoloirError
from dashboard.store import audit
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.guard import audit_refusals, grant_for
from dashboard.store.validate import clean_date, clean_text


DEFAULT_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 365
MAX_CAMPAIGN_NAME = 120
EARLIEST_ELECTION = date(2000, 1, 1)
LATEST_ELECTION = date(2100, 12, 31)


class SettingsError(IsoloirError):
    """Campaign settings were refused (bad date, retention out of bounds…)."""


@dataclass(frozen=True)
class CampaignSettings:
    name: str | None = None
    election_date: date | None = None
    retention_days: int = DEFAULT_RETENTION_DAYS
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def purge_after(self) -> date | None:
        """The day from which the campaign's personal data is due for purge, or None while no election date is set."""
        if self.election_date is None:
            return None
        return self.election_date + timedelta(days=self.retention_days)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "election_date": self.election_date.isoformat() if self.election_date else None,
            "retention_days": self.retention_days,
        }


def _read(con: Tx) -> CampaignSettings:
    row = con.execute(
        "SELECT name, election_date, retention_days, updated_by, updated_at FROM campaign_setting WHERE setting_id = 1"
    ).fetchone()
    if row is None:
        return CampaignSettings()
    return CampaignSettings(row[0], row[1], int(row[2]), row[3], row[4])


def get_campaign_settings(store: CampaignStore) -> CampaignSettings:
    """The settings (defaults when never set; does not create the store file)."""
    if not store.exists():
        return CampaignSettings()
    with store.read() as con:
        return _read(con)


def _retention(value: object) -> int:
    if isinstance(value, bool):
        raise SettingsError("durée de conservation invalide : un nombre de jours est attendu")
    try:
        days = int(str(value).strip()) if isinstance(value, str) else int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise SettingsError(f"durée de conservation invalide : « {str(value)[:20]} » (un nombre de jours est attendu)") from None
    if isinstance(value, float) and value != days:
        raise SettingsError("durée de conservation invalide : un nombre entier de jours est attendu")
    if not 0 <= days <= MAX_RETENTION_DAYS:
        raise SettingsError(f"durée de conservation hors bornes : entre 0 et {MAX_RETENTION_DAYS} jours après l'élection")
    return days


@retrying
def set_campaign_settings(store: CampaignStore, *, by: Principal | str, election_date: date | str | None,
                          retention_days: int, name: str | None = None, now: datetime | None = None) -> CampaignSettings:
    """Replace the settings (``manage_users``: admin only); ``election_date`` None leaves it unset."""
    now = now or utc_now()
    with audit_refusals(store, by, "manage_users", "campaign"):
        grant_for(by, "manage_users")
    try:
        election = clean_date(election_date, "date de l'élection")
        clean_name = clean_text(name, "le nom de la campagne", MAX_CAMPAIGN_NAME, required=False)
    except SettingsError:
        raise
    except IsoloirError as error:
        raise SettingsError(error.message_fr) from None
    if election is not None and not EARLIEST_ELECTION <= election <= LATEST_ELECTION:
        raise SettingsError(f"date de l'élection improbable : {election.strftime('%d/%m/%Y')}")
    days = _retention(retention_days)
    with store.write() as con:
        previous = _read(con)
        con.execute(
            "INSERT INTO campaign_setting (setting_id, name, election_date, retention_days, updated_by, updated_at) "
            "VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (setting_id) DO UPDATE SET name = excluded.name, "
            "election_date = excluded.election_date, retention_days = excluded.retention_days, "
            "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            [clean_name, election, days, actor_name(by), now],
        )
        current = _read(con)
        audit.insert(con, actor_name(by), "settings", "campaign", None,
                     {**current.as_dict(), "previous": previous.as_dict()}, at=now)
        return current
