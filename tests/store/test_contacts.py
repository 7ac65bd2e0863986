"""Contacts (personal data): scoping in the SQL, consent, audit, export gate, hostile strings, and a property test."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime

import bcrypt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.access.permissions import PermissionDenied
from dashboard.store import CampaignStore, audit, contacts, crypto, users, zones
from dashboard.store.contacts import ContactError
from dashboard.store.users import User
from dashboard.store.errors import StoreIntegrityError
from dashboard.store.zones import ZoneError
from tests.campaign_stores import StoreMaker, table_rows

PASSWORD = "a-long-password-1"
T0 = datetime(2026, 3, 1, 9, 0, 0)
ACCOUNTS = {"dir": "admin", "cand": "candidate", "strat": "strategist", "paul": "canvasser", "lea": "canvasser",
            "max": "canvasser", "obs": "viewer"}
BY_ROLE = {"admin": "dir", "candidate": "cand", "strategist": "strat", "canvasser": "paul", "viewer": "obs"}
CANVASSERS = ("paul", "lea", "max")
HOSTILE = ["'; DROP TABLE contact; --", "O'Brien \"le\" ; 1=1 --", "=HYPERLINK(\"http://x\")", "%_\\"]
MET = {"outcome": "rencontre", "consent": True}
DOORS = {s: f"b1@{s}" for s in ("45999_1", "45999_2", "45999_3")}  # one door per station; Nord holds the first two


@pytest.fixture(scope="module")
def template(store_maker: StoreMaker) -> tuple[CampaignStore, dict[str, User]]:
    """Accounts, made once (bcrypt at cost 4), and zone "Nord" (45999_1, 45999_2) assigned to paul."""
    store = store_maker.new()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        for name, role in ACCOUNTS.items():
            users.add_user(store, name, PASSWORD, role, by="cli", now=T0)
    nord = zones.create_zone(store, "Nord", ["45999_1", "45999_2"], by="cli", now=T0,
                             address_ids=[DOORS["45999_1"], DOORS["45999_2"], "b2@45999_1"])
    zones.assign_zone(store, nord.zone_id, "paul", by="cli", now=T0)
    return store, {u.user_name: u for u in users.list_users(store, by="cli")}


@pytest.fixture
def store(template: tuple[CampaignStore, dict[str, User]], new_store: Callable[..., CampaignStore]) -> CampaignStore:
    return new_store(clone_of=template[0])


@pytest.fixture
def people(template: tuple[CampaignStore, dict[str, User]]) -> dict[str, User]:
    return {**{role: template[1][name] for role, name in BY_ROLE.items()}, **{n: template[1][n] for n in CANVASSERS}}


def _seeded(store: CampaignStore) -> dict[str, int]:
    """Three contacts by the admin: two in paul's zone, one outside. Returns station -> contact id."""
    ids = {}
    for station, name in [("45999_1", "Anne Martin"), ("45999_2", "Bruno Petit"), ("45999_3", "Chloé Durand")]:
        ids[station] = contacts.add_contact(store, by="cli", address_id=DOORS[station], address=f"{station[-1]} rue de la Paix",
                                            full_name=name, outcome="absent", consent=False, now=T0)
    return ids


def _rows(store: CampaignStore, table: str) -> list[tuple]:
    with store.write() as con:
        return table_rows(con, table)


def _log(store: CampaignStore, after: int = 0) -> list[tuple]:
    with store.write() as con:
        return con.execute(
            "SELECT user_name, action, outcome, CAST(detail AS VARCHAR) FROM audit_log WHERE action NOT IN "
            "('user_add', 'zone_change', 'assignment_change') AND id > ? ORDER BY id", [after]
        ).fetchall()


