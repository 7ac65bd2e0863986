"""Polling-station polygons (BV contours) in any vector format, any CRS.

Identifiers are normalised from the forms met in practice: ``codeBureauVote``
(``93010_0001``), ``id_bv`` / ``bureau`` (``93010_1``), ``DEPCO`` + ``BVOTE``,
``codeCommune`` + ``numeroBureauVote``… Each import is one boundary version
(a ``station_set``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd

from dashboard.errors import ImportRejected
from dashboard.ingest.ids import make_station_id, normalize_bv_code, normalize_commune_code, normalize_station_ref
from dashboard.ingest.report import ImportReport
from dashboard.ingest.vectors import merge_parts, pick_column, read_polygons

REF_COLUMNS = ("codeBureauVote", "id_bv", "bureau", "id_brut_miom", "id_brut_bv_reu", "id_brut_insee", "code_bv", "id_bureau", "ref_bv")
COMMUNE_COLUMNS = ("codeCommune", "DEPCO", "insee", "INSEE_COM", "CODE_COM", "code_commune", "com_code", "codgeo", "code_insee", "DEPCOM")
NUMBER_COLUMNS = ("numeroBureauVote", "BVOTE", "num_bv", "numero_bv", "numero_bureau", "num_bureau", "NUM_BUREAU", "bv", "numero", "code")
NAME_COLUMNS = ("TITRE", "LLIEU", "libelle_bv", "lib_bv", "nom_bv", "libelle", "libelle_reu", "name", "nom")
COMMUNE_NAME_COLUMNS = ("nomCommune", "NOM_COM", "nom_commune", "LIBCOM", "libelle_commune")


@dataclass
class ParsedStations:
    """Normalised BV polygons of one boundary version (EPSG:4326)."""

    set_id: str
    label: str
    valid_from: date | None
    valid_to: date | None
    frame: gpd.GeoDataFrame  # station_id, commune_code, bv_code, name, n_parts, geometry
    report: ImportReport
    commune_names: dict[str, str] = field(default_factory=dict)


def slugify(text: str) -> str:
    """``"Contours 2022 (démo)"`` → ``"contours-2022-demo"``."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^0-9a-zA-Z]+", "-", text.lower()).strip("-")
    return text[:60] or "contours"


def _station_ids(frame: pd.DataFrame, columns: dict[str, str], path: Path) -> tuple[pd.Series, str]:
    """Normalised station ids and a French description of where they came from."""
    if "station" in columns:
        ref = columns["station"]
        if ref not in frame.columns:
            raise ImportRejected(f"colonne « {ref} » absente", file=path)
        return frame[ref].map(normalize_station_ref), ref
    commune_col = columns.get("commune") or pick_column(frame.columns, *COMMUNE_COLUMNS)
    number_col = columns.get("bv") or pick_column(frame.columns, *NUMBER_COLUMNS)
    if not columns:
        for name in REF_COLUMNS:
            col = pick_column(frame.columns, name)
            if col is None:
                continue
            ids = frame[col].map(normalize_station_ref)
            if ids.notna().mean() >= 0.9:
                return ids, col
    if commune_col and number_col:
        dep = None
        ids = [
            (make_station_id(c, b) if c and b else None)
            for c, b in zip(
                frame[commune_col].map(lambda v: normalize_commune_code(v, dep)),
                frame[number_col].map(normalize_bv_code),
            )
        ]
        return pd.Series(ids, index=frame.index, dtype=object), f"{commune_col} + {number_col}"
    raise ImportRejected(
        "identifiant de bureau introuvable : attendu une colonne comme codeBureauVote / id_bv / bureau "
        "(« 93010_0001 »), ou un code commune (codeCommune, DEPCO, insee…) et un numéro (numeroBureauVote, BVOTE…). "
        f"Colonnes trouvées : {', '.join(str(c) for c in frame.columns if c != 'geometry')}. "
        "Sinon, nommez-les dans un fichier --mapping ([columns] station = \"…\" ou commune/bv).",
        file=path,
    )


