"""The electoral list import measured: a fictitious list of the demo territory read, matched and stored.

Builds the demo city (``isoloir demo``) in a work folder unless ``--demo-dir`` names one, writes a
fictitious REU extract of ``--voters`` people (``dashboard/demo/voters.py``: abbreviations, upper
case, a spurious « bis », typos, numbers and streets that do not exist), then imports it as
``isoloir voters import`` does into a fresh DuckDB campaign store of the work folder: read and
checked, addresses matched offline, names sealed, written in one transaction. ``seconds`` is that
import (read + match + write), not the generation. The aims of issue 18: under 60 s for 50,000
voters, at least 95 % matched automatically. The last line is JSON: ``voters``, ``seconds``,
``match_rate``, ``unmatched``, and ``doubtful``, ``read_match_s``, ``write_s``, ``generate_s``.

    python benchmarks/voters.py [--voters 50000] [--demo-dir DIR] [--work-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.access import data_key  # noqa: E402
from dashboard.canvass.voters import prepare_voter_import, write_prepared  # noqa: E402
from dashboard.demo.voters import generate_voter_list, write_voter_csv  # noqa: E402
from dashboard.store import CampaignStore  # noqa: E402
from dashboard.warehouse.database import Warehouse  # noqa: E402


def main(argv: list[str] | None = None) -> dict[str, float | int]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=50_000)
    parser.add_argument("--demo-dir", type=Path, help="a data folder holding the demo city (built when absent)")
    parser.add_argument("--work-dir", type=Path, help="where the list and the store are written (a temporary folder)")
    args = parser.parse_args(argv)
    os.environ.setdefault(data_key.ENV_VARIABLE, data_key.new_key())  # a throwaway key for the throwaway store
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work_dir or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        demo = args.demo_dir
        if demo is None:
            from dashboard.cli import main as isoloir

            demo = work / "demo"
            if isoloir(["demo", "--data-dir", str(demo)]) != 0:
                raise SystemExit("isoloir demo failed")
        started = time.perf_counter()
        with Warehouse(demo / "warehouse.duckdb", read_only=True) as wh:
            frame = generate_voter_list(wh.query("SELECT * FROM address"), args.voters)
            path = write_voter_csv(frame, work / "liste-electorale-fictive.csv")
            generated = time.perf_counter() - started
            started = time.perf_counter()
            prepared = prepare_voter_import(path, wh)
        read_match = time.perf_counter() - started
        store = CampaignStore(work / "campaign-bench.duckdb")
        started = time.perf_counter()
        report = write_prepared(prepared, store, by="cli")
        write = time.perf_counter() - started
        store.close()
    figures: dict[str, float | int] = {
        "voters": report.rows, "seconds": round(read_match + write, 2), "match_rate": round(report.match_rate, 4),
        "unmatched": report.unmatched, "doubtful": report.doubtful, "read_match_s": round(read_match, 2),
        "write_s": round(write, 2), "generate_s": round(generated, 2),
    }
    print("\n".join(report.lines_fr()), file=sys.stderr)
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
