"""IRIS indicators carried over to polling stations (bureaux de vote, BV), stored as weights.

BV and IRIS do not nest: a BV covers pieces of several IRIS. Each (BV, IRIS) piece gets a
``weight`` = **the share of the IRIS that lies in the BV** (the meaning of
``station_iris.weight``, see :mod:`dashboard.iris.estimates`). A count of the BV is then
``Σ weight × IRIS count``; averages are weighted by the population of each piece (the rules
of :func:`dashboard.iris.estimates.estimate`, reused here).

**Two ways to measure "the share of the IRIS in the BV"** (``station_iris.method``):

- ``"surface"``: area of (BV ∩ IRIS) / area of the IRIS, in the equal-area projection
  EPSG:6933. Per IRIS the weights sum to the share of the IRIS covered by the BV contours
  (≤ 1; Bondy's OSM contours leave ~5 % of the IRIS area uncovered). Where contours of one
  version overlap, an IRIS's weights are scaled down so that they never sum above 1.
- ``"adresses"``: the REU address file lists the addresses of the electoral register with
  the BV each one is assigned to (``address.station_id``, the official assignment, exact)
  and a point (``lon``/``lat``). An address belongs to the IRIS that contains its point
  (point in polygon among the IRIS of the BV's commune; a point outside all of them goes to
  the nearest IRIS of the commune, if the nearest IRIS at all is one of the commune's); it
  counts ``n_addresses`` times (1 when absent). Weight = the IRIS's address count assigned to
  the BV / the IRIS's address count: addresses follow where people live, not parks and
  railway yards. Per IRIS the weights sum to exactly 1, so totals are conserved. An IRIS
  with no address of the commune keeps its area weights (rows still labelled
  ``"adresses"``: the method is chosen per commune and boundary version, so that every BV
  of a commune reads weights of one kind).

**Choice.** A commune's BV of boundary version ``set_id`` use ``"adresses"`` when the commune
has IRIS contours and REU addresses, at least ``MIN_MATCHED`` (95 %) of its address count is
assigned to BV ids of that version, and every BV of the commune in that version has at
least one address. Otherwise ``"surface"``. REU addresses describe the *current*
assignment: an older version whose BV ids still match gets them too, and an address
assigned to an id that version does not have (a BV created since, e.g. by splitting
another) goes to the version's BV whose contour contains its point (dropped when none
does), so that the older, larger BV keeps the people of the part split off since.

**Uncertainty** of a BV (:func:`uncertainty`), in [0, 1]: how much of the BV's estimated
population is apportioned rather than counted. Each piece (an IRIS inside the BV) weighs
its population times the share of its IRIS that lies *outside* the BV (the IRIS's weight
given to other BV): a whole IRIS counts 0, an IRIS the BV takes 90 % of counts 0.1, a thin
slice of a large IRIS counts nearly 1. An IRIS is taken as whole when the BV holds at least
``WHOLE`` (99 %) of its weight over all BV (its covered part: an IRIS 40 % covered by
contours but only by this BV counts as whole). Population of a piece = weight × IRIS
population (``P??_POP``, or the largest ``P??_POP…`` age band, of the year closest to the
indicator; IRIS area when the commune has none). 0 = the BV is a union of whole IRIS, its
indicators are exact up to the IRIS data; close to 1 = it is made of slices of IRIS shared
with other BV, its indicators are mostly the IRIS's averages. (A first version counted
every split IRIS fully: on Bondy, where every IRIS is shared by 2 to 8 BV, it said 100 %
everywhere and told nothing.)
"""

from __future__ import annotations

import re
from pathlib import Path
from collections.abc import Callable, Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dashboard.iris.estimates import (
    EQUAL_AREA_CRS, SURFACE, indicator_by_station, overlap_shares, station_weights,
)
from dashboard.warehouse.database import Warehouse

