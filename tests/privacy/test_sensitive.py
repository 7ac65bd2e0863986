"""The French detector of sensitive mentions: measured on the labelled sets, its reading rules, its invariances."""

from __future__ import annotations

import time
import tomllib
import unicodedata
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.privacy import sensitive
from dashboard.privacy.evaluation import read_cases, score
from dashboard.privacy.sensitive import CATEGORIES, detect

HERE = Path(__file__).resolve().parent
DEV = read_cases(HERE / "sensitive_cases.tsv")
HOLDOUT = read_cases(HERE / "sensitive_holdout.tsv")
FRESH = read_cases(HERE / "sensitive_fresh.tsv")

# Thresholds set after measuring (docs/security.md, "Mentions sensibles" gives every figure). The
# development set is the one the lexicon was tuned on: it must stay (nearly) perfect, so a lexicon edit
# that breaks a decided case fails here. The held-out and fresh sets were each measured once before the
# lexicon learnt from their misses; their bars sit under what is measured now, the lowest category
# (sex life: orientation implied by context, « Bi ») included.
DEV_MIN = {"precision": 0.95, "recall": 0.95}
OTHER_MIN_OVERALL = {"precision": 0.95, "recall": 0.95}
OTHER_MIN_CATEGORY = {"precision": 0.85, "recall": 0.7}


def test_the_sets_are_a_few_hundred_sentences_with_every_category_and_negatives() -> None:
    assert len(DEV) >= 300 and len(HOLDOUT) >= 100 and len(FRESH) >= 100
    for cases in (DEV, HOLDOUT, FRESH):
        for category in CATEGORIES:
            assert sum(category in c.expected for c in cases) >= 8, category
        assert sum(not c.expected for c in cases) >= 30


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_precision_and_recall_per_category_on_the_development_set(category: str) -> None:
    scores = score(DEV)
    assert scores.precision(category) >= DEV_MIN["precision"], scores.misses
    assert scores.recall(category) >= DEV_MIN["recall"], scores.misses


@pytest.mark.parametrize("cases", [HOLDOUT, FRESH], ids=["holdout", "fresh"])
def test_precision_and_recall_on_the_sets_written_after_the_lexicon(cases: list) -> None:
    scores = score(cases)
    assert scores.precision() >= OTHER_MIN_OVERALL["precision"], scores.misses
    assert scores.recall() >= OTHER_MIN_OVERALL["recall"], scores.misses
    for category in CATEGORIES:
        assert scores.precision(category) >= OTHER_MIN_CATEGORY["precision"], (category, scores.misses)
        assert scores.recall(category) >= OTHER_MIN_CATEGORY["recall"], (category, scores.misses)


@pytest.mark.parametrize(("text", "expected"), [
    ("Il est maladroit avec les tracts", []),  # a word never matches inside another
    ("Intéressé par le programme culture", []),  # « culte » is not in « culture »
    ("Elle est malade", ["sante"]),
    ("Elle n'est pas malade du tout", ["sante"]),  # a negated mention is still a mention
    ("12 rue de l'Église, 2e étage", []),  # a place name, not a religion
    ("Va à l'église chaque dimanche", ["religion"]),
    ("En face de la mosquée, porte bleue", []),
    ("Soutient notre liste, votera pour nous", []),  # the campaign's own purpose
    ("Son mari vote pour Zemmour", ["opinion_politique"]),  # a third party's opinion
    ("PS : repasser samedi", []),  # an ambiguous word without its cue
    ("Sa femme vote PS", ["opinion_politique"]),
    ("Délégué SUD à la Poste", ["syndicat"]),
    ("Vit à l'étranger six mois par an", []),
    ("Famille d'origine marocaine", ["origine"]),
    ("Syndicat de copropriété en conflit avec le bailleur", []),
    ("Sans-papiers, sorti de garde à vue hier", ["origine", "penal"]),
])
def test_reading_decisions(text: str, expected: list[str]) -> None:
    assert detect(text).categories == expected


