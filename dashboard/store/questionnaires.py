"""Questionnaires answered on the phone, and the review queue of the free texts the guard caught.

**Questionnaires** (``questionnaire``, ``questionnaire_version``): the roles that build zones (``edit_zones``:
admin, candidate, strategist) write one per zone or for the whole campaign (:func:`save`): a title, an
introduction script and instructions the canvasser reads before the walk, and up to :data:`MAX_QUESTIONS`
questions of the kinds in :data:`KINDS`. Every save writes a new version (the old ones stay as they were
given); :func:`for_turf` gives the phone the active version of the turf's zone, else the campaign's.

**Answers** travel with their visit (``store.visits.sync`` calls :func:`save_answers` in its write
transaction): one answer set per visit (``answer_set``, keyed by the visit's id made on the phone: sent
again, it is held once), only after an « ouvert », only for a visit of the acting canvasser on a turf the
questionnaire covers. Answers are kept per visit, never with a name or a voter: a visit is a door.
A free text goes through :func:`dashboard.privacy.sensitive.detect` first: a caught text is held in
``answer_review`` (sealed, with its categories), never in ``answer``, until a supervisor
(``review_feedback``: admin, candidate) approves, edits or deletes it (:func:`decide`, audited).

**Results** (:func:`results`): per station or per turf, the count of each choice and its share of the
visits that answered the question; free texts are never aggregated (``edit_zones``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dashboard.access.permissions import Grant, Principal, actor_name, permission
from dashboard.csv_export import french_csv
from dashboard.errors import IsoloirError
from dashboard.privacy.sensitive import detect
from dashboard.store import audit, crypto
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.guard import audit_refusals, grant_for
from dashboard.store.validate import clean_text

if TYPE_CHECKING:
    import pandas as pd

KINDS: dict[str, str] = {
    "oui_non": "oui / non",
    "echelle": "échelle de 1 à 5",
    "choix": "un seul choix",
    "choix_multiples": "plusieurs choix",
    "texte": "texte court",
}
YES_NO = ("oui", "non")
SCALE = ("1", "2", "3", "4", "5")
MAX_QUESTIONS = 20
MAX_OPTIONS = 12
MAX_TITLE = 80
MAX_LABEL = 200
MAX_OPTION = 60
MAX_SCRIPT = 2_000
MAX_TEXT = 280  # a short free text: « short » on the phone


class QuestionnaireError(IsoloirError):
    """A questionnaire or its answers were refused (French message)."""


@dataclass(frozen=True)
class Question:
    key: str
    kind: str
    label: str
    options: tuple[str, ...] = ()

    @property
    def choices(self) -> tuple[str, ...]:
        return YES_NO if self.kind == "oui_non" else SCALE if self.kind == "echelle" else self.options

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind, "label": self.label, "options": list(self.choices)}


@dataclass(frozen=True)
class Questionnaire:
    questionnaire_id: int
    zone_id: int | None
    version: int
    title: str
    intro: str
    instructions: str
    questions: tuple[Question, ...]
    active: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"questionnaire_id": self.questionnaire_id, "version": self.version, "title": self.title,
                "intro": self.intro, "instructions": self.instructions,
                "questions": [q.as_dict() for q in self.questions]}


@dataclass(frozen=True)
class AnswerInput:
    """The answers of one visit as the phone sends them: question key -> a choice, a list of choices, or a text."""

    visit_id: str
    questionnaire_id: int
    version: int
    values: Mapping[str, Any]


@dataclass
class AnswerReport:
    saved: list[str] = field(default_factory=list)  # visit ids whose answers are stored (or were already)
    held: dict[str, str] = field(default_factory=dict)  # visit id -> French summary of the held text's mentions
    rejected: dict[str, str] = field(default_factory=dict)  # visit id -> French reason


# -- building ------------------------------------------------------------------------------------
def _text(value: object, what: str, max_length: int, *, required: bool = True) -> str:
    try:
        return clean_text(value, what, max_length, required=required) or ""
    except IsoloirError as error:
        raise QuestionnaireError(error.message_fr) from None


def _script(value: object, what: str) -> str:
    """A multi-line text (paragraphs kept), each line cleaned."""
    lines = [" ".join(line.split()) for line in str(value or "").replace("\r\n", "\n").split("\n")]
    text = "\n".join(_text(line, what, MAX_SCRIPT, required=False) for line in lines).strip()
    if len(text) > MAX_SCRIPT:
        raise QuestionnaireError(f"{what} est trop long : {MAX_SCRIPT} caractères au plus")
    return text


def clean_questions(rows: Sequence[Mapping[str, Any]]) -> tuple[Question, ...]:
    """Questions as written in the builder (``label``, ``kind``, ``options`` a list or « a ; b », ``key`` kept
    from an earlier version, else made: ``q1``, ``q2``…); French error on the first wrong one."""
    rows = [r for r in rows if str(r.get("label") or "").strip()]
    if not rows:
        raise QuestionnaireError("ajoutez au moins une question")
    if len(rows) > MAX_QUESTIONS:
        raise QuestionnaireError(f"{MAX_QUESTIONS} questions au plus")
    used = {str(r["key"]) for r in rows if r.get("key")}
    out, seen = [], set()
    n = 0
    for i, row in enumerate(rows, start=1):
        label = _text(row.get("label"), f"la question {i}", MAX_LABEL)
        kind = str(row.get("kind") or "").strip()
        if kind not in KINDS:
            raise QuestionnaireError(f"question {i} : type inconnu (« {kind[:20]} »)")
        raw = row.get("options") or []
        if isinstance(raw, str):
            raw = raw.split(";")
        options = tuple(dict.fromkeys(o for o in (_text(x, f"un choix de la question {i}", MAX_OPTION, required=False)
                                                  for x in raw) if o))
        if kind in ("choix", "choix_multiples"):
            if len(options) < 2:
                raise QuestionnaireError(f"question {i} : donnez au moins deux choix, séparés par « ; »")
            if len(options) > MAX_OPTIONS:
                raise QuestionnaireError(f"question {i} : {MAX_OPTIONS} choix au plus")
        else:
            options = ()
        key = str(row.get("key") or "").strip()
        if not key:
            n += 1
            while f"q{n}" in used:
                n += 1
            key = f"q{n}"
            used.add(key)
        if key in seen or len(key) > 20:
            raise QuestionnaireError(f"question {i} : clé en double ou invalide")
        seen.add(key)
        out.append(Question(key, kind, label, options))
    return tuple(out)


def _parse_questions(text: str) -> tuple[Question, ...]:
    return tuple(Question(q["key"], q["kind"], q["label"], tuple(q.get("options") or ())) for q in json.loads(text))


def _stored_questions(questions: Sequence[Question]) -> str:
    return json.dumps([{"key": q.key, "kind": q.kind, "label": q.label, "options": list(q.options)} for q in questions],
                      ensure_ascii=False)


@retrying
def save(store: CampaignStore, *, by: Principal | str, title: str, questions: Sequence[Mapping[str, Any]],
         intro: str = "", instructions: str = "", zone_id: int | None = None, questionnaire_id: int | None = None,
         now: datetime | None = None) -> Questionnaire:
    """Create a questionnaire (``questionnaire_id`` None) or write the next version of one (``edit_zones``);
    audited ``questionnaire_change``. Answers already given keep their version."""
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "questionnaire", questionnaire_id):
        grant_for(by, "edit_zones")
    user = actor_name(by)
    clean_title = _text(title, "le titre", MAX_TITLE)
    clean_intro, clean_instructions = _script(intro, "l'introduction"), _script(instructions, "les consignes")
    cleaned = clean_questions(questions)
    with store.write() as con:
        if questionnaire_id is None:
            if zone_id is not None and con.execute("SELECT count(*) FROM zone WHERE zone_id = ?",
                                                   [int(zone_id)]).fetchone()[0] == 0:
                raise QuestionnaireError("zone inconnue ou supprimée")
            qid = int(con.execute(con.dialect.next_id("questionnaire", "questionnaire_id", "questionnaire_seq")).fetchone()[0])
            version = 1
            con.execute("INSERT INTO questionnaire (questionnaire_id, zone_id, title, version, active, created_by, created_at, "
                        "updated_by, updated_at) VALUES (?, ?, ?, 1, TRUE, ?, ?, ?, ?)",
                        [qid, None if zone_id is None else int(zone_id), clean_title, user, now, user, now])
        else:
            qid = int(questionnaire_id)
            row = con.execute("SELECT version, zone_id FROM questionnaire WHERE questionnaire_id = ?", [qid]).fetchone()
            if row is None:
                raise QuestionnaireError("questionnaire inconnu")
            version = int(row[0]) + 1
            zone_id = None if row[1] is None else int(row[1])
            con.execute("UPDATE questionnaire SET title = ?, version = ?, active = TRUE, updated_by = ?, updated_at = ? "
                        "WHERE questionnaire_id = ?", [clean_title, version, user, now, qid])
        con.execute("INSERT INTO questionnaire_version (questionnaire_id, version, title, intro, instructions, questions, "
                    "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [qid, version, clean_title, clean_intro, clean_instructions, _stored_questions(cleaned), user, now])
        audit.insert(con, user, "questionnaire_change", "questionnaire", qid,
                     {"version": version, "zone_id": zone_id, "questions": len(cleaned)}, at=now)
    return Questionnaire(qid, zone_id, version, clean_title, clean_intro, clean_instructions, cleaned)


@retrying
def set_active(store: CampaignStore, questionnaire_id: int, active: bool, *, by: Principal | str,
               now: datetime | None = None) -> None:
    """Put a questionnaire away (no longer on the phones) or back (``edit_zones``; audited). Its answers stay."""
    now = now or utc_now()
    with audit_refusals(store, by, "edit_zones", "questionnaire", questionnaire_id):
        grant_for(by, "edit_zones")
    with store.write() as con:
        if con.execute("UPDATE questionnaire SET active = ?, updated_by = ?, updated_at = ? WHERE questionnaire_id = ? "
                       "RETURNING questionnaire_id", [bool(active), actor_name(by), now, int(questionnaire_id)]).fetchone() is None:
            raise QuestionnaireError("questionnaire inconnu")
        audit.insert(con, actor_name(by), "questionnaire_change", "questionnaire", int(questionnaire_id),
                     {"active": bool(active)}, at=now)


_CURRENT = ("SELECT q.questionnaire_id, q.zone_id, v.version, v.title, v.intro, v.instructions, CAST(v.questions AS VARCHAR), "
            "q.active FROM questionnaire q JOIN questionnaire_version v ON v.questionnaire_id = q.questionnaire_id "
            "AND v.version = q.version")


def _from_row(r: Sequence[Any]) -> Questionnaire:
    return Questionnaire(int(r[0]), None if r[1] is None else int(r[1]), int(r[2]), str(r[3]), str(r[4]), str(r[5]),
                         _parse_questions(str(r[6])), bool(r[7]))


def questionnaires(store: CampaignStore, *, by: Principal | str) -> list[Questionnaire]:
    """Every questionnaire at its current version, the campaign's first then by zone (``edit_zones``)."""
    with audit_refusals(store, by, "edit_zones", "questionnaire"):
        grant_for(by, "edit_zones")
    if not store.exists():
        return []
    with store.read() as con:
        rows = con.execute(_CURRENT + " ORDER BY q.zone_id NULLS FIRST, q.questionnaire_id").fetchall()
    return [_from_row(r) for r in rows]


