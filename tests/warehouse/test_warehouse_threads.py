"""The app shares one read-only warehouse between sessions, which Streamlit runs in threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dashboard.maps.measure_types import Measure

from dashboard.maps.measures import compute
from dashboard.maps.territory import Scope
from dashboard.warehouse.database import Warehouse, warehouse_path


def test_concurrent_reads_on_one_shared_connection(demo_dir: Path) -> None:
    with Warehouse(warehouse_path(demo_dir), read_only=True) as wh:
        expected = compute(wh, Measure("turnout", "pres2022_t1"), Scope(())).frame["value"].tolist()

        def work(i: int) -> list[float]:
            measure = Measure("turnout", "pres2022_t1") if i % 2 else Measure("share", "leg2024_t1", "bloc", "centre")
            return compute(wh, measure, Scope(())).frame["value"].tolist()

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(work, range(64)))
        assert all(r == expected for r in results[1::2])
        assert len({tuple(r) for r in results[0::2]}) == 1
