"""Import orchestration: parse every file, then write them all in one transaction.

Parsing validates everything before the warehouse is even opened, so a bad file
leaves the warehouse exactly as it was (and does not create it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from dashboard.ingest import ImportOptions, get_kind
from dashboard.ingest.addresses import ParsedAddresses, ParsedReuStations
from dashboard.ingest.communes import ParsedCommunes
from dashboard.ingest.indicators import ParsedIndicators
from dashboard.ingest.iris import ParsedIris
from dashboard.ingest.report import ImportReport
from dashboard.ingest.results_layout import ParsedResults
from dashboard.ingest.stations import ParsedStations
from dashboard.warehouse.joins import join_report
from dashboard.warehouse.database import Warehouse, warehouse_path

Progress = Callable[[str, float], None]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write(wh: Warehouse, parsed: object, path: Path, sha: str, progress: Progress | None) -> None:
    source = path.name
    if isinstance(parsed, ParsedResults):
        wh.write_results(parsed, source)
    elif isinstance(parsed, ParsedStations):
        wh.write_stations(parsed, source, sha, progress)
    elif isinstance(parsed, ParsedIris):
        wh.write_iris(parsed, source)
    elif isinstance(parsed, ParsedIndicators):
        wh.write_indicators(parsed, source)
    elif isinstance(parsed, ParsedAddresses):
        wh.write_addresses(parsed, source)
    elif isinstance(parsed, ParsedReuStations):
        wh.write_reu_stations(parsed, source)
    elif isinstance(parsed, ParsedCommunes):
        wh.write_communes(parsed, source)
    else:  # pragma: no cover - the registry only returns the types above
        raise TypeError(type(parsed))


def import_files(
    kind: str,
    files: list[Path],
    data_dir: Path,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> list[ImportReport]:
    """Import ``files`` of one kind into ``data_dir``'s warehouse, atomically.

    Raises :class:`~dashboard.errors.ImportRejected` (warehouse untouched) on
    the first bad file. Returns one report per file, with the join diagnostics.
    """
    options = options or ImportOptions()
    spec = get_kind(kind)
    parsed_files = []
    total = len(files)
    for number, path in enumerate(files):
        path = Path(path)
        if progress:
            progress(f"Lecture de {path.name}", number / (total + 1))
        parsed = spec.parse(path, options)
        parsed_files.append((path, parsed, file_sha256(path)))
    if progress:
        progress("Écriture dans l'entrepôt", total / (total + 1))
    with Warehouse(warehouse_path(data_dir)) as wh:
        with wh.transaction():
            for path, parsed, sha in parsed_files:
                _write(wh, parsed, path, sha, progress)
            wh.refresh_election_sets()
            reports = [parsed.report for _, parsed, _ in parsed_files]
            for (path, parsed, sha), report in zip(parsed_files, reports):
                report.joins.update(join_report(wh, parsed))
                wh.log_import(report, sha, {"kind": kind, **options.as_dict()})
    if progress:
        progress("Import terminé", 1.0)
    return reports
