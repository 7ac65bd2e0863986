"""Row 11 of issue 12 (modes): the data folder is 0700, the stores, their locks and the secrets file 0600.

Checked on a data folder created from scratch under a permissive umask (022) by ``isoloir demo`` and by
``isoloir import``, on loose files copied in (corrected when opened), and on ``isoloir run``'s umask.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import cli
from dashboard.cli import main
from dashboard.files import private_dir, private_file
from dashboard.store import CampaignStore
from dashboard.warehouse.database import Warehouse


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def loose_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _assert_private(data_dir: Path, *names: str) -> None:
    assert _mode(data_dir) == 0o700, oct(_mode(data_dir))
    for name in names:
        assert _mode(data_dir / name) == 0o600, (name, oct(_mode(data_dir / name)))
    for wal in data_dir.glob("*.wal"):
        assert _mode(wal) == 0o600, wal


def test_a_fresh_demo_is_private(tmp_path: Path, loose_umask: None) -> None:
    parent = tmp_path / "parent"
    parent.mkdir(mode=0o755)
    data_dir = parent / "data"
    assert main(["demo", "--data-dir", str(data_dir)]) == 0
    _assert_private(data_dir, "warehouse.duckdb", "campaign.duckdb", "warehouse.lock")
    assert _mode(parent) == 0o755  # only the data folder itself is closed


def test_an_import_into_a_new_folder_is_private(tmp_path: Path, loose_umask: None, shared_data: Path) -> None:
    data_dir = tmp_path / "nouveau"
    stations = sorted((shared_data / "bondy" / "bv").iterdir())[0]
    code = main(["import", "stations", str(stations), "--data-dir", str(data_dir)])
    assert code == 0
    _assert_private(data_dir, "warehouse.duckdb", "warehouse.lock")


def test_loose_files_are_closed_when_opened(demo_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "copie"
    data_dir.mkdir()
    for name in ("warehouse.duckdb", "campaign.duckdb"):
        shutil.copy(demo_dir / name, data_dir / name)
        os.chmod(data_dir / name, 0o644)
    os.chmod(data_dir, 0o755)
    with Warehouse(data_dir / "warehouse.duckdb", read_only=True) as wh:
        assert not wh.query("SELECT count(*) AS n FROM station").empty
    store = CampaignStore(data_dir / "campaign.duckdb")
    assert store.views()
    store.close()
    private_dir(data_dir)  # what `isoloir run` does to the folder it serves
    _assert_private(data_dir, "warehouse.duckdb", "campaign.duckdb")


def test_right_modes_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("x")
    os.chmod(path, 0o600)
    before = path.stat().st_ctime_ns
    private_file(path)
    assert path.stat().st_ctime_ns == before  # no chmod when already right


def test_isoloir_run_serves_under_umask_077_in_a_closed_folder(demo_dir: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      loose_umask: None) -> None:
    seen: list[int] = []

    def fake_serve(command: list[str], env: dict[str, str], cwd: Path) -> int:
        current = os.umask(0)
        os.umask(current)
        seen.append(current)
        return 0

    monkeypatch.setattr(cli, "serve", fake_serve)
    data_dir = tmp_path / "servie"
    shutil.copytree(demo_dir, data_dir)
    os.chmod(data_dir, 0o755)
    monkeypatch.setenv("ISOLOIR_COOKIE_KEY", "k" * 48)
    assert main(["run", "--data-dir", str(data_dir), "--port", "8599", "--headless"]) == 0
    assert seen == [0o077]
    assert _mode(data_dir) == 0o700
    assert os.umask(0o022) == 0o022  # the caller's umask is back
