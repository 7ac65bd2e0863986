"""Consent per purpose and channel, the opposition list honoured on exports, message lists and walk sheets,
and the rights of people (access, erasure), on both backends."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.access.permissions import PermissionDenied
from dashboard.canvass.doors import drop_opposed_doors
from dashboard.canvass.sheet import drop_opposed
from dashboard.privacy.identity import identity
from dashboard.store import CampaignStore, audit, consent, contacts, crypto, messages, opposition, person, visits
from dashboard.store.person import Query
from dashboard.store.users import User
from tests.store.field_store import two_turfs

PASSWORD = "a-long-password-1"
T0 = datetime(2026, 3, 1, 9, 0, 0)
ACCOUNTS = {"dir": "admin", "cand": "candidate", "strat": "strategist", "paul": "canvasser", "lea": "canvasser"}
DOORS = ["a1@45999_1", "a2@45999_1", "a3@45999_2", "a4@45999_2"]
NAMES = ["Zoé Lefèvre", "Jean-Pierre de La Fontaine", "Inès N'Diaye", "Noël Martin", "Anne-Sophie Le Gall",
         "Joël Özdemir", "Chloé Da Costa", "Marie Dupont"]
STREETS = ["rue de la République", "avenue Jean Jaurès", "place du Marché", "impasse des Lilas"]


@pytest.fixture(scope="module")
def template(store_maker) -> tuple[CampaignStore, dict[str, User], list[int]]:  # type: ignore[no-untyped-def]
    store = store_maker.new()
    people, turf_ids, _ = two_turfs(store, ACCOUNTS, PASSWORD, DOORS, 3, T0)
    return store, people, turf_ids


@pytest.fixture
def setup(template, new_store: Callable[..., CampaignStore]):  # type: ignore[no-untyped-def]
    store, people, turf_ids = template
    return new_store(clone_of=store), people, turf_ids


def _contact(store: CampaignStore, name: str, address: str, door: str, choices=(("recontact", "email"),), **kw) -> int:  # type: ignore[no-untyped-def]
    return contacts.add_contact(store, by="cli", address_id=door, address=address, full_name=name, outcome="rencontre",
                                consent=bool(choices), email="x@example.fr" if choices else None,
                                phone="06 11 22 33 44" if choices else None, consents=choices, now=T0, **kw)


def test_consent_is_recorded_per_purpose_and_channel_with_its_proof_and_withdrawn_audited(setup) -> None:  # type: ignore[no-untyped-def]
    store, people, _ = setup
    cid = _contact(store, "Zoé Lefèvre", "12 rue de la République", DOORS[0],
                   choices=[("recontact", "email"), ("newsletter", "email"), ("volunteering", "telephone")])
    given_ = consent.consents_of(store, cid, by=people["dir"])
    assert {(k.purpose, k.channel) for k in given_} == {("recontact", "email"), ("newsletter", "email"),
                                                        ("volunteering", "telephone")}
    assert all(k.text == consent.DEFAULT_TEXTS[k.purpose] and k.text_version == 1 and k.collected_by == "cli"
               and k.given_at == T0 and k.active for k in given_)
    # a new wording is a new version; the earlier proofs keep the text they were given with
    consent.set_text(store, "newsletter", "Je veux recevoir la lettre de la campagne par les moyens cochés.", by=people["cand"])
    consent.record(store, cid, [("newsletter", "sms")], by=people["dir"])
    texts = {(k.purpose, k.channel): (k.text_version, k.text) for k in consent.consents_of(store, cid, by=people["dir"])}
    assert texts[("newsletter", "email")][0] == 1 and texts[("newsletter", "sms")][0] == 2
    assert texts[("newsletter", "sms")][1].startswith("Je veux recevoir")
    with pytest.raises(PermissionDenied):
        consent.withdraw(store, cid, by=people["strat"])
    assert consent.withdraw(store, cid, by=people["cand"], purpose="newsletter") == 2
    left = consent.consents_of(store, cid, by=people["dir"])
    assert {(k.purpose, k.channel) for k in left if k.active} == {("recontact", "email"), ("volunteering", "telephone")}
    assert all(k.withdrawn_by == "cand" for k in left if not k.active)
    log = audit.entries(store, by="cli")
    withdrawn = [e for e in log if e.action == "consent_withdrawn" and e.outcome == "success"]
    assert len(withdrawn) == 1 and withdrawn[0].user_name == "cand" and withdrawn[0].object_id == str(cid)
    assert len([e for e in log if e.action == "consent_given"]) == 4
    assert any(e.action == "permission_denied" and e.user_name == "strat" for e in log)
    assert "Lefèvre" not in json.dumps([e.detail for e in log], ensure_ascii=False)
    # the message list follows: the newsletter list is empty now, the volunteering one holds her
    assert messages.message_list(store, "newsletter", "email", by=people["cand"]).rows == []
    assert [r[1] for r in messages.message_list(store, "volunteering", "telephone", by=people["cand"]).rows] == ["Zoé Lefèvre"]
    with pytest.raises(PermissionDenied):
        messages.message_list(store, "recontact", "email", by=people["strat"])


def test_ne_plus_solliciter_from_the_field_opposes_the_door_automatically(setup) -> None:  # type: ignore[no-untyped-def]
    store, people, turf_ids = setup
    report = visits.sync(store, by=people["paul"], visits=[
        visits.VisitInput("00000000-0000-4000-8000-000000000001", turf_ids[0], DOORS[0], "ne_plus_solliciter", T0),
        visits.VisitInput("00000000-0000-4000-8000-000000000002", turf_ids[0], DOORS[1], "ouvert", T0)])
    assert len(report.new) == 2
    listed = opposition.load(store)
    assert listed.doors == {(DOORS[0], None)} and listed.door_opposed(DOORS[0], "any-household")
    [entry] = opposition.entries(store, by=people["dir"])
    assert (entry.source, entry.address_id, entry.entered_by) == ("terrain", DOORS[0], "paul")
    # a contact met at that door is left out of the export, and the count says so
    _contact(store, "Noël Martin", "1 rue de la République", DOORS[0])
    _contact(store, "Marie Dupont", "2 rue de la République", DOORS[1])
    export = contacts.export_contacts(store, by=people["cand"])
    assert (export.rows, export.excluded) == (1, 1)
    assert "Noël" not in export.content.decode("utf-8-sig") and "Marie Dupont" in export.content.decode("utf-8-sig")
    # the walk sheet leaves the door out and counts it
    sheet = pd.DataFrame({"order": [1, 2], "address_id": DOORS[:2], "household_id": [None, None]})
    kept, excluded = drop_opposed(sheet, listed.doors)
    assert list(kept["address_id"]) == [DOORS[1]] and excluded == 1 and list(kept["order"]) == [2]  # line numbers kept: the paper and the typed-back sheet agree


def test_a_request_by_post_follows_the_person_across_spellings(setup) -> None:  # type: ignore[no-untyped-def]
    store, people, _ = setup
    _contact(store, "jean pierre de lafontaine", "12 bis av. de la République", DOORS[2])
    _contact(store, "Jean Fontaine", "12 bis av. de la République", DOORS[3])  # another person
    with pytest.raises(PermissionDenied):
        opposition.add_request(store, by=people["strat"], source="courrier", received_on=date(2026, 3, 2),
                               birth_name="De La Fontaine", first_names="Jean-Pierre", birth_date="1970-04-03")
    with pytest.raises(opposition.OppositionError, match="date de naissance ou adresse"):
        opposition.add_request(store, by=people["dir"], source="courrier", received_on=date(2026, 3, 2),
                               birth_name="De La Fontaine", first_names="Jean-Pierre")
    opposition.add_request(store, by=people["dir"], source="courrier", received_on=date(2026, 3, 2),
                           birth_name="DE LA FONTAINE", first_names="Jean-Pierre Marie", birth_date="03/04/1970",
                           address="12 bis avenue de la République 93140 Bondy")
    listed = opposition.load(store)
    assert listed.is_opposed(identity(usage_name="Lafontaine", first_names="marie jean pierre", birth_date="1970-04-03"))
    assert not listed.is_opposed(identity(usage_name="Lafontaine", first_names="Jean-Pierre", birth_date="1971-04-03"))
    export = contacts.export_contacts(store, by=people["dir"])
    text = export.content.decode("utf-8-sig")
    assert export.excluded == 1 and "lafontaine" not in text and "Jean Fontaine" in text
    [entry] = opposition.entries(store, by=people["dir"])
    assert entry.identity["birth_name"] == "DE LA FONTAINE" and entry.received_on == date(2026, 3, 2)
    assert [e.detail for e in audit.entries(store, by="cli") if e.action == "opposition_add"] == [
        {"source": "courrier", "received_on": "2026-03-02"}]


def test_access_export_holds_everything_and_erasure_leaves_only_the_keyed_opposition(setup) -> None:  # type: ignore[no-untyped-def]
    store, people, turf_ids = setup
    cid = _contact(store, "Zoé Lefèvre", "12 rue de la République", DOORS[0],
                   choices=[("recontact", "email"), ("newsletter", "sms")])
    other = _contact(store, "Marie Dupont", "2 rue de la République", DOORS[1])
    visits.sync(store, by=people["paul"], visits=[
        visits.VisitInput("00000000-0000-4000-8000-000000000003", turf_ids[0], DOORS[0], "ouvert", T0)])
    consent.withdraw(store, cid, by="cli", purpose="newsletter", source="cli")
    opposition.add_request(store, by=people["dir"], source="courriel", received_on=date(2026, 3, 3),
                           birth_name="Lefèvre", first_names="Zoé", address="12 r. de la République")
    record = person.export_person(store, Query(full_name="zoe lefevre"), by=people["cand"])
    assert [c["contact_id"] for c in record.contacts] == [cid]
    assert {(k["purpose"], k["channel"], k["withdrawn_at"] is None) for k in record.consents} == {
        ("recontact", "email", True), ("newsletter", "sms", False)}
    assert all(k["text"] for k in record.consents)
    assert [v["outcome"] for v in record.visits] == ["ouvert"] and len(record.oppositions) == 1
    assert {a["action"] for a in record.audit} >= {"record_feedback", "consent_given", "consent_withdrawn", "opposition_add"}
    summary = record.summary_fr()
    assert "Zoé Lefèvre" in summary and "Consentement « lettre d'information » par SMS" in summary and "retiré" in summary
    assert json.loads(record.to_json())["contacts"][0]["email"] == "x@example.fr"
    assert person.export_person(store, Query(contact_id=cid), by=people["dir"]).counts() == record.counts()

    with pytest.raises(PermissionDenied):
        person.erase_person(store, Query(contact_id=cid), by=people["cand"])  # the admin only
    result = person.erase_person(store, Query(full_name="Zoé Lefèvre"), by=people["dir"])
    assert (result.contacts, result.consents, result.visits) == (1, 2, 1)
    assert len(result.oppositions_kept) == 2  # the letter's entry, and the keys of the contact's name and address
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM contact").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM consent WHERE contact_id = ?", [cid]).fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM visit WHERE address_id = ?", [DOORS[0]]).fetchone()[0] == 0
        rows = con.execute("SELECT identity, contact_id, match_keys, erased_at FROM opposition").fetchall()
    assert len(rows) == 2 and all(r[0] is None and r[1] is None and r[2] and r[3] for r in rows)
    # the decrypt path finds no trace of her: every sealed value of every table opened
    with store.read() as con:
        opened = [crypto.open_rows(t, con.execute(f"SELECT {i}, {', '.join(cs)} FROM {t}").fetchall(), [i, *cs])
                  for t, (i, cs) in crypto.ENCRYPTED.items()]
        log = con.execute("SELECT detail FROM audit_log").fetchall()
    assert "Lef" not in repr(opened) and "Lef" not in repr(log)
    # and she stays opposed: a new contact or list with her name and address is left out
    assert opposition.load(store).contact_opposed(99, "Zoé LEFEVRE", "12 rue de la Republique")
    assert person.export_person(store, Query(full_name="Marie Dupont"), by=people["dir"]).contacts[0]["contact_id"] == other
    erase = [e for e in audit.entries(store, by="cli") if e.action == "person_erase"]
    assert len(erase) == 1 and erase[0].detail["contacts"] == 1
    if store.path is not None:  # DuckDB: the file itself, checkpointed, holds no clear name
        with store.write() as con:
            con.execute("CHECKPOINT")
        store.close()
        raw = store.path.read_bytes()
        assert b"Lef\xc3\xa8vre" not in raw and b"Lefevre" not in raw and b"Marie Dupont" not in raw


contact_sets = st.lists(st.tuples(st.sampled_from(NAMES), st.integers(1, 40), st.sampled_from(STREETS),
                                  st.sampled_from(DOORS), st.booleans()), min_size=1, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contact_sets, st.lists(st.integers(0, 7), max_size=4), st.lists(st.sampled_from(DOORS), max_size=2),
       st.randoms(use_true_random=False))
def test_an_opposed_person_never_appears_on_an_export_a_message_list_or_a_walk_sheet(
        template, new_store, people_set, opposed_people, opposed_doors, rnd) -> None:  # type: ignore[no-untyped-def]
    base, people, _ = template
    store = new_store(clone_of=base)
    added = []
    for name, number, street, door, newsletter in people_set:
        choices = [("recontact", "email")] + ([("newsletter", "email")] if newsletter else [])
        added.append((_contact(store, name, f"{number} {street}", door, choices=choices), name, f"{number} {street}", door))
    opposed_contacts = set()
    for i in opposed_people:  # a letter naming one of them, spelled differently
        cid, name, address, _ = added[i % len(added)]
        words = name.split()
        opposition.add_request(store, by="cli", source=rnd.choice(["courriel", "courrier"]), received_on=date(2026, 3, 4),
                               usage_name=" ".join(words[1:]).upper(), first_names=words[0].lower(),
                               address=address.replace("avenue", "av.").replace("rue", "r."))
        opposed_contacts |= {c for c, n, a, _ in added if n == name and a == address}
    for door in opposed_doors:
        with store.write() as con:
            opposition.add_field_entries(con, [(None, door, None, None)], user="paul", now=T0)
        opposed_contacts |= {c for c, _, _, d in added if d == door}
    export = contacts.export_contacts(store, by="cli")
    exported = {int(r[0]) for r in csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";") if r[0].isdigit()}
    assert exported == {c for c, _, _, _ in added} - opposed_contacts
    assert export.excluded == len(opposed_contacts)  # never silently dropped
    for purpose in ("recontact", "newsletter"):
        listed = messages.message_list(store, purpose, "email", by="cli")
        ids = {r[0] for r in listed.rows}
        assert not ids & opposed_contacts
        consented = {c for (c, _, _, _), (_, _, _, _, nl) in zip(added, people_set, strict=True) if purpose == "recontact" or nl}
        assert ids | (consented & opposed_contacts) == consented and listed.excluded == len(consented & opposed_contacts)
    sheet = pd.DataFrame({"order": range(1, len(DOORS) + 1), "address_id": DOORS, "household_id": [None] * len(DOORS)})
    kept, excluded = drop_opposed(sheet, opposition.load(store).doors)
    assert not set(kept["address_id"]) & set(opposed_doors) and excluded == len(set(opposed_doors))
    phone = [{"address_id": d, "order": i + 1, "households": [], "history": []} for i, d in enumerate(DOORS)]
    shown, left_out = drop_opposed_doors(phone, opposition.load(store).door_opposed)  # the phone page's payload
    assert not {d["address_id"] for d in shown} & set(opposed_doors) and left_out == len(set(opposed_doors))


def _voters(store: CampaignStore, rows: list[tuple[str, str, str, str, str]]) -> None:
    """Fictitious electoral-list rows (birth name, usage name, first names, ISO birth date, address) in 45999."""
    from dashboard.store import voters as voter_store

    n = len(rows)
    frame = pd.DataFrame({
        "line": range(2, n + 2), "commune_code": ["45999"] * n, "station_id": ["45999_1"] * n, "list_kind": ["principale"] * n,
        "address_id": [DOORS[0]] * n, "candidate_id": [None] * n, "match_method": ["exact"] * n, "match_score": [100.0] * n,
        "match_status": ["auto"] * n, "match_reason": [None] * n, "birth_name": [r[0] for r in rows],
        "usage_name": [r[1] for r in rows], "first_names": [r[2] for r in rows], "birth_date": [r[3] for r in rows],
        "sex": ["F"] * n, "address": [r[4] for r in rows]})
    voter_store.store_voter_list(store, by="cli", voters=frame, file_name="liste.csv", file_sha256="0" * 64,
                                 election_date=date(2026, 3, 15), counts_={"rows": n, "matched": n}, options={}, now=T0)


def test_access_and_erasure_cover_the_electoral_list(setup) -> None:  # type: ignore[no-untyped-def]
    store, people, _ = setup
    _voters(store, [("LEFEVRE", "", "Zoé Marie", "1961-04-03", "12 rue de la République"),
                    ("MARTIN", "", "Noël", "1950-01-20", "3 place du Marché")])
    cid = _contact(store, "Zoé Lefèvre", "12 rue de la République", DOORS[0])
    record = person.export_person(store, Query(full_name="Zoé Lefèvre", birth_date="03/04/1961"), by=people["dir"])
    assert [v["birth_name"] for v in record.voters] == ["LEFEVRE"] and record.contacts[0]["contact_id"] == cid
    assert "Liste électorale importée (bureau 45999_1) : LEFEVRE Zoé Marie" in record.summary_fr()
    assert person.export_person(store, Query(full_name="Zoé Lefèvre", birth_date="1961-05-03"),
                                by=people["dir"]).counts()["voters"] == 1  # via her contact's address, not the wrong date
    with pytest.raises(PermissionDenied):
        person.export_person(store, Query(full_name="Zoé Lefèvre"), by=people["paul"])
    done = person.erase_person(store, Query(full_name="Zoé Lefèvre", birth_date="1961-04-03"), by=people["dir"])
    assert done.voters == 1 and done.contacts == 1
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM voter").fetchone()[0] == 1  # Noël Martin stays
    # only keys remain, and they keep her out of the next import (another file: first names reordered, upper case)
    assert opposition.load(store).is_opposed(identity(birth_name="Lefèvre", first_names="MARIE ZOE", birth_date="03/04/1961",
                                                      address="12 r. de la Republique"))
    assert not opposition.load(store).is_opposed(identity(birth_name="Martin", first_names="Noël", birth_date="1950-01-20"))
    assert person.export_person(store, Query(full_name="Zoé Lefèvre", birth_date="1961-04-03"),
                                by=people["dir"]).voters == []
    erase = [e for e in audit.entries(store, by="cli") if e.action == "person_erase"]
    assert erase[-1].detail["voters"] == 1 and "LEFEVRE" not in repr(erase[-1].detail)
