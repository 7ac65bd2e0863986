"""Writers swap a changed copy onto ``warehouse.duckdb``, one at a time, never leaving half a write."""

from __future__ import annotations

import hashlib
import shutil
import threading
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.warehouse import writing as writing_module
from dashboard.warehouse.database import Warehouse, warehouse_path
from dashboard.warehouse.writing import WarehouseBusy, lock_path, writer_lock, writing


@pytest.fixture()
def data_dir(demo_dir: Path, tmp_path: Path) -> Path:
    shutil.copyfile(warehouse_path(demo_dir), warehouse_path(tmp_path))
    return tmp_path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failed_write_leaves_the_file_as_it_was_and_no_copy_behind(data_dir: Path) -> None:
    path = warehouse_path(data_dir)
    before = _digest(path)
    with pytest.raises(RuntimeError):
        with writing(path) as wh:
            wh.con.execute("DELETE FROM votes")
            raise RuntimeError("boom")
    assert _digest(path) == before
    assert sorted(p.name for p in data_dir.iterdir()) == ["warehouse.duckdb", "warehouse.lock"]


def test_a_failed_first_write_creates_no_warehouse(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        with writing(warehouse_path(tmp_path)):
            raise RuntimeError("boom")
    assert not warehouse_path(tmp_path).exists()


def test_a_write_replaces_the_file_and_leftovers_of_a_killed_writer_go(data_dir: Path) -> None:
    path = warehouse_path(data_dir)
    leftover = data_dir / ".warehouse.duckdb.99999.writing"
    leftover.write_bytes(b"half")
    inode = path.stat().st_ino
    with writing(path) as wh:
        wh.set_meta("territory", "autre")
    assert path.stat().st_ino != inode and not leftover.exists()
    with Warehouse(path, read_only=True) as wh:
        assert wh.meta("territory") == "autre"


def test_writers_wait_for_each_other_then_give_up_in_french(data_dir: Path) -> None:
    path = warehouse_path(data_dir)
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with writer_lock(path):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        held.wait(5)
        messages: list[str] = []
        with pytest.raises(WarehouseBusy) as error:
            with writing(path, timeout=0.3, progress=lambda m, f: messages.append(m)):
                pass
        assert "en cours de modification par une autre commande" in error.value.message_fr
        assert messages and "attente" in messages[0]
    finally:
        release.set()
        thread.join()
    with writing(path, timeout=1) as wh:  # free again
        wh.set_meta("x", "1")
    assert lock_path(path).exists()


def test_cli_writer_says_in_french_when_the_lock_stays_taken(data_dir: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(writing_module, "LOCK_TIMEOUT_S", 0.3)
    before = _digest(warehouse_path(data_dir))
    with writer_lock(warehouse_path(data_dir)):
        # flock is per open file: a second open in this process waits like another process would
        assert main(["blocs", "set", "leg2024", "DSV", "droite", "--data-dir", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Erreur : l'entrepôt" in err and "réessayez" in err.lower()
    assert _digest(warehouse_path(data_dir)) == before


def test_cli_writes_while_a_reader_holds_the_warehouse_open(data_dir: Path, demo_dir: Path, capsys) -> None:
    """What failed with « IOException: Could not set lock » while the app ran."""
    results = demo_dir / "demo-sources/city/sources/resultats/legislatives-2024-t1.csv"
    with Warehouse(warehouse_path(data_dir), read_only=True, refresh_s=0.0) as app:
        assert "leg2022_t1" not in set(app.query("SELECT election_id FROM election")["election_id"])
        assert main(["import", "results", str(results), "--election", "leg2022_t1", "--data-dir", str(data_dir)]) == 0
        assert main(["blocs", "set", "leg2022", "ENS", "droite", "--data-dir", str(data_dir)]) == 0
        assert main(["interpolate", "--data-dir", str(data_dir)]) == 0
        assert "leg2022_t1" in set(app.query("SELECT election_id FROM election")["election_id"])
        assert set(app.query("SELECT DISTINCT bloc FROM votes WHERE election_id = 'leg2022_t1' AND nuance = 'ENS'")["bloc"]) == {"droite"}
    assert "Traceback" not in capsys.readouterr().err