def _names(frame: pd.DataFrame, columns: dict[str, str], commune_names: pd.Series | None) -> pd.Series:
    """BV names: the first usable name column, gaps filled from the next ones."""
    candidates = [columns["name"]] if "name" in columns else [c for c in (pick_column(frame.columns, n) for n in NAME_COLUMNS) if c]
    out = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    for col in dict.fromkeys(candidates):
        names = frame[col].astype("string").str.strip()
        # REU/OSM contours put the commune's name in "nom": not a BV name.
        if commune_names is not None and (names == commune_names.astype("string")).mean() > 0.5:
            continue
        if names.nunique(dropna=True) <= 1 and len(frame) > 1:
            continue
        usable = names.notna() & (names != "")
        out = out.where(out.notna() | ~usable, names.astype(object))
    return out


def read_stations(
    path: Path,
    *,
    label: str | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    crs: str | None = None,
    layer: str | None = None,
    columns: dict[str, str] | None = None,
) -> ParsedStations:
    """Parse a BV polygon file into one boundary version (nothing is written)."""
    path = Path(path)
    columns = dict(columns or {})

    def score(cols: pd.Index) -> int:
        return 2 * bool(pick_column(cols, *REF_COLUMNS)) + bool(pick_column(cols, *NUMBER_COLUMNS))

    vector = read_polygons(path, layer=layer, crs=crs, choose_layer=score)
    frame = vector.frame
    report = ImportReport(kind="stations", file=path.name, format=f"contours de bureaux ({vector.source_crs})")
    report.rows_read = len(frame)
    ids, origin = _station_ids(frame, columns, path)
    bad = ids.isna()
    if bad.any():
        first = int(bad.to_numpy().nonzero()[0][0])
        raise ImportRejected(
            f"identifiant de bureau illisible dans {origin} : « {frame.iloc[first].get(origin.split(' + ')[0], '')} » ({int(bad.sum())} entité(s))",
            file=path, line=first + 1, column=origin, feature=True,
        )
    commune_name_col = pick_column(frame.columns, *COMMUNE_NAME_COLUMNS)
    commune_names = frame[commune_name_col] if commune_name_col else None
    frame = gpd.GeoDataFrame(
        {
            "station_id": ids.to_numpy(),
            "name": _names(frame, columns, commune_names).to_numpy(),
            "commune_name": (commune_names.astype(object).to_numpy() if commune_names is not None else None),
        },
        geometry=frame.geometry.to_numpy(),
        crs=4326,
    )
    merged = merge_parts(frame, "station_id")
    multi = int((merged["n_parts"] > 1).sum())
    merged["commune_code"] = merged["station_id"].str.split("_").str[0]
    merged["bv_code"] = merged["station_id"].str.split("_").str[1]
    merged = merged.sort_values(["commune_code", "bv_code"], key=lambda s: s.str.zfill(8)).reset_index(drop=True)
    label = label or path.stem
    set_id = slugify(label)
    report.rows_imported = len(frame)
    report.details["identifiants"] = f"lus dans {origin}"
    report.details["bureaux"] = len(merged)
    report.details["communes"] = ", ".join(sorted(merged["commune_code"].unique())[:20]) + ("…" if merged["commune_code"].nunique() > 20 else "")
    report.details["version de contours"] = f"{set_id} ({label})"
    if multi:
        report.details["bureaux en plusieurs morceaux"] = f"{multi} (parties fusionnées)"
    if vector.repaired:
        report.warn(f"{len(vector.repaired)} géométrie(s) invalide(s) réparée(s) (entités {', '.join(map(str, vector.repaired[:10]))}{'…' if len(vector.repaired) > 10 else ''})")
    names = {}
    if commune_names is not None:
        pairs = merged.dropna(subset=["commune_name"]).drop_duplicates("commune_code")
        names = dict(zip(pairs["commune_code"], pairs["commune_name"].astype(str)))
    return ParsedStations(set_id, label, valid_from, valid_to, merged[["station_id", "commune_code", "bv_code", "name", "n_parts", "geometry"]], report, names)
