"""Classification of a measure into a few classes for a choropleth map.

``classify`` turns values (NaN and None ignored) into class edges with one of
three methods: quantiles, equal intervals or Fisher-Jenks natural breaks.
Classes are closed on the right: class 0 is ``[b0, b1]``, class ``i`` is
``(b_i, b_{i+1}]`` — the convention of mapclassify, where Jenks edges are the
largest value of each class. ``class_index`` maps values to those classes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

METHODS: dict[str, str] = {
    "quantiles": "Quantiles",
    "equal": "Intervalles égaux",
    "jenks": "Seuils naturels (Jenks)",
}

# Above this many distinct values, Jenks runs on this many sorted quantile points.
JENKS_MAX_POINTS = 3000
_JENKS_CHUNK = 256


@dataclass(frozen=True)
class Classes:
    """Class edges: ``k + 1`` strictly increasing values from the minimum to the maximum.

    A single distinct value gives one edge and one class; no finite value gives
    no edge and no class.
    """

    breaks: tuple[float, ...]
    method: str

    @property
    def k(self) -> int:
        """Number of classes."""
        if not self.breaks:
            return 0
        return max(len(self.breaks) - 1, 1)

    def bounds(self, index: int) -> tuple[float, float]:
        """Lower and upper edge of class ``index``."""
        if len(self.breaks) == 1:
            return self.breaks[0], self.breaks[0]
        return self.breaks[index], self.breaks[index + 1]


def as_float_array(values: Iterable[object]) -> np.ndarray:
    """Values as float64, with NaN for None, NA, non-numbers and infinities."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        series = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
        arr = series.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    arr = np.array(arr, dtype=np.float64, copy=True).ravel()
    arr[~np.isfinite(arr)] = np.nan
    return arr


def classify(
    values: Iterable[object],
    k: int = 5,
    method: str = "quantiles",
    *,
    center: float | None = None,
) -> Classes:
    """Class edges of the finite ``values``.

    ``center`` (e.g. ``0.0`` for a swing) is made one of the edges when it lies
    strictly between the minimum and the maximum, so that no class mixes
    values on both sides of it. Fewer distinct values than ``k`` give fewer
    classes (one per distinct value, edges halfway between them).
    """
    if method not in METHODS:
        known = ", ".join(METHODS)
        raise ValueError(f"Méthode de classification inconnue : « {method} » (méthodes connues : {known}).")
    if not isinstance(k, (int, np.integer)) or k < 2:
        raise ValueError(f"Le nombre de classes doit être un entier au moins égal à 2 (reçu : {k}).")
    k = int(k)
    arr = as_float_array(values)
    finite = np.sort(arr[~np.isnan(arr)])
    if finite.size == 0:
        return Classes((), method)
    distinct, counts = np.unique(finite, return_counts=True)
    if distinct.size == 1:
        return Classes((float(distinct[0]),), method)
    if distinct.size <= k:
        mids = (distinct[:-1] + distinct[1:]) / 2.0
        edges = np.concatenate([[distinct[0]], mids, [distinct[-1]]])
        return Classes(_clean(edges), method)
    lo, hi = float(finite[0]), float(finite[-1])
    if method == "equal":
        edges = np.linspace(lo, hi, k + 1)
    elif method == "quantiles":
        edges = np.quantile(finite, np.linspace(0.0, 1.0, k + 1))
        edges = _drop_empty(_clean(edges), finite)
    else:
        edges = np.concatenate([[lo], _jenks_inner(distinct, counts, k), [hi]])
    edges = np.asarray(edges, dtype=np.float64)
    edges[0], edges[-1] = lo, hi
    if center is not None and lo < center < hi:
        edges = _force_edge(edges, float(center))
    return Classes(_clean(edges), method)


def class_index(values: Iterable[object], classes: Classes) -> np.ndarray:
    """Class of each value (0 .. k-1), -1 for NaN; values outside the edges go to the end classes."""
    arr = as_float_array(values)
    out = np.full(arr.shape, -1, dtype=np.int64)
    ok = ~np.isnan(arr)
    if not classes.breaks:
        return out
    if len(classes.breaks) == 1:
        out[ok] = 0
        return out
    inner = np.asarray(classes.breaks[1:-1], dtype=np.float64)
    idx = np.searchsorted(inner, arr[ok], side="left")
    out[ok] = np.clip(idx, 0, classes.k - 1)
    return out


