"""Consent per purpose and channel, with its proof, and its withdrawal at any time.

A contact (``store/contacts.py``) may agree to be written to for three **purposes**
(:data:`PURPOSES`: recontact, the newsletter, volunteering) on four **channels** (:data:`CHANNELS`:
e-mail, SMS, telephone, post). Each agreement is one row of ``consent`` holding its **proof**: when
(``given_at``), who collected it (``collected_by``, the acting user), how (``source``: ``terrain`` the
Terrain form, ``cli``…) and the **exact text shown**, by its version in ``consent_text`` (a text is
never edited: a new wording is a new version, :func:`set_text`; :func:`current_texts` gives the ones
in force, version 1 being :data:`DEFAULT_TEXTS`). A withdrawal (:func:`withdraw`, from the app or
``isoloir consent withdraw``) keeps the row and stamps ``withdrawn_at``, ``withdrawn_by`` and
``withdrawal_source``: the proof of both. Every change writes an audit entry (``consent_given``,
``consent_withdrawn``, ``consent_text``) without the person's name or contact details.

Rights: recording needs ``record_feedback`` (the admin; a canvasser only for a contact at one of their
doors, as for the contact itself); withdrawing needs ``view_personal_data`` on all contacts (admin,
candidate) or is done by the CLI; texts are set by the roles that export personal data (admin, candidate).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from dashboard.access.permissions import Grant, Principal, actor_name, require
from dashboard.errors import IsoloirError
from dashboard.store import audit
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.guard import audit_refusals, grant_for
from dashboard.store.scope import ADDRESSES_OF_USER_SQL

PURPOSES: dict[str, str] = {"recontact": "recontact", "newsletter": "lettre d'information", "volunteering": "bénévolat"}
CHANNELS: dict[str, str] = {"email": "courriel", "sms": "SMS", "telephone": "téléphone", "courrier": "courrier"}
DEFAULT_TEXTS: dict[str, str] = {
    "recontact": ("J'accepte que l'équipe de campagne me recontacte au sujet de cette élection, par les moyens "
                  "cochés. Je peux retirer mon accord à tout moment, sur simple demande."),
    "newsletter": ("J'accepte de recevoir la lettre d'information de la campagne, par les moyens cochés, "
                   "jusqu'à l'élection. Je peux me désinscrire à tout moment."),
    "volunteering": ("J'accepte d'être contacté(e) pour participer bénévolement à la campagne, par les moyens "
                     "cochés. Je peux retirer mon accord à tout moment."),
}
MAX_TEXT = 2000
SOURCES = frozenset({"terrain", "porte_a_porte", "cli", "admin"})


class ConsentError(IsoloirError):
    """A consent could not be recorded or withdrawn (unknown purpose, channel, contact…)."""


@dataclass(frozen=True)
class ConsentText:
    purpose: str
    version: int
    text: str


@dataclass(frozen=True)
class Consent:
    """One agreement and its proof."""

    consent_id: int
    contact_id: int
    purpose: str
    channel: str
    text_version: int
    text: str
    given_at: datetime
    collected_by: str
    source: str
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawal_source: str | None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


def check_purpose(purpose: object) -> str:
    clean = str(purpose).strip().lower()
    if clean not in PURPOSES:
        raise ConsentError(f"finalité inconnue : « {str(purpose)[:30]} » (attendu : {', '.join(PURPOSES)})")
    return clean


def check_channel(channel: object) -> str:
    clean = str(channel).strip().lower()
    if clean not in CHANNELS:
        raise ConsentError(f"canal inconnu : « {str(channel)[:30]} » (attendu : {', '.join(CHANNELS)})")
    return clean


def _texts(con: Tx) -> dict[str, ConsentText]:
    rows = con.execute("SELECT purpose, version, text FROM consent_text ORDER BY purpose, version").fetchall()
    latest = {str(p): ConsentText(str(p), int(v), str(t)) for p, v, t in rows}
    return {p: latest.get(p, ConsentText(p, 1, DEFAULT_TEXTS[p])) for p in PURPOSES}


def _ensure_texts(con: Tx, now: datetime) -> dict[str, ConsentText]:
    """The texts in force; version 1 (the default) written the first time a purpose is used."""
    texts = _texts(con)
    held = {(str(p), int(v)) for p, v in con.execute("SELECT purpose, version FROM consent_text").fetchall()}
    for text in texts.values():
        if (text.purpose, text.version) not in held:
            con.execute("INSERT INTO consent_text (purpose, version, text, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                        [text.purpose, text.version, text.text, "isoloir", now])
    return texts


def current_texts(store: CampaignStore) -> dict[str, ConsentText]:
    """The text in force for each purpose (what the forms show and what a new consent refers to)."""
    if not store.exists():
        return {p: ConsentText(p, 1, DEFAULT_TEXTS[p]) for p in PURPOSES}
    with store.read() as con:
        return _texts(con)


@retrying
def set_text(store: CampaignStore, purpose: str, text: str, *, by: Principal | str, now: datetime | None = None) -> ConsentText:
    """A new version of ``purpose``'s text (``export_personal_data``: admin, candidate); audited."""
    now = now or utc_now()
    purpose = check_purpose(purpose)
    clean = " ".join(str(text or "").split())
    if not 20 <= len(clean) <= MAX_TEXT:
        raise ConsentError(f"le texte doit compter de 20 à {MAX_TEXT} caractères")
    with audit_refusals(store, by, "export_personal_data", "consent_text", purpose):
        grant_for(by, "export_personal_data")
    with store.write() as con:
        current = _ensure_texts(con, now)[purpose]
        new = ConsentText(purpose, current.version + 1, clean)
        con.execute("INSERT INTO consent_text (purpose, version, text, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                    [purpose, new.version, clean, actor_name(by), now])
        audit.insert(con, actor_name(by), "consent_text", "consent_text", purpose, {"version": new.version}, at=now)
    return new


def record_in(con: Tx, contact_id: int, choices: Iterable[tuple[str, str]], *, user: str, source: str,
              now: datetime) -> list[int]:
    """Write the consents ``choices`` ((purpose, channel) pairs) of ``contact_id`` inside ``con`` (rights checked
    by the caller), with the texts in force; an active consent for the same pair is kept, not doubled."""
    if source not in SOURCES:
        raise ConsentError(f"origine inconnue : « {source} »")
    pairs = sorted({(check_purpose(p), check_channel(c)) for p, c in choices})
    if not pairs:
        return []
    texts = _ensure_texts(con, now)
    active = {(str(p), str(c)) for p, c in con.execute(
        "SELECT purpose, channel FROM consent WHERE contact_id = ? AND withdrawn_at IS NULL", [contact_id]).fetchall()}
    ids = []
    for purpose, channel in pairs:
        if (purpose, channel) in active:
            continue
        consent_id = int(con.execute(con.dialect.next_id("consent", "consent_id", "consent_seq")).fetchone()[0])
        con.execute("INSERT INTO consent (consent_id, contact_id, purpose, channel, text_version, given_at, collected_by, "
                    "source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [consent_id, contact_id, purpose, channel, texts[purpose].version, now, user, source])
        audit.insert(con, user, "consent_given", "contact", contact_id,
                     {"consent_id": consent_id, "purpose": purpose, "channel": channel,
                      "text_version": texts[purpose].version, "source": source}, at=now)
        ids.append(consent_id)
    return ids


@retrying
def record(store: CampaignStore, contact_id: int, choices: Iterable[tuple[str, str]], *, by: Principal | str,
           source: str = "terrain", now: datetime | None = None) -> list[int]:
    """Record consents of an existing contact (``record_feedback``; a canvasser at one of their doors). Returns ids."""
    now = now or utc_now()
    with audit_refusals(store, by, "record_feedback", "contact", contact_id):
        grant = grant_for(by, "record_feedback")
        with store.write() as con:
            row = con.execute("SELECT address_id, outcome FROM contact WHERE contact_id = ?", [int(contact_id)]).fetchone()
            if row is None:
                raise ConsentError(f"contact n° {contact_id} inconnu")
            if grant is Grant.OWN_ZONES:
                inside = row[0] is not None and con.execute(
                    f"SELECT count(*) FROM ({ADDRESSES_OF_USER_SQL}) d WHERE d.address_id = ?", [actor_name(by), row[0]]
                ).fetchone()[0] > 0
                require(by, "record_feedback", in_own_zones=inside)  # type: ignore[arg-type]
            if row[1] != "rencontre":
                raise ConsentError("consentement impossible : la personne n'a pas été rencontrée")
            return record_in(con, int(contact_id), choices, user=actor_name(by), source=source, now=now)


def _consents(con: Tx, where: str, params: list[object]) -> list[Consent]:
    rows = con.execute(
        "SELECT c.consent_id, c.contact_id, c.purpose, c.channel, c.text_version, t.text, c.given_at, c.collected_by, "
        "c.source, c.withdrawn_at, c.withdrawn_by, c.withdrawal_source FROM consent c "
        "LEFT JOIN consent_text t ON t.purpose = c.purpose AND t.version = c.text_version "
        f"WHERE {where} ORDER BY c.consent_id", params).fetchall()  # noqa: S608 - fixed clauses
    return [Consent(int(r[0]), int(r[1]), str(r[2]), str(r[3]), int(r[4]), str(r[5] or ""), r[6], str(r[7]), str(r[8]),
                    r[9], r[10], r[11]) for r in rows]


def consents_in(con: Tx, contact_ids: Iterable[int]) -> list[Consent]:
    """Every consent (active or withdrawn) of ``contact_ids``, with its text (rights checked by the caller)."""
    ids = sorted({int(i) for i in contact_ids})
    if not ids:
        return []
    return _consents(con, f"c.contact_id IN ({', '.join('?' * len(ids))})", list(ids))


@retrying
def consents_of(store: CampaignStore, contact_id: int, *, by: Principal | str) -> list[Consent]:
    """A contact's consents with their proof (``view_personal_data`` on every contact: admin, candidate)."""
    with audit_refusals(store, by, "view_personal_data", "contact", contact_id):
        if grant_for(by, "view_personal_data") is not Grant.ALL:
            require(by, "view_personal_data", in_own_zones=False)  # type: ignore[arg-type]
    with store.read() as con:
        return consents_in(con, [contact_id])


@retrying
def withdraw(store: CampaignStore, contact_id: int, *, by: Principal | str, purpose: str | None = None,
             channel: str | None = None, source: str = "admin", now: datetime | None = None) -> int:
    """Withdraw the active consents of ``contact_id`` (all, or one purpose and/or channel): the rows stay with
    ``withdrawn_at``; audited ``consent_withdrawn``. Returns how many were withdrawn (0: nothing active).

    ``view_personal_data`` on every contact (admin, candidate) or a system actor (the CLI)."""
    now = now or utc_now()
    clauses, params = ["contact_id = ?", "withdrawn_at IS NULL"], [int(contact_id)]
    if purpose is not None:
        clauses.append("purpose = ?")
        params.append(check_purpose(purpose))
    if channel is not None:
        clauses.append("channel = ?")
        params.append(check_channel(channel))
    with audit_refusals(store, by, "view_personal_data", "contact", contact_id):
        if grant_for(by, "view_personal_data") is not Grant.ALL:
            require(by, "view_personal_data", in_own_zones=False)  # type: ignore[arg-type]
    with store.write() as con:
        where = " AND ".join(clauses)
        ids = [int(r[0]) for r in con.execute(f"SELECT consent_id FROM consent WHERE {where}", params).fetchall()]  # noqa: S608
        if ids:
            con.execute(f"UPDATE consent SET withdrawn_at = ?, withdrawn_by = ?, withdrawal_source = ? WHERE {where}",  # noqa: S608
                        [now, actor_name(by), source, *params])
        audit.insert(con, actor_name(by), "consent_withdrawn", "contact", contact_id,
                     {"consents": ids, "purpose": purpose, "channel": channel, "source": source}, at=now)
    return len(ids)
