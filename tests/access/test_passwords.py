"""The password policy: common, personal, repeated and sequential passwords refused in French; strong ones pass."""

from __future__ import annotations

import secrets
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.access import passwords, totp
from dashboard.access.passwords import personal_words, weakness

WORDS = personal_words("mdupont", "Marie-Hélène Dupont", "Municipales Bondy 2026")


@pytest.mark.parametrize("password", [
    "aaaaaaaaaa", "1234567890", "motdepasse", "azertyuiop", "soleil2024!",  # the examples
    "Motdepasse", "MOTDEPASSE!", "m0td3p@sse", "P@ssw0rd2024", "qwertyuiop", "iloveyou12", "sunshine!!",
    "un-mot-de-passe", "password1234", "doudou2025!", "Marseille13!",
])
def test_common_passwords_are_refused(password: str) -> None:
    reason = weakness(password, words=WORDS)
    assert reason is not None and reason.startswith("mot de passe refusé : il ")
    assert "courant" in reason or "répète" in reason or "suite" in reason


@pytest.mark.parametrize("password", [
    "mdupont2026", "MDupont!!!!", "Dupont-Dupont", "marie-helene1", "MarieHélène!", "b0ndy-2026-b0ndy", "Isoloir2026!",
    "dupont123456", "Bondy-Municipales", "m4r13-h3l3n3",
])
def test_passwords_built_from_the_user_or_campaign_are_refused(password: str) -> None:
    assert weakness(password, words=WORDS) == (
        "mot de passe refusé : il est construit sur votre nom d'utilisateur, votre nom ou le nom de la campagne")


@pytest.mark.parametrize("password", ["abcabcabca", "xyzxyzxyzxyz", "zzzzzzzzzzzz", "0987654321", "abcdefghijkl",
                                      "qsdfghjklm", "ZYXWVUTSRQ"])
def test_repeats_and_sequences_are_refused(password: str) -> None:
    reason = weakness(password, words=WORDS)
    assert reason is not None and ("répète" in reason or "suite" in reason or "courant" in reason)


def test_length_limits_stay() -> None:
    assert weakness("Kq8#zW2!", words=WORDS) == "mot de passe trop court : 10 caractères au moins"
    assert weakness("é" * 40, words=WORDS) == "mot de passe trop long : 72 octets au plus"


@pytest.mark.parametrize("password", [
    "correct-horse-battery", "directrice-de-test-2026", "un-mot-de-passe-solide", "Tortue verte sous la pluie",
    "Kq8#zW2!vLp0", "brouette-cactus-lundi-47",
])
def test_strong_passwords_pass(password: str) -> None:
    assert weakness(password, words=WORDS) is None


def test_the_bundled_list_is_real_and_large() -> None:
    common = passwords.common_passwords()
    assert len(common) >= 30_000
    assert {"123456", "password", "azerty", "motdepasse", "soleil"} <= common


def test_personal_words_fold_case_and_accents() -> None:
    assert {"mdupont", "marie", "helene", "dupont", "mariehelenedupont", "municipales", "bondy", "isoloir"} <= set(WORDS)
    assert "2026" not in WORDS  # digits alone are no personal word


_ALPHABET = string.ascii_letters + string.digits + "!#%&*+-=?@^_"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ALPHABET, min_size=16, max_size=40).filter(lambda s: len(set(s)) >= 10))
def test_random_long_passwords_are_accepted_unless_built_on_a_word(password: str) -> None:
    """16+ random characters of 10+ distinct ones: accepted, except when they happen to hold a common word."""
    reason = weakness(password, words=WORDS)
    if reason is not None:
        assert "courant" in reason or "votre nom" in reason or "mots" in reason or "suite" in reason, (password, reason)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(passwords.common_passwords())), st.sampled_from(["", "1", "2024", "!", "123!", "?", "@@"]),
       st.booleans())
def test_every_listed_password_with_digits_or_symbols_around_it_is_refused(word: str, suffix: str, capital: bool) -> None:
    password = (word.capitalize() if capital else word) + suffix
    assert weakness(password, words=WORDS) is not None


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["mdupont", "marie", "dupont", "bondy", "municipales", "isoloir"]),
       st.sampled_from(["", "1", "2026", "!!", "123", "2026!"]), st.integers(min_value=1, max_value=3),
       st.sampled_from([str.lower, str.upper, str.capitalize]))
def test_every_personal_word_repeated_or_padded_is_refused(word: str, suffix: str, times: int, case) -> None:  # type: ignore[no-untyped-def]
    password = case(word * times) + suffix
    if len(password) >= passwords.MIN_LENGTH:
        assert weakness(password, words=WORDS) is not None


def test_generated_recovery_codes_and_secrets_are_not_weak() -> None:
    # the app's own random material would pass the policy (a sanity check of the policy's false positives)
    for _ in range(20):
        assert weakness(totp.new_secret(), words=WORDS) is None
        assert weakness(secrets.token_urlsafe(12), words=WORDS) is None
