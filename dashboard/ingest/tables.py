"""Reading tabular sources (CSV in any usual dialect, xlsx) into raw string tables.

Everything is read as text, with the physical line of every record kept so that
errors can name it. Encoding and separator are detected; a file that is empty,
binary, or not a table is refused with :class:`~dashboard.errors.ImportRejected`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from dashboard.errors import ImportRejected
from dashboard.ingest.limits import MAX_TABLE_COLUMNS, check_archive, check_table_size, read_head

SEPARATORS = (";", ",", "\t", "|")
_BINARY_MAGIC = {
    b"%PDF": "un PDF",
    b"\x89PNG": "une image PNG",
    b"\xff\xd8\xff": "une image JPEG",
    b"GIF8": "une image GIF",
    b"\x1f\x8b": "une archive gzip",
    b"SQLite format 3": "une base SQLite",
    b"\xd0\xcf\x11\xe0": "un ancien fichier Excel (.xls) : enregistrez-le en .xlsx ou .csv",
}


@dataclass(frozen=True)
class RawTable:
    """A table of text cells with positional columns.

    ``header`` holds the header cells (``""`` where empty); ``cells`` has
    integer column labels ``0..n-1`` and ``object`` string cells (``""`` when
    empty); ``lines`` holds each row's 1-based physical line (CSV) or sheet row
    (xlsx).
    """

    path: Path
    header: list[str]
    cells: pd.DataFrame
    lines: np.ndarray
    encoding: str | None
    separator: str | None
    header_line: int

    @property
    def name(self) -> str:
        return self.path.name

    def column(self, index: int) -> pd.Series:
        return self.cells[index]

    def label(self, index: int) -> str:
        """A human name for a column: its header or its position."""
        head = self.header[index] if index < len(self.header) else ""
        return head.replace("\n", " ").strip() if head.strip() else f"n° {index + 1}"


def header_key(text: str) -> str:
    """Comparable form of a header: no accents, lower case, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("\u00a0", " ").replace("\n", " ").lower().strip()
    return re.sub(r"\s+", " ", text)


def is_empty_header(text: str) -> bool:
    """Empty header cell, including pandas' ``Unnamed: 12`` placeholders."""
    stripped = text.strip()
    return not stripped or bool(re.match(r"^unnamed: ?\d+$", stripped, re.IGNORECASE))


def _refuse_binary(path: Path, head: bytes) -> None:
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise ImportRejected(f"ce fichier est {what}, pas un tableau CSV ou xlsx", file=path)
    if b"\x00" in head[:8192]:
        raise ImportRejected("ce fichier est binaire (octets nuls) : attendu un CSV texte ou un classeur .xlsx", file=path)


_MOJIBAKE = re.compile("Ã[\u0080-\u00bf©¨ª«®´§¢¹»¼½¾]")


def _sniff_separator(path: Path, text: str) -> str:
    sample_lines = text[:200_000].splitlines()[:40]
    sample = "\n".join(sample_lines)
    best: tuple[int, int, str] | None = None
    for sep in SEPARATORS:
        try:
            rows = [row for row in csv.reader(io.StringIO(sample), delimiter=sep) if any(c.strip() for c in row)]
        except csv.Error:
            continue
        if not rows:
            continue
        widths = [len(r) for r in rows[:-1] or rows]  # the last sampled line may be cut
        header_width = widths[0]
        consistent = sum(1 for w in widths if w == header_width)
        score = (consistent if header_width > 1 else 0, header_width, sep)
        if best is None or score[:2] > best[:2]:
            best = score
    if best is None or best[1] <= 1:
        raise ImportRejected(
            "impossible de reconnaître les colonnes : aucun séparateur « ; », « , », tabulation ou « | » ne découpe la première ligne",
            file=path,
            line=1,
        )
    return best[2]


class _WrongDecoding(Exception):
    """The encoding (or the double-encoding repair) tried does not fit the whole file: try the next one."""


_HEAD_BYTES = 256 * 1024  # read to detect the encoding, the separator and binary content
MAX_LINE_CHARS = 1 << 20  # one physical line (the widest real rows are a few kB)
PREVIEW_ROWS = 200  # rows a ``check`` sees before the rest of the file is read


def _decoded_head(head: bytes, encoding: str) -> str | None:
    """``head`` decoded, allowing a multi-byte character cut at its end; None if it does not decode."""
    try:
        return head.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:
            return head[: exc.start].decode(encoding, errors="replace")
        return None


