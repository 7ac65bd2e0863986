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
from dashboard.warehouse.writing import writing

Progress = Callable[[str, float], None]
ParsedFile = tuple[Path, object, str]
# Called inside the write transaction once the files are written (e.g. the crosswalks between
# boundary versions: ``dashboard.boundaries.crosswalk.refresh_after_import``, which this rank-2
# module may not import); returns French lines for the report.
AfterWrite = Callable[[Warehouse, list[ParsedFile]], list[str]]


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


def parse_files(kind: str, files: list[Path], options: ImportOptions, progress: Progress | None = None) -> list[ParsedFile]:
    """Parse and validate every file (no database): raises :class:`~dashboard.errors.ImportRejected`
    on the first bad one. Returns (path, parsed, sha256) per file."""
    spec = get_kind(kind)
    parsed_files = []
    total = len(files)
    for number, path in enumerate(files):
        path = Path(path)
        if progress:
            progress(f"Lecture de {path.name}", number / (total + 1))
        parsed = spec.parse(path, options)
        parsed_files.append((path, parsed, file_sha256(path)))
    return parsed_files


def write_parsed(wh: Warehouse, kind: str, parsed_files: list[ParsedFile], options: ImportOptions,
                 progress: Progress | None = None, after_write: AfterWrite | None = None) -> list[ImportReport]:
    """Write parsed files into the read-write ``wh`` in one transaction; one report per file.

    ``after_write`` runs in the same transaction after the files are written; its lines go to
    the last report's ``details["after_write"]``."""
    with wh.transaction():
        for path, parsed, sha in parsed_files:
            _write(wh, parsed, path, sha, progress)
        reports = [parsed.report for _, parsed, _ in parsed_files]  # type: ignore[attr-defined]
        if after_write is not None:
            if progress:
                progress("Tables de passage entre versions de contours", 0.9)
            lines = after_write(wh, parsed_files)
            if lines and reports:
                reports[-1].details["after_write"] = lines
        wh.refresh_election_sets()
        for (path, parsed, sha), report in zip(parsed_files, reports):
            report.joins.update(join_report(wh, parsed))
            wh.log_import(report, sha, {"kind": kind, **options.as_dict()})
    return reports


def import_files(
    kind: str,
    files: list[Path],
    data_dir: Path,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
    lock_timeout: float | None = None,
    after_write: AfterWrite | None = None,
) -> list[ImportReport]:
    """Import ``files`` of one kind into ``data_dir``'s warehouse, atomically.

    Raises :class:`~dashboard.errors.ImportRejected` (warehouse untouched) on
    the first bad file. Returns one report per file, with the join diagnostics.
    The write goes to a copy swapped into place (``warehouse/writing.py``), so it
    works while the app reads the warehouse. ``after_write``: see :func:`write_parsed` (callers
    pass ``dashboard.boundaries.crosswalk.refresh_after_import`` so new versions get their crosswalks).
    """
    options = options or ImportOptions()
    parsed_files = parse_files(kind, files, options, progress)
    return write_imports([(kind, parsed_files, options)], data_dir, progress, lock_timeout, after_write)


Batch = tuple[str, list[ParsedFile], ImportOptions]


def write_imports(batches: list[Batch], data_dir: Path, progress: Progress | None = None,
                  lock_timeout: float | None = None, after_write: AfterWrite | None = None) -> list[ImportReport]:
    """Write already parsed files, each batch of one kind with its options, in one swap of the warehouse
    (the import page's confirm: the files recognised and previewed, then written as ``isoloir import`` does).
    A failure leaves the warehouse as it was. Returns one report per file."""
    total = sum(len(files) for _, files, _ in batches)
    if progress:
        progress("Écriture dans l'entrepôt", total / (total + 1))
    reports: list[ImportReport] = []
    with writing(warehouse_path(data_dir), timeout=lock_timeout, progress=progress) as wh:
        for kind, parsed_files, options in batches:
            reports += write_parsed(wh, kind, parsed_files, options, progress, after_write)
    if progress:
        progress("Import terminé", 1.0)
    return reports
