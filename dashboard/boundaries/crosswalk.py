"""Crosswalks between two boundary versions of a commune, and results re-expressed on new boundaries.

A crosswalk row says which share (``weight``) of an old station's electors lives in a new
station. Per old station:

* ``adresses`` when REU addresses fall inside it: an address's electors go where its point
  falls (each address point counts ``n_addresses``, the REU addresses merged at that point;
  the address table has no electors count). Weights are the address counts per new station.
* ``surface`` otherwise: the share of the old station's area inside each new station;
* ``identique`` for a station with the same id and contour in both versions (weight 1).

**Reliability** of a row (``reliability``, 0..1): 1 when the whole old station goes to one
new station (no apportioning, ``weight`` ≥ 0.999); for ``adresses``, 1 − the ambiguity of the
old station: the share of its addresses lying within :data:`AMBIGUITY_M` metres of another
new station that also receives part of it (a geocoding error of that size could flip them);
for ``surface``, the weight itself: the share of the old station carried by the piece, so a
sliver moved by a redrawn border weighs little while an even split by area is a guess.

The figure shown on a new station (:func:`station_reliability`) is the mean of its rows'
reliability weighted by the electors they carry, and 1 when a single old station feeds it
(its rates are then carried unchanged whatever the weight). Rates of a station whose figure
is below :data:`RELIABILITY_THRESHOLD` are not compared (greyed on the swing maps).

Geometry is handled in a sinusoidal projection (equal-area, metres) centred on the data, so
areas and the ambiguity distance are right at a commune's scale anywhere in France.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from dashboard.errors import IsoloirError
from dashboard.formats import fmt_percent, format_fr
from dashboard.boundaries.versions import to_metres, versions_table
from dashboard.warehouse.database import Warehouse

ADDRESSES = "adresses"
AREA = "surface"
IDENTICAL = "identique"  # same id, same contour in both versions
AMBIGUITY_M = 10.0
RELIABILITY_THRESHOLD = 0.8
WHOLE = 0.999
# pieces smaller than this share of their old station (and 1 m²) are float noise along shared borders
_NOISE_SHARE = 1e-6
CROSSWALK_COLUMNS = ["from_station_id", "to_station_id", "weight", "method", "reliability"]


class CrosswalkError(IsoloirError):
    """A crosswalk cannot be computed as asked (unknown version, no common commune…)."""


# -- pure geometry -------------------------------------------------------------
def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("weight", "reliability") else "object") for c in CROSSWALK_COLUMNS})


def compute_crosswalk(old: pd.DataFrame, new: pd.DataFrame, addresses: pd.DataFrame | None = None) -> pd.DataFrame:
    """The crosswalk from the ``old`` stations to the ``new`` ones (pure).

    ``old`` / ``new``: ``station_id``, ``commune_code``, ``geometry`` (shapely, EPSG:4326);
    pieces only join stations of the same commune. ``addresses`` (optional): ``lon``, ``lat``,
    ``weight`` (address count at the point), and ``commune_code`` to skip those of unchanged
    communes. Returns one row per (old, new) piece: ``from_station_id``, ``to_station_id``,
    ``weight`` (sums to 1 per old station), ``method`` (:data:`IDENTICAL` for a station with the
    same id and contour in both, else :data:`ADDRESSES` or :data:`AREA`), ``reliability``. An old
    station that meets no new station is absent.
    """
    if old.empty or new.empty:
        return _empty()
    old = old.reset_index(drop=True)
    new = new.reset_index(drop=True)
    old_geoms = np.asarray(old["geometry"], dtype=object)
    new_geoms = np.asarray(new["geometry"], dtype=object)
    # unchanged stations (same id, same contour) need no geometry work: weight 1
    new_index = pd.Series(np.arange(len(new)), index=new["station_id"].astype(str))
    same_pos = new_index.reindex(old["station_id"].astype(str)).to_numpy()
    has_same = ~np.isnan(same_pos)
    unchanged = np.zeros(len(old), dtype=bool)
    if has_same.any():
        pairs = np.flatnonzero(has_same)
        unchanged[pairs] = shapely.equals_exact(old_geoms[pairs], new_geoms[same_pos[pairs].astype(int)], tolerance=0.0)
    frames = []
    if unchanged.any():
        ids = old["station_id"].to_numpy()[unchanged]
        frames.append(pd.DataFrame({"from_station_id": ids, "to_station_id": ids, "weight": 1.0, "method": IDENTICAL,
                                    "reliability": 1.0}))
    changed = np.flatnonzero(~unchanged)
    if len(changed):
        touched = set(old["commune_code"].to_numpy()[changed])
        nearby = new[new["commune_code"].isin(touched)].reset_index(drop=True)
        if addresses is not None and "commune_code" in addresses:
            addresses = addresses[addresses["commune_code"].isin(touched)]
        frames.append(_changed_crosswalk(old.iloc[changed].reset_index(drop=True), nearby, addresses))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return _empty()
    out = pd.concat(frames, ignore_index=True)[CROSSWALK_COLUMNS]
    return out.sort_values(["from_station_id", "to_station_id"], ignore_index=True)


def _changed_crosswalk(old: pd.DataFrame, new: pd.DataFrame, addresses: pd.DataFrame | None) -> pd.DataFrame:
    lon0 = float(np.nanmean(shapely.bounds(np.asarray(old["geometry"], dtype=object))[:, [0, 2]]))
    old_m = to_metres(old["geometry"].to_numpy(), lon0)
    new_m = to_metres(new["geometry"].to_numpy(), lon0)
    tree = shapely.STRtree(new_m)
    i_old, i_new = tree.query(old_m, predicate="intersects")
    same_commune = old["commune_code"].to_numpy()[i_old] == new["commune_code"].to_numpy()[i_new]
    i_old, i_new = i_old[same_commune], i_new[same_commune]
    area = shapely.area(shapely.intersection(old_m[i_old], new_m[i_new]))
    old_area = shapely.area(old_m)[i_old]
    keep = (area > 1.0) | (area > _NOISE_SHARE * old_area)
    pieces = pd.DataFrame({"i_old": i_old[keep], "i_new": i_new[keep], "area": area[keep]})
    pieces = pieces[pieces["area"] > 0]
    pieces["weight"] = pieces["area"] / pieces.groupby("i_old")["area"].transform("sum")
    pieces["method"] = AREA
    pieces["reliability"] = pieces["weight"]
    if addresses is not None and not addresses.empty:
        by_address = _address_pieces(old_m, new_m, old["commune_code"].to_numpy(), new["commune_code"].to_numpy(), tree, addresses, lon0)
        if not by_address.empty:
            pieces = pd.concat([pieces[~pieces["i_old"].isin(by_address["i_old"])], by_address], ignore_index=True)
    whole = pieces["weight"] >= WHOLE
    pieces.loc[whole, "reliability"] = 1.0
    return pd.DataFrame({
        "from_station_id": old["station_id"].to_numpy()[pieces["i_old"].to_numpy()],
        "to_station_id": new["station_id"].to_numpy()[pieces["i_new"].to_numpy()],
        "weight": pieces["weight"].to_numpy(dtype=float), "method": pieces["method"].to_numpy(),
        "reliability": pieces["reliability"].to_numpy(dtype=float).clip(0.0, 1.0),
    })


def _address_pieces(old_m: np.ndarray, new_m: np.ndarray, old_communes: np.ndarray, new_communes: np.ndarray,
                    new_tree: shapely.STRtree, addresses: pd.DataFrame, lon0: float) -> pd.DataFrame:
    """Pieces weighed by the address points inside each old station, with its ambiguity."""
    points = to_metres(shapely.points(addresses["lon"].to_numpy(float), addresses["lat"].to_numpy(float)), lon0)
    weight = addresses["weight"].to_numpy(float) if "weight" in addresses else np.ones(len(points))
    p_old, i_old = shapely.STRtree(old_m).query(points, predicate="within")
    first = ~pd.Series(p_old).duplicated().to_numpy()  # a point on a shared border: its first station
    in_old = pd.Series(i_old[first], index=p_old[first])
    p_new, i_new = new_tree.query(points, predicate="within")
    first = ~pd.Series(p_new).duplicated().to_numpy()
    in_new = pd.Series(i_new[first], index=p_new[first])
    nothing = pd.DataFrame(columns=["i_old", "i_new", "area", "weight", "method", "reliability"])
    both = pd.DataFrame({"i_old": in_old.to_numpy(), "i_new": in_new.reindex(in_old.index).to_numpy()},
                        index=in_old.index).dropna()
    if both.empty:
        return nothing
    both = both.astype(int)
    both = both[old_communes[both["i_old"].to_numpy()] == new_communes[both["i_new"].to_numpy()]]
    both["w"] = weight[both.index.to_numpy()]
    both = both[both["w"] > 0]
    if both.empty:
        return nothing
    pieces = both.groupby(["i_old", "i_new"], as_index=False)["w"].sum()
    total = pieces.groupby("i_old")["w"].transform("sum")
    pieces["weight"] = pieces["w"] / total
    # ambiguity: points within AMBIGUITY_M of another new station that receives part of the same old station
    p_near, i_near = new_tree.query(points[both.index.to_numpy()], predicate="dwithin", distance=AMBIGUITY_M)
    near = pd.DataFrame({"row": both.index.to_numpy()[p_near], "i_near": i_near})
    near = near.join(both[["i_old", "i_new", "w"]], on="row")
    near = near[near["i_near"] != near["i_new"]]
    receiving = set(zip(pieces["i_old"], pieces["i_new"]))
    near = near[np.array([(o, n) in receiving for o, n in zip(near["i_old"], near["i_near"])], dtype=bool)]
    ambiguous = near.drop_duplicates("row").groupby("i_old")["w"].sum()
    per_old = pieces.groupby("i_old")["w"].sum()
    ambiguity = (ambiguous.reindex(per_old.index).fillna(0.0) / per_old).clip(0.0, 1.0)
    pieces["reliability"] = 1.0 - pieces["i_old"].map(ambiguity).to_numpy()
    pieces["method"] = ADDRESSES
    pieces["area"] = np.nan
    return pieces[["i_old", "i_new", "area", "weight", "method", "reliability"]]


def station_reliability(crosswalk: pd.DataFrame, electors: pd.Series | None = None) -> pd.Series:
    """The reliability of each new station (index ``to_station_id``), from its rows (pure).

    Mean of the rows' ``reliability`` weighted by the electors they carry (``weight`` × the
    old station's ``electors``, or ``weight`` alone without them); 1 when a single old
    station feeds the new one.
    """
    if crosswalk.empty:
        return pd.Series(dtype=float)
    carried = crosswalk["weight"].astype(float)
    if electors is not None:
        carried = carried * crosswalk["from_station_id"].map(electors).fillna(0.0).astype(float)
    reliability = crosswalk["reliability"].astype(float)
    frame = pd.DataFrame({"to": crosswalk["to_station_id"], "e": carried, "er": carried * reliability,
                          "r": reliability, "src": crosswalk["from_station_id"]})
    grouped = frame.groupby("to")
    e = grouped["e"].sum()
    mean = (grouped["er"].sum() / e.where(e > 0)).fillna(grouped["r"].mean())
    single = grouped["src"].nunique() == 1
    return mean.where(~single, 1.0).astype(float)


def reexpress(turnout: pd.DataFrame, votes: pd.DataFrame, crosswalk: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Results of old stations re-expressed on new ones (pure): counts apportioned by the weights.

    ``turnout``: ``station_id`` and count columns (``registered``, ``voters``, ``abstentions``,
    ``blank``, ``null``, ``expressed``, those present); ``votes``: ``station_id``, ``candidate``,
    ``votes`` (other columns are carried by candidate). Returns (turnout, votes) keyed by the new
    ``station_id``, with fractional counts; totals are kept for every old station in the crosswalk.
    """
    counts = [c for c in ("registered", "voters", "abstentions", "blank", "null", "expressed") if c in turnout]
    t = crosswalk[["from_station_id", "to_station_id", "weight"]].merge(
        turnout[["station_id", *counts]], left_on="from_station_id", right_on="station_id")
    t[counts] = t[counts].astype(float).mul(t["weight"], axis=0)
    new_turnout = t.groupby("to_station_id", as_index=False)[counts].sum().rename(columns={"to_station_id": "station_id"})
    v = crosswalk[["from_station_id", "to_station_id", "weight"]].merge(votes, left_on="from_station_id", right_on="station_id")
    v["votes"] = v["votes"].astype(float) * v["weight"]
    extra = [c for c in votes.columns if c not in ("station_id", "candidate", "votes")]
    agg = {"votes": "sum", **{c: "first" for c in extra}}
    new_votes = v.groupby(["to_station_id", "candidate"], as_index=False, dropna=False).agg(agg)
    return new_turnout, new_votes.rename(columns={"to_station_id": "station_id"})