# -- reads ------------------------------------------------------------------------------------
def test_contacts_as_every_role(store: CampaignStore, people: dict[str, User]) -> None:
    ids = _seeded(store)
    start = len(_log(store))
    seen = {}
    for role in BY_ROLE:
        if role in ("strategist", "viewer"):
            with pytest.raises(PermissionDenied, match="données personnelles"):
                contacts.contacts(store, by=people[role])
        else:
            seen[role] = contacts.contacts(store, by=people[role])
    assert list(seen["admin"].columns) == contacts.COLUMNS
    assert seen["admin"]["contact_id"].tolist() == seen["candidate"]["contact_id"].tolist() == sorted(ids.values())
    assert seen["canvasser"]["contact_id"].tolist() == [ids["45999_1"], ids["45999_2"]]  # never 45999_3
    assert seen["canvasser"]["full_name"].tolist() == ["Anne Martin", "Bruno Petit"]
    assert _log(store)[start:] == [
        ("dir", "view_personal_data", "success", '{"rows": 3, "scope": "all"}'),
        ("cand", "view_personal_data", "success", '{"rows": 3, "scope": "all"}'),
        ("strat", "permission_denied", "denied", '{"action": "view_personal_data"}'),
        ("paul", "view_personal_data", "success", '{"rows": 2, "scope": "own_doors"}'),
        ("obs", "permission_denied", "denied", '{"action": "view_personal_data"}'),
    ]
    # a canvasser without zones sees nothing, and the empty read is audited too
    assert contacts.contacts(store, by=people["lea"]).empty
    assert _log(store)[-1] == ("lea", "view_personal_data", "success", '{"rows": 0, "scope": "own_doors"}')


def test_scope_follows_assignments(store: CampaignStore, people: dict[str, User]) -> None:
    ids = _seeded(store)
    sud = zones.create_zone(store, "Sud", ["45999_3"], by="cli", address_ids=[DOORS["45999_3"]])
    zones.assign_zone(store, sud.zone_id, "paul", by="cli")
    assert sorted(contacts.contacts(store, by=people["paul"])["contact_id"]) == sorted(ids.values())
    zones.unassign_zone(store, sud.zone_id, "paul", by="cli")
    assert ids["45999_3"] not in contacts.contacts(store, by=people["paul"])["contact_id"].tolist()
    # overlapping zones: Est shares Nord's door in 45999_1 and Sud's; a zone holding only the station (no door) opens nothing
    est = zones.create_zone(store, "Est", ["45999_3", "45999_1"], by="cli", address_ids=[DOORS["45999_3"], DOORS["45999_1"]])
    zones.assign_zone(store, est.zone_id, "lea", by="cli")
    assert contacts.contacts(store, by=people["lea"])["contact_id"].tolist() == [ids["45999_1"], ids["45999_3"]]
    ouest = zones.create_zone(store, "Ouest", ["45999_2"], by="cli", address_ids=["b7@45999_2"])
    zones.assign_zone(store, ouest.zone_id, "max", by="cli")
    assert contacts.contacts(store, by=people["max"]).empty


def test_contact_count_by_station(store: CampaignStore, people: dict[str, User]) -> None:
    _seeded(store)
    contacts.add_contact(store, by=people["paul"], address_id=DOORS["45999_1"], address="1 rue A", full_name="Denis", **MET)
    full = contacts.contact_count_by_station(store, by=people["viewer"])
    assert full.to_dict("records") == [
        {"station_id": "45999_1", "contacts": 2, "met": 1, "consented": 1},
        {"station_id": "45999_2", "contacts": 1, "met": 0, "consented": 0},
        {"station_id": "45999_3", "contacts": 1, "met": 0, "consented": 0},
    ]
    for role in ("admin", "candidate", "strategist"):
        assert contacts.contact_count_by_station(store, by=people[role]).equals(full)
    assert contacts.contact_count_by_station(store, by=people["canvasser"])["station_id"].tolist() == ["45999_1", "45999_2"]
    assert contacts.contact_count_by_station(store, by=people["lea"]).empty
    assert not [row for row in _log(store) if row[1] == "view_personal_data"]  # aggregates are not personal data


