"""Identity matching across files: the stated tolerance holds (variants match), different people do not."""

from __future__ import annotations

import hashlib
import hmac
import random
import time
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.privacy.identity import (
    IdentityIndex,
    address_key,
    birth_keys,
    from_full_name,
    identity,
    same_person,
    surname_key,
)

SURNAMES = ["Dupont", "Lefèvre", "de La Fontaine", "N'Diaye", "Le Gall", "Müller-Schmidt", "Özdemir", "Œuvrard",
            "Saint-Éloi", "van der Berg", "Da Costa", "Martin"]
FIRSTS = ["Jean", "Marie", "Éloïse", "Jean-Pierre", "Anne-Sophie", "Zoé", "Noël", "Inès", "Joël", "Chloé"]
STREETS = ["rue de la République", "avenue Jean Jaurès", "boulevard Saint-Michel", "place du Marché", "impasse des Lilas"]
ABBREVIATIONS = {"avenue": "av.", "boulevard": "bd", "place": "pl.", "impasse": "imp.", "rue": "r.", "Saint": "St"}
DIGEST = lambda v: hmac.new(b"test-key", v.encode(), hashlib.sha256).hexdigest()[:32]  # noqa: E731


def _vary_case(text: str, rnd: random.Random) -> str:
    return "".join(c.upper() if rnd.random() < 0.5 else c.lower() for c in text)


def _strip_accents(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _variant_name(name: str, rnd: random.Random) -> str:
    out = name
    if rnd.random() < 0.5:
        out = _strip_accents(out).replace("œ", "oe").replace("Œ", "OE")
    if rnd.random() < 0.5:
        out = out.replace("-", " ") if "-" in out else out
    if rnd.random() < 0.3:
        out = out.replace("de La ", "La ").replace("van der ", "der ")
    return _vary_case(out, rnd)


def _variant_address(number: int, suffix: str, street: str, rnd: random.Random) -> str:
    words = [ABBREVIATIONS.get(w, w) if rnd.random() < 0.5 else w for w in street.split()]
    number_text = f"{number}{suffix[:1].upper()}" if suffix and rnd.random() < 0.5 else f"{number} {suffix}".strip()
    tail = " 93140 Bondy" if rnd.random() < 0.5 else ""
    return _vary_case(f"{number_text}, {' '.join(words)}{tail}", rnd)


people = st.tuples(st.sampled_from(SURNAMES), st.lists(st.sampled_from(FIRSTS), min_size=1, max_size=3, unique=True),
                   st.dates(date(1920, 1, 1), date(2008, 12, 31)), st.integers(1, 300), st.sampled_from(["", "bis", "ter"]),
                   st.sampled_from(STREETS), st.randoms(use_true_random=False))


@settings(max_examples=120, deadline=None)
@given(people)
def test_variants_of_one_person_match(person: tuple) -> None:
    surname, firsts, born, number, suffix, street, rnd = person
    a = identity(birth_name=surname, first_names=" ".join(firsts), birth_date=born,
                 address=f"{number} {suffix} {street}".replace("  ", " "))
    shuffled = list(firsts)
    rnd.shuffle(shuffled)
    swapped = date(born.year, born.day, born.month) if born.day <= 12 and rnd.random() < 0.5 else born
    b = identity(usage_name=_variant_name(surname, rnd), first_names=" ".join(_variant_name(f, rnd) for f in shuffled),
                 birth_date=swapped.strftime("%d/%m/%Y"))
    assert same_person(a, b) and same_person(b, a)
    # without birth date on one side the normalised address decides
    c = identity(birth_name=_variant_name(surname, rnd), first_names=_variant_name(firsts[0], rnd),
                 address=_variant_address(number, suffix, street, rnd))
    assert same_person(a, c), (address_key(a.address), c.address)
    # a contact typed at a door, full name in any order, with the address
    full = f"{_variant_name(firsts[0], rnd)} {_variant_name(surname, rnd)}"
    d = from_full_name(full, address=_variant_address(number, suffix, street, rnd))
    assert same_person(a, d) and same_person(d, a)
    # all of this also holds on the keyed hashes the opposition list keeps
    assert same_person(a.keyed(DIGEST), b.keyed(DIGEST)) and same_person(a.keyed(DIGEST), d.keyed(DIGEST))


@settings(max_examples=120, deadline=None)
@given(people, st.dates(date(1920, 1, 1), date(2008, 12, 31)))
def test_different_birth_dates_never_match(person: tuple, other: date) -> None:
    surname, firsts, born, number, suffix, street, rnd = person
    if other == born or birth_keys(other) & birth_keys(born):
        return  # the same date, or its day/month swap: the stated tolerance
    address = f"{number} {street}"
    a = identity(birth_name=surname, first_names=" ".join(firsts), birth_date=born, address=address)
    b = identity(birth_name=_variant_name(surname, rnd), first_names=" ".join(firsts), birth_date=other, address=address)
    assert not same_person(a, b)
    assert not same_person(a.keyed(DIGEST), b.keyed(DIGEST))


def test_other_names_or_addresses_do_not_match() -> None:
    a = identity(birth_name="Dupont", first_names="Jean", birth_date="1970-03-04", address="12 rue de la Paix")
    assert not same_person(a, identity(birth_name="Dupond", first_names="Jean", birth_date="1970-03-04"))  # no typo tolerance
    assert not same_person(a, identity(birth_name="Dupont", first_names="Paul", birth_date="1970-03-04"))
    assert not same_person(a, identity(birth_name="Dupont", first_names="Jean", address="14 rue de la Paix"))
    assert not same_person(a, identity(birth_name="Dupont", first_names="Jean"))  # a name alone is not enough
    assert same_person(a, identity(birth_name="DUPONT", first_names="jean", birth_date="04/03/1970"))  # day/month swap
    assert not same_person(a, identity(birth_name="Dupont", first_names="Jean", birth_date="1971-03-04"))


def test_normalisation_rules() -> None:
    assert surname_key("de La Fontaine") == surname_key("LA FONTAINE") == surname_key("Lafontaine") == "lafontaine"
    assert surname_key("Le Gall") == "legall" and surname_key("N'Diaye") == "ndiaye"
    assert address_key("12 bis, av. de la République 93140 Bondy") == address_key("12B AVENUE REPUBLIQUE") == \
        "12b avenue republique"
    assert address_key("3 ter bd St-Michel") == "3t boulevard saint michel"


def person(i: int):  # noqa: ANN201
    return identity(birth_name=f"Nom{i % 9000}", first_names=FIRSTS[i % len(FIRSTS)],
                    birth_date=date(1950 + i % 50, 1 + i % 12, 1 + i % 28), address=f"{i % 200} rue {i % 300}")


def test_an_index_answers_many_checks_quickly() -> None:
    """5,000 keyed entries, 5,000 checks (the figure for 50,000 is in docs/security.md, « Opposition »)."""
    index = IdentityIndex((person(i).keyed(DIGEST), i) for i in range(0, 10_000, 2))
    queries = [person(i) for i in range(1, 10_001, 2)]
    start = time.perf_counter()
    hits = sum(index.contains(q.keyed(DIGEST)) for q in queries)
    seconds = time.perf_counter() - start
    assert hits == 0
    assert seconds < 10, seconds
    assert index.contains(person(10).keyed(DIGEST))
