"""Results importer: detect the layout of a results file and parse it."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

from dashboard.errors import ImportRejected
from dashboard.ingest import results_2024, results_mapping, results_moi
from dashboard.ingest.elections import election_from_filename, parse_election_id
from dashboard.ingest.report import ImportReport
from dashboard.ingest.results_layout import ParsedResults, assemble_results
from dashboard.ingest.limits import read_head
from dashboard.ingest.tables import RawTable, describe_json, find_column, json_records, json_table, load_json, looks_like_json, read_table

FORMATS = (results_2024, results_moi)


def resolve_election_id(path: Path, election_id: str | None, mapping: results_mapping.Mapping | None = None) -> str:
    """The election of a file: ``--election``, the mapping's ``election``, or the file name."""
    chosen = election_id or (mapping.data.get("election") if mapping else None) or election_from_filename(path)
    if not chosen:
        raise ImportRejected(
            "impossible de déduire l'élection du nom du fichier : précisez --election (ex. pres2022_t1, leg2024_t1, euro2024)",
            file=path,
        )
    return parse_election_id(chosen).election_id


def _layout_module(table: RawTable) -> ModuleType:
    """The results layout that reads ``table``, or a French refusal naming the columns found."""
    module = next((m for m in FORMATS if m.sniff(table)), None)
    if module is None:
        named = [h.replace("\n", " ")[:30] for h in table.header if h.strip()]
        found = ", ".join(named[:12]) + ("…" if len(named) > 12 else "")
        raise ImportRejected(
            "format de résultats non reconnu : ni le format du ministère 2017-2022 (colonne « Code du b.vote » "
            "puis des blocs « N°Panneau, Nom, Prénom, Voix »), ni celui de 2024 (« Code BV » + « Voix 1 ») ; "
            f"colonnes lues : {found}"
            + (f" ; séparateur détecté « {table.separator} »" if table.separator else "")
            + ". Pour une autre mise en page, décrivez-la dans un fichier --mapping (TOML, voir docs/mappings/README.md).",
            file=table.path,
            line=table.header_line,
        )
    return module


_SHARE_KEY = re.compile(r"pct|pourc|percent|taux|ratio|%|share", re.IGNORECASE)
_COUNT_KEY = re.compile(r"voix|vote|inscrit|exprim|nb_|nombre|count", re.IGNORECASE)


def _nested_keys(data: object, depth: int = 0) -> set[str]:
    """Keys of the objects nested in a JSON document (a sample of each level)."""
    if depth > 4:
        return set()
    if isinstance(data, dict):
        keys = {str(k) for k in data if not str(k).isdigit()}
        for value in list(data.values())[:20]:
            keys |= _nested_keys(value, depth + 1)
        return keys
    if isinstance(data, list):
        return set().union(*(_nested_keys(v, depth + 1) for v in data[:20])) if data else set()
    return set()


def _refuse_json(path: Path, data: object) -> ImportRejected:
    """Why a JSON document is not a results table, in French."""
    keys = _nested_keys(data)
    shares = sorted(k for k in keys if _SHARE_KEY.search(k))
    counts = [k for k in keys if _COUNT_KEY.search(k) and not _SHARE_KEY.search(k)]
    if shares and not counts:
        return ImportRejected(
            f"ce fichier ne donne que des pourcentages par bureau ({', '.join(shares[:3])}), sans nombre de voix, "
            "d'inscrits ni d'exprimés : on ne peut pas en tirer des voix. Importez plutôt les résultats en nombre de voix "
            "par bureau (fichier du ministère de l'Intérieur sur data.gouv.fr, ou celui de la ville).",
            file=path,
        )
    return ImportRejected(
        f"ce JSON n'est pas un tableau de résultats (trouvé : {describe_json(data)}) ; attendu une liste d'objets, "
        "un par bureau de vote (export JSON d'OpenDataSoft par exemple), décrite par un fichier --mapping",
        file=path,
    )


def _read(path: Path, mapping: results_mapping.Mapping | None) -> RawTable:
    """The file as a table: CSV, xlsx, or a JSON array of records (a JavaScript wrapper removed)."""
    if path.is_file() and path.stat().st_size > 0 and looks_like_json(read_head(path, 512)):
        data = load_json(path)
        if json_records(data) is None:
            raise _refuse_json(path, data)
        table = json_table(path, data)
        if mapping is None:
            _layout_module(table)
        return table
    # The layout is recognised from the first rows: a file of another kind is refused before it is read whole.
    return read_table(path, **(mapping.read_options if mapping else {}), check=None if mapping else _layout_module)


def read_results(path: Path, election_id: str | None = None, mapping_path: Path | None = None, *,
                 allow_partial_votes: bool = False, skip_invalid: bool = False) -> ParsedResults:
    """Parse a results file of any supported layout into clean frames (nothing is written).

    ``allow_partial_votes``: accept a file whose candidate votes do not add up to the
    expressed votes (refused otherwise); ``skip_invalid``: leave bad rows out and list
    them in the report (by default a bad row refuses the file).
    """
    path = Path(path)
    mapping = results_mapping.load_mapping(mapping_path) if mapping_path else None
    election = resolve_election_id(path, election_id, mapping)
    table = _read(path, mapping)
    if mapping is not None:
        table = results_mapping.apply_header(table, mapping)
    report = ImportReport(kind="results", file=path.name, details={"élection": election})
    if mapping is not None:
        layout = results_mapping.layout(table, mapping)
    else:
        module = _layout_module(table)
        layout = module.layout(table)
    parsed = assemble_results(table, layout, election, report, allow_partial_votes=allow_partial_votes, skip_invalid=skip_invalid)
    name_col = find_column(table, "Libellé de la commune", "Libellé commune")
    if name_col is not None and layout.commune is not None:
        names = table.cells[name_col].astype(str).str.strip()
        codes = parsed.turnout.set_index("line")["commune_code"]
        by_line = dict(zip(table.lines.tolist(), names.tolist()))
        parsed.commune_names = {code: by_line.get(line, "") for line, code in codes.items() if by_line.get(line)}
    report.details["communes"] = ", ".join(sorted(parsed.turnout["commune_code"].unique()))
    report.details["bureaux"] = int(parsed.turnout["station_id"].nunique())
    report.details["candidats"] = int(parsed.votes["candidate"].nunique())
    report.details["voix"] = int(parsed.votes["votes"].sum()) if len(parsed.votes) else 0
    return parsed
