"""Reading vector files (GeoJSON, Shapefile, GeoPackage, zipped Shapefile) into EPSG:4326.

Handles the warts met in practice: a ``.prj`` without EPSG code, a dBase file
read with the wrong encoding, several layers in a GeoPackage, multi-part rows,
invalid polygons (repaired and counted), and refuses what cannot be trusted:
no CRS, coordinates outside WGS84 once reprojected, null or non-polygon
geometries, unreadable files.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from dashboard.errors import ImportRejected
from dashboard.ingest.limits import check_archive, read_head

_MOJIBAKE = ("Ã©", "Ã¨", "Ã\u0089", "Ã´", "Ã®", "Ã§", "Ã\u00a0", "Ãle")


@dataclass(frozen=True)
class VectorFrame:
    """A polygon layer in EPSG:4326 with the facts the import report needs."""

    frame: gpd.GeoDataFrame
    source_crs: str
    layer: str | None
    repaired: list[int]


def _source(path: Path) -> str:
    if not path.exists():
        raise ImportRejected("fichier introuvable", file=path)
    if path.is_dir():
        raise ImportRejected("c'est un dossier, pas un fichier", file=path)
    if path.stat().st_size == 0:
        raise ImportRejected("le fichier est vide", file=path)
    if read_head(path, 4) == b"PK\x03\x04":
        check_archive(path)  # GDAL inflates it next: no bomb
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile as exc:
            raise ImportRejected("archive zip corrompue", file=path) from exc
        shp = [n for n in names if n.lower().endswith((".shp", ".gpkg", ".geojson", ".json"))]
        if not shp:
            raise ImportRejected("l'archive zip ne contient ni .shp, ni .gpkg, ni .geojson", file=path)
        return f"/vsizip/{path}/{shp[0]}"
    if path.suffix.lower() == ".shp":
        missing = [ext for ext in (".shx", ".dbf") if not path.with_suffix(ext).exists() and not path.with_suffix(ext.upper()).exists()]
        if missing:
            raise ImportRejected(f"shapefile incomplet : {', '.join(missing)} manquant(s) à côté du .shp", file=path)
    return str(path)


def _has_mojibake(frame: pd.DataFrame) -> bool:
    for column in frame.columns:
        if column == "geometry" or not (pd.api.types.is_string_dtype(frame[column]) or frame[column].dtype == object):
            continue
        sample = frame[column].dropna().astype(str).head(200)
        if sample.map(lambda v: any(m in v for m in _MOJIBAKE)).any():
            return True
    return False


def list_layers(path: Path) -> list[str]:
    source = _source(path)
    try:
        return [str(name) for name, _ in pyogrio.list_layers(source)]
    except Exception as exc:  # pyogrio raises several error types for unreadable data
        raise ImportRejected(f"fichier géographique illisible ({str(exc)[:200]})", file=path) from exc


def read_polygons(
    path: Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    choose_layer: Callable[[pd.Index], int] | None = None,
) -> VectorFrame:
    """Read a polygon layer and return it in EPSG:4326.

    ``choose_layer`` scores a layer from its columns when a file holds several
    (the best score wins); ``crs`` is used only when the file declares none.
    """
    path = Path(path)
    source = _source(path)
    layers = list_layers(path)
    if layer is None and len(layers) > 1 and choose_layer is not None:
        scored = []
        for name in layers:
            info = pyogrio.read_info(source, layer=name)
            scored.append((choose_layer(pd.Index(info["fields"])), int(info.get("features") or 0), name))
        layer = max(scored)[2]
    if layer is not None and layer not in layers:
        raise ImportRejected(f"couche « {layer} » absente (couches : {', '.join(layers)})", file=path)
    try:
        frame = pyogrio.read_dataframe(source, layer=layer)
        if _has_mojibake(frame):
            frame = pyogrio.read_dataframe(source, layer=layer, encoding="utf-8")
    except ImportRejected:
        raise
    except Exception as exc:
        raise ImportRejected(f"fichier géographique illisible ({str(exc)[:200]})", file=path) from exc
    if len(frame) == 0:
        raise ImportRejected("la couche ne contient aucune entité", file=path)
    if frame.crs is None:
        if crs is None:
            raise ImportRejected(
                "système de coordonnées inconnu (pas de .prj ni de CRS déclaré) : précisez-le avec --crs (ex. EPSG:2154)",
                file=path,
            )
        frame = frame.set_crs(crs)
    source_crs = describe_crs(frame.crs)
    geoms = frame.geometry.array
    null = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if null.any():
        first = int(np.flatnonzero(null)[0]) + 1
        raise ImportRejected(f"géométrie absente ou vide ({int(null.sum())} entité(s))", file=path, line=first, feature=True)
    kinds = np.asarray(shapely.get_type_id(geoms))
    bad_kind = ~np.isin(kinds, [3, 6])  # Polygon, MultiPolygon
    if bad_kind.any():
        first = int(np.flatnonzero(bad_kind)[0])
        raise ImportRejected(
            f"géométrie de type {frame.geometry.iloc[first].geom_type} : des polygones sont attendus",
            file=path, line=first + 1, feature=True,
        )
    try:
        frame = frame.to_crs(4326)
    except Exception as exc:
        raise ImportRejected(f"reprojection en WGS84 impossible depuis {source_crs} ({exc})", file=path) from exc
    bounds = np.asarray(frame.total_bounds)
    if not np.isfinite(bounds).all() or bounds[0] < -180 or bounds[2] > 180 or bounds[1] < -90 or bounds[3] > 90:
        raise ImportRejected(
            f"coordonnées hors de la Terre une fois reprojetées depuis {source_crs} : le système de coordonnées déclaré est faux ; précisez-le avec --crs",
            file=path,
        )
    geoms = frame.geometry.array
    invalid = ~np.asarray(shapely.is_valid(geoms))
    repaired: list[int] = []
    if invalid.any():
        fixed = shapely.make_valid(np.asarray(geoms)[invalid])
        fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
        lost = shapely.is_empty(fixed)
        if lost.any():
            first = int(np.flatnonzero(invalid)[np.flatnonzero(lost)[0]]) + 1
            raise ImportRejected("géométrie invalide et irréparable (surface nulle)", file=path, line=first, feature=True)
        values = np.asarray(frame.geometry.array, dtype=object).copy()
        values[invalid] = fixed
        frame = frame.set_geometry(gpd.GeoSeries(values, index=frame.index, crs=4326))
        repaired = (np.flatnonzero(invalid) + 1).tolist()
    return VectorFrame(frame, source_crs, layer, repaired)


def describe_crs(crs: object) -> str:
    """Short name of a CRS: ``EPSG:2154`` when recognisable, else its name."""
    epsg = crs.to_epsg(min_confidence=25)  # type: ignore[attr-defined]
    return f"EPSG:{epsg}" if epsg else str(crs.name)  # type: ignore[attr-defined]


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal parts of a repaired geometry (make_valid can add lines)."""
    parts = shapely.get_parts(geom)
    polys = [p for p in parts if shapely.get_type_id(p) in (3, 6)]
    if not polys:
        return shapely.Polygon()
    return shapely.union_all(polys) if len(polys) > 1 else polys[0]


def pick_column(columns: pd.Index, *names: str) -> str | None:
    """The first of ``names`` present in ``columns`` (case-insensitive)."""
    lower = {str(c).lower(): str(c) for c in columns}
    for name in names:
        if name.lower() in lower:
            return lower[name.lower()]
    return None


def merge_parts(frame: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame:
    """One row per ``key``: multi-part rows merged (attributes of the first part kept)."""
    counts = frame.groupby(key, sort=False).size()
    if (counts == 1).all():
        out = frame.copy()
        out["n_parts"] = 1
        return out
    single = frame[frame[key].map(counts) == 1]
    multi = frame[frame[key].map(counts) > 1]
    merged = multi.dissolve(by=key, sort=False, aggfunc="first").reset_index()
    merged["geometry"] = shapely.make_valid(merged.geometry.array)
    out = pd.concat([single, merged[single.columns]], ignore_index=True)
    out["n_parts"] = out[key].map(counts).astype(int)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=frame.crs)