# -- add_contact ------------------------------------------------------------------------------
def test_add_contact_as_every_role(store: CampaignStore, people: dict[str, User]) -> None:
    for role in BY_ROLE:
        user = people[role]
        if role in ("admin", "canvasser"):
            contact_id = contacts.add_contact(store, by=user, address_id=DOORS["45999_2"], station_id="45999_0002", address="3 rue B", full_name=f"Témoin {role}",
                                              phone="06 12 34 56 78", email="Jean.Dupont@Example.FR", now=T0, **MET)
            assert _log(store)[-1] == (user.user_name, "record_feedback", "success",
                                       '{"consent": true, "outcome": "rencontre", "station_id": "45999_2"}')
            row = _rows(store, "contact")[-1]
            assert row[:8] == (contact_id, "45999_2", "3 rue B", f"Témoin {role}", "06 12 34 56 78", "Jean.Dupont@example.fr",
                               True, "rencontre")
            assert row[8:] == (user.user_name, T0, DOORS["45999_2"], None, None)  # no remark, no phone id
        else:
            before = _rows(store, "contact")
            with pytest.raises(PermissionDenied, match="saisir les retours"):
                contacts.add_contact(store, by=user, station_id="45999_1", address="3 rue B", full_name="X", **MET)
            assert _rows(store, "contact") == before
            assert _log(store)[-1] == (user.user_name, "permission_denied", "denied", '{"action": "record_feedback"}')
    # the admin records anywhere (even without a door); a canvasser only at one of their doors
    contacts.add_contact(store, by=people["admin"], station_id="45999_3", address="1 rue C", full_name="Hors zone", **MET)
    before = _rows(store, "contact")
    for canvasser, door in [("paul", DOORS["45999_3"]), ("lea", DOORS["45999_1"]), ("paul", "b9@45999_1"), ("paul", None)]:
        where = {"address_id": door} if door else {"station_id": "45999_1"}  # b9@45999_1: their station, not their door
        with pytest.raises(PermissionDenied, match="que dans ses propres zones"):
            contacts.add_contact(store, by=people[canvasser], address="1 rue C", full_name="X", **where, **MET)
        assert _log(store)[-1] == (canvasser, "permission_denied", "denied", '{"action": "record_feedback"}')
    with pytest.raises(ContactError, match="pas dans ce bureau"):
        contacts.add_contact(store, by=people["paul"], address_id=DOORS["45999_1"], station_id="45999_2", address="1 rue C",
                             full_name="X", **MET)
    assert _rows(store, "contact") == before


def test_consent_and_validation(store: CampaignStore, people: dict[str, User]) -> None:
    paul = people["paul"]
    base = {"address_id": DOORS["45999_1"], "address": "1 rue A", "full_name": "Anne"}
    cases = [
        ({"outcome": "absent", "consent": False, "phone": "0612345678"}, "qu'avec l'accord"),
        ({"outcome": "rencontre", "consent": False, "email": "a@b.fr"}, "qu'avec l'accord"),
        ({"outcome": "absent", "consent": True}, "pas été rencontrée"),
        ({"outcome": "refus", "consent": True}, "pas été rencontrée"),
        ({"outcome": "peut-être", "consent": False}, "résultat inconnu"),
        ({"outcome": "rencontre", "consent": "oui"}, "consentement"),
        ({**MET, "phone": "appelle-moi"}, "téléphone invalide"),
        ({**MET, "phone": "12"}, "téléphone invalide"),
        ({**MET, "email": "pas un courriel"}, "adresse électronique invalide"),
        ({**MET, "email": "x@" + "a" * 260 + ".fr"}, "trop long"),
        ({**MET, "full_name": " \x00\u200b "}, "le nom est obligatoire"),
        ({**MET, "full_name": "x" * 121}, "trop long"),
        ({**MET, "address": ""}, "l'adresse est obligatoire"),
        ({**MET, "address": "x" * 201}, "trop long"),
    ]
    for extra, message in cases:
        with pytest.raises(ContactError, match=message):
            contacts.add_contact(store, by=paul, **{**base, **extra})
    with pytest.raises(ZoneError, match="bureau de vote invalide"):
        contacts.add_contact(store, by=paul, **{**base, "station_id": "nulle-part"}, **MET)
    assert _rows(store, "contact") == [] and _log(store) == []
    # control and format characters are stripped, whitespace collapsed; empty phone/email are None
    cid = contacts.add_contact(store, by=paul, address_id=DOORS["45999_1"], address=" 12\true\u202e  des\x07 Lilas\n",
                               full_name="Zoé\u200b  Lefèvre\x1b", outcome="REFUS", consent=False, phone="  ", email="")
    assert _rows(store, "contact")[0][:8] == (cid, "45999_1", "12 rue des Lilas", "Zoé Lefèvre", None, None, False, "refus")
    # the storage refuses a phone without consent too (defence in depth)
    with pytest.raises(StoreIntegrityError), store.write() as con:
        con.execute("INSERT INTO contact (station_id, address, full_name, phone, consent, outcome, created_by, created_at) "
                    "VALUES ('45999_1', 'a', 'b', '0612345678', false, 'absent', 'cli', ?)", [T0])


