"""The sensitive-mention detector measured: precision and recall per category and overall, time per text.

On the labelled French sets of ``tests/privacy/`` (``sensitive_cases.tsv``, the development set the
lexicon was tuned on; ``sensitive_holdout.tsv`` and ``sensitive_fresh.tsv``, written later, each
measured once before the lexicon learnt from its misses) or the case files given. Also the
time to build the lexicon (once per process: simplemma's French dictionary is read) and the time
per text (mean, median and slowest over every text, best of ``--repeat`` passes, lexicon built).
The last line is JSON: ``texts``, ``precision``, ``recall`` (all sets, micro-averaged), the same per
set (``<set>_precision``, ``<set>_recall``) and per category (``<set>_<category>_precision``…),
``lexicon_s``, ``ms_per_text``, ``median_ms``, ``max_ms``. With the official sample files beside the
repository (``../shared/data``, or ``--shared-data DIR``), also how many of their distinct place
strings (REU addresses, polling-place names and addresses, commune and district labels: the fields
of every GeoJSON and CSV whose name says address, place, label or station) it catches:
``place_names``, ``place_names_caught`` (every one caught is printed).

    python benchmarks/sensitive.py [--cases FILE …] [--repeat 5] [--shared-data DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.privacy import sensitive  # noqa: E402
from dashboard.privacy.evaluation import Case, read_cases, score  # noqa: E402

CASES_DIR = Path(__file__).resolve().parent.parent / "tests" / "privacy"
DEFAULT_CASES = [CASES_DIR / f"sensitive_{name}.tsv" for name in ("cases", "holdout", "fresh")]
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
PLACE_FIELD = re.compile(r"(?i)lieu|adr|libel|voie|etab|bureau|site|name")
WORDY = re.compile(r"[^\W\d_]{3}")


def place_names(folder: Path) -> set[str]:
    """Distinct strings of the place-like fields of every GeoJSON and CSV under ``folder``."""
    found: set[str] = set()

    def take(rows: list[dict[str, object]]) -> None:
        for row in rows:
            found.update(v for k, v in row.items() if k and isinstance(v, str) and PLACE_FIELD.search(k) and WORDY.search(v))

    for path in sorted(folder.rglob("*.geojson")):
        try:
            features = json.loads(path.read_text(encoding="utf-8")).get("features", [])
        except (ValueError, AttributeError):  # a JavaScript wrapper or not a collection: not read here
            continue
        take([f.get("properties") or {} for f in features])
    for path in sorted(folder.rglob("*.csv")):
        with path.open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
            handle.seek(0)
            take(list(csv.DictReader(handle, delimiter=";" if head.count(";") > head.count(",") else ",")))
    return found


def _timings(cases: list[Case], repeat: int) -> list[float]:
    """Seconds per text: for each text, its best time over ``repeat`` passes."""
    best = [float("inf")] * len(cases)
    for _ in range(repeat):
        for i, case in enumerate(cases):
            start = time.perf_counter()
            sensitive.detect(case.text)
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> dict[str, float | int]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, nargs="+", default=DEFAULT_CASES, help="case files (catégories<TAB>texte)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--shared-data", type=Path, default=SHARED_DATA, help="official sample files (../shared/data)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    sensitive.lexicon()
    figures: dict[str, float | int] = {}
    lexicon_s = time.perf_counter() - start
    every: list[Case] = []
    for path in args.cases:
        cases = read_cases(path)
        every += cases
        name = path.stem.removeprefix("sensitive_")
        scores = score(cases)
        print(f"{path.name} : {len(cases)} textes ({sum(bool(c.expected) for c in cases)} sensibles)")
        print(f"  {'catégorie':<20} {'précision':>9} {'rappel':>7} {'vp':>4} {'fp':>4} {'fn':>4}")
        for category in sensitive.CATEGORIES:
            p, r = scores.precision(category), scores.recall(category)
            print(f"  {category:<20} {p:>9.3f} {r:>7.3f} {scores.tp[category]:>4} {scores.fp[category]:>4} {scores.fn[category]:>4}")
            figures[f"{name}_{category}_precision"] = round(p, 3)
            figures[f"{name}_{category}_recall"] = round(r, 3)
        print(f"  {'ensemble':<20} {scores.precision():>9.3f} {scores.recall():>7.3f}")
        figures[f"{name}_precision"] = round(scores.precision(), 3)
        figures[f"{name}_recall"] = round(scores.recall(), 3)
        for case, found in scores.misses:
            print(f"    attendu {sorted(case.expected)} trouvé {sorted(found)} : {case.text}")
    overall = score(every)
    times = _timings(every, args.repeat)
    figures |= {
        "texts": len(every), "precision": round(overall.precision(), 3), "recall": round(overall.recall(), 3),
        "lexicon_s": round(lexicon_s, 3), "ms_per_text": round(statistics.fmean(times) * 1e3, 4),
        "median_ms": round(statistics.median(times) * 1e3, 4), "max_ms": round(max(times) * 1e3, 4),
    }
    if args.shared_data.is_dir():
        names = place_names(args.shared_data)
        caught = sorted(n for n in names if sensitive.detect(n).sensitive)
        figures |= {"place_names": len(names), "place_names_caught": len(caught)}
        print(f"Noms de lieux de {args.shared_data} : {len(caught)} repéré(s) sur {len(names)}")
        for name in caught:
            print(f"    {name} : {sensitive.detect(name).categories}")
    print(f"Lexique construit en {lexicon_s:.2f} s ; {figures['ms_per_text']} ms par texte en moyenne "
          f"(médiane {figures['median_ms']} ms, le plus lent {figures['max_ms']} ms)")
    print(json.dumps(figures, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
