"""What a drawn zone covers: the REU address points inside it and the polling stations it covers.

**Lasso.** :func:`lasso_polygon` turns the points drawn on the map (``[lon, lat]``,
EPSG:4326) into a valid polygon: fewer than three distinct points, or points that
enclose no surface, raise :class:`~dashboard.canvass.errors.LassoError` (French
message); a lasso that crosses itself is repaired by ``shapely.make_valid`` with the
*structure* method (everything the stroke encloses is kept, a loop drawn twice does
not punch a hole) and only its polygonal parts are kept. :func:`combine` adds
(union) or subtracts (difference) a lasso.

**Addresses** are selected by point in polygon (:func:`points_in_polygon`: a
bounding-box prefilter in numpy, then ``shapely.contains_xy`` on the prepared
polygon for the candidates only; a point on the boundary is outside).

**Stations: inclusion rule.** A station's ``share`` inside the zone is the share of
its REU address lines (``n_addresses``, i.e. of its electors, which the door and
elector estimates spread in proportion to them) whose point lies inside, counted
over *all* the addresses the REU assigns to the station (``basis = "adresses"``);
a station without any address gets the share of its area inside
(``basis = "surface"``; a ratio of areas in degrees, which a station's few
kilometres make equal to the ratio in metres). A station is ``included`` when its
share is at least ``threshold`` (default 50 %). Stations only touched (share > 0)
are kept in the frame, not included: the counts weigh them by their share.
The REU assigns addresses to the *current* stations: with an older boundary
version whose ids still match, the address shares describe today's stations (the
same caveat as :mod:`dashboard.iris.weights`); stations that addresses
inside refer to but the chosen version lacks are listed without contour.

A zone entirely outside the loaded territory gives an empty :class:`Selection`
whose ``message_fr`` says so; it is not an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

import dashboard.canvass.sources as sources
from dashboard.canvass.errors import CanvassError, LassoError
from dashboard.warehouse.database import Warehouse

DEFAULT_THRESHOLD = 0.5
ADDRESSES_BASIS = "adresses"
AREA_BASIS = "surface"
CHOSEN_BASIS = "choix"  # stations chosen by attribute (whole stations)
MAX_LASSO_POINTS = 20_000
STATION_FRAME_COLUMNS = [
    "station_id", "set_id", "commune_code", "bv_code", "name", "address_points", "address_lines",
    "inside_points", "inside_lines", "area_share", "share", "basis", "included",
]
EMPTY_POLYGON = shapely.MultiPolygon()


# -- lasso -------------------------------------------------------------------------------
def polygonal(geometry: BaseGeometry | None) -> BaseGeometry:
    """The polygonal parts of ``geometry`` as one Polygon or MultiPolygon (an empty MultiPolygon when none)."""
    if geometry is None or geometry.is_empty:
        return EMPTY_POLYGON
    parts = shapely.get_parts(geometry)
    # Nested collections (make_valid may return them) are flattened once more.
    flat = [p for part in parts for p in (shapely.get_parts(part) if shapely.get_type_id(part) == 7 else [part])]
    polys = [p for p in flat if shapely.get_type_id(p) in (3, 6) and not p.is_empty]
    if not polys:
        return EMPTY_POLYGON
    merged = shapely.union_all(polys) if len(polys) > 1 else polys[0]
    if shapely.get_type_id(merged) not in (3, 6):
        return polygonal(merged)
    return merged


LASSO_DECIMALS = 9  # lasso vertices are snapped to 1e-9 degree


def lasso_polygon(coords: Sequence[Sequence[float]]) -> BaseGeometry:
    """The valid (Multi)Polygon, EPSG:4326, enclosed by a drawn lasso (``[[lon, lat], …]``, closed or not).

    Raises :class:`LassoError` when the points are unreadable, outside WGS84, fewer than three
    distinct ones, or enclose no surface.
    """
    try:
        array = np.asarray(coords, dtype=float)
    except (TypeError, ValueError) as error:
        raise LassoError("Lasso illisible : une liste de points [longitude, latitude] est attendue.") from error
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] < 2:
        raise LassoError("Lasso illisible : une liste de points [longitude, latitude] est attendue.")
    if array.shape[0] > MAX_LASSO_POINTS:
        raise LassoError(f"Lasso trop détaillé : au plus {MAX_LASSO_POINTS:,} points.".replace(",", "\u202f"))
    array = array[:, :2]
    if not np.isfinite(array).all():
        raise LassoError("Lasso illisible : une coordonnée n'est pas un nombre.")
    if (np.abs(array[:, 0]) > 180).any() or (np.abs(array[:, 1]) > 90).any():
        raise LassoError("Lasso hors des coordonnées terrestres (longitude/latitude en degrés attendues).")
    # snapped to a 1e-9 degree grid (about 0.1 mm): a pointer never draws finer, and GEOS fails on
    # the subnormal numbers (1e-313) that would otherwise reach it
    array = np.round(array, LASSO_DECIMALS) + 0.0
    if len(np.unique(array, axis=0)) < 3:
        raise LassoError("Le lasso doit compter au moins trois points distincts : tracez une boucle autour des adresses.")
    try:
        repaired = polygonal(shapely.make_valid(shapely.Polygon(array), method="structure", keep_collapsed=False))
        valid = bool(repaired.is_valid)
    except shapely.errors.GEOSException as error:
        raise LassoError("Lasso illisible : le tracé ne forme pas un contour exploitable, tracez-le à nouveau.") from error
    if not valid or repaired.is_empty or repaired.area <= 0.0:
        raise LassoError("Le lasso n'entoure aucune surface (points alignés) : tracez une boucle autour des adresses.")
    return repaired


def combine(zone: BaseGeometry | None, lasso: BaseGeometry, mode: Literal["add", "subtract"] = "add") -> BaseGeometry:
    """``zone`` with ``lasso`` added (``"add"``: union) or removed (``"subtract"``: difference).

    The result is a valid (Multi)Polygon; subtracting everything gives an empty MultiPolygon.
    """
    base = polygonal(shapely.make_valid(zone)) if zone is not None and not zone.is_empty else EMPTY_POLYGON
    other = polygonal(shapely.make_valid(lasso))
    if mode == "add":
        result = shapely.union(base, other) if not base.is_empty else other
    elif mode == "subtract":
        result = shapely.difference(base, other) if not base.is_empty else EMPTY_POLYGON
    else:
        raise CanvassError(f"opération de lasso inconnue « {mode} » (ajouter : add, retirer : subtract)")
    return polygonal(result)


# -- point in polygon --------------------------------------------------------------------
def points_in_polygon(lon: np.ndarray, lat: np.ndarray, polygon: BaseGeometry) -> np.ndarray:
    """Boolean mask of the points (degrees) strictly inside ``polygon``.

    A bounding-box test in numpy first, then ``shapely.contains_xy`` (prepared polygon) on the
    candidates only: a million points answer in milliseconds when the zone is a town's size.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    mask = np.zeros(len(lon), dtype=bool)
    if polygon is None or polygon.is_empty or len(lon) == 0:
        return mask
    minx, miny, maxx, maxy = polygon.bounds
    candidates = np.flatnonzero((lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy))
    if len(candidates):
        shapely.prepare(polygon)
        mask[candidates] = shapely.contains_xy(polygon, lon[candidates], lat[candidates])
    return mask