def test_failure_inside_the_transaction_rolls_back(store: CampaignStore, people: dict[str, User],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "insert", broken)
    with pytest.raises(RuntimeError):
        contacts.add_contact(store, by=people["paul"], address_id=DOORS["45999_1"], address="1 rue A", full_name="Anne", **MET)
    monkeypatch.undo()
    assert _rows(store, "contact") == []


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_strings_are_bound_not_run(store: CampaignStore, people: dict[str, User], hostile: str) -> None:
    cid = contacts.add_contact(store, by=people["paul"], address_id=DOORS["45999_1"], address=hostile, full_name=hostile, **MET)
    frame = contacts.contacts(store, by=people["admin"])
    assert frame.loc[frame["contact_id"] == cid, ["address", "full_name"]].values.tolist() == [[hostile, hostile]]
    with pytest.raises(ContactError):
        contacts.add_contact(store, by=people["paul"], address_id=DOORS["45999_1"], address="a", full_name="b", outcome=hostile,
                             consent=False)
    with pytest.raises(ContactError):
        contacts.add_contact(store, by=people["paul"], address_id=hostile, address="a", full_name="b", outcome="absent", consent=False)
    with pytest.raises(ZoneError):
        contacts.add_contact(store, by=people["paul"], station_id=hostile, address="a", full_name="b", outcome="absent", consent=False)
    assert len(_rows(store, "contact")) == 1 and audit.verify_chain(store) is None


# -- export -----------------------------------------------------------------------------------
def test_export_gate_and_format(store: CampaignStore, people: dict[str, User]) -> None:
    _seeded(store)
    contacts.add_contact(store, by=people["paul"], address_id=DOORS["45999_1"], address="5 rue de l'Église", full_name="=1+1; \"Zoé\"",
                         phone="+33 6 12 34 56 78", email="zoe@exemple.fr", now=T0, **MET)
    for role in ("strategist", "canvasser", "viewer"):
        with pytest.raises(PermissionDenied, match="exporter"):
            contacts.export_contacts_csv(store, by=people[role])
    assert [row[1:] for row in _log(store)[-3:]] == [("permission_denied", "denied", '{"action": "export_personal_data"}')] * 3
    for role in ("admin", "candidate"):
        data = contacts.export_contacts_csv(store, by=people[role])
        assert _log(store)[-1] == (people[role].user_name, "export", "success", '{"excluded_opposed": 0, "format": "csv", "rows": 4}')
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == list(contacts.CSV_HEADERS.values())
    assert rows[0][:4] == ["n°", "bureau de vote", "adresse", "nom"]
    assert len(rows) == 5
    assert rows[1][1:] == ["45999_1", "1 rue de la Paix", "Anne Martin", "", "", "non", "absent", "cli", "2026-03-01 09:00:00",
                          DOORS["45999_1"], ""]
    # formulas neutralised for Excel; separators and quotes survive the round trip
    assert rows[4][2:9] == ["5 rue de l'Église", "'=1+1; \"Zoé\"", "'+33 6 12 34 56 78", "zoe@exemple.fr", "oui",
                            "personne rencontrée", "paul"]


def test_export_of_an_empty_store(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    data = contacts.export_contacts_csv(store, by="cli")
    assert data.decode("utf-8-sig").splitlines() == [";".join(contacts.CSV_HEADERS.values())]
    assert audit.entries(store, by="cli")[0].detail == {"format": "csv", "rows": 0, "excluded_opposed": 0}


# -- property: a canvasser reads exactly the rows at the doors of their zones ------------------
STATION_POOL = ["45999_1", "45999_2", "45999_12", "45001_1", "45001_1A", "2A004_3", "2B033_10", "97101_4"]
POOL = [f"b{j}@{s}" for s in STATION_POOL for j in range(2)]  # two doors per station: zones share stations, not doors


@st.composite
def campaigns(draw: st.DrawFn) -> dict[str, object]:
    doors = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=len(POOL), unique=True))
    zone_list = draw(st.lists(
        st.tuples(st.sets(st.sampled_from(doors), max_size=len(doors)), st.sets(st.sampled_from(CANVASSERS))),
        max_size=4,
    ))
    contact_list = draw(st.lists(st.tuples(st.sampled_from(POOL), st.sampled_from(sorted(contacts.OUTCOMES))), max_size=10))
    return {"zones": zone_list, "contacts": contact_list, "who": draw(st.sampled_from(CANVASSERS))}


