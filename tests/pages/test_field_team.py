"""The field team's views (AppTest, whole app, copy of the demo): the strategist's coverage map, progress,
teams, goals and leaderboard on Zones (counts only); a paper sheet typed back on Terrain, stored once."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from dashboard.canvass.coverage import POINT_LAYER, TURF_LAYER
from dashboard.store import CampaignStore, teams, turfs, users, visits
from tests.apptest import app_test, decks, open_page


@pytest.fixture()
def store(demo_env: Path) -> CampaignStore:
    return CampaignStore(demo_env / "campaign.duckdb")


def _ok(at):  # noqa: ANN001, ANN202
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def _frame(at, column: str) -> pd.DataFrame:  # noqa: ANN001
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_the_strategist_follows_coverage_teams_and_goals_without_personal_data(store: CampaignStore) -> None:
    canvasser = users.get_user(store, "canvasser")
    own = turfs.turfs_for(store, by=canvasser)[0]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    sent = [visits.VisitInput(str(uuid.uuid4()), own.turf_id, own.address_ids[i], outcome, now, None, i)
            for i, outcome in enumerate(("ouvert", "absent", "refus"))]
    visits.sync(store, by=canvasser, visits=sent)
    rouge = teams.create_team(store, "Équipe rouge", by="cli")
    teams.set_members(store, rouge.team_id, ["canvasser"], by="cli")
    teams.set_goal(store, "turf", own.turf_id, "doors", min(own.doors, 10), by="cli")

    at = _ok(open_page(_ok(app_test("strategist").run()), "zones.py"))
    assert "Suivi du terrain" in [h.value for h in at.header]
    deck = next(d for d in decks(at) if "couverture_secteurs" in json.dumps(d))
    layers = {layer["id"]: layer["data"] for layer in deck["layers"]}
    detail = next(r["d"] for r in layers[TURF_LAYER] if r["k"] == own.turf_id)
    assert detail.startswith(f"3 / {own.doors} portes frappées") and "1 ouvertes" in detail
    states = [r["t"] for r in layers[POINT_LAYER]]
    assert states.count("porte ouverte") == 1 and states.count("frappée, sans réponse") == 2
    assert "jamais frappée" in states
    page = json.dumps([df.value.astype(str).to_dict("list") for df in at.dataframe], ensure_ascii=False) + json.dumps(deck)
    assert "refus" not in page.lower() and own.address_ids[0] not in page  # counts only: no outcome per address
    board = _frame(at, "rang")
    assert list(board.iloc[0][["équipe", "portes ouvertes", "portes frappées"]]) == ["Équipe rouge", "1", "3"]
    goals = _frame(at, "objectif pour")
    assert list(goals["fait"]) == ["3"] and len(at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart")) >= 2  # goal per day, leaderboard
    # a goal above the turf's doors is refused in French
    form = next(s for s in at.selectbox if s.label == "Secteur (si secteur)")
    form.set_value(str(own.turf_id))
    target = next(n for n in at.number_input if n.label == "Objectif (portes)")
    target.set_value(own.doors + 1000)
    at = next(b for b in at.button if b.label == "Fixer l'objectif").click().run()
    assert any("objectif impossible" in e.value for e in at.error)


def test_a_paper_sheet_is_typed_back_once(store: CampaignStore) -> None:
    canvasser = users.get_user(store, "canvasser")
    own = turfs.turfs_for(store, by=canvasser)[0]
    at = _ok(open_page(_ok(app_test("canvasser").run()), "terrain.py"))
    lines = [c for c in at.get("button_group") if c.proto.label.startswith(("1. ", "2. "))]
    assert len(lines) == 2
    keys = [f"field_sheet_{own.turf_id}_1", f"field_sheet_{own.turf_id}_2"]
    at.session_state[keys[0]] = "ouvert"
    at.session_state[keys[1]] = "ne_plus_solliciter"
    for _ in range(2):  # typed twice: stored once
        at = _ok(next(b for b in at.button if b.label == "Enregistrer la feuille").click().run())
    with store.read() as con:
        rows = con.execute("SELECT outcome, canvasser FROM visit WHERE turf_id = ? ORDER BY phone_seq", [own.turf_id]).fetchall()
    assert rows == [("ouvert", "canvasser"), ("ne_plus_solliciter", "canvasser")]
    assert any("déjà saisi" in s.value for s in at.success)
    with pytest.raises(turfs.TurfError):
        turfs.record_turf_progress(store, own.turf_id, own.doors + 1000, by=canvasser)
    assert date.today()  # the sheet's day defaults to today