# -- selection ---------------------------------------------------------------------------
def _empty_stations() -> gpd.GeoDataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in STATION_FRAME_COLUMNS})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=4326), crs=4326)


@dataclass(frozen=True)
class Selection:
    """What a zone covers.

    ``polygon``: the zone, (Multi)Polygon EPSG:4326 (empty when nothing was drawn).
    ``addresses``: the address points inside (columns of :data:`sources.ADDRESS_COLUMNS`, one row per
    BAN point × station, ordered by ``address_id``).
    ``stations``: every station the zone touches (share > 0), with ``address_points`` /
    ``address_lines`` (all its addresses), ``inside_points`` / ``inside_lines`` (those inside),
    ``area_share``, ``share`` (0–1), ``basis`` (``"adresses"``, ``"surface"`` or ``"choix"``),
    ``included`` (share ≥ threshold) and ``geometry``.
    ``message_fr``: why the selection is empty, when it is.
    """

    polygon: BaseGeometry
    addresses: pd.DataFrame
    stations: gpd.GeoDataFrame = field(default_factory=_empty_stations)
    threshold: float = DEFAULT_THRESHOLD
    message_fr: str | None = None

    @property
    def station_ids(self) -> tuple[str, ...]:
        """The included stations (share ≥ threshold), sorted."""
        if not len(self.stations):
            return ()
        return tuple(sorted(self.stations.loc[self.stations["included"].astype(bool), "station_id"].astype(str)))

    @property
    def address_ids(self) -> tuple[str, ...]:
        return tuple(self.addresses["address_id"].astype(str))

    @property
    def is_empty(self) -> bool:
        return len(self.addresses) == 0 and not self.station_ids


