"""INSEE indicators per IRIS: base-ic CSVs (RP), their column subsets, Filosofi.

Variables keep their INSEE code (``P16_POP1564``, ``C21_POP15P_CS3``,
``DISP_TP6019``) and year; IRIS codes are padded to 9 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.errors import ImportRejected
from dashboard.ingest.geo_mapping import GeoMapping
from dashboard.ingest.ids import normalize_iris_code
from dashboard.ingest.indicator_labels import indicator_label, indicator_theme, indicator_year
from dashboard.ingest.numbers import parse_decimal
from dashboard.ingest.report import ImportReport
from dashboard.ingest.tables import find_column, is_empty_header, read_table, refuse_duplicates

METADATA = {
    "IRIS", "REG", "DEP", "UU2010", "UU2020", "COM", "LIBCOM", "TRIRIS", "GRD_QUART", "LIBIRIS",
    "TYP_IRIS", "MODIF_IRIS", "LAB_IRIS", "CODGEO", "LIBGEO", "DEPCOM", "NOM_IRIS", "CODE_IRIS",
}
_AGE_BANDS = ("POP0014", "POP1529", "POP3044", "POP4559", "POP6074", "POP75P")


@dataclass
class ParsedIndicators:
    """``values``: code_iris, variable, year, value. ``catalog``: variable, year, label, theme."""

    values: pd.DataFrame
    catalog: pd.DataFrame
    report: ImportReport


def _file_year(path: Path) -> int | None:
    match = re.search(r"(?:19|20)(\d{2})", path.stem)
    return int(match.group(0)) if match else None


def read_indicators(path: Path, *, year: int | None = None, mapping: GeoMapping | None = None) -> ParsedIndicators:
    """Parse an IRIS indicator table (one row per IRIS, one column per variable).

    ``mapping`` may name the IRIS code column (``[columns] code``) and the year.
    """
    path = Path(path)
    mapping = mapping or GeoMapping("iris-indicators")
    year = year or mapping.year
    table = read_table(path)
    report = ImportReport(kind="iris-indicators", file=path.name, format="indicateurs INSEE par IRIS", rows_read=len(table.cells))
    code_names = (mapping.columns["code"],) if "code" in mapping.columns else ("IRIS", "CODE_IRIS", "DCOMIRIS", "code_iris")
    iris_col = find_column(table, *code_names, required=True, what="code IRIS sur 9 caractères")
    assert iris_col is not None
    codes = table.cells[iris_col].map(normalize_iris_code)
    if codes.isna().any():
        first = int(codes.isna().to_numpy().nonzero()[0][0])
        raise ImportRejected(f"code IRIS illisible « {table.cells.iat[first, iris_col]} »", file=path, line=int(table.lines[first]), column=table.label(iris_col))
    refuse_duplicates(codes, table.lines, path, "IRIS {key}", table.label(iris_col))

    variables: dict[str, pd.Series] = {}
    dropped: list[str] = []
    secret = 0
    for index, head in enumerate(table.header):
        if index == iris_col or is_empty_header(head) or head.strip().upper() in METADATA:
            continue
        values, bad = parse_decimal(table.cells[index])
        if bad.all() or values.isna().all():
            dropped.append(head)
            continue
        secret += int(bad.sum())
        variables[head.strip()] = values.where(~bad)
    if not variables:
        raise ImportRejected("aucune colonne numérique d'indicateur trouvée", file=path, line=table.header_line)
    wide = pd.DataFrame(variables)
    wide.insert(0, "code_iris", codes.to_numpy())
    # Subsets of the RP population table lack P16_POP: it is the sum of the age bands.
    for prefix in sorted({v.split("_")[0] for v in variables if re.match(r"^P\d{2}_", v)}):
        total, bands = f"{prefix}_POP", [f"{prefix}_{b}" for b in _AGE_BANDS]
        if total not in wide and all(b in wide for b in bands):
            wide[total] = wide[bands].sum(axis=1, min_count=len(bands))
            report.details[total] = "absent : calculé comme somme des tranches d'âge"

    long = wide.melt(id_vars="code_iris", var_name="variable", value_name="value").dropna(subset=["value"])
    fallback_year = year or _file_year(path)
    catalog_rows = []
    for variable in wide.columns[1:]:
        var_year = indicator_year(variable) or fallback_year
        if var_year is None:
            raise ImportRejected(f"année de la variable « {variable} » inconnue : précisez --year", file=path, column=variable)
        catalog_rows.append((variable, var_year, indicator_label(variable) or variable, indicator_theme(variable)))
    catalog = pd.DataFrame(catalog_rows, columns=["variable", "year", "label", "theme"])
    long = long.merge(catalog[["variable", "year"]], on="variable")
    report.rows_imported = len(wide)
    report.details["IRIS"] = int(wide["code_iris"].nunique())
    report.details["variables"] = len(catalog)
    report.details["années"] = ", ".join(str(y) for y in sorted(catalog["year"].unique()))
    if dropped:
        report.details["colonnes non numériques ignorées"] = ", ".join(dropped[:10])
    if secret:
        report.warn(f"{secret} valeur(s) non numériques (secret statistique, « nd »…) laissées vides")
    return ParsedIndicators(long[["code_iris", "variable", "year", "value"]].astype({"value": np.float64}).reset_index(drop=True), catalog, report)
