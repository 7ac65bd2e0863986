"""``isoloir stations from-addresses``: a boundary version built from REU addresses, written to the warehouse.

Reads the address file (:func:`dashboard.ingest.addresses.read_addresses`), takes each commune's
outline from ``--commune-outline`` or the warehouse (the ``commune`` contour, else the union of
its IRIS), builds the partition (:func:`dashboard.boundaries.build.build_from_addresses`, cut
along the warehouse's IRIS), measures it (:mod:`dashboard.boundaries.quality`) against the
latest other version of the same communes when there is one, and writes the version
(``station_set`` + ``station`` through :meth:`Warehouse.write_stations`) and its figures
(``station_set_quality``) in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dashboard.boundaries.crosswalk import refresh_crosswalks, summary_line
from dashboard.boundaries.build import IRIS, BuildRefused, BuildResult, Progress, build_from_addresses
from dashboard.boundaries.quality import Quality, measure
from dashboard.ingest.addresses import read_addresses
from dashboard.ingest.ids import normalize_commune_code
from dashboard.ingest.report import ImportReport
from dashboard.ingest.stations import COMMUNE_COLUMNS, ParsedStations, slugify
from dashboard.ingest.vectors import pick_column, read_polygons
from dashboard.warehouse.database import Warehouse
from dashboard.warehouse.importer import file_sha256

REFERENCE = "reference"


@dataclass
class VersionBuilt:
    set_id: str
    label: str
    result: BuildResult
    quality: Quality
    reference_set_id: str | None
    outline_source: dict[str, str]  # commune → where its outline came from (French)


def _geoms(wkb: pd.Series) -> np.ndarray:
    """DuckDB hands BLOBs back as bytearray; shapely wants bytes."""
    return np.asarray(shapely.from_wkb([bytes(b) for b in wkb]), dtype=object) if len(wkb) else np.array([], dtype=object)


def read_outline(path: Path, communes: list[str]) -> gpd.GeoDataFrame:
    """Commune outlines from a polygon file: commune_code, geometry (EPSG:4326).

    With a commune column, one outline per commune (parts merged); without, the union of every
    polygon is the outline of the only commune of the addresses.
    """
    frame = read_polygons(Path(path)).frame
    column = pick_column(frame.columns, *COMMUNE_COLUMNS)
    if column is None:
        if len(communes) != 1:
            raise BuildRefused(f"{Path(path).name} : aucune colonne de commune (code INSEE) alors que les adresses couvrent {len(communes)} communes")
        codes = pd.Series([communes[0]] * len(frame))
    else:
        codes = frame[column].astype(str).map(normalize_commune_code)
    frame = gpd.GeoDataFrame({"commune_code": codes.to_numpy()}, geometry=frame.geometry.to_numpy(), crs=4326)
    return frame.dissolve("commune_code").reset_index()[["commune_code", "geometry"]]


def warehouse_outlines(wh: Warehouse, communes: list[str]) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """The warehouse's contour of each commune, else the union of its IRIS; and where each came from."""
    marks = ", ".join("?" for _ in communes)
    rows = wh.query(
        f"SELECT commune_code, geometry::BLOB AS wkb, geometry_source FROM commune WHERE geometry IS NOT NULL AND commune_code IN ({marks})",  # noqa: S608 - placeholders only
        communes,
    )
    source = {c: f"commune ({s or 'contour importé'})" for c, s in zip(rows["commune_code"], rows["geometry_source"])}
    geoms = dict(zip(rows["commune_code"], _geoms(rows["wkb"])))
    rest = [c for c in communes if c not in geoms]
    if rest:
        iris = _iris(wh, rest)
        for code, group in iris.groupby("commune_code"):
            geoms[code] = shapely.union_all(np.asarray(group.geometry.array, dtype=object))
            source[code] = "union des IRIS"
    return gpd.GeoDataFrame({"commune_code": list(geoms)}, geometry=list(geoms.values()), crs=4326), source


def _iris(wh: Warehouse, communes: list[str]) -> gpd.GeoDataFrame:
    marks = ", ".join("?" for _ in communes)
    rows = wh.query(f"SELECT commune_code, geometry::BLOB AS wkb FROM iris WHERE commune_code IN ({marks})", communes)  # noqa: S608 - placeholders only
    return gpd.GeoDataFrame({"commune_code": rows["commune_code"].to_numpy()}, geometry=_geoms(rows["wkb"]), crs=4326)


