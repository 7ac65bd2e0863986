"""Peak memory of refusing hostile imports: a 2 Gio zip bomb and a 2 Go sparse CSV (issue 12, row 14).

Each import runs ``isoloir import`` in a fresh subprocess; its peak resident memory (``VmHWM`` of
the child) and wall time are printed, then one JSON line: ``zip_bomb_peak_mb``, ``zip_bomb_seconds``,
``big_csv_peak_mb``, ``big_csv_seconds``, ``junk_csv_peak_mb``, ``junk_csv_seconds``, ``baseline_peak_mb``
(the same command on a missing file: Python, pandas and GDAL loaded), ``refused`` (every hostile file
refused with a French message), ``warehouse_unchanged``.

    python benchmarks/import_limits.py [--work-dir DIR] [--bomb-gib 2] [--csv-gb 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MiB = 1 << 20


def make_zip_bomb(path: Path, inflated_bytes: int, member: str = "bureaux.shp") -> Path:
    """A zip whose one member inflates to ``inflated_bytes`` of zeros (written in 16 Mio chunks)."""
    chunk = bytes(16 * MiB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(member, "w", force_zip64=True) as out:
            left = inflated_bytes
            while left > 0:
                out.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
    return path


def make_sparse_csv(path: Path, size_bytes: int) -> Path:
    """A CSV header followed by a hole: ``size_bytes`` on disk by size, almost nothing written."""
    with open(path, "wb") as handle:
        handle.write(b"Code du departement;Inscrits;Votants\n")
        handle.truncate(size_bytes)
    return path


def make_junk_csv(path: Path, size_bytes: int) -> Path:
    """Text junk with separators and line breaks, ``size_bytes`` long (written, not sparse)."""
    line = b"x;" * 40 + b"\n"
    block = line * (MiB // len(line))
    with open(path, "wb") as handle:
        written = 0
        while written < size_bytes:
            handle.write(block)
            written += len(block)
    return path


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", type=Path, default=None, help="where the hostile files are written (a temporary folder by default)")
    parser.add_argument("--bomb-gib", type=float, default=2.0, help="inflated size of the zip bomb, in Gio")
    parser.add_argument("--csv-gb", type=float, default=2.0, help="size of the sparse CSV, in Go (10⁹ octets)")
    parser.add_argument("--junk-mb", type=float, default=600.0, help="size of the written junk CSV, in Mo")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.work_dir) as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        data_dir.mkdir(mode=0o700)
        bomb = make_zip_bomb(work / "bombe.zip", int(args.bomb_gib * (1 << 30)))
        sparse = make_sparse_csv(work / "creux.csv", int(args.csv_gb * 1e9))
        junk = make_junk_csv(work / "bourre.csv", int(args.junk_mb * 1e6))
        figures: dict[str, object] = {}
        results = {}
        for name, kind, path, extra in (("zip_bomb", "stations", bomb, ()),
                                         ("big_csv", "results", sparse, ("--election", "pres2022_t1")),
                                         ("junk_csv", "results", junk, ("--election", "pres2022_t1"))):
            result = _measured(data_dir, kind, path, *extra)
            results[name] = result
            print(f"{name}: {path.stat().st_size / 1e6:,.0f} Mo sur disque → code {result['code']}, "
                  f"pointe {result['peak_mb']} Mo, {result['seconds']} s — {result['message']}")
            figures[f"{name}_peak_mb"] = result["peak_mb"]
            figures[f"{name}_seconds"] = result["seconds"]
        base = _measured(data_dir, "results", work / "absent.csv", "--election", "pres2022_t1")
        figures["baseline_peak_mb"] = base["peak_mb"]
        figures["refused"] = all(r["code"] == 1 and str(r["message"]).startswith("Erreur : Import refusé") for r in results.values())
        figures["warehouse_unchanged"] = not (data_dir / "warehouse.duckdb").exists()
    print(json.dumps(figures))
    return figures


def _measured(data_dir: Path, kind: str, path: Path, *extra: str) -> dict[str, object]:
    """``isoloir import`` in a child that prints its own peak RSS (``VmHWM``) when it ends."""
    code = (
        "import sys\n"
        "status = 0\n"
        "try:\n"
        "    from dashboard.cli import main\n"
        "    status = main(sys.argv[1:])\n"
        "finally:\n"
        "    hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "    print('PEAK_KB', int(hwm.split()[1]), file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, "import", kind, str(path), *extra, "--data-dir", str(data_dir)],
                          cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - start
    lines = [line for line in done.stderr.strip().splitlines() if line]
    peak = next((int(line.split()[1]) for line in lines if line.startswith("PEAK_KB")), 0)
    message = next((line for line in reversed(lines) if not line.startswith("PEAK_KB")), "")
    return {"code": done.returncode, "message": message, "seconds": round(seconds, 2), "peak_mb": round(peak / 1024, 1)}


if __name__ == "__main__":
    main()
