"""French detector of the GDPR's special categories in free text (art. 9 and 10), before it is stored.

:func:`detect` says whether a note (questionnaire answer, visit note, contact remark) mentions a
person's health, religion, political opinion beyond the campaign's own purpose, union membership,
sex life or sexual orientation, racial or ethnic origin, or criminal matters, with the categories
and the character spans that triggered them. Pure: no database, no Streamlit; the lexicon is
``lexicon.toml`` beside this module (package data).

How a text is read:

- **folded**: lower case, accents and ligatures removed (« Église », « EGLISE », « eglise » are one
  word), character by character so spans point into the original text;
- **cut into words** on everything that is not a letter or a digit (apostrophes and hyphens too:
  « l'hôpital » is ``l`` ``hopital``, « sans-papiers » is ``sans`` ``papiers``), so a word never
  matches inside another (« culte » is not found in « culture », « malade » not in « maladroit »);
- **words by lemma**: each lexicon word stands for its inflected forms, taken from simplemma's
  French dictionary (every form whose lemma is the word, accents folded) plus the regular
  feminine and plural endings for words of five letters or more (``musulman`` → ``musulmane``,
  ``musulmans``…); words of two letters and the function words of phrases match only as written;
- **phrases**: sequences of words, each slot inflected the same way (« être à l'hôpital » matches
  « est à l'hôpital », « était à l'hôpital »);
- **cued words**: ambiguous words (``PS``, ``SUD``, ``Renaissance``) count only when a cue word
  (``vote``, ``syndicat``, ``militant``…) comes within a few words before them;
- **exclusions**: a category's ``exclude`` phrases cancel its mentions inside them (« à l'étranger »
  is not an origin), and a mention right after a street or place word is a place name, not a
  mention (« rue de l'Église », « place de la Mosquée », « près de l'hôpital »);
- **negation-insensitive**: « n'est pas malade » is still a mention of health, as the CNIL's list
  of forbidden mentions concerns the subject, not its truth.

The campaign's own purpose: a voter's intention towards *this* campaign belongs to the
questionnaire's structured field, and a note repeating it (« soutient notre liste », « indécis »)
is not caught. Any other political content in free text is: a party, a politician, a left/right
leaning, membership, activism, whoever it is about (the person met or a third party).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

# Stable ids, in the order categories are reported, with their French labels.
CATEGORIES: dict[str, str] = {
    "sante": "santé",
    "religion": "religion",
    "opinion_politique": "opinion politique",
    "syndicat": "appartenance syndicale",
    "vie_sexuelle": "vie sexuelle ou orientation sexuelle",
    "origine": "origine raciale ou ethnique",
    "penal": "infractions et condamnations",
}

# Words a phrase slot matches only as written (never inflected).
FUNCTION_WORDS = frozenset(
    "a au aux d de des du en et l la le les un une sa son ses se s sur par pour dans avec ne n pas qu que y "
    "il elle ils elles on est c j m t".split()
)
# A mention right after one of these words (with only links between) is a place name.
PLACE_WORDS = frozenset(
    "rue place avenue av impasse allee chemin boulevard bd quai square route cours parvis passage sentier ruelle "
    "voie rond carrefour quartier cite residence lieu station parking clos hameau faubourg villa sente esplanade "
    "promenade mail venelle traverse montee pres face cote derriere angle coin jusqu".split()
)
PLACE_LINKS = frozenset("dit de du des la le les l d saint sainte st ste a au aux vieille ancienne grande petite".split())
REGULAR_MIN = 5  # words this long or longer also take the regular feminine and plural endings
_WORD = re.compile(r"[a-z0-9]+")
_LIGATURES = {"œ": "oe", "æ": "ae", "Œ": "oe", "Æ": "ae"}


@dataclass(frozen=True)
class Span:
    """One mention: ``text[start:end]`` of the original text, its category and the lexicon entry it matched."""

    start: int
    end: int
    category: str
    term: str


@dataclass(frozen=True)
class Detection:
    """What :func:`detect` found: ``categories`` in :data:`CATEGORIES` order, each once."""

    sensitive: bool
    categories: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)

    @property
    def labels_fr(self) -> list[str]:
        return [CATEGORIES[c] for c in self.categories]

    @property
    def summary_fr(self) -> str:
        """« Mentions sensibles : santé, religion. » for a message to the person who wrote the text; ``""`` when none."""
        if not self.categories:
            return ""
        plural = "s" if len(self.categories) > 1 else ""
        return f"Mention{plural} sensible{plural} : {', '.join(self.labels_fr)}."


@dataclass(frozen=True)
class _Phrase:
    category: str
    term: str
    slots: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class _Cued:
    category: str
    term: str
    cues: frozenset[str]
    window: int


@dataclass(frozen=True)
class _Lexicon:
    words: dict[str, list[tuple[str, str]]]
    phrases: dict[str, list[_Phrase]]
    cued: dict[str, list[_Cued]]
    excludes: dict[str, dict[str, list[_Phrase]]]  # category → first word's forms → phrases


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _LIGATURES:
        return _LIGATURES[ch]
    decomposed = unicodedata.normalize("NFKD", ch.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold(text: str) -> str:
    """Lower case, no accents, ligatures spelt out (« Œuvre À l'Église » → « oeuvre a l'eglise »)."""
    return "".join(_fold_char(ch) for ch in text)


def _fold_with_origin(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index of the original character it comes from."""
    pieces: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        piece = _fold_char(ch)
        pieces.append(piece)
        origin.extend([index] * len(piece))
    return "".join(pieces), origin


