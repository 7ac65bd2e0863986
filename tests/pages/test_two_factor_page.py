"""Two-factor enrolment as Streamlit runs it (AppTest, whole app): the mandatory gate, the sidebar section, the admin reset."""

from __future__ import annotations

import time
from pathlib import Path

import pyotp
from streamlit.testing.v1 import AppTest

from dashboard.store import CampaignStore, audit, two_factor, users
from tests.apptest import app_test, maps, open_page
from tests.conftest import enrol_two_factor

PASSWORD = "brouette-cactus-lundi-47"


def _store(data_dir: Path) -> CampaignStore:
    return CampaignStore(data_dir / "campaign.duckdb")


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def _button(at: AppTest, label: str):  # noqa: ANN202 - AppTest element
    return next(b for b in at.button if b.label == label)


def _code_input(at: AppTest):  # noqa: ANN202 - AppTest element
    return next(t for t in at.text_input if "Code à 6 chiffres" in t.label)


def _secret(at: AppTest) -> str:
    """The key shown for manual entry (a 32-character base32 code block)."""
    return next(c.value for c in at.code if len(c.value) == 32 and c.value.isalnum())


def _next_code(secret: str) -> str:
    """A code of a step not used yet (the enrolment used the current one): the next step is within the window."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_a_real_candidate_sees_only_the_enrolment_screen_then_enrols(demo_env: Path) -> None:
    store = _store(demo_env)
    users.add_user(store, "claire", PASSWORD, "candidate", by="cli", display_name="Claire Martin")
    at = _ok(app_test("claire").run())
    assert at.title[0].value == "Double authentification obligatoire"
    assert "candidat" in at.info[0].value and "obligatoire" in at.info[0].value
    assert not maps(at) and not at.sidebar.children  # nothing else of the app, no navigation
    assert len(at.get("image")) == 1  # the QR code
    secret = _secret(at)
    assert two_factor.pending_secret(store, "claire") == secret
    # another page asked for by address: still the gate
    at = _ok(open_page(at, "terrain.py"))
    assert at.title[0].value == "Double authentification obligatoire" and not at.dataframe

    _code_input(at).input("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    at = _ok(_button(at, "Activer la double authentification").click().run())
    assert any("Code incorrect" in e.value for e in at.error)
    assert not two_factor.is_enrolled(store, "claire")

    _code_input(at).input(pyotp.TOTP(secret).now())
    at = _ok(_button(at, "Activer la double authentification").click().run())
    assert at.title[0].value == "Double authentification activée"
    codes = next(c.value for c in at.code if c.value.count("\n") == 9).split("\n")
    assert len(codes) == 10 and all(len(c) == 11 and c[5] == "-" for c in codes)
    assert at.get("download_button")
    assert two_factor.is_enrolled(store, "claire") and two_factor.status(store, "claire").recovery_codes_left == 10

    at = _ok(_button(at, "J'ai noté mes codes").click().run())
    assert maps(at)  # the app itself now
    assert not any("Codes de secours" in w.value for w in at.warning)  # shown once
    entries = audit.entries(store, by="cli", action="two_factor_enrol", user_name="claire")
    assert [e.outcome for e in entries] == ["success", "failure"]
    assert two_factor.verify(store, "claire", codes[0])  # the codes shown are the ones stored


def test_an_enrolled_admin_and_the_demo_admin_are_not_gated(demo_env: Path) -> None:
    store = _store(demo_env)
    boss = users.add_user(store, "directrice", PASSWORD, "admin", by="cli")
    enrol_two_factor(store, boss, pyotp.random_base32(32))
    for name in ("directrice", "admin"):
        at = _ok(app_test(name).run())
        assert maps(at), name
        assert not any(t.value.startswith("Double authentification") for t in at.title)


def test_a_canvasser_enrols_from_the_sidebar_and_turns_it_off(demo_env: Path) -> None:
    store = _store(demo_env)
    users.add_user(store, "paul", PASSWORD, "canvasser", by="cli")
    at = _ok(app_test("paul").run())
    assert not any(t.value.startswith("Double authentification") for t in at.title)  # optional for canvassers
    at = _ok(_button(at, "Activer la double authentification").click().run())
    secret = _secret(at)
    _code_input(at).input(pyotp.TOTP(secret).now())
    at = _ok(_button(at, "Activer la double authentification").click().run())
    assert two_factor.is_enrolled(store, "paul")
    assert any(c.value.count("\n") == 9 for c in at.code)
    at = _ok(_button(at, "J'ai noté mes codes").click().run())
    assert any("10 codes de secours restants" in c.value for c in at.caption)

    next(t for t in at.text_input if t.label == "Code à 6 chiffres de l'application").input(_next_code(secret))
    at = _ok(_button(at, "Désactiver la double authentification").click().run())
    assert any("désactivée" in s.value for s in at.success)
    assert not two_factor.is_enrolled(store, "paul")
    outcomes = [e.outcome for e in audit.entries(store, by="cli", action="two_factor_disable", user_name="paul")]
    assert outcomes == ["success"]


def test_an_admin_cannot_turn_it_off_and_can_reset_another_account(demo_env: Path) -> None:
    store = _store(demo_env)
    boss = users.add_user(store, "directrice", PASSWORD, "admin", by="cli")
    enrol_two_factor(store, boss, pyotp.random_base32(32))
    claire = users.add_user(store, "claire", PASSWORD, "candidate", by="cli")
    enrol_two_factor(store, claire, pyotp.random_base32(32))
    at = _ok(app_test("directrice").run())
    assert not any(b.label == "Désactiver la double authentification" for b in at.button)
    assert any("Obligatoire pour votre rôle" in c.value for c in at.caption)

    at = _ok(open_page(at, "admin.py"))
    at.selectbox(key="admin_target").set_value("claire")
    at = _ok(at.run())
    at = _ok(_button(at, "Réinitialiser la double authentification").click().run())
    assert any("Double authentification de « claire » réinitialisée" in s.value for s in at.success)
    assert not two_factor.is_enrolled(store, "claire")
    entry = audit.entries(store, by="cli", action="two_factor_reset")[0]
    assert (entry.user_name, entry.object_id, entry.outcome) == ("directrice", "claire", "success")
    # claire is asked to enrol again at her next visit
    assert _ok(app_test("claire").run()).title[0].value == "Double authentification obligatoire"