def _lines(stream: io.TextIOBase, path: Path, repair: str | None) -> Iterator[str]:
    """Physical lines of ``stream`` (endings kept), each at most :data:`MAX_LINE_CHARS` long."""
    number = 0
    while line := stream.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise ImportRejected(f"ligne de plus de {MAX_LINE_CHARS:,} caractères : ce n'est pas un tableau".replace(",", "\u202f"),
                                 file=path, line=number)
        if repair is not None:
            try:
                line = line.encode(repair).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                raise _WrongDecoding from None
        yield line


def read_csv_table(path: Path, data: bytes | None = None, *, separator: str | None = None, header_line: int | None = None,
                   check: Callable[[RawTable], object] | None = None) -> RawTable:
    """Read a CSV/TSV file of any usual dialect (``;`` or ``,``, quoted or not, UTF-8 or latin-1).

    The file is read line by line (never whole): a file larger than ``limits.MAX_TABLE_BYTES`` is
    refused from its size, a line longer than :data:`MAX_LINE_CHARS` or a row wider than
    ``limits.MAX_TABLE_COLUMNS`` when met. ``data`` reads those bytes instead of the file. ``check``
    sees the header and the first :data:`PREVIEW_ROWS` rows before the rest is read: a file of the
    wrong kind is refused without reading it whole.
    """
    path = Path(path)
    if data is None:
        check_table_size(path)

    def source() -> BinaryIO:
        return io.BytesIO(data) if data is not None else open(path, "rb")  # noqa: SIM115 - closed by the caller

    with source() as raw:
        head = raw.read(_HEAD_BYTES)
        while head and not head.strip() and (more := raw.read(_HEAD_BYTES)):  # leading blank space
            head = more
    if not head.strip():
        raise ImportRejected("le fichier est vide", file=path)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # Excel's "texte Unicode" export: UTF-16 with a byte-order mark.
        attempts: list[tuple[str, str | None]] = [("utf-16", None)]
    else:
        _refuse_binary(path, head[:8192])
        attempts = [("utf-8-sig", None), ("cp1252", None), ("latin-1", None)]
        sample = _decoded_head(head, "utf-8-sig")
        if sample is not None and _MOJIBAKE.search(sample[:100_000]):  # saved once as latin-1 then as UTF-8
            attempts = [("utf-8-sig", "cp1252"), ("utf-8-sig", "latin-1"), *attempts]
    for encoding, repair in attempts:
        sample = _decoded_head(head, encoding)
        if sample is None:
            continue
        if repair is not None:
            try:
                sample = sample.encode(repair).decode("utf-8", errors="replace")
            except UnicodeEncodeError:
                continue
        sep = separator or _sniff_separator(path, sample)
        label = f"utf-8 (double encodage {repair} corrigé)" if repair else encoding
        try:
            with source() as raw:
                stream = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
                return _parse_rows(path, _lines(stream, path, repair), label, sep, header_line, check)
        except (_WrongDecoding, UnicodeDecodeError):
            continue
    raise ImportRejected("encodage du texte non reconnu", file=path)  # pragma: no cover - latin-1 decodes anything


def _parse_rows(path: Path, lines: Iterator[str], encoding: str, sep: str, header_line: int | None,
                check: Callable[[RawTable], object] | None) -> RawTable:
    reader = csv.reader(lines, delimiter=sep)
    records: list[list[str]] = []
    numbers: list[int] = []
    previous_end = 0
    try:
        for row in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(row) > MAX_TABLE_COLUMNS:
                raise ImportRejected(f"ligne de {len(row)} colonnes (limite : {MAX_TABLE_COLUMNS}) : ce n'est pas un tableau attendu",
                                     file=path, line=start)
            records.append(row)
            numbers.append(start)
            if check is not None and len(records) == PREVIEW_ROWS + 1 and (header_line is None or header_line in numbers):
                check(_to_table(path, records, numbers, encoding, sep, header_line))
                check = None
    except csv.Error as exc:
        raise ImportRejected(f"CSV mal formé ({exc})", file=path, line=previous_end + 1) from exc
    if check is not None and records:
        check(_to_table(path, records, numbers, encoding, sep, header_line))
    return _to_table(path, records, numbers, encoding, sep, header_line)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[no-any-return]
    return str(value)


