"""Row 14 of issue 12: a zip bomb and a multi-gigabyte CSV are refused with bounded memory.

Archives are refused beyond ``limits.MAX_ARCHIVE_BYTES`` decompressed or ``limits.MAX_ARCHIVE_RATIO``,
from their headers first and again while inflated (lying headers caught); tables beyond
``limits.MAX_TABLE_BYTES`` are refused from their size, unread; a table of the wrong kind is refused
from its first rows. Every refusal is French, names the limit, and leaves the warehouse unchanged.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import struct
import sys
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from dashboard.errors import ImportRejected
from dashboard.ingest import limits
from dashboard.ingest.results import read_results
from dashboard.ingest.tables import MAX_LINE_CHARS, read_table
from tests.ingest.test_bad_inputs import data_dir, refused  # noqa: F401 - the fixture of a real warehouse

ROOT = Path(__file__).resolve().parents[2]
MiB = 1 << 20


def _bench():
    spec = importlib.util.spec_from_file_location("bench_import_limits", ROOT / "benchmarks" / "import_limits.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _peak_bytes(fn) -> int:
    """Peak Python allocations while ``fn`` runs (and refuses)."""
    tracemalloc.start()
    try:
        with pytest.raises(ImportRejected):
            fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_zip_bomb_of_stations_is_refused_from_its_headers(capsys, data_dir, tmp_path) -> None:
    bomb = _bench().make_zip_bomb(tmp_path / "bombe.zip", 300 * MiB)
    assert bomb.stat().st_size < 1 * MiB
    message = refused(capsys, data_dir, "import", "stations", str(bomb))
    assert "bombe.zip" in message and "limite : 100 fois" in message


def test_zip_bomb_beyond_the_total_size_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(limits, "MAX_ARCHIVE_BYTES", 2 * MiB)
    path = tmp_path / "gros.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:  # stored: ratio 1, only the size is wrong
        archive.writestr("a.shp", bytes(3 * MiB))
    with pytest.raises(ImportRejected, match=r"archive refusée : plus de 3\sMio .*limite : 2\sMio"):
        limits.check_archive(path)


def test_xlsx_bomb_is_refused_before_openpyxl_reads_it(capsys, data_dir, tmp_path) -> None:
    path = tmp_path / "resultats.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + bytes(200 * MiB))
    message = refused(capsys, data_dir, "import", "results", str(path), "--election", "pres2022_t1")
    assert "bombe de décompression" in message


def _lying_zip(path: Path, content: bytes, declared: int) -> Path:
    """A zip whose headers declare ``declared`` bytes for a member that inflates to ``len(content)``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bureaux.geojson", content)
    raw = bytearray(path.read_bytes())
    local = raw.find(b"PK\x03\x04")
    central = raw.find(b"PK\x01\x02")
    struct.pack_into("<I", raw, local + 22, declared)
    struct.pack_into("<I", raw, central + 24, declared)
    path.write_bytes(bytes(raw))
    return path


def test_lying_headers_are_caught_while_inflating(tmp_path: Path) -> None:
    content = bytes(range(256)) * (8 * 4096)  # 8 MiB, ratio well under the limit once declared small
    path = _lying_zip(tmp_path / "menteur.zip", content, declared=64 * 1024)
    assert zlib.crc32(content) != zlib.crc32(content[: 64 * 1024])
    with pytest.raises(ImportRejected, match="archive zip corrompue"):
        limits.check_archive(path)


def test_honest_archives_pass(tmp_path: Path) -> None:
    path = tmp_path / "ok.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", "Bureau;Inscrits\n" * 1000)  # 16 kB at a high ratio: under the ratio floor
        archive.writestr("b.bin", random.Random(0).randbytes(2 * MiB))  # incompressible, like coordinates
    limits.check_archive(path)


def test_two_gigabyte_sparse_csv_is_refused_unread(capsys, data_dir, tmp_path) -> None:
    path = _bench().make_sparse_csv(tmp_path / "creux.csv", 2_000_000_000)
    peak = _peak_bytes(lambda: read_table(path))
    assert peak < 1 * MiB, peak
    message = refused(capsys, data_dir, "import", "results", str(path), "--election", "pres2022_t1")
    assert re.search(r"fichier trop volumineux \(1\s907\sMio\) : la limite d'un tableau CSV est de 512\sMio", message), message


def test_junk_csv_of_the_wrong_kind_is_refused_from_its_first_rows(tmp_path: Path) -> None:
    path = _bench().make_junk_csv(tmp_path / "bourre.csv", 40_000_000)
    peak = _peak_bytes(lambda: read_results(path, "pres2022_t1"))
    assert peak < 8 * MiB, peak  # the whole file parsed would hold about 1 Go of cells


def test_a_line_without_end_is_refused_when_met(tmp_path: Path) -> None:
    path = tmp_path / "une_ligne.csv"
    path.write_bytes(b"a;b\n" + b"x" * (MAX_LINE_CHARS + 10))
    peak = _peak_bytes(lambda: read_table(path))
    assert peak < 16 * MiB, peak


def test_benchmark_reports_the_peaks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    figures = _bench().main(["--work-dir", str(tmp_path), "--bomb-gib", "0.25", "--csv-gb", "2", "--junk-mb", "20"])
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == figures
    assert figures["refused"] and figures["warehouse_unchanged"]
    for name in ("zip_bomb", "big_csv", "junk_csv"):  # within 100 Mo of a run that reads nothing
        assert figures[f"{name}_peak_mb"] < figures["baseline_peak_mb"] + 100


def test_junk_csv_given_as_addresses_is_refused_from_its_first_rows(tmp_path: Path) -> None:
    from dashboard.ingest.addresses import read_addresses

    path = _bench().make_junk_csv(tmp_path / "adresses.csv", 40_000_000)
    peak = _peak_bytes(lambda: read_addresses(path))
    assert peak < 8 * MiB, peak
