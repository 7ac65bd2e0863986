"""Quality figures of a station partition built from addresses.

- **containment**: share of (address, station) rows whose point lies in the polygon of its own
  station (the point the build used: a point shared by several stations is its station's copy,
  moved ``SPLIT_M``; those are listed by the build). Each address that is not is explained:
  outside the commune's outline, or in another station's polygon.
- **gaps and overlaps** (m², per commune and in total): area of the outline not covered by any
  station, and area covered twice (sum of the areas minus the area of the union).
- **compactness**: Polsby-Popper 4πA / P² per station (1 for a disc), and its median.
- **IoU** against a reference version (same station ids): area(A ∩ B) / area(A ∪ B) per station
  present in both, its median and minimum; stations present on one side only are counted.

Areas are computed in each commune's metric projection (the build's UTM zone).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.errors
from shapely.geometry.base import BaseGeometry

from dashboard.boundaries.build import BuildResult
from dashboard.formats import format_fr


@dataclass
class Quality:
    """``per_station``: station_id, commune_code, n_addresses, contained, area_m2, polsby_popper, and
    ``iou_<name>`` per reference. ``summary``: the figures (plain JSON values). ``exceptions``:
    address_id, station_id, reason (French)."""

    per_station: pd.DataFrame
    summary: dict[str, object]
    exceptions: pd.DataFrame = field(default_factory=pd.DataFrame)


def _metric(frame: gpd.GeoDataFrame, result: BuildResult, code: str) -> np.ndarray:
    return np.asarray(frame.to_crs(result.metric[code]).geometry.array, dtype=object)


def _union(geoms: np.ndarray) -> BaseGeometry:
    """Union of station polygons: the fast coverage union when GEOS accepts the coverage, else a full union.

    ``coverage_is_valid`` can pass a coverage whose edges meet within floating-point dust that
    ``coverage_union_all`` then refuses (seen on the ``empty`` method's 1 M synthetic build).
    """
    if shapely.coverage_is_valid(geoms):
        try:
            return shapely.coverage_union_all(geoms)
        except shapely.errors.GEOSException:
            pass
    return shapely.union_all(geoms)


def iou(stations: gpd.GeoDataFrame, reference: gpd.GeoDataFrame, crs: object) -> pd.Series:
    """IoU per station id present in both (``station_id``, geometry; any CRS), in the metric ``crs``."""
    ours = stations.to_crs(crs).dissolve("station_id")
    theirs = reference.to_crs(crs).dissolve("station_id")
    common = ours.index.intersection(theirs.index)
    a = np.asarray(ours.loc[common].geometry.array, dtype=object)
    b = shapely.make_valid(np.asarray(theirs.loc[common].geometry.array, dtype=object))
    inter = shapely.area(shapely.intersection(a, b))
    union = shapely.area(a) + shapely.area(b) - inter
    return pd.Series(np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0), index=common, name="iou")


def measure(result: BuildResult, references: dict[str, gpd.GeoDataFrame] | None = None) -> Quality:
    """Every figure of one build; ``references``: name → reference stations (station_id, geometry)."""
    references = references or {}
    rows, exceptions = [], []
    gap_total = overlap_total = 0.0
    for code, outline in zip(result.outlines["commune_code"], result.outlines.geometry):
        crs = result.metric[code]
        stations = result.stations[result.stations["commune_code"] == code]
        geoms = _metric(stations, result, code)
        shape = gpd.GeoSeries([outline], crs=4326).to_crs(crs).iloc[0]
        union = _union(geoms)
        areas = shapely.area(geoms)
        gap_total += float(shapely.area(shapely.difference(shape, union)))
        overlap_total += max(0.0, float(areas.sum() - shapely.area(union)))
        pts = result.points[result.points["commune_code"] == code]
        shapely.prepare(geoms)  # many points per polygon below
        by_id = dict(zip(stations["station_id"], geoms))
        point_geoms = shapely.points(pts[["x", "y"]].to_numpy())
        own = np.array([by_id.get(s) for s in pts["station_id"]], dtype=object)
        has = np.array([g is not None for g in own])
        contained = np.zeros(len(pts), dtype=bool)
        contained[has] = shapely.covers(own[has], point_geoms[has])
        for idx in np.nonzero(~contained)[0]:
            row = pts.iloc[idx]
            reason = "hors du contour de la commune" if not row["inside"] else "dans le polygone d'un autre bureau"
            exceptions.append({"address_id": row["address_id"], "station_id": row["station_id"], "reason": reason})
        per = pd.DataFrame({
            "station_id": stations["station_id"].to_numpy(), "commune_code": code,
            "n_addresses": stations["n_addresses"].to_numpy(), "area_m2": areas,
            "polsby_popper": 4 * np.pi * areas / np.maximum(shapely.length(geoms), 1e-9) ** 2,
        })
        per["contained"] = per["station_id"].map(pd.Series(contained, index=pts.index).groupby(pts["station_id"].to_numpy()).sum()).fillna(0).astype(int)
        for name, reference in references.items():
            ref = reference[reference["station_id"].isin(stations["station_id"])]
            per[f"iou_{name}"] = per["station_id"].map(iou(stations, ref, crs)) if len(ref) else np.nan
        rows.append(per)
    per_station = pd.concat(rows, ignore_index=True)
    n_points = len(result.points)
    summary: dict[str, object] = {
        "method": result.method,
        "stations": len(result.stations),
        "addresses": n_points,
        "containment": round(float(per_station["contained"].sum()) / n_points, 6) if n_points else 1.0,
        "exceptions": len(exceptions),
        "shared_points": len(result.shared_points),
        "small_stations": len(result.small_stations),
        "outside": len(result.outside),
        "gap_m2": round(gap_total, 3),
        "overlap_m2": round(overlap_total, 3),
        "polsby_popper_median": round(float(per_station["polsby_popper"].median()), 4),
        "seconds": round(result.seconds, 2),
    }
    for name, reference in references.items():
        values = per_station[f"iou_{name}"].dropna()
        summary[f"iou_{name}_median"] = round(float(values.median()), 4) if len(values) else None
        summary[f"iou_{name}_min"] = round(float(values.min()), 4) if len(values) else None
        summary[f"iou_{name}_compared"] = len(values)
        summary[f"{name}_only"] = int((~reference["station_id"].isin(per_station["station_id"])).sum())
    return Quality(per_station, summary, pd.DataFrame(exceptions, columns=["address_id", "station_id", "reason"]))


def summary_lines(quality: Quality) -> list[str]:
    """The figures in French, one per line."""
    s = quality.summary
    lines = [
        f"Méthode : {s['method']} ; {s['stations']} bureau(x), {format_fr(s['addresses'])} adresse(s)",
        f"Adresses dans leur bureau : {format_fr(100 * float(s['containment']), 2)} %"
        + (f" ({s['exceptions']} exception(s) expliquée(s))" if s["exceptions"] else ""),
        f"Trous : {format_fr(float(s['gap_m2']), 2)} m² ; chevauchements : {format_fr(float(s['overlap_m2']), 2)} m²",
        f"Compacité (Polsby-Popper, médiane) : {format_fr(float(s['polsby_popper_median']), 3)}",
    ]
    if s["shared_points"]:
        lines.append(f"Points partagés entre bureaux : {s['shared_points']} copie(s) déplacée(s) de moins de 1 m")
    if s["small_stations"]:
        lines.append(f"Bureaux avec très peu d'adresses : {s['small_stations']}")
    for key, value in s.items():
        if key.startswith("iou_") and key.endswith("_median") and value is not None:
            name = key[4:-7]
            lines.append(
                f"IoU contre « {name} » : médiane {format_fr(float(value), 3)}, minimum {format_fr(float(s[f'iou_{name}_min']), 3)}"
                f" ({s[f'iou_{name}_compared']} bureau(x) comparé(s))"
            )
    for row in quality.exceptions.head(10).itertuples():
        lines.append(f"  exception : {row.address_id} ({row.station_id}) {row.reason}")
    if len(quality.exceptions) > 10:
        lines.append(f"  … et {len(quality.exceptions) - 10} autre(s) (détail dans station_set_quality.details)")
    return lines
