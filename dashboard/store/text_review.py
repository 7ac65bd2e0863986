"""Every free text about a door or a person passes the sensitive-mention guard before it is stored; one review queue.

**The one write path.** Visit notes (``visit.note``, from the phone or the Terrain form) and contact remarks
(``contact.remark``) are written only by :func:`store_free_text`, inside the write transaction that stores
their row: the text goes through :func:`dashboard.privacy.sensitive.detect` first; a clean text is sealed into
its column, a caught one is held in ``text_review`` (sealed, with its categories) and its column stays NULL.
Nothing else writes those columns: a caught text reaches them only through :func:`decide`, when a supervisor
(``review_feedback``: admin, candidate) approves it or stores an edited text instead; deleting it drops it.
Questionnaire answers keep their own queue (``answer_review``, ``store/questionnaires.py``).

**One review list.** :func:`held_texts` gives the supervisor every held text, questionnaire answers, visit notes
and contact remarks together, oldest first (audited ``view_personal_data`` with the count); :func:`decide`
takes any of their ids (audited ``text_review`` or ``answer_review``: the decision and the categories, never the
text). A held text whose row is gone meanwhile (purged, erased) is dropped on decision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from dashboard.access.permissions import Principal, actor_name
from dashboard.errors import IsoloirError
from dashboard.privacy.sensitive import detect
from dashboard.store import audit, crypto, questionnaires
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.guard import audit_refusals, grant_for
from dashboard.store.validate import clean_text

MAX_NOTE = 280  # a short free text, as the questionnaires' own
# kind -> (table, id column, text column, French label)
TARGETS: dict[str, tuple[str, str, str, str]] = {
    "visit_note": ("visit", "visit_id", "note", "note de passage"),
    "contact_remark": ("contact", "contact_id", "remark", "remarque sur un contact"),
}
ANSWER_KIND = "answer"
KIND_LABELS = {ANSWER_KIND: "réponse libre à un questionnaire", **{k: v[3] for k, v in TARGETS.items()}}
DECISIONS = questionnaires.DECISIONS


class ReviewError(IsoloirError):
    """A free text or a decision on it was refused."""


def clean_note(value: object, what: str = "la note") -> str | None:
    """A short optional free text (None when empty); French error when too long."""
    try:
        return clean_text(value, what, MAX_NOTE, required=False)
    except IsoloirError as error:
        raise ReviewError(error.message_fr) from None


def _review_id(kind: str, target_id: object) -> str:
    return f"{kind}:{target_id}"


def _write(con: Tx, kind: str, target_id: object, text: str) -> None:
    table, id_column, column, _ = TARGETS[kind]
    sealed = crypto.keyring().seal(text, table, column, target_id)
    con.execute(f"UPDATE {table} SET {column} = ? WHERE {id_column} = ?", [sealed, target_id])  # fixed names


def store_free_text(con: Tx, kind: str, target_id: object, text: str | None, *, station_id: str | None, user: str,
                    now: datetime) -> list[str] | None:
    """Inside ``con`` (the write transaction that stored the row ``target_id``): seal ``text`` into its column when
    the guard lets it through, else hold it for review. Returns None when stored (or no text), else the French
    labels of the categories caught."""
    if kind not in TARGETS:
        raise ValueError(f"unknown free-text kind: {kind!r}")
    if not text:
        return None
    found = detect(text)
    if not found.sensitive:
        _write(con, kind, target_id, text)
        return None
    review_id = _review_id(kind, target_id)
    con.execute("INSERT INTO text_review (review_id, kind, target_id, text, categories, station_id, submitted_by, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (review_id) DO NOTHING",
                [review_id, kind, str(target_id), crypto.keyring().seal(text, "text_review", "text", review_id),
                 json.dumps(found.categories), station_id, user, now])
    return list(found.labels_fr)


def held_message(labels: list[str]) -> str:
    return f"Texte mis en attente de relecture : mention sensible ({', '.join(labels)})"


@dataclass(frozen=True)
class HeldText:
    """A held free text of any kind, as the supervisor sees it."""

    review_id: str
    kind: str  # "answer", "visit_note", "contact_remark"
    context: str  # the question, or the kind's label
    text: str
    categories: list[str]
    station_id: str | None
    author: str
    received_at: datetime
    turf_id: int | None = None  # answers only

    @property
    def kind_fr(self) -> str:
        return KIND_LABELS[self.kind]


@retrying
def _held_notes(store: CampaignStore, by: Principal | str) -> list[HeldText]:
    with store.write() as con:
        rows = con.execute("SELECT review_id, kind, text, CAST(categories AS VARCHAR), station_id, submitted_by, received_at "
                           "FROM text_review ORDER BY received_at, review_id").fetchall()
        if rows:
            audit.insert(con, actor_name(by), "view_personal_data", "text_review", None, {"rows": len(rows)})
    ring = crypto.keyring()
    return [HeldText(str(r[0]), str(r[1]), KIND_LABELS[str(r[1])], ring.open(r[2], "text_review", "text", r[0]),
                     list(json.loads(str(r[3]))), r[4], str(r[5]), r[6]) for r in rows]


def held_texts(store: CampaignStore, *, by: Principal | str) -> list[HeldText]:
    """Every held free text (answers, notes, remarks), oldest first (``review_feedback``; audited)."""
    with audit_refusals(store, by, "review_feedback", "text_review"):
        grant_for(by, "review_feedback")
    if not store.exists():
        return []
    answers = [HeldText(h.review_id, ANSWER_KIND, h.question, h.text, h.categories, h.station_id, h.canvasser, h.received_at,
                        h.turf_id) for h in questionnaires.held_texts(store, by=by)]
    return sorted([*answers, *_held_notes(store, by)], key=lambda h: (h.received_at, h.review_id))


@retrying
def decide(store: CampaignStore, review_id: str, decision: str, *, by: Principal | str, text: str | None = None,
           now: datetime | None = None) -> None:
    """A supervisor's decision on any held text: ``approve`` stores it as written, ``edit`` stores ``text``
    instead, ``delete`` drops it; the held row goes in the same transaction. Audited, never with the text."""
    now = now or utc_now()
    if decision not in DECISIONS:
        raise ReviewError("décision inconnue")
    kind = str(review_id).split(":", 1)[0]
    if kind not in TARGETS:  # a questionnaire answer (its ids are « <visit>/<question> »)
        questionnaires.decide(store, review_id, decision, by=by, text=text, now=now)
        return
    with audit_refusals(store, by, "review_feedback", "text_review", review_id):
        grant_for(by, "review_feedback")
    edited = clean_note(text, "le texte corrigé") if decision == "edit" else None
    if decision == "edit" and not edited:
        raise ReviewError("texte corrigé vide : supprimez-le plutôt")
    with store.write() as con:
        row = con.execute("SELECT kind, target_id, text, CAST(categories AS VARCHAR) FROM text_review WHERE review_id = ?",
                          [str(review_id)]).fetchone()
        if row is None:
            raise ReviewError("texte déjà traité ou inconnu")
        table, id_column, _, _ = TARGETS[str(row[0])]
        target: object = int(row[1]) if id_column == "contact_id" else str(row[1])
        exists = con.execute(f"SELECT count(*) FROM {table} WHERE {id_column} = ?", [target]).fetchone()[0]  # fixed names
        if decision != "delete" and exists:
            final = edited if edited is not None else crypto.keyring().open(row[2], "text_review", "text", str(review_id))
            _write(con, str(row[0]), target, final)
        con.execute("DELETE FROM text_review WHERE review_id = ?", [str(review_id)])
        audit.insert(con, actor_name(by), "text_review", "text_review", str(review_id),
                     {"decision": decision, "kind": str(row[0]), "categories": json.loads(str(row[3])),
                      "stored": decision != "delete" and bool(exists)}, at=now)
