"""Password policy: refuse common and guessable passwords, with a French explanation. Pure.

:func:`weakness` returns ``None`` for an acceptable password, otherwise the French message saying
why it is refused. The checks, in order:

1. length: ``MIN_LENGTH`` (10) characters at least, ``MAX_BYTES`` (72, bcrypt's limit) at most;
2. **a common password**, or one with only a few characters, digits or a sequence added to one
   (``un-mot-de-passe``): the 30,000 most frequent passwords of the leaked-password frequency
   list shipped with ``zxcvbn`` (the bundled list, ``COMMON``), plus a few French ones it lacks
   (``FRENCH_COMMON``), compared after lower-casing, removing accents, undoing leetspeak
   (``p@ssw0rd``) and stripping the digits and symbols added around it (``soleil2024!``);
3. **built from personal words**: the user name, the parts of the display name, the campaign's
   name (and ``isoloir``), in any case, with leetspeak, digits or symbols added, or repeated;
4. **a repeat or a sequence**: one character or one short pattern repeated (``aaaaaaaaaa``,
   ``abcabcabca``), a run of consecutive characters (``1234567890``, ``abcdefghij``,
   ``9876543210``) or a keyboard row (``azertyuiop``, ``qwertyuiop``);
5. **too guessable overall**: ``zxcvbn``'s estimate (with the personal words as its user inputs)
   below ``MIN_SCORE`` (3, about 10⁸ guesses), explained by its weakest pattern in French.

The demo accounts' published passwords (``demo-<role>``) are not checked here: the store
accepts them only for a demo account (``dashboard.store.users.check_password``, ``demo=True``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 10
MAX_BYTES = 72
MIN_SCORE = 3
# The rule in one French sentence, for the help of password fields.
POLICY_FR = ("10 caractères au moins ; ni un mot de passe courant, ni votre nom ou celui de la campagne, "
             "ni une suite ou une répétition. Quelques mots sans rapport entre eux font un bon mot de passe.")
# French passwords frequent in leaks that the (mostly English) zxcvbn list lacks or ranks low.
FRENCH_COMMON: frozenset[str] = frozenset({
    "motdepasse", "azerty", "azertyuiop", "azertyui", "azerty123", "soleil", "doudou", "loulou", "chouchou",
    "bonjour", "marseille", "coucou", "nicolas", "camille", "chocolat", "princesse", "jetaime", "tequiero",
    "marine", "julien", "isabelle", "celine", "amour", "bisous", "toulouse", "paris", "france", "vacances",
    "liberte", "egalite", "fraternite", "republique", "democratie", "election", "elections", "municipales",
    "campagne", "candidat", "candidate", "mairie", "maire", "directeur", "directrice", "militant", "secret",
    "bienvenue", "administrateur", "utilisateur", "connexion", "changeme", "password", "motdepass",
})
KEYBOARD_ROWS = ("azertyuiop", "qsdfghjklm", "wxcvbn", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890",
                 "qwertzuiop", "yxcvbnm", "&é\"'(-è_çà")
_LEET = str.maketrans({"0": "o", "1": "i", "!": "i", "|": "i", "3": "e", "4": "a", "@": "a", "5": "s", "$": "s",
                       "7": "t", "+": "t", "8": "b", "9": "g", "€": "e"})
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")  # digits and symbols around a word
_LEADING = re.compile(r"^[\W\d_]+")
_TRAILING = re.compile(r"[\W\d_]+$")
_WORD = re.compile(r"[a-z0-9]+")

_PATTERN_FR = {
    "repeat": "il répète les mêmes caractères",
    "sequence": "il contient une suite de caractères (abcd, 1234…)",
    "spatial": "il suit des touches voisines du clavier",
    "regex": "il repose sur une année",
    "date": "il repose sur une date",
    "bruteforce": "il est trop court ou trop simple pour résister à un essai systématique",
}


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list: zxcvbn's 30,000 most common leaked passwords and the French additions."""
    return frozenset(FREQUENCY_LISTS["passwords"]) | FRENCH_COMMON


