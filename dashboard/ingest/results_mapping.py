"""Any other results layout, described by a small TOML mapping file.

Example (Bondy's municipal 2020 file, with its TOTAL rows)::

    format = "wide"                 # "wide": one row per BV; "long": one row per BV x candidate
    commune = "93010"               # when the file has no commune column
    skip_lines = [2]                # physical lines to ignore (optional)

    [skip_rows]                     # rows to ignore by content (optional)
    column = "Bureau de vote"
    pattern = "^(TOTAL|Total)"

    [columns]                       # header texts (accents, case and line breaks ignored)
    station = "Bureau de vote"
    registered = "Nb d'électeurs inscrits"
    voters = "Nb de votants"
    blank = "Nb votes blancs"
    null = "Nb votes nuls"
    expressed = "Suffrages exprimés"

    [candidates]                    # wide: each column matching the pattern holds one candidate's votes
    pattern = 'Résultats liste (?P<panel>\\d+) :\\s*(?P<name>.+)'
    # long: name = "nom", votes = "nb", panel = "numCandidat", nuance = "..."

    [nuances]                       # optional: candidate name -> nuance code
    "Liste de la gauche unie pour Bondy - Sylvine THOMASSIN" = "LUG"

Also: ``header = false`` for a file without a header row (its columns are then
``column_1``, ``column_2``…, as in header-less JSON exports); ``departement = "31"``
when the commune column holds the 3-digit commune number and the file has no
département column; ``[[candidates.blocks]]`` (``panel``, ``votes``, and optionally
``name``, ``nuance``, ``list``, ``last_name``, ``first_name`` columns, or ``label``, a
constant name) for repeated candidate groups whose headers follow no pattern.
Every key: ``docs/mappings/README.md``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dashboard.errors import ImportRejected
from dashboard.ingest.results_layout import CandidateBlock, ResultsLayout
from dashboard.ingest.tables import RawTable, find_column

_COLUMN_KEYS = {
    "station", "commune", "departement", "station_name", "circonscription",
    "registered", "voters", "abstentions", "blank", "null", "expressed",
}
_TOP_KEYS = {
    "format", "commune", "departement", "header", "skip_lines", "skip_rows", "columns", "candidates", "nuances",
    "header_line", "separator", "sheet", "election",
}
_BLOCK_KEYS = {"panel": "panel", "votes": "votes", "name": "name", "nuance": "nuance", "list": "list_long",
               "last_name": "last_name", "first_name": "first_name"}


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file; ``read_options`` go to :func:`~dashboard.ingest.tables.read_table`."""

    path: Path
    data: dict[str, Any]

    @property
    def read_options(self) -> dict[str, Any]:
        return {k: self.data[k] for k in ("header_line", "separator", "sheet") if k in self.data}


