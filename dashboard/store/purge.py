"""Purge of the campaign's data once the election is over (CNIL: delete what was collected for the campaign).

**One registry.** :data:`PURGED` declares every table the purge empties, children
first, with its French label and whether it holds data on people; :data:`KEPT`
every table it keeps, with the reason. ``tests/store/test_purge.py`` fails when a
table of the store is in neither: a new table of personal data is one line here.

**What goes.** :func:`purge_campaign_data` (permission ``purge``: admin only, or
the ``purge-auto`` system actor) deletes, in one transaction, every row of
:data:`PURGED`: contacts with their consents and held remarks, the imported electoral lists, the phone's visits (and their
notes) and households, the questionnaires with their answers and held free
texts, the zones, turfs and assignments, the field teams and goals, and the
saved views. **What stays** (:data:`KEPT`): the accounts (the team may need
them for the next campaign; the admin disables them), the audit log, the
settings, sessions and download tickets that expire by themselves, and the
opposition list when there is one (« ne plus solliciter » must still be honoured
after the campaign: kept :data:`OPPOSITION_YEARS` years from the request, the
period the CNIL recommends for opposition lists, then deleted by its own module:
``opposition.expire``, which :func:`purge_if_due` runs at every start).

**Verifiable.** The rows per table are counted before and after, in the purge's
transaction, and recorded in the audit log (``purge``: ``before``, ``after``,
``deleted``, ``automatic``; never a value); :func:`last_purge` reads them back for
the admin page, the CLI prints them. Then nothing is left in the files: DuckDB's
file is checkpointed and copied into a new one (freed blocks of the old file
are never zeroed by DuckDB), PostgreSQL's purged tables get ``VACUUM FULL``
(new table files, the old ones removed).

**On schedule.** :func:`purge_status` says whether the purge is due (from
``election_date + retention_days`` of the campaign settings);
:func:`purge_if_due` runs it when due and something is held: at every start of
the app (the server's lifespan) and of the CLI commands that open the store.
The admins are warned beforehand (``CampaignSettings.warning``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from dashboard.formats import paris_today
from dashboard.access.permissions import Principal, actor_name
from dashboard.store import audit, opposition
from dashboard.store.backend import retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.campaign_settings import get_campaign_settings
from dashboard.store.guard import audit_refusals, grant_for

AUTO_ACTOR = opposition.EXPIRY_ACTOR
OPPOSITION_YEARS = opposition.OPPOSITION_YEARS
OPPOSITION_TABLE = "opposition"  # the opposition list's table (store/opposition.py; KEPT below)


@dataclass(frozen=True)
class DataTable:
    """A table the purge empties: its name, a French label, whether it holds data on people."""

    name: str
    label: str
    personal: bool


# deleted in this order (children first); a new table of campaign data is one line here
PURGED: tuple[DataTable, ...] = (
    DataTable("text_review", "notes et remarques en attente de relecture", True),
    DataTable("answer_review", "réponses libres en attente de relecture", True),
    DataTable("answer", "réponses aux questionnaires", True),
    DataTable("answer_set", "questionnaires remplis", True),
    DataTable("questionnaire_version", "versions de questionnaires", False),
    DataTable("questionnaire", "questionnaires", False),
    DataTable("visit", "passages saisis sur le téléphone", True),
    DataTable("household", "logements relevés", True),
    DataTable("consent", "consentements", True),
    DataTable("contact", "contacts", True),
    DataTable("voter", "électeurs de la liste électorale", True),
    DataTable("voter_import", "imports de listes électorales", True),
    DataTable("turf_progress", "relevés d'avancement", False),
    DataTable("turf_assignment", "affectations de secteurs", False),
    DataTable("turf_address", "adresses en secteur", False),
    DataTable("turf", "secteurs", False),
    DataTable("zone_version", "versions de zones", False),
    DataTable("zone_count", "chiffres de zones", False),
    DataTable("zone_address", "adresses en zone", False),
    DataTable("zone_assignment", "affectations", False),
    DataTable("zone_station", "bureaux en zone", False),
    DataTable("field_goal", "objectifs de porte-à-porte", False),
    DataTable("team_member", "membres d'équipes", False),
    DataTable("team", "équipes", False),
    DataTable("zone", "zones", False),
    DataTable("saved_view", "vues enregistrées", False),
)
# table -> why the purge keeps it (French, shown in the register); names not in the store yet are harmless
KEPT: dict[str, str] = {
    "app_user": "comptes de l'équipe (désactivables par l'administrateur ; pour une prochaine campagne)",
    "user_totp": "double authentification des comptes conservés",
    "user_recovery_code": "codes de secours des comptes conservés",
    "user_right": "droits des comptes conservés",
    "user_session": "sessions de connexion, qui expirent d'elles-mêmes",
    "login_throttle": "compteurs d'échecs de connexion (protection contre les essais de mots de passe)",
    "download_ticket": "tickets de téléchargement, valables 60 secondes",
    "audit_log": "journal d'audit : qui a fait quoi, y compris la purge (des nombres, jamais les données)",
    "campaign_setting": "réglages de la campagne (dates, responsable), sans donnée sur les électeurs",
    "schema_migrations": "version du schéma",
    "consent_text": "textes de consentement montrés aux personnes, par version (la preuve de ce qui a été dit ; aucune personne)",
    "privacy_key": "clé de rapprochement des identités de la liste d'opposition conservée",
    OPPOSITION_TABLE: f"liste d'opposition (« ne plus solliciter ») : conservée {OPPOSITION_YEARS} ans pour être respectée",
}
PURGED_TABLES = tuple(t.name for t in PURGED)
PURGED_TABLE_LABELS: dict[str, str] = {t.name: t.label for t in PURGED}


@dataclass(frozen=True)
class PurgeStatus:
    purge_after: date | None  # None: no election date set
    due: bool
    rows: dict[str, int]  # rows held now, per purged table


@dataclass(frozen=True)
class PurgeReport:
    """A purge as recorded in the audit log: rows per table before and after, who, when, whether automatic."""

    before: dict[str, int]
    after: dict[str, int]
    by: str
    at: datetime
    automatic: bool

    @property
    def deleted(self) -> dict[str, int]:
        return {t: self.before.get(t, 0) - self.after.get(t, 0) for t in self.before}

    def lines_fr(self) -> list[str]:
        """One French line per table: label, before, after."""
        return [f"{PURGED_TABLE_LABELS.get(t, t)} ({t}) : {n} avant, {self.after.get(t, 0)} après" for t, n in self.before.items()]


def store_tables(store: CampaignStore) -> frozenset[str]:
    """The tables the store holds (empty when it does not exist yet)."""
    if not store.exists():
        return frozenset()
    with store.read() as con:
        return frozenset(str(r[0]) for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall())


def _count_all(con: object) -> dict[str, int]:
    return {table: int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[attr-defined]
            for table in PURGED_TABLES}  # fixed names, not user input


def _counts(store: CampaignStore) -> dict[str, int]:
    if not store.exists():
        return dict.fromkeys(PURGED_TABLES, 0)
    with store.read() as con:
        return _count_all(con)


def purge_status(store: CampaignStore, today: date | None = None) -> PurgeStatus:
    after = get_campaign_settings(store).purge_after
    today = today or paris_today()
    return PurgeStatus(after, after is not None and today >= after, _counts(store))


@retrying
def _delete(store: CampaignStore, by: Principal | str, now: datetime, automatic: bool) -> PurgeReport:
    with store.write() as con:
        before = _count_all(con)
        for table in PURGED_TABLES:  # fixed names, not user input
            con.execute(f"DELETE FROM {table}")
        after = _count_all(con)
        report = PurgeReport(before, after, actor_name(by), now, automatic)
        audit.insert(con, actor_name(by), "purge", "campaign", None,
                     {"deleted": report.deleted, "before": before, "after": after, "automatic": automatic}, at=now)
    return report


def purge_campaign_data(store: CampaignStore, *, by: Principal | str, now: datetime | None = None,
                        automatic: bool = False) -> dict[str, int]:
    """Delete the campaign's data (see the module doc); returns the rows deleted per table."""
    return purge_with_report(store, by=by, now=now, automatic=automatic).deleted


