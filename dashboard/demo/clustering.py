"""Balanced spatial partition of items into groups, vectorised across many parents.

Used for bureaux de vote (atoms of a commune, balanced on electors), IRIS (atoms
of a commune, balanced on population), grands quartiers, circonscriptions (BV of
a département, balanced on electors) and the 2024 split of a bureau.
"""

from __future__ import annotations

import numpy as np


def balanced_partition(parent: np.ndarray, k: np.ndarray, x: np.ndarray, y: np.ndarray,
                       w: np.ndarray, rng: np.random.Generator, *, jitter_deg: float = 25.0,
                       size_noise: float = 0.0) -> np.ndarray:
    """Split the items of each parent into ``k[parent]`` compact groups of similar weight.

    Recursive bisection, all parents at once: at each round every node with
    ``k > 1`` is cut across its principal axis (plus a random jitter), at the
    weighted quantile that gives each side a share of the weight proportional
    to its share of ``k`` (times ``1 ± size_noise``). About log2(max k) rounds,
    each one lexsort over the items.

    Returns, for each item, its group number within its parent (0..k-1). Every
    group gets at least one item; ``k[p]`` must not exceed the item count of ``p``.
    """
    parent = np.asarray(parent, dtype=np.int64)
    k = np.asarray(k, dtype=np.int64)
    n = len(parent)
    if n and (np.bincount(parent, minlength=len(k)) < k).any():
        raise ValueError("a parent has fewer items than groups")
    w = np.asarray(w, dtype=float)
    w = np.where(w > 0, w, 1e-9)
    labels = np.zeros(n, dtype=np.int64)
    items = np.arange(n)
    node = parent.copy()
    node_k = k.copy()
    node_off = np.zeros(len(k), dtype=np.int64)
    jitter = np.deg2rad(jitter_deg)
    while len(items):
        kk_item = node_k[node]
        done = kk_item <= 1
        labels[items[done]] = node_off[node[done]]
        items, node = items[~done], node[~done]
        if not len(items):
            break
        uniq, inv = np.unique(node, return_inverse=True)
        m = len(uniq)
        kk = node_k[uniq]
        off = node_off[uniq]
        xi, yi, wi = x[items], y[items], w[items]
        sw = np.bincount(inv, wi, m)
        mx = np.bincount(inv, wi * xi, m) / sw
        my = np.bincount(inv, wi * yi, m) / sw
        dx, dy = xi - mx[inv], yi - my[inv]
        sxx = np.bincount(inv, wi * dx * dx, m)
        syy = np.bincount(inv, wi * dy * dy, m)
        sxy = np.bincount(inv, wi * dx * dy, m)
        theta = 0.5 * np.arctan2(2 * sxy, sxx - syy) + rng.uniform(-jitter, jitter, m)
        proj = dx * np.cos(theta[inv]) + dy * np.sin(theta[inv])
        order = np.lexsort((proj, inv))
        inv_s, w_s = inv[order], wi[order]
        counts = np.bincount(inv, minlength=m)
        starts = np.cumsum(counts) - counts
        cum = np.cumsum(w_s)
        base = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
        mid = cum - w_s / 2 - base[inv_s]
        kl = kk // 2 + ((kk % 2 == 1) & (rng.random(m) < 0.5))
        ratio = kl / kk * (1.0 + size_noise * rng.uniform(-1.0, 1.0, m))
        ratio = np.clip(ratio, 0.05, 0.95)
        nleft = np.bincount(inv_s, (mid < (ratio * sw)[inv_s]).astype(float), m).astype(np.int64)
        nleft = np.clip(nleft, kl, counts - (kk - kl))
        rank = np.arange(len(order)) - starts[inv_s]
        right_s = rank >= nleft[inv_s]
        right = np.empty(len(items), dtype=bool)
        right[order] = right_s
        node = 2 * inv + right
        node_k = np.empty(2 * m, dtype=np.int64)
        node_k[0::2], node_k[1::2] = kl, kk - kl
        node_off = np.empty(2 * m, dtype=np.int64)
        node_off[0::2], node_off[1::2] = off, off + kl
    return labels


def rank_within(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """0-based rank of each item inside its group, by increasing ``key`` (stable)."""
    group = np.asarray(group)
    order = np.lexsort((key, group))
    counts = np.bincount(group[order]) if len(group) else np.zeros(0, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - starts[group[order]]
    return rank
