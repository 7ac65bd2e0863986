"""Every table cell and figure a page renders is French text: « — » for an empty value, never
« None », « nan », « NaT », no English number format (AppTest, on a copy of the demo)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from dashboard.store import CampaignStore, contacts, users, zones
from tests.apptest import app_test, open_page

RAW = {"None", "nan", "NaN", "NaT", "<NA>", "null"}
ENGLISH_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$|^-?\d+\.\d+$|\de[+-]\d")
PAGES = {"admin": ("terrain.py", "entrepot.py", "admin.py"), "canvasser": ("terrain.py",), "viewer": ("entrepot.py",)}


def _cells(at) -> list[tuple[str, str]]:  # noqa: ANN001 - AppTest
    """(column, text) of every text cell; numeric cells are drawn by a column format (progress bars,
    whole numbers under 1 000), missing ones as « None » — so a missing number counts as raw too."""
    frames: list[pd.DataFrame] = [df.value for df in at.dataframe] + [t.value for t in at.table]
    return [(str(column), "None" if pd.isna(v) else str(v)) for frame in frames for column in frame.columns
            for v in frame[column].tolist() if isinstance(v, str) or pd.isna(v)]


def test_no_raw_value_in_any_table(demo_env: Path) -> None:
    store = CampaignStore(demo_env / "campaign.duckdb")
    canvasser = users.get_user(store, "canvasser")
    contacts.add_contact(store, by=canvasser, address_id=min(zones.address_ids_for(store, by=canvasser)), address="1 rue Vide",
                         full_name="Sans Téléphone", outcome="absent", consent=False)  # phone and e-mail empty
    for role, pages in PAGES.items():
        for page in pages:
            at = open_page(app_test(role).run(), page)
            assert not at.exception, (role, page)
            cells = _cells(at)
            assert cells, (role, page)
            raw = [(c, v) for c, v in cells if v.strip() in RAW]
            english = [(c, v) for c, v in cells if ENGLISH_NUMBER.search(v.strip())]
            metrics = [m.value for m in at.metric if ENGLISH_NUMBER.search(str(m.value))]
            assert not raw and not english and not metrics, (role, page, raw[:5], english[:5], metrics)
            if page == "terrain.py" and role == "admin":
                people = next(t.value for t in at.table if "téléphone" in t.value.columns)
                row = people[people["nom"] == "Sans Téléphone"].iloc[0]
                assert row["téléphone"] == row["courriel"] == "—"
                assert any("heure de Paris" in str(c) for c in people.columns)


def test_the_station_detail_names_its_station_and_shows_french_tables(demo_env: Path) -> None:
    at = app_test("admin", election="pres2022_t2", bv="45999_5").run()
    at = open_page(at, "carte.py")
    assert not at.exception
    assert "Bureau 5 — " in " ".join(h.value for h in at.header)  # the one station label, with its commune
    raw = [(c, v) for c, v in _cells(at) if v.strip() in RAW]
    assert not raw
