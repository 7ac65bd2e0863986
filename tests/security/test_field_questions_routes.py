"""The questionnaire on the phone's API (``dashboard/web/field.py``): the turf carries its questionnaire, answers
travel with the visit in ``/envoi`` (held once per visit id), a caught free text is held for review and the phone
is told so, never stored as an answer; malformed answers are a French 400."""

from __future__ import annotations

import json
import uuid

from dashboard.store import questionnaires
from tests.security.asgi import get, post
from tests.security.test_field_routes import SAME, Field, _json, app  # noqa: F401 - the module's fixture

QUESTIONS = [{"label": "Irez-vous voter ?", "kind": "oui_non"}, {"label": "Un mot ?", "kind": "texte"}]


def test_answers_travel_with_the_visit_and_a_caught_text_is_held(app: Field) -> None:  # noqa: F811
    q = questionnaires.save(app.site.store, by="cli", title="Rentrée", intro="Bonjour !", instructions="Soyez brefs.",
                            questions=QUESTIONS)
    turf = _json(get(app.routes, f"/porte-a-porte/api/secteurs/{app.own_turf}", {"Cookie": app.canvasser}))
    given = turf["questionnaire"]
    assert (given["questionnaire_id"], given["version"], given["intro"]) == (q.questionnaire_id, 1, "Bonjour !")
    assert [x["options"] for x in given["questions"]] == [["oui", "non"], []]
    door = turf["doors"][1]["address_id"]
    visit_id = str(uuid.uuid4())
    visit = {"visit_id": visit_id, "turf_id": app.own_turf, "address_id": door, "outcome": "ouvert",
             "recorded_at": 1_772_355_600_000, "seq": 1, "household_id": None}
    answer = {"visit_id": visit_id, "questionnaire_id": q.questionnaire_id, "version": 1,
              "values": {"q1": "oui", "q2": "Sa femme est enceinte, repasser"}}
    headers = {**SAME, "Cookie": app.canvasser}
    body = json.dumps({"visits": [visit], "households": [], "answers": [answer]}).encode()
    first = _json(post(app.routes, "/porte-a-porte/api/envoi", body, headers))
    assert first["answers"] == [visit_id]
    assert first["answers_held"][visit_id].startswith("Réponse mise en attente : mention sensible (santé")
    again = _json(post(app.routes, "/porte-a-porte/api/envoi", body, headers))  # the phone never heard back
    assert again["answers"] == [visit_id] and again["answers_held"] == {}
    with app.site.store.read() as con:
        assert con.execute("SELECT count(*) FROM answer_review WHERE visit_id = ?", [visit_id]).fetchone()[0] == 1
        assert con.execute("SELECT count(*), min(choice) FROM answer WHERE visit_id = ?", [visit_id]).fetchone() == (1, "oui")
    broken = json.dumps({"visits": [], "answers": [{"visit_id": visit_id}]}).encode()
    refused = post(app.routes, "/porte-a-porte/api/envoi", broken, headers)
    assert refused.status == 400 and _json(refused)["erreur"].startswith("envoi mal formé")
