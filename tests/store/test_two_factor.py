"""Two-factor authentication in the campaign store, on both backends: enrolment, verification,
replay refusal, recovery codes used once (also in parallel), disable, admin reset, audit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import bcrypt
import pytest

from dashboard.access import totp
from dashboard.access.permissions import PermissionDenied, ROLES
from dashboard.store import CampaignStore, audit, two_factor, users
from dashboard.store.two_factor import TwoFactorError

T0 = datetime(2026, 3, 1, 9, 0, 0)
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())


@pytest.fixture
def store(new_store: Callable[..., CampaignStore]) -> CampaignStore:
    s = new_store()
    users.add_user(s, "directrice", PASSWORD, "admin", by="cli", now=T0)
    users.add_user(s, "paul", PASSWORD, "canvasser", by="cli", now=T0)
    return s


def _code(secret: str, at: datetime) -> str:
    return totp.code_at(secret, totp.step_of(at.replace(tzinfo=timezone.utc).timestamp()))


def _enrol(store: CampaignStore, name: str, at: datetime = T0) -> tuple[str, list[str]]:
    user = users.get_user(store, name)
    secret = two_factor.start_enrolment(store, user, now=at)
    codes = two_factor.confirm_enrolment(store, user, _code(secret, at), now=at)
    return secret, codes


def _actions(store: CampaignStore, action: str) -> list[tuple[str | None, str, dict]]:
    """Newest first, by id (the tests pass times out of order)."""
    found = sorted(audit.entries(store, by="cli", action=action), key=lambda e: -e.id)
    return [(e.object_id, e.outcome, e.detail) for e in found]


def test_required_follows_the_export_permission() -> None:
    assert {role for role in ROLES if two_factor.required(role)} == {"admin", "candidate"}


def test_enrolment_needs_a_right_code_and_gives_ten_recovery_codes(store: CampaignStore) -> None:
    admin = users.get_user(store, "directrice")
    assert not two_factor.is_enrolled(store, "directrice") and two_factor.must_enrol(store, admin)
    secret = two_factor.start_enrolment(store, admin, now=T0)
    assert two_factor.pending_secret(store, "directrice") == secret and not two_factor.is_enrolled(store, "directrice")
    wrong = f"{(int(_code(secret, T0)) + 1) % 1_000_000:06d}"
    with pytest.raises(TwoFactorError, match="code incorrect"):
        two_factor.confirm_enrolment(store, admin, wrong, now=T0)
    codes = two_factor.confirm_enrolment(store, admin, _code(secret, T0), now=T0)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert two_factor.is_enrolled(store, "directrice") and not two_factor.must_enrol(store, admin)
    assert two_factor.status(store, "directrice").recovery_codes_left == 10
    with pytest.raises(TwoFactorError, match="déjà activée"):
        two_factor.start_enrolment(store, admin, now=T0)
    with store.read() as con:  # digests only: no recovery code in clear
        stored = [r[0] for r in con.execute("SELECT code_hash FROM user_recovery_code").fetchall()]
    assert not set(codes) & set(stored) and len(stored) == 10
    assert [o for _, o, _ in _actions(store, "two_factor_enrol")] == ["success", "failure"]


def test_verify_accepts_a_code_once_and_refuses_its_replay(store: CampaignStore) -> None:
    secret, _ = _enrol(store, "directrice")
    later = T0 + timedelta(minutes=5)
    code = _code(secret, later)
    assert two_factor.verify(store, "directrice", code, now=later)
    assert not two_factor.verify(store, "directrice", code, now=later)  # replay in the same step
    assert not two_factor.verify(store, "directrice", code, now=later + timedelta(seconds=20))  # still in the window
    # the previous step is within the window but older than the one used: refused too
    assert not two_factor.verify(store, "directrice", _code(secret, later - timedelta(seconds=30)), now=later)
    # the next step works, and a code 30 s early or late (clock drift) is accepted
    assert two_factor.verify(store, "directrice", _code(secret, later + timedelta(seconds=30)), now=later + timedelta(seconds=5))
    assert not two_factor.verify(store, "directrice", _code(secret, later + timedelta(minutes=3)), now=later + timedelta(minutes=1))
    assert not two_factor.verify(store, "directrice", "abcdef", now=later)
    assert not two_factor.verify(store, "paul", "123456", now=later)  # not enrolled
    outcomes = [(o, d.get("reason")) for _, o, d in reversed(_actions(store, "two_factor_verify"))]
    assert outcomes == [("success", None), ("failure", "code_already_used"), ("failure", "code_already_used"),
                        ("failure", "code_already_used"), ("success", None), ("failure", "wrong_code"),
                        ("failure", "wrong_code"), ("failure", "not_enrolled")]
    assert audit.verify_chain(store) is None


def test_a_recovery_code_works_once(store: CampaignStore) -> None:
    _, codes = _enrol(store, "directrice")
    later = T0 + timedelta(hours=1)
    assert two_factor.verify(store, "directrice", codes[3].upper().replace("-", " "), now=later)  # typed loosely
    assert not two_factor.verify(store, "directrice", codes[3], now=later)
    assert not two_factor.verify(store, "paul", codes[4], now=later)  # another user's code: no
    assert two_factor.status(store, "directrice").recovery_codes_left == 9
    assert [(o, d) for _, o, d in _actions(store, "two_factor_recovery_used")] == [("success", {"codes_left": 9})]


def test_parallel_use_of_one_recovery_code_succeeds_exactly_once(store: CampaignStore) -> None:
    _, codes = _enrol(store, "directrice")
    results: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def attempt() -> None:
        try:
            barrier.wait()
            results.append(two_factor.verify(store, "directrice", codes[0]))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(results) == [False] * 7 + [True]
    assert len(_actions(store, "two_factor_recovery_used")) == 1
    assert len(_actions(store, "two_factor_verify")) == 7
    assert audit.verify_chain(store) is None


def test_parallel_use_of_one_totp_code_succeeds_exactly_once(store: CampaignStore) -> None:
    secret, _ = _enrol(store, "directrice")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    code = _code(secret, now)
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def attempt() -> None:
        barrier.wait()
        results.append(two_factor.verify(store, "directrice", code, now=now))

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]


def test_regenerate_replaces_every_recovery_code(store: CampaignStore) -> None:
    secret, old = _enrol(store, "directrice")
    admin = users.get_user(store, "directrice")
    later = T0 + timedelta(minutes=2)
    with pytest.raises(TwoFactorError, match="code incorrect"):
        two_factor.regenerate_recovery_codes(store, admin, "000000" if _code(secret, later) != "000000" else "111111", now=later)
    new = two_factor.regenerate_recovery_codes(store, admin, _code(secret, later), now=later)
    assert len(new) == 10 and not set(new) & set(old)
    assert not two_factor.verify(store, "directrice", old[0], now=later)
    assert two_factor.verify(store, "directrice", new[0], now=later)


def test_disable_is_refused_where_required_and_needs_a_code_elsewhere(store: CampaignStore) -> None:
    secret, _ = _enrol(store, "directrice")
    with pytest.raises(TwoFactorError, match="obligatoire"):
        two_factor.disable(store, users.get_user(store, "directrice"), _code(secret, T0 + timedelta(minutes=1)), now=T0)
    assert two_factor.is_enrolled(store, "directrice")
    secret, _ = _enrol(store, "paul")
    paul = users.get_user(store, "paul")
    assert not two_factor.must_enrol(store, paul) and not two_factor.required("canvasser")
    later = T0 + timedelta(minutes=3)
    with pytest.raises(TwoFactorError, match="code incorrect"):
        two_factor.disable(store, paul, "12", now=later)
    two_factor.disable(store, paul, _code(secret, later), now=later)
    assert not two_factor.is_enrolled(store, "paul") and two_factor.status(store, "paul").recovery_codes_left == 0
    assert [(who, o) for who, o, _ in _actions(store, "two_factor_disable")] == [
        ("paul", "success"), ("paul", "failure"), ("directrice", "denied")]


def test_reset_by_an_admin_only_and_audited(store: CampaignStore) -> None:
    _enrol(store, "paul")
    with pytest.raises(PermissionDenied):
        two_factor.reset(store, "directrice", by=users.get_user(store, "paul"))
    two_factor.reset(store, "paul", by=users.get_user(store, "directrice"), now=T0)
    assert not two_factor.is_enrolled(store, "paul")
    with pytest.raises(TwoFactorError, match="inconnu"):
        two_factor.reset(store, "personne", by="cli")
    entries = audit.entries(store, by="cli", action="two_factor_reset")
    assert [(e.user_name, e.object_id, e.detail) for e in entries] == [("directrice", "paul", {"was_enrolled": True})]
    assert [e.detail for e in audit.entries(store, by="cli", action="permission_denied")] == [{"action": "manage_users"}]


def test_demo_accounts_are_exempt_from_the_mandatory_enrolment(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    users.ensure_demo_accounts(store, now=T0)
    assert not two_factor.must_enrol(store, users.get_user(store, "admin"))
    users.add_user(store, "cand", PASSWORD, "candidate", by="cli")
    assert two_factor.must_enrol(store, users.get_user(store, "cand"))
