"""The questionnaire sections (AppTest through the whole app, on a copy of the demo): the strategist builds a
questionnaire on Zones; a canvasser's answers come from the phone's sync; a caught free text waits in the
review queue of the candidate on Terrain, who corrects it (audited) before it is an answer; the results on Zones
show counts only, as a table and as a map of one answer's share with its counts."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dashboard.canvass.answer_map import LAYER_ID
from dashboard.store import CampaignStore, audit, questionnaires, turfs, users, visits
from tests.apptest import app_test, open_page

TEXT = "Mme Leroy est malade, repasser dans quinze jours"
NOTE = "Famille musulmane pratiquante, sonner deux fois"


@pytest.fixture()
def store(demo_env: Path) -> CampaignStore:
    return CampaignStore(demo_env / "campaign.duckdb")


def test_build_answer_review_and_count(store: CampaignStore) -> None:
    at = open_page(app_test("strategist").run(), "zones.py")  # strategists build them (Terrain is closed to them)
    assert not at.exception and "Questionnaires" in [s.value for s in at.subheader]
    at.number_input(key="questionnaire_count_nouveau").set_value(2).run()
    at.text_input[[t.label for t in at.text_input].index("Titre")].input("Rentrée")
    at.text_area[0].input("Bonjour, je suis bénévole.")
    labels = [t.label for t in at.text_input]
    at.text_input[labels.index("Question 1")].input("Irez-vous voter ?")
    at.text_input[labels.index("Question 2")].input("Un mot ?")
    at.selectbox[[s.label for s in at.selectbox].index("Type 2")].set_value("texte")
    at.button[[b.label for b in at.button].index("Créer le questionnaire")].click().run()
    assert not at.exception and not at.error
    assert "Questionnaire enregistré (version 1)." in [s.value for s in at.success]
    (q,) = questionnaires.questionnaires(store, by="cli")
    assert (q.title, q.intro, [x.kind for x in q.questions]) == ("Rentrée", "Bonjour, je suis bénévole.", ["oui_non", "texte"])
    with store.read() as con:
        assert con.execute("SELECT created_by FROM questionnaire").fetchall() == [("strategist",)]

    canvasser = users.get_user(store, "canvasser")
    own = turfs.turfs_for(store, by=canvasser)[0]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    ids = [str(uuid.uuid4()) for _ in range(2)]
    visits.sync(store, by=canvasser, visits=[visits.VisitInput(v, own.turf_id, own.address_ids[i], "ouvert", now, None, i,
                                                               note=NOTE if i == 1 else None)
                                             for i, v in enumerate(ids)],
                answers=[questionnaires.AnswerInput(ids[0], q.questionnaire_id, 1, {"q1": "oui", "q2": TEXT}),
                         questionnaires.AnswerInput(ids[1], q.questionnaire_id, 1, {"q1": "non"})])

    at = open_page(app_test("candidate").run(), "terrain.py")
    assert not at.exception and "Réponses mises en attente" in [s.value for s in at.subheader]
    held = next(t for t in at.table if "mentions" in t.value.columns).value  # one list: the answer and the visit note
    assert list(held["texte"]) == [TEXT, NOTE] and list(held["mentions"]) == ["santé", "religion"]
    assert list(held["type"]) == ["réponse libre à un questionnaire", "note de passage"]
    at.text_input[[t.label for t in at.text_input].index("Texte corrigé")].input("Repasser dans quinze jours")
    at.button[[b.label for b in at.button].index("Garder corrigé")].click().run()
    assert not at.exception and "Texte corrigé et gardé." in [s.value for s in at.success]
    assert questionnaires.held_texts(store, by="cli") == []
    assert [e.detail["decision"] for e in audit.entries(store, by="cli", action="answer_review")] == ["edit"]
    at.button[[b.label for b in at.button].index("Supprimer")].click().run()  # the note, now the only one
    assert not at.exception and "Texte supprimé." in [s.value for s in at.success]
    assert [e.detail["decision"] for e in audit.entries(store, by="cli", action="text_review")] == ["delete"]
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM visit WHERE note IS NOT NULL").fetchone()[0] == 0

    at = open_page(app_test("admin").run(), "terrain.py")
    assert not at.exception and "Questionnaires" not in [s.value for s in at.subheader]  # no builder on Terrain

    at = open_page(app_test("strategist").run(), "zones.py")
    assert not at.exception
    results = next(df.value for df in at.dataframe if "part (%)" in df.value.columns)
    assert sorted((r, str(n)) for r, n in zip(results["réponse"], results["nombre"])) == [("non", "1"), ("oui", "1")]
    assert TEXT not in results.to_csv() and "Repasser" not in results.to_csv()
    assert [d.proto.label for d in at.get("download_button")][-1] == "Résultats agrégés (CSV)"
    # the map: one station filled by the share of « oui », its tooltip giving the count and the few answers
    from tests.apptest import decks

    deck = next(d for d in decks(at) if any(layer["id"] == LAYER_ID for layer in d["layers"]))
    records = next(layer["data"] for layer in deck["layers"] if layer["id"] == LAYER_ID)
    answered = {r["k"]: r["d"] for r in records if "réponse" in r["d"] and not r["d"].startswith("aucune")}
    station = own.address_ids[0].rpartition("@")[2]
    both = [a.rpartition("@")[2] for a in own.address_ids[:2]].count(station)  # the two doors answered in this station
    expected = "oui : 1 sur 2 réponses (50\u202f%)" if both == 2 else "oui : 1 sur 1 réponse (100\u202f%)"
    assert answered[station].startswith(expected) and "peu de réponses" in answered[station]
    assert TEXT not in json.dumps(deck, ensure_ascii=False)
