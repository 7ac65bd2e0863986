"""The phone page's routes (``dashboard/web/field.py``) on a copy of the demo, through the ASGI helpers: session
and rights at every request (401/403 JSON in French), same-origin JSON posts only, a canvasser's own turf only,
visits idempotent on the phone's ids, a strict CSP on the page, no traceback."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dashboard.config import Settings
from dashboard.store import sessions, turfs, users
from dashboard.web import field
from dashboard.web.auth import Site
from tests.security.asgi import get, post

HOST = "localhost:8501"
SAME = {"Host": HOST, "Origin": f"http://{HOST}", "Content-Type": "application/json", "Accept": "application/json"}


@dataclass
class Field:
    site: Site
    routes: list
    canvasser: str  # the session cookie header of the demo canvasser
    viewer: str
    own_turf: int
    other_turf: int


@pytest.fixture(scope="module")
def app(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Field]:
    data_dir = tmp_path_factory.mktemp("field")
    for name in ("warehouse.duckdb", "campaign.duckdb"):
        shutil.copy2(demo_dir / name, data_dir / name)
    site = Site(Settings.load(env={}, data_dir=data_dir))
    store = site.store
    cookies = {}
    for role in ("canvasser", "viewer"):
        user = next(u for u in users.list_users(store, by="cli") if u.role == role)
        cookies[role] = f"isoloir_session={sessions.create(store, user, hours=1)}"
    canvasser = next(u for u in users.list_users(store, by="cli") if u.role == "canvasser")
    own = turfs.turfs_for(store, by=canvasser)[0].turf_id
    other = next(t.turf_id for t in turfs.turfs_for(store, by="cli") if t.turf_id != own)
    yield Field(site, field.routes(site), cookies["canvasser"], cookies["viewer"], own, other)
    store.close()


def _json(answer) -> dict:  # noqa: ANN001
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers.get("cache-control") == "no-store"
    return json.loads(answer.body)


def test_the_page_and_its_service_worker_with_a_strict_policy(app: Field) -> None:
    page = get(app.routes, "/porte-a-porte/", {"Cookie": app.canvasser})
    assert page.status == 200 and b'<html lang="fr">' in page.body
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert b"<script>" not in page.body and b"onclick" not in page.body  # no inline code
    worker = get(app.routes, "/porte-a-porte/sw.js")
    assert worker.status == 200 and worker.headers["content-type"].startswith("text/javascript")
    assert b"/porte-a-porte/api/" not in worker.body.split(b"SHELL =")[1].split(b";")[0]  # the API is never cached


def test_no_session_no_rights_answer_json_in_french(app: Field) -> None:
    for answer in (get(app.routes, "/porte-a-porte/api/secteurs", {"Accept": "application/json"}),
                   post(app.routes, "/porte-a-porte/api/envoi", b"{}", SAME),
                   get(app.routes, "/porte-a-porte/api/secteurs", {"Cookie": "isoloir_session=forged"})):
        assert answer.status == 401 and _json(answer) == {"erreur": "Session requise : reconnectez-vous."}
    viewer = get(app.routes, "/porte-a-porte/api/secteurs", {"Cookie": app.viewer})
    assert viewer.status == 403 and "militants" in _json(viewer)["erreur"]


def test_a_canvasser_reads_only_their_turf(app: Field) -> None:
    listed = _json(get(app.routes, "/porte-a-porte/api/secteurs", {"Cookie": app.canvasser}))
    assert [t["turf_id"] for t in listed["turfs"]] == [app.own_turf] and listed["user"] == "canvasser"
    turf = _json(get(app.routes, f"/porte-a-porte/api/secteurs/{app.own_turf}", {"Cookie": app.canvasser}))
    assert [d["order"] for d in turf["doors"]] == list(range(1, len(turf["doors"]) + 1)) and len(turf["doors"]) >= 12
    assert all(d["label"] and d["address_id"].count("@") == 1 for d in turf["doors"])
    refused = get(app.routes, f"/porte-a-porte/api/secteurs/{app.other_turf}", {"Cookie": app.canvasser})
    assert refused.status == 403 and "erreur" in _json(refused) and b"Traceback" not in refused.body


def test_visits_are_sent_once_from_this_site_only(app: Field) -> None:
    turf = _json(get(app.routes, f"/porte-a-porte/api/secteurs/{app.own_turf}", {"Cookie": app.canvasser}))
    door = turf["doors"][0]["address_id"]
    visit = {"visit_id": str(uuid.uuid4()), "turf_id": app.own_turf, "address_id": door, "outcome": "absent",
             "recorded_at": 1_772_355_600_000, "seq": 1, "household_id": None}
    body = json.dumps({"visits": [visit], "households": []}).encode()
    headers = {**SAME, "Cookie": app.canvasser}
    for bad in ({**headers, "Origin": "http://evil.example"}, {k: v for k, v in headers.items() if k != "Origin"}):
        answer = post(app.routes, "/porte-a-porte/api/envoi", body, bad)
        assert answer.status == 403 and "autre site" in _json(answer)["erreur"]
    form = post(app.routes, "/porte-a-porte/api/envoi", body, {**headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert form.status == 400
    first = _json(post(app.routes, "/porte-a-porte/api/envoi", body, headers))
    again = _json(post(app.routes, "/porte-a-porte/api/envoi", body, headers))
    assert first["new"] == first["held"] == [visit["visit_id"]] and again["new"] == [] and again["held"] == [visit["visit_id"]]
    ids = json.dumps({"ids": [visit["visit_id"], str(uuid.uuid4())]}).encode()
    assert _json(post(app.routes, "/porte-a-porte/api/detenus", ids, headers))["held"] == [visit["visit_id"]]
    with app.site.store.read() as con:
        assert con.execute("SELECT count(*), min(canvasser) FROM visit WHERE visit_id = ?", [visit["visit_id"]]).fetchone() == (1, "canvasser")
    for broken in (b"not json", b'{"visits": "x"}', json.dumps({"visits": [{"visit_id": 1}]}).encode()):
        answer = post(app.routes, "/porte-a-porte/api/envoi", broken, headers)
        assert answer.status == 400 and _json(answer)["erreur"].startswith("envoi mal formé")


def test_a_visit_note_goes_through_the_guard(app: Field) -> None:
    """The phone's note travels with its visit; a caught one is held for a supervisor and said back to the phone."""
    turf = _json(get(app.routes, f"/porte-a-porte/api/secteurs/{app.own_turf}", {"Cookie": app.canvasser}))
    door = turf["doors"][1]["address_id"]
    notes = {"Boîte aux lettres cassée": False, "Monsieur sous chimiothérapie, ne pas insister": True}
    sent = [{"visit_id": str(uuid.uuid4()), "turf_id": app.own_turf, "address_id": door, "outcome": "ouvert",
             "recorded_at": 1_772_355_600_000, "seq": i + 10, "note": note} for i, note in enumerate(notes)]
    answer = _json(post(app.routes, "/porte-a-porte/api/envoi", json.dumps({"visits": sent}).encode(),
                        {**SAME, "Cookie": app.canvasser}))
    assert list(answer["notes_held"]) == [sent[1]["visit_id"]] and "mention sensible" in answer["notes_held"][sent[1]["visit_id"]]
    with app.site.store.read() as con:
        stored = dict(con.execute("SELECT visit_id, note IS NOT NULL FROM visit WHERE visit_id IN (?, ?)",
                                  [v["visit_id"] for v in sent]).fetchall())
        held = con.execute("SELECT count(*) FROM text_review WHERE target_id = ?", [sent[1]["visit_id"]]).fetchone()[0]
    assert stored == {sent[0]["visit_id"]: True, sent[1]["visit_id"]: False} and held == 1


