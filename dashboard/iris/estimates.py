"""IRIS indicators carried over to polling stations (bureaux de vote).

INSEE publishes its indicators per IRIS; a polling station overlaps several IRIS.

**Weights.** ``weight`` is the share of an IRIS that lies in the station: for the
``"surface"`` method, area of (station ∩ IRIS) / area of the IRIS, computed in the
equal-area projection EPSG:6933 (the one behind ``area_m2`` in the warehouse). Rows of
``station_iris`` (stored by ``isoloir interpolate`` and ``isoloir demo``: REU addresses or
areas, see :mod:`dashboard.iris.weights`) are used instead when present, read
with the same meaning; their ``method`` is reported.

**Counts vs averages.** Census variables ``P??_…`` / ``C??_…`` are counts (people,
dwellings, households): they are *additive*, ``station_value = Σ weight × IRIS value`` and
the commune value is the sum over its IRIS. Everything else is *averaged*: Filosofi
variables (``DISP_…``/``DEC_…``: medians, deciles, shares, Gini, ratios, quality flag),
any variable whose label ends with ``(%)`` or ``(€)``, and any variable of unknown
naming (an average never inflates a value, a sum could). Averages are weighted by the
population living in each piece, ``weight × P??_POP`` (the population variable of the
closest year), or by the area of the piece when the commune has no population variable.
A median averaged this way is an approximation, not the median of the station.

**Shares.** A count is also given as a share of its *base* (NaN when none exists); the
base is the first existing variable among:

1. the longest proper prefix at an underscore boundary: ``C21_POP15P_CS3`` → ``C21_POP15P``,
   ``P21_RP_LOC`` → ``P21_RP``, ``P16_ACTOCC15P_ILT1`` → ``P16_ACTOCC15P``;
2. the population of the same age band: ``P16_ACT1564`` / ``P16_HCHOM1564`` → ``P16_POP1564``
   (``C…`` variables try ``C??_POP…`` then ``P??_POP…``);
3. the whole of the theme, same year: ``P??_LOG`` (logement), ``C??_MEN`` / ``P??_MEN``
   (ménages), else ``P??_POP``.

A variable is never its own base (``P21_POP`` and ``P21_LOG`` have none).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dashboard.warehouse.database import Warehouse

SURFACE = "surface"
EQUAL_AREA_CRS = 6933

WEIGHT_COLUMNS = ["station_id", "code_iris", "weight", "method"]
INDICATOR_COLUMNS = [
    "variable", "year", "label", "theme", "additive", "station_value", "commune_value",
    "station_pct", "commune_pct", "base_variable", "base_label", "method",
]

_CENSUS = re.compile(r"^([PC])(\d{2})_([A-Z0-9_]+)$")
_FILOSOFI = re.compile(r"(?:^|_)(?:DISP|DEC)_[A-Z0-9]+$")
_POPULATION = re.compile(r"^P(\d{2})_POP$")
_AGE_BAND = re.compile(r"(\d{4}|\d{2}P)$")
_THEME_TOTALS = {"logement": ("P{yy}_LOG",), "ménages": ("C{yy}_MEN", "P{yy}_MEN")}


def is_additive(variable: str, label: str | None) -> bool:
    """Whether a variable is a count that can be summed over areas (see the module doc)."""
    name = variable.strip().upper()
    if _FILOSOFI.search(name):
        return False
    if label and label.rstrip().endswith(("(%)", "(€)")):
        return False
    return bool(_CENSUS.match(name))


def base_variable(variable: str, theme: str | None, available: Iterable[str]) -> str | None:
    """The variable a count is a share of (see the module doc), or ``None``."""
    match = _CENSUS.match(variable)
    if not match:
        return None
    letter, yy, body = match.groups()
    letters = (letter, "P") if letter == "C" else (letter,)
    parts = body.split("_")
    candidates = [f"{x}{yy}_{'_'.join(parts[:k])}" for k in range(len(parts) - 1, 0, -1) for x in letters]
    age = _AGE_BAND.search(parts[0])
    if age:
        candidates += [f"{x}{yy}_POP{age.group(1)}" for x in letters]
    candidates += [t.format(yy=yy) for t in _THEME_TOTALS.get(theme or "", ("P{yy}_POP",))]
    present = set(available)
    return next((c for c in candidates if c != variable and c in present), None)


def _projected(wkbs: Sequence[bytes]) -> np.ndarray:
    geoms = shapely.make_valid(shapely.from_wkb(np.asarray([bytes(w) for w in wkbs], dtype=object)))
    return np.asarray(gpd.GeoSeries(geoms, crs=4326).to_crs(EQUAL_AREA_CRS).array, dtype=object)


def surface_weights(
    wh: Warehouse, set_id: str, commune_code: str, station_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """Area weights of a commune's stations (of boundary version ``set_id``) over its IRIS.

    One row per overlapping (station, IRIS): ``weight`` = share of the IRIS's area inside
    the station, ``method`` = ``"surface"``. Empty when the commune has no IRIS contours.
    """
    stations = wh.query(
        "SELECT station_id, geometry::BLOB AS wkb FROM station WHERE set_id = ? AND commune_code = ? ORDER BY station_id",
        [set_id, commune_code],
    )
    if station_ids is not None:
        stations = stations[stations["station_id"].isin(list(station_ids))]
    iris = wh.query("SELECT code_iris, geometry::BLOB AS wkb FROM iris WHERE commune_code = ? ORDER BY code_iris", [commune_code])
    if stations.empty or iris.empty:
        return pd.DataFrame(columns=WEIGHT_COLUMNS).astype({"weight": "float64"})
    s_idx, i_idx, weight = overlap_shares(_projected(stations["wkb"]), _projected(iris["wkb"]))
    return pd.DataFrame({
        "station_id": stations["station_id"].to_numpy()[s_idx],
        "code_iris": iris["code_iris"].to_numpy()[i_idx],
        "weight": weight,
        "method": SURFACE,
    })


def overlap_shares(
    station_geoms: np.ndarray, iris_geoms: np.ndarray,
    station_groups: np.ndarray | None = None, iris_groups: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area shares of IRIS inside stations (pure, vectorised; geometries in an equal-area CRS).

    Returns ``(station_index, iris_index, weight)`` for every overlapping pair with a positive
    weight, weight = area(station ∩ IRIS) / area(IRIS). With ``station_groups`` and
    ``iris_groups`` (e.g. commune codes), only pairs of the same group are kept.
    """
    s_idx, i_idx = shapely.STRtree(iris_geoms).query(station_geoms, predicate="intersects")
    if station_groups is not None and iris_groups is not None:
        same = np.asarray(station_groups, dtype=object)[s_idx] == np.asarray(iris_groups, dtype=object)[i_idx]
        s_idx, i_idx = s_idx[same], i_idx[same]
    shared = shapely.area(shapely.intersection(station_geoms[s_idx], iris_geoms[i_idx]))
    iris_area = shapely.area(iris_geoms[i_idx])
    weight = np.divide(shared, iris_area, out=np.zeros_like(shared, dtype=float), where=iris_area > 0)
    keep = weight > 0
    return s_idx[keep], i_idx[keep], weight[keep]


