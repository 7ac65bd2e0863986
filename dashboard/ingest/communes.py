"""Communes: IGN ADMIN EXPRESS / OSM / geo.api contours, or the INSEE COG table (CSV, no geometry)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from dashboard.errors import ImportRejected
from dashboard.ingest.ids import normalize_commune_code
from dashboard.ingest.report import ImportReport
from dashboard.ingest.limits import read_head
from dashboard.ingest.tables import find_column, read_table, refuse_duplicates
from dashboard.ingest.vectors import merge_parts, pick_column, read_polygons

CODE_COLUMNS = ("INSEE_COM", "insee", "code_insee", "code", "COM", "codgeo", "CODE_COM", "com_code")
NAME_COLUMNS = ("NOM", "nom", "NOM_COM", "LIBELLE", "NCCENR", "nom_com", "name", "LIBGEO", "com_name")
DEP_COLUMNS = ("INSEE_DEP", "DEP", "codeDepartement", "dep", "code_dep", "dep_code")


@dataclass
class ParsedCommunes:
    frame: pd.DataFrame  # commune_code, name, departement, geometry (shapely or None), population
    report: ImportReport


def _is_table(path: Path) -> bool:
    head = read_head(path, 512) if path.exists() and path.is_file() else b""
    text_like = path.suffix.lower() in (".csv", ".txt", ".tsv", ".xlsx")
    return text_like and not head.lstrip().startswith(b"{")


def read_communes(path: Path, *, layer: str | None = None, crs: str | None = None) -> ParsedCommunes:
    """Parse communes from a polygon file or the COG CSV (then without geometry)."""
    path = Path(path)
    report = ImportReport(kind="communes", file=path.name)
    if _is_table(path):
        table = read_table(path)
        report.format = "table des communes (COG INSEE)"
        report.rows_read = len(table.cells)
        code_col = find_column(table, *CODE_COLUMNS, required=True, what="code INSEE de la commune")
        name_col = find_column(table, *NAME_COLUMNS, required=True, what="nom de la commune")
        dep_col = find_column(table, *DEP_COLUMNS)
        type_col = find_column(table, "TYPECOM")
        assert code_col is not None and name_col is not None
        cells = table.cells
        keep = cells[type_col].astype(str).str.upper().eq("COM") if type_col is not None else pd.Series(True, index=cells.index)
        report.skip("communes déléguées, associées ou arrondissements (TYPECOM ≠ COM)", table.lines[~keep.to_numpy()].tolist())
        frame = pd.DataFrame({
            "commune_code": cells[code_col].map(normalize_commune_code),
            "name": cells[name_col].astype(str).str.strip(),
            "departement": cells[dep_col].astype(str).str.strip() if dep_col is not None else None,
            "geometry": None,
            "line": table.lines,
        })[keep.to_numpy()]
        if frame["commune_code"].isna().any():
            row = frame[frame["commune_code"].isna()].iloc[0]
            raise ImportRejected("code commune INSEE illisible", file=path, line=int(row["line"]), column=table.label(code_col))
        refuse_duplicates(frame["commune_code"], frame["line"].to_numpy(), path, "commune {key}", table.label(code_col))
        frame = frame.drop(columns=["line"])
    else:
        vector = read_polygons(path, layer=layer, crs=crs, choose_layer=lambda cols: int(pick_column(cols, *CODE_COLUMNS) is not None))
        src = vector.frame
        report.format = f"contours des communes ({vector.source_crs})"
        report.rows_read = len(src)
        code_col = pick_column(src.columns, *CODE_COLUMNS)
        name_col = pick_column(src.columns, *NAME_COLUMNS)
        if code_col is None or name_col is None:
            raise ImportRejected(
                f"colonnes du code INSEE et du nom introuvables ; colonnes : {', '.join(c for c in src.columns if c != 'geometry')}", file=path
            )
        codes = src[code_col].map(normalize_commune_code)
        if codes.isna().any():
            first = int(codes.isna().to_numpy().nonzero()[0][0])
            raise ImportRejected(f"code commune illisible « {src[code_col].iloc[first]} »", file=path, line=first + 1, column=code_col, feature=True)
        dep_col = pick_column(src.columns, *DEP_COLUMNS)
        geo = gpd.GeoDataFrame(
            {
                "commune_code": codes.to_numpy(),
                "name": src[name_col].astype(str).to_numpy(),
                "departement": src[dep_col].astype(str).to_numpy() if dep_col else codes.str[:2].to_numpy(),
            },
            geometry=src.geometry.to_numpy(),
            crs=4326,
        )
        merged = merge_parts(geo, "commune_code")
        frame = pd.DataFrame({
            "commune_code": merged["commune_code"], "name": merged["name"], "departement": merged["departement"],
            "geometry": merged.geometry.to_numpy(),
        })
        if vector.repaired:
            report.warn(f"{len(vector.repaired)} géométrie(s) invalide(s) réparée(s)")
    report.rows_imported = len(frame)
    report.details["communes"] = len(frame)
    return ParsedCommunes(frame.reset_index(drop=True), report)
