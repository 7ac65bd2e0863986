"""Questionnaires (``store/questionnaires.py``) on both backends: versions, answers travelling with their visit
(held once per visit id, never for someone else's or a closed door), the sensitive hold (a caught free text
never reaches ``answer`` before a supervisor's decision), the review queue's rights and audit, the aggregates."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.access.permissions import PermissionDenied
from dashboard.privacy.evaluation import read_cases
from dashboard.privacy.sensitive import detect
from dashboard.store import CampaignStore, audit, crypto, questionnaires, visits
from dashboard.store.questionnaires import AnswerInput, QuestionnaireError
from dashboard.store.visits import VisitInput
from tests.campaign_stores import StoreMaker
from tests.store.field_store import two_turfs

PASSWORD = "a-long-password-1"
T0 = datetime(2026, 3, 1, 9, 0, 0)
ACCOUNTS = {"dir": "admin", "cand": "candidate", "strat": "strategist", "paul": "canvasser", "lea": "canvasser"}
DOORS = ["b1@45999_1", "b2@45999_1", "b3@45999_2", "b4@45999_2"]
QUESTIONS = [
    {"label": "Irez-vous voter ?", "kind": "oui_non"},
    {"label": "Note du quartier", "kind": "echelle"},
    {"label": "Priorité", "kind": "choix", "options": "Transports ; Écoles ; Sécurité"},
    {"label": "Sujets", "kind": "choix_multiples", "options": ["Logement", "Emploi", "Climat"]},
    {"label": "Un mot ?", "kind": "texte"},
]
PRIVACY = Path(__file__).resolve().parents[1] / "privacy"
TEXTS = [c.text for name in ("sensitive_cases.tsv", "sensitive_holdout.tsv", "sensitive_fresh.tsv")
         for c in read_cases(PRIVACY / name)]


@pytest.fixture(scope="module")
def template(store_maker: StoreMaker):  # noqa: ANN201
    """Zone "Nord" cut in two turfs (b1, b2 for paul | b3, b4 for lea), a campaign questionnaire."""
    store = store_maker.new()
    people, turf_ids, nord = two_turfs(store, ACCOUNTS, PASSWORD, DOORS, 2, T0)
    q = questionnaires.save(store, by=people["strat"], title="Rentrée", intro="Bonjour,\nje viens de la part de…",
                            instructions="Deux minutes au plus.", questions=QUESTIONS, now=T0)
    return store, people, turf_ids, q, nord.zone_id


@pytest.fixture
def store(template, new_store: Callable[..., CampaignStore]) -> CampaignStore:  # noqa: ANN001
    return new_store(clone_of=template[0])


def _send(store, user, turf_id, address, values, *, q, outcome="ouvert", visit_id=None, version=None):  # noqa: ANN001, ANN202
    visit_id = visit_id or str(uuid.uuid4())
    report = visits.sync(store, by=user, visits=[VisitInput(visit_id, turf_id, address, outcome, T0 + timedelta(minutes=5))],
                         answers=[AnswerInput(visit_id, q.questionnaire_id, version or q.version, values)],
                         now=T0 + timedelta(minutes=6))
    return visit_id, report


def _rows(store: CampaignStore, sql: str, params: list | None = None) -> list[tuple]:
    with store.read() as con:
        return con.execute(sql, params or []).fetchall()


def test_answers_travel_with_their_visit_and_are_held_once(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, _), q, _ = template
    values = {"q1": "oui", "q2": 4, "q3": "Écoles", "q4": ["Logement", "Climat"], "q5": "Plus de bus le soir"}
    visit_id, report = _send(store, people["paul"], t1, DOORS[0], values, q=q)
    assert report.answers == [visit_id] and not report.answers_held and not report.answers_rejected
    for _ in range(2):  # the phone sends the same visit again (a lost answer, a reload)
        _, again = _send(store, people["paul"], t1, DOORS[0], values, q=q, visit_id=visit_id)
        assert again.answers == [visit_id]
    assert _rows(store, "SELECT count(*) FROM answer_set")[0][0] == 1
    assert sorted(_rows(store, "SELECT question_key, choice FROM answer WHERE choice IS NOT NULL")) == [
        ("q1", "oui"), ("q2", "4"), ("q3", "Écoles"), ("q4", "Climat"), ("q4", "Logement")]
    (answer_id, sealed), = _rows(store, "SELECT answer_id, text FROM answer WHERE text IS NOT NULL")
    assert sealed != "Plus de bus le soir" and crypto.keyring().open(sealed, "answer", "text", answer_id) == "Plus de bus le soir"
    # the answer rows carry no person: no name, no canvasser, only the visit, turf and station
    with store.read() as con:
        columns = {str(r[0]) for r in con.execute("SELECT column_name FROM information_schema.columns "
                                                  "WHERE table_name IN ('answer', 'answer_set')").fetchall()}
    assert not columns & {"full_name", "canvasser", "contact_id", "voter_id", "address"}


def test_answers_are_refused_after_a_closed_door_or_for_someone_elses_visit(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, t2), q, _ = template
    _, absent = _send(store, people["paul"], t1, DOORS[0], {"q1": "oui"}, q=q, outcome="absent")
    assert absent.answers == [] and "ouverte" in next(iter(absent.answers_rejected.values()))
    lea_visit, _ = _send(store, people["lea"], t2, DOORS[2], {"q1": "non"}, q=q)
    # paul resends lea's visit id with his own answers: the visit is not his, nothing is stored for it
    report = visits.sync(store, by=people["paul"], answers=[AnswerInput(lea_visit, q.questionnaire_id, q.version, {"q1": "oui"})])
    assert report.answers == []
    assert _rows(store, "SELECT choice FROM answer WHERE visit_id = ?", [lea_visit]) == [("non",)]
    for bad in ({"q1": "peut-être"}, {"q2": 9}, {"q3": ["Écoles", "Transports"]}, {"zz": "oui"}, {"q5": "x" * 300}):
        _, refused = _send(store, people["paul"], t1, DOORS[1], bad, q=q)
        assert refused.answers == [] and refused.answers_rejected
    assert _rows(store, "SELECT count(*) FROM answer_set")[0][0] == 1


def test_versions_keep_the_answers_they_were_given_with(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, _), q, zone_id = template
    v1, _ = _send(store, people["paul"], t1, DOORS[0], {"q1": "oui"}, q=q)
    current = questionnaires.questionnaires(store, by=people["strat"])[0]
    rows = [{**qq.as_dict(), "options": list(qq.options)} for qq in current.questions]
    rows[0]["label"] = "Irez-vous voter le 15 mars ?"
    q2 = questionnaires.save(store, by=people["strat"], questionnaire_id=q.questionnaire_id, title="Rentrée",
                             questions=rows)
    assert q2.version == 2 and [x.key for x in q2.questions] == ["q1", "q2", "q3", "q4", "q5"]
    v2, _ = _send(store, people["paul"], t1, DOORS[1], {"q1": "non"}, q=q2)
    assert dict(_rows(store, "SELECT visit_id, version FROM answer_set")) == {v1: 1, v2: 2}
    assert questionnaires.for_turf(store, t1, by=people["paul"]).version == 2
    # a questionnaire of the zone comes before the campaign's on its turfs
    zq = questionnaires.save(store, by=people["dir"], zone_id=zone_id, title="Nord", questions=QUESTIONS[:1])
    assert questionnaires.for_turf(store, t1, by=people["paul"]).questionnaire_id == zq.questionnaire_id
    questionnaires.set_active(store, zq.questionnaire_id, False, by=people["strat"])
    assert questionnaires.for_turf(store, t1, by=people["paul"]).questionnaire_id == q.questionnaire_id
    with pytest.raises(PermissionDenied):
        questionnaires.save(store, by=people["paul"], title="x", questions=QUESTIONS)
    with pytest.raises(QuestionnaireError, match="deux choix"):
        questionnaires.save(store, by=people["strat"], title="x", questions=[{"label": "a", "kind": "choix", "options": "seul"}])


def test_a_caught_text_waits_for_a_supervisor(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, t2), q, _ = template
    text = "Mme Leroy est malade, repasser dans quinze jours"
    assert detect(text).sensitive
    visit_id, report = _send(store, people["paul"], t1, DOORS[0], {"q1": "oui", "q5": text}, q=q)
    assert report.answers_held[visit_id].startswith("Réponse mise en attente : mention sensible (santé")
    assert _rows(store, "SELECT count(*) FROM answer WHERE text IS NOT NULL")[0][0] == 0
    (review_id, sealed), = _rows(store, "SELECT review_id, text FROM answer_review")
    assert text not in sealed
    for refused in ("strat", "paul"):
        with pytest.raises(PermissionDenied):
            questionnaires.held_texts(store, by=people[refused])
        with pytest.raises(PermissionDenied):
            questionnaires.decide(store, review_id, "approve", by=people[refused])
    held = questionnaires.held_texts(store, by=people["cand"])
    assert [(h.text, h.categories, h.question) for h in held] == [(text, ["sante"], "Un mot ?")]
    questionnaires.decide(store, review_id, "edit", by=people["cand"], text="Repasser dans quinze jours")
    assert _rows(store, "SELECT count(*) FROM answer_review")[0][0] == 0
    (answer_id, sealed), = _rows(store, "SELECT answer_id, text FROM answer WHERE text IS NOT NULL")
    assert crypto.keyring().open(sealed, "answer", "text", answer_id) == "Repasser dans quinze jours"
    with pytest.raises(QuestionnaireError, match="déjà traitée"):
        questionnaires.decide(store, review_id, "approve", by=people["dir"])
    other, _ = _send(store, people["lea"], t2, DOORS[2], {"q5": "Il est musulman pratiquant"}, q=q)
    (second,), = _rows(store, "SELECT review_id FROM answer_review")
    questionnaires.decide(store, second, "delete", by=people["dir"])
    assert _rows(store, "SELECT count(*) FROM answer WHERE visit_id = ?", [other])[0][0] == 0
    # sent again after the decision: held once (answer_set), never queued a second time
    _send(store, people["lea"], t2, DOORS[2], {"q5": "Il est musulman pratiquant"}, q=q, visit_id=other)
    assert _rows(store, "SELECT count(*) FROM answer_review")[0][0] == 0
    decisions = [e.detail for e in audit.entries(store, by=people["dir"], action="answer_review")]
    assert sorted(d["decision"] for d in decisions) == ["delete", "edit"]
    assert text not in json.dumps(decisions, ensure_ascii=False)


def test_results_are_aggregates_by_station_and_turf(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, t2), q, _ = template
    for values, turf, door in (({"q1": "oui", "q4": ["Logement", "Emploi"]}, t1, DOORS[0]),
                               ({"q1": "non", "q4": ["Emploi"]}, t1, DOORS[1]),
                               ({"q1": "oui", "q5": "Plus de bus"}, t2, DOORS[2])):
        _send(store, people["paul" if turf == t1 else "lea"], turf, door, values, q=q)
    by_station = questionnaires.results(store, q.questionnaire_id, by=people["strat"], group="station")
    rows = {(r.group, r.question_key, r.choice): (r.count, r.answered, r.share) for r in by_station.itertuples()}
    assert rows[("45999_1", "q1", "oui")] == (1, 2, 0.5)
    assert rows[("45999_1", "q4", "Emploi")] == (2, 2, 1.0)
    assert rows[("45999_2", "q1", "oui")] == (1, 1, 1.0)
    assert "q5" not in set(by_station["question_key"])  # free texts never aggregated
    by_turf = questionnaires.results(store, q.questionnaire_id, by=people["dir"], group="turf")
    assert set(by_turf["group"]) == {str(t1), str(t2)}
    csv = questionnaires.results_csv(by_station, "station").decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("bureau;question;réponse;nombre") and "Plus de bus" not in csv
    with pytest.raises(PermissionDenied):
        questionnaires.results(store, q.questionnaire_id, by=people["paul"])


@pytest.fixture(scope="module")
def hold_store(template, store_maker: StoreMaker) -> CampaignStore:  # noqa: ANN001
    return store_maker.clone(template[0])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picked=st.lists(st.sampled_from(TEXTS), min_size=1, max_size=3))
def test_a_caught_text_never_reaches_the_answers_unapproved(hold_store: CampaignStore, template, picked: list[str]) -> None:  # noqa: ANN001
    """Property: over random texts of the detector's test sets, a text the guard catches is only in the queue,
    one it lets through only in the answers; nothing is lost."""
    _, people, (t1, _), q, _ = template
    ring = crypto.keyring()
    for text in picked:
        clean = " ".join(text.split())[:questionnaires.MAX_TEXT]
        visit_id, report = _send(hold_store, people["paul"], t1, DOORS[0], {"q5": clean}, q=q)
        answers = [ring.open(t, "answer", "text", i) for i, t in _rows(
            hold_store, "SELECT answer_id, text FROM answer WHERE visit_id = ? AND text IS NOT NULL", [visit_id])]
        held = [ring.open(t, "answer_review", "text", i) for i, t in _rows(
            hold_store, "SELECT review_id, text FROM answer_review WHERE visit_id = ?", [visit_id])]
        if detect(clean).sensitive:
            assert (answers, held) == ([], [clean]) and visit_id in report.answers_held
        else:
            assert (answers, held) == ([clean], []) and visit_id not in report.answers_held
