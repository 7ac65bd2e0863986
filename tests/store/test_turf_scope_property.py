"""Property: over random zones, turfs and assignments among several canvassers (and some removals), no store
function ever gives a canvasser a zone, turf, address or station outside their assignments — nor hides one inside.

The model of a canvasser's scope (``zones``' module doc): their zones are those assigned to them and those
holding a turf assigned to them; their stations, the stations of those zones; their turfs, those assigned to
them and every turf of a zone assigned to them; their addresses, those of their turfs and of the zones
assigned to them. Every read is compared for equality with the model; every call on one object must succeed
inside the scope and raise ``PermissionDenied`` outside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import bcrypt
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dashboard.access.permissions import PermissionDenied
from dashboard.store import CampaignStore, contacts, turfs, users, zones
from dashboard.store.turfs import TurfInput
from dashboard.store.users import User
from tests.campaign_stores import StoreMaker

CANVASSERS = ("c1", "c2", "c3")
STATIONS = tuple(f"45999_{i}" for i in range(1, 6))


@dataclass
class TurfModel:
    addresses: list[str]
    team: set[str]


@dataclass
class ZoneModel:
    stations: list[str]
    addresses: list[str]
    team: set[str]
    turfs: dict[int, TurfModel] = field(default_factory=dict)


@dataclass(frozen=True)
class ZoneSpec:
    stations: list[str]
    addresses: list[str]
    turf_addresses: list[list[str]]
    zone_team: frozenset[str]
    turf_teams: list[frozenset[str]]


# teams drawn among the telling cases: nobody, c1 alone, someone else, c1 with someone, others together
TEAMS = (frozenset(), frozenset({"c1"}), frozenset({"c2"}), frozenset({"c1", "c2"}), frozenset({"c2", "c3"}))
TEAM = st.sampled_from(TEAMS)


@st.composite
def zone_specs(draw: st.DrawFn) -> ZoneSpec:
    stations = draw(st.lists(st.sampled_from(STATIONS), min_size=1, max_size=3, unique=True))
    pool = [f"b{j}@{s}" for s in stations for j in range(3)]
    addresses = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6, unique=True))
    n_turfs = draw(st.integers(0, 3))
    owners = draw(st.lists(st.integers(-1, n_turfs - 1), min_size=len(addresses), max_size=len(addresses))) if n_turfs else []
    turf_addresses = [t for t in ([a for a, o in zip(addresses, owners) if o == i] for i in range(n_turfs)) if t]
    return ZoneSpec(stations, addresses, turf_addresses, draw(TEAM), [draw(TEAM) for _ in turf_addresses])


REMOVALS = st.lists(st.tuples(st.sampled_from(["unassign_zone", "unassign_turf", "delete_zone", "recut"]),
                              st.integers(0, 20), st.integers(0, 20)), max_size=2)


@pytest.fixture(scope="module")
def template(store_maker: StoreMaker) -> CampaignStore:
    store = store_maker.new()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        for name in CANVASSERS:
            users.add_user(store, name, "a-long-password-1", "canvasser", by="cli")
    for station in STATIONS:  # one person met at every door of the pool, to check the contacts' scope too
        for j in range(3):
            contacts.add_contact(store, by="cli", address_id=f"b{j}@{station}", address="1 rue X",
                                 full_name=f"Personne {j} {station}", outcome="absent", consent=False)
    return store


def _build(store: CampaignStore, specs: list[ZoneSpec], removals: list[tuple[str, int, int]]) -> dict[int, ZoneModel]:
    model: dict[int, ZoneModel] = {}
    for k, spec in enumerate(specs):
        zone = zones.create_zone(store, f"Zone {k}", spec.stations, by="cli", address_ids=spec.addresses)
        saved = turfs.save_turfs(store, zone.zone_id, [TurfInput(i + 1, a, len(a)) for i, a in enumerate(spec.turf_addresses)],
                                 by="cli")
        for user in sorted(spec.zone_team):
            zones.assign_zone(store, zone.zone_id, user, by="cli")
        for turf, team in zip(saved, spec.turf_teams):
            if team:
                turfs.assign_turf(store, turf.turf_id, sorted(team), by="cli")
        model[zone.zone_id] = ZoneModel(spec.stations, spec.addresses, set(spec.zone_team),
                                        {t.turf_id: TurfModel(list(t.address_ids), set(team)) for t, team in zip(saved, spec.turf_teams)})
    for op, i, j in removals:
        if not model:
            break
        zid = sorted(model)[i % len(model)]
        zone = model[zid]
        if op == "unassign_zone" and zone.team:
            user = sorted(zone.team)[j % len(zone.team)]
            zones.unassign_zone(store, zid, user, by="cli")
            zone.team.discard(user)
        elif op == "unassign_turf":
            held = [(tid, u) for tid, t in sorted(zone.turfs.items()) for u in sorted(t.team)]
            if held:
                tid, user = held[j % len(held)]
                turfs.unassign_turf(store, tid, user, by="cli")
                zone.turfs[tid].team.discard(user)
        elif op == "delete_zone":
            zones.delete_zone(store, zid, by="cli")
            del model[zid]
        elif op == "recut":
            [turf] = turfs.save_turfs(store, zid, [TurfInput(1, zone.addresses, 1)], by="cli", replace_assigned=True)
            zone.turfs = {turf.turf_id: TurfModel(list(zone.addresses), set())}
    return model


@dataclass(frozen=True)
class Scope:
    zones: frozenset[int]
    direct_zones: frozenset[int]
    stations: frozenset[str]
    turfs: frozenset[int]
    addresses: frozenset[str]


def _scope(model: dict[int, ZoneModel], user: str) -> Scope:
    direct = {z for z, m in model.items() if user in m.team}
    through_turfs = {z for z, m in model.items() if any(user in t.team for t in m.turfs.values())}
    mine = direct | through_turfs
    turf_ids = {tid for z, m in model.items() for tid, t in m.turfs.items() if user in t.team or z in direct}
    addresses = {a for z in direct for a in model[z].addresses}
    addresses |= {a for m in model.values() for tid, t in m.turfs.items() if tid in turf_ids for a in t.addresses}
    return Scope(frozenset(mine), frozenset(direct), frozenset(s for z in mine for s in model[z].stations),
                 frozenset(turf_ids), frozenset(addresses))


def _refused(call: object) -> bool:
    try:
        call()  # type: ignore[operator]
    except PermissionDenied:
        return True
    return False


def _check_lists(store: CampaignStore, user: User, scope: Scope) -> None:
    assert {z.zone_id for z in zones.zones_for(store, by=user)} == scope.zones
    assert zones.station_ids_for(store, by=user) == scope.stations
    assert zones.address_ids_for(store, by=user) == scope.addresses
    mine = zones.assignments(store, by=user)
    assert {a.user_name for a in mine} <= {user.user_name} and {a.zone_id for a in mine} == scope.direct_zones
    seen = turfs.turfs_for(store, by=user)
    assert {t.turf_id for t in seen} == scope.turfs
    assert all(set(t.address_ids) <= scope.addresses for t in seen)
    assert {p.turf_id for p in turfs.progress(store, by=user)} == scope.turfs
    assert set(contacts.contacts(store, by=user)["address_id"]) == scope.addresses  # doors, not stations
    assert set(contacts.contact_count_by_station(store, by=user)["station_id"]) == {a.rpartition("@")[2] for a in scope.addresses}


def _check_objects(store: CampaignStore, user: User, scope: Scope, model: dict[int, ZoneModel]) -> None:
    for zid, zone in model.items():
        inside = zid in scope.zones
        assert _refused(lambda: zones.get_zone(store, zid, by=user)) is not inside
        if inside:
            expected = set(zone.addresses) if zid in scope.direct_zones else set()
            expected |= {a for tid, t in zone.turfs.items() if tid in scope.turfs for a in t.addresses}
            assert set(zones.zone_address_ids(store, zid, by=user)) == expected
            assert {t.turf_id for t in turfs.turfs_for(store, by=user, zone_id=zid)} == scope.turfs & set(zone.turfs)
        else:
            assert _refused(lambda: zones.zone_address_ids(store, zid, by=user))
        assert _refused(lambda: zones.zone_versions(store, zid, by=user))  # history: builders only
        for tid in zone.turfs:
            inside = tid in scope.turfs
            assert _refused(lambda: turfs.get_turf(store, tid, by=user)) is not inside
            assert _refused(lambda: turfs.authorize_walklist_export(store, tid, by=user)) is not inside
            assert _refused(lambda: turfs.authorize_walklist_export(store, tid, by=user, personal_data=True))
            assert _refused(lambda: turfs.record_turf_progress(store, tid, 1, by=user)) is not inside


# Zone A: two turfs, c1 holds only the first, c2 the whole zone, c3 the second turf; zone B: c1's by zone assignment.
A = ZoneSpec(["45999_1", "45999_2"], ["b0@45999_1", "b1@45999_1", "b0@45999_2"], [["b0@45999_1"], ["b1@45999_1", "b0@45999_2"]],
             frozenset({"c2"}), [frozenset({"c1"}), frozenset({"c3"})])
B = ZoneSpec(["45999_2", "45999_3"], ["b2@45999_2", "b0@45999_3"], [["b0@45999_3"]], frozenset({"c1"}), [frozenset({"c3"})])
C = ZoneSpec(["45999_4"], ["b0@45999_4", "b1@45999_4"], [], frozenset(), [])  # nobody's


@settings(max_examples=8, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(zone_specs(), min_size=1, max_size=3), removals=REMOVALS)
@example(specs=[A, B, C], removals=[])
@example(specs=[A, B], removals=[("unassign_zone", 1, 0), ("recut", 0, 0)])
@example(specs=[A, B], removals=[("delete_zone", 1, 0), ("unassign_turf", 0, 0)])
def test_no_function_leaks_outside_a_canvassers_assignments(template: CampaignStore, store_maker: StoreMaker, specs: list[ZoneSpec],
                                                             removals: list[tuple[str, int, int]]) -> None:
    store = store_maker.clone(template)
    try:
        model = _build(store, specs, removals)
        people = {u.user_name: u for u in users.list_users(store, by="cli")}
        for name in CANVASSERS:
            scope = _scope(model, name)
            _check_lists(store, people[name], scope)
            if name == "c1":  # the per-object calls for one canvasser (the scenario is symmetric in them)
                _check_objects(store, people[name], scope, model)
    finally:
        store_maker.drop(store)