def test_spans_point_into_the_original_text_through_ligatures_and_accents() -> None:
    text = "Œuvre paroissiale : ÉGLISE évangélique, elle est HOSPITALISÉE"
    found = detect(text)
    assert found.sensitive and found.categories == ["sante", "religion"]
    assert {text[s.start:s.end] for s in found.spans} >= {"ÉGLISE", "évangélique", "HOSPITALISÉE"}
    assert found.labels_fr == ["santé", "religion"]
    assert found.summary_fr == "Mentions sensibles : santé, religion."
    assert detect("Délégué CGT").summary_fr == "Mention sensible : appartenance syndicale."
    assert detect("Absent, repasser samedi").summary_fr == ""


def test_a_long_remark_finds_every_mention_of_its_notes() -> None:
    note = "Famille d'origine marocaine, il est malade et vote RN. Habite rue de l'Église. "
    assert len(detect(note).spans) == 4 and len(detect(note * 60).spans) == 4 * 60


def test_every_lexicon_word_alone_is_caught_in_its_category() -> None:
    raw = tomllib.loads((resources.files("dashboard") / "privacy" / "lexicon.toml").read_text(encoding="utf-8"))
    missed = [(category, word) for category, section in raw.items() for word in section.get("words", [])
              if category not in detect(word).categories]
    assert not missed


def test_the_lexicon_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="unknown categories"):
        sensitive._build({"politique": {"words": ["rn"]}})
    with pytest.raises(ValueError, match="is not one word"):
        sensitive._build({"sante": {"words": ["fauteuil roulant"]}})
    with pytest.raises(ValueError, match="phrase of one word"):
        sensitive._build({"sante": {"phrases": ["malade"]}})


def test_fast_on_short_notes() -> None:
    texts = [c.text for c in DEV]
    detect(texts[0])  # the lexicon is built once per process
    best = min(_mean_seconds(texts) for _ in range(3))
    assert best < 1e-3, f"{best * 1e3:.3f} ms per text"


def _mean_seconds(texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        detect(text)
    return (time.perf_counter() - start) / len(texts)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


CASE_TEXTS = st.sampled_from([c.text for c in DEV + HOLDOUT + FRESH])
WHITESPACE = st.text(alphabet=" \t\u00a0\u202f\n", min_size=1, max_size=4)


CASINGS = {"upper": str.upper, "lower": str.lower, "title": str.title, "swap": str.swapcase, "keep": str}


@settings(max_examples=150, deadline=None)
@given(CASE_TEXTS, st.lists(st.sampled_from(sorted(CASINGS)), min_size=1, max_size=40), st.booleans(), WHITESPACE)
def test_case_accents_and_whitespace_do_not_change_the_categories(text: str, casings: list[str], strip: bool,
                                                                  space: str) -> None:
    words = [CASINGS[casings[i % len(casings)]](w) for i, w in enumerate(text.split())]
    variant = space.join(words)
    if strip:
        variant = _strip_accents(variant)
    assert detect(variant).categories == detect(text).categories


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_a_consistent_detection(text: str) -> None:
    found = detect(text)
    assert found.sensitive == bool(found.categories)
    assert found.categories == [c for c in CATEGORIES if c in found.categories]
    assert {s.category for s in found.spans} == set(found.categories)
    for span in found.spans:
        assert 0 <= span.start < span.end <= len(text)


def test_no_address_of_a_real_electoral_roll_extract_is_a_mention(shared_data: Path) -> None:
    """Notes quote addresses: none of Bondy's 5,675 REU addresses (rue de l'Église-like names included) is caught."""
    import csv

    with (shared_data / "bondy/reu/adresses93010.csv").open(encoding="utf-8") as handle:
        addresses = {row["geo_adresse"] for row in csv.DictReader(handle)}
    assert len(addresses) > 5000
    assert [a for a in sorted(addresses) if detect(a).sensitive] == []
