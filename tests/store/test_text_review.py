"""Visit notes and contact remarks through the sensitive-mention guard (``store/text_review.py``), on both backends:
on every write path (the phone's sync and its resends, the paper sheet, the Terrain contact form's function) a
caught text is only in the review queue until a supervisor approves, edits or deletes it; household tags are
refused outright; one review list with the questionnaires' answers."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.access.permissions import PermissionDenied
from dashboard.privacy.evaluation import read_cases
from dashboard.privacy.sensitive import detect
from dashboard.store import CampaignStore, audit, contacts, crypto, text_review, visits
from dashboard.store.users import User
from dashboard.store.visits import HouseholdInput, VisitInput
from tests.campaign_stores import StoreMaker
from tests.store.field_store import two_turfs
from tests.store.test_questionnaires import PRIVACY

PASSWORD = "a-long-password-1"
T0 = datetime(2026, 3, 1, 9, 0, 0)
ACCOUNTS = {"dir": "admin", "cand": "candidate", "strat": "strategist", "paul": "canvasser", "lea": "canvasser"}
DOORS = ["b1@45999_1", "b2@45999_1", "b3@45999_1", "b4@45999_2"]
TEXTS = [" ".join(c.text.split())[:text_review.MAX_NOTE]
         for name in ("sensitive_cases.tsv", "sensitive_holdout.tsv") for c in read_cases(PRIVACY / name)]
HEALTH = "Mme Martin sort de l'hôpital, très fatiguée"
CLEAN = "Chien dans le jardin, sonner fort"


@pytest.fixture(scope="module")
def template(store_maker: StoreMaker) -> tuple[CampaignStore, dict[str, User], list[int]]:
    store = store_maker.new()
    people, turf_ids, _ = two_turfs(store, ACCOUNTS, PASSWORD, DOORS, 2, T0)
    return store, people, turf_ids


@pytest.fixture
def store(template, new_store: Callable[..., CampaignStore]) -> CampaignStore:  # noqa: ANN001
    return new_store(clone_of=template[0])


@pytest.fixture(scope="module")
def prop_store(template, store_maker: StoreMaker) -> CampaignStore:  # noqa: ANN001
    return store_maker.clone(template[0])


def _rows(store: CampaignStore, sql: str, params: list) -> list[tuple]:
    with store.read() as con:
        return con.execute(sql, params).fetchall()


def _stored_note(store: CampaignStore, visit_id: str) -> str | None:
    [(token,)] = _rows(store, "SELECT note FROM visit WHERE visit_id = ?", [visit_id])
    return crypto.open_("visit", "note", visit_id, token)


def _held(store: CampaignStore, kind: str, target: object) -> list[str]:
    return [crypto.open_("text_review", "text", r, t) for r, t in _rows(
        store, "SELECT review_id, text FROM text_review WHERE kind = ? AND target_id = ?", [kind, str(target)])]


def _stored_remark(store: CampaignStore, contact_id: int) -> str | None:
    [(token,)] = _rows(store, "SELECT remark FROM contact WHERE contact_id = ?", [contact_id])
    return crypto.open_("contact", "remark", contact_id, token)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.sampled_from(TEXTS), resend=st.booleans(), admin=st.booleans())
def test_a_caught_note_never_reaches_the_visit_unapproved(prop_store: CampaignStore, template, text: str, resend: bool,  # noqa: ANN001
                                                          admin: bool) -> None:
    """Property over the detector's test sentences: sent from the phone by a canvasser or an admin (once, or again
    as after a lost answer), a caught note is only in the queue, a clean one only in the visit; nothing is lost."""
    _, people, (t1, _) = template
    visit = VisitInput(str(uuid.uuid4()), t1, DOORS[0], "ouvert", T0, None, 1, note=text)
    by = people["dir"] if admin else people["paul"]
    report = visits.sync(prop_store, by=by, visits=[visit])
    if resend:
        again = visits.sync(prop_store, by=by, visits=[visit])
        assert visit.visit_id in again.held and not again.notes_held
    held = _held(prop_store, "visit_note", visit.visit_id)
    if detect(text).sensitive:
        assert _stored_note(prop_store, visit.visit_id) is None and held == [text]
        assert visit.visit_id in report.notes_held and "mention sensible" in report.notes_held[visit.visit_id]
    else:
        assert _stored_note(prop_store, visit.visit_id) == text and held == [] and not report.notes_held


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.sampled_from(TEXTS))
def test_a_caught_remark_never_reaches_the_contact_unapproved(prop_store: CampaignStore, template, text: str) -> None:  # noqa: ANN001
    _, people, _ = template
    contact_id = contacts.add_contact(prop_store, by=people["paul"], address_id=DOORS[1], address="2 rue B",
                                      full_name="Personne Fictive", outcome="rencontre", consent=False, remark=text)
    caught = detect(text).sensitive
    assert contacts.remark_held(prop_store, contact_id) is caught
    assert _stored_remark(prop_store, contact_id) == (None if caught else text)
    assert _held(prop_store, "contact_remark", contact_id) == ([text] if caught else [])


def test_one_review_list_and_the_decisions(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, t2) = template
    note_visit = VisitInput(str(uuid.uuid4()), t1, DOORS[0], "ouvert", T0, None, 1, note=HEALTH)
    visits.sync(store, by=people["paul"], visits=[note_visit])
    remark_id = contacts.add_contact(store, by=people["lea"], address_id=DOORS[2], address="3 rue C", full_name="Fictif Un",
                                     outcome="rencontre", consent=False, remark="Syndiqué à la CGT, militant actif")
    gone_id = contacts.add_contact(store, by="cli", station_id="45999_2", address="4 rue D", full_name="Fictif Deux",
                                   outcome="rencontre", consent=False, remark="Il est homosexuel")
    with pytest.raises(PermissionDenied):
        text_review.held_texts(store, by=people["strat"])
    held = text_review.held_texts(store, by=people["cand"])
    assert [(h.kind, h.text) for h in held] == [("visit_note", HEALTH), ("contact_remark", "Syndiqué à la CGT, militant actif"),
                                                ("contact_remark", "Il est homosexuel")]
    assert held[0].categories == ["sante"] and "syndicat" in held[1].categories and all(h.categories for h in held)
    with pytest.raises(PermissionDenied):
        text_review.decide(store, held[0].review_id, "approve", by=people["paul"])
    text_review.decide(store, held[0].review_id, "edit", text="Repasser après 18 h", by=people["cand"])
    assert _stored_note(store, note_visit.visit_id) == "Repasser après 18 h"
    text_review.decide(store, held[1].review_id, "approve", by=people["dir"])
    assert _stored_remark(store, remark_id) == "Syndiqué à la CGT, militant actif"
    with store.write() as con:  # the contact erased meanwhile: approving stores nothing
        con.execute("DELETE FROM contact WHERE contact_id = ?", [gone_id])
    text_review.decide(store, held[2].review_id, "approve", by=people["dir"])
    assert text_review.held_texts(store, by=people["dir"]) == []
    with pytest.raises(text_review.ReviewError, match="déjà traité"):
        text_review.decide(store, held[2].review_id, "delete", by=people["dir"])
    decisions = [(e.detail["decision"], e.detail["stored"]) for e in audit.entries(store, by="cli", action="text_review")]
    assert decisions == [("approve", False), ("approve", True), ("edit", True)]  # newest first; never the text
    assert all(HEALTH not in str(e.detail) for e in audit.entries(store, by="cli"))


def test_household_tags_with_a_sensitive_mention_are_refused(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, _ = template
    ok, bad = str(uuid.uuid4()), str(uuid.uuid4())
    report = visits.sync(store, by=people["paul"], households=[
        HouseholdInput(ok, DOORS[0], T0, label="2e gauche"), HouseholdInput(bad, DOORS[0], T0, label="handicapé, fauteuil")])
    assert report.households == [ok] and "mention sensible" in report.households_rejected[bad]


def test_a_note_too_long_is_refused_in_french(store: CampaignStore, template) -> None:  # noqa: ANN001
    _, people, (t1, _) = template
    visit = VisitInput(str(uuid.uuid4()), t1, DOORS[0], "absent", T0 + timedelta(minutes=1), None, 2, note="x" * 281)
    report = visits.sync(store, by=people["paul"], visits=[visit])
    assert visit.visit_id in report.rejected and "280" in report.rejected[visit.visit_id]
    with pytest.raises(contacts.ContactError, match="280"):
        contacts.add_contact(store, by="cli", station_id="45999_1", address="a", full_name="b", outcome="absent",
                             consent=False, remark="y" * 281)