# -- warehouse side --------------------------------------------------------------
@dataclass(frozen=True)
class CrosswalkSummary:
    """What :func:`build_crosswalks` wrote for one (from, to) pair of versions."""

    from_set: str
    to_set: str
    communes: int
    rows: int
    identical: int  # old stations with the same id and contour in the new version
    by_addresses: int  # old stations weighed by addresses
    by_area: int
    below_threshold: int  # new stations whose reliability is below RELIABILITY_THRESHOLD


def _stations(wh: Warehouse, set_id: str, communes: list[str] | None) -> pd.DataFrame:
    frame = wh.query(
        """SELECT station_id, commune_code, geometry::BLOB AS wkb FROM station
           WHERE set_id = ? AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], commune_code))""",
        [set_id, communes, communes],
    )
    frame["geometry"] = shapely.from_wkb([bytes(b) for b in frame["wkb"]]) if len(frame) else []
    return frame.drop(columns="wkb")


def _addresses(wh: Warehouse, communes: Iterable[str]) -> pd.DataFrame:
    return wh.query(
        """SELECT commune_code, lon, lat, coalesce(n_addresses, 1)::DOUBLE AS weight FROM address
           WHERE list_contains(?::VARCHAR[], commune_code)""",
        [sorted(set(communes))],
    )


