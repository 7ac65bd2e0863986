"""Column mappings of the geometry kinds (stations, IRIS contours, IRIS indicators), in TOML.

The same ``--mapping`` file mechanism as the results (:mod:`~dashboard.ingest.results_mapping`),
one small file per source. Examples for real files live in ``docs/mappings/``::

    kind = "stations"            # optional: refused when imported as another kind
    commune = "31555"            # a constant commune (a city's own file has no commune column)
    crs = "EPSG:4326"            # optional: as --crs (overrides a declared CRS, with a warning)

    [columns]                    # field names of the file (case-insensitive)
    station = "id_bv"            # a full id ("93010_0001", "2A004_001"): never prefixed again
    commune = "CODE"             # or the commune's code
    bv = "BUREAU"                #    and the bureau's number
    name = "NOM"                 # the bureau's name

    [pattern]                    # optional: parts read from one field with a regular expression
    column = "arr-num"           # e.g. "20-18" = arrondissement 20, bureau 18
    regex = '^(?P<arrondissement>\\d+)-(?P<bureau>\\d+)$'   # groups: bureau, commune, arrondissement

IRIS contours: ``[columns] code``, ``name``, ``commune``. IRIS indicators: ``[columns] code``
and an optional ``year = 2015``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard.errors import ImportRejected

_COLUMNS = {
    "stations": {"station", "commune", "bv", "name"},
    "iris-contours": {"code", "name", "commune"},
    "iris-indicators": {"code"},
}
_TOP = {
    "stations": {"kind", "commune", "crs", "columns", "pattern"},
    "iris-contours": {"kind", "crs", "columns"},
    "iris-indicators": {"kind", "columns", "year"},
}
_GROUPS = {"bureau", "commune", "arrondissement"}


@dataclass(frozen=True)
class GeoMapping:
    """A checked mapping of one geometry kind; empty fields mean "detect as usual"."""

    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    commune: str | None = None
    crs: str | None = None
    pattern_column: str | None = None
    pattern: re.Pattern[str] | None = None
    year: int | None = None
    source: str | None = None  # file name, for messages


def _fail(message: str, path: Path | None) -> ImportRejected:
    return ImportRejected(message, file=path)


def check_mapping(data: dict[str, Any], kind: str, path: Path | None = None) -> GeoMapping:
    """Check a mapping's keys for ``kind``; unknown keys are refused (they are typos)."""
    if kind not in _COLUMNS:
        raise _fail(f"pas de correspondance de colonnes pour le type {kind}", path)
    declared = data.get("kind")
    if declared is not None and declared != kind:
        raise _fail(f"cette correspondance est pour le type {declared}, pas {kind}", path)
    unknown = set(data) - _TOP[kind]
    if unknown:
        raise _fail(f"clés inconnues dans la correspondance : {', '.join(sorted(unknown))} (possibles : {', '.join(sorted(_TOP[kind]))})", path)
    columns = data.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) and v.strip() for v in columns.values()):
        raise _fail("[columns] doit associer chaque rôle à un nom de colonne (texte)", path)
    bad = set(columns) - _COLUMNS[kind]
    if bad:
        raise _fail(
            f"colonnes inconnues dans [columns] : {', '.join(sorted(bad))} (attendues : {', '.join(sorted(_COLUMNS[kind]))})", path
        )
    pattern_column, pattern = None, None
    if "pattern" in data:
        spec = data["pattern"]
        if not isinstance(spec, dict) or set(spec) != {"column", "regex"}:
            raise _fail("[pattern] doit donner column = \"…\" et regex = '…'", path)
        try:
            pattern = re.compile(str(spec["regex"]))
        except re.error as exc:
            raise _fail(f"expression régulière invalide dans [pattern] ({exc})", path) from exc
        groups = set(pattern.groupindex)
        if "bureau" not in groups or not groups <= _GROUPS:
            raise _fail("[pattern] regex doit nommer le groupe (?P<bureau>…), et peut nommer commune et arrondissement", path)
        pattern_column = str(spec["column"])
    year = data.get("year")
    if year is not None and not isinstance(year, int):
        raise _fail("year doit être une année (nombre)", path)
    commune = data.get("commune")
    return GeoMapping(
        kind, {k: str(v) for k, v in columns.items()}, str(commune) if commune is not None else None,
        str(data["crs"]) if data.get("crs") else None, pattern_column, pattern, year, path.name if path else None,
    )


def load_geo_mapping(path: Path, kind: str) -> GeoMapping:
    """Read and check a TOML mapping file for ``kind``."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail("fichier de correspondance introuvable", path) from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _fail(f"fichier de correspondance illisible ({exc})", path) from exc
    return check_mapping(data, kind, path)
