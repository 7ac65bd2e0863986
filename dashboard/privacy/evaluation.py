"""Precision and recall of the sensitive-mention detector on a labelled set of French texts (tests, benchmark).

A case file is UTF-8 text, one case a line: the expected categories (comma-separated ids of
:data:`~dashboard.privacy.sensitive.CATEGORIES`, ``-`` for none), a tab, the text. Lines starting
with ``#`` and blank lines are comments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.privacy.sensitive import CATEGORIES, Detection, detect


@dataclass(frozen=True)
class Case:
    expected: frozenset[str]
    text: str


def read_cases(path: Path) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        expected, sep, text = line.partition("\t")
        labels = frozenset() if expected.strip() == "-" else frozenset(c.strip() for c in expected.split(","))
        if not sep or not text.strip() or labels - CATEGORIES.keys():
            raise ValueError(f"{path.name}:{number}: expected « catégories<TAB>texte » with known ids, got « {line} »")
        cases.append(Case(labels, text))
    return cases


@dataclass
class Scores:
    """Counts per category; a text counts once per category (expected and found, found only, expected only)."""

    tp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    fp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    fn: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    misses: list[tuple[Case, frozenset[str]]] = field(default_factory=list)
    texts: int = 0

    def precision(self, category: str | None = None) -> float:
        tp, fp = self._sum(self.tp, category), self._sum(self.fp, category)
        return tp / (tp + fp) if tp + fp else 1.0

    def recall(self, category: str | None = None) -> float:
        tp, fn = self._sum(self.tp, category), self._sum(self.fn, category)
        return tp / (tp + fn) if tp + fn else 1.0

    @staticmethod
    def _sum(counts: dict[str, int], category: str | None) -> int:
        return sum(counts.values()) if category is None else counts[category]


def score(cases: Iterable[Case], detector: Callable[[str], Detection] = detect) -> Scores:
    """Per-category counts of ``detector`` on ``cases`` (``None`` as category: all of them, micro-averaged)."""
    scores = Scores()
    for case in cases:
        found = frozenset(detector(case.text).categories)
        scores.texts += 1
        for category in CATEGORIES:
            if category in found and category in case.expected:
                scores.tp[category] += 1
            elif category in found:
                scores.fp[category] += 1
            elif category in case.expected:
                scores.fn[category] += 1
        if found != case.expected:
            scores.misses.append((case, found))
    return scores