def crosswalk_between(wh: Warehouse, from_set: str, to_set: str, communes: list[str] | None = None) -> pd.DataFrame:
    """Compute (not store) the crosswalk between two versions over their common communes."""
    old = _stations(wh, from_set, communes)
    new = _stations(wh, to_set, communes)
    common = sorted(set(old["commune_code"]) & set(new["commune_code"]))
    old = old[old["commune_code"].isin(common)]
    new = new[new["commune_code"].isin(common)]
    return compute_crosswalk(old, new, _addresses(wh, common) if common else None)


def build_crosswalks(wh: Warehouse, from_set: str, to_set: str, communes: list[str] | None = None) -> CrosswalkSummary:
    """Compute and store (``station_crosswalk``) the crosswalk between two versions, per common commune.

    ``wh`` is read-write; the rows of the pair for those communes are replaced in one transaction.
    """
    known = set(wh.query("SELECT set_id FROM station_set")["set_id"])
    for set_id in (from_set, to_set):
        if set_id not in known:
            raise CrosswalkError(f"version de contours inconnue : « {set_id} »")
    if from_set == to_set:
        raise CrosswalkError("choisissez deux versions de contours différentes")
    old = _stations(wh, from_set, communes)
    common = sorted(set(old["commune_code"]) & set(_stations(wh, to_set, communes)["commune_code"]))
    if not common:
        raise CrosswalkError(f"aucune commune commune aux versions « {from_set} » et « {to_set} »")
    frame = crosswalk_between(wh, from_set, to_set, common)
    wh.write_crosswalk(from_set, to_set, frame, common)
    reliability = station_reliability(frame)
    methods = frame.drop_duplicates("from_station_id")["method"]
    return CrosswalkSummary(from_set, to_set, len(common), len(frame), int((methods == IDENTICAL).sum()),
                            int((methods == ADDRESSES).sum()), int((methods == AREA).sum()),
                            int((reliability < RELIABILITY_THRESHOLD).sum()))


