"""Zones, issue 6: covered addresses, stored counts, version history, restore, duplicate, delete of everything."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import bcrypt
import numpy as np
import pytest
import shapely

from dashboard.access.permissions import PermissionDenied
from dashboard.store import CampaignStore, audit, turfs, users, zones
from dashboard.store.turfs import TurfInput
from dashboard.store.users import User
from dashboard.store.zones import UnknownVersion, UnknownZone, ZoneCounts, ZoneError
from tests.campaign_stores import StoreMaker, table_rows

T0 = datetime(2026, 3, 1, 9, 0, 0)
T1 = datetime(2026, 3, 2, 9, 0, 0)
ACCOUNTS = {"dir": "admin", "cand": "candidate", "strat": "strategist", "paul": "canvasser", "obs": "viewer"}
SQUARE = shapely.to_wkb(shapely.box(1.90, 47.89, 1.92, 47.91))
OTHER = shapely.to_wkb(shapely.box(1.93, 47.89, 1.95, 47.91))
ADDRESSES = ["ban-1@45999_1", "ban-2@45999_1", "ban-3@45999_2"]
COUNTS = ZoneCounts(registered=1200, addresses=3, doors=410, score_sum=57.5, expected_net_votes=-12.25,
                    election_id="leg2024_t1", target="abstentionnistes de gauche")
ZONE_TABLES = ("zone", "zone_station", "zone_address", "zone_count", "zone_version", "zone_assignment",
               "turf", "turf_address", "turf_assignment", "turf_progress")


@pytest.fixture(scope="module")
def template(store_maker: StoreMaker) -> CampaignStore:
    store = store_maker.new()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        for name, role in ACCOUNTS.items():
            users.add_user(store, name, "a-long-password-1", role, by="cli", now=T0)
    return store


@pytest.fixture
def store(template: CampaignStore, new_store: Callable[..., CampaignStore]) -> CampaignStore:
    return new_store(clone_of=template)


@pytest.fixture
def people(store: CampaignStore) -> dict[str, User]:
    return {u.role: u for u in users.list_users(store, by="cli")}


def _tables(store: CampaignStore) -> dict[str, list[tuple]]:
    with store.write() as con:
        return {t: table_rows(con, t) for t in ZONE_TABLES}


def _zone_entries(store: CampaignStore) -> list[audit.AuditEntry]:
    return [e for e in audit.entries(store, by="cli") if e.action == "zone_change"]


# -- addresses and counts ---------------------------------------------------------------------
def test_create_with_addresses_and_counts(store: CampaignStore, people: dict[str, User]) -> None:
    zone = zones.create_zone(store, "Centre", ["45999_1", "45999_2"], by=people["strategist"], geometry_wkb=SQUARE,
                             address_ids=[" ban-3@45999_2", "ban-1@45999_1", "ban-2@45999_1", "ban-1@45999_1"],
                             counts=COUNTS, now=T0)
    assert zone.address_count == 3 and zone.version == 1 and zone.owner == "strat"
    assert zone.counts == ZoneCounts(**{**COUNTS.__dict__, "computed_at": T0})  # computed_at defaults to the write time
    assert zones.zone_address_ids(store, zone.zone_id, by=people["candidate"]) == tuple(ADDRESSES)
    with store.write() as con:  # the station part of each address id is stored beside it
        assert con.execute("SELECT address_id, station_id FROM zone_address ORDER BY 1").fetchall() == [
            ("ban-1@45999_1", "45999_1"), ("ban-2@45999_1", "45999_1"), ("ban-3@45999_2", "45999_2")]
    [entry] = _zone_entries(store)
    assert entry.detail == {"op": "create", "name": "Centre", "stations": ["45999_1", "45999_2"], "geometry": True,
                            "addresses": 3, "counts": True}


def test_counts_accept_a_mapping_and_numpy_and_are_checked(store: CampaignStore) -> None:
    zone = zones.create_zone(store, "Centre", [], by="cli")
    zone = zones.set_zone_counts(store, zone.zone_id, {"registered": np.int64(10), "score_sum": np.float64(1.5)}, by="cli", now=T1)
    assert zone.counts == ZoneCounts(registered=10, score_sum=1.5, computed_at=T1)
    assert isinstance(zone.counts.registered, int)
    before = _tables(store)
    for counts, message in [
        ({"registered": -1}, "positif"), ({"doors": 2.5}, "entier"), ({"score_sum": float("nan")}, "fini"),
        ({"registered": "12"}, "nombre attendu"), ({"registered": True}, "nombre attendu"), ({"voters": 3}, "inconnus"),
        ({"target": "x" * 121}, "trop long"), ("12", "ZoneCounts attendu"),
    ]:
        with pytest.raises(ZoneError, match=message):
            zones.set_zone_counts(store, zone.zone_id, counts, by="cli")  # type: ignore[arg-type]
    assert _tables(store) == before
    assert zones.set_zone_counts(store, zone.zone_id, None, by="cli").counts is None


def test_address_ids_are_checked(store: CampaignStore) -> None:
    zone = zones.create_zone(store, "Centre", [], by="cli")
    before = _tables(store)
    for bad, message in [(["ok", ""], "identifiant d'adresse invalide"), ([12], "texte attendu"), (["a\x00b"], "invalide"),
                         (["x" * 201], "invalide"), ("ban-1@45999_1", "pas un texte")]:
        with pytest.raises(ZoneError, match=message):
            zones.set_zone_addresses(store, zone.zone_id, bad, by="cli")  # type: ignore[arg-type]
    assert _tables(store) == before
    zone = zones.set_zone_addresses(store, zone.zone_id, ["sans-bureau", "x@pas-un-bureau", "'; DROP TABLE zone; --@45999_3"], by="cli")
    assert zone.address_count == 3
    with store.write() as con:
        assert dict(con.execute("SELECT address_id, station_id FROM zone_address").fetchall()) == {
            "sans-bureau": None, "x@pas-un-bureau": None, "'; DROP TABLE zone; --@45999_3": "45999_3"}


def test_address_changes_are_audited_with_counts_only(store: CampaignStore) -> None:
    zone = zones.create_zone(store, "Centre", [], by="cli", address_ids=ADDRESSES[:2])
    zones.set_zone_addresses(store, zone.zone_id, ADDRESSES[1:], by="cli")
    entry = _zone_entries(store)[0]
    assert entry.detail == {"op": "addresses", "version": 2, "addresses": {"count": 2, "added": 1, "removed": 1}}
    with store.write() as con:  # the audit log outlives the purge: no address id in it
        log = " ".join(r[0] for r in con.execute("SELECT CAST(detail AS VARCHAR) FROM audit_log").fetchall())
    assert "ban-" not in log


def test_update_zone_is_one_version(store: CampaignStore, people: dict[str, User]) -> None:
    zone = zones.create_zone(store, "Centre", ["45999_1"], by="cli", now=T0)
    zone = zones.update_zone(store, zone.zone_id, by=people["admin"], name="Centre élargi", station_ids=["45999_1", "45999_2"],
                             geometry_wkb=SQUARE, address_ids=ADDRESSES, counts=COUNTS, now=T1)
    assert (zone.name, zone.station_ids, zone.geometry_wkb, zone.address_count, zone.version, zone.updated_at) == (
        "Centre élargi", ("45999_1", "45999_2"), SQUARE, 3, 2, T1)
    entry = _zone_entries(store)[0]
    assert entry.detail["op"] == "edit" and entry.detail["version"] == 2
    assert set(entry.detail) == {"op", "version", "rename", "stations", "geometry", "addresses", "counts"}
    # KEEP (default) keeps geometry and counts; None clears them; a single field names the op
    zone = zones.update_zone(store, zone.zone_id, by="cli", geometry_wkb=None)
    assert zone.geometry_wkb is None and zone.counts is not None and zone.version == 3
    assert zones.zone_versions(store, zone.zone_id, by="cli")[0].op == "geometry"
    # nothing changed: no version, no audit entry
    entries = len(_zone_entries(store))
    assert zones.update_zone(store, zone.zone_id, by="cli", name="Centre élargi").version == 3
    assert len(_zone_entries(store)) == entries


# -- history ----------------------------------------------------------------------------------
def test_every_change_writes_a_version(store: CampaignStore, people: dict[str, User]) -> None:
    strat = people["strategist"]
    zone = zones.create_zone(store, "Centre", ["45999_1"], by=strat, geometry_wkb=SQUARE, address_ids=ADDRESSES[:1], now=T0)
    zones.rename_zone(store, zone.zone_id, "Centre historique", by=strat)
    zones.set_zone_stations(store, zone.zone_id, ["45999_1", "45999_2"], by=strat)
    zones.set_zone_geometry(store, zone.zone_id, OTHER, by=strat)
    zones.set_zone_addresses(store, zone.zone_id, ADDRESSES, by=strat)
    zones.set_zone_counts(store, zone.zone_id, COUNTS, by=strat)
    zones.set_zone_status(store, zone.zone_id, "ready", by=strat)
    zones.assign_zone(store, zone.zone_id, "paul", by=strat)  # ready -> assigned: a status version
    zones.assign_zone(store, zone.zone_id, "paul", by=strat, due_date="2026-04-01")  # due date only: no version
    versions = zones.zone_versions(store, zone.zone_id, by=strat)
    assert [(v.version, v.op) for v in versions] == [
        (8, "status"), (7, "status"), (6, "counts"), (5, "addresses"), (4, "geometry"), (3, "stations"), (2, "rename"), (1, "create")]
    first, last = versions[-1], versions[0]
    assert (first.name, first.status, first.station_ids, first.address_ids, first.counts, first.geometry_wkb) == (
        "Centre", "draft", ("45999_1",), ("ban-1@45999_1",), None, SQUARE)
    assert (last.name, last.status, last.station_ids, last.address_ids, last.geometry_wkb) == (
        "Centre historique", "assigned", ("45999_1", "45999_2"), tuple(ADDRESSES), OTHER)
    assert last.counts is not None and last.counts.doors == 410 and last.counts.target == "abstentionnistes de gauche"
    assert all(v.created_by == "strat" for v in versions) and first.created_at == T0
    assert zones.get_zone(store, zone.zone_id, by="cli").version == 8
    assert zones.get_zone_version(store, zone.zone_id, 5, by=strat).address_ids == tuple(ADDRESSES)
    assert "geometry" not in repr(first)


def test_restore_is_a_new_version(store: CampaignStore, people: dict[str, User]) -> None:
    cand = people["candidate"]
    zone = zones.create_zone(store, "Centre", ["45999_1"], by="cli", geometry_wkb=SQUARE, address_ids=ADDRESSES[:1], counts=COUNTS)
    zones.update_zone(store, zone.zone_id, by="cli", name="Nord", station_ids=["45999_7"], geometry_wkb=None,
                      address_ids=ADDRESSES, counts=None)
    zones.assign_zone(store, zone.zone_id, "paul", by="cli")  # status assigned (version 3), kept by the restore
    restored = zones.restore_zone_version(store, zone.zone_id, 1, by=cand, now=T1)
    assert (restored.name, restored.station_ids, restored.geometry_wkb, restored.address_count, restored.status) == (
        "Centre", ("45999_1",), SQUARE, 1, "assigned")
    assert restored.counts is not None and restored.counts.registered == 1200 and restored.assigned_to == ("paul",)
    assert restored.version == 4 and restored.updated_at == T1
    latest = zones.zone_versions(store, zone.zone_id, by=cand)[0]
    assert (latest.op, latest.restored_from, latest.created_by) == ("restore", 1, "cand")
    assert [e.detail for e in _zone_entries(store) if e.detail["op"] == "restore"] == [
        {"op": "restore", "from_version": 1, "version": 4}]
    assert zones.zone_address_ids(store, zone.zone_id, by="cli") == ("ban-1@45999_1",)
    # the old name taken by another zone meanwhile: refused, nothing changed
    zones.rename_zone(store, zone.zone_id, "Ouest", by="cli")
    zones.create_zone(store, "Centre", [], by="cli")
    before = _tables(store)
    with pytest.raises(ZoneError, match="s'appelle déjà « Centre »"):
        zones.restore_zone_version(store, zone.zone_id, 1, by="cli")
    for bad in (99, "abc", True):
        with pytest.raises(UnknownVersion, match="version introuvable"):
            zones.restore_zone_version(store, zone.zone_id, bad, by="cli")  # type: ignore[arg-type]
    with pytest.raises(UnknownZone):
        zones.zone_versions(store, 999, by="cli")
    assert _tables(store) == before


def test_duplicate(store: CampaignStore, people: dict[str, User]) -> None:
    source = zones.create_zone(store, "Centre", ["45999_1", "45999_2"], by="cli", geometry_wkb=SQUARE, address_ids=ADDRESSES,
                               counts=COUNTS, now=T0)
    zones.assign_zone(store, source.zone_id, "paul", by="cli")
    turfs.save_turfs(store, source.zone_id, [TurfInput(1, ADDRESSES, 10)], by="cli")
    copy = zones.duplicate_zone(store, source.zone_id, "Centre (variante)", by=people["strategist"], now=T1)
    assert copy.zone_id != source.zone_id
    assert (copy.name, copy.status, copy.owner, copy.station_ids, copy.geometry_wkb, copy.address_count, copy.counts) == (
        "Centre (variante)", "draft", "strat", source.station_ids, SQUARE, 3, zones.get_zone(store, source.zone_id, by="cli").counts)
    assert copy.assigned_to == () and copy.version == 1 and copy.created_at == T1
    assert turfs.turfs_for(store, by="cli", zone_id=copy.zone_id) == []  # turfs and assignments are not copied
    assert [(v.op, v.version) for v in zones.zone_versions(store, copy.zone_id, by="cli")] == [("duplicate", 1)]
    assert zones.zone_address_ids(store, copy.zone_id, by="cli") == tuple(ADDRESSES)
    assert _zone_entries(store)[0].detail == {"op": "duplicate", "from": source.zone_id, "from_name": "Centre",
                                              "name": "Centre (variante)", "stations": ["45999_1", "45999_2"], "addresses": 3}
    with pytest.raises(ZoneError, match="s'appelle déjà"):
        zones.duplicate_zone(store, source.zone_id, "centre", by="cli")
    with pytest.raises(UnknownZone):
        zones.duplicate_zone(store, 999, "Autre", by="cli")


def test_delete_removes_the_zone_its_history_and_its_turfs(store: CampaignStore) -> None:
    keep = zones.create_zone(store, "Garder", ["45999_1"], by="cli", address_ids=ADDRESSES[:1], counts=COUNTS)
    turfs.save_turfs(store, keep.zone_id, [TurfInput(1, ADDRESSES[:1], 3)], by="cli")
    keep_state = _tables(store)
    gone = zones.create_zone(store, "Supprimer", ["45999_2"], by="cli", address_ids=ADDRESSES, counts=COUNTS)
    zones.rename_zone(store, gone.zone_id, "Supprimer vite", by="cli")
    [turf] = turfs.save_turfs(store, gone.zone_id, [TurfInput(1, ADDRESSES, 3)], by="cli")
    turfs.assign_turf(store, turf.turf_id, "paul", by="cli")
    turfs.record_turf_progress(store, turf.turf_id, 2, by="cli")
    zones.delete_zone(store, gone.zone_id, by="cli")
    assert _tables(store) == keep_state  # every row of the deleted zone is gone, the other zone's untouched
    assert [z.name for z in zones.zones_for(store, by="cli")] == ["Garder"]
    assert _zone_entries(store)[0].detail["turfs"] == 1


# -- permissions ------------------------------------------------------------------------------
def test_history_and_new_writes_need_edit_zones(store: CampaignStore, people: dict[str, User]) -> None:
    zone = zones.create_zone(store, "Centre", ["45999_1"], by="cli", address_ids=ADDRESSES)
    zones.assign_zone(store, zone.zone_id, "paul", by="cli")
    before = _tables(store)
    calls = [
        lambda u: zones.zone_versions(store, zone.zone_id, by=u),
        lambda u: zones.get_zone_version(store, zone.zone_id, 1, by=u),
        lambda u: zones.restore_zone_version(store, zone.zone_id, 1, by=u),
        lambda u: zones.duplicate_zone(store, zone.zone_id, "Copie", by=u),
        lambda u: zones.set_zone_addresses(store, zone.zone_id, [], by=u),
        lambda u: zones.set_zone_counts(store, zone.zone_id, COUNTS, by=u),
        lambda u: zones.update_zone(store, zone.zone_id, by=u, name="Autre"),
    ]
    for role in ("canvasser", "viewer"):
        for call in calls:
            with pytest.raises(PermissionDenied, match="action refusée"):
                call(people[role])
    assert _tables(store) == before
    denied = [e for e in audit.entries(store, by="cli") if e.action == "permission_denied"]
    assert len(denied) == 2 * len(calls) and {e.detail["action"] for e in denied} == {"edit_zones"}
    # the canvasser reads the addresses of a zone assigned to them; the viewer does not
    assert zones.zone_address_ids(store, zone.zone_id, by=people["canvasser"]) == tuple(ADDRESSES)
    assert zones.address_ids_for(store, by=people["canvasser"]) == frozenset(ADDRESSES)
    assert zones.address_ids_for(store, by=people["viewer"]) is None  # view_maps ALL: no restriction
    with pytest.raises(PermissionDenied):
        zones.zone_address_ids(store, zone.zone_id, by=people["viewer"])


def test_existing_store_without_history_gets_one_at_the_next_change(store: CampaignStore) -> None:
    zone = zones.create_zone(store, "Ancienne", ["45999_1"], by="cli")
    with store.write() as con:  # a zone made before the history existed
        con.execute("DELETE FROM zone_version")
    assert zones.get_zone(store, zone.zone_id, by="cli").version == 0
    zones.rename_zone(store, zone.zone_id, "Ancienne zone", by="cli")
    [version] = zones.zone_versions(store, zone.zone_id, by="cli")
    assert (version.version, version.op, version.name) == (1, "rename", "Ancienne zone")
    with store.write() as con:
        stored = con.execute("SELECT station_ids, address_ids FROM zone_version").fetchone()
    assert [json.loads(v) for v in stored] == [["45999_1"], []]
