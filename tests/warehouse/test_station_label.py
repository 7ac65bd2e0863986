"""One display name per polling station, on every page; stations counted once per boundary version."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.warehouse.info import current_stations
from dashboard.warehouse.queries import station_label, station_labels


def test_a_station_without_a_name_is_bureau_and_its_number() -> None:
    assert station_label("5") == station_label("5", None) == station_label("5", np.nan) == station_label(5, "") == "Bureau 5"
    assert station_label("5", "Bureau 5") == "Bureau 5"
    assert station_label("5", "École  Jaurès") == "Bureau 5 · École Jaurès"  # several stations share one school
    assert station_label("5", None, "Brest") == "Bureau 5 — Brest"
    assert station_label(None, "Mairie") == "Mairie"


def test_the_commune_is_named_when_several_are_shown() -> None:
    one = pd.DataFrame({"bv_code": ["1", "2"], "name": [None, "Gymnase"], "commune_code": ["29019", "29019"],
                        "commune_name": ["Brest", "Brest"]})
    assert station_labels(one).tolist() == ["Bureau 1", "Bureau 2 · Gymnase"]
    two = one.assign(commune_code=["29019", "93010"], commune_name=["Brest", "Bondy"])
    assert station_labels(two).tolist() == ["Bureau 1 — Brest", "Bureau 2 · Gymnase — Bondy"]
    assert station_labels(two, with_commune=False).tolist() == ["Bureau 1", "Bureau 2 · Gymnase"]


def test_stations_are_counted_once_in_the_latest_boundary_version() -> None:
    """The demo commune has 40 stations in its 2022 contours and 41 in its 2024 ones: 41, not 81."""
    rows = [
        {"commune_code": "45999", "set_id": "contours-2022-demo", "valid_from": "2022-01-01", "stations": 40},
        {"commune_code": "45999", "set_id": "contours-2024-demo", "valid_from": "2024-01-01", "stations": 41},
        {"commune_code": "29019", "set_id": "brest", "valid_from": None, "stations": 80},
    ]
    assert current_stations(rows) == {"stations": 121, "versions": ["brest", "contours-2024-demo"], "all_versions": 3, "rows": 161}
    assert current_stations([]) == {"stations": 0, "versions": [], "all_versions": 0, "rows": 0}
