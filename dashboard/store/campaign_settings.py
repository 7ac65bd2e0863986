"""Campaign settings, edited on the admin page: campaign name, election date, retention period, who is responsible.

A single row (``campaign_setting``, ``setting_id = 1``). Personal data must be
deleted once the election is over (CNIL): ``purge_after`` = election date +
retention days (default 30, from 0 to 365), None while the date is unset; the
admins are warned from ``warning_days`` (default 14, 0 to 90) before it
(:meth:`CampaignSettings.warning`), and the store purges itself at the first
start on or after that day (``store/purge.py``). The controller's name and
address, the contact e-mail and the referent (or DPO) fill the door notice and
the processing register (``store/register.py``).

Anyone may read the settings (pages show the election date; no personal data).
Writing needs ``manage_users``: the admin page's permission, admin only. (The
``purge`` permission also belongs to the admin alone; ``manage_users`` is the
one that opens the admin page where the settings are edited.) Each write
records one ``settings`` audit entry, with the previous values, in the same
transaction.
"""

from __future__ import annotations

import re
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
DEFAULT_WARNING_DAYS = 14
MAX_WARNING_DAYS = 90
MAX_CONTROLLER = 160
MAX_CONTROLLER_ADDRESS = 240
MAX_REFERENT = 200
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
    controller_name: str | None = None
    controller_address: str | None = None
    contact_email: str | None = None
    referent: str | None = None
    warning_days: int = DEFAULT_WARNING_DAYS

    @property
    def purge_after(self) -> date | None:
        """The day from which the campaign's personal data is due for purge, or None while no election date is set."""
        if self.election_date is None:
            return None
        return self.election_date + timedelta(days=self.retention_days)

    def warning(self, today: date) -> str | None:
        """The admins' warning (French) from ``warning_days`` before the purge day, or None."""
        after = self.purge_after
        if after is None or today < after - timedelta(days=self.warning_days):
            return None
        if today >= after:
            return (f"La date de purge des données personnelles ({after.strftime('%d/%m/%Y')}) est passée : elles seront "
                    "supprimées au prochain démarrage d'Isoloir (ou purgez-les maintenant, page Administration).")
        days = (after - today).days
        return (f"Les données personnelles de la campagne seront purgées automatiquement le {after.strftime('%d/%m/%Y')} "
                f"(dans {days} jour{'s' if days > 1 else ''}), au premier démarrage d'Isoloir à partir de cette date. "
                "Exportez avant ce qui doit l'être, avec l'accord des personnes.")

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "election_date": self.election_date.isoformat() if self.election_date else None,
            "retention_days": self.retention_days,
            "warning_days": self.warning_days,
            "controller_name": self.controller_name,
            "controller_address": self.controller_address,
            "contact_email": self.contact_email,
            "referent": self.referent,
        }


_COLUMNS = ("name", "election_date", "retention_days", "updated_by", "updated_at", "controller_name", "controller_address",
            "contact_email", "referent", "warning_days")


def _read(con: Tx) -> CampaignSettings:
    row = con.execute(f"SELECT {', '.join(_COLUMNS)} FROM campaign_setting WHERE setting_id = 1").fetchone()
    if row is None:
        return CampaignSettings()
    return CampaignSettings(row[0], row[1], int(row[2]), row[3], row[4], row[5], row[6], row[7], row[8],
                            DEFAULT_WARNING_DAYS if row[9] is None else int(row[9]))


def get_campaign_settings(store: CampaignStore) -> CampaignSettings:
    """The settings (defaults when never set; does not create the store file)."""
    if not store.exists():
        return CampaignSettings()
    with store.read() as con:
        return _read(con)


def _days(value: object, what: str, maximum: int, after: str) -> int:
    if isinstance(value, bool):
        raise SettingsError(f"{what} invalide : un nombre de jours est attendu")
    try:
        days = int(str(value).strip()) if isinstance(value, str) else int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise SettingsError(f"{what} invalide : « {str(value)[:20]} » (un nombre de jours est attendu)") from None
    if isinstance(value, float) and value != days:
        raise SettingsError(f"{what} invalide : un nombre entier de jours est attendu")
    if not 0 <= days <= maximum:
        raise SettingsError(f"{what} hors bornes : entre 0 et {maximum} jours {after}")
    return days


def _retention(value: object) -> int:
    return _days(value, "durée de conservation", MAX_RETENTION_DAYS, "après l'élection")


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


def _email(value: object) -> str | None:
    email = clean_text(value, "le courriel de contact", 254, required=False)
    if email is not None and not _EMAIL.match(email):
        raise SettingsError(f"courriel de contact invalide : « {email[:60]} »")
    return email


@retrying
def set_campaign_settings(store: CampaignStore, *, by: Principal | str, election_date: date | str | None,
                          retention_days: int, name: str | None = None, now: datetime | None = None,
                          controller_name: str | None = None, controller_address: str | None = None,
                          contact_email: str | None = None, referent: str | None = None,
                          warning_days: int = DEFAULT_WARNING_DAYS) -> CampaignSettings:
    """Replace the settings (``manage_users``: admin only); ``election_date`` None leaves it unset, and so does an
    empty text for the others."""
    now = now or utc_now()
    with audit_refusals(store, by, "manage_users", "campaign"):
        grant_for(by, "manage_users")
    try:
        election = clean_date(election_date, "date de l'élection")
        clean_name = clean_text(name, "le nom de la campagne", MAX_CAMPAIGN_NAME, required=False)
        people = [clean_text(controller_name, "le responsable du traitement", MAX_CONTROLLER, required=False),
                  clean_text(controller_address, "l'adresse du responsable", MAX_CONTROLLER_ADDRESS, required=False),
                  _email(contact_email),
                  clean_text(referent, "le référent ou DPO", MAX_REFERENT, required=False)]
    except SettingsError:
        raise
    except IsoloirError as error:
        raise SettingsError(error.message_fr) from None
    if election is not None and not EARLIEST_ELECTION <= election <= LATEST_ELECTION:
        raise SettingsError(f"date de l'élection improbable : {election.strftime('%d/%m/%Y')}")
    days = _retention(retention_days)
    warn = _days(warning_days, "délai d'avertissement", MAX_WARNING_DAYS, "avant la purge")
    with store.write() as con:
        previous = _read(con)
        con.execute(
            "INSERT INTO campaign_setting (setting_id, name, election_date, retention_days, updated_by, updated_at, "
            "controller_name, controller_address, contact_email, referent, warning_days) "
            "VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (setting_id) DO UPDATE SET name = excluded.name, "
            "election_date = excluded.election_date, retention_days = excluded.retention_days, "
            "updated_by = excluded.updated_by, updated_at = excluded.updated_at, "
            "controller_name = excluded.controller_name, controller_address = excluded.controller_address, "
            "contact_email = excluded.contact_email, referent = excluded.referent, warning_days = excluded.warning_days",
            [clean_name, election, days, actor_name(by), now, *people, warn],
        )
        current = _read(con)
        audit.insert(con, actor_name(by), "settings", "campaign", None,
                     {**current.as_dict(), "previous": previous.as_dict()}, at=now)
        return current