def station_shares(
    stations: gpd.GeoDataFrame, inside: pd.DataFrame, totals: pd.DataFrame, polygon: BaseGeometry,
    threshold: float = DEFAULT_THRESHOLD,
) -> gpd.GeoDataFrame:
    """The station frame of a :class:`Selection` (pure).

    ``stations``: candidate stations (``station_id`` + geometry, EPSG:4326); ``inside``: the address
    points inside the zone (``station_id``, ``n_addresses``); ``totals``: per station ``address_points``
    and ``address_lines`` over all its addresses (:func:`sources.address_totals`). Stations that
    addresses inside refer to but ``stations`` lacks are added without geometry. Rows with a zero share
    are dropped.
    """
    if not 0.0 < threshold <= 1.0:
        raise CanvassError("le seuil d'inclusion d'un bureau doit être compris entre 0 et 100 %")
    frame = stations.copy()
    referenced = pd.Index(inside["station_id"].astype(str).unique()).difference(frame["station_id"].astype(str))
    if len(referenced):
        extra = gpd.GeoDataFrame({"station_id": list(referenced)}, geometry=[None] * len(referenced), crs=4326)
        frame = pd.concat([frame, extra], ignore_index=True)
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)
    frame["station_id"] = frame["station_id"].astype(str)
    for column in ("set_id", "commune_code", "bv_code", "name"):
        if column not in frame:
            frame[column] = None
    in_lines = inside.groupby(inside["station_id"].astype(str))["n_addresses"].sum() if len(inside) else pd.Series(dtype=float)
    in_points = inside.groupby(inside["station_id"].astype(str)).size() if len(inside) else pd.Series(dtype=float)
    tot = totals.set_index(totals["station_id"].astype(str))
    sid = frame["station_id"]
    frame["address_points"] = sid.map(tot["address_points"]).fillna(0).astype(np.int64).to_numpy()
    frame["address_lines"] = sid.map(tot["address_lines"]).fillna(0).astype(np.int64).to_numpy()
    frame["inside_points"] = sid.map(in_points).fillna(0).astype(np.int64).to_numpy()
    frame["inside_lines"] = sid.map(in_lines).fillna(0).astype(np.int64).to_numpy()
    geoms = np.asarray(frame.geometry.array, dtype=object)
    area_share = np.zeros(len(frame))
    has_geom = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if len(frame) else np.zeros(0, bool)
    if has_geom.any() and not polygon.is_empty:
        valid = shapely.make_valid(geoms[has_geom])
        area = shapely.area(valid)
        cut = shapely.area(shapely.intersection(valid, polygon))
        area_share[has_geom] = np.where(area > 0, np.clip(cut / np.where(area > 0, area, 1.0), 0.0, 1.0), 0.0)
    frame["area_share"] = area_share
    by_address = frame["address_lines"].to_numpy() > 0
    lines = frame["address_lines"].to_numpy(dtype=float)
    frame["share"] = np.where(by_address, frame["inside_lines"].to_numpy() / np.where(by_address, lines, 1.0), area_share)
    frame["basis"] = np.where(by_address, ADDRESSES_BASIS, AREA_BASIS)
    frame["included"] = frame["share"].to_numpy() >= threshold - 1e-12
    frame = frame.loc[frame["share"] > 0].sort_values("station_id", kind="stable").reset_index(drop=True)
    return gpd.GeoDataFrame(frame[STATION_FRAME_COLUMNS + ["geometry"]], geometry="geometry", crs=4326)


