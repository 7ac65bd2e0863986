"""Teams, goals, paper sheets typed back and impossible counts (``store/teams.py``, ``store/visits.record_sheet``,
``store/turfs.record_turf_progress``), on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from dashboard.access.permissions import PermissionDenied
from dashboard.store import CampaignStore, teams, turfs, visits
from dashboard.store.turfs import TurfError
from dashboard.store.users import User
from dashboard.store.visits import HouseholdInput, VisitInput
from tests.store.field_store import two_turfs

PASSWORD = "a-long-password-1"
T0 = datetime(2026, 3, 1, 9, 0, 0)  # 10:00 in Paris
ACCOUNTS = {"dir": "admin", "strat": "strategist", "paul": "canvasser", "lea": "canvasser", "zoe": "canvasser",
            "obs": "viewer"}
DOORS = ["b1@45999_1", "b2@45999_1", "b3@45999_1", "b4@45999_2"]


@pytest.fixture(scope="module")
def template(store_maker) -> tuple[CampaignStore, dict[str, User], list[int]]:  # noqa: ANN001
    """Zone "Nord" in two turfs of 40 estimated doors (b1, b2 | b3, b4): turf 1 paul's, turf 2 lea's."""
    store = store_maker.new()
    people, ids, _ = two_turfs(store, ACCOUNTS, PASSWORD, DOORS, 40, T0)
    return store, people, ids


@pytest.fixture
def store(template, new_store: Callable[..., CampaignStore]) -> CampaignStore:  # noqa: ANN001
    return new_store(clone_of=template[0])


def _visit(turf_id: int, address: str, outcome: str, minutes: int, household: str | None = None) -> VisitInput:
    return VisitInput(str(uuid.uuid4()), turf_id, address, outcome, T0 + timedelta(minutes=minutes), household, minutes)


def test_999_doors_of_40_is_refused_in_french(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, _) = template
    with pytest.raises(TurfError) as refused:
        turfs.record_turf_progress(store, t1, 999, by=people["paul"], now=T0)
    assert "999" in refused.value.message_fr and "40" in refused.value.message_fr
    assert turfs.record_turf_progress(store, t1, 40, by=people["paul"], now=T0).doors_done == 40
    # households recorded on the phone raise the bound: an address found to hold more doors than estimated
    flats = [HouseholdInput(str(uuid.uuid4()), DOORS[0], T0, floor=f, position=f) for f in range(3)]
    visits.sync(store, by=people["paul"], households=flats, now=T0)
    assert turfs.record_turf_progress(store, t1, 43, by=people["paul"], now=T0).doors_done == 43
    with pytest.raises(TurfError):
        turfs.record_turf_progress(store, t1, 44, by=people["paul"], now=T0)


def test_teams_are_made_by_leaders_and_rank_by_doors_opened(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, t2) = template
    strat = people["strat"]
    rouge = teams.create_team(store, "Équipe rouge", by=strat, now=T0)
    bleue = teams.create_team(store, "Équipe bleue", by=strat, now=T0)
    teams.create_team(store, "Vide", by=strat, now=T0)
    with pytest.raises(teams.TeamError, match="déjà"):
        teams.create_team(store, "équipe ROUGE", by=strat, now=T0)
    with pytest.raises(teams.TeamError, match="militant"):
        teams.set_members(store, rouge.team_id, ["paul", "obs"], by=strat, now=T0)
    teams.set_members(store, rouge.team_id, ["paul", "lea"], by=strat, now=T0)
    teams.set_members(store, bleue.team_id, ["lea"], by=strat, now=T0)  # lea leaves rouge
    assert {t.name: t.members for t in teams.teams(store, by=strat)} == {
        "Équipe bleue": ("lea",), "Équipe rouge": ("paul",), "Vide": ()}
    for role in ("paul", "obs"):
        with pytest.raises(PermissionDenied):
            teams.create_team(store, "X", by=people[role], now=T0)
        with pytest.raises(PermissionDenied):
            teams.progress_by_team(store, by=people[role], day=T0.date())
    visits.sync(store, by=people["paul"], visits=[_visit(t1, DOORS[0], "ouvert", 1), _visit(t1, DOORS[1], "absent", 2)],
                now=T0 + timedelta(minutes=5))
    visits.sync(store, by=people["lea"], visits=[_visit(t2, DOORS[2], "ouvert", 1), _visit(t2, DOORS[3], "ouvert", 2),
                                                  _visit(t2, DOORS[3], "ouvert", 30)], now=T0 + timedelta(minutes=40))
    visits.sync(store, by=people["zoe"], visits=[], now=T0)
    board = teams.progress_by_team(store, by=people["dir"], day=T0.date())
    assert list(board["team"]) == ["Équipe bleue", "Équipe rouge", "Vide"]
    assert board.set_index("team").loc["Équipe bleue", ["visits", "doors", "opened", "doors_day", "canvassers"]].tolist() == [
        3, 2, 3, 2, 1]
    assert board.set_index("team").loc["Vide"].drop("team", errors="ignore").sum() == 0
    assert board.set_index("team").loc["Équipe rouge", "visits_day"] == 2
    assert teams.progress_by_team(store, by=strat, day=date(2026, 3, 2)).set_index("team").loc["Équipe rouge", "visits_day"] == 0
    teams.delete_team(store, bleue.team_id, by=strat, now=T0)
    board = teams.progress_by_team(store, by=strat, day=T0.date()).set_index("team")
    assert board.loc[teams.NO_TEAM_FR, "visits"] == 3


def test_goals_are_checked_and_followed_per_day(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, _) = template
    strat = people["strat"]
    with pytest.raises(teams.TeamError, match="impossible"):
        teams.set_goal(store, "turf", t1, "doors", 999, by=strat, now=T0)
    with pytest.raises(teams.TeamError):
        teams.set_goal(store, "turf", t1, "doors", 0, by=strat, now=T0)
    with pytest.raises(PermissionDenied):
        teams.set_goal(store, "turf", t1, "doors", 10, by=people["paul"], now=T0)
    teams.set_goal(store, "turf", t1, "doors", 30, by=strat, now=T0)
    teams.set_goal(store, "turf", t1, "doors", 20, by=strat, now=T0)  # replaced
    teams.set_goal(store, "station", "45999_1", "contacts", 5, by=strat, now=T0)
    day2 = T0 + timedelta(days=1)
    visits.sync(store, by=people["paul"], visits=[_visit(t1, DOORS[0], "absent", 1)], now=T0 + timedelta(minutes=5))
    visits.sync(store, by=people["paul"], visits=[
        VisitInput(str(uuid.uuid4()), t1, DOORS[0], "ouvert", day2, None, 1),
        VisitInput(str(uuid.uuid4()), t1, DOORS[1], "ouvert", day2, None, 2)], now=day2)
    goals = teams.goal_progress(store, by=strat).set_index(["scope", "metric"])
    assert goals.loc[("turf", "doors"), ["target", "done"]].tolist() == [20, 2]
    assert goals.loc[("station", "contacts"), ["target", "done"]].tolist() == [5, 2]
    daily = teams.daily_progress(store, "turf", t1, "doors", by=strat)
    assert list(daily["day"]) == [date(2026, 3, 1), date(2026, 3, 2)] and list(daily["done"]) == [1, 2]
    opened = teams.daily_progress(store, "station", "45999_1", "contacts", by=strat)
    assert list(opened["day"]) == [date(2026, 3, 2)] and list(opened["done"]) == [2]


def test_a_paper_sheet_typed_twice_is_stored_once(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, t2) = template
    day = T0.date()
    lines = [(str(uuid.uuid5(uuid.NAMESPACE_URL, f"l{i}")), DOORS[i], None, o) for i, o in enumerate(["ouvert", "refus"])]
    first = visits.record_sheet(store, t1, day, lines, by=people["dir"], now=T0 + timedelta(hours=8))
    again = visits.record_sheet(store, t1, day, lines, by=people["dir"], now=T0 + timedelta(hours=9))
    assert len(first.new) == 2 and again.new == [] and len(again.held) == 2
    with store.read() as con:
        rows = con.execute("SELECT outcome, recorded_at, canvasser FROM visit ORDER BY phone_seq").fetchall()
    # typed by the director, credited to paul, whose turf it is (the audit entry keeps who typed it)
    assert rows == [("ouvert", datetime(2026, 3, 1, 11, 0), "paul"), ("refus", datetime(2026, 3, 1, 11, 0), "paul")]
    with store.read() as con:
        typed = con.execute("SELECT user_name, CAST(detail AS VARCHAR) FROM audit_log WHERE action = 'field_sync' "
                            "ORDER BY id").fetchall()
    assert typed[0][0] == "dir" and '"canvasser": "paul"' in typed[0][1]
    wrong = visits.record_sheet(store, t2, day, [(str(uuid.uuid4()), DOORS[0], None, "absent")], by=people["dir"],
                                now=T0 + timedelta(hours=9))
    assert list(wrong.rejected.values()) == ["cette adresse n'est pas sur ce secteur"]
    with pytest.raises(visits.VisitError, match="futur"):
        visits.record_sheet(store, t1, day + timedelta(days=3), lines, by=people["dir"], now=T0)
    with pytest.raises(PermissionDenied):
        visits.record_sheet(store, t1, day, lines, by=people["strat"], now=T0)


def test_a_paper_sheet_is_credited_to_the_canvasser_it_was_assigned_to(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, t2) = template
    day = T0.date()
    line = [(str(uuid.uuid4()), DOORS[2], None, "absent")]
    with pytest.raises(visits.VisitError, match="propres feuilles"):  # a canvasser types only their own sheet
        visits.record_sheet(store, t2, day, line, by=people["lea"], now=T0, canvasser="paul")
    visits.record_sheet(store, t2, day, line, by=people["lea"], now=T0 + timedelta(hours=8))
    turfs.assign_turf(store, t2, "zoe", by="cli", now=T0)  # two canvassers on turf 2: the director must say whose
    second = [(str(uuid.uuid4()), DOORS[3], None, "ouvert")]
    with pytest.raises(visits.VisitError, match="choisissez"):
        visits.record_sheet(store, t2, day, second, by=people["dir"], now=T0 + timedelta(hours=8))
    with pytest.raises(visits.VisitError, match="n'est pas affecté"):
        visits.record_sheet(store, t2, day, second, by=people["dir"], now=T0 + timedelta(hours=8), canvasser="paul")
    visits.record_sheet(store, t2, day, second, by=people["dir"], now=T0 + timedelta(hours=8), canvasser="zoe")
    with store.read() as con:
        rows = con.execute("SELECT address_id, canvasser FROM visit ORDER BY address_id").fetchall()
    assert rows == [(DOORS[2], "lea"), (DOORS[3], "zoe")]
