"""The app shares one read-only warehouse between sessions, which Streamlit runs in threads; CLI
writers swap a new file in while those threads read (``warehouse/snapshots.py``, ``writing.py``)."""

from __future__ import annotations

import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dashboard.maps.measure_types import Measure
from dashboard.maps.measures import compute
from dashboard.maps.territory import Scope
from dashboard.warehouse.database import Warehouse, warehouse_path
from dashboard.warehouse.writing import writing


@pytest.fixture()
def warehouse_copy(demo_dir: Path, tmp_path: Path) -> Path:
    """A data dir holding a copy of the demo warehouse (these tests write it)."""
    shutil.copyfile(warehouse_path(demo_dir), warehouse_path(tmp_path))
    return tmp_path


def test_concurrent_reads_on_one_shared_warehouse(demo_dir: Path) -> None:
    with Warehouse(warehouse_path(demo_dir), read_only=True) as wh:
        expected = compute(wh, Measure("turnout", "pres2022_t1"), Scope(())).frame["value"].tolist()
        digest = wh.fingerprint()

        def work(i: int) -> object:
            if i % 4 == 0:
                return wh.meta("territory")  # once on the shared connection: "connection is busy"
            if i % 4 == 1:
                return wh.fingerprint()
            measure = Measure("turnout", "pres2022_t1") if i % 4 == 2 else Measure("share", "leg2024_t1", "bloc", "centre")
            return compute(wh, measure, Scope(())).frame["value"].tolist()

        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(work, range(160)))
        assert {r for r in results[0::4]} == {"démo commune (seed 2026)"}
        assert all(r == digest for r in results[1::4])
        assert all(r == expected for r in results[2::4])
        assert len({tuple(r) for r in results[3::4]}) == 1  # type: ignore[arg-type]


def _elections(wh: Warehouse) -> int:
    return int(wh.query("SELECT count(*) AS n FROM election")["n"].iat[0])


def test_readers_follow_swaps_and_never_see_half_a_write(warehouse_copy: Path) -> None:
    """16 threads read while a writer adds elections one swap at a time: every read sees a whole
    version (elections and their turnout agree), none fails, and the last version shows at once."""
    path = warehouse_path(warehouse_copy)
    errors: list[BaseException] = []
    seen: set[tuple[int, int]] = set()
    stop = threading.Event()
    with Warehouse(path, read_only=True, refresh_s=0.0) as wh:
        start = _elections(wh)
        first_version = wh.version

        def reader() -> None:
            while not stop.is_set():
                try:
                    row = wh.query(
                        """SELECT (SELECT count(*) FROM election) AS e,
                                  (SELECT count(DISTINCT election_id) FROM turnout) AS t"""
                    ).iloc[0]
                    seen.add((int(row["e"]), int(row["t"])))
                except BaseException as error:  # noqa: BLE001 - collected for the assertion
                    errors.append(error)

        threads = [threading.Thread(target=reader) for _ in range(16)]
        for thread in threads:
            thread.start()
        try:
            for number in range(3):
                new_id = f"muni2014_t{number + 1}" if number < 2 else "euro2014"
                with writing(path) as writer:
                    with writer.transaction():  # a new election: the election row and its turnout
                        writer.con.execute(
                            "INSERT INTO election SELECT ?, kind, year, round, date, ? FROM election WHERE election_id = 'euro2024'",
                            [new_id, new_id],
                        )
                        writer.con.execute(
                            "INSERT INTO turnout SELECT ? AS election_id, * EXCLUDE (election_id) FROM turnout WHERE election_id = 'euro2024'",
                            [new_id],
                        )
                time.sleep(0.2)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        assert not errors, errors[:3]
        assert all(e == t for e, t in seen), seen  # never an election without its turnout
        assert {e for e, _ in seen} <= {start, start + 1, start + 2, start + 3}
        assert _elections(wh) == start + 3 and wh.version != first_version


def test_an_old_version_closes_once_its_last_query_ends(warehouse_copy: Path) -> None:
    path = warehouse_path(warehouse_copy)
    with Warehouse(path, read_only=True, refresh_s=0.0) as wh:
        reader = wh._reader
        assert reader is not None
        old = reader.current()
        with reader.cursor() as cursor:  # a query running on the old version during the swap
            with writing(path) as writer:
                writer.set_meta("territory", "démo changée")
            assert wh.meta("territory") == "démo changée"  # new queries: the new file
            assert not old.closed
            assert cursor.execute("SELECT value FROM meta WHERE key = 'territory'").fetchone()[0] == "démo commune (seed 2026)"
        assert old.closed and not reader.current().closed