def station_weights(wh: Warehouse, stations: pd.DataFrame, *, surface: bool = True) -> pd.DataFrame:
    """IRIS weights of many stations (frame with ``station_id``, ``set_id``).

    Per station: the rows of ``station_iris`` (first method by name) when it has some,
    else (``surface=True``) the area weights, computed here in one vectorised pass (the
    rule of :func:`surface_weights`). Columns: set_id + ``WEIGHT_COLUMNS`` + ``stored``
    (True for rows read from ``station_iris``, False for area weights computed on the fly).
    """
    columns = ["set_id", *WEIGHT_COLUMNS, "stored"]
    empty = pd.DataFrame(columns=columns).astype({"weight": "float64", "stored": "bool"})
    if stations.empty:
        return empty
    wanted = stations[["station_id", "set_id"]].drop_duplicates().astype(str)
    stored = wh.query(
        """SELECT set_id, station_id, code_iris, weight, method FROM station_iris
           WHERE list_contains(?::VARCHAR[], set_id) AND list_contains(?::VARCHAR[], station_id)
           QUALIFY method = min(method) OVER (PARTITION BY set_id, station_id)""",
        [sorted(set(wanted["set_id"])), sorted(set(wanted["station_id"]))],
    ).merge(wanted, on=["station_id", "set_id"]).assign(stored=True)
    frames = [stored[columns]]
    if surface:
        missing = wanted.merge(stored[["station_id", "set_id"]].drop_duplicates(), how="left", indicator=True)
        missing = missing.loc[missing["_merge"] == "left_only", ["station_id", "set_id"]]
        if not missing.empty:
            frames.append(_surface_weights_of(wh, missing).assign(stored=False)[columns])
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty
    out = pd.concat(frames, ignore_index=True).astype({"weight": "float64", "stored": "bool"})
    return out.sort_values(["set_id", "station_id", "code_iris"], ignore_index=True)