def _reference(wh: Warehouse, communes: list[str], exclude: str, set_id: str | None) -> tuple[str | None, gpd.GeoDataFrame | None]:
    """The version to compare with: ``set_id``, or the latest other version holding these communes."""
    marks = ", ".join("?" for _ in communes)
    if set_id is None:
        latest = wh.query(
            f"""SELECT set_id FROM station JOIN station_set USING (set_id)
                WHERE commune_code IN ({marks}) AND set_id <> ?
                GROUP BY set_id, valid_from, imported_at ORDER BY valid_from DESC NULLS LAST, imported_at DESC, set_id LIMIT 1""",  # noqa: S608
            [*communes, exclude],
        )
        if latest.empty:
            return None, None
        set_id = str(latest["set_id"].iloc[0])
    rows = wh.query(
        f"SELECT station_id, geometry::BLOB AS wkb FROM station WHERE set_id = ? AND commune_code IN ({marks})", [set_id, *communes]  # noqa: S608
    )
    if rows.empty:
        raise BuildRefused(f"version de référence « {set_id} » absente de l'entrepôt pour ces communes")
    return set_id, gpd.GeoDataFrame({"station_id": rows["station_id"].to_numpy()}, geometry=_geoms(rows["wkb"]), crs=4326)


def quality_details(quality: Quality, result: BuildResult) -> dict[str, object]:
    """What ``station_set_quality.details`` holds: per-station figures and every reported case."""
    per = quality.per_station.replace({np.nan: None})
    return {
        "per_station": per.to_dict(orient="records"),
        "exceptions": quality.exceptions.to_dict(orient="records"),
        "shared_points": result.shared_points.to_dict(orient="records"),
        "small_stations": result.small_stations.to_dict(orient="records"),
        "outside": result.outside.to_dict(orient="records"),
        "outline_fixed_m2": result.outline_fixed_m2,
    }


def build_version(
    wh: Warehouse,
    addresses: Path,
    *,
    outline: Path | None = None,
    label: str | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    method: str = IRIS,
    reference_set_id: str | None = None,
    progress: Progress | None = None,
) -> VersionBuilt:
    """Build, measure and write one boundary version into the read-write ``wh`` (one transaction)."""
    addresses = Path(addresses)
    parsed = read_addresses(addresses)
    frame = parsed.frame
    communes = sorted(frame["commune_code"].dropna().astype(str).unique())
    if outline is not None:
        outlines, source = read_outline(outline, communes), {c: Path(outline).name for c in communes}
    else:
        outlines, source = warehouse_outlines(wh, communes)
    missing = sorted(set(communes) - set(outlines["commune_code"]))
    if missing:
        raise BuildRefused(
            f"pas de contour pour la commune {', '.join(missing[:10])} : importez son contour ou ses IRIS, ou donnez --commune-outline"
        )
    iris = _iris(wh, communes)
    result = build_from_addresses(frame, outlines, method=method, progress=_scaled(progress, 0.0, 0.7), iris=iris if len(iris) else None)
    label = label or f"Bureaux depuis les adresses ({addresses.stem})"
    set_id = slugify(label)
    ref_id, reference = _reference(wh, communes, set_id, reference_set_id)
    if progress:
        progress("Mesures de qualité", 0.75)
    quality = measure(result, {REFERENCE: reference} if reference is not None else None)
    names = wh.query("SELECT station_id, name FROM reu_station")
    stations = result.stations.assign(name=result.stations["station_id"].map(dict(zip(names["station_id"], names["name"]))))
    report = ImportReport(kind="stations-from-addresses", file=addresses.name, format=f"bureaux construits depuis les adresses ({result.method})")
    report.rows_read = parsed.report.rows_read
    report.rows_imported = len(stations)
    report.details["bureaux"] = len(stations)
    report.details["version de contours"] = f"{set_id} ({label})"
    version = ParsedStations(set_id, label, valid_from, valid_to, stations[["station_id", "commune_code", "bv_code", "name", "n_parts", "geometry"]], report)
    sha = file_sha256(addresses)
    figures = {**quality.summary, "reference_set_id": ref_id,
               "iou_median": quality.summary.get(f"iou_{REFERENCE}_median"), "iou_min": quality.summary.get(f"iou_{REFERENCE}_min")}
    with wh.transaction():
        wh.write_stations(version, addresses.name, sha, _scaled(progress, 0.8, 0.95))
        wh.write_station_quality(set_id, figures, {**quality_details(quality, result), "outline_source": source})
        # the new version's crosswalks with the communes' other versions (by REU addresses, else area)
        report.details["tables de passage"] = [summary_line(s) for s in refresh_crosswalks(wh, sorted(set(stations["commune_code"])))]
        wh.refresh_election_sets()
        wh.log_import(report, sha, {"kind": "stations-from-addresses", "method": method, "label": label,
                                    "valid_from": valid_from, "valid_to": valid_to, "outline": outline and Path(outline).name})
    if progress:
        progress("Version écrite", 1.0)
    return VersionBuilt(set_id, label, result, quality, ref_id, source)


def _scaled(progress: Progress | None, start: float, end: float) -> Progress | None:
    if progress is None:
        return None
    return lambda message, fraction: progress(message, start + (end - start) * fraction)