def version_pairs(wh: Warehouse, communes: Iterable[str]) -> list[tuple[str, str, list[str]]]:
    """Every (older, newer) pair of versions sharing one of ``communes``, with the communes they share.

    Order of versions in a commune: per-commune ``valid_from`` (no date = oldest), then import time.
    """
    communes = sorted(set(communes))
    if not communes:
        return []
    table = versions_table(wh, communes)
    pairs: dict[tuple[str, str], list[str]] = {}
    for commune, group in table.groupby("commune_code", sort=True):
        ordered = list(group["set_id"])
        for i, older in enumerate(ordered):
            for newer in ordered[i + 1:]:
                pairs.setdefault((older, newer), []).append(str(commune))
    return [(a, b, c) for (a, b), c in sorted(pairs.items())]


def refresh_crosswalks(wh: Warehouse, communes: Iterable[str]) -> list[CrosswalkSummary]:
    """Recompute the crosswalks between every two versions of ``communes``, older → newer and back
    (the station history re-expresses later elections on older boundaries too); read-write ``wh``."""
    summaries = []
    for older, newer, shared in version_pairs(wh, communes):
        summaries.append(build_crosswalks(wh, older, newer, shared))
        summaries.append(build_crosswalks(wh, newer, older, shared))
    return summaries


