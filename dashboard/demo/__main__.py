"""Command line: ``python -m dashboard.demo OUT_DIR [--scale city|national] [--seed N]``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import generate_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.demo",
                                     description="Génère le territoire de démonstration fictif.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--scale", choices=("city", "national"), default="city")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()

    def progress(message: str, fraction: float) -> None:
        print(f"[{fraction:6.1%}] {time.perf_counter() - t0:6.1f} s  {message}", file=sys.stderr, flush=True)

    manifest = generate_demo(args.out_dir, scale=args.scale, seed=args.seed, progress=progress)
    for f in manifest.files:
        print(f"{f.kind}\t{f.election or f.set_label or ''}\t{f.path}")
    print(f"truth\t\t{manifest.truth_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
