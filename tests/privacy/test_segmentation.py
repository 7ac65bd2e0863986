"""Lawful segmentation: station, street, age band, sex allowed; name, birthplace, nationality refused with the CNIL's reason."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.privacy.segmentation import (
    AGE_BANDS,
    Criteria,
    SegmentError,
    UnlawfulSegmentation,
    age_band,
    check_criteria,
    counts,
    segment,
)

ON = date(2026, 3, 15)


@pytest.mark.parametrize("criterion", ["nationality", "Nationalité", "birthplace", "lieu de naissance", "pays_de_naissance",
                                       "consonance du nom", "name_consonance", "nom", "Origine", "ethnicity", "list_kind",
                                       "Patronyme"])
def test_origin_criteria_are_refused_with_the_cnil_reason(criterion: str) -> None:
    with pytest.raises(UnlawfulSegmentation) as refused:
        check_criteria({criterion: "x"})
    assert "CNIL" in refused.value.message_fr and "origine" in refused.value.message_fr
    assert "Segmentations permises : bureau de vote, rue, tranche d'âge, sexe" in refused.value.message_fr
    assert refused.value.criterion == criterion


def test_an_unlawful_criterion_is_refused_even_beside_lawful_ones() -> None:
    with pytest.raises(UnlawfulSegmentation):
        check_criteria({"station": "45999_1", "nationalite": "x"})


def test_lawful_criteria_and_bad_values() -> None:
    assert check_criteria({"station": "45999_1", "sex": "f", "age_band": "65-79", "street": ""}) == Criteria(
        station="45999_1", sex="F", age_band="65-79")
    with pytest.raises(SegmentError, match="tranche d'âge inconnue"):
        check_criteria({"age_band": "30-40"})
    with pytest.raises(SegmentError, match="critère inconnu"):
        check_criteria({"revenu": "x"})


def test_age_bands_on_election_day() -> None:
    assert age_band(date(2008, 3, 15), ON) == "18-24"  # 18 that day
    assert age_band(date(2001, 3, 16), ON) == "18-24" and age_band(date(2001, 3, 15), ON) == "25-34"
    assert age_band(date(1946, 3, 15), ON) == "80+"
    assert [b for b, _, _ in AGE_BANDS] == ["18-24", "25-34", "35-49", "50-64", "65-79", "80+"]


def test_segment_filters_and_sorts_in_walking_order_never_by_name() -> None:
    voters = pd.DataFrame({
        "station_id": ["45999_2", "45999_1", "45999_1", "45999_1"],
        "street": ["Rue des Lilas", "Av. Jean Jaurès", "Avenue Jean Jaures", "Rue des Lilas"],
        "number_sort": [3, 12, 2, 1],
        "birth_date": [date(1950, 1, 1), date(1990, 1, 1), date(1991, 1, 1), date(1950, 6, 1)],
        "sex": ["F", "F", "M", "F"],
        "birth_name": ["ZOLA", "AUBRY", "MARCHAND", "BERTIN"],
    })
    key = lambda s: s.lower().replace("av.", "avenue").replace("è", "e")  # noqa: E731 - the caller's street key
    walked = segment(voters, Criteria(station="45999_1"), ON, key)
    assert walked["number_sort"].tolist() == [2, 12, 1]  # one avenue however written, in number order, then the next street
    women = segment(voters, Criteria(sex="F", age_band="65-79"), ON, key)
    assert women["birth_name"].tolist() == ["BERTIN", "ZOLA"]
    street = segment(voters, Criteria(street="jean jaures"), ON, key)
    assert len(street) == 2
    assert counts(walked)["station_id"] == {"45999_1": 3} and counts(walked)["sex"] == {"F": 2, "M": 1}