def refresh_after_import(wh: Warehouse, parsed_files: list[tuple[object, object, str]]) -> list[str]:
    """The import write step's hook (``warehouse/importer.py``'s ``after_write``): after new
    boundary versions or new REU addresses, recompute the crosswalks of the communes concerned
    that have another version. Returns one French line per crosswalk written."""
    from dashboard.ingest.addresses import ParsedAddresses
    from dashboard.ingest.stations import ParsedStations

    communes: set[str] = set()
    for _, parsed, _ in parsed_files:
        if isinstance(parsed, ParsedStations):
            communes |= set(parsed.frame["commune_code"].astype(str))
        elif isinstance(parsed, ParsedAddresses):
            communes |= set(parsed.frame["commune_code"].dropna().astype(str))
    return [summary_line(s) for s in refresh_crosswalks(wh, communes)]


def summary_line(summary: CrosswalkSummary) -> str:
    """One French line for a crosswalk written."""
    return (f"Table de passage {summary.from_set} → {summary.to_set} : {format_fr(summary.communes)} commune(s), "
            f"{format_fr(summary.identical)} bureau(x) inchangé(s), {format_fr(summary.by_addresses)} pesé(s) par adresses, "
            f"{format_fr(summary.by_area)} par surface, "
            f"{format_fr(summary.below_threshold)} bureau(x) sous le seuil de fiabilité ({fmt_percent(RELIABILITY_THRESHOLD, 0)})")


def stored_or_computed(wh: Warehouse, from_set: str, to_set: str, to_stations: list[str], communes: list[str]) -> pd.DataFrame:
    """The crosswalk rows feeding ``to_stations``: stored ones, computed on the fly for communes without."""
    stored = wh.query(
        """SELECT from_station_id, to_station_id, weight, method, coalesce(reliability, 1.0) AS reliability
           FROM station_crosswalk
           WHERE from_set_id = ? AND to_set_id = ? AND list_contains(?::VARCHAR[], to_station_id)""",
        [from_set, to_set, to_stations],
    )
    covered = set(stored["to_station_id"])
    missing = [c for c in communes if not any(s in covered for s in to_stations if s.startswith(f"{c}_"))]
    if not missing:
        return stored
    computed = crosswalk_between(wh, from_set, to_set, missing)
    computed = computed[computed["to_station_id"].isin(to_stations)]
    return pd.concat([f for f in (stored, computed) if not f.empty], ignore_index=True) if not computed.empty else stored