def words(text: str) -> list[str]:
    """The folded words of ``text`` as the detector sees them."""
    return _WORD.findall(fold(text))


def _regular(word: str) -> set[str]:
    """Regular feminine and plural forms of a (folded) adjective or noun; nonsense forms are harmless."""
    forms = {word, word + "s", word + "x", word + "e", word + "es"}
    for ending, feminines in (("eux", ("euse", "euses")), ("if", ("ive", "ives")), ("en", ("enne", "ennes")),
                              ("el", ("elle", "elles")), ("on", ("onne", "onnes")), ("al", ("aux", "ale", "ales")),
                              ("er", ("ere", "eres")), ("teur", ("trice", "trices")), ("eur", ("euse", "euses")),
                              ("et", ("ette", "ettes"))):
        if word.endswith(ending):
            stem = word[: -len(ending)]
            forms |= {stem + f for f in feminines}
    return forms


def _dictionary_forms(lemmas: Iterable[str]) -> dict[str, set[str]]:
    """Folded lemma → folded forms, from simplemma's French dictionary, for the lexicon's words only."""
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    wanted = set(lemmas)
    found: dict[str, set[str]] = {lemma: set() for lemma in wanted}
    for form, lemma in DefaultDictionaryFactory().get_dictionary("fr").items():
        folded = lemma.lower() if lemma.isascii() else fold(lemma)  # most lemmas: the quick way
        if folded in wanted:
            found[folded].add(fold(form))
    return found


def _tokens(phrase: str) -> list[str]:
    return _WORD.findall(fold(phrase))


def _check(raw: dict[str, dict[str, object]]) -> None:
    """Refuse, before anything is built, a lexicon the detector would read otherwise than written."""
    unknown = set(raw) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"lexicon: unknown categories {sorted(unknown)}")
    for category, section in raw.items():
        for item in section.get("words", []):  # type: ignore[union-attr]
            if len(_tokens(str(item))) != 1:
                raise ValueError(f"lexicon: « {item} » ({category}) is not one word: put it in phrases")
        for item in [*section.get("phrases", []), *section.get("exclude", [])]:  # type: ignore[misc]
            if len(_tokens(str(item))) < 2:
                raise ValueError(f"lexicon: phrase of one word « {item} » ({category}): put it in words")
        for cued in section.get("cued", []):  # type: ignore[union-attr]
            for term in cued["terms"]:
                if len(_tokens(str(term))) != 1:
                    raise ValueError(f"lexicon: cued term « {term} » ({category}) is not one word")