def _explain_empty(n_candidates: int, stations: pd.DataFrame, addresses: pd.DataFrame, threshold: float) -> str | None:
    if len(addresses) or (len(stations) and stations["included"].any()):
        return None
    if n_candidates == 0 and not len(stations):
        return ("Le lasso est en dehors du territoire chargé : il ne contient aucune adresse et ne touche aucun "
                "bureau de vote. Déplacez la carte vers le territoire et tracez à nouveau.")
    pct = f"{threshold * 100:.0f}\u202f%"
    return (f"Le lasso ne contient aucune adresse du répertoire électoral et ne couvre aucun bureau de vote "
            f"à {pct} ou plus : élargissez-le.")


def select_from(
    polygon: BaseGeometry, addresses: pd.DataFrame, stations: gpd.GeoDataFrame, totals: pd.DataFrame,
    threshold: float = DEFAULT_THRESHOLD,
) -> Selection:
    """The :class:`Selection` of ``polygon`` among in-memory ``addresses`` and candidate ``stations`` (pure)."""
    if polygon is None or polygon.is_empty:
        return Selection(EMPTY_POLYGON, sources.empty_addresses().iloc[0:0], _empty_stations(), threshold,
                         "La zone est vide : tracez un lasso autour des adresses à sélectionner.")
    mask = points_in_polygon(addresses["lon"].to_numpy(), addresses["lat"].to_numpy(), polygon)
    return _assemble(polygon, addresses.loc[mask], stations, totals, threshold)


def _assemble(
    polygon: BaseGeometry, inside: pd.DataFrame, stations: gpd.GeoDataFrame, totals: pd.DataFrame, threshold: float
) -> Selection:
    inside = inside.sort_values("address_id", kind="stable").reset_index(drop=True)
    frame = station_shares(stations, inside, totals, polygon, threshold)
    return Selection(polygon, inside, frame, threshold, _explain_empty(len(stations), frame, inside, threshold))


def select(
    wh: Warehouse, polygon: BaseGeometry, *, threshold: float = DEFAULT_THRESHOLD,
    election_id: str | None = None, set_id: str | None = None,
) -> Selection:
    """The addresses and stations of the warehouse covered by ``polygon`` (EPSG:4326).

    Reads only what the polygon's bounding box meets (addresses by lon/lat, stations by
    contour extent, in the boundary version chosen as :func:`sources.stations_in_bbox` says),
    plus the address totals of the stations concerned.
    """
    if polygon is None or polygon.is_empty:
        return select_from(EMPTY_POLYGON, sources.empty_addresses(), _empty_stations(), pd.DataFrame(), threshold)
    bbox = polygon.bounds
    addresses = sources.addresses_in_bbox(wh, bbox)
    stations = sources.stations_in_bbox(wh, bbox, election_id=election_id, set_id=set_id)
    if not 0.0 < threshold <= 1.0:
        raise CanvassError("le seuil d'inclusion d'un bureau doit être compris entre 0 et 100 %")
    mask = points_in_polygon(addresses["lon"].to_numpy(), addresses["lat"].to_numpy(), polygon)
    inside = addresses.loc[mask]
    ids = set(stations["station_id"].astype(str)) | set(inside["station_id"].astype(str))
    totals = sources.address_totals(wh, sorted(ids))
    return _assemble(polygon, inside, stations, totals, threshold)


# -- selection by attribute --------------------------------------------------------------
def stations_at_least(frame: pd.DataFrame, column: str, minimum: float) -> list[str]:
    """Station ids of ``frame`` (a ``station_id`` column) whose ``column`` is ≥ ``minimum`` (missing values never are)."""
    if column not in frame:
        raise CanvassError(f"colonne inconnue « {column} » dans le tableau des bureaux")
    values = pd.to_numeric(frame[column], errors="coerce")
    return sorted(frame.loc[values >= minimum, "station_id"].astype(str).unique())


