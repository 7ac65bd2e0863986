"""The paper sheet's lines (``canvass/sheet.py``): the phone's doors in the phone's order, one line per known
household, the phone's outcomes; typed-back lines checked (impossible lines and outcomes refused in French)."""

from __future__ import annotations

import uuid
from datetime import date

import pandas as pd
import pytest

from dashboard.canvass.doors import OUTCOME_LABELS_FR as PHONE_LABELS
from dashboard.canvass.doors import phone_turf, turf_walk
from dashboard.canvass.errors import CanvassError
from dashboard.canvass.sheet import sheet_rows, sheet_visit_id, typed_back
from dashboard.canvass.walklist import OUTCOME_LABELS_FR, order_walk, walklist_csv
from dashboard.canvass.walklist_pdf import walklist_pdf
from dashboard.store.visits import OUTCOMES
from tests.canvass.conftest import make_town

DAY = date(2026, 3, 1)


@pytest.fixture(scope="module")
def town() -> tuple[pd.DataFrame, list[dict]]:
    """Two streets of 3 houses each side (12 points, 4 estimated doors each); the 5th stop in walk order is a
    building whose 12 households were recorded on the phone (two entrances, floors 0-5), given out of order."""
    addresses = make_town(2, 3, doors=4)
    ids = list(order_walk(addresses)["address_ids"])
    walk = turf_walk(addresses, ids)
    building = walk.loc[4, "address_ids"]
    households = [{"household_id": str(uuid.UUID(int=i + 1)), "address_id": building, "entrance": "AB"[i % 2],
                   "floor": (11 - i) // 2, "label": "secret", "mark": "digicode" if i == 0 else None, "position": i}
                  for i in range(12)]
    return walk, households


def test_lines_follow_the_phone_door_by_door_with_one_line_per_household(town) -> None:  # noqa: ANN001
    walk, households = town
    rows = sheet_rows(walk, households)
    phone = phone_turf(walk, households, [])
    expected = [(d["order"], d["address_id"], h["household_id"] if h else None)
                for d in phone for h in (d["households"] or [None])]
    assert list(zip(rows["door"], rows["address_id"], [None if pd.isna(h) else h for h in rows["household_id"]])) == expected
    assert len(rows) == len(walk) - 1 + 12 and list(rows["order"]) == list(range(1, len(rows) + 1))
    block = rows.loc[rows["door"] == 5]
    assert len(block) == 12 and (block["doors"] == 1).all()
    assert list(block["household"][:3]) == ["A · RdC", "A · 1er ét.", "A · 2e ét."]
    assert "digicode" in " ".join(block["household"]) and "secret" not in rows.to_string()  # labels are sealed: not on paper
    assert int(rows["doors"].sum()) == 4 * (len(walk) - 1) + 12


def test_paper_outcomes_are_the_phone_outcomes_and_the_pdf_has_a_row_per_household(town) -> None:  # noqa: ANN001
    walk, households = town
    assert set(OUTCOME_LABELS_FR) == set(PHONE_LABELS) == set(OUTCOMES)
    assert list(OUTCOME_LABELS_FR.values()) == list(PHONE_LABELS.values())
    rows = sheet_rows(walk, households)
    pdf = walklist_pdf(rows, turf_name="Secteur 1", printed_on=DAY)
    assert pdf.startswith(b"%PDF-")
    from tests.canvass.test_walklist_pdf import _text_of

    assert f"{len(walk)} adresses" in _text_of(pdf)  # addresses, not lines
    csv_text = walklist_csv(rows).decode("utf-8-sig")
    assert csv_text.count("\n") == len(rows) + 1 and "Ne plus solliciter" in csv_text and "Soutien" not in csv_text


def test_typed_back_lines_make_stable_ids_and_impossible_entries_are_refused(town) -> None:  # noqa: ANN001
    walk, households = town
    rows = sheet_rows(walk, households)
    typed = typed_back(rows, {1: "ouvert", 2: None, 6: "absent", 7: "ne_plus_solliciter"}, turf_id=3, day=DAY)
    assert [t.line for t in typed] == [1, 6, 7] and typed[1].household_id == rows.loc[5, "household_id"]
    assert typed[0].visit_id == sheet_visit_id(3, DAY, rows.loc[0, "address_id"], None)
    assert typed_back(rows, {1: "ouvert"}, turf_id=3, day=DAY)[0].visit_id == typed[0].visit_id
    assert sheet_visit_id(3, date(2026, 3, 2), rows.loc[0, "address_id"], None) != typed[0].visit_id
    with pytest.raises(CanvassError, match="ligne 999 impossible"):
        typed_back(rows, {999: "absent"}, turf_id=3, day=DAY)
    with pytest.raises(CanvassError, match="inconnu"):
        typed_back(rows, {1: "soutien"}, turf_id=3, day=DAY)


def test_the_sheet_carries_the_phone_questionnaire_with_a_grid_row_per_line(town) -> None:  # noqa: ANN001
    from dashboard.store.questionnaires import Question, Questionnaire
    from tests.canvass.test_walklist_pdf import _text_of

    walk, households = town
    rows = sheet_rows(walk, households)
    questionnaire = Questionnaire(7, None, 2, "Rentrée", "Bonjour, je suis bénévole.", "Deux minutes au plus.", (
        Question("q1", "oui_non", "Irez-vous voter ?"), Question("q2", "echelle", "Votre quartier, de 1 à 5 ?"),
        Question("q3", "texte", "Un mot ?")))
    plain = walklist_pdf(rows, turf_name="Secteur 1", printed_on=DAY)
    pdf = walklist_pdf(rows, turf_name="Secteur 1", printed_on=DAY, questionnaire=questionnaire)
    text = _text_of(pdf)
    assert "Questionnaire : Rentrée" in text and "Bonjour, je suis bénévole." in text and "Deux minutes" in text
    assert "Q1. Irez-vous voter ?" in text and "1 = oui" in text and "2 = non" in text and "5 = 5" in text
    assert "Q3. Un mot ?" in text and "sur le téléphone seulement" in text  # no free text on paper
    assert "Questionnaire" not in _text_of(plain)
    # the grid: one row per sheet line (its N° printed again), the choice questions only as columns
    grid = text[text.index("Porte ouverte"):]
    assert "Q1" in grid and "Q2" in grid and "Q3" not in grid
    assert [f"({n}) Tj" in grid for n in (1, len(rows), len(rows) + 1)] == [True, True, False]