def _surface_weights_of(wh: Warehouse, stations: pd.DataFrame) -> pd.DataFrame:
    """Area weights (set_id + ``WEIGHT_COLUMNS``) of ``stations`` (station_id, set_id), each
    over the IRIS of its own commune: :func:`surface_weights` for many communes at once."""
    columns = ["set_id", *WEIGHT_COLUMNS]
    found = wh.query(
        """SELECT set_id, station_id, commune_code, geometry::BLOB AS wkb FROM station
           WHERE list_contains(?::VARCHAR[], set_id) AND list_contains(?::VARCHAR[], station_id)
             AND commune_code IN (SELECT DISTINCT commune_code FROM iris)
           ORDER BY set_id, station_id""",
        [sorted(set(stations["set_id"])), sorted(set(stations["station_id"]))],
    ).merge(stations, on=["station_id", "set_id"])
    if found.empty:
        return pd.DataFrame(columns=columns).astype({"weight": "float64"})
    iris = wh.query(
        "SELECT code_iris, commune_code, geometry::BLOB AS wkb FROM iris WHERE list_contains(?::VARCHAR[], commune_code) ORDER BY code_iris",
        [sorted(set(found["commune_code"].astype(str)))],
    )
    s_idx, i_idx, weight = overlap_shares(
        _projected(found["wkb"]), _projected(iris["wkb"]),
        found["commune_code"].astype(str).to_numpy(), iris["commune_code"].astype(str).to_numpy(),
    )
    return pd.DataFrame({
        "set_id": found["set_id"].to_numpy()[s_idx],
        "station_id": found["station_id"].to_numpy()[s_idx],
        "code_iris": iris["code_iris"].to_numpy()[i_idx],
        "weight": weight,
        "method": SURFACE,
    })[columns]


def _census_year(yy: str) -> int:
    return 2000 + int(yy) if int(yy) < 70 else 1900 + int(yy)


def _closest_population(year: int, populations: dict[int, str]) -> str | None:
    if not populations:
        return None
    return populations[min(populations, key=lambda y: (abs(y - year), -y))]