def _whole_stations(stations: gpd.GeoDataFrame, addresses: pd.DataFrame, totals: pd.DataFrame) -> gpd.GeoDataFrame:
    frame = stations.copy()
    tot = totals.set_index(totals["station_id"].astype(str)) if len(totals) else pd.DataFrame(columns=["address_points", "address_lines"])
    sid = frame["station_id"].astype(str)
    frame["address_points"] = sid.map(tot["address_points"]).fillna(0).astype(np.int64).to_numpy()
    frame["address_lines"] = sid.map(tot["address_lines"]).fillna(0).astype(np.int64).to_numpy()
    frame["inside_points"] = frame["address_points"]
    frame["inside_lines"] = frame["address_lines"]
    frame["area_share"] = 1.0
    frame["share"] = 1.0
    frame["basis"] = CHOSEN_BASIS
    frame["included"] = True
    return gpd.GeoDataFrame(frame[STATION_FRAME_COLUMNS + ["geometry"]], geometry="geometry", crs=4326)


def select_stations(
    wh: Warehouse, station_ids: Sequence[str], *, election_id: str | None = None, set_id: str | None = None,
    polygon: BaseGeometry | None = None,
) -> Selection:
    """Whole stations chosen by attribute: every address the REU assigns to them, share 1.

    ``polygon`` defaults to the union of their contours (the boundary version chosen as in
    :func:`sources.stations_in_bbox`). Unknown ids are ignored; none known gives an empty
    selection with its French explanation.
    """
    stations = sources.stations_by_id(wh, station_ids, election_id=election_id, set_id=set_id)
    if not len(stations):
        return Selection(EMPTY_POLYGON, sources.empty_addresses(), _empty_stations(), 1.0,
                         "Aucun bureau de vote ne correspond à ce choix dans le territoire chargé.")
    ids = list(stations["station_id"].astype(str))
    addresses = sources.addresses_of_stations(wh, ids)
    totals = sources.address_totals(wh, ids)
    if polygon is None:
        polygon = polygonal(shapely.union_all(shapely.make_valid(np.asarray(stations.geometry.array, dtype=object))))
    return Selection(polygon, addresses, _whole_stations(stations, addresses, totals), 1.0, None)


def select_by_value(
    wh: Warehouse, frame: pd.DataFrame, column: str, minimum: float, *, election_id: str | None = None,
    set_id: str | None = None,
) -> Selection:
    """The stations of ``frame`` (``station_id`` + score or measure columns) whose ``column`` ≥ ``minimum``."""
    chosen = stations_at_least(frame, column, minimum)
    selection = select_stations(wh, chosen, election_id=election_id, set_id=set_id)
    if selection.message_fr and not chosen:
        return Selection(selection.polygon, selection.addresses, selection.stations, selection.threshold,
                         f"Aucun bureau n'atteint cette valeur ({column} ≥ {minimum:g}).")
    return selection


def select_commune(
    wh: Warehouse, commune_code: str, *, election_id: str | None = None, set_id: str | None = None
) -> Selection:
    """A whole commune: all its stations (chosen boundary version), all its REU addresses, its contour."""
    stations = sources.stations_of_commune(wh, commune_code, election_id=election_id, set_id=set_id)
    if not len(stations):
        raise CanvassError(f"commune inconnue ou sans bureau de vote : « {commune_code} »")
    contour = sources.commune_geometry(wh, commune_code)
    polygon = polygonal(shapely.make_valid(contour)) if contour is not None else None
    return select_stations(wh, list(stations["station_id"].astype(str)), election_id=election_id, set_id=set_id, polygon=polygon)


def select_iris(
    wh: Warehouse, code_iris: str, *, threshold: float = DEFAULT_THRESHOLD, election_id: str | None = None,
    set_id: str | None = None,
) -> Selection:
    """The zone of one IRIS contour, selected as a lasso would be (addresses inside, stations by share)."""
    contour = sources.iris_geometry(wh, code_iris)
    if contour is None:
        raise CanvassError(f"IRIS inconnu : « {code_iris} »")
    return select(wh, polygonal(shapely.make_valid(contour)), threshold=threshold, election_id=election_id, set_id=set_id)
