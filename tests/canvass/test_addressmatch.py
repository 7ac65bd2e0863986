"""Offline address matching: normalisation, bis/ter, abbreviations, typos, another commune, thresholds, and properties."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.canvass.addressmatch import AUTO_SCORE, REVIEW_SCORE, AddressIndex, match_all, summary
from dashboard.ingest.street_names import street_key

STREETS = ["Avenue du Général de Gaulle", "Rue Jean Jaurès", "Boulevard Saint-Michel", "Rue de l'Église",
           "Impasse des Tilleuls", "Place Notre-Dame", "Rue des Acacias", "Allée Marie Curie"]
NUMBERS = ["1", "2", "3", "5", "7", "12", "12 bis", "14", "14 ter", "21"]


def _addresses() -> pd.DataFrame:
    rows = []
    for i, street in enumerate(STREETS):
        for number in NUMBERS:
            station = f"45999_{1 + i % 3}"
            rows.append((f"45999_{i:04d}_{number.replace(' ', '')}@{station}", "45999", station,
                         f"{number} {street} 45990 Isoloir-sur-Loire", number, street, "45990", "Isoloir-sur-Loire"))
    rows.append(("45888_0001_00003@45888_1", "45888", "45888_1", "3 Rue Pasteur 45880 Autreville", "3", "Rue Pasteur", "45880",
                 "Autreville"))
    rows.append(("45999_9999@45999_1", "45999", "45999_1", "Rue du Stade 45990 Isoloir-sur-Loire", None, None, None, None))
    return pd.DataFrame(rows, columns=["address_id", "commune_code", "station_id", "label", "housenumber", "street", "postcode",
                                       "city"])


@pytest.fixture(scope="module")
def index() -> AddressIndex:
    return AddressIndex(_addresses())


@pytest.mark.parametrize(("written", "key"), [
    ("Av. du Gal de Gaulle", "avenue general gaulle"),
    ("AVENUE DU GENERAL DE GAULLE", "avenue general gaulle"),
    ("bd St-Michel", "boulevard saint michel"),
    ("R. de l’Église", "rue eglise"),
    ("Imp. des Tilleuls", "impasse tilleuls"),
    ("Pl. Notre Dame", "place notre dame"),
])
def test_street_keys(written: str, key: str) -> None:
    assert street_key(written) == key


@pytest.mark.parametrize(("number", "street", "method", "score", "door"), [
    ("12", "Rue Jean Jaurès", "exacte", 100.0, "45999_0001_12@45999_2"),
    ("12 bis", "rue jean jaures", "exacte", 100.0, "45999_0001_12bis@45999_2"),
    ("12B", "rue jean jaures", "sans_suffixe", 95.0, "45999_0001_12@45999_2"),  # letter B is not the BAN's "bis"
    ("14", "Rue Jean Jaurès", "exacte", 100.0, "45999_0001_14@45999_2"),
    ("5 bis", "Rue Jean Jaurès", "sans_suffixe", 95.0, "45999_0001_5@45999_2"),  # bis the BAN does not know
    ("14", "Av. du Gal de Gaulle", "exacte", 100.0, "45999_0000_14@45999_1"),
    ("3", "Rue des Accacias", "approchee", None, "45999_0006_3@45999_1"),  # typo
    ("3", "Rue Jean Jaures Prolongée", "approchee", None, None),
])
def test_methods_and_scores(index: AddressIndex, number: str, street: str, method: str, score: float | None,
                            door: str | None) -> None:
    match = index.match("45999", None, number, street)
    assert match.method == method
    if score is not None:
        assert match.score == score
    if match.status == "auto":
        assert match.score >= AUTO_SCORE and match.address_id == door
    else:
        assert match.address_id is None  # never used without a decision


def test_below_the_automatic_threshold_nothing_is_guessed(index: AddressIndex) -> None:
    doubtful = index.match("45999", None, "3", "Rue Jean Jaures Prolongée")
    assert doubtful.status in ("doubtful", "unmatched") and doubtful.address_id is None
    assert doubtful.candidate_id is not None and doubtful.score < AUTO_SCORE
    missing = index.match("45999", None, "999", "Rue Jean Jaurès")
    assert (missing.method, missing.status, missing.address_id) == ("voie_seule", "unmatched", None)
    assert missing.candidate_id == "45999_0001_21@45999_2"  # the nearest number on the same side is proposed
    unknown = index.match("45999", None, "3", "Chemin des Écoliers Perdus")
    assert (unknown.status, unknown.candidate_id) == ("unmatched", None)
    assert index.match("45999", None, "", "Rue du Stade").reason_fr == "numéro de voie manquant"


def test_another_commune_is_never_matched_here(index: AddressIndex) -> None:
    assert index.match("45999", None, "3", "Rue Pasteur").status == "unmatched"  # Autreville's street
    elsewhere = index.match("45999", None, "12", "Rue Jean Jaurès", postcode="45880", city="Autreville")
    assert elsewhere.status == "unmatched" and "autre commune" in elsewhere.reason_fr
    assert index.match("45888", None, "3", "R. Pasteur", "45880").status == "auto"
    assert index.match("99999", None, "3", "Rue Pasteur").status == "unmatched"
    assert index.commune_of("45880", "") == "45888" and index.commune_of("", "ISOLOIR SUR LOIRE") == "45999"


def test_the_voters_station_is_preferred_among_copies_of_a_point() -> None:
    frame = _addresses()
    copy = frame.iloc[[0]].assign(address_id="45999_0000_1@45999_3", station_id="45999_3")
    index = AddressIndex(pd.concat([frame, copy]))
    assert index.match("45999", "45999_3", "1", "Avenue du Général de Gaulle").address_id == "45999_0000_1@45999_3"
    assert index.match("45999", "45999_1", "1", "Avenue du Général de Gaulle").address_id == "45999_0000_1@45999_1"


def test_match_all_and_summary(index: AddressIndex) -> None:
    rows = [("45999", None, "1", "Rue Jean Jaurès", "", ""), ("45999", None, "1", "Rue Jean Jaurès", "", ""),
            ("45999", None, "999", "Rue Jean Jaurès", "", "")]
    matches = match_all(index, rows)
    assert summary(matches) == {"auto": 2, "doubtful": 0, "unmatched": 1}


def _shout(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).upper()


_DIRT = {
    "upper": _shout,
    "abbreviations": lambda s: s.replace("Avenue", "Av.").replace("Boulevard", "Bd").replace("Saint-", "St ")
    .replace("Rue", "R.").replace("Général", "Gal").replace("Impasse", "Imp.").replace("Place", "Pl."),
    "spaces": lambda s: "  " + s.replace(" ", "   ") + " ",
    "apostrophes": lambda s: s.replace("'", "’").replace("-", " "),
}


@settings(max_examples=100, deadline=None)
@given(street=st.sampled_from(STREETS), number=st.sampled_from(NUMBERS), dirt=st.lists(st.sampled_from(sorted(_DIRT)), max_size=4))
def test_property_case_accents_abbreviations_and_spacing_never_change_the_match(street: str, number: str, dirt: list[str]) -> None:
    index = AddressIndex(_addresses())
    clean = index.match("45999", None, number, street)
    written = street
    for kind in dirt:
        written = _DIRT[kind](written)
    dirty = index.match("45999", None, _shout(number) if "upper" in dirt else number, written)
    assert clean.method == "exacte" and (dirty.address_id, dirty.method) == (clean.address_id, "exacte")


@settings(max_examples=80, deadline=None)
@given(street=st.sampled_from(STREETS), number=st.sampled_from(NUMBERS), at=st.integers(0, 100), kind=st.sampled_from(["drop", "swap", "double"]))
def test_property_one_typo_finds_the_street_or_asks(street: str, number: str, at: int, kind: str) -> None:
    index = AddressIndex(_addresses())
    name_start = street.index(" ") + 1
    i = name_start + at % (len(street) - name_start - 1)
    typo = {"drop": street[:i] + street[i + 1:], "swap": street[:i] + street[i + 1] + street[i] + street[i + 2:],
            "double": street[:i] + street[i] + street[i:]}[kind]
    match = index.match("45999", None, number, typo)
    clean = index.match("45999", None, number, street)
    if match.status == "auto":  # matched alone: to the right door, never another
        assert match.address_id == clean.address_id
    else:  # otherwise listed for review with a score under the threshold
        assert match.address_id is None and match.score < AUTO_SCORE
    assert match.score >= REVIEW_SCORE or match.status == "unmatched" or match.status == "auto"