ADDRESSES = "adresses"
MIN_MATCHED = 0.95
WHOLE = 0.99
STATION_IRIS_COLUMNS = ["station_id", "set_id", "code_iris", "weight", "method"]
INTERPOLATED_COLUMNS = ["station_id", "value", "method", "uncertainty"]
STATION_COLUMNS = ["station_id", "set_id", "value", "share", "base_variable", "method", "stored", "uncertainty"]

Progress = Callable[[str, float], None]
_POPULATION_ANY = re.compile(r"^P(\d{2})_POP(\d{4}|\d{2}P)?$")


def _equal_area(frame: gpd.GeoDataFrame) -> np.ndarray:
    series = gpd.GeoSeries(shapely.make_valid(np.asarray(frame.geometry.array, dtype=object)), crs=frame.crs or 4326)
    return np.asarray(series.to_crs(EQUAL_AREA_CRS).array, dtype=object)


def _groups(stations: pd.DataFrame, iris: pd.DataFrame) -> tuple[np.ndarray | None, np.ndarray | None]:
    if "commune_code" in stations and "commune_code" in iris:
        return stations["commune_code"].astype(str).to_numpy(), iris["commune_code"].astype(str).to_numpy()
    return None, None


def area_weights(stations_gdf: gpd.GeoDataFrame, iris_gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """Area weights: one row per overlapping (station, IRIS), weight = area share of the IRIS.

    ``stations_gdf``: ``station_id`` (and ``set_id`` when it holds several boundary versions:
    kept in the output), geometry; ``iris_gdf``: ``code_iris``, geometry. Both in any CRS
    (EPSG:4326 when none); when both have ``commune_code``, only pairs of one commune count.
    Per (set, IRIS) the weights sum to the covered share of the IRIS, at most 1.
    """
    keys = [k for k in ("set_id", "station_id") if k in stations_gdf]
    columns = [*keys, "code_iris", "weight"]
    if stations_gdf.empty or iris_gdf.empty:
        return pd.DataFrame(columns=columns).astype({"weight": "float64"})
    s_groups, i_groups = _groups(stations_gdf, iris_gdf)
    s_idx, i_idx, weight = overlap_shares(_equal_area(stations_gdf), _equal_area(iris_gdf), s_groups, i_groups)
    frame = stations_gdf[keys].iloc[s_idx].reset_index(drop=True)
    frame["code_iris"] = iris_gdf["code_iris"].to_numpy()[i_idx]
    total = pd.Series(weight).groupby([frame[k] for k in keys[:-1]] + [frame["code_iris"]]).transform("sum").to_numpy()
    frame["weight"] = weight / np.maximum(total, 1.0)
    return frame[columns]


def address_weights(
    addresses: pd.DataFrame, iris_gdf: gpd.GeoDataFrame, station_ids: Iterable[str],
    fallback: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Address weights of one boundary version's stations ``station_ids`` (see the module doc).

    ``addresses``: station_id (REU assignment), lon, lat (EPSG:4326), optional n_addresses
    and commune_code (then only IRIS of that commune are candidates). Addresses of other
    station ids are ignored. ``fallback``: area weights (station_id, code_iris, weight) used
    for the IRIS of ``iris_gdf`` that get no address. Columns: station_id, code_iris,
    weight, addresses (address count of the piece; NaN on fallback rows).
    """
    columns = ["station_id", "code_iris", "weight", "addresses"]
    wanted = pd.Index(pd.unique(np.asarray(list(station_ids), dtype=object)))
    found = addresses[addresses["station_id"].isin(wanted)].reset_index(drop=True)
    mass = (
        pd.to_numeric(found["n_addresses"], errors="coerce").fillna(1.0).clip(lower=0.0).to_numpy(float)
        if "n_addresses" in found else np.ones(len(found))
    )
    pieces = pd.DataFrame(columns=columns).astype({"weight": "float64", "addresses": "float64"})
    if not found.empty and not iris_gdf.empty:
        iris_geoms = _equal_area(iris_gdf)
        points = np.asarray(
            gpd.GeoSeries(shapely.points(found["lon"].to_numpy(float), found["lat"].to_numpy(float)), crs=4326)
            .to_crs(EQUAL_AREA_CRS).array, dtype=object,
        )
        a_groups, i_groups = _groups(found, iris_gdf)
        tree = shapely.STRtree(iris_geoms)
        a_idx, i_idx = tree.query(points, predicate="intersects")
        a_idx, i_idx = _same_group_first(a_idx, i_idx, a_groups, i_groups)
        outside = np.setdiff1d(np.arange(len(found)), a_idx)
        if outside.size:
            n_idx, j_idx = tree.query_nearest(points[outside])
            n_idx, j_idx = _same_group_first(outside[n_idx], j_idx, a_groups, i_groups)
            a_idx, i_idx = np.concatenate([a_idx, n_idx]), np.concatenate([i_idx, j_idx])
        located = pd.DataFrame({
            "station_id": found["station_id"].to_numpy()[a_idx],
            "code_iris": iris_gdf["code_iris"].to_numpy()[i_idx],
            "addresses": mass[a_idx],
        })
        pieces = located.groupby(["station_id", "code_iris"], as_index=False, sort=True)["addresses"].sum()
        total = pieces.groupby("code_iris")["addresses"].transform("sum").to_numpy(float)
        pieces = pieces[total > 0].assign(weight=lambda p: p["addresses"] / total[total > 0])[columns]
    if fallback is not None and not fallback.empty:
        empty_iris = set(iris_gdf["code_iris"]) - set(pieces["code_iris"])
        extra = fallback[fallback["code_iris"].isin(empty_iris) & fallback["station_id"].isin(wanted)]
        pieces = pd.concat([pieces, extra[["station_id", "code_iris", "weight"]].assign(addresses=np.nan)], ignore_index=True)
    return pieces.sort_values(["station_id", "code_iris"], ignore_index=True)[columns]


def _same_group_first(
    a_idx: np.ndarray, i_idx: np.ndarray, a_groups: np.ndarray | None, i_groups: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of one group, the first one per address."""
    if a_groups is not None and i_groups is not None:
        same = a_groups[a_idx] == i_groups[i_idx]
        a_idx, i_idx = a_idx[same], i_idx[same]
    a_idx, first = np.unique(a_idx, return_index=True)
    return a_idx, i_idx[first]


def located_in_stations(addresses: pd.DataFrame, stations_gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """``addresses`` (station_id, lon, lat, …) given the ``station_id`` of the station of
    ``stations_gdf`` whose contour contains their point (same ``commune_code`` when both
    frames have one; the first such station); addresses in no contour are dropped."""
    if addresses.empty or stations_gdf.empty:
        return addresses.iloc[:0]
    points = np.asarray(
        gpd.GeoSeries(shapely.points(addresses["lon"].to_numpy(float), addresses["lat"].to_numpy(float)), crs=4326)
        .to_crs(EQUAL_AREA_CRS).array, dtype=object,
    )
    a_idx, s_idx = shapely.STRtree(_equal_area(stations_gdf)).query(points, predicate="intersects")
    a_groups, s_groups = _groups(addresses, stations_gdf)
    a_idx, s_idx = _same_group_first(a_idx, s_idx, a_groups, s_groups)
    return addresses.iloc[a_idx].assign(station_id=stations_gdf["station_id"].to_numpy()[s_idx]).reset_index(drop=True)


def uncertainty(
    weights: pd.DataFrame, basis: pd.Series | None = None, whole: float = WHOLE
) -> pd.Series:
    """Share (0..1) of each station's population apportioned from IRIS shared with other stations.

    ``weights``: station_id, code_iris, weight (one boundary version). ``basis``: IRIS
    population by code_iris (weight × basis = population of a piece); ``None`` or a zero
    total for a station: weight mass. Each piece counts with the share of its IRIS's weight
    held by *other* stations (0 when this one holds at least ``whole`` of it; see the module
    doc). Indexed by station_id.
    """
    if weights.empty:
        return pd.Series(dtype=float, name="uncertainty").rename_axis("station_id")
    w = weights["weight"].to_numpy(float)
    iris_total = weights.groupby("code_iris")["weight"].transform("sum").to_numpy(float)
    held = np.clip(np.divide(w, iris_total, out=np.ones_like(w), where=iris_total > 0), 0.0, 1.0)
    split = np.where(held >= whole, 0.0, 1.0 - held)  # share of the IRIS held by other stations
    pop = np.ones_like(w) if basis is None else weights["code_iris"].map(basis).fillna(0.0).to_numpy(float)
    frame = pd.DataFrame({
        "station_id": weights["station_id"].to_numpy(), "mass": w * pop, "split": w * pop * split,
        "mass1": w, "split1": w * split,
    }).groupby("station_id", sort=True).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(frame["mass"] > 0, frame["split"] / frame["mass"], frame["split1"] / frame["mass1"])
    return pd.Series(np.clip(share, 0.0, 1.0), index=frame.index, name="uncertainty")


# -- warehouse ----------------------------------------------------------------------------
def _gdf(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    geometry = shapely.from_wkb(np.asarray([bytes(w) for w in frame["wkb"]], dtype=object))
    return gpd.GeoDataFrame(frame.drop(columns="wkb"), geometry=geometry, crs=4326)


def _eligible(stations: pd.DataFrame, addresses: pd.DataFrame, iris_communes: set[str]) -> pd.DataFrame:
    """(set_id, commune_code) pairs whose stations use address weights (see the module doc)."""
    if addresses.empty:
        return pd.DataFrame(columns=["set_id", "commune_code"])
    mass = addresses.assign(mass=pd.to_numeric(addresses["n_addresses"], errors="coerce").fillna(1.0).clip(lower=0.0))
    commune_total = mass.groupby("commune_code")["mass"].sum()
    matched = mass[["station_id", "mass"]].merge(stations[["set_id", "station_id", "commune_code"]], on="station_id")
    per_station = matched.groupby(["set_id", "station_id"])["mass"].size()
    covered = stations.assign(has=stations.set_index(["set_id", "station_id"]).index.isin(per_station.index))
    pairs = covered.groupby(["set_id", "commune_code"], as_index=False).agg(all_have=("has", "all"))
    pairs = pairs.merge(
        matched.groupby(["set_id", "commune_code"], as_index=False)["mass"].sum(), on=["set_id", "commune_code"], how="left"
    )
    pairs["share"] = pairs["mass"].fillna(0.0) / pairs["commune_code"].map(commune_total).fillna(np.inf)
    keep = pairs["all_have"] & (pairs["share"] >= MIN_MATCHED) & pairs["commune_code"].isin(iris_communes)
    return pairs.loc[keep, ["set_id", "commune_code"]].reset_index(drop=True)


def compute_station_iris(
    wh: Warehouse, set_ids: Sequence[str] | None = None, progress: Progress | None = None
) -> pd.DataFrame:
    """Weights of every station of the boundary versions ``set_ids`` (default: all) over IRIS.

    Columns ``STATION_IRIS_COLUMNS``, sorted; ``method`` per (version, commune) as in the
    module doc. Stations of communes without IRIS contours get no row. Nothing is written.
    """
    report = progress or (lambda message, fraction: None)
    empty = pd.DataFrame(columns=STATION_IRIS_COLUMNS).astype({"weight": "float64"})
    if set_ids is None:
        set_ids = wh.query("SELECT DISTINCT set_id FROM station ORDER BY set_id")["set_id"].tolist()
    sets = sorted({str(s) for s in set_ids})
    report("Lecture des bureaux et des IRIS", 0.0)
    stations = wh.query(
        """SELECT set_id, station_id, commune_code, geometry::BLOB AS wkb FROM station
           WHERE list_contains(?::VARCHAR[], set_id) AND commune_code IN (SELECT commune_code FROM iris)
           ORDER BY set_id, station_id""",
        [sets],
    )
    iris = wh.query("SELECT code_iris, commune_code, geometry::BLOB AS wkb FROM iris ORDER BY code_iris")
    if stations.empty or iris.empty:
        report("Aucun bureau sur des IRIS", 1.0)
        return empty
    iris_gdf = _gdf(iris)
    stations_gdf = _gdf(stations)
    report(f"Pondération par surface : {len(stations_gdf)} bureaux × {len(iris_gdf)} IRIS", 0.1)
    area = area_weights(stations_gdf, iris_gdf)
    area = area.merge(stations[["set_id", "station_id", "commune_code"]], on=["set_id", "station_id"])
    report("Lecture des adresses du répertoire électoral unique", 0.4)
    addresses = wh.query(
        """SELECT a.station_id, coalesce(a.commune_code, r.commune_code) AS commune_code, a.lon, a.lat, a.n_addresses
           FROM address a LEFT JOIN reu_station r USING (station_id)
           WHERE a.lon IS NOT NULL AND a.lat IS NOT NULL ORDER BY a.address_id"""
    )
    eligible = _eligible(stations[["set_id", "station_id", "commune_code"]], addresses, set(iris["commune_code"]))
    frames = []
    by_address = area.merge(eligible, on=["set_id", "commune_code"], how="left", indicator=True)["_merge"].eq("both").to_numpy()
    frames.append(area.loc[~by_address].assign(method=SURFACE))
    for n, (set_id, pairs) in enumerate(eligible.groupby("set_id", sort=True)):
        report(f"Pondération par adresses : {set_id} ({len(pairs)} commune(s))", 0.5 + 0.4 * n / max(eligible["set_id"].nunique(), 1))
        communes = set(pairs["commune_code"])
        in_set = stations[(stations["set_id"] == set_id) & stations["commune_code"].isin(communes)]
        found = addresses.merge(in_set[["station_id", "commune_code"]], on="station_id", suffixes=("_address", ""))
        stray = addresses[addresses["commune_code"].isin(communes) & ~addresses["station_id"].isin(in_set["station_id"])]
        if not stray.empty:
            in_set_gdf = stations_gdf[(stations_gdf["set_id"] == set_id) & stations_gdf["commune_code"].isin(communes)]
            found = pd.concat([found, located_in_stations(stray, in_set_gdf)], ignore_index=True)
        weights = address_weights(
            found, iris_gdf[iris_gdf["commune_code"].isin(communes)], in_set["station_id"],
            fallback=area[(area["set_id"] == set_id) & area["commune_code"].isin(communes)],
        )
        frames.append(weights.assign(set_id=set_id, method=ADDRESSES))
    report("Pondérations calculées", 1.0)
    frames = [f[STATION_IRIS_COLUMNS] for f in frames if not f.empty]
    if not frames:
        return empty
    out = pd.concat(frames, ignore_index=True)
    out = out[out["weight"] > 0].astype({"weight": "float64"})
    return out.sort_values(["set_id", "station_id", "code_iris"], ignore_index=True)[STATION_IRIS_COLUMNS]


def store_station_iris(
    wh: Warehouse, set_ids: Sequence[str] | None = None, progress: Progress | None = None
) -> pd.DataFrame:
    """Compute and store the weights of ``set_ids`` (default: all versions), in one transaction."""
    if set_ids is None:
        set_ids = wh.query("SELECT DISTINCT set_id FROM station ORDER BY set_id")["set_id"].tolist()
    frame = compute_station_iris(wh, set_ids, progress)
    wh.write_station_iris(frame, set_ids=set_ids)
    return frame


def population_basis(wh: Warehouse, codes_iris: Iterable[str], year: int) -> pd.Series:
    """Population per IRIS for :func:`uncertainty`: ``P??_POP`` (else the largest ``P??_POP…``
    age band) of the year closest to ``year``; IRIS area where the IRIS has none."""
    codes = sorted({str(c) for c in codes_iris})
    values = wh.query(
        """SELECT ii.code_iris, ii.variable, ii.year, ii.value FROM iris_indicator ii
           WHERE list_contains(?::VARCHAR[], ii.code_iris) AND regexp_matches(ii.variable, ?)""",
        [codes, _POPULATION_ANY.pattern],
    )
    area = wh.query("SELECT code_iris, area_m2 FROM iris WHERE list_contains(?::VARCHAR[], code_iris)", [codes])
    basis = area.set_index("code_iris")["area_m2"].astype(float)
    if values.empty:
        return basis
    totals = values.groupby(["variable", "year"])["value"].sum().reset_index()
    totals["distance"] = (totals["year"] - year).abs()
    totals["plain"] = totals["variable"].str.fullmatch(r"P\d{2}_POP")
    best = totals.sort_values(["distance", "plain", "value", "year"], ascending=[True, False, False, False]).iloc[0]
    chosen = values[(values["variable"] == best["variable"]) & (values["year"] == best["year"])]
    population = chosen.groupby("code_iris")["value"].sum()
    return population.reindex(basis.index.union(population.index)).fillna(basis)


def interpolate_stations(wh: Warehouse, variable: str, year: int, stations: pd.DataFrame) -> pd.DataFrame:
    """One IRIS indicator for the stations of ``stations`` (station_id, set_id; several
    boundary versions allowed): ``STATION_COLUMNS``, one row per station, in that order.

    ``value``: count summed with the weights, or average weighted by population (rules of
    :mod:`dashboard.iris.estimates`); ``share``: a count as a share of its base count
    (``base_variable``; NaN when it has none); ``method``: the weighting used (NaN when
    the station has no IRIS weight: commune without IRIS contours); ``stored``: weights read
    from ``station_iris`` (False: area weights computed on the fly, nothing being stored);
    ``uncertainty``: :func:`uncertainty`, measured against every station of the same
    boundary version and commune (an IRIS split with a station left out of ``stations``
    still counts as split).
    """
    wanted = stations[["station_id", "set_id"]].drop_duplicates().astype(str).reset_index(drop=True)
    if wanted.empty:
        return pd.DataFrame(columns=STATION_COLUMNS)
    known = wh.query(
        "SELECT station_id, set_id, commune_code FROM station WHERE list_contains(?::VARCHAR[], set_id)",
        [sorted(set(wanted["set_id"]))],
    )
    pairs = known.merge(wanted, on=["station_id", "set_id"])[["set_id", "commune_code"]].drop_duplicates()
    context = known.merge(pairs, on=["set_id", "commune_code"])[["station_id", "set_id"]]
    context = pd.concat([wanted, context], ignore_index=True).drop_duplicates(ignore_index=True)
    weights = station_weights(wh, context)
    found = indicator_by_station(wh, variable, year, context, weights=weights)
    # IRIS keyed per boundary version: an IRIS is split among the stations of one version
    unit = weights["set_id"] + "\x1f" + weights["station_id"]
    piece = weights["set_id"] + "\x1f" + weights["code_iris"]
    basis = None
    if not weights.empty:
        population = population_basis(wh, weights["code_iris"], year)
        basis = pd.Series(weights["code_iris"].map(population).to_numpy(float), index=piece.to_numpy()).groupby(level=0).first()
    spread = uncertainty(weights.assign(station_id=unit, code_iris=piece), basis)
    per_station = weights.assign(unit=unit).groupby("unit").agg(method=("method", "first"), stored=("stored", "all"))
    keys = wanted["set_id"] + "\x1f" + wanted["station_id"]
    found = found.assign(unit=found["set_id"] + "\x1f" + found["station_id"]).set_index("unit").reindex(keys)
    has_weights = keys.isin(per_station.index).to_numpy()
    return wanted.assign(
        value=found["station_value"].to_numpy(float),
        share=found["value"].to_numpy(float) if found["base_variable"].notna().any() else np.nan,
        base_variable=found["base_variable"].to_numpy(dtype=object),
        method=per_station["method"].reindex(keys).to_numpy(dtype=object),
        stored=np.where(has_weights, per_station["stored"].reindex(keys).fillna(False).to_numpy(bool), False),
        uncertainty=spread.reindex(keys).to_numpy(float),
    )[STATION_COLUMNS]


def interpolate(wh: Warehouse, variable: str, year: int, set_id: str) -> pd.DataFrame:
    """One IRIS indicator for every station of ``set_id``: ``INTERPOLATED_COLUMNS``.

    ``value``: count summed with the weights, or average weighted by population (rules of
    :mod:`dashboard.iris.estimates`); weights from ``station_iris`` when stored, else area
    weights on the fly. ``uncertainty``: see :func:`uncertainty` (NaN without weights).
    """
    stations = wh.query("SELECT station_id, set_id FROM station WHERE set_id = ? ORDER BY station_id", [set_id])
    if stations.empty:
        return pd.DataFrame(columns=INTERPOLATED_COLUMNS)
    found = interpolate_stations(wh, variable, year, stations)
    found["method"] = found["method"].fillna(SURFACE)
    return found[INTERPOLATED_COLUMNS].reset_index(drop=True)


def summary_lines(wh: Warehouse, frame: pd.DataFrame, set_ids: Sequence[str]) -> list[str]:
    """French summary of computed weights, one line per boundary version."""
    lines = []
    stations = wh.query(
        "SELECT set_id, count(*) AS n FROM station WHERE list_contains(?::VARCHAR[], set_id) GROUP BY set_id",
        [sorted({str(s) for s in set_ids})],
    ).set_index("set_id")["n"]
    for set_id in sorted({str(s) for s in set_ids}):
        rows = frame[frame["set_id"] == set_id]
        if rows.empty:
            lines.append(f"{set_id} : aucun bureau sur des IRIS (pas de contours IRIS pour ses communes)")
            continue
        methods = rows.drop_duplicates("station_id")["method"].value_counts()
        spread = uncertainty(rows)
        lines.append(
            f"{set_id} : {rows['station_id'].nunique()}/{int(stations.get(set_id, 0))} bureaux pondérés sur "
            f"{rows['code_iris'].nunique()} IRIS ({len(rows)} lignes) ; "
            f"{int(methods.get(ADDRESSES, 0))} par adresses, {int(methods.get(SURFACE, 0))} par surface ; "
            f"part issue d'IRIS partagés : médiane {spread.median():.0%}"
        )
    return lines


def interpolate_all(warehouse_file: Path, progress: Callable[[str, float], None] | None = None) -> tuple[int, list[str]]:
    """``isoloir interpolate`` (and the import page after contours, IRIS or addresses): weigh every boundary
    version's stations, in one swap of the warehouse; returns the rows written and the French summary."""
    import duckdb

    from dashboard.errors import IsoloirError
    from dashboard.warehouse.writing import writing

    with writing(warehouse_file, progress=progress) as wh:
        set_ids = wh.query("SELECT DISTINCT set_id FROM station ORDER BY set_id")["set_id"].tolist()
        try:
            frame = store_station_iris(wh, set_ids, progress=progress)
        except duckdb.Error as error:
            raise IsoloirError(f"écriture des pondérations impossible, entrepôt inchangé : {error}") from error
        return len(frame), summary_lines(wh, frame, set_ids)