def read_xlsx_table(path: Path, *, sheet: str | None = None, header_line: int | None = None) -> RawTable:
    """Read the first (or named) sheet of an xlsx workbook as text cells."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportRejected(f"classeur Excel illisible ({exc})", file=path) from exc
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise ImportRejected(f"la feuille « {sheet} » n'existe pas (feuilles : {', '.join(workbook.sheetnames)})", file=path)
        ws = workbook[sheet] if sheet else workbook.worksheets[0]
        records: list[list[str]] = []
        lines: list[int] = []
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in row]
            if not any(c.strip() for c in cells):
                continue
            records.append(cells)
            lines.append(number)
    finally:
        workbook.close()
    if not records:
        raise ImportRejected("la feuille de calcul est vide", file=path)
    return _to_table(path, records, lines, None, None, header_line)


def _to_table(path: Path, records: list[list[str]], lines: list[int], encoding: str | None, sep: str | None, header_line: int | None) -> RawTable:
    if not records:
        raise ImportRejected("le fichier ne contient aucune ligne", file=path)
    index = 0
    if header_line is not None:
        try:
            index = lines.index(header_line)
        except ValueError:
            raise ImportRejected(f"la ligne d'en-tête {header_line} est vide ou absente", file=path, line=header_line) from None
    header = [cell.strip() for cell in records[index]]
    body = records[index + 1 :]
    body_lines = lines[index + 1 :]
    width = max([len(header)] + [len(r) for r in body]) if body else len(header)
    header = header + [""] * (width - len(header))
    padded = [r + [""] * (width - len(r)) for r in body]
    cells = pd.DataFrame(padded, columns=range(width), dtype=object) if padded else pd.DataFrame(columns=range(width), dtype=object)
    return RawTable(path, header, cells, np.asarray(body_lines, dtype=np.int64), encoding, sep, lines[index])


MAX_JSON_BYTES = 64 * 1024 * 1024  # a JSON document is parsed whole: keep it well under the CSV limit
_JS_WRAPPER = re.compile(r"^\s*(?:(?:var|let|const)\s+[\w$.]+|[\w$.]+)\s*=\s*", re.ASCII)
_RECORD_LISTS = ("records", "results", "data", "rows", "features")


def looks_like_json(head: bytes) -> bool:
    """A JSON document, or one wrapped in JavaScript (``var results = {…};``), from its first bytes."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text[:1] in (b"[", b"{"):
        return True
    wrapper = _JS_WRAPPER.match(text[:200].decode("latin-1"))
    return wrapper is not None and text[wrapper.end():wrapper.end() + 1] in (b"[", b"{")


def load_json(path: Path) -> object:
    """Parse a JSON file, unwrapping a JavaScript assignment (``var x = …;``) around it."""
    import json

    path = Path(path)
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise ImportRejected(
            f"fichier JSON trop volumineux ({size // (1024 * 1024)} Mo ; limite {MAX_JSON_BYTES // (1024 * 1024)} Mo) : "
            "exportez-le en CSV", file=path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    text = text.strip()
    wrapper = _JS_WRAPPER.match(text)
    if wrapper and text[:1] not in "[{":
        text = text[wrapper.end():].rstrip().rstrip(";").rstrip()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected(f"JSON illisible ({exc.msg}, ligne {exc.lineno}, colonne {exc.colno})", file=path, line=exc.lineno) from None


def _json_cell(value: object) -> str:
    import json

    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return str(value).lower()
    return _cell_text(value)


def json_records(data: object) -> list[dict[str, object]] | None:
    """The records of a JSON document: an array of objects, an OpenDataSoft v1 export (``fields``),
    or an object holding one such array (``records``, ``results``…); ``None`` for any other shape."""
    if isinstance(data, dict):
        lists = [data[k] for k in _RECORD_LISTS if isinstance(data.get(k), list)]
        if len(lists) != 1:
            return None
        data = lists[0]
    if not isinstance(data, list) or not data or not all(isinstance(r, dict) for r in data):
        return None
    if all(isinstance(r.get("fields"), dict) for r in data):  # OpenDataSoft API v1: {"recordid", "fields": {…}}
        return [r["fields"] for r in data]  # type: ignore[misc]
    if all(isinstance(r.get("properties"), dict) for r in data):  # GeoJSON features: their properties
        return [r["properties"] for r in data]  # type: ignore[misc]
    return data  # type: ignore[return-value]


def describe_json(data: object) -> str:
    """A short French description of a JSON document's shape, for refusals."""
    if isinstance(data, dict):
        keys = ", ".join(str(k) for k in list(data)[:6])
        return f"un objet JSON de {len(data)} clés ({keys}{'…' if len(data) > 6 else ''})"
    if isinstance(data, list):
        return f"un tableau JSON de {len(data)} éléments" + (" vide" if not data else "")
    return "une valeur JSON isolée"


def read_json_table(path: Path, *, header_line: int | None = None) -> RawTable:
    """An array of JSON records (city portals, OpenDataSoft exports) as a table: see :func:`json_table`."""
    return json_table(path, load_json(path), header_line=header_line)


def json_table(path: Path, data: object, *, header_line: int | None = None) -> RawTable:
    """A parsed JSON document's records as a table: one column per key, in the order first met;
    each record's ``line`` is its position (1-based) in the array."""
    records = json_records(data)
    if records is None:
        raise ImportRejected(
            f"ce JSON n'est pas un tableau d'enregistrements (trouvé : {describe_json(data)}) ; "
            "attendu une liste d'objets, un par ligne du tableau (export JSON d'OpenDataSoft par exemple)",
            file=path,
        )
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(str(k) for k in record))
    if len(keys) > MAX_TABLE_COLUMNS:
        raise ImportRejected(f"{len(keys)} clés différentes (limite : {MAX_TABLE_COLUMNS}) : ce n'est pas un tableau attendu", file=path)
    header = list(keys)
    rows = [[_json_cell(record.get(k)) for k in header] for record in records]
    return _to_table(path, [header, *rows], list(range(0, len(rows) + 1)), "utf-8", None, header_line)


def read_table(path: Path, *, separator: str | None = None, header_line: int | None = None, sheet: str | None = None,
               check: Callable[[RawTable], object] | None = None) -> RawTable:
    """Read a CSV, xlsx or JSON-records file (detected from its bytes, not its name); ``check``: see :func:`read_csv_table`."""
    path = Path(path)
    if not path.exists():
        raise ImportRejected("fichier introuvable", file=path)
    if path.is_dir():
        raise ImportRejected("c'est un dossier, pas un fichier", file=path)
    if path.stat().st_size == 0:
        raise ImportRejected("le fichier est vide", file=path)
    if read_head(path, 4) == b"PK\x03\x04":
        check_archive(path)  # a workbook is a zip: no bomb
        try:
            with zipfile.ZipFile(path) as archive:
                is_xlsx = "xl/workbook.xml" in archive.namelist()
        except zipfile.BadZipFile as exc:
            raise ImportRejected("archive zip corrompue", file=path) from exc
        if not is_xlsx:
            raise ImportRejected("archive zip qui n'est pas un classeur .xlsx", file=path)
        return read_xlsx_table(path, sheet=sheet, header_line=header_line)
    if looks_like_json(read_head(path, 512)):
        table = read_json_table(path, header_line=header_line)
        if check is not None:
            check(table)
        return table
    return read_csv_table(path, separator=separator, header_line=header_line, check=check)


def find_column(table: RawTable, *names: str, required: bool = False, what: str | None = None) -> int | None:
    """Index of the first header equal (accent/case-insensitively) to one of ``names``."""
    keys = [header_key(h) for h in table.header]
    for name in names:
        key = header_key(name)
        if key in keys:
            return keys.index(key)
    if required:
        raise ImportRejected(
            f"colonne obligatoire absente : « {names[0]} »{f' ({what})' if what else ''}. "
            f"Colonnes trouvées : {', '.join(h for h in table.header[:15] if h)}{'…' if len(table.header) > 15 else ''}"
            + (f" — séparateur détecté « {table.separator} »" if table.separator else ""),
            file=table.path,
            line=table.header_line,
        )
    return None


def refuse_duplicates(keys: pd.Series, lines: np.ndarray, path: Path, describe: str, column: str | None = None) -> None:
    """Refuse a file whose ``keys`` repeat, naming the lines of the first repeated key.

    ``describe`` names the key for the user, with ``{key}`` in it (``"IRIS {key}"``);
    ``lines`` are the physical lines aligned with ``keys``.
    """
    duplicated = keys.duplicated(keep=False).to_numpy()
    if not duplicated.any():
        return
    first = keys[duplicated].iloc[0]
    where = np.asarray(lines)[(keys == first).to_numpy()][:6].tolist()
    raise ImportRejected(
        f"{describe.format(key=first)} en double (lignes {', '.join(str(int(n)) for n in where)})",
        file=path, line=int(where[-1]), column=column,
    )