def _build(raw: dict[str, dict[str, object]]) -> _Lexicon:
    _check(raw)
    entries: list[str] = []
    for section in raw.values():
        for key in ("words", "phrases", "exclude"):
            for item in section.get(key, []):  # type: ignore[union-attr]
                entries.extend(_tokens(str(item)))
        for cued in section.get("cued", []):  # type: ignore[union-attr]
            for key in ("cues", "terms"):
                for item in cued[key]:
                    entries.extend(_tokens(str(item)))
    content = {w for w in entries if w not in FUNCTION_WORDS and len(w) > 2}
    by_lemma = _dictionary_forms(content)

    @lru_cache(maxsize=None)
    def forms(word: str) -> frozenset[str]:
        if word in FUNCTION_WORDS or len(word) <= 2:
            return frozenset({word})
        found = {word} | by_lemma.get(word, set())
        if len(word) >= REGULAR_MIN:
            found |= _regular(word)
        return frozenset(found)

    def phrase(category: str, text: str) -> _Phrase:
        return _Phrase(category, text, tuple(forms(t) for t in _tokens(text)))

    lexicon = _Lexicon({}, {}, {}, {})
    for category, section in raw.items():
        for item in section.get("words", []):  # type: ignore[union-attr]
            for form in forms(_tokens(str(item))[0]):
                lexicon.words.setdefault(form, []).append((category, str(item)))
        for item in section.get("phrases", []):  # type: ignore[union-attr]
            built = phrase(category, str(item))
            for form in built.slots[0]:
                lexicon.phrases.setdefault(form, []).append(built)
        for item in section.get("exclude", []):  # type: ignore[union-attr]
            built = phrase(category, str(item))
            for form in built.slots[0]:
                lexicon.excludes.setdefault(category, {}).setdefault(form, []).append(built)
        for cued in section.get("cued", []):  # type: ignore[union-attr]
            cues = frozenset().union(*(forms(t) for c in cued["cues"] for t in _tokens(str(c))))
            for term in cued["terms"]:
                built_cued = _Cued(category, str(term), cues, int(cued.get("window", 3)))
                for form in forms(_tokens(str(term))[0]):
                    lexicon.cued.setdefault(form, []).append(built_cued)
    return lexicon


@lru_cache(maxsize=1)
def lexicon() -> _Lexicon:
    """The shipped lexicon, built once per process (about half a second: simplemma's dictionary is read)."""
    text = (resources.files("dashboard") / "privacy" / "lexicon.toml").read_text(encoding="utf-8")
    return _build(tomllib.loads(text))


def _matches(tokens: list[str], start: int, slots: tuple[frozenset[str], ...]) -> bool:
    if start + len(slots) > len(tokens):
        return False
    return all(tokens[start + k] in slot for k, slot in enumerate(slots))


def _after_place_word(tokens: list[str], start: int) -> bool:
    j = start - 1
    while j >= 0 and tokens[j] in PLACE_LINKS:
        j -= 1
    return j >= 0 and tokens[j] in PLACE_WORDS


def detect(text: str, lex: _Lexicon | None = None) -> Detection:
    """The sensitive mentions of ``text`` (any length; ``""`` is not sensitive)."""
    lex = lex or lexicon()
    folded, origin = _fold_with_origin(text)
    found = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(folded)]
    tokens = [t for t, _, _ in found]
    hits: list[tuple[int, int, str, str]] = []
    for i, token in enumerate(tokens):
        for category, term in lex.words.get(token, ()):
            hits.append((i, i + 1, category, term))
        for built in lex.phrases.get(token, ()):
            if _matches(tokens, i, built.slots):
                hits.append((i, i + len(built.slots), built.category, built.term))
        for cued in lex.cued.get(token, ()):
            if any(tokens[j] in cued.cues for j in range(max(0, i - cued.window), i)):
                hits.append((i, i + 1, cued.category, cued.term))
    if not hits:
        return Detection(False)
    # reach[category][i]: the furthest end of the category's exclusions starting at or before word i,
    # so a mention from word ``first`` to ``last`` lies inside one when reach[first] >= last.
    reach: dict[str, list[int]] = {}
    for category in {h[2] for h in hits} & lex.excludes.keys():
        furthest, row = 0, []
        for i, token in enumerate(tokens):
            for built in lex.excludes[category].get(token, ()):
                if _matches(tokens, i, built.slots):
                    furthest = max(furthest, i + len(built.slots))
            row.append(furthest)
        reach[category] = row
    spans: list[Span] = []
    for first, last, category, term in hits:
        if (category in reach and reach[category][first] >= last) or _after_place_word(tokens, first):
            continue
        spans.append(Span(origin[found[first][1]], origin[found[last - 1][2] - 1] + 1, category, term))
    spans = sorted(set(spans), key=lambda s: (s.start, s.end, s.category, s.term))
    categories = [c for c in CATEGORIES if any(s.category == c for s in spans)]
    return Detection(bool(categories), categories, spans)


def as_json_dict(text: str) -> dict[str, object]:
    """The ``isoloir sensitive-check`` record of one text: ``{"text", "sensitive", "categories"}``."""
    found = detect(text)
    return {"text": text, "sensitive": found.sensitive, "categories": found.categories}
