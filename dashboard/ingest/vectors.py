"""Reading vector files (GeoJSON, Shapefile, GeoPackage, zipped Shapefile) into EPSG:4326.

Handles the warts met in practice: a ``.prj`` without EPSG code, a dBase file
read with the wrong encoding, several layers in a GeoPackage, multi-part rows,
invalid polygons (repaired and counted), GeoJSON wrapped in JavaScript
(``var x = {…};``), OpenDataSoft exports (``geo_shape`` as JSON records or CSV
column), and refuses what cannot be trusted: no CRS, coordinates outside France
once reprojected (naming the likely CRS, see :mod:`~dashboard.ingest.coordinates`),
null or non-polygon geometries (unless skipped on request), tables without
geometry, unreadable files.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely
import shapely.errors
import shapely.geometry

from dashboard.errors import ImportRejected
from dashboard.ingest.coordinates import in_france, likely_crs
from dashboard.ingest.limits import check_archive, read_head

_MOJIBAKE = ("Ã©", "Ã¨", "Ã\u0089", "Ã´", "Ã®", "Ã§", "Ã\u00a0", "Ãle")


@dataclass(frozen=True)
class VectorFrame:
    """A polygon layer in EPSG:4326 with the facts the import report needs."""

    frame: gpd.GeoDataFrame
    source_crs: str
    layer: str | None
    repaired: list[int]
    features: np.ndarray  # 1-based number in the file of each row of ``frame``
    skipped: list[tuple[str, list[int]]]  # (reason, feature numbers) left out with skip_invalid
    warnings: list[str]


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
        if not shp and any(n.startswith("xl/") for n in names):
            raise ImportRejected(
                "c'est un classeur Excel (xlsx), sans géométrie : pas un fichier de contours ; "
                "pour des résultats ou des indicateurs, choisissez le type results ou iris-indicators",
                file=path,
            )
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


_JS_WRAPPER = re.compile(rb"^\s*(?:(?:var|let|const)\s+[\w$]+\s*=|[\w$.]+\s*=|[\w$.]+\s*\()\s*", re.ASCII)
GEOMETRY_FIELDS = ("geo_shape", "Geo Shape", "geometry", "geom", "the_geom", "wkt", "shape")
_GEOJSON_TYPES = {"Polygon", "MultiPolygon", "Point", "MultiPoint", "LineString", "MultiLineString", "GeometryCollection"}


def _unwrap_script(path: Path) -> bytes | None:
    """The JSON inside a JavaScript wrapper (``var x = {…};``, ``callback({…})``), or ``None``."""
    if path.suffix.lower() not in (".geojson", ".json", ".js", ".jsonp", ".txt"):
        return None
    head = read_head(path, 256).lstrip(b"\xef\xbb\xbf")
    match = _JS_WRAPPER.match(head)
    if match is None or head.lstrip()[:1] in (b"{", b"["):
        return None
    data = path.read_bytes().lstrip(b"\xef\xbb\xbf")
    start = match.end()
    end = max(data.rfind(b"}"), data.rfind(b"]"))
    if end < start:
        return None
    return data[start:end + 1]


def _as_geometry(value: object) -> shapely.Geometry | None:
    """A geometry from an OpenDataSoft ``geo_shape`` (Feature or geometry object, or its JSON text) or WKT."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                return None
        else:
            try:
                return shapely.from_wkt(text)
            except shapely.errors.GEOSException:
                return None
    if isinstance(value, dict):
        if value.get("type") == "Feature":
            value = value.get("geometry")
        if not isinstance(value, dict) or value.get("type") not in _GEOJSON_TYPES:
            return None
        try:
            return shapely.geometry.shape(value)
        except (ValueError, TypeError, AttributeError, KeyError):
            return None
    return None


def _geometry_field(columns: pd.Index) -> str | None:
    return pick_column(columns, *GEOMETRY_FIELDS)


def _frame_from_records(records: pd.DataFrame, path: Path) -> gpd.GeoDataFrame:
    """Rows carrying their geometry in a field (OpenDataSoft ``geo_shape``, WKT…), in EPSG:4326."""
    field_name = _geometry_field(records.columns)
    if field_name is None:
        shown = ", ".join(str(c) for c in records.columns[:15])
        raise ImportRejected(
            f"ce fichier n'a pas de géométrie : c'est un tableau (colonnes : {shown}), pas un fichier de contours. "
            "Des contours sont attendus (GeoJSON, Shapefile zippé, GeoPackage, ou une colonne geo_shape) ; "
            "pour un tableau, choisissez le type qui lui correspond (results, iris-indicators, addresses…)",
            file=path,
        )
    geometry = [_as_geometry(v) for v in records[field_name]]
    rest = records.drop(columns=[field_name])
    # OpenDataSoft exports are in WGS84 (their "geo_point_2d" is a lon/lat pair).
    return gpd.GeoDataFrame(rest, geometry=gpd.GeoSeries(geometry, crs=4326), crs=4326)


