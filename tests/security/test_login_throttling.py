"""Login throttling that an attacker cannot turn against the account's owner (issue 12, rows 6 and 7).

Row 6: 40 parallel wrong passwords on one account: every one counted, no raw exception in any answer,
and the right password from the attacker's address is then refused.
Row 7: the owner still logs in from their own address; unknown names are throttled the same way; the
answers never tell whether the account exists.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import bcrypt
import pytest

from dashboard.store import CampaignStore, audit, users
from tests.security.conftest import Client

LEAKS = ("Traceback", "Exception", "TransactionException", "ResourceInUse", "/work/", "site-packages")
PARALLEL = 40


def _message(body: str) -> str:
    match = re.search(r'<div class="msg err" role="alert">([^<]*)</div>', body)
    return html.unescape(match.group(1)) if match else ""


@pytest.mark.e2e
def test_forty_parallel_wrong_passwords_all_count_and_leak_nothing(secure_app: tuple[str, Path]) -> None:
    url, data_dir = secure_app
    attacker = "203.0.113.40"

    def guess(n: int) -> tuple[int, str]:
        client = Client(url, address=attacker)
        answer = client.log_in("admin", f"mauvais-{n}-mot-de-passe")
        return answer.status, answer.body

    with ThreadPoolExecutor(PARALLEL) as pool:
        answers = list(pool.map(guess, range(PARALLEL)))
    for status, body in answers:
        assert status == 401 and not any(word in body for word in LEAKS), body[:800]
        assert _message(body).startswith(("Nom d'utilisateur ou mot de passe incorrect", "Trop d'essais de connexion"))
    store = CampaignStore(data_dir / "campaign.duckdb")
    attempts = [e for e in audit.entries(store, by="cli", action="login", user_name="admin")
                if e.detail.get("client") == attacker]
    assert len(attempts) == PARALLEL  # every guess is in the log
    failures = [e for e in attempts if e.outcome == "failure"]
    assert max(e.detail["pair_failures"] for e in failures) == len(failures)  # counted one by one
    assert {e.outcome for e in attempts} == {"failure", "throttled"}
    # the right password from the attacker's address is refused now, with a message about the address only
    right = Client(url, address=attacker).log_in("admin", "demo-admin")
    assert right.status == 401 and "adresse" in _message(right.body) and "admin" not in _message(right.body)
    # the owner, elsewhere, logs in
    assert Client(url, address="198.51.100.20").log_in("admin", "demo-admin").status == 303
    assert audit.verify_chain(store) is None


@pytest.mark.e2e
def test_unknown_and_known_names_get_the_same_answers(secure_app: tuple[str, Path]) -> None:
    url, _ = secure_app
    unknown = Client(url, address="203.0.113.41").log_in("personne", "n-importe-quoi-123")
    known = Client(url, address="203.0.113.42").log_in("viewer", "n-importe-quoi-123")
    assert unknown.status == known.status == 401
    assert _message(unknown.body) == _message(known.body) == "Nom d'utilisateur ou mot de passe incorrect."
    spray = [Client(url, address="203.0.113.43").log_in("personne", "n-importe-quoi-123") for _ in range(6)]
    throttled = [_message(a.body) for a in spray if "Trop d'essais" in _message(a.body)]
    assert throttled and all("personne" not in m for m in throttled)  # unknown names are throttled too


@pytest.fixture(autouse=True)
def _fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())


def test_parallel_failures_are_counted_atomically_on_both_backends(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    users.add_user(store, "chef", "correct-horse-battery", "admin", by="cli")

    def guess(n: int) -> users.LoginResult:
        return users.verify_login(store, "chef", f"mauvais-{n}", client="203.0.113.9")

    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(guess, range(PARALLEL)))
    assert not any(r.ok for r in results)
    logins = audit.entries(store, by="cli", action="login", user_name="chef")
    assert len(logins) == PARALLEL
    failures = sorted(e.detail["pair_failures"] for e in logins if e.outcome == "failure")
    assert failures == list(range(1, len(failures) + 1))  # no lost update
    assert len(failures) >= users.PAIR_FREE
    assert users.verify_login(store, "chef", "correct-horse-battery", client="203.0.113.9").outcome is users.LoginOutcome.LOCKED
    assert users.verify_login(store, "chef", "correct-horse-battery", client="198.51.100.1").ok
    assert audit.verify_chain(store) is None
