"""Results importer: detect the layout of a results file and parse it."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from dashboard.errors import ImportRejected
from dashboard.ingest import results_2024, results_mapping, results_moi
from dashboard.ingest.elections import election_from_filename, parse_election_id
from dashboard.ingest.report import ImportReport
from dashboard.ingest.results_layout import ParsedResults, assemble_results
from dashboard.ingest.tables import RawTable, find_column, read_table

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
        found = ", ".join(h.replace("\n", " ")[:30] for h in table.header[:8] if h)
        raise ImportRejected(
            "format de résultats non reconnu (ni le format du ministère 2017-2022 « Code du b.vote », "
            f"ni celui de 2024 « Code BV » + « Voix 1 ») ; colonnes lues : {found}"
            + (f" ; séparateur détecté « {table.separator} »" if table.separator else "")
            + ". Pour une autre mise en page, décrivez-la dans un fichier --mapping (TOML).",
            file=table.path,
            line=table.header_line,
        )
    return module


def read_results(path: Path, election_id: str | None = None, mapping_path: Path | None = None) -> ParsedResults:
    """Parse a results file of any supported layout into clean frames (nothing is written)."""
    path = Path(path)
    mapping = results_mapping.load_mapping(mapping_path) if mapping_path else None
    election = resolve_election_id(path, election_id, mapping)
    # The layout is recognised from the first rows: a file of another kind is refused before it is read whole.
    table = read_table(path, **(mapping.read_options if mapping else {}), check=None if mapping else _layout_module)
    report = ImportReport(kind="results", file=path.name, details={"élection": election})
    if mapping is not None:
        layout = results_mapping.layout(table, mapping)
    else:
        module = _layout_module(table)
        layout = module.layout(table)
    parsed = assemble_results(table, layout, election, report)
    name_col = find_column(table, "Libellé de la commune", "Libellé commune")
    if name_col is not None and layout.commune is not None:
        names = table.cells[name_col].astype(str).str.strip()
        codes = parsed.turnout.set_index("line")["commune_code"]
        by_line = dict(zip(table.lines.tolist(), names.tolist()))
        parsed.commune_names = {code: by_line.get(line, "") for line, code in codes.items() if by_line.get(line)}
    report.details["communes"] = ", ".join(sorted(parsed.turnout["commune_code"].unique()))
    report.details["bureaux"] = int(parsed.turnout["station_id"].nunique())
    report.details["candidats"] = int(parsed.votes["candidate"].nunique())
    return parsed