def _read_json(data: bytes, path: Path) -> gpd.GeoDataFrame | None:
    """JSON that is not a FeatureCollection: a list of records (OpenDataSoft JSON export)."""
    try:
        parsed = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportRejected(f"JSON illisible ({str(exc)[:120]})", file=path) from exc
    if isinstance(parsed, dict) and parsed.get("type") in ("FeatureCollection", "Feature"):
        return None
    records = parsed.get("records") if isinstance(parsed, dict) else parsed
    if isinstance(records, list) and records and all(isinstance(r, dict) for r in records):
        rows = [r.get("fields", r) if "fields" in r and isinstance(r["fields"], dict) else r for r in records]
        return _frame_from_records(pd.DataFrame(rows), path)
    raise ImportRejected(
        "JSON sans entités géographiques (ni FeatureCollection GeoJSON, ni liste d'enregistrements avec geo_shape) : "
        "ce n'est pas un fichier de contours",
        file=path,
    )


def _load(path: Path, source: str, layer: str | None) -> tuple[gpd.GeoDataFrame, str | None]:
    """Read the features of ``source``; returns the frame and a note on the format when unusual."""
    unwrapped = _unwrap_script(path)
    head = read_head(path, 512).lstrip(b"\xef\xbb\xbf").lstrip()
    if unwrapped is not None or head[:1] == b"[" or (head[:1] == b"{" and b'"FeatureCollection"' not in read_head(path, 1 << 16)):
        data = unwrapped if unwrapped is not None else path.read_bytes()
        frame = _read_json(data, path)
        note = "GeoJSON dans une enveloppe JavaScript" if unwrapped is not None else None
        if frame is not None:
            return frame, "enregistrements JSON avec geo_shape" if note is None else note
        return _read_with_gdal(data, path, layer), note
    frame = _read_with_gdal(source, path, layer)
    no_geometry = not isinstance(frame, gpd.GeoDataFrame) or "geometry" not in frame.columns or frame.geometry.isna().all()
    if no_geometry:
        records = pd.DataFrame(frame).drop(columns=["geometry"], errors="ignore")
        return _frame_from_records(records, path), "tableau avec une colonne de géométrie"
    return frame, None


def _read_with_gdal(source: str | bytes, path: Path, layer: str | None) -> gpd.GeoDataFrame:
    try:
        frame = pyogrio.read_dataframe(source, layer=layer)
        if _has_mojibake(frame):
            frame = pyogrio.read_dataframe(source, layer=layer, encoding="utf-8")
    except Exception as exc:  # pyogrio raises several error types for unreadable data
        raise ImportRejected(f"fichier géographique illisible ({str(exc)[:200]})", file=path) from exc
    return frame


@dataclass
class _Invalid:
    """Features found bad, by reason (1-based feature numbers)."""

    skip: bool
    path: Path
    found: dict[str, list[int]]

    def flag(self, mask: np.ndarray, features: np.ndarray, reason_fr: str) -> None:
        if not mask.any():
            return
        numbers = features[mask].tolist()
        if not self.skip:
            raise ImportRejected(
                f"{reason_fr} ({len(numbers)} entité(s) : {', '.join(map(str, numbers[:10]))}{'…' if len(numbers) > 10 else ''}). "
                "Pour importer les autres et lister celles-ci dans le rapport, relancez avec --skip-invalid",
                file=self.path, line=numbers[0], feature=True,
            )
        self.found.setdefault(reason_fr, []).extend(numbers)


