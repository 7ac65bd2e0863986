"""Who a person is, across files from different sources: normalised identities and their matching.

The CNIL asks that an opposition « follow the person » across providers and files (seed 001): the
electoral list writes « DE LA FONTAINE Jean-Pierre Marie, né le 03/04/1970 », a letter « Jean Pierre
de la Fontaine », a contact typed at a door « jean-pierre delafontaine »… This module says when two
such records are the same person, with a **stated tolerance**, as pure functions (no store, no I/O),
so the store's opposition list, the electoral-list import and the tests all use the same rule.

**Normalisation** (:func:`fold`, :func:`surname_key`, :func:`given_names`, :func:`address_key`):

- text folded: Unicode NFKD, accents dropped, ligatures (œ, æ, ß) spelled out, lower case; hyphens,
  apostrophes, dots, commas and every other non-letter become spaces;
- surnames (birth name, usage name): the particles :data:`PARTICLES` (de, d', du, des, van, von, der,
  den, di, da, del, della, dos, das) are dropped, the remaining words joined without spaces:
  « de La Fontaine », « La Fontaine », « LAFONTAINE » → ``lafontaine`` (« Le », « La » are kept:
  they are part of the name, « Le Gall » ≠ « Gall »);
- first names: the set of words, so order and hyphens do not matter (« Jean-Pierre Marie » =
  « Marie Jean Pierre »);
- addresses: the house number with its suffix (``12 bis`` → ``12b``), the street type spelled out
  (:data:`STREET_TYPES`: ``av`` → ``avenue``, ``bd`` → ``boulevard``, ``st`` → ``saint``…), the
  words of the street with the articles :data:`STREET_STOPWORDS` dropped; postcode and commune are
  not part of the key (a letter often omits them).

**Matching** (:func:`same_person`), the tolerance:

1. one surname of each side equal (birth or usage name, either way round: a married name on one
   file, the birth name on the other);
2. first names: the smaller set of words included in the larger (a file may give only the first
   first name); a record known only by a full name (« Jean Dupont », a contact at a door) matches
   when the other side's surname and at least one of its first names are among its words;
3. birth dates, when both sides have one: equal, or day and month swapped (03/04 vs 04/03, a
   frequent inversion between French and foreign formats); **different birth dates never match**;
4. when either side has no birth date, the addresses must be equal after normalisation (a name
   alone is not enough: homonyms are common); with no birth date and no address, no match.

No fuzzy distance on names: a one-letter typo (« Dupond » / « Dupont ») is not matched, because on
a 50,000-voter list such a tolerance flags many homonyms; the admin enters the spelling of the
request. The figures of this choice are in ``docs/security.md`` (« Opposition »).

:class:`IdentityIndex` indexes many identities by surname key, so checking 50,000 people against
an opposition list costs a dictionary lookup and a few comparisons each.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

PARTICLES = frozenset({"de", "d", "du", "des", "van", "von", "der", "den", "di", "da", "del", "della", "dos", "das"})
STREET_TYPES: dict[str, str] = {
    "av": "avenue", "ave": "avenue", "bd": "boulevard", "boul": "boulevard", "bld": "boulevard", "r": "rue",
    "pl": "place", "imp": "impasse", "all": "allee", "ch": "chemin", "chem": "chemin", "rte": "route",
    "fg": "faubourg", "fbg": "faubourg", "sq": "square", "crs": "cours", "qu": "quai", "qua": "quai",
    "res": "residence", "resid": "residence", "lot": "lotissement", "sen": "sentier", "pas": "passage",
    "prom": "promenade", "st": "saint", "ste": "sainte", "gal": "general", "mal": "marechal", "pdt": "president",
}
STREET_STOPWORDS = frozenset({"de", "d", "du", "des", "la", "le", "les", "l", "a", "au", "aux", "et"})
NUMBER_SUFFIXES: dict[str, str] = {"bis": "b", "b": "b", "ter": "t", "t": "t", "quater": "q", "q": "q",
                                   "quinquies": "c", "c": "c", "a": "a"}
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l"})
_NON_LETTER = re.compile(r"[^a-z0-9]+")
_ADDRESS_NUMBER = re.compile(r"^(\d{1,5})\s*([a-z]*)$")
_POSTCODE = re.compile(r"\b\d{5}\b.*$")


def fold(text: object) -> str:
    """``text`` lower-cased, accents and ligatures spelled out, every non-letter-or-digit run a single space."""
    if text is None:
        return ""
    raw = str(text).translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", raw)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NON_LETTER.sub(" ", plain).strip()


def words(text: object) -> tuple[str, ...]:
    """The folded words of ``text``."""
    folded = fold(text)
    return tuple(folded.split()) if folded else ()


def surname_key(name: object) -> str:
    """A surname's key: folded, particles dropped, words joined (« de La Fontaine » → ``lafontaine``)."""
    kept = [w for w in words(name) if w not in PARTICLES]
    return "".join(kept)