def purge_with_report(store: CampaignStore, *, by: Principal | str, now: datetime | None = None,
                      automatic: bool = False) -> PurgeReport:
    """:func:`purge_campaign_data` returning the whole report (before, after), once the files are rewritten."""
    now = now or utc_now()
    with audit_refusals(store, by, "purge", "campaign"):
        grant_for(by, "purge")
    report = _delete(store, by, now, automatic)
    store.backend.compact(PURGED_TABLES, rewrite=True)  # nothing of the deleted rows left in the files
    return report


def purge_if_due(store: CampaignStore, today: date | None = None, now: datetime | None = None) -> PurgeReport | None:
    """The automatic purge at start: when the purge day has come and any purged table holds a row; else None.
    First, whatever the campaign's dates, the opposition entries past their :data:`OPPOSITION_YEARS` years go
    (``opposition.expire``, audited apart)."""
    if not store.exists():
        return None
    opposition.expire(store, today or paris_today(), now=now)
    status = purge_status(store, today)
    if not status.due or not any(status.rows.values()):
        return None
    return purge_with_report(store, by=AUTO_ACTOR, now=now, automatic=True)


def last_purge(store: CampaignStore) -> PurgeReport | None:
    """The latest purge recorded in the audit log (counts before and after), or None."""
    if not store.exists():
        return None
    with store.read() as con:
        row = con.execute("SELECT user_name, \"at\", CAST(detail AS VARCHAR) FROM audit_log WHERE action = 'purge' "
                          "AND outcome = 'success' ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return None
    detail = json.loads(str(row[2]))
    before = detail.get("before") or detail.get("deleted") or {}
    after = detail.get("after") or dict.fromkeys(before, 0)
    return PurgeReport({k: int(v) for k, v in before.items()}, {k: int(v) for k, v in after.items()}, str(row[0]), row[1],
                       bool(detail.get("automatic", False)))