def read_polygons(
    path: Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    choose_layer: Callable[[pd.Index], int] | None = None,
    skip_invalid: bool = False,
) -> VectorFrame:
    """Read a polygon layer and return it in EPSG:4326.

    ``choose_layer`` scores a layer from its columns when a file holds several (the best
    score wins). ``crs`` is used when the file declares none and overrides a declared one
    (with a warning). Features without geometry, of another type or unrepairable refuse the
    file, or with ``skip_invalid`` are left out and listed (``VectorFrame.skipped``).
    Coordinates outside France once reprojected refuse the file with the likely CRS.
    """
    path = Path(path)
    source = _source(path)
    warnings: list[str] = []
    head = read_head(path, 16).lstrip(b"\xef\xbb\xbf").lstrip()
    json_like = _unwrap_script(path) is not None or head[:1] in (b"{", b"[")
    layers = [] if json_like else list_layers(path)
    if layer is None and len(layers) > 1 and choose_layer is not None:
        scored = []
        for name in layers:
            info = pyogrio.read_info(source, layer=name)
            scored.append((choose_layer(pd.Index(info["fields"])), int(info.get("features") or 0), name))
        layer = max(scored)[2]
    if layer is not None and layers and layer not in layers:
        raise ImportRejected(f"couche « {layer} » absente (couches : {', '.join(layers)})", file=path)
    frame, note = _load(path, source, layer)
    if note:
        warnings.append(f"format lu : {note}")
    if len(frame) == 0:
        raise ImportRejected("la couche ne contient aucune entité", file=path)
    declared = describe_crs(frame.crs) if frame.crs is not None else None
    if crs is not None:
        try:
            wanted = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError as exc:
            raise ImportRejected(f"système de coordonnées --crs « {crs} » inconnu (ex. EPSG:2154)", file=path) from exc
        if declared is not None and frame.crs != wanted and describe_crs(wanted) != declared:
            warnings.append(f"système de coordonnées déclaré {declared} remplacé par {describe_crs(wanted)} (--crs)")
        frame = frame.set_crs(wanted, allow_override=True)
    elif frame.crs is None:
        raise ImportRejected(
            "système de coordonnées inconnu (pas de .prj ni de CRS déclaré) : précisez-le avec --crs (ex. EPSG:2154)",
            file=path,
        )
    source_crs = describe_crs(frame.crs)
    features = np.arange(1, len(frame) + 1)
    invalid = _Invalid(skip_invalid, path, {})
    geoms = frame.geometry.array
    null = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    invalid.flag(null, features, "géométrie absente ou vide")
    kinds = np.asarray(shapely.get_type_id(geoms))
    bad_kind = ~null & ~np.isin(kinds, [3, 6])  # Polygon, MultiPolygon
    if bad_kind.any():
        first = frame.geometry.iloc[int(np.flatnonzero(bad_kind)[0])].geom_type
        invalid.flag(bad_kind, features, f"géométrie de type {first} : des polygones sont attendus")
    keep = ~(null | bad_kind)
    if not keep.any():
        raise ImportRejected("aucune entité n'a de polygone", file=path)
    frame, features = frame[keep], features[keep]
    raw_bounds = shapely.bounds(np.asarray(frame.geometry.array))
    try:
        frame = frame.to_crs(4326)
    except Exception as exc:
        raise ImportRejected(f"reprojection en WGS84 impossible depuis {source_crs} ({exc})", file=path) from exc
    _check_france(frame, raw_bounds, source_crs, path)
    geoms = frame.geometry.array
    broken = ~np.asarray(shapely.is_valid(geoms))
    repaired: list[int] = []
    if broken.any():
        fixed = shapely.make_valid(np.asarray(geoms)[broken])
        fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
        lost = np.zeros(len(frame), dtype=bool)
        lost[np.flatnonzero(broken)[shapely.is_empty(fixed)]] = True
        invalid.flag(lost, features, "géométrie invalide et irréparable (surface nulle)")
        values = np.asarray(frame.geometry.array, dtype=object).copy()
        values[broken] = fixed
        frame = frame.set_geometry(gpd.GeoSeries(values, index=frame.index, crs=4326))
        repaired = features[broken & ~lost].tolist()
        frame, features = frame[~lost], features[~lost]
    skipped = [(reason, numbers) for reason, numbers in invalid.found.items()]
    return VectorFrame(frame.reset_index(drop=True), source_crs, layer, repaired, features, skipped, warnings)


def _check_france(frame: gpd.GeoDataFrame, raw_bounds: np.ndarray, source_crs: str, path: Path) -> None:
    """Refuse a layer whose features do not all fall in France, naming the likely CRS."""
    bounds = shapely.bounds(np.asarray(frame.geometry.array))
    finite = np.isfinite(bounds).all(axis=1)
    inside = finite & in_france(bounds[:, 0], bounds[:, 1]) & in_france(bounds[:, 2], bounds[:, 3])
    if inside.all():
        return
    outside = int((~inside).sum())
    x = np.concatenate([raw_bounds[:, 0], raw_bounds[:, 2]])
    y = np.concatenate([raw_bounds[:, 1], raw_bounds[:, 3]])
    guess = likely_crs(x, y, source_crs)
    where = "hors de France" if finite.all() else "hors de la Terre"
    message = f"{outside} entité(s) sur {len(frame)} tombent {where} une fois reprojetées depuis {source_crs}"
    if guess is None:
        message += " : le système de coordonnées déclaré est faux ; précisez le bon avec --crs (ex. --crs EPSG:2154)"
    else:
        likely, swapped = guess
        kind = "des degrés (longitude, latitude)" if likely == "EPSG:4326" else f"des coordonnées en {likely}"
        if swapped:
            message += f" : les nombres ressemblent à {kind} avec les axes inversés (latitude d'abord) ; corrigez l'ordre des axes du fichier"
        else:
            message += f" : les nombres ressemblent à {kind} ; relancez avec --crs {likely}"
    raise ImportRejected(message, file=path)


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