def _for_zone(con: Tx, zone_id: int | None) -> Questionnaire | None:
    row = con.execute(_CURRENT + " WHERE q.active AND (q.zone_id = ? OR q.zone_id IS NULL) "
                      "ORDER BY q.zone_id NULLS LAST, q.updated_at DESC, q.questionnaire_id DESC LIMIT 1",
                      [zone_id]).fetchone()
    return None if row is None else _from_row(row)


def for_turf(store: CampaignStore, turf_id: int, *, by: Principal | str) -> Questionnaire | None:
    """The questionnaire a canvasser gives on ``turf_id``: the active one of its zone, else the campaign's active one
    (also printed on the turf's walk sheet). The caller has already read the turf with the user's rights
    (``turfs.get_turf``); this reads no personal data: ``record_feedback``, or ``edit_zones`` for those who build
    questionnaires and print walk sheets."""
    action = ("edit_zones" if not isinstance(by, str) and permission(by.role, "edit_zones") is Grant.ALL
              else "record_feedback")
    with audit_refusals(store, by, action, "questionnaire"):
        grant_for(by, action)
    if not store.exists():
        return None
    with store.read() as con:
        row = con.execute("SELECT zone_id FROM turf WHERE turf_id = ?", [int(turf_id)]).fetchone()
        return None if row is None else _for_zone(con, int(row[0]))


