"""What a dropped file is: its kind, layout, election, communes and encoding, found by the registry's parsers.

:func:`recognise` is pure (no warehouse): it sniffs the file's bytes and columns to order the
registry's kinds from the likeliest, then runs each kind's own ``parse`` (the one ``isoloir import``
runs) until one accepts the file. The accepted parse is kept in the :class:`Recognition`, so the
preview and the write that follow use exactly what was read; when no kind accepts it, the French
refusal of the likeliest kind is kept. A kind forced by the user (a correction) is the only one tried.
"""

from __future__ import annotations

import json
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.errors import ImportRejected
from dashboard.ingest import KINDS, ImportOptions, get_kind
from dashboard.ingest.limits import read_head
from dashboard.ingest.tables import header_key

GEO_SUFFIXES = (".geojson", ".gpkg", ".shp", ".kml", ".gml", ".fgb")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
_HEAD = 65_536


@dataclass(frozen=True)
class Recognition:
    """What one file was recognised as; ``parsed`` is the registry parser's result when a kind accepted it."""

    path: Path
    kind: str | None
    layout: str = ""
    election: str | None = None
    communes: tuple[str, ...] = ()
    encoding: str | None = None
    columns: tuple[str, ...] = ()
    rows: int = 0
    parsed: Any = None
    message_fr: str | None = None
    tried: tuple[str, ...] = ()
    options: ImportOptions = field(default_factory=ImportOptions)

    @property
    def ok(self) -> bool:
        return self.parsed is not None

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind].label_fr if self.kind in KINDS else "non reconnu"


