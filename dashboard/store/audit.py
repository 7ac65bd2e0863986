"""The audit log of the campaign store: who did what, when, to which object.

Logins (success and failure), exports, every view of personal data, zone and
assignment changes and user changes are recorded with :func:`record`; read
them with :func:`entries` (newest first, needs the ``view_audit`` permission).

**Append-only.** This module has no update or delete function, and nothing
else in the package writes to ``audit_log`` except through :func:`insert`
(a plain ``INSERT``). DuckDB has neither triggers nor per-table privileges, so
the storage itself cannot refuse an ``UPDATE`` issued by someone who opens the
file by hand; instead every row carries ``chain``, the SHA-256 of the previous
row's ``chain`` and of its own content, and :func:`verify_chain` finds the
first row edited, deleted or inserted out of order. (On PostgreSQL the same
table may also get ``REVOKE UPDATE, DELETE`` for the app's role.)

**Concurrency.** A row is chained to the last one, so rows must be appended
one writer at a time: :func:`insert` only runs inside a write transaction,
and write transactions of one store are serialised (a process lock on DuckDB,
``pg_advisory_xact_lock`` taken first thing on PostgreSQL, see
``backend``), so ids, chain order and commit order agree.

``detail`` never holds secrets: values under keys that look like a password,
hash, secret, cookie or token are replaced by ``"[masqué]"`` before writing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from dashboard.access.permissions import PermissionDenied, Principal, require_actor
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.rights import require_current

if TYPE_CHECKING:  # the handle imports this module (saved views need ``require``), not the other way round
    from dashboard.store.campaign import CampaignStore

# action id -> French label (the admin page shows the label)
AUDIT_ACTIONS: dict[str, str] = {
    "login": "connexion",
    "logout": "déconnexion",
    "session_revoke": "fin de session",
    "setup_code": "code de premier démarrage",
    "password_change": "changement de mot de passe",
    "user_add": "création de compte",
    "user_disable": "désactivation de compte",
    "user_enable": "réactivation de compte",
    "user_set_role": "changement de rôle",
    "user_reset_password": "réinitialisation de mot de passe",
    "user_right": "droit donné ou retiré (données)",
    "import": "import de fichiers dans l'entrepôt",
    "view_personal_data": "consultation de données personnelles",
    "export": "export",
    "voters_import": "import d'une liste électorale",
    "voters_review": "relecture d'une adresse de la liste électorale",
    "segmentation_refused": "segmentation illicite refusée (CNIL)",
    "download_ticket": "lien de téléchargement à usage unique",
    "keys_rotate": "rotation de la clé de chiffrement des données personnelles",
    "zone_change": "modification de zone",
    "assignment_change": "modification d'affectation",
    "record_feedback": "saisie d'un retour de porte-à-porte",
    "turf_change": "modification des secteurs d'une zone",
    "turf_progress": "avancement d'un secteur",
    "field_sync": "passages envoyés depuis le téléphone",
    "questionnaire_change": "modification d'un questionnaire",
    "answer_review": "décision sur une réponse mise en attente",
    "text_review": "décision sur une note ou une remarque mise en attente",
    "team_create": "création d'une équipe",
    "team_members": "membres d'une équipe",
    "team_delete": "suppression d'une équipe",
    "field_goal": "objectif de porte-à-porte",
    "export_walklist": "export de liste de porte-à-porte",
    "settings": "réglages de la campagne",
    "consent_given": "consentement recueilli",
    "consent_withdrawn": "consentement retiré",
    "consent_text": "nouvelle version d'un texte de consentement",
    "opposition_add": "opposition enregistrée",
    "opposition_expire": "oppositions supprimées après leur durée de conservation",
    "message_list": "liste de diffusion exportée",
    "person_export": "export des données d'une personne (droit d'accès)",
    "person_erase": "effacement des données d'une personne",
    "purge": "purge",
    "permission_denied": "action refusée",
    "two_factor_enrol": "activation de la double authentification",
    "two_factor_disable": "désactivation de la double authentification",
    "two_factor_reset": "réinitialisation de la double authentification",
    "two_factor_verify": "vérification d'un code de double authentification",
    "two_factor_recovery_used": "utilisation d'un code de secours",
    "two_factor_recovery_codes": "nouveaux codes de secours",
}
OUTCOMES: dict[str, str] = {
    "success": "réussi",
    "failure": "échec",
    "locked": "refusé (trop d'essais)",
    "throttled": "freiné (trop d'essais)",
    "disabled": "refusé (compte désactivé)",
    "denied": "refusé (droits)",
}
MASK = "[masqué]"
_SECRET_WORDS = ("password", "passwd", "mot_de_passe", "hash", "secret", "cookie", "token", "api_key")
_GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    user_name: str | None
    action: str
    object_type: str | None
    object_id: str | None
    detail: dict[str, Any]
    outcome: str


def _naive_utc(at: datetime) -> datetime:
    return at.astimezone(timezone.utc).replace(tzinfo=None) if at.tzinfo else at


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (MASK if any(w in str(k).lower() for w in _SECRET_WORDS) else _redact(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(v) for v in value]
    return value


def _chain(previous: str, at: datetime, user_name: str | None, action: str, object_type: str | None,
           object_id: str | None, detail_json: str, outcome: str) -> str:
    content = json.dumps([previous, at.isoformat(), user_name, action, object_type, object_id, detail_json, outcome], ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def insert(con: Tx, user_name: str | None, action: str, object_type: str | None = None,
           object_id: str | int | None = None, detail: dict[str, Any] | None = None, outcome: str = "success",
           at: datetime | None = None) -> int:
    """Append one entry inside an open write transaction of the store (used with the change it records)."""
    if not con.write:
        raise RuntimeError("audit entries are appended in a write transaction (it holds the writers' lock)")
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action: {action!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome: {outcome!r}")
    at = _naive_utc(at) if at else utc_now()
    object_id = None if object_id is None else str(object_id)
    detail_json = json.dumps(_redact(detail or {}), ensure_ascii=False, sort_keys=True, default=str)
    row = con.execute("SELECT chain FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    chain = _chain(row[0] if row else _GENESIS, at, user_name, action, object_type, object_id, detail_json, outcome)
    new = con.execute(
        'INSERT INTO audit_log ("at", user_name, action, object_type, object_id, detail, outcome, chain) '
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [at, user_name, action, object_type, object_id, detail_json, outcome, chain],
    ).fetchone()
    return int(new[0])


@retrying
def record(store: CampaignStore, user: Principal | str | None, action: str, object_type: str | None = None,
           object_id: str | int | None = None, detail: dict[str, Any] | None = None, outcome: str = "success",
           at: datetime | None = None) -> int:
    """Append one entry in its own transaction; ``user`` is a user, a user name or a system actor ("cli")."""
    user_name = user if user is None or isinstance(user, str) else user.user_name
    with store.write() as con:
        return insert(con, user_name, action, object_type, object_id, detail, outcome, at)


def require(store: CampaignStore, by: Principal | str, action: str, object_type: str | None = None,
            object_id: str | None = None) -> None:
    """:func:`dashboard.access.permissions.require_actor`, recording a refusal (``permission_denied``, outcome ``denied``)
    in its own transaction before re-raising it: the refused change itself never starts."""
    try:
        require_current(store, by, action)  # the account as it is now, not as the page was drawn
        require_actor(by, action)
    except PermissionDenied:
        if not isinstance(by, str):
            record(store, by.user_name, "permission_denied", object_type, object_id, {"action": action}, "denied")
        raise


def entries(store: CampaignStore, *, by: Principal | str, user_name: str | None = None, action: str | None = None,
            since: datetime | None = None, until: datetime | None = None, outcome: str | None = None,
            limit: int | None = 1000) -> list[AuditEntry]:
    """Entries newest first, filtered by user, action, outcome and ``since <= at < until``.

    ``by`` is who reads: a user with the ``view_audit`` permission, or a system actor.
    """
    require(store, by, "view_audit", "audit")
    if not store.exists():
        return []
    where, params = [], []
    for column, value in (("user_name", user_name), ("action", action), ("outcome", outcome)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if since is not None:
        where.append('"at" >= ?')
        params.append(since)
    if until is not None:
        where.append('"at" < ?')
        params.append(until)
    sql = 'SELECT id, "at", user_name, action, object_type, object_id, detail, outcome FROM audit_log'
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += ' ORDER BY "at" DESC, id DESC'
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    with store.read() as con:
        rows = con.execute(sql, params).fetchall()
    return [AuditEntry(int(r[0]), r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else {}, r[7]) for r in rows]


def verify_chain(store: CampaignStore) -> int | None:
    """Id of the first entry whose chain does not match (edited, deleted before it, reordered); None if intact."""
    if not store.exists():
        return None
    with store.read() as con:
        rows = con.execute(
            'SELECT id, "at", user_name, action, object_type, object_id, CAST(detail AS VARCHAR), outcome, chain FROM audit_log ORDER BY id'
        ).fetchall()
    previous = _GENESIS
    for r in rows:
        if _chain(previous, r[1], r[2], r[3], r[4], r[5], r[6], r[7]) != r[8]:
            return int(r[0])
        previous = r[8]
    return None