def estimate(
    weights: pd.DataFrame, values: pd.DataFrame, catalog: pd.DataFrame, iris_area: pd.Series
) -> pd.DataFrame:
    """Indicators of areas made of pieces of IRIS (pure; see the module doc).

    ``weights``: ``unit``, code_iris, weight (share of the IRIS in the unit; a unit is a
    station, or the commune with weight 1 on each of its IRIS). ``values``: code_iris,
    variable, year, value. ``catalog``: variable, year, label, theme. ``iris_area``: m²
    by code_iris. Returns one row per (unit, variable, year): label, theme, additive,
    value, base_variable, base_label, pct (value / base value, counts only).
    """
    columns = ["unit", "variable", "year", "label", "theme", "additive", "value", "base_variable", "base_label", "pct"]
    if values.empty or weights.empty:
        return pd.DataFrame(columns=columns)
    wide = values.pivot_table(index="code_iris", columns=["variable", "year"], values="value", aggfunc="first")
    keys = [(str(v), int(y)) for v, y in wide.columns]
    described = {(str(v), int(y)): (lab, th) for v, y, lab, th in catalog[["variable", "year", "label", "theme"]].itertuples(index=False)}
    labels = [described.get(k, (k[0], None)) for k in keys]
    additive = np.array([is_additive(v, lab) for (v, _), (lab, _) in zip(keys, labels)], dtype=bool)
    # Basis of each IRIS in each variable: 1 for counts, population (or area) for averages.
    present = {v for v, _ in keys}
    populations = {_census_year(m.group(1)): v for v in present if (m := _POPULATION.match(v))}
    area = iris_area.reindex(wide.index).fillna(0.0).to_numpy(float)
    basis = np.ones(wide.shape)
    for j, (_, year) in enumerate(keys):
        if not additive[j]:
            pop = _closest_population(year, populations)
            basis[:, j] = np.nan_to_num(wide.xs(pop, axis=1, level=0).iloc[:, 0].to_numpy(float)) if pop else area
    v = wide.to_numpy(float)
    known = ~np.isnan(v)
    # Σ over the unit's pieces, row by row (a dense unit × IRIS matrix would not fit at France's scale)
    units, unit_of = np.unique(weights["unit"].to_numpy(), return_inverse=True)
    iris_of = wide.index.get_indexer(weights["code_iris"])
    piece_weight = np.where(iris_of >= 0, pd.to_numeric(weights["weight"], errors="coerce").fillna(0.0).to_numpy(float), 0.0)
    rows = np.maximum(iris_of, 0)
    numerator = _sum_by(unit_of, piece_weight[:, None] * (basis * np.nan_to_num(v))[rows], len(units))
    denominator = _sum_by(unit_of, piece_weight[:, None] * (basis * known)[rows], len(units))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(denominator > 0, np.where(additive, numerator, numerator / denominator), np.nan)
    # Shares of a base count, same unit.
    index = {k: j for j, k in enumerate(keys)}
    bases = [
        base_variable(var, theme, [b for b, y in keys if y == year]) if additive[j] else None
        for j, ((var, year), (_, theme)) in enumerate(zip(keys, labels))
    ]
    base_cols = np.array([index[(b, keys[j][1])] if b else -1 for j, b in enumerate(bases)])
    base_values = np.where(base_cols >= 0, value[:, np.maximum(base_cols, 0)], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(base_values > 0, value / base_values, np.nan)
    n_units, n_vars = value.shape
    return pd.DataFrame({
        "unit": np.repeat(units, n_vars),
        "variable": [k[0] for k in keys] * n_units,
        "year": [k[1] for k in keys] * n_units,
        "label": [lab for lab, _ in labels] * n_units,
        "theme": [th for _, th in labels] * n_units,
        "additive": np.tile(additive, n_units),
        "value": value.ravel(),
        "base_variable": bases * n_units,
        "base_label": [labels[index[(b, keys[j][1])]][0] if b else None for j, b in enumerate(bases)] * n_units,
        "pct": pct.ravel(),
    })[columns]


def _sum_by(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Rows of ``values`` (pieces × variables) summed per group index (0..n_groups-1)."""
    out = np.zeros((n_groups, values.shape[1]))
    np.add.at(out, groups, values)
    return out


def _commune_inputs(wh: Warehouse, commune_codes: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """(values, catalog, IRIS areas) of the communes' IRIS."""
    codes = sorted({str(c) for c in commune_codes})
    values = wh.query(
        """SELECT ii.code_iris, ii.variable, ii.year, ii.value FROM iris_indicator ii JOIN iris i USING (code_iris)
           WHERE list_contains(?::VARCHAR[], i.commune_code)""",
        [codes],
    )
    catalog = wh.query(
        """SELECT variable, year, label, theme FROM indicator
           WHERE (variable, year) IN (SELECT DISTINCT variable, year FROM iris_indicator ii JOIN iris i USING (code_iris)
                                      WHERE list_contains(?::VARCHAR[], i.commune_code))""",
        [codes],
    )
    areas = wh.query("SELECT code_iris, area_m2 FROM iris WHERE list_contains(?::VARCHAR[], commune_code)", [codes])
    return values, catalog, areas.set_index("code_iris")["area_m2"]


def station_indicators(wh: Warehouse, station_id: str, set_id: str) -> pd.DataFrame:
    """Indicators of one station (boundary version ``set_id``) next to its commune's.

    Columns: ``INDICATOR_COLUMNS`` (``station_pct``/``commune_pct``: share of the base
    count ``base_variable``). Empty (same columns) when the station is not in that
    version or its commune has no IRIS contours or indicators.
    """
    empty = pd.DataFrame(columns=INDICATOR_COLUMNS)
    station = wh.query("SELECT commune_code FROM station WHERE station_id = ? AND set_id = ?", [station_id, set_id])
    if station.empty:
        return empty
    commune_code = str(station["commune_code"].iat[0])
    weights = station_weights(wh, pd.DataFrame({"station_id": [station_id], "set_id": [set_id]}))
    values, catalog, areas = _commune_inputs(wh, [commune_code])
    if values.empty:
        return empty
    method = str(weights["method"].iat[0]) if not weights.empty else SURFACE
    units = pd.concat([
        weights.assign(unit="station")[["unit", "code_iris", "weight"]],
        pd.DataFrame({"unit": "commune", "code_iris": values["code_iris"].unique(), "weight": 1.0}),
    ])
    found = estimate(units, values, catalog, areas)
    keys = ["variable", "year", "label", "theme", "additive", "base_variable", "base_label"]
    commune = found[found["unit"] == "commune"].set_index(["variable", "year"])
    station_rows = found[found["unit"] == "station"].set_index(["variable", "year"]).reindex(commune.index)
    out = commune.reset_index()[keys].assign(
        station_value=station_rows["value"].to_numpy(float), commune_value=commune["value"].to_numpy(float),
        station_pct=station_rows["pct"].to_numpy(float), commune_pct=commune["pct"].to_numpy(float), method=method,
    )
    return out[INDICATOR_COLUMNS].sort_values(["theme", "variable"], na_position="last", ignore_index=True)


def indicator_by_station(
    wh: Warehouse, variable: str, year: int, stations: pd.DataFrame, weights: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One indicator estimated for many stations (frame with ``station_id``, ``set_id``).

    Columns: station_id, set_id, value, station_value, is_share, base_variable, method.
    ``value`` is the share of the base count when the variable is a count with a base
    (``is_share`` True, 0..1), else the estimate itself (a count or an average). Stations
    without IRIS overlap get NaN. ``weights``: the stations' :func:`station_weights` when
    the caller already read them.
    """
    columns = ["station_id", "set_id", "value", "station_value", "is_share", "base_variable", "method"]
    wanted = stations[["station_id", "set_id"]].drop_duplicates().astype(str).reset_index(drop=True)
    if wanted.empty:
        return pd.DataFrame(columns=columns)
    communes = wh.query(
        "SELECT DISTINCT station_id, set_id, commune_code FROM station WHERE list_contains(?::VARCHAR[], set_id)",
        [sorted(set(wanted["set_id"]))],
    ).merge(wanted, on=["station_id", "set_id"])
    weights = station_weights(wh, wanted) if weights is None else weights
    values, catalog, areas = _commune_inputs(wh, communes["commune_code"].unique().tolist())
    same_year = catalog[catalog["year"] == year]
    meta = same_year[same_year["variable"] == variable]
    label, theme = (meta["label"].iat[0], meta["theme"].iat[0]) if not meta.empty else (None, None)
    base = base_variable(variable, theme, same_year["variable"]) if is_additive(variable, label) else None
    keep = (values["year"] == year) & values["variable"].isin([variable, base]) | values["variable"].str.match(_POPULATION.pattern)
    weights = weights.assign(unit=weights["set_id"] + "\x1f" + weights["station_id"])
    found = estimate(weights[["unit", "code_iris", "weight"]], values[keep], catalog, areas)
    found = found[(found["variable"] == variable) & (found["year"] == year)].set_index("unit")
    units = wanted["set_id"] + "\x1f" + wanted["station_id"]
    station_value = found["value"].reindex(units).to_numpy(float)
    share = found["pct"].reindex(units).to_numpy(float)
    methods = weights.drop_duplicates("unit").set_index("unit")["method"].reindex(units)
    return wanted.assign(
        value=share if base else station_value, station_value=station_value, is_share=bool(base),
        base_variable=base, method=methods.fillna(SURFACE).to_numpy(),
    )[columns]