def _station(door: str) -> str:
    return door.rpartition("@")[2]


@settings(max_examples=30, deadline=None)
@given(campaign=campaigns())
def test_property_canvassers_see_exactly_their_doors(template: tuple[CampaignStore, dict[str, User]], store_maker: StoreMaker,
                                                     campaign: dict) -> None:
    # Zones (with their stations and doors), assignments and contacts are seeded in one transaction (their
    # writes are tested one by one above); the reads under test are the real functions, scoped in their SQL.
    by_name = template[1]
    store = store_maker.clone(template[0])
    try:
        with store.write() as con:
            for table in ("zone_assignment", "zone_station", "zone_address", "zone"):
                con.execute(f"DELETE FROM {table}")
            zone_ids = []
            for index, (doors, assignees) in enumerate(campaign["zones"]):
                zid = con.execute("INSERT INTO zone (name, created_at, updated_at) VALUES (?, ?, ?) RETURNING zone_id",
                                  [f"Zone {index}", T0, T0]).fetchone()[0]
                zone_ids.append(zid)
                for station in sorted({_station(d) for d in doors}):
                    con.execute("INSERT INTO zone_station VALUES (?, ?)", [zid, station])
                for door in sorted(doors):
                    con.execute("INSERT INTO zone_address VALUES (?, ?, ?)", [zid, door, _station(door)])
                for user in assignees:
                    con.execute("INSERT INTO zone_assignment VALUES (?, ?, NULL, 'cli', ?)", [zid, user, T0])
            contact_ids = []
            for door, outcome in campaign["contacts"]:
                cid = con.execute(con.dialect.next_id("contact", "contact_id", "contact_seq")).fetchone()[0]
                con.execute(  # sealed as the store writes them (dashboard/store/crypto.py)
                    "INSERT INTO contact (contact_id, station_id, address_id, address, full_name, consent, outcome, created_by, "
                    "created_at) VALUES (?, ?, ?, ?, ?, false, ?, 'cli', ?)",
                    [cid, _station(door), door, crypto.seal("contact", "address", cid, "rue"),
                     crypto.seal("contact", "full_name", cid, "nom"), outcome, T0],
                )
                contact_ids.append(cid)
        # one canvasser records a contact at one of their doors (accepted) and at another door (refused)
        who = campaign["who"]
        theirs = set().union(*(d for d, assignees in campaign["zones"] if who in assignees))
        outside = [d for d in POOL if d not in theirs]
        if outside:
            with pytest.raises(PermissionDenied):
                contacts.add_contact(store, by=by_name[who], address_id=outside[0], address="rue", full_name="nom",
                                     outcome="absent", consent=False)
        rows = list(zip(contact_ids, (door for door, _ in campaign["contacts"])))
        if theirs:
            rows.append((contacts.add_contact(store, by=by_name[who], address_id=min(theirs), address="rue", full_name="nom",
                                              outcome="absent", consent=False), min(theirs)))
        for user in CANVASSERS:
            mine = [i for i, (_, assignees) in enumerate(campaign["zones"]) if user in assignees]
            doors = set().union(*(campaign["zones"][i][0] for i in mine))
            seen = contacts.contacts(store, by=by_name[user])
            assert seen["contact_id"].tolist() == [cid for cid, door in rows if door in doors]
            assert set(seen["address_id"]) <= doors
            assert sorted(z.zone_id for z in zones.zones_for(store, by=by_name[user])) == [zone_ids[i] for i in mine]
            assert zones.address_ids_for(store, by=by_name[user]) == doors
    finally:
        store_maker.drop(store)