def _zip_names(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return []


def _is_geo(path: Path, head: bytes) -> bool:
    suffix = path.suffix.lower()
    if suffix in GEO_SUFFIXES:
        return True
    if head.startswith(b"PK\x03\x04"):
        return any(n.lower().endswith((".shp", ".gpkg", ".geojson")) for n in _zip_names(path))
    text = head[:_HEAD].decode("utf-8", "replace")
    return '"FeatureCollection"' in text or '"Feature"' in text or re.search(r'"type"\s*:\s*"Feature', text) is not None


def geo_columns(path: Path) -> tuple[str, ...]:
    """The attribute columns of a vector file's first layer (empty when unreadable: the parsers say why)."""
    import pyogrio

    from dashboard.ingest.vectors import _load, _source

    try:
        with warnings.catch_warnings():  # several layers: the parser chooses (and says which)
            warnings.simplefilter("ignore")
            info = pyogrio.read_info(_source(path))
        return tuple(str(f) for f in info["fields"])
    except Exception:  # noqa: BLE001, S110 - GDAL cannot open it: JS-wrapped GeoJSON or JSON records, read below
        pass
    try:  # the parsers' own reader (so the page's column menus work for those files too)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame, _note = _load(path, _source(path), None)
        return tuple(str(c) for c in frame.columns if c != "geometry")
    except Exception:  # noqa: BLE001 - unreadable here means the parser's French refusal will tell
        return ()


def table_columns(path: Path) -> tuple[tuple[str, ...], str | None]:
    """The header of a CSV or xlsx table and the encoding read (empty when unreadable)."""
    from dashboard.ingest.tables import read_table

    try:
        table = read_table(path, check=lambda _table: None)
    except ImportRejected:
        return (), None
    return tuple(h for h in table.header if h), table.encoding


def _keys(columns: tuple[str, ...]) -> set[str]:
    return {header_key(c) for c in columns}


def candidate_kinds(path: Path) -> tuple[list[str], tuple[str, ...], str | None]:
    """The registry's kinds ordered from the likeliest for ``path``, its columns and its encoding."""
    path = Path(path)
    head = read_head(path, _HEAD) if path.is_file() else b""
    if _is_geo(path, head):
        columns = geo_columns(path)
        keys = " ".join(_keys(columns))
        # one kind per geometry file: a station file read as communes would draw wrong contours
        if "iris" in keys:
            order = ["iris-contours"]
        elif re.search(r"bureau|bv|vote", keys) is None and re.search(r"com|insee", keys):
            order = ["communes"]
        else:
            order = ["stations"]
        return order, columns, "utf-8"
    if path.suffix.lower() == ".json" or head.lstrip()[:1] in (b"{", b"["):
        return ["results"], _json_keys(path), "utf-8"
    columns, encoding = table_columns(path)
    if encoding is None and head.startswith(b"PK\x03\x04"):
        encoding = "classeur xlsx"
    keys = _keys(columns)
    joined = " ".join(keys)
    if re.search(r"voix|exprim|inscrit|votant", joined):
        order = ["results"]
    elif any("iris" in k for k in keys):
        order = ["iris-indicators"]
    elif "libelle_reu" in joined or "id_brut_bv_reu" in joined or ("code_bv" in joined and "longitude" in joined):
        order = ["addresses", "reu-stations"]
    else:
        order = ["results", "iris-indicators", "addresses", "communes"]
    return order, columns, encoding


def _json_keys(path: Path) -> tuple[str, ...]:
    """Keys of the first record of a JSON table (for the mapping menus), when it is one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    records = data if isinstance(data, list) else next((v for v in data.values() if isinstance(v, list)), []) if isinstance(data, dict) else []
    first = records[0] if records else None
    return tuple(str(k) for k in first) if isinstance(first, dict) else ()


def _frame_of(parsed: Any) -> pd.DataFrame | None:
    for name in ("turnout", "frame", "values"):
        frame = getattr(parsed, name, None)
        if isinstance(frame, pd.DataFrame):
            return frame
    return None


def describe(path: Path, kind: str, parsed: Any, columns: tuple[str, ...], encoding: str | None,
             options: ImportOptions, tried: tuple[str, ...]) -> Recognition:
    """The :class:`Recognition` of a file a kind's parser accepted."""
    report = getattr(parsed, "report", None)
    frame = _frame_of(parsed)
    communes: tuple[str, ...] = ()
    if frame is not None and "commune_code" in frame.columns:
        communes = tuple(sorted(str(c) for c in frame["commune_code"].dropna().unique()))
    elif frame is not None and "code_iris" in frame.columns:
        communes = tuple(sorted({str(c)[:5] for c in frame["code_iris"].dropna()}))
    return Recognition(
        path=path, kind=kind, layout=(report.format if report is not None and report.format else KINDS[kind].label_fr),
        election=getattr(parsed, "election_id", None), communes=communes, encoding=encoding, columns=columns,
        rows=int(report.rows_read) if report is not None else 0, parsed=parsed, tried=tried, options=options,
    )


def recognise(path: Path, options: ImportOptions | None = None, kind: str | None = None) -> Recognition:
    """Recognise ``path``: the first of its likeliest kinds whose parser accepts it (or only ``kind`` when given).

    Never raises for a bad file: a file no kind reads comes back with ``kind`` the likeliest one,
    ``parsed`` None and the parser's French ``message_fr``.
    """
    path = Path(path)
    options = options or ImportOptions()
    order, columns, encoding = candidate_kinds(path)
    if kind is not None:
        get_kind(kind)  # unknown kind: French refusal
        order = [kind]
    first_refusal: tuple[str, str] | None = None
    tried: list[str] = []
    for name in order:
        tried.append(name)
        try:
            parsed = KINDS[name].parse(path, options)
        except ImportRejected as error:
            if first_refusal is None:
                first_refusal = (name, error.message_fr)
            continue
        except Exception:  # noqa: BLE001 - a parser's own bug on a wrong kind: said in French, never a traceback
            if first_refusal is None:
                first_refusal = (name, ImportRejected(f"ce fichier ne se lit pas comme « {KINDS[name].label_fr} » : "
                                                      "choisissez un autre type", file=path).message_fr)
            continue
        return describe(path, name, parsed, columns, encoding, options, tuple(tried))
    assert first_refusal is not None
    return Recognition(path=path, kind=first_refusal[0], encoding=encoding, columns=columns,
                       message_fr=first_refusal[1], tried=tuple(tried), options=options)


def with_options(recognition: Recognition, options: ImportOptions, kind: str | None = None) -> Recognition:
    """Recognise the same file again after a correction (kind, election, CRS, column mapping)."""
    return recognise(recognition.path, options, kind or recognition.kind)


__all__ = ["Recognition", "candidate_kinds", "describe", "recognise", "with_options"]
