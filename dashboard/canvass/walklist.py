"""Walk lists: a turf's addresses in the order a canvasser walks them, on screen and as CSV.

**Order.** Address rows are first merged per BAN point (one line per door point; a
point serving two polling stations is one stop). Then:

1. *Streets and pieces.* Points are grouped by street (commune + street name, accents
   and case ignored). A street whose points are more than ``GAP_M`` (200 m) apart
   along it is cut into pieces: those are walked separately, the only case where a
   street appears twice.
2. *Within a piece* the points are placed along the street's principal axis,
   oriented so that house numbers increase along it. Entering at the end nearest the
   walker, the odd side is walked first, in the walking direction (ascending from
   the low-numbers end, descending from the other), then the even side on the way
   back; points without a number close the piece. Entrances of one building stay
   together (``12, 12 bis, 12 ter``), and a street with only one side is walked
   from the entry to the far end.
3. *Chaining.* The next piece is the one with an end nearest to the last point
   visited (nearest-neighbour route), starting from ``start`` when given, else from
   the street end farthest from the turf's centre (a walk from the edge sweeps
   across rather than spiralling out). Each piece is visited once.

**CSV** (:func:`walklist_csv`): ``;``-separated, UTF-8 with BOM (Excel opens it with
the accents right), French headers, blank outcome columns to tick. Addresses and
estimated counts only: no elector's name or any personal data (the warehouse holds
none), so strategists may export it. Cells that a spreadsheet would read as a
formula are prefixed with ``'``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from dashboard.canvass.counts import FALLBACK_ELECTORS_PER_LINE, estimate_doors
from dashboard.canvass.geo import LocalProjection
from dashboard.canvass.housenumbers import normalise_street, parse_housenumbers
from dashboard.canvass.turfs import TurfPlan
from dashboard.csv_export import french_csv

GAP_M = 200.0
# Outcome columns left blank for the canvasser: the phone's outcomes, same ids and labels
# (``store.visits.OUTCOMES``, ``canvass.doors.OUTCOME_LABELS_FR``), so a sheet typed back in becomes visits.
# No free-text column: notes on people are what the CNIL asks campaigns not to collect (health, religion,
# opinions…); « Repasser » covers the follow-up.
OUTCOME_COLUMNS = ("ouvert", "absent", "refus", "ne_plus_solliciter", "repasser")
OUTCOME_LABELS_FR = {
    "ouvert": "Ouvert", "absent": "Absent", "refus": "Refus", "ne_plus_solliciter": "Ne plus solliciter",
    "repasser": "Repasser",
}
SIDE_LABELS_FR = {"odd": "impair", "even": "pair", "none": "sans numéro"}
WALK_COLUMNS = [
    "order", "street", "number", "side", "address_ids", "ban_id", "postcode", "city", "station_ids",
    "lon", "lat", "electors", "doors", "street_key", "piece", *OUTCOME_COLUMNS,
]
CSV_HEADERS_FR = {
    "order": "N°", "number": "Numéro", "street": "Voie", "side": "Côté", "postcode": "Code postal",
    "city": "Commune", "station_ids": "Bureau de vote", "doors": "Portes (estim.)", "electors": "Électeurs (estim.)",
    **OUTCOME_LABELS_FR,
}
CSV_COLUMNS = ["order", "number", "street", "side", "postcode", "city", "station_ids", "doors", "electors", *OUTCOME_COLUMNS]
NO_STREET_FR = "(voie sans nom)"


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


def _points(addresses: pd.DataFrame) -> pd.DataFrame:
    """One row per BAN point: first street/number/postcode/city/lon/lat, summed doors and electors."""
    frame = addresses.reset_index(drop=True).copy()
    n = len(frame)
    for column in ("street", "housenumber", "postcode", "city", "commune_code", "station_id"):
        if column not in frame:
            frame[column] = None
    if "ban_id" not in frame:
        frame["ban_id"] = frame["address_id"]
    frame["ban_id"] = frame["ban_id"].where(frame["ban_id"].notna(), frame["address_id"]).astype(str)
    if "doors" not in frame:
        lines = frame["n_addresses"].fillna(1).to_numpy(dtype=float) if "n_addresses" in frame else np.ones(n)
        frame["doors"] = estimate_doors(lines, lines * FALLBACK_ELECTORS_PER_LINE)
    frame["doors"] = pd.to_numeric(frame["doors"], errors="coerce").fillna(1).clip(lower=0).round().astype(np.int64)
    frame["electors"] = pd.to_numeric(frame["electors"], errors="coerce") if "electors" in frame else np.nan
    frame["address_id"] = frame["address_id"].astype(str)
    frame["station_id"] = frame["station_id"].map(_text)
    columns = ["ban_id", "street", "housenumber", "postcode", "city", "commune_code", "lon", "lat", "doors", "electors"]
    if not frame["ban_id"].duplicated().any():  # the usual case: one row per BAN point already
        return frame[columns].assign(address_ids=frame["address_id"].to_numpy(), station_ids=frame["station_id"].to_numpy())
    grouped = frame.groupby("ban_id", sort=False)
    points = grouped.agg(
        street=("street", "first"), housenumber=("housenumber", "first"), postcode=("postcode", "first"),
        city=("city", "first"), commune_code=("commune_code", "first"), lon=("lon", "first"), lat=("lat", "first"),
        doors=("doors", "sum"), electors=("electors", lambda s: float(s.sum()) if s.notna().any() else np.nan),
        address_ids=("address_id", lambda s: " ".join(sorted(s))),
        station_ids=("station_id", lambda s: ", ".join(sorted({v for v in s if v}))),
    ).reset_index()
    return points


def _empty_walk() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in WALK_COLUMNS})
    return frame.astype({"order": np.int64, "lon": float, "lat": float, "electors": float, "doors": np.int64, "piece": np.int64})


def _pieces(xy: np.ndarray, base: np.ndarray, street: np.ndarray, gap_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Per point: its piece id and its abscissa along its street (metres, numbers increasing)."""
    piece = np.zeros(len(xy), dtype=np.int64)
    along = np.zeros(len(xy))
    next_id = 0
    codes, uniques = pd.factorize(street, sort=True)
    for code in range(len(uniques)):
        rows = np.flatnonzero(codes == code)
        pts = xy[rows]
        if len(rows) == 1:
            axis = np.array([1.0, 0.0])
        else:
            d = pts - pts.mean(axis=0)
            values, vectors = np.linalg.eigh(d.T @ d)
            axis = vectors[:, int(np.argmax(values))] if values.max() > 1e-9 else np.array([1.0, 0.0])
        proj = pts @ axis
        numbered = ~np.isnan(base[rows])
        if numbered.sum() >= 2 and np.ptp(proj[numbered]) > 0 and np.ptp(base[rows][numbered]) > 0:
            if np.corrcoef(proj[numbered], base[rows][numbered])[0, 1] < 0:
                proj = -proj
        elif axis[0] < 0:
            proj = -proj
        order = np.argsort(proj, kind="stable")
        gaps = np.diff(proj[order]) > gap_m
        local = np.concatenate([[0], np.cumsum(gaps)])
        piece[rows[order]] = next_id + local
        along[rows] = proj
        next_id += int(local[-1]) + 1
    return piece, along