def load_mapping(path: Path) -> Mapping:
    """Read and check a TOML mapping; unknown keys are refused (they are typos)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImportRejected("fichier de correspondance introuvable", file=path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ImportRejected(f"fichier de correspondance TOML invalide ({exc})", file=path) from exc
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ImportRejected(f"clés inconnues dans la correspondance : {', '.join(sorted(unknown))}", file=path)
    columns = data.get("columns", {})
    bad = set(columns) - _COLUMN_KEYS
    if bad:
        raise ImportRejected(
            f"colonnes inconnues dans [columns] : {', '.join(sorted(bad))} (attendues : {', '.join(sorted(_COLUMN_KEYS))})",
            file=path,
        )
    if "station" not in columns:
        raise ImportRejected("[columns] doit nommer la colonne du bureau de vote : station = \"…\"", file=path)
    if data.get("format", "wide") not in ("wide", "long"):
        raise ImportRejected("format doit valoir \"wide\" ou \"long\"", file=path)
    if "candidates" not in data:
        raise ImportRejected("section [candidates] manquante", file=path)
    for number, block in enumerate(data["candidates"].get("blocks", []), start=1):
        if not isinstance(block, dict) or "votes" not in block:
            raise ImportRejected(f"[[candidates.blocks]] n° {number} : la colonne des voix (votes = \"…\") est requise", file=path)
        unknown = set(block) - set(_BLOCK_KEYS) - {"label"}
        if unknown:
            raise ImportRejected(
                f"[[candidates.blocks]] n° {number} : clés inconnues {', '.join(sorted(unknown))} "
                f"(attendues : {', '.join([*_BLOCK_KEYS, 'label'])})", file=path)
    if not isinstance(data.get("header", True), bool):
        raise ImportRejected("header doit valoir true ou false", file=path)
    return Mapping(path, data)


def apply_header(table: RawTable, mapping: Mapping) -> RawTable:
    """With ``header = false`` the first row read is data: the columns are named ``column_1``… instead."""
    if mapping.data.get("header", True):
        return table
    width = len(table.header)
    first = pd.DataFrame([table.header], columns=range(width), dtype=object)
    cells = pd.concat([first, table.cells], ignore_index=True)
    lines = np.concatenate([[table.header_line], table.lines]).astype(np.int64)
    return RawTable(table.path, [f"column_{i + 1}" for i in range(width)], cells, lines, table.encoding, table.separator, 0)


def _column(table: RawTable, mapping: Mapping, header: str, key: str) -> int:
    index = find_column(table, header)
    if index is None:
        raise ImportRejected(
            f"la colonne « {header} » ({key}) de la correspondance {mapping.path.name} est absente du fichier",
            file=table.path,
            line=table.header_line,
        )
    return index


def layout(table: RawTable, mapping: Mapping) -> ResultsLayout:
    data = mapping.data
    cols = {key: _column(table, mapping, header, key) for key, header in data.get("columns", {}).items()}
    candidates = data["candidates"]
    blocks: list[CandidateBlock] = []
    if data.get("format", "wide") == "wide" and "blocks" in candidates:
        for number, spec in enumerate(candidates["blocks"], start=1):
            fields = {_BLOCK_KEYS[k]: _column(table, mapping, v, f"candidates.blocks[{number}].{k}") for k, v in spec.items() if k != "label"}
            blocks.append(CandidateBlock(**fields, constant_name=spec.get("label")))
    elif data.get("format", "wide") == "wide":
        if "pattern" not in candidates:
            raise ImportRejected("[candidates] pattern = '…' (ou des [[candidates.blocks]]) est requis au format wide", file=mapping.path)
        try:
            pattern = re.compile(candidates["pattern"], re.DOTALL)
        except re.error as exc:
            raise ImportRejected(f"expression régulière invalide dans [candidates] pattern ({exc})", file=mapping.path) from exc
        for index, head in enumerate(table.header):
            match = pattern.fullmatch(re.sub(r"\s+", " ", head).strip())
            if match:
                groups = match.groupdict()
                name = (groups.get("name") or head).strip(" -")
                panel = int(groups["panel"]) if groups.get("panel") else None
                blocks.append(CandidateBlock(votes=index, constant_name=re.sub(r"\s+", " ", name), constant_panel=panel))
        if not blocks:
            raise ImportRejected(f"aucune colonne ne correspond au motif des candidats « {candidates['pattern']} »", file=table.path, line=table.header_line)
    else:
        fields = {}
        for key in ("name", "votes", "panel", "nuance", "first_name", "last_name", "list_label"):
            if key in candidates:
                target = {"list_label": "list_long"}.get(key, key)
                fields[target] = _column(table, mapping, candidates[key], f"candidates.{key}")
        if "votes" not in fields or not ({"name", "last_name"} & set(fields)):
            raise ImportRejected("format long : [candidates] doit nommer au moins name (ou last_name) et votes", file=mapping.path)
        blocks.append(CandidateBlock(**fields))
    skip = data.get("skip_rows", {})
    skip_column = _column(table, mapping, skip["column"], "skip_rows.column") if skip.get("column") else None
    return ResultsLayout(
        format_fr=f"correspondance {mapping.path.name}",
        bv=cols["station"],
        commune=cols.get("commune"),
        departement=cols.get("departement"),
        commune_constant=data.get("commune"),
        departement_constant=data.get("departement"),
        station_name=cols.get("station_name"),
        circonscription=cols.get("circonscription"),
        registered=cols.get("registered"),
        voters=cols.get("voters"),
        abstentions=cols.get("abstentions"),
        blank=cols.get("blank"),
        null=cols.get("null"),
        expressed=cols.get("expressed"),
        blocks=tuple(blocks),
        skip_lines=frozenset(int(n) for n in data.get("skip_lines", [])),
        skip_column=skip_column,
        skip_pattern=skip.get("pattern"),
        nuances={re.sub(r"\s+", " ", k): v for k, v in data.get("nuances", {}).items()},
    )

