"""Street names as one comparison key: accents, case, punctuation, abbreviations and articles folded away.

``"Av. du Gal de Gaulle"`` and ``"AVENUE DU GENERAL DE GAULLE"`` give the same key
(``"avenue general gaulle"``): what the offline address matching (``canvass/addressmatch.py``)
compares, and what sorts an electoral list's streets (``store/voters.py``). Pure.
"""

from __future__ import annotations

import re
import unicodedata

ABBREVIATIONS: dict[str, str] = {
    "av": "avenue", "ave": "avenue", "avn": "avenue", "bd": "boulevard", "bld": "boulevard", "blvd": "boulevard",
    "boul": "boulevard", "bvd": "boulevard", "r": "rue", "pl": "place", "imp": "impasse", "ch": "chemin",
    "chem": "chemin", "che": "chemin", "all": "allee", "al": "allee", "rte": "route", "sq": "square", "qu": "quai",
    "crs": "cours", "fg": "faubourg", "fbg": "faubourg", "res": "residence", "lot": "lotissement", "pass": "passage",
    "prom": "promenade", "sen": "sentier", "st": "saint", "ste": "sainte", "gal": "general", "gen": "general",
    "gl": "general", "mal": "marechal", "pdt": "president", "pres": "president", "dr": "docteur", "pr": "professeur",
    "cdt": "commandant", "lt": "lieutenant", "cpt": "capitaine", "mgr": "monseigneur", "n-d": "notre dame",
    "nd": "notre dame", "prolong": "prolongee",
}
ARTICLES = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "au", "aux", "et", "a"})
_PUNCT = re.compile(r"[^\w]+")


def fold(text: object) -> str:
    """No accents, lower case, ligatures opened, punctuation and apostrophes as spaces."""
    if text is None or (isinstance(text, float) and text != text):  # noqa: PLR0124 - NaN
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text).replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(_PUNCT.sub(" ", stripped).replace("_", " ").split())


def street_key(text: object) -> str:
    """The comparison key of a street name: ``"Av. du Gal de Gaulle"`` → ``"avenue general gaulle"``."""
    words = []
    for word in fold(text).split():
        word = ABBREVIATIONS.get(word, word)
        if word not in ARTICLES:
            words.append(word)
    return " ".join(words)