def _piece_order(rows: np.ndarray, side: np.ndarray, base: np.ndarray, rank: np.ndarray, along: np.ndarray,
                 from_low: bool) -> np.ndarray:
    """The rows of one piece in walking order, entering at the low-numbers end when ``from_low``."""
    odd = rows[side[rows] == "odd"]
    even = rows[side[rows] == "even"]
    none = rows[side[rows] == "none"]

    def walk(part: np.ndarray, ascending: bool) -> np.ndarray:
        if not len(part):
            return part
        sign = 1.0 if ascending else -1.0
        # numbers in the walking direction; entrances (suffixes) of one number always in their own order
        return part[np.lexsort((part, along[part] * sign, rank[part], np.nan_to_num(base[part], nan=0.0) * sign))]

    first, second = (odd, even) if len(odd) else (even, odd)
    out = [walk(first, from_low)]
    back = not from_low if len(second) else from_low
    out.append(walk(second, back))
    tail = none[np.argsort(along[none] * (1.0 if back else -1.0), kind="stable")] if len(none) else none
    out.append(tail)
    return np.concatenate(out)


def order_walk(addresses: pd.DataFrame, *, start: tuple[float, float] | None = None, gap_m: float = GAP_M) -> pd.DataFrame:
    """The walk list of a turf's addresses (columns ``address_id``, ``lon``, ``lat``, and ideally ``ban_id``,
    ``street``, ``housenumber``, ``postcode``, ``city``, ``station_id``, ``doors``, ``electors``).

    One row per BAN point, columns :data:`WALK_COLUMNS`: ``order`` (1…), ``street``, ``number``
    (``"12 bis"``), ``side`` (``"impair"``, ``"pair"``, ``"sans numéro"``), ``address_ids`` (space-separated),
    counts, and the blank :data:`OUTCOME_COLUMNS`. ``start``: (lon, lat) of the meeting point.
    """
    if not len(addresses):
        return _empty_walk()
    points = _points(addresses)
    points = points.loc[np.isfinite(points["lon"].astype(float)) & np.isfinite(points["lat"].astype(float))].reset_index(drop=True)
    if not len(points):
        return _empty_walk()
    numbers = parse_housenumbers(points["housenumber"])
    base = numbers["base"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    rank = numbers["suffix_rank"].to_numpy()
    side = numbers["side"].fillna("none").to_numpy(dtype=object)
    street_key = (points["commune_code"].map(_text) + "|" + points["street"].map(normalise_street)).to_numpy(dtype=object)
    projection = LocalProjection.around(points["lon"].to_numpy(dtype=float), points["lat"].to_numpy(dtype=float))
    xy = np.column_stack(projection.forward(points["lon"].to_numpy(dtype=float), points["lat"].to_numpy(dtype=float)))
    piece, along = _pieces(xy, base, street_key, gap_m)
    n_pieces = int(piece.max()) + 1
    members = [np.flatnonzero(piece == p) for p in range(n_pieces)]
    low_end = np.array([xy[m[np.argmin(along[m])]] for m in members])
    high_end = np.array([xy[m[np.argmax(along[m])]] for m in members])

    if start is not None:
        position = np.array(projection.forward(np.array([start[0]]), np.array([start[1]]))).ravel()
    else:
        ends = np.vstack([low_end, high_end])
        position = ends[int(np.argmax(np.hypot(*(ends - xy.mean(axis=0)).T)))]
    visited = np.zeros(n_pieces, dtype=bool)
    sequence: list[np.ndarray] = []
    for _ in range(n_pieces):
        d_low = np.hypot(*(low_end - position).T)
        d_high = np.hypot(*(high_end - position).T)
        d_low[visited] = np.inf
        d_high[visited] = np.inf
        p_low, p_high = int(np.argmin(d_low)), int(np.argmin(d_high))
        from_low = d_low[p_low] <= d_high[p_high]
        chosen = p_low if from_low else p_high
        rows = _piece_order(members[chosen], side, base, rank, along, from_low)
        sequence.append(rows)
        visited[chosen] = True
        position = xy[rows[-1]]
    order = np.concatenate(sequence)

    out = points.iloc[order].reset_index(drop=True)
    walk = pd.DataFrame({
        "order": np.arange(1, len(out) + 1, dtype=np.int64),
        "street": [(_text(s) or NO_STREET_FR) for s in out["street"]],
        "number": numbers["display"].to_numpy()[order],
        "side": [SIDE_LABELS_FR[s] for s in side[order]],
        "address_ids": out["address_ids"].to_numpy(),
        "ban_id": out["ban_id"].astype(str).to_numpy(),
        "postcode": out["postcode"].map(_text).to_numpy(),
        "city": out["city"].map(_text).to_numpy(),
        "station_ids": out["station_ids"].to_numpy(),
        "lon": out["lon"].to_numpy(dtype=float),
        "lat": out["lat"].to_numpy(dtype=float),
        "electors": out["electors"].to_numpy(dtype=float),
        "doors": out["doors"].to_numpy(dtype=np.int64),
        "street_key": street_key[order],
        "piece": piece[order],
    })
    for column in OUTCOME_COLUMNS:
        walk[column] = ""
    return walk[WALK_COLUMNS]


def walk_address_ids(walk: pd.DataFrame) -> tuple[str, ...]:
    """The address ids of a walk list in walking order (the ids of one BAN point in a row, sorted)."""
    return tuple(a for ids in walk["address_ids"] for a in str(ids).split())


def in_walk_order(plan: TurfPlan, addresses: pd.DataFrame, *, start: tuple[float, float] | None = None) -> TurfPlan:
    """``plan`` with each turf's ``address_ids`` in walking order (what the campaign store keeps as the turf's
    walk: ``turf_address.position``); ``addresses``: the rows the plan was cut from."""
    by_id = addresses.set_index(addresses["address_id"].astype(str), drop=False)
    turfs = tuple(
        replace(turf, address_ids=walk_address_ids(order_walk(by_id.loc[list(turf.address_ids)], start=start)))
        for turf in plan.turfs
    )
    return replace(plan, turfs=turfs)


def route_length_m(walk: pd.DataFrame) -> float:
    """Length in metres of the straight legs between consecutive points of a walk list (lon/lat columns)."""
    if len(walk) < 2:
        return 0.0
    projection = LocalProjection.around(walk["lon"].to_numpy(dtype=float), walk["lat"].to_numpy(dtype=float))
    x, y = projection.forward(walk["lon"].to_numpy(dtype=float), walk["lat"].to_numpy(dtype=float))
    return float(np.hypot(np.diff(x), np.diff(y)).sum())


def street_visits(walk: pd.DataFrame) -> pd.Series:
    """How many separate times the walk enters each street (1 everywhere = no street visited twice)."""
    keys = walk["street_key"].to_numpy(dtype=object)
    if not len(keys):
        return pd.Series(dtype=np.int64)
    starts = np.concatenate([[True], keys[1:] != keys[:-1]])
    return pd.Series(keys[starts]).value_counts().sort_index()


def walklist_csv(walk: pd.DataFrame, excluded: int = 0) -> bytes:
    """The walk list as CSV bytes: ``;``-separated, UTF-8 with BOM, French headers, blank outcome columns.

    Addresses and estimated counts only (no personal data). ``excluded``: doors left out because they are
    on the opposition list, said in a last line."""
    rows: list[tuple[object, ...]] = list(walk[CSV_COLUMNS].itertuples(index=False))
    if excluded:
        rows.append(("", f"{excluded} porte(s) exclue(s) : opposition (ne plus solliciter)", *[""] * (len(CSV_COLUMNS) - 2)))
    return french_csv([CSV_HEADERS_FR[c] for c in CSV_COLUMNS], rows)
