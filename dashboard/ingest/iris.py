"""IRIS contours: IGN CONTOURS-IRIS (Shapefile/GeoPackage), OpenDataSoft georef zip, city extracts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from dashboard.errors import ImportRejected
from dashboard.ingest.geo_mapping import GeoMapping
from dashboard.ingest.ids import arrondissement_of_commune, city_code, normalize_commune_code, normalize_iris_code
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


def _mapped(frame: gpd.GeoDataFrame, mapping: GeoMapping, role: str, defaults: tuple[str, ...], path: Path) -> str | None:
    if role not in mapping.columns:
        return pick_column(frame.columns, *defaults)
    found = pick_column(frame.columns, mapping.columns[role])
    if found is None:
        raise ImportRejected(
            f"colonne « {mapping.columns[role]} » de la correspondance {mapping.source} absente ; "
            f"colonnes : {', '.join(c for c in frame.columns if c != 'geometry')}",
            file=path,
        )
    return found


def read_iris_contours(
    path: Path, *, layer: str | None = None, crs: str | None = None, mapping: GeoMapping | None = None,
    skip_invalid: bool = False,
) -> ParsedIris:
    """Parse IRIS polygons; parts of one IRIS are merged.

    ``commune_code`` is the canonical commune: a PLM arrondissement's IRIS (751xx, 6938x,
    132xx) belong to their city (75056, 69123, 13055), like the city's stations; the
    arrondissement stays readable in the IRIS code's first five characters.
    """
    path = Path(path)
    mapping = mapping or GeoMapping("iris-contours")
    code_names = (mapping.columns["code"],) if "code" in mapping.columns else CODE_COLUMNS
    vector = read_polygons(
        path, layer=layer, crs=crs or mapping.crs, skip_invalid=skip_invalid,
        choose_layer=lambda cols: int(pick_column(cols, *code_names) is not None),
    )
    frame = vector.frame
    report = ImportReport(kind="iris-contours", file=path.name, format=f"contours IRIS ({vector.source_crs})")
    report.rows_read = len(frame) + sum(len(n) for _, n in vector.skipped)
    for reason, numbers in vector.skipped:
        report.skip(reason, numbers, limit=None)
    code_col = _mapped(frame, mapping, "code", CODE_COLUMNS, path)
    if code_col is None:
        raise ImportRejected(
            f"colonne du code IRIS introuvable (attendu CODE_IRIS, iris_code…) ; colonnes : {', '.join(c for c in frame.columns if c != 'geometry')}. "
            "Sinon, nommez-la dans un fichier --mapping ([columns] code = \"…\")",
            file=path,
        )
    codes = frame[code_col].map(normalize_iris_code)
    bad = codes.isna().to_numpy()
    if bad.any():
        first = int(bad.nonzero()[0][0])
        if not skip_invalid:
            raise ImportRejected(
                f"code IRIS illisible « {frame[code_col].iloc[first]} » ({int(bad.sum())} entité(s)) ; "
                "pour importer les autres, relancez avec --skip-invalid",
                file=path, line=int(vector.features[first]), column=code_col, feature=True,
            )
        report.skip(f"code IRIS illisible dans {code_col}", vector.features[bad].tolist(), limit=None)
        frame, codes = frame[~bad].reset_index(drop=True), codes[~bad].reset_index(drop=True)
    name_col = _mapped(frame, mapping, "name", NAME_COLUMNS, path)
    type_col = pick_column(frame.columns, *TYPE_COLUMNS)
    commune_col = _mapped(frame, mapping, "commune", COMMUNE_COLUMNS, path)
    commune = frame[commune_col].map(normalize_commune_code) if commune_col else codes.str[:5]
    commune = commune.fillna(codes.str[:5]).map(city_code)
    types = frame[type_col].astype("string").str.strip().map(lambda t: _TYPES.get(str(t).lower(), t)) if type_col else None
    out = gpd.GeoDataFrame(
        {
            "code_iris": codes.to_numpy(),
            "name": frame[name_col].astype(object).to_numpy() if name_col else None,
            "commune_code": commune.to_numpy(),
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
    for warning in vector.warnings:
        report.warn(warning)
    plm = merged["code_iris"].str[:5].map(arrondissement_of_commune).dropna()
    if not plm.empty:
        report.details["IRIS d'arrondissements"] = f"{len(plm)} (rattachés à {', '.join(sorted({c for c, _ in plm}))})"
    return ParsedIris(merged.drop(columns=["n_parts"]), report)