def test_the_gate_sends_the_page_to_login_and_answers_the_api_in_json(app: Field) -> None:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware

    from dashboard.web.auth import SessionGate
    from tests.security.asgi import run_async

    gated = Starlette(routes=app.routes, middleware=[Middleware(SessionGate, site=app.site)])

    def call(method: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        sent: list[dict] = []
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
                 "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8501)}

        async def receive() -> dict:
            return {"type": "http.request", "body": b"{}", "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        run_async(gated(scope, receive, send))
        start = next(m for m in sent if m["type"] == "http.response.start")
        return (start["status"], {k.decode(): v.decode() for k, v in start["headers"]},
                b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))

    status, headers, _ = call("GET", "/porte-a-porte/", {"Host": HOST})
    assert status == 303 and headers["location"] == "/connexion?next=%2Fporte-a-porte%2F"
    for method in ("GET", "POST"):
        status, headers, body = call(method, "/porte-a-porte/api/secteurs", {"Host": HOST, "Accept": "application/json"})
        assert status == 401 and json.loads(body) == {"erreur": "Session requise : reconnectez-vous."}
    status, _, body = call("GET", "/porte-a-porte/api/secteurs", {"Host": HOST, "Accept": "application/json",
                                                                  "Cookie": app.canvasser})
    assert status == 200 and json.loads(body)["user"] == "canvasser"


def test_an_opposed_door_leaves_the_phone_payload_and_is_counted(app: Field) -> None:
    """« Ne plus solliciter » puts the door on the opposition list: the next load no longer shows it (counted in
    ``excluded``), the other doors keep their walk order (the paper sheet's line numbers)."""
    headers = {**SAME, "Cookie": app.canvasser}
    before = _json(get(app.routes, f"/porte-a-porte/api/secteurs/{app.own_turf}", {"Cookie": app.canvasser}))
    door = before["doors"][-1]
    visit = {"visit_id": str(uuid.uuid4()), "turf_id": app.own_turf, "address_id": door["address_id"],
             "outcome": "ne_plus_solliciter", "recorded_at": 1_772_355_600_000, "seq": 40, "household_id": None}
    assert _json(post(app.routes, "/porte-a-porte/api/envoi", json.dumps({"visits": [visit]}).encode(), headers))["new"]
    after = _json(get(app.routes, f"/porte-a-porte/api/secteurs/{app.own_turf}", {"Cookie": app.canvasser}))
    assert door["address_id"] not in {d["address_id"] for d in after["doors"]}
    assert after["excluded"] == before["excluded"] + max(len(door["households"]), 1)
    assert [d["order"] for d in after["doors"]] == [d["order"] for d in before["doors"][:-1]]


def test_a_consent_given_at_an_open_door_is_recorded_once_with_its_proof(app: Field) -> None:
    """The phone's consent step after « ouvert »: the exact texts come with the turf; the step is recorded as a
    contact met at the door with its consents (text version, who, when, source ``porte_a_porte``), once per phone id."""
    from dashboard.store import consent

    headers = {**SAME, "Cookie": app.canvasser}
    turf = _json(get(app.routes, f"/porte-a-porte/api/secteurs/{app.own_turf}", {"Cookie": app.canvasser}))
    texts = turf["consent_texts"]
    assert set(texts) == {"recontact", "volunteering"} and texts["recontact"]["text"].startswith("J'accepte")
    door = turf["doors"][2]
    step = {"consent_id": str(uuid.uuid4()), "address_id": door["address_id"], "address": door["label"],
            "full_name": "Aline Fictive", "email": "aline@example.fr", "purposes": ["recontact", "volunteering"],
            "versions": {p: t["version"] for p, t in texts.items()}, "recorded_at": 1_772_355_600_000}
    body = json.dumps({"visits": [], "consents": [step]}).encode()
    first = _json(post(app.routes, "/porte-a-porte/api/envoi", body, headers))
    again = _json(post(app.routes, "/porte-a-porte/api/envoi", body, headers))
    assert first["consents"] == again["consents"] == [step["consent_id"]] and first["consents_refused"] == {}
    with app.site.store.read() as con:
        rows = con.execute("SELECT contact_id FROM contact WHERE client_id = ?", [step["consent_id"]]).fetchall()
    assert len(rows) == 1
    given = consent.consents_of(app.site.store, int(rows[0][0]), by="cli")
    assert {(k.purpose, k.channel) for k in given} == {("recontact", "email"), ("volunteering", "email")}
    assert all(k.source == "porte_a_porte" and k.collected_by == "canvasser" and k.text == texts[k.purpose]["text"]
               for k in given)
    stale = {**step, "consent_id": str(uuid.uuid4()), "versions": {"recontact": 99}, "purposes": ["recontact"]}
    other = {**step, "consent_id": str(uuid.uuid4()), "email": None}
    answer = _json(post(app.routes, "/porte-a-porte/api/envoi", json.dumps({"consents": [stale, other]}).encode(), headers))
    assert answer["consents"] == [] and "périmé" in answer["consents_refused"][stale["consent_id"]]
    assert "courriel ou téléphone" in answer["consents_refused"][other["consent_id"]]
    bad = post(app.routes, "/porte-a-porte/api/envoi", json.dumps({"consents": [{**step, "purposes": ["newsletter"]}]}).encode(),
               headers)
    assert bad.status == 400


def test_the_phone_shows_the_voters_by_name_at_the_canvassers_doors_never_the_opposed(app: Field) -> None:
    """The electoral list on the phone: names at each door of the canvasser's turf, sorted; a person opposed after
    the import (a letter) is left out at once; another turf's voters never reach this canvasser."""
    from datetime import date

    import pandas as pd

    from dashboard.store import opposition
    from dashboard.store import voters as voter_store

    turf = _json(get(app.routes, f"/porte-a-porte/api/secteurs/{app.own_turf}", {"Cookie": app.canvasser}))
    door = turf["doors"][3]["address_id"]
    elsewhere = turfs.get_turf(app.site.store, app.other_turf, by="cli").address_ids[0]
    people = [("ROCHEFORT", "", "Zélie", "1960-02-03", door), ("ABADIE", "VERNET", "Paul Émile", "1975-11-30", door),
              ("FICTIF", "", "Octave", "1948-06-07", door), ("AILLEURS", "", "Rose", "1990-01-01", elsewhere)]
    n = len(people)
    frame = pd.DataFrame({
        "line": range(2, n + 2), "commune_code": ["45999"] * n, "station_id": [p[4].split("@")[1] for p in people],
        "list_kind": ["principale"] * n, "address_id": [p[4] for p in people], "candidate_id": [None] * n,
        "match_method": ["exact"] * n, "match_score": [100.0] * n, "match_status": ["auto"] * n, "match_reason": [None] * n,
        "birth_name": [p[0] for p in people], "usage_name": [p[1] for p in people], "first_names": [p[2] for p in people],
        "birth_date": [p[3] for p in people], "sex": ["F", "M", "M", "F"], "address": ["1 rue Fictive"] * n})
    voter_store.store_voter_list(app.site.store, by="cli", voters=frame, file_name="l.csv", file_sha256="0" * 64,
                                 election_date=date(2026, 3, 15), counts_={"rows": n, "matched": n}, options={})
    opposition.add_request(app.site.store, by="cli", source="courrier", received_on=date(2026, 3, 1), birth_name="Fictif",
                           first_names="octave", birth_date="07/06/1948")
    answer = get(app.routes, f"/porte-a-porte/api/secteurs/{app.own_turf}", {"Cookie": app.canvasser})
    shown = next(d for d in _json(answer)["doors"] if d["address_id"] == door)
    assert shown["voters"] == ["ROCHEFORT Zélie", "VERNET (né·e ABADIE) Paul Émile"]
    assert b"FICTIF" not in answer.body and b"AILLEURS" not in answer.body
    canvasser = next(u for u in users.list_users(app.site.store, by="cli") if u.role == "canvasser")
    assert voter_store.voters_at_doors(app.site.store, by=canvasser, address_ids=[elsewhere]) == {}  # not their door
    assert voter_store.voters_at_doors(app.site.store, by="cli", address_ids=[elsewhere]) == {elsewhere: ["AILLEURS Rose"]}