def _version(con: Tx, questionnaire_id: int, version: int) -> tuple[int | None, tuple[Question, ...]] | None:
    row = con.execute("SELECT q.zone_id, CAST(v.questions AS VARCHAR) FROM questionnaire q JOIN questionnaire_version v "
                      "ON v.questionnaire_id = q.questionnaire_id WHERE q.questionnaire_id = ? AND v.version = ?",
                      [int(questionnaire_id), int(version)]).fetchone()
    return None if row is None else (None if row[0] is None else int(row[0]), _parse_questions(str(row[1])))


# -- answers (inside the visit's sync) -------------------------------------------------------------
def clean_values(questions: Sequence[Question], values: Mapping[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(choices as (key, choice), texts as (key, text)) of ``values``, checked against ``questions``; French error.
    An empty value (None, « », []) is a question left unanswered."""
    if not isinstance(values, Mapping):
        raise QuestionnaireError("réponses mal formées")
    by_key = {q.key: q for q in questions}
    unknown = [k for k in values if k not in by_key]
    if unknown:
        raise QuestionnaireError("réponse à une question inconnue")
    choices: list[tuple[str, str]] = []
    texts: list[tuple[str, str]] = []
    for key, value in values.items():
        q = by_key[key]
        if value is None or value == "" or value == []:
            continue
        if q.kind == "texte":
            texts.append((key, _text(value, "la réponse libre", MAX_TEXT)))
            continue
        picked = value if isinstance(value, list) else [value]
        picked = [str(v) for v in picked]
        if q.kind != "choix_multiples" and len(picked) != 1:
            raise QuestionnaireError(f"« {q.label[:40]} » : un seul choix")
        if len(set(picked)) != len(picked) or any(p not in q.choices for p in picked):
            raise QuestionnaireError(f"« {q.label[:40]} » : choix inconnu")
        choices.extend((key, p) for p in picked)
    return choices, texts


def save_answers(con: Tx, user: str, items: Sequence[AnswerInput], now: datetime) -> AnswerReport:
    """Store the answer sets of ``items`` inside the visits' write transaction ``con``: each only for a visit the
    store holds, recorded by ``user`` with the outcome « ouvert », on a turf the questionnaire covers; held once
    per visit id. A free text the guard catches goes to ``answer_review`` (sealed), never to ``answer``."""
    report = AnswerReport()
    if not items:
        return report
    ring = crypto.keyring()
    versions: dict[tuple[int, int], tuple[int | None, tuple[Question, ...]] | None] = {}
    for item in items:
        visit_id = str(item.visit_id)
        row = con.execute("SELECT v.turf_id, v.station_id, v.outcome, t.zone_id FROM visit v LEFT JOIN turf t "
                          "ON t.turf_id = v.turf_id WHERE v.visit_id = ? AND v.canvasser = ?", [visit_id, user]).fetchone()
        if row is None:
            report.rejected[visit_id] = "passage inconnu : réponses refusées"
            continue
        if con.execute("SELECT count(*) FROM answer_set WHERE visit_id = ?", [visit_id]).fetchone()[0]:
            report.saved.append(visit_id)  # sent again: held once
            continue
        turf_id, station_id, outcome, zone_id = int(row[0]), row[1], str(row[2]), row[3]
        if outcome != "ouvert":
            report.rejected[visit_id] = "réponses refusées : la porte ne s'est pas ouverte"
            continue
        try:
            key = (int(item.questionnaire_id), int(item.version))
        except (TypeError, ValueError):
            report.rejected[visit_id] = "questionnaire inconnu"
            continue
        if key not in versions:
            versions[key] = _version(con, *key)
        found = versions[key]
        if found is None or (found[0] is not None and found[0] != zone_id):
            report.rejected[visit_id] = "questionnaire inconnu ou d'une autre zone"
            continue
        try:
            choices, texts = clean_values(found[1], item.values)
        except QuestionnaireError as error:
            report.rejected[visit_id] = error.message_fr
            continue
        con.execute("INSERT INTO answer_set (visit_id, questionnaire_id, version, turf_id, station_id, received_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (visit_id) DO NOTHING", [visit_id, *key, turf_id, station_id, now])
        for question_key, choice in choices:
            con.execute("INSERT INTO answer (answer_id, visit_id, questionnaire_id, version, question_key, choice, text, "
                        "turf_id, station_id, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?) ON CONFLICT (answer_id) "
                        "DO NOTHING", [f"{visit_id}/{question_key}/{choice}", visit_id, *key, question_key, choice,
                                       turf_id, station_id, now])
        summaries = []
        for question_key, text in texts:
            found_mentions = detect(text)
            row_id = f"{visit_id}/{question_key}"
            if found_mentions.sensitive:
                con.execute("INSERT INTO answer_review (review_id, visit_id, questionnaire_id, version, question_key, text, "
                            "categories, turf_id, station_id, canvasser, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                            "ON CONFLICT (review_id) DO NOTHING",
                            [row_id, visit_id, *key, question_key, ring.seal(text, "answer_review", "text", row_id),
                             json.dumps(found_mentions.categories), turf_id, station_id, user, now])
                summaries.append(", ".join(found_mentions.labels_fr))
            else:
                _insert_text(con, ring, row_id, visit_id, key, question_key, text, turf_id, station_id, now)
        report.saved.append(visit_id)
        if summaries:
            report.held[visit_id] = f"Réponse mise en attente : mention sensible ({', '.join(summaries)})"
    if report.saved or report.rejected:
        audit.insert(con, user, "field_sync", "answer", None,
                     {"answer_sets": len(report.saved), "held_for_review": len(report.held),
                      "rejected": len(report.rejected)}, at=now)
    return report


def _insert_text(con: Tx, ring: Any, answer_id: str, visit_id: str, key: tuple[int, int], question_key: str, text: str,
                 turf_id: int, station_id: str | None, now: datetime) -> None:
    con.execute("INSERT INTO answer (answer_id, visit_id, questionnaire_id, version, question_key, choice, text, turf_id, "
                "station_id, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?) ON CONFLICT (answer_id) DO NOTHING",
                [answer_id, visit_id, *key, question_key, ring.seal(text, "answer", "text", answer_id), turf_id,
                 station_id, now])


# -- the review queue (admin, candidate) ---------------------------------------------------------
@dataclass(frozen=True)
class HeldText:
    review_id: str
    questionnaire_id: int
    version: int
    question: str
    text: str
    categories: list[str]
    turf_id: int
    station_id: str | None
    canvasser: str
    received_at: datetime


@retrying
def held_texts(store: CampaignStore, *, by: Principal | str) -> list[HeldText]:
    """The free texts waiting for a decision, oldest first, opened (``review_feedback``; audited
    ``view_personal_data`` with the count)."""
    with audit_refusals(store, by, "review_feedback", "answer_review"):
        grant_for(by, "review_feedback")
    if not store.exists():
        return []
    with store.write() as con:
        rows = con.execute("SELECT r.review_id, r.questionnaire_id, r.version, r.question_key, r.text, "
                           "CAST(r.categories AS VARCHAR), r.turf_id, r.station_id, r.canvasser, r.received_at, "
                           "CAST(v.questions AS VARCHAR) FROM answer_review r JOIN questionnaire_version v "
                           "ON v.questionnaire_id = r.questionnaire_id AND v.version = r.version "
                           "ORDER BY r.received_at, r.review_id").fetchall()
        if rows:
            audit.insert(con, actor_name(by), "view_personal_data", "answer_review", None, {"rows": len(rows)})
    ring = crypto.keyring()
    out = []
    for r in rows:
        labels = {q.key: q.label for q in _parse_questions(str(r[10]))}
        out.append(HeldText(str(r[0]), int(r[1]), int(r[2]), labels.get(str(r[3]), str(r[3])),
                            ring.open(r[4], "answer_review", "text", r[0]), list(json.loads(str(r[5]))), int(r[6]),
                            r[7], str(r[8]), r[9]))
    return out


DECISIONS = ("approve", "edit", "delete")


@retrying
def decide(store: CampaignStore, review_id: str, decision: str, *, by: Principal | str, text: str | None = None,
           now: datetime | None = None) -> None:
    """A supervisor's decision on a held text (``review_feedback``): ``approve`` stores it as written, ``edit``
    stores ``text`` instead, ``delete`` drops it; the held row goes away in the same transaction. Audited
    ``answer_review`` (decision, categories; never the text)."""
    now = now or utc_now()
    if decision not in DECISIONS:
        raise QuestionnaireError("décision inconnue")
    with audit_refusals(store, by, "review_feedback", "answer_review", review_id):
        grant_for(by, "review_feedback")
    edited = _text(text, "la réponse corrigée", MAX_TEXT) if decision == "edit" else None
    ring = crypto.keyring()
    with store.write() as con:
        row = con.execute("SELECT visit_id, questionnaire_id, version, question_key, text, turf_id, station_id, "
                          "CAST(categories AS VARCHAR) FROM answer_review WHERE review_id = ?", [str(review_id)]).fetchone()
        if row is None:
            raise QuestionnaireError("réponse déjà traitée ou inconnue")
        if decision != "delete":
            final = edited if edited is not None else ring.open(row[4], "answer_review", "text", str(review_id))
            _insert_text(con, ring, str(review_id), str(row[0]), (int(row[1]), int(row[2])), str(row[3]), final,
                         int(row[5]), row[6], now)
        con.execute("DELETE FROM answer_review WHERE review_id = ?", [str(review_id)])
        audit.insert(con, actor_name(by), "answer_review", "answer_review", str(review_id),
                     {"decision": decision, "categories": json.loads(str(row[7]))}, at=now)


# -- results (aggregates only) --------------------------------------------------------------------
GROUPS = {"station": "a.station_id", "turf": "a.turf_id"}


def results(store: CampaignStore, questionnaire_id: int, *, by: Principal | str, group: str = "station") -> pd.DataFrame:
    """Per ``group`` (``station`` or ``turf``), question and choice: ``count`` (visits that chose it),
    ``answered`` (visits of the group that answered the question) and ``share`` (count / answered), over every
    version (a question keeps its key); the labels of the current version. Free texts are never here
    (``edit_zones``: counts only, no visit, no address)."""
    import pandas as pd

    if group not in GROUPS:
        raise QuestionnaireError("regroupement inconnu")
    with audit_refusals(store, by, "edit_zones", "questionnaire", questionnaire_id):
        grant_for(by, "edit_zones")
    column = GROUPS[group]
    columns = ["group", "question_key", "question", "choice", "count", "answered", "share"]
    if not store.exists():
        return pd.DataFrame(columns=columns)
    with store.read() as con:
        current = con.execute(_CURRENT + " WHERE q.questionnaire_id = ?", [int(questionnaire_id)]).fetchone()
        if current is None:
            raise QuestionnaireError("questionnaire inconnu")
        counts = con.execute(
            f"SELECT {column} AS grp, a.question_key, a.choice, count(DISTINCT a.visit_id) FROM answer a "  # noqa: S608 - fixed
            "WHERE a.questionnaire_id = ? AND a.choice IS NOT NULL GROUP BY 1, 2, 3", [int(questionnaire_id)]).fetchall()
        answered = {(str(g), str(k)): int(n) for g, k, n in con.execute(
            f"SELECT {column} AS grp, a.question_key, count(DISTINCT a.visit_id) FROM answer a "  # noqa: S608 - fixed
            "WHERE a.questionnaire_id = ? AND a.choice IS NOT NULL GROUP BY 1, 2", [int(questionnaire_id)]).fetchall()}
    questions = _from_row(current).questions
    order = {q.key: i for i, q in enumerate(questions)}
    labels = {q.key: q.label for q in questions}
    rows = []
    for g, k, choice, n in counts:
        total = answered[(str(g), str(k))]
        rows.append({"group": str(g), "question_key": str(k), "question": labels.get(str(k), str(k)),
                     "choice": str(choice), "count": int(n), "answered": total, "share": int(n) / total})
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    choice_order = {(q.key, c): i for q in questions for i, c in enumerate(q.choices)}
    frame["_q"] = frame["question_key"].map(lambda k: order.get(k, len(order)))
    frame["_c"] = [choice_order.get((k, c), 99) for k, c in zip(frame["question_key"], frame["choice"], strict=True)]
    return frame.sort_values(["group", "_q", "_c", "choice"]).drop(columns=["_q", "_c"]).reset_index(drop=True)


def results_csv(frame: pd.DataFrame, group: str) -> bytes:
    """The aggregated results as a French CSV (``csv_export``): counts and shares only, no visit, no address."""
    headers = ["bureau" if group == "station" else "secteur", "question", "réponse", "nombre", "réponses à la question",
               "part (%)"]
    rows = ([g, q, c, int(n), int(t), 100 * float(s)] for g, q, c, n, t, s in
            frame[["group", "question", "choice", "count", "answered", "share"]].itertuples(index=False, name=None))
    return french_csv(headers, rows)
