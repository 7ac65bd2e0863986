"""Visits and households from the phone (``store/visits.py``), on both backends: idempotent on the phone's ids,
rights re-read at every call, a visit on a turf unassigned meanwhile kept and flagged, households kept for the
next visit (the later change wins, labels sealed), the supervisor's counts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from dashboard.access.permissions import PermissionDenied
from dashboard.store import CampaignStore, turfs, users, visits
from dashboard.store.users import User
from dashboard.store.visits import HouseholdInput, VisitInput
from tests.campaign_stores import StoreMaker
from tests.store.field_store import two_turfs

PASSWORD = "a-long-password-1"
T0 = datetime(2026, 3, 1, 9, 0, 0)  # 10:00 in Paris
ACCOUNTS = {"dir": "admin", "strat": "strategist", "paul": "canvasser", "lea": "canvasser", "obs": "viewer"}
DOORS = ["b1@45999_1", "b2@45999_1", "b3@45999_1", "b4@45999_2"]


@pytest.fixture(scope="module")
def template(store_maker: StoreMaker) -> tuple[CampaignStore, dict[str, User], list[int]]:
    """Zone "Nord" cut in two turfs (b1, b2 | b3, b4): turf 1 assigned to paul, turf 2 to lea."""
    store = store_maker.new()
    people, turf_ids, _ = two_turfs(store, ACCOUNTS, PASSWORD, DOORS, 2, T0)
    return store, people, turf_ids


@pytest.fixture
def store(template, new_store: Callable[..., CampaignStore]) -> CampaignStore:  # noqa: ANN001
    return new_store(clone_of=template[0])


def _visit(turf_id: int, address: str, outcome: str = "absent", minutes: int = 0, household: str | None = None,
           visit_id: str | None = None) -> VisitInput:
    return VisitInput(visit_id or str(uuid.uuid4()), turf_id, address, outcome, T0 + timedelta(minutes=minutes),
                      household, minutes)


def _count(store: CampaignStore, sql: str, params: list | None = None) -> int:
    with store.read() as con:
        return int(con.execute(sql, params or []).fetchone()[0])


def test_a_visit_sent_again_is_held_once(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, _) = template
    paul = people["paul"]
    batch = [_visit(t1, DOORS[0], "ouvert", 1), _visit(t1, DOORS[1], "absent", 2)]
    first = visits.sync(store, by=paul, visits=batch, now=T0 + timedelta(minutes=5))
    assert first.new == first.held == [v.visit_id for v in batch] and not first.rejected
    again = visits.sync(store, by=paul, visits=[batch[1], batch[0], batch[1]], now=T0 + timedelta(minutes=6))
    assert again.new == [] and sorted(again.held) == sorted(first.held)
    assert _count(store, "SELECT count(*) FROM visit") == 2
    assert visits.held_ids(store, [batch[0].visit_id, str(uuid.uuid4()), "pas-un-uuid"], by=paul) == [batch[0].visit_id]
    assert visits.held_ids(store, [batch[0].visit_id], by=people["lea"]) == []  # another canvasser's ids: not theirs
    with store.read() as con:
        row = con.execute("SELECT canvasser, outcome, recorded_at, flag FROM visit ORDER BY recorded_at").fetchone()
    assert row == ("paul", "ouvert", T0 + timedelta(minutes=1), None)
    with store.read() as con:
        details = [r[0] for r in con.execute("SELECT CAST(detail AS VARCHAR) FROM audit_log WHERE action = 'field_sync' "
                                             "ORDER BY id").fetchall()]
    assert '"new": 2' in details[0] and '"already_held": 2' in details[1] and "b1@" not in "".join(details)


def test_a_visit_on_a_turf_unassigned_meanwhile_is_kept_and_flagged(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, t2) = template
    offline = _visit(t1, DOORS[0], "refus", 3)
    turfs.unassign_turf(store, t1, "paul", by="cli", now=T0 + timedelta(minutes=1))
    report = visits.sync(store, by=people["paul"], visits=[offline], now=T0 + timedelta(minutes=10))
    assert report.held == report.flagged == [offline.visit_id]
    flagged = visits.flagged_visits(store, by=people["strat"])
    assert flagged["visit_id"].tolist() == [offline.visit_id] and flagged["flag"].tolist() == ["hors_affectation"]
    assert flagged["canvasser"].tolist() == ["paul"]
    # a turf that never was theirs: the same (kept, flagged); an address not on the turf: refused, not stored
    other = _visit(t2, DOORS[2], "absent", 4)
    wrong = _visit(t2, DOORS[0], "absent", 5)
    report = visits.sync(store, by=people["paul"], visits=[other, wrong], now=T0 + timedelta(minutes=11))
    assert report.flagged == [other.visit_id] and list(report.rejected) == [wrong.visit_id]
    assert _count(store, "SELECT count(*) FROM visit") == 2
    # the phone page cannot read the turf any more
    with pytest.raises(PermissionDenied):
        visits.turf_state(store, t1, by=people["paul"])


def test_rights_are_read_again_at_every_call(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, _) = template
    for name in ("strat", "obs"):
        with pytest.raises(PermissionDenied):
            visits.sync(store, by=people[name], visits=[_visit(t1, DOORS[0])])
    users.disable_user(store, "paul", by="cli")
    with pytest.raises(PermissionDenied):
        visits.sync(store, by=people["paul"], visits=[_visit(t1, DOORS[0])])  # the page's User says active: the store not
    assert _count(store, "SELECT count(*) FROM visit") == 0
    assert _count(store, "SELECT count(*) FROM audit_log WHERE action = 'permission_denied' AND user_name = 'paul'") == 1
    with pytest.raises(PermissionDenied):
        visits.progress_by_turf(store, by=people["lea"], day=T0.date())


def test_households_stay_for_the_next_visit(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, t2) = template
    paul = people["paul"]
    flats = [HouseholdInput(str(uuid.uuid4()), DOORS[0], T0, entrance="A", floor=f // 2, label=f"{f // 2}e {'GD'[f % 2]}",
                            position=f) for f in range(6)]
    report = visits.sync(store, by=paul, households=flats, now=T0)
    assert report.households == [h.household_id for h in flats]
    # marked later; an older change arriving after is ignored; removal hides it; outside their doors: refused
    marked = HouseholdInput(flats[0].household_id, DOORS[0], T0 + timedelta(minutes=2), entrance="A", floor=0,
                            label="0e G", mark="digicode", position=0)
    stale = HouseholdInput(flats[0].household_id, DOORS[0], T0 + timedelta(minutes=1), entrance="A", floor=0, position=0)
    removed = HouseholdInput(flats[5].household_id, DOORS[0], T0 + timedelta(minutes=2), entrance="A", floor=2,
                             position=5, removed=True)
    outside = HouseholdInput(str(uuid.uuid4()), DOORS[2], T0)
    report = visits.sync(store, by=paul, households=[marked, stale, removed, outside], now=T0 + timedelta(minutes=3))
    assert list(report.households_rejected) == [outside.household_id]
    state = visits.turf_state(store, t1, by=paul)
    assert len(state.households) == 5
    first = next(h for h in state.households if h["household_id"] == flats[0].household_id)
    assert (first["mark"], first["label"]) == ("digicode", "0e G")
    with store.read() as con:  # the label is sealed in the table
        labels = [r[0] for r in con.execute("SELECT label FROM household WHERE label IS NOT NULL").fetchall()]
    assert labels and all(str(v).startswith("ic1:") for v in labels)
    assert visits.household_counts(store, DOORS, by=paul) == {DOORS[0]: 5}
    assert visits.household_counts(store, DOORS, by=people["lea"]) == {}  # not her doors: counted in SQL for her own only
    # a visit per household, and a bulk « absent » on floor 1
    bulk = [VisitInput(str(uuid.uuid4()), t1, DOORS[0], "absent", T0 + timedelta(minutes=10), h.household_id, i)
            for i, h in enumerate(flats) if h.floor == 1]  # one tap: the same time, the phone's counter orders them
    visits.sync(store, by=paul, visits=bulk, now=T0 + timedelta(minutes=11))
    state = visits.turf_state(store, t1, by=paul)
    assert [v["household_id"] for v in state.visits] == [h.household_id for h in flats if h.floor == 1]
    assert all(v["mine"] for v in state.visits)


def test_invalid_input_is_refused_in_french(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, _) = template
    bad = [VisitInput("pas-un-uuid", t1, DOORS[0], "absent", T0), _visit(t1, DOORS[0], "soutien"),
           _visit(t1, "'; DROP TABLE visit; --", "absent"), _visit(999_999, DOORS[0], "absent")]
    report = visits.sync(store, by=people["paul"], visits=bad, now=T0)
    assert len(report.rejected) == 4 and report.held == []
    assert "inconnu" in report.rejected[bad[1].visit_id] and "secteur inconnu" in report.rejected[bad[3].visit_id]
    future = _visit(t1, DOORS[0], "absent", 60 * 24 * 3)  # a phone clock three days ahead: the server's time
    visits.sync(store, by=people["paul"], visits=[future], now=T0)
    with store.read() as con:
        assert con.execute("SELECT recorded_at FROM visit").fetchone()[0] == T0
    with pytest.raises(visits.VisitError):
        visits.sync(store, by=people["paul"], visits=[_visit(t1, DOORS[0])] * (visits.MAX_BATCH + 1))


def test_supervisor_progress_per_canvasser_and_turf(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, t2) = template
    yesterday = T0 - timedelta(days=1)
    visits.sync(store, by=people["paul"], visits=[
        _visit(t1, DOORS[0], "ouvert", 1), _visit(t1, DOORS[1], "absent", 2),
        VisitInput(str(uuid.uuid4()), t1, DOORS[1], "ouvert", yesterday)], now=T0 + timedelta(hours=1))
    visits.sync(store, by=people["lea"], visits=[_visit(t2, DOORS[2], "refus", 3)], now=T0 + timedelta(hours=1))
    per_user = visits.progress_by_canvasser(store, by=people["dir"], day=date(2026, 3, 1)).set_index("canvasser")
    assert per_user.loc["paul", ["visits", "visits_day", "doors", "opened", "opened_day"]].tolist() == [3, 2, 2, 2, 1]
    assert per_user.loc["lea", ["visits", "visits_day", "opened"]].tolist() == [1, 1, 0]
    assert visits.doors_knocked(store, [t1, t2], by=people["dir"]) == {t1: 2, t2: 1}
    assert visits.doors_knocked(store, [t1, t2], by=people["paul"]) == {t1: 2}  # his turfs only, in SQL
    per_turf = visits.progress_by_turf(store, by=people["strat"], day=date(2026, 3, 1)).set_index("turf_id")
    assert per_turf.loc[t1, "visits"] == 3 and per_turf.loc[t2, "zone_name"] == "Nord"
    # the Paris day: 23:30 UTC on 28 February is 00:30 on 1 March in Paris
    start, end = visits.paris_day_bounds(date(2026, 3, 1))
    assert (start, end) == (datetime(2026, 2, 28, 23, 0), datetime(2026, 3, 1, 23, 0))