def _clean(edges: Iterable[float]) -> tuple[float, ...]:
    """Strictly increasing edges (duplicates dropped)."""
    return tuple(float(e) for e in np.unique(np.asarray(list(edges), dtype=np.float64)))


def _drop_empty(edges: tuple[float, ...], finite: np.ndarray) -> tuple[float, ...]:
    """Merge classes that hold no value into their upper neighbour (the last one into its lower neighbour)."""
    current = list(edges)
    while len(current) > 2:
        counts = np.bincount(class_index(finite, Classes(tuple(current), "")), minlength=len(current) - 1)
        empty = np.flatnonzero(counts == 0)
        if empty.size == 0:
            break
        i = int(empty[0])
        del current[i + 1 if i < len(current) - 2 else i]
    return tuple(current)


def _force_edge(edges: np.ndarray, center: float) -> np.ndarray:
    """Replace the interior edge nearest to ``center`` by ``center`` (insert it when there is none)."""
    if np.any(edges == center):
        return edges
    if edges.size <= 2:
        return np.sort(np.append(edges, center))
    inner = edges[1:-1]
    nearest = int(np.argmin(np.abs(inner - center))) + 1
    edges = edges.copy()
    edges[nearest] = center
    return np.sort(edges)


def _jenks_inner(distinct: np.ndarray, counts: np.ndarray, k: int) -> np.ndarray:
    """Interior Fisher-Jenks edges (upper value of classes 0 .. k-2) of weighted sorted distinct values."""
    if distinct.size > JENKS_MAX_POINTS:
        # Deterministic sample: sorted quantile points of the full distribution.
        cum = np.cumsum(counts)
        ranks = np.linspace(0, cum[-1] - 1, JENKS_MAX_POINTS)
        points = distinct[np.searchsorted(cum, ranks, side="right")]
        distinct, counts = np.unique(points, return_counts=True)
        if distinct.size <= k:
            return (distinct[:-1] + distinct[1:]) / 2.0
    splits = _fisher_jenks_splits(distinct, counts.astype(np.float64), k)
    inner = distinct[splits - 1]
    if splits[0] == 1:
        # The first class holds only the minimum: an edge equal to it would vanish.
        inner[0] = (distinct[0] + distinct[1]) / 2.0
    return inner


def _fisher_jenks_splits(x: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """Optimal split positions (first index of classes 1 .. k-1) minimising the within-class sum of squares.

    Dynamic programming over the prefix sums, vectorised over candidate splits
    and blocks of end positions.
    """
    m = x.size
    cw = np.concatenate([[0.0], np.cumsum(w)])
    s1 = np.concatenate([[0.0], np.cumsum(w * x)])
    s2 = np.concatenate([[0.0], np.cumsum(w * x * x)])
    ends = np.arange(m + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        prev = s2 - s1**2 / cw  # one class over the first j values
    prev[0] = np.inf
    back = np.zeros((k + 1, m + 1), dtype=np.int64)
    for c in range(2, k + 1):
        cur = np.full(m + 1, np.inf)
        for start in range(c, m + 1, _JENKS_CHUNK):
            js = ends[start : min(start + _JENKS_CHUNK, m + 1)]
            cand = np.arange(c - 1, js[-1])  # the last class starts at index i (c-1 <= i < j)
            dw = cw[js, None] - cw[None, cand]
            d1 = s1[js, None] - s1[None, cand]
            d2 = s2[js, None] - s2[None, cand]
            with np.errstate(divide="ignore", invalid="ignore"):
                total = prev[None, cand] + (d2 - d1 * d1 / dw)
            total[cand[None, :] >= js[:, None]] = np.inf
            best = np.argmin(total, axis=1)
            cur[js] = total[np.arange(js.size), best]
            back[c, js] = cand[best]
        prev = cur
    splits = []
    end = m
    for c in range(k, 1, -1):
        end = int(back[c, end])
        splits.append(end)
    return np.asarray(splits[::-1], dtype=np.int64)


def class_counts(index: np.ndarray, classes: Classes) -> tuple[list[int], int]:
    """How many features fall in each class, and how many have no value (index -1), from ``class_index``."""
    idx = np.asarray(index, dtype=np.int64)
    counts = np.bincount(idx[idx >= 0], minlength=classes.k)[: classes.k]
    return [int(c) for c in counts], int(np.count_nonzero(idx < 0))
