"""Voters of the imported list as a map measure: counts per station drawn, never without the caller's counts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboard.maps.measure_types import Measure, MeasureError
from dashboard.maps.measures import compute
from dashboard.maps.territory import Territory, resolve
from dashboard.warehouse.database import Warehouse
from dashboard.warehouse.queries import latest_election


def test_voter_counts_per_station_drawn(demo_dir: Path) -> None:
    with Warehouse(demo_dir / "warehouse.duckdb", read_only=True) as wh:
        scope = resolve(wh, Territory(communes=("45999",)))
        measure = Measure(kind="voters", election_id=latest_election(wh))
        with pytest.raises(MeasureError, match="rôles"):
            compute(wh, measure, scope)
        counts = pd.DataFrame({"station_id": ["45999_1", "45999_2", "99999_1"], "voters": [12, 7, 4], "matched": [11, 7, 4]})
        result = compute(wh, measure, scope, counts)
    frame = result.frame.set_index("station_id")
    assert frame.loc["45999_1", "value"] == 12 and frame.loc["45999_2", "value"] == 7
    assert frame.loc["45999_1", "text"] == "12 électeur(s), 11 à une adresse connue"
    assert frame["value"].isna().sum() == len(frame) - 2  # no voter of the list: no data, not zero
    assert result.unit == "value" and any("4 électeur(s)" in n for n in result.notes)
    assert not any(c in frame.columns for c in ("birth_name", "first_names"))
