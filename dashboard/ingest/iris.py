"""IRIS contours: IGN CONTOURS-IRIS (Shapefile/GeoPackage), OpenDataSoft georef zip, city extracts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from dashboard.errors import ImportRejected
from dashboard.ingest.ids import normalize_commune_code, normalize_iris_code
from dashboard.ingest.report import ImportReport
from dashboard.ingest.vectors import merge_parts, pick_column, read_polygons

CODE_COLUMNS = ("CODE_IRIS", "iris_code", "DCOMIRIS", "code_iris", "CODEIRIS")
NAME_COLUMNS = ("NOM_IRIS", "iris_name", "LIBIRIS", "nom_iris")
COMMUNE_COLUMNS = ("INSEE_COM", "CODE_COM", "com_code", "DEPCOM", "COM", "com_arm_cod")
TYPE_COLUMNS = ("TYP_IRIS", "iris_type", "TYPE_IRIS")
_TYPES = {"iris d'habitat": "H", "iris d'activité": "A", "iris divers": "D", "commune non irisée": "Z"}


@dataclass
class ParsedIris:
    frame: gpd.GeoDataFrame  # code_iris, name, commune_code, iris_type, geometry (EPSG:4326)
    report: ImportReport


def read_iris_contours(path: Path, *, layer: str | None = None, crs: str | None = None) -> ParsedIris:
    """Parse IRIS polygons; parts of one IRIS are merged."""
    path = Path(path)
    vector = read_polygons(path, layer=layer, crs=crs, choose_layer=lambda cols: int(pick_column(cols, *CODE_COLUMNS) is not None))
    frame = vector.frame
    report = ImportReport(kind="iris-contours", file=path.name, format=f"contours IRIS ({vector.source_crs})", rows_read=len(frame))
    code_col = pick_column(frame.columns, *CODE_COLUMNS)
    if code_col is None:
        raise ImportRejected(
            f"colonne du code IRIS introuvable (attendu CODE_IRIS, iris_code…) ; colonnes : {', '.join(c for c in frame.columns if c != 'geometry')}",
            file=path,
        )
    codes = frame[code_col].map(normalize_iris_code)
    if codes.isna().any():
        first = int(codes.isna().to_numpy().nonzero()[0][0])
        raise ImportRejected(f"code IRIS illisible « {frame[code_col].iloc[first]} »", file=path, line=first + 1, column=code_col, feature=True)
    name_col = pick_column(frame.columns, *NAME_COLUMNS)
    type_col = pick_column(frame.columns, *TYPE_COLUMNS)
    commune_col = pick_column(frame.columns, *COMMUNE_COLUMNS)
    commune = frame[commune_col].map(normalize_commune_code) if commune_col else codes.str[:5]
    types = frame[type_col].astype("string").str.strip().map(lambda t: _TYPES.get(str(t).lower(), t)) if type_col else None
    out = gpd.GeoDataFrame(
        {
            "code_iris": codes.to_numpy(),
            "name": frame[name_col].astype(object).to_numpy() if name_col else None,
            "commune_code": commune.fillna(codes.str[:5]).to_numpy(),
            "iris_type": types.astype(object).to_numpy() if types is not None else None,
        },
        geometry=frame.geometry.to_numpy(),
        crs=4326,
    )
    merged = merge_parts(out, "code_iris").sort_values("code_iris").reset_index(drop=True)
    report.rows_imported = len(out)
    report.details["IRIS"] = len(merged)
    report.details["communes"] = ", ".join(sorted(merged["commune_code"].unique())[:20])
    if vector.layer:
        report.details["couche"] = vector.layer
    if (merged["n_parts"] > 1).any():
        report.details["IRIS en plusieurs morceaux"] = f"{int((merged['n_parts'] > 1).sum())} (parties fusionnées)"
    if vector.repaired:
        report.warn(f"{len(vector.repaired)} géométrie(s) invalide(s) réparée(s)")
    return ParsedIris(merged.drop(columns=["n_parts"]), report)
