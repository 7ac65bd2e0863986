"""Warehouse build benchmark: demo generation + import, per step, against a raw-read baseline.

    python benchmarks/warehouse_build.py [--scale city|national] [--data-dir DIR]

Prints, for the chosen scale: generation time, then for every generated file the import
time (parse + validate + write, in one transaction) and the time of a bare
``pandas.read_csv`` / ``pyogrio.read_dataframe`` of the same file (the baseline: reading
without any validation or normalisation), their ratio, and finally the warehouse size and
peak memory. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyogrio

from dashboard.demo import generate_demo
from dashboard.demo.build import import_options
from dashboard.warehouse.importer import import_files
from dashboard.warehouse.database import warehouse_path


def baseline_read(path: Path) -> float:
    started = time.perf_counter()
    if path.suffix in (".csv",):
        with open(path, "rb") as handle:
            head = handle.read(4096)
        sep = ";" if head.count(b";") > head.count(b",") else ","
        pd.read_csv(path, sep=sep, dtype=str, encoding="latin-1", low_memory=False)
    elif path.suffix == ".xlsx":
        pd.read_excel(path, dtype=str)
    else:
        pyogrio.read_dataframe(path)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["city", "national"], default="city")
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    work = args.data_dir or Path(tempfile.mkdtemp(prefix="isoloir-bench-"))
    shutil.rmtree(work / "warehouse.duckdb", ignore_errors=True)
    started = time.perf_counter()
    manifest = generate_demo(work, scale=args.scale)
    print(f"generation ({args.scale}): {time.perf_counter() - started:.1f} s")
    print(f"{'file':<42} {'kind':<16} {'MB':>7} {'import s':>9} {'baseline s':>11} {'ratio':>6}")
    total = 0.0
    for item in manifest.files:
        t0 = time.perf_counter()
        import_files(item.kind, [item.path], work, import_options(item))
        elapsed = time.perf_counter() - t0
        total += elapsed
        base = baseline_read(item.path)
        size = item.path.stat().st_size / 1e6
        print(f"{item.path.name:<42} {item.kind:<16} {size:7.1f} {elapsed:9.2f} {base:11.2f} {elapsed / max(base, 1e-6):6.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"import total: {total:.1f} s; warehouse: {warehouse_path(work).stat().st_size / 1e6:.1f} MB; peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
