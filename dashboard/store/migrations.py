"""The campaign store's schema, as numbered migrations recorded in ``schema_migrations``.

:func:`migrate` runs once per store and process, when the backend opens
(never per call): it creates ``schema_migrations`` (``version``, ``name``,
``applied_at``) if missing and applies, in one transaction each, the
migrations whose number is not recorded yet. Never edit a migration that has
shipped: add the next number.

Migration 1 is the schema as it stood before migrations existed, with
``IF NOT EXISTS`` everywhere: a DuckDB store made by that code has every table
already, gets migration 1 recorded without change, then the later ones. Each
migration is a function of the :class:`~dashboard.store.dialect.Dialect`
returning its statements, so DuckDB and PostgreSQL get the same tables.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from dashboard.store import crypto
from dashboard.store.dialect import Dialect
from dashboard.store.errors import StoreError

if TYPE_CHECKING:
    from dashboard.store.backend import Tx


def _baseline(d: Dialect) -> list[str]:
    """The tables of the campaign store before numbered migrations (see docs/schema.md)."""
    key = d.generated_key
    return [
        *d.sequence("saved_view_seq"),
        f"""CREATE TABLE IF NOT EXISTS saved_view (
            view_id {key('saved_view_seq')}, name VARCHAR NOT NULL,
            params JSON NOT NULL, position INTEGER NOT NULL, created_at TIMESTAMP NOT NULL, created_by VARCHAR)""",
        # Accounts (users.py). ``password_hash``: a bcrypt hash, never leaves users.py except to feed the authenticator.
        """CREATE TABLE IF NOT EXISTS app_user (
            user_name VARCHAR PRIMARY KEY, display_name VARCHAR NOT NULL, role VARCHAR NOT NULL,
            password_hash VARCHAR NOT NULL, active BOOLEAN NOT NULL DEFAULT true, created_at TIMESTAMP NOT NULL,
            password_changed_at TIMESTAMP, failed_logins INTEGER NOT NULL DEFAULT 0, locked_until TIMESTAMP,
            demo BOOLEAN NOT NULL DEFAULT false)""",
        # Audit log (audit.py): append-only, each row chained to the previous one by ``chain``.
        *d.sequence("audit_log_seq"),
        f"""CREATE TABLE IF NOT EXISTS audit_log (
            id {key('audit_log_seq')}, "at" TIMESTAMP NOT NULL, user_name VARCHAR,
            action VARCHAR NOT NULL, object_type VARCHAR, object_id VARCHAR, detail JSON, outcome VARCHAR NOT NULL,
            chain VARCHAR NOT NULL)""",
        # Zones (zones.py). No foreign keys: the store keeps the tables consistent inside one transaction
        # (DuckDB's foreign keys refuse deleting a parent even when its children go in the same transaction).
        # ``geometry`` is WKB in lon/lat (EPSG:4326).
        *d.sequence("zone_seq"),
        f"""CREATE TABLE IF NOT EXISTS zone (
            zone_id {key('zone_seq')}, name VARCHAR NOT NULL, geometry BYTEA,
            status VARCHAR NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'ready', 'assigned', 'done')),
            owner VARCHAR, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS zone_station (
            zone_id BIGINT NOT NULL, station_id VARCHAR NOT NULL, PRIMARY KEY (zone_id, station_id))""",
        """CREATE TABLE IF NOT EXISTS zone_assignment (
            zone_id BIGINT NOT NULL, user_name VARCHAR NOT NULL, due_date DATE, assigned_by VARCHAR NOT NULL,
            assigned_at TIMESTAMP NOT NULL, PRIMARY KEY (zone_id, user_name))""",
        """CREATE TABLE IF NOT EXISTS zone_address (
            zone_id BIGINT NOT NULL, address_id VARCHAR NOT NULL, station_id VARCHAR, PRIMARY KEY (zone_id, address_id))""",
        """CREATE TABLE IF NOT EXISTS zone_count (
            zone_id BIGINT PRIMARY KEY, registered BIGINT, addresses BIGINT, doors BIGINT, score_sum DOUBLE PRECISION,
            expected_net_votes DOUBLE PRECISION, election_id VARCHAR, target VARCHAR, computed_at TIMESTAMP)""",
        *d.sequence("zone_version_seq"),
        f"""CREATE TABLE IF NOT EXISTS zone_version (
            version_id {key('zone_version_seq')}, zone_id BIGINT NOT NULL,
            version INTEGER NOT NULL, op VARCHAR NOT NULL, name VARCHAR NOT NULL, status VARCHAR NOT NULL, geometry BYTEA,
            station_ids JSON NOT NULL, address_ids JSON NOT NULL, counts JSON, restored_from INTEGER,
            created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, UNIQUE (zone_id, version))""",
        # Turfs (turfs.py): ``turf_address`` holds the walk order; ``turf_progress`` every report (the latest counts).
        *d.sequence("turf_seq"),
        f"""CREATE TABLE IF NOT EXISTS turf (
            turf_id {key('turf_seq')}, zone_id BIGINT NOT NULL,
            number INTEGER NOT NULL CHECK (number > 0), name VARCHAR NOT NULL, doors INTEGER NOT NULL CHECK (doors >= 0),
            geometry BYTEA, created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, UNIQUE (zone_id, number))""",
        """CREATE TABLE IF NOT EXISTS turf_address (
            turf_id BIGINT NOT NULL, position INTEGER NOT NULL CHECK (position > 0), address_id VARCHAR NOT NULL,
            station_id VARCHAR, PRIMARY KEY (turf_id, position), UNIQUE (turf_id, address_id))""",
        """CREATE TABLE IF NOT EXISTS turf_assignment (
            turf_id BIGINT NOT NULL, user_name VARCHAR NOT NULL, due_date DATE, assigned_by VARCHAR NOT NULL,
            assigned_at TIMESTAMP NOT NULL, PRIMARY KEY (turf_id, user_name))""",
        *d.sequence("turf_progress_seq"),
        f"""CREATE TABLE IF NOT EXISTS turf_progress (
            progress_id {key('turf_progress_seq')}, turf_id BIGINT NOT NULL,
            doors_done INTEGER NOT NULL CHECK (doors_done >= 0), recorded_by VARCHAR NOT NULL, recorded_at TIMESTAMP NOT NULL)""",
        # People met while canvassing (contacts.py): personal data, purged after the election.
        *d.sequence("contact_seq"),
        f"""CREATE TABLE IF NOT EXISTS contact (
            contact_id {key('contact_seq')}, station_id VARCHAR NOT NULL,
            address VARCHAR NOT NULL, full_name VARCHAR NOT NULL, phone VARCHAR, email VARCHAR,
            consent BOOLEAN NOT NULL, outcome VARCHAR NOT NULL CHECK (outcome IN ('rencontre', 'absent', 'refus')),
            created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
            CHECK (consent OR (phone IS NULL AND email IS NULL)))""",
        # Campaign settings (campaign_settings.py): a single row.
        """CREATE TABLE IF NOT EXISTS campaign_setting (
            setting_id INTEGER PRIMARY KEY CHECK (setting_id = 1), name VARCHAR, election_date DATE,
            retention_days INTEGER NOT NULL DEFAULT 30 CHECK (retention_days BETWEEN 0 AND 365),
            updated_by VARCHAR, updated_at TIMESTAMP)""",
    ]


def _edit_versions(d: Dialect) -> list[str]:
    """Optimistic concurrency: zones and turfs carry ``row_version`` (bumped by every change) and who changed them last."""
    return [
        "ALTER TABLE zone ADD COLUMN row_version BIGINT DEFAULT 1",
        "ALTER TABLE zone ADD COLUMN updated_by VARCHAR",
        "UPDATE zone SET row_version = 1 WHERE row_version IS NULL",
        "UPDATE zone SET updated_by = owner WHERE updated_by IS NULL",
        "ALTER TABLE turf ADD COLUMN row_version BIGINT DEFAULT 1",
        "ALTER TABLE turf ADD COLUMN updated_by VARCHAR",
        "ALTER TABLE turf ADD COLUMN updated_at TIMESTAMP",
        "UPDATE turf SET row_version = 1 WHERE row_version IS NULL",
        "UPDATE turf SET updated_by = created_by, updated_at = created_at WHERE updated_at IS NULL",
    ]


def _sessions(d: Dialect) -> list[str]:
    """Server-side login sessions and login throttling counters (sessions.py, users.verify_login).

    ``user_session.session_id`` is the SHA-256 (hex) of the cookie's random token, never the token;
    ``pending`` marks the short session between a right password and the one-time code (two-factor
    accounts): it opens nothing.
    ``login_throttle`` counts failed logins per client address (``addr:<address>``) and per
    (address, user name) (``pair:<address>|<name>``), whatever the user name (known or not)."""
    return [
        """CREATE TABLE IF NOT EXISTS user_session (
            session_id VARCHAR PRIMARY KEY, user_name VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
            last_seen TIMESTAMP NOT NULL, expires_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP,
            revoke_reason VARCHAR, client VARCHAR, pending BOOLEAN NOT NULL DEFAULT FALSE)""",
        "CREATE INDEX IF NOT EXISTS user_session_user ON user_session (user_name)",
        """CREATE TABLE IF NOT EXISTS login_throttle (
            throttle_key VARCHAR PRIMARY KEY, failures INTEGER NOT NULL, last_failure TIMESTAMP NOT NULL,
            blocked_until TIMESTAMP)""",
    ]


def _doors_and_tickets(d: Dialect) -> list[str]:
    """Personal data scoped by door: ``contact.address_id`` (the REU address ``<BAN id>@<station_id>`` of the door
    knocked; NULL for contacts recorded before, which only the roles reading everything see); and
    ``download_ticket``: one-time download tickets (``dashboard.store.tickets``), the token kept only as its SHA-256."""
    return [
        "ALTER TABLE contact ADD COLUMN address_id VARCHAR",
        """CREATE TABLE IF NOT EXISTS download_ticket (
            token_hash VARCHAR PRIMARY KEY, user_name VARCHAR NOT NULL, kind VARCHAR NOT NULL, params JSON NOT NULL,
            created_at TIMESTAMP NOT NULL, expires_at TIMESTAMP NOT NULL, used_at TIMESTAMP)""",
    ]


def _two_factor(d: Dialect) -> list[str]:
    """Two-factor authentication (two_factor.py): a TOTP secret per user and one-time recovery codes.

    ``user_totp.secret`` is a secret in its own column, sealed like the personal columns (``store/crypto.py``);
    ``enrolled_at`` stays NULL until the user confirms a first code; ``last_step`` is the last time step
    used (a code of that step or an earlier one is refused). ``user_recovery_code`` keeps SHA-256 digests
    only; ``used_at`` is set once, when the code is used."""
    return [
        """CREATE TABLE IF NOT EXISTS user_totp (
            user_name VARCHAR PRIMARY KEY, secret VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
            enrolled_at TIMESTAMP, last_step BIGINT)""",
        """CREATE TABLE IF NOT EXISTS user_recovery_code (
            user_name VARCHAR NOT NULL, code_hash VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, used_at TIMESTAMP,
            PRIMARY KEY (user_name, code_hash))""",
    ]


def _encrypt_personal_data(d: Dialect) -> list[str]:
    """Personal data encrypted at rest (``store/crypto.py``): no DDL (sealed values are text in the same
    columns); the clear values of an existing store are sealed in place by :func:`_seal_clear_values`."""
    return []


def _seal_clear_values(tx: Tx) -> None:
    if crypto.clear_values_left(tx):  # a store from before: needs the key now (French error when none)
        crypto.reencrypt(tx, crypto.keyring(), clear_only=True)
        tx.rewrite = True  # DuckDB: the clear values' old blocks are dropped with a copy of the file


def _user_rights(d: Dialect) -> list[str]:
    """Rights an admin gives an account beyond its role (``store/data_right.py``; today only ``data``: importing
    public files from the app). One row per (account, right), who gave it and when; no row, no right."""
    return [
        """CREATE TABLE IF NOT EXISTS user_right (
            user_name VARCHAR NOT NULL, right_name VARCHAR NOT NULL, granted_by VARCHAR NOT NULL,
            granted_at TIMESTAMP NOT NULL, PRIMARY KEY (user_name, right_name))""",
    ]


def _field_visits(d: Dialect) -> list[str]:
    """The canvasser's phone (``store/visits.py``): households inside an address, and one row per door knocked.

    ``household``: the entrances and households (flats, letter boxes) a canvasser found at a REU address
    (``<BAN id>@<station_id>``); ``household_id`` is a UUID made on the phone (added offline, sent later:
    idempotent), ``label`` 🔒 a short tag (« 2e gauche »), ``mark`` what stays for the next visit
    (``digicode``, ``pas_acces``, ``commerce``, ``vide``), ``removed_at`` set when the canvasser removes it.
    ``visit``: one knock, ``visit_id`` a UUID made on the phone (the insert does nothing when the id is
    held: resent visits are not counted twice); ``recorded_at`` the phone's time (UTC), ``phone_seq`` its
    counter (ties), ``received_at`` the server's; ``flag`` ``hors_affectation`` when the turf was no longer
    the canvasser's when the visit arrived (kept for the supervisor), ``reviewed_by``/``reviewed_at`` the
    supervisor's check. No free text: answers to a questionnaire will be rows of their own, keyed by
    ``visit_id``."""
    return [
        """CREATE TABLE IF NOT EXISTS household (
            household_id VARCHAR PRIMARY KEY, address_id VARCHAR NOT NULL, station_id VARCHAR,
            entrance VARCHAR NOT NULL DEFAULT '', floor INTEGER CHECK (floor BETWEEN -5 AND 99), label VARCHAR,
            mark VARCHAR CHECK (mark IN ('digicode', 'pas_acces', 'commerce', 'vide')), position INTEGER NOT NULL,
            created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_by VARCHAR NOT NULL,
            updated_at TIMESTAMP NOT NULL, removed_at TIMESTAMP)""",
        "CREATE INDEX IF NOT EXISTS household_address ON household (address_id)",
        """CREATE TABLE IF NOT EXISTS visit (
            visit_id VARCHAR PRIMARY KEY, turf_id BIGINT NOT NULL, address_id VARCHAR NOT NULL, station_id VARCHAR,
            household_id VARCHAR, outcome VARCHAR NOT NULL
                CHECK (outcome IN ('ouvert', 'absent', 'refus', 'ne_plus_solliciter', 'repasser')),
            canvasser VARCHAR NOT NULL, recorded_at TIMESTAMP NOT NULL, phone_seq BIGINT NOT NULL DEFAULT 0,
            received_at TIMESTAMP NOT NULL, flag VARCHAR CHECK (flag IN ('hors_affectation')),
            reviewed_by VARCHAR, reviewed_at TIMESTAMP)""",
        "CREATE INDEX IF NOT EXISTS visit_turf ON visit (turf_id)",
        "CREATE INDEX IF NOT EXISTS visit_address ON visit (address_id)",
    ]


def _questionnaires(d: Dialect) -> list[str]:
    """Questionnaires on the phone (``store/questionnaires.py``): built by the strategists, answered after an
    « ouvert », caught free texts held for a supervisor.

    ``questionnaire``: one per zone (``zone_id``) or for the whole campaign (``zone_id`` NULL), its current
    ``version`` and whether it is ``active``; ``questionnaire_version``: every version as it was given (title,
    introduction script, instructions, ``questions`` JSON: ``key``, ``kind``, ``label``, ``options``), never
    changed once written. ``answer_set``: one row per visit answered (``visit_id``, the visit's own id: an
    answer sent again is held once), with the questionnaire and version given. ``answer``: one row per choice
    made (``choice``) or per free text (``text`` 🔒, sealed), keyed by visit, never by person: no name, no
    voter id. ``answer_review``: a free text the sensitive-mention guard caught (``text`` 🔒, ``categories``),
    held until a supervisor approves, edits or deletes it."""
    key = d.generated_key
    return [
        *d.sequence("questionnaire_seq"),
        f"""CREATE TABLE IF NOT EXISTS questionnaire (
            questionnaire_id {key('questionnaire_seq')}, zone_id BIGINT, title VARCHAR NOT NULL,
            version INTEGER NOT NULL CHECK (version > 0), active BOOLEAN NOT NULL DEFAULT TRUE,
            created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_by VARCHAR NOT NULL,
            updated_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS questionnaire_version (
            questionnaire_id BIGINT NOT NULL, version INTEGER NOT NULL, title VARCHAR NOT NULL, intro VARCHAR NOT NULL,
            instructions VARCHAR NOT NULL, questions JSON NOT NULL, created_by VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL, PRIMARY KEY (questionnaire_id, version))""",
        """CREATE TABLE IF NOT EXISTS answer_set (
            visit_id VARCHAR PRIMARY KEY, questionnaire_id BIGINT NOT NULL, version INTEGER NOT NULL,
            turf_id BIGINT NOT NULL, station_id VARCHAR, received_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS answer (
            answer_id VARCHAR PRIMARY KEY, visit_id VARCHAR NOT NULL, questionnaire_id BIGINT NOT NULL,
            version INTEGER NOT NULL, question_key VARCHAR NOT NULL, choice VARCHAR, text VARCHAR,
            turf_id BIGINT NOT NULL, station_id VARCHAR, created_at TIMESTAMP NOT NULL,
            CHECK ((choice IS NULL) <> (text IS NULL)))""",
        "CREATE INDEX IF NOT EXISTS answer_questionnaire ON answer (questionnaire_id)",
        """CREATE TABLE IF NOT EXISTS answer_review (
            review_id VARCHAR PRIMARY KEY, visit_id VARCHAR NOT NULL, questionnaire_id BIGINT NOT NULL,
            version INTEGER NOT NULL, question_key VARCHAR NOT NULL, text VARCHAR NOT NULL, categories JSON NOT NULL,
            turf_id BIGINT NOT NULL, station_id VARCHAR, canvasser VARCHAR NOT NULL, received_at TIMESTAMP NOT NULL)""",
    ]


def _field_teams(d: Dialect) -> list[str]:
    """Teams of canvassers and field goals (``store/teams.py``).

    ``team``: a named group of canvassers (name unique), made by a strategist, the candidate or the admin;
    ``team_member``: one row per canvasser (a canvasser is in one team at most: the leaderboard counts each
    visit once). ``field_goal``: a target of ``doors`` (distinct doors knocked) or ``contacts`` (doors opened)
    for one ``turf`` (``target_id`` its id) or one polling ``station`` (its id), set by a strategist;
    one goal per (scope, target, metric), the latest setting wins. Counts only: no personal data."""
    return [
        *d.sequence("team_seq"),
        f"""CREATE TABLE IF NOT EXISTS team (
            team_id {d.generated_key("team_seq")}, name VARCHAR NOT NULL UNIQUE, created_by VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS team_member (
            user_name VARCHAR PRIMARY KEY, team_id BIGINT NOT NULL, added_by VARCHAR NOT NULL, added_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS field_goal (
            scope VARCHAR NOT NULL CHECK (scope IN ('turf', 'station')), target_id VARCHAR NOT NULL,
            metric VARCHAR NOT NULL CHECK (metric IN ('doors', 'contacts')), target INTEGER NOT NULL CHECK (target > 0),
            set_by VARCHAR NOT NULL, set_at TIMESTAMP NOT NULL, PRIMARY KEY (scope, target_id, metric))""",
    ]


def _voters(d: Dialect) -> list[str]:
    """The electoral list (``store/voters.py``): one row per voter of an imported REU extract.

    ``voter_import``: one row per import (file, counts, who, when). ``voter``: the voter's names,
    date of birth, sex and address as written are sealed (``crypto.ENCRYPTED``); station, the
    matched REU address and the match (method, score, status, the proposal for review) stay clear so
    counts and scope are SQL. No nationality and no birthplace: ``list_kind`` says only whether the
    person is on the complementary list."""
    return [
        *d.sequence("voter_import_seq"),
        *d.sequence("voter_seq"),
        f"""CREATE TABLE IF NOT EXISTS voter_import (
            import_id {d.generated_key("voter_import_seq")}, file_name VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL,
            communes JSON NOT NULL, election_date DATE, rows_read INTEGER NOT NULL, matched INTEGER NOT NULL,
            doubtful INTEGER NOT NULL, unmatched INTEGER NOT NULL, excluded INTEGER NOT NULL, replaced INTEGER NOT NULL,
            options JSON NOT NULL, imported_by VARCHAR NOT NULL, imported_at TIMESTAMP NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS voter (
            voter_id {d.generated_key("voter_seq")}, import_id BIGINT NOT NULL, line INTEGER NOT NULL,
            commune_code VARCHAR NOT NULL, station_id VARCHAR NOT NULL,
            birth_name VARCHAR NOT NULL, usage_name VARCHAR, first_names VARCHAR NOT NULL, birth_date VARCHAR NOT NULL,
            sex VARCHAR, address VARCHAR NOT NULL, list_kind VARCHAR NOT NULL CHECK (list_kind IN ('principale', 'complementaire')),
            address_id VARCHAR, candidate_id VARCHAR, match_method VARCHAR NOT NULL, match_score DOUBLE PRECISION NOT NULL,
            match_status VARCHAR NOT NULL CHECK (match_status IN ('auto', 'doubtful', 'unmatched', 'reviewed', 'left')),
            match_reason VARCHAR, reviewed_by VARCHAR, reviewed_at TIMESTAMP)""",
        "CREATE INDEX IF NOT EXISTS voter_station ON voter (station_id)",
        "CREATE INDEX IF NOT EXISTS voter_address ON voter (address_id)",
    ]


def _consent_and_opposition(d: Dialect) -> list[str]:
    """Consent per purpose and channel with its proof, the opposition list (``store/consent.py``,
    ``store/opposition.py``, ``store/person.py``).

    ``consent_text``: the exact text shown for a purpose, versioned (a new wording is a new version, never an
    edit). ``consent``: one row per (contact, purpose, channel) agreed, with the text version shown, when, who
    collected it and how (``source``); ``withdrawn_at`` / ``withdrawn_by`` / ``withdrawal_source`` when it was
    withdrawn (the row stays: it is the proof of both). ``opposition``: the people who asked not to be
    solicited: from the field (``terrain``: a « ne plus solliciter » visit, its door ``address_id`` /
    ``household_id`` and ``visit_id``), or a request received by e-mail or post (``courriel``, ``courrier``:
    ``identity`` 🔒 the names, first names, birth date and address entered, ``received_on``); ``match_keys``
    the identity's normalised values as keyed hashes (HMAC-SHA-256 under ``privacy_key``): what the matching
    reads, and all that is left of the person once erased (``erased_at``). ``privacy_key``: the HMAC key
    (``secret`` 🔒, one row)."""
    key = d.generated_key
    return [
        """CREATE TABLE IF NOT EXISTS consent_text (
            purpose VARCHAR NOT NULL CHECK (purpose IN ('recontact', 'newsletter', 'volunteering')),
            version INTEGER NOT NULL CHECK (version > 0), text VARCHAR NOT NULL, created_by VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL, PRIMARY KEY (purpose, version))""",
        *d.sequence("consent_seq"),
        f"""CREATE TABLE IF NOT EXISTS consent (
            consent_id {key('consent_seq')}, contact_id BIGINT NOT NULL,
            purpose VARCHAR NOT NULL CHECK (purpose IN ('recontact', 'newsletter', 'volunteering')),
            channel VARCHAR NOT NULL CHECK (channel IN ('email', 'sms', 'telephone', 'courrier')),
            text_version INTEGER NOT NULL, given_at TIMESTAMP NOT NULL, collected_by VARCHAR NOT NULL,
            source VARCHAR NOT NULL, withdrawn_at TIMESTAMP, withdrawn_by VARCHAR, withdrawal_source VARCHAR)""",
        "CREATE INDEX IF NOT EXISTS consent_contact ON consent (contact_id)",
        *d.sequence("opposition_seq"),
        f"""CREATE TABLE IF NOT EXISTS opposition (
            opposition_id {key('opposition_seq')},
            source VARCHAR NOT NULL CHECK (source IN ('terrain', 'courriel', 'courrier', 'effacement')),
            received_on DATE NOT NULL, entered_by VARCHAR NOT NULL, entered_at TIMESTAMP NOT NULL,
            identity VARCHAR, match_keys VARCHAR, address_id VARCHAR, household_id VARCHAR, visit_id VARCHAR,
            contact_id BIGINT, erased_at TIMESTAMP)""",
        "CREATE INDEX IF NOT EXISTS opposition_address ON opposition (address_id)",
        """CREATE TABLE IF NOT EXISTS privacy_key (key_id INTEGER PRIMARY KEY, secret VARCHAR NOT NULL)""",
    ]


def _retention_and_notes(d: Dialect) -> list[str]:
    """Free texts beside visits and contacts, their review queue, the notice's settings (``store/text_review.py``,
    ``store/campaign_settings.py``, ``store/purge.py``).

    ``visit.note`` 🔒 and ``contact.remark`` 🔒: a short optional free text, sealed, written only once the
    sensitive-mention guard let it through or a supervisor approved it. ``text_review``: a caught note or remark
    (``kind`` ``visit_note`` or ``contact_remark``, ``target_id`` the visit's or the contact's id, ``text`` 🔒,
    ``categories``), held until a supervisor approves, edits or deletes it (the questionnaires' own
    ``answer_review`` stays as it is). ``campaign_setting`` gains who is responsible (controller's name and
    address, contact e-mail, referent or DPO) for the door notice and the register, and ``warning_days``: how
    many days before the purge the admins are warned."""
    return [
        "ALTER TABLE visit ADD COLUMN note VARCHAR",
        "ALTER TABLE contact ADD COLUMN remark VARCHAR",
        """CREATE TABLE IF NOT EXISTS text_review (
            review_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL CHECK (kind IN ('visit_note', 'contact_remark')),
            target_id VARCHAR NOT NULL, text VARCHAR NOT NULL, categories JSON NOT NULL, station_id VARCHAR,
            submitted_by VARCHAR NOT NULL, received_at TIMESTAMP NOT NULL)""",
        "ALTER TABLE campaign_setting ADD COLUMN controller_name VARCHAR",
        "ALTER TABLE campaign_setting ADD COLUMN controller_address VARCHAR",
        "ALTER TABLE campaign_setting ADD COLUMN contact_email VARCHAR",
        "ALTER TABLE campaign_setting ADD COLUMN referent VARCHAR",
        "ALTER TABLE campaign_setting ADD COLUMN warning_days INTEGER DEFAULT 14",
        "UPDATE campaign_setting SET warning_days = 14 WHERE warning_days IS NULL",
    ]


def _phone_consents(d: Dialect) -> list[str]:
    """Consents given at the door on the phone page (``web/field.py``): ``contact.client_id``, the phone's id of
    the contact it sends with its consents, so a batch sent twice records it once (``store/contacts.add_contact``
    looks it up in its write transaction; no index, so later migrations can still alter ``contact`` on DuckDB)."""
    return ["ALTER TABLE contact ADD COLUMN client_id VARCHAR"]


# (number, name, statements of the dialect), in order; numbers never reused
MIGRATIONS: list[tuple[int, str, Callable[[Dialect], list[str]]]] = [
    (1, "baseline", _baseline),
    (2, "edit_versions", _edit_versions),
    (3, "sessions", _sessions),
    (4, "two_factor", _two_factor),
    (5, "doors_and_tickets", _doors_and_tickets),
    (6, "encrypt_personal_data", _encrypt_personal_data),
    (7, "user_rights", _user_rights),
    (8, "field_visits", _field_visits),
    (9, "questionnaires", _questionnaires),
    (10, "field_teams", _field_teams),
    (11, "voters", _voters),
    (12, "consent_and_opposition", _consent_and_opposition),
    (13, "retention_and_notes", _retention_and_notes),
    (15, "phone_consents", _phone_consents),
]
# number -> a data step run after the migration's statements, in the same transaction
DATA_STEPS: dict[int, Callable[[Tx], None]] = {6: _seal_clear_values}
LATEST = MIGRATIONS[-1][0]

_CREATE_VERSIONS = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"""


def applied(tx: Tx) -> set[int]:
    return {int(r[0]) for r in tx.execute("SELECT version FROM schema_migrations").fetchall()}


def migrate(tx: Tx) -> list[int]:
    """Apply the missing migrations inside ``tx`` (a write transaction); returns the numbers applied."""
    tx.execute(_CREATE_VERSIONS)
    done = applied(tx)
    newer = sorted(done - {n for n, _, _ in MIGRATIONS})
    if newer:
        raise StoreError(f"le magasin de campagne a été créé par une version plus récente d'Isoloir (migration n° {newer[-1]}) : "
                         "mettez Isoloir à jour")
    ran = []
    for number, name, statements in MIGRATIONS:
        if number in done:
            continue
        for statement in statements(tx.dialect):
            tx.execute(statement)
        if number in DATA_STEPS:
            DATA_STEPS[number](tx)
        tx.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                   [number, name, datetime.now(timezone.utc).replace(tzinfo=None)])
        ran.append(number)
    return ran