def given_names(names: object) -> frozenset[str]:
    """First names as a set of folded words (order and hyphens ignored)."""
    return frozenset(words(names))


def address_key(address: object) -> str:
    """An address's key: number and suffix, street type spelled out, articles dropped; postcode and commune cut.

    « 12 bis, av. de la République 93140 Bondy » → ``12b avenue republique``; an empty string when
    nothing is left.
    """
    folded = fold(address)
    folded = _POSTCODE.sub("", folded).strip()
    tokens = folded.split()
    if not tokens:
        return ""
    number = ""
    if tokens[0].isdigit():
        number = tokens.pop(0)
        if tokens and tokens[0] in NUMBER_SUFFIXES and len(tokens) > 1:
            number += NUMBER_SUFFIXES[tokens.pop(0)]
    elif (m := _ADDRESS_NUMBER.match(tokens[0])) and m.group(2) in NUMBER_SUFFIXES:
        number = m.group(1) + NUMBER_SUFFIXES[m.group(2)]
        tokens.pop(0)
    street = [STREET_TYPES.get(t, t) for t in tokens]
    street = [t for t in street if t not in STREET_STOPWORDS]
    return " ".join([number, *street]).strip() if street or number else ""


def parse_date(value: object) -> date | None:
    """A date from a file or a form (ISO, JJ/MM/AAAA, JJ-MM-AAAA, JJ.MM.AAAA, AAAAMMJJ); None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"date de naissance illisible : « {text[:20]} » (attendu JJ/MM/AAAA)")


def birth_dates_match(a: object, b: object) -> bool:
    """Equal, or day and month swapped (both ≤ 12); False when either is missing."""
    return bool(birth_keys(a) & birth_keys(b))


def birth_keys(value: object) -> frozenset[str]:
    """A birth date as the set of its ISO form and, when day and month can be swapped, the swapped one:
    two dates match when their sets meet (:func:`birth_dates_match`), also once each key is hashed."""
    born = parse_date(value)
    if born is None:
        return frozenset()
    keys = {born.isoformat()}
    if born.day <= 12 and born.day != born.month:
        keys.add(date(born.year, born.day, born.month).isoformat())
    return frozenset(keys)


@dataclass(frozen=True)
class Identity:
    """What a file says about a person, normalised. Build with :func:`identity` or :func:`from_full_name`.

    Every field is a string or a set of strings, so :meth:`keyed` can replace each by a keyed hash and
    :func:`same_person` gives the same answer on the hashed records (the opposition list keeps only those).
    """

    surnames: frozenset[str] = frozenset()  # surname keys (birth and usage)
    first_names: frozenset[str] = frozenset()
    births: frozenset[str] = frozenset()  # birth_keys()
    address: str = ""  # address_key()
    full_words: frozenset[str] = frozenset()  # a record known only by a full name: its words (surnames empty)
    keys: frozenset[str] = frozenset()  # lookup keys: the surnames, or a full name's words and runs of words

    @property
    def empty(self) -> bool:
        return not self.keys

    def keyed(self, digest: Callable[[str], str]) -> Identity:
        """The same identity with every value replaced by ``digest(value)`` (a keyed hash)."""
        def each(values: frozenset[str]) -> frozenset[str]:
            return frozenset(digest("v:" + v) for v in values)

        return Identity(surnames=each(self.surnames), first_names=each(self.first_names), births=each(self.births),
                        address=digest("a:" + self.address) if self.address else "", full_words=each(self.full_words),
                        keys=each(self.keys))

    def to_json(self) -> dict[str, object]:
        return {"s": sorted(self.surnames), "f": sorted(self.first_names), "b": sorted(self.births), "a": self.address,
                "w": sorted(self.full_words), "k": sorted(self.keys)}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Identity:
        def each(name: str) -> frozenset[str]:
            return frozenset(str(v) for v in data.get(name) or ())  # type: ignore[union-attr]

        return cls(surnames=each("s"), first_names=each("f"), births=each("b"), address=str(data.get("a") or ""),
                   full_words=each("w"), keys=each("k"))


def identity(*, birth_name: object = None, usage_name: object = None, first_names: object = None,
             birth_date: object = None, address: object = None) -> Identity:
    """A person as a structured file gives them (electoral list, a letter entered by the admin)."""
    surnames = frozenset(k for k in (surname_key(birth_name), surname_key(usage_name)) if k)
    return Identity(surnames=surnames, first_names=given_names(first_names), births=birth_keys(birth_date),
                    address=address_key(address), keys=surnames)


def from_full_name(full_name: object, *, birth_date: object = None, address: object = None) -> Identity:
    """A person known by one « full name » field (a contact at a door): which word is the surname is unknown,
    so each word and each run of two or three words (« le gall », « de la fontaine ») is a possible surname."""
    ws = [w for w in words(full_name) if w not in PARTICLES]
    keys = set(ws)
    for size in (2, 3):
        keys.update("".join(ws[i:i + size]) for i in range(len(ws) - size + 1))
    return Identity(full_words=frozenset(words(full_name)), births=birth_keys(birth_date), address=address_key(address),
                    keys=frozenset(keys))


def _names_match(a: Identity, b: Identity) -> bool:
    if a.surnames and b.surnames:
        if not a.surnames & b.surnames:
            return False
        small, large = sorted((a.first_names, b.first_names), key=len)
        return bool(small) and small <= large
    if a.surnames or b.surnames:  # one structured, one full name
        structured, loose = (a, b) if a.surnames else (b, a)
        return bool(structured.surnames & loose.keys) and bool(structured.first_names & loose.full_words)
    # two full names: one's words all among the other's (at least two words)
    small, large = sorted((a.full_words, b.full_words), key=len)
    return len(small) >= 2 and small <= large


def same_person(a: Identity, b: Identity) -> bool:
    """Whether ``a`` and ``b`` are the same person under the module's stated tolerance (symmetric)."""
    if a.empty or b.empty or not _names_match(a, b):
        return False
    if a.births and b.births:
        return bool(a.births & b.births)
    return bool(a.address) and a.address == b.address


T = TypeVar("T")


class IdentityIndex(Generic[T]):
    """Identities with a payload (an opposition entry's id…), indexed by surname key for fast matching."""

    def __init__(self, entries: Iterable[tuple[Identity, T]] = ()) -> None:
        self._by_key: dict[str, list[tuple[Identity, T]]] = defaultdict(list)
        self._size = 0
        for person, payload in entries:
            self.add(person, payload)

    def __len__(self) -> int:
        return self._size

    def add(self, person: Identity, payload: T) -> None:
        if person.empty:
            return
        self._size += 1
        for key in person.keys:
            self._by_key[key].append((person, payload))

    def matches(self, person: Identity) -> Iterator[T]:
        """The payloads of the indexed identities that are ``person`` (each once)."""
        seen: set[int] = set()
        for key in person.keys:
            for candidate, payload in self._by_key.get(key, ()):
                if id(candidate) not in seen and same_person(candidate, person):
                    seen.add(id(candidate))
                    yield payload

    def contains(self, person: Identity) -> bool:
        """Whether any indexed identity is ``person``: the import's exclusion predicate."""
        return next(self.matches(person), None) is not None