def fold(text: str) -> str:
    """Lower case without accents (« Éléonore » → « eleonore »)."""
    decomposed = unicodedata.normalize("NFKD", str(text).lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _deleet_near_letters(text: str) -> str:
    """Leetspeak undone only where a letter is next to it (``b0ndy-2026`` → ``bondy-2026``), repeatedly."""
    chars = list(text)
    changed = True
    while changed:
        changed = False
        for i, c in enumerate(chars):
            plain = c.translate(_LEET)
            if plain == c:
                continue
            near = [chars[j] for j in (i - 1, i + 1) if 0 <= j < len(chars)]
            if any(n.isalpha() for n in near):
                chars[i] = plain
                changed = True
    return "".join(chars)


def _variants(password: str) -> set[str]:
    """The password folded, de-leeted (everywhere, or next to letters), and each of those without the
    digits and symbols around it (both ends, or one end), and without separators."""
    folded = fold(password)
    forms = {folded, folded.translate(_LEET), _deleet_near_letters(folded)}
    stripped = set()
    for form in forms:
        stripped |= {_EDGES.sub("", form), _LEADING.sub("", form), _TRAILING.sub("", form)}
    forms |= stripped
    forms |= {re.sub(r"[\W_]+", "", form) for form in list(forms)}  # « mot-de-passe » → « motdepasse »
    return {form for form in forms if form}


def personal_words(*texts: str | None) -> list[str]:
    """Words of 3 letters or more from user names, display names, campaign names (folded, de-leeted)."""
    words = {"isoloir"}
    for text in texts:
        if not text:
            continue
        folded = fold(text)
        words |= {w for w in _WORD.findall(folded) if len(w) >= 3 and not w.isdigit()}
        joined = re.sub(r"[^a-z0-9]+", "", folded)
        if len(joined) >= 3 and not joined.isdigit():
            words.add(joined)
    return sorted(words, key=lambda w: (-len(w), w))


def _is_repeat(text: str) -> bool:
    """One unit of at most a third of the text repeated (the last copy may be cut short)."""
    n = len(text)
    for size in range(1, max(1, n // 3) + 1):
        unit = text[:size]
        if (unit * (n // size + 1))[:n] == text:
            return True
    return False


def _is_sequence(text: str) -> bool:
    """Consecutive code points, rising or falling, or a run along a keyboard row."""
    if len(text) < 3:
        return False
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:])}
    if len(steps) == 1 and steps <= {1, -1}:
        return True
    for row in KEYBOARD_ROWS:
        if text in row or text in row[::-1]:
            return True
    return False


def _longest_common_part(text: str, common: frozenset[str]) -> str | None:
    """The longest part of ``text``, 6 characters or more, that is a common password (None if none)."""
    for size in range(len(text), 5, -1):
        for start in range(len(text) - size + 1):
            if text[start:start + size] in common:
                return text[start:start + size]
    return None


def _trivial(rest: str) -> bool:
    """What is left once the personal or common words are taken out adds no strength."""
    core = re.sub(r"[\W_]+", "", rest)
    return len(core) < 4 or core.isdigit() or _is_repeat(core) or _is_sequence(core)


def weakness(password: str, *, words: Iterable[str] = ()) -> str | None:
    """Why ``password`` is refused (a French message: « mot de passe trop court : … », « mot de passe
    refusé : il figure parmi les mots de passe les plus courants »…), or ``None`` when it is acceptable.

    ``words``: the personal words it must not be built from (see :func:`personal_words`).
    """
    if len(password) < MIN_LENGTH:
        return f"mot de passe trop court : {MIN_LENGTH} caractères au moins"
    if len(password.encode("utf-8")) > MAX_BYTES:
        return f"mot de passe trop long : {MAX_BYTES} octets au plus"
    variants = _variants(password)
    common = common_passwords()
    if any(form in common for form in variants):
        return _refused("il figure parmi les mots de passe les plus courants")
    for form in variants:
        found = _longest_common_part(form, common)
        if found and _trivial(form.replace(found, " ", 1)):
            return _refused("il est construit sur un mot de passe très courant")
    personal = [w for w in words if len(w) >= 3]
    for form in variants:
        rest = form
        used = False
        for word in personal:
            if word in rest:
                rest = rest.replace(word, " ")
                used = True
        if used and _trivial(rest):
            return _refused("il est construit sur votre nom d'utilisateur, votre nom ou le nom de la campagne")
    for form in variants:
        core = re.sub(r"[\W_]+", "", form)
        if _is_repeat(form) or (core and _is_repeat(core)):
            return _refused("il répète les mêmes caractères")
        if _is_sequence(form) or (core and _is_sequence(core)):
            return _refused("il contient une suite de caractères (abcd, 1234…) ou une rangée du clavier")
    verdict = zxcvbn(password[:100], user_inputs=personal)
    if verdict["score"] < MIN_SCORE:
        return _refused(_explain(verdict))
    return None


def _refused(reason: str) -> str:
    return f"mot de passe refusé : {reason}"


def _explain(verdict: dict) -> str:  # type: ignore[type-arg]
    """A French reason from zxcvbn's weakest pattern (the match with the fewest guesses)."""
    matches = [m for m in verdict.get("sequence", []) if m.get("pattern") != "bruteforce"]
    if not matches:
        return _PATTERN_FR["bruteforce"]
    weakest = min(matches, key=lambda m: float(m.get("guesses", 0)))
    pattern = weakest.get("pattern")
    if pattern == "dictionary":
        source = weakest.get("dictionary_name")
        if source == "user_inputs":
            return "il est construit sur votre nom d'utilisateur, votre nom ou le nom de la campagne"
        if source == "passwords":
            return "il est construit sur un mot de passe très courant"
        if source in ("female_names", "male_names", "surnames"):
            return "il repose sur un prénom ou un nom de famille courant, trop facile à deviner"
        return "il repose sur des mots courants, trop faciles à deviner : ajoutez des mots sans rapport entre eux"
    return _PATTERN_FR.get(str(pattern), _PATTERN_FR["bruteforce"])
