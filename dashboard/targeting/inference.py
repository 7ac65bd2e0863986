"""Ecological inference on polling-station (bureau de vote) data.

Two uses share the same maths: *vote transfers* (R first-round categories, abstention
included, → C second-round outcomes, blank/null and abstention included) and *group
behaviour* (R demographic groups → C outcomes). Each unit (station) i has a total N_i
(e.g. registered voters), known row margins ``N_ir = X_ir · N_i`` and known column counts
``Y_ic`` (Σ_c Y_ic = N_i). The unknown is the global R × C matrix ``B`` (row r: how the
members of category r split over the outcomes; rows sum to 1) and, for :func:`rxc`, one
table per unit.

Two estimators, pure functions on arrays (no warehouse access):

* :func:`goodman` — Goodman's ecological regression ``Y_share ≈ X_share @ B`` weighted by
  N_i. Reports the unconstrained least-squares fit and the constrained fit (each row of B
  on the simplex, solved exactly by a batched primal-dual interior point method on the
  R × R normal equations, with a ``converged`` flag), 90 % percentile intervals from a
  Bayesian bootstrap of the stations (Exp(1) weights, vectorised over the replicates: no
  replicate has a zero total), R² (undefined when every station has the same result), the
  share of rows/cells out of [0, 1] before the constraint and the rank of the design.
* :func:`rxc` — R × C model with the bounds respected. The global matrix is the maximum
  (quasi-)likelihood estimate of the aggregate multinomial model
  ``Y_i ~ Multinomial(N_i, X_i B)`` with every row of B on the simplex (a concave problem,
  solved by a log-barrier Newton method, then checked/polished by EM/MM steps; every
  step is (n × R) @ (R × C) matrix products, no Python loop over units). Station
  heterogeneity (β_i random around B, as in the multinomial-Dirichlet model) leaves the
  mean structure unchanged, so the estimate stays consistent, and the 90 % intervals use
  the sandwich variance clustered on stations (honest under heterogeneity) with the
  usual small-sample correction (CR1 factor n / (n − q) and a Student quantile with
  n − q degrees of freedom, q = R (C − 1) free parameters), cut to [0, 1]: the s.e. is
  the curvature of the likelihood at the optimum in every free direction, bounds
  included, so a cell estimated at 0 gets the one-sided [0, z·se] (valid at the boundary;
  the logit-scale intervals used before gave [0, 1] to a cell at 2e-10). Identifiability
  is checked: rank of the N-weighted design XᵀWX and eigenvalues of the information
  matrix scaled to unit diagonal; a null direction makes the cells it moves
  « non identifiable ici » (s.e. infinite, interval [0, 1]) instead of the small s.e. a
  pseudo-inverse gives. Heterogeneity that is *correlated* with the composition (e.g. a
  group whose sub-groups mix differently from station to station: aggregation bias)
  biases every estimator of this family and is not in the intervals
  (``benchmarks/ei_accuracy.py`` measures it). Unit tables follow the method of bounds +
  IPF (Thomsen-style): ``n_irc = a_ir · B_rc · b_ic``, the table closest
  (Kullback–Leibler) to ``N_ir · B_rc`` with the station's two observed margins, hence
  nonnegative, inside the Duncan–Davis bounds and exact on both margins; the Sinkhorn
  scaling is vectorised as matrix products too.
  (An EM that re-estimates B from those IPF tables, the "iterated" variant, was tried and
  dropped: under station heterogeneity it is biased, MAE ≈ 0.025 vs 0.006 here.)

Every result carries a diagnostic dict (``converged``, ``warnings``…) and a French sentence
``diagnostic_fr`` meant to be shown to the user: convergence, identifiability, fit and the
cells whose 90 % interval is wider than :data:`WIDE_INTERVAL` (``EIResult.wide``), which the
page shows as « non identifiable ici ».

:func:`simulate` draws elections with known transfers and unit-level heterogeneity, for
the tests and the accuracy benchmark.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from dashboard.formats import fmt_percent

__all__ = [
    "MIN_UNITS",
    "WIDE_INTERVAL",
    "EIResult",
    "goodman",
    "group_behaviour",
    "rxc",
    "simulate",
]

Z90 = float(stats.norm.ppf(0.95))  # two-sided 90 % interval
# A cell whose 90 % interval is wider than this (in share of the row) is shown as « non identifiable
# ici » rather than as a number: the data do not pin it down (the benchmark counts coverage without them).
WIDE_INTERVAL = 0.5
# Fewest stations an inference is run on (``ei_data.run`` refuses fewer, or pools neighbours).
MIN_UNITS = 6
# Relative eigenvalue below which a direction of the (scaled) information matrix counts as null.
_RANK_TOL = 1e-9


@dataclass
class EIResult:
    """Outcome of an ecological inference.

    ``estimate``/``lower``/``upper`` are R × C DataFrames (rows: "from" categories or
    groups, columns: outcomes); each row of ``estimate`` sums to 1 and ``lower``/``upper``
    bound a 90 % interval per cell. ``unit_tables`` (rxc only) is the n × R × C array of
    estimated unit-level counts.
    """

    estimate: pd.DataFrame
    lower: pd.DataFrame
    upper: pd.DataFrame
    method: str
    diagnostic: dict = field(default_factory=dict)
    diagnostic_fr: str = ""
    unit_tables: np.ndarray | None = None
    seconds: float = 0.0
    level: float = 0.90

    @property
    def wide(self) -> pd.DataFrame:
        """Cells whose interval is wider than :data:`WIDE_INTERVAL`: « non identifiable ici »."""
        return (self.upper - self.lower) > WIDE_INTERVAL

    @property
    def converged(self) -> bool:
        return bool(self.diagnostic.get("converged", False))

    @property
    def warnings(self) -> list[str]:
        """French warnings (non-convergence, collinear design, wide cells, bounds): empty when all is well."""
        return list(self.diagnostic.get("warnings", []))


# --------------------------------------------------------------------------- inputs


@dataclass
class _Prepared:
    Nr: np.ndarray  # n × R row margins (counts)
    Yc: np.ndarray  # n × C column margins (counts), rows sum to N
    N: np.ndarray  # n totals
    rows_present: np.ndarray  # bool R
    cols_present: np.ndarray  # bool C
    row_labels: list
    col_labels: list


def _labels(given, k: int, prefix: str) -> list:
    if given is None:
        return [f"{prefix}{j}" for j in range(k)]
    given = list(given)
    if len(given) != k:
        raise ValueError(f"expected {k} labels, got {len(given)}")
    return given


def _prepare(X, Y, N, row_labels, col_labels) -> _Prepared:
    if isinstance(X, pd.DataFrame) and row_labels is None:
        row_labels = list(X.columns)
    if isinstance(Y, pd.DataFrame) and col_labels is None:
        col_labels = list(Y.columns)
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if Y.ndim != 2 or X.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError("X must be n × R and Y n × C with the same number of units")
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise ValueError("X and Y must be finite")
    if (X < 0).any() or (Y < 0).any():
        raise ValueError("X and Y must be nonnegative")
    ysum = Y.sum(axis=1)
    if N is None:
        N = ysum
    N = np.asarray(N, dtype=float).reshape(-1)
    if N.shape[0] != X.shape[0] or not np.isfinite(N).all() or (N < 0).any():
        raise ValueError("N must be a nonnegative vector of length n")
    xsum = X.sum(axis=1)
    ok = (N > 0) & (xsum > 0) & (ysum > 0)
    # X may be counts or proportions: only its row shares are used, scaled to N.
    with np.errstate(invalid="ignore", divide="ignore"):
        Nr = np.where(ok[:, None], X / xsum[:, None] * N[:, None], 0.0)
        Yc = np.where(ok[:, None], Y / ysum[:, None] * N[:, None], 0.0)
    N = np.where(ok, N, 0.0)
    return _Prepared(
        Nr=Nr,
        Yc=Yc,
        N=N,
        rows_present=Nr.sum(axis=0) > 0,
        cols_present=Yc.sum(axis=0) > 0,
        row_labels=_labels(row_labels, X.shape[1], "r"),
        col_labels=_labels(col_labels, Y.shape[1], "c"),
    )


def _frames(p: _Prepared, est, lo, hi):
    mk = lambda a: pd.DataFrame(a, index=p.row_labels, columns=p.col_labels)
    return mk(est), mk(lo), mk(hi)


def _embed(p: _Prepared, sub: np.ndarray, fill_absent_rows: np.ndarray) -> np.ndarray:
    """Put an (R' × C') matrix of present rows/cols back into R × C."""
    R, C = p.rows_present.size, p.cols_present.size
    out = np.zeros((R, C))
    out[np.ix_(p.rows_present, p.cols_present)] = sub
    out[~p.rows_present] = fill_absent_rows
    return out


def _overall_shares(p: _Prepared) -> np.ndarray:
    tot = p.Yc.sum(axis=0)
    s = tot.sum()
    C = p.cols_present.size
    return tot / s if s > 0 else np.full(C, 1.0 / C)


def _fr_num(x: float) -> str:
    return f"{x:.0e}".replace("e-0", "e-").replace("e+0", "e")


# --------------------------------------------------------------------------- simplex


def _project_simplex(V: np.ndarray) -> np.ndarray:
    """Euclidean projection of each last-axis vector onto the probability simplex."""
    k = V.shape[-1]
    U = -np.sort(-V, axis=-1)
    css = np.cumsum(U, axis=-1) - 1.0
    idx = np.arange(1, k + 1)
    cond = U - css / idx > 0
    rho = k - 1 - np.argmax(cond[..., ::-1], axis=-1)  # last index where cond holds
    theta = np.take_along_axis(css, rho[..., None], axis=-1) / (rho[..., None] + 1.0)
    return np.maximum(V - theta, 0.0)


def _simplex_ls(A: np.ndarray, G: np.ndarray, B0: np.ndarray, *, tol=1e-11, max_iter=200):
    """min ½ tr(BᵀAB) − tr(BᵀG) with each row of B on the simplex (batched on axis 0).

    A is (…, R, R) symmetric PSD, G and B0 are (…, R, C). Primal-dual interior point
    method on x = vec(B) ≥ 0 with the R row-sum equalities (Hessian ``A ⊗ I_C``), every
    replicate of the batch at once: one batched (R·C + R)-sized KKT solve per iteration,
    a common step per replicate (fraction to the boundary), centring σ = 0.1; it stops
    when the complementarity gap and the residuals are below tol (≈ 15–30 iterations,
    however ill-conditioned A is). Cells below 1e-10 at the end are set to 0. Returns
    (B, iterations, converged): ``converged`` (shape of the batch, a bool for one problem) is
    False for a replicate still above tol when ``max_iter`` stopped the loop.
    """
    G = np.asarray(G, dtype=float)
    lead = G.shape[:-2]
    R, C = G.shape[-2:]
    A = np.broadcast_to(np.asarray(A, dtype=float), lead + (R, R)).reshape(-1, R, R)
    G = G.reshape(-1, R, C)
    m, P = G.shape[0], R * C
    Q = np.einsum("mrs,cd->mrcsd", A, np.eye(C)).reshape(m, P, P)
    cvec = -G.reshape(m, P)
    E = np.kron(np.eye(R), np.ones((1, C)))  # R × P: row sums
    x = (0.9 * _project_simplex(np.broadcast_to(B0, lead + (R, C)).reshape(m, R, C)) + 0.1 / C).reshape(m, P)
    scale = max(float(np.abs(A).max()), float(np.abs(G).max()), 1e-300)
    z = np.full((m, P), scale)
    y = np.zeros((m, R))
    K = np.zeros((m, P + R, P + R))
    K[:, :P, P:] = -E.T
    K[:, P:, :P] = E
    diag = np.arange(P)
    it = 0

    def done() -> np.ndarray:
        rd = np.einsum("mpq,mq->mp", Q, x) + cvec - y @ E - z
        rp = x @ E.T - 1.0
        gap = (x * z).sum(axis=1) / P
        return (gap < tol * scale) & (np.abs(rd).max(axis=1) < tol * scale) & (np.abs(rp).max(axis=1) < tol)

    for it in range(1, max_iter + 1):
        rd = np.einsum("mpq,mq->mp", Q, x) + cvec - y @ E - z
        rp = x @ E.T - 1.0
        gap = (x * z).sum(axis=1) / P
        if gap.max() < tol * scale and np.abs(rd).max() < tol * scale and np.abs(rp).max() < tol:
            break
        rc = x * z - 0.1 * gap[:, None]
        K[:, :P, :P] = Q
        K[:, diag, diag] += z / x
        rhs = np.concatenate([-rd - rc / x, -rp], axis=1)
        sol = np.linalg.solve(K, rhs[..., None])[..., 0]
        dx, dy = sol[:, :P], sol[:, P:]
        dz = -(rc + z * dx) / x
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.concatenate([np.where(dx < 0, -x / dx, np.inf), np.where(dz < 0, -z / dz, np.inf)], axis=1)
        a = np.minimum(1.0, 0.995 * ratio.min(axis=1))[:, None]
        x = x + a * dx
        y = y + a * dy
        z = z + a * dz
    ok = done()
    B = x.reshape(m, R, C)
    B = np.where(B < 1e-10, 0.0, B)
    B /= B.sum(axis=-1, keepdims=True)
    converged = ok.reshape(lead) if lead else bool(ok[0])
    return B.reshape(lead + (R, C)), it, converged


# --------------------------------------------------------------------------- Goodman


def _null_rows(A: np.ndarray) -> tuple[np.ndarray, int, float]:
    """Rank analysis of a symmetric PSD matrix A (R × R, the weighted design XᵀWX).

    Scaled to unit diagonal first (so a small category is not mistaken for a collinear one).
    Returns (rows touched by a null direction, rank, condition number of the scaled matrix).
    """
    R = A.shape[0]
    d = np.sqrt(np.clip(np.diag(A), 0.0, None))
    dead = d <= 0
    ds = np.where(dead, 1.0, d)
    lam, U = np.linalg.eigh(A / ds[:, None] / ds[None, :])
    top = max(float(lam.max()), _TINY) if lam.size else 1.0
    null = lam <= _RANK_TOL * top
    rank = int(R - null.sum())
    cond = float(top / max(float(lam.min()), _TINY)) if lam.size else 1.0
    touched = dead | (np.abs(U[:, null]).max(axis=1) > 1e-6 if null.any() else np.zeros(R, dtype=bool))
    return touched, rank, cond


def goodman(
    X,
    Y,
    N=None,
    *,
    bootstrap: int = 200,
    seed: int | None = 0,
    row_labels: Sequence | None = None,
    col_labels: Sequence | None = None,
) -> EIResult:
    """Goodman's ecological regression, weighted by N, constrained to row-stochastic B.

    ``diagnostic`` holds ``unconstrained`` (the plain weighted least-squares B, rows sum
    to 1 but cells may leave [0, 1]), ``r2`` (weighted, all outcome columns pooled; NaN
    when every station has the same result: nothing to explain),
    ``rows_out_of_bounds``/``cells_out_of_bounds`` (shares before the constraint),
    ``converged`` (the constrained solve met its tolerance), ``bootstrap_converged`` (share of
    replicates that did), ``design_rank``/``design_condition`` (of the weighted design XᵀWX,
    scaled to unit diagonal) and ``warnings`` (French). Intervals: 90 % percentile intervals
    of the constrained estimate over ``bootstrap`` Bayesian-bootstrap replicates (station
    weights × Exp(1): never a zero sum, unlike Poisson weights on a handful of stations),
    vectorised; rows that a collinear design leaves unidentified get [0, 1].
    """
    t0 = time.perf_counter()
    p = _prepare(X, Y, N, row_labels, col_labels)
    rp, cp = p.rows_present, p.cols_present
    keep = p.N > 0
    Nk = p.N[keep]
    Xs = p.Nr[keep][:, rp] / Nk[:, None]
    Ys = p.Yc[keep][:, cp] / Nk[:, None]
    n, R = Xs.shape
    C = Ys.shape[1]
    fill = _overall_shares(p)

    if n == 0 or R == 0 or C == 0:
        return _empty_result(p, "goodman", t0)

    w = Nk / Nk.sum()
    A = (Xs * w[:, None]).T @ Xs
    G = (Xs * w[:, None]).T @ Ys
    B_unc = np.linalg.pinv(A) @ G
    B_con, iters, converged = _simplex_ls(A, G, B_unc)
    unidentified, rank, cond = _null_rows(A)

    resid = Ys - Xs @ B_con
    ybar = w @ Ys
    sst = float(np.sum(w[:, None] * (Ys - ybar) ** 2))
    sse = float(np.sum(w[:, None] * resid**2))
    # every station with the same result: nothing to explain, R² undefined (not 1)
    flat = sst <= 1e-12 * max(float(np.sum(w[:, None] * Ys**2)), _TINY)
    r2 = float("nan") if flat else 1.0 - sse / sst
    resid_u = Ys - Xs @ B_unc
    r2_u = float("nan") if flat else 1.0 - float(np.sum(w[:, None] * resid_u**2)) / sst
    out_cells = (B_unc < -1e-12) | (B_unc > 1 + 1e-12)
    out_cells[unidentified] = False  # pinv's arbitrary split of a collinear row says nothing
    rows_out = float(out_cells.any(axis=1).mean())
    cells_out = float(out_cells.mean())

    lo = hi = B_con
    boot_ok = float("nan")
    if bootstrap and bootstrap > 0:
        rng = np.random.default_rng(seed)
        Wb = rng.exponential(1.0, size=(bootstrap, n)) * w
        Wb /= Wb.sum(axis=1, keepdims=True)
        XX = (Xs[:, :, None] * Xs[:, None, :]).reshape(n, R * R)
        XY = (Xs[:, :, None] * Ys[:, None, :]).reshape(n, R * C)
        Ab = (Wb @ XX).reshape(bootstrap, R, R)
        Gb = (Wb @ XY).reshape(bootstrap, R, C)
        Bb, _, ok_b = _simplex_ls(Ab, Gb, B_con, tol=1e-9)
        boot_ok = float(np.mean(ok_b))
        lo, hi = np.quantile(Bb, [0.05, 0.95], axis=0)
        lo = np.minimum(lo, B_con)
        hi = np.maximum(hi, B_con)
    lo = np.where(unidentified[:, None], 0.0, lo)
    hi = np.where(unidentified[:, None], 1.0, hi)

    est = _embed(p, B_con, fill)
    lower = _embed(p, lo, 0.0)
    upper = _embed(p, hi, 1.0)
    unc = _embed(p, B_unc, fill)
    absent_rows = [p.row_labels[j] for j in np.flatnonzero(~rp)]
    present = [p.row_labels[j] for j in np.flatnonzero(rp)]
    f_est, f_lo, f_hi = _frames(p, est, lower, upper)
    n_wide = int(((f_hi - f_lo) > WIDE_INTERVAL).to_numpy()[rp].sum())

    warnings_fr: list[str] = []
    if not converged:
        warnings_fr.append(f"résolution sous contrainte non convergée après {iters} itérations : estimations provisoires")
    if bootstrap and boot_ok < 0.99:
        warnings_fr.append(f"{fmt_percent(1 - boot_ok, 0)} des rééchantillonnages non convergés")
    if rank < R:
        names = ", ".join(str(present[j]) for j in np.flatnonzero(unidentified))
        warnings_fr.append(
            f"compositions des bureaux colinéaires (rang {rank} pour {R} catégories) : "
            f"non identifiable ici pour {names}"
        )
    if rows_out > 0:
        warnings_fr.append(
            f"{fmt_percent(rows_out, 0)} des lignes hors bornes [0, 1] avant contrainte "
            "(estimation ramenée dans les bornes, à lire avec prudence)"
        )
    if n_wide:
        warnings_fr.append(f"{n_wide} case(s) à l'intervalle à 90 % plus large que {fmt_percent(WIDE_INTERVAL, 0)} : non identifiables ici")
    diag = {
        "unconstrained": pd.DataFrame(unc, index=p.row_labels, columns=p.col_labels),
        "r2": r2,
        "r2_unconstrained": r2_u,
        "rows_out_of_bounds": rows_out,
        "cells_out_of_bounds": cells_out,
        "converged": bool(converged),
        "projection_iterations": iters,
        "bootstrap": int(bootstrap or 0),
        "bootstrap_converged": boot_ok,
        "design_rank": rank,
        "design_condition": cond,
        "unidentified_rows": [present[j] for j in np.flatnonzero(unidentified)],
        "wide_cells": n_wide,
        "n_units": int(n),
        "absent_rows": absent_rows,
        "warnings": warnings_fr,
    }
    r2_fr = "R² non défini (tous les bureaux ont le même résultat)" if flat else f"R² = {r2:.2f}"
    msg = f"régression de Goodman sur {n} bureaux, {'convergée' if converged else 'non convergée'} : {r2_fr}"
    if warnings_fr:
        msg += " ; " + " ; ".join(warnings_fr)
    if absent_rows:
        msg += f" ; catégories absentes, non estimées : {', '.join(map(str, absent_rows))}"
    return EIResult(
        estimate=f_est,
        lower=f_lo,
        upper=f_hi,
        method="goodman",
        diagnostic=diag,
        diagnostic_fr=msg,
        seconds=time.perf_counter() - t0,
    )


def _empty_result(p: _Prepared, method: str, t0: float) -> EIResult:
    R, C = p.rows_present.size, p.cols_present.size
    fill = _overall_shares(p)
    est = np.tile(fill, (R, 1))
    f_est, f_lo, f_hi = _frames(p, est, np.zeros((R, C)), np.ones((R, C)))
    return EIResult(
        estimate=f_est,
        lower=f_lo,
        upper=f_hi,
        method=method,
        diagnostic={"converged": False, "n_units": 0, "warnings": ["aucune donnée exploitable"]},
        diagnostic_fr="non estimé : aucune donnée exploitable",
        unit_tables=np.zeros((p.N.size, R, C)) if method == "rxc" else None,
        seconds=time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------- R × C


_TINY = 1e-300


def _sinkhorn(Nr, Yc, B, a, b, *, tol, max_sweeps):
    """Scale n_irc = a_ir B_rc b_ic to row margins Nr and column margins Yc.

    Ends on a row update (rows exact); returns (a, b, sweeps, column error relative to N).
    """
    Bt = B.T
    scale = np.maximum(Nr.sum(axis=1), 1.0)[:, None]
    err = np.inf
    k = 0
    aB = a @ B
    for k in range(1, max_sweeps + 1):
        b = Yc / np.maximum(aB, _TINY)
        a = Nr / np.maximum(b @ Bt, _TINY)
        aB = a @ B
        err = float(np.max(np.abs(b * aB - Yc) / scale)) if Yc.size else 0.0
        if err < tol:
            break
    return a, b, k, err


def _mm_step(X, Yw, B):
    """One EM/MM step of the aggregate multinomial likelihood (stays on the simplex)."""
    mu = np.maximum(X @ B, _TINY)
    Bn = B * (X.T @ (Yw / mu))
    s = Bn.sum(axis=1, keepdims=True)
    return np.where(s > 0, Bn / np.where(s > 0, s, 1.0), B)


def _neg_loglik(X, Yw, B):
    """(−Σ_ic Yw_ic log μ_ic, μ = X B); +inf when a cell with data gets probability 0."""
    mu = X @ B
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(Yw > 0, Yw * np.log(mu), 0.0)
    val = -float(np.sum(terms))
    return (val if np.isfinite(val) else np.inf), mu


def _barrier_newton(X, Yw, B0, *, tau0=1e-2, tau_min=1e-13, shrink=0.1, max_steps=400):
    """max Σ_ic Yw_ic log (X B)_ic with rows of B on the simplex: log-barrier Newton.

    Minimises f(B) − τ Σ log B_rc for τ = tau0, tau0·shrink, … down to tau_min, each by
    damped Newton steps on the KKT system of the row-sum equalities (B stays strictly
    inside the simplex; fraction-to-boundary rule and Armijo backtracking). f is convex
    and its Hessian is block-diagonal by outcome column, ``A_c = Xᵀ diag(Yw_c / μ_c²) X``:
    one pass over the units per step, (R·C)-sized dense solves. Cells whose optimum is on
    the bound end at O(τ / slack). Returns B, Newton steps, success.
    """
    R, C = B0.shape
    P = R * C
    Aeq = np.kron(np.eye(R), np.ones((1, C)))
    eye_c = np.eye(C)
    B = B0.copy()
    tau = tau0
    steps = 0
    ok = True
    fB, mu = _neg_loglik(X, Yw, B)
    while True:
        phi = fB - tau * float(np.sum(np.log(B)))
        for _ in range(60):
            mu = np.maximum(mu, _TINY)
            g = -(X.T @ (Yw / mu)) - tau / B
            W = Yw / mu**2
            Hc = np.stack([X.T @ (X * W[:, [c]]) for c in range(C)])  # C × R × R
            H = np.einsum("crs,cd->rcsd", Hc, eye_c).reshape(P, P) + np.diag((tau / B**2).ravel())
            K = np.block([[H, Aeq.T], [Aeq, np.zeros((R, R))]])
            rhs = np.concatenate([-g.ravel(), np.zeros(R)])
            try:
                sol = np.linalg.solve(K, rhs)
            except np.linalg.LinAlgError:
                sol = np.linalg.lstsq(K, rhs, rcond=None)[0]
            D = sol[:P].reshape(R, C)
            dec = -float(np.sum(g * D))  # Newton decrement²
            steps += 1
            if not np.isfinite(dec) or dec <= 1e-15:
                break
            neg = D < 0
            a = min(1.0, 0.99 * float(np.min(-B[neg] / D[neg]))) if neg.any() else 1.0
            for _ in range(60):
                Bn = B + a * D
                fn, mun = _neg_loglik(X, Yw, Bn)
                phin = fn - tau * float(np.sum(np.log(np.maximum(Bn, _TINY))))
                if np.isfinite(phin) and phin <= phi - 0.25 * a * dec:
                    break
                a *= 0.5
            else:
                ok = False
                break
            B, fB, phi, mu = Bn, fn, phin, mun
            if dec < 1e-13 * max(1.0, tau * P):
                break
            if steps >= max_steps:
                ok = False
                break
        if tau <= tau_min or steps >= max_steps:
            break
        tau = max(tau * shrink, tau_min)
    return B, steps, ok


def _fit_multinomial(X, Yw, B0, *, tol, max_iter):
    """max Σ_ic Yw_ic log (X B)_ic with rows of B on the simplex.

    Log-barrier Newton (:func:`_barrier_newton`) from B0, then at most ``max_iter`` EM/MM
    polishing steps until the fixed-point change is below tol (an EM step moves cell rc
    by B_rc (g_rc / λ_r − 1), g the gradient and λ_r the row multiplier: its size is a
    KKT residual). Returns B, iterations, history of EM changes, barrier success.
    """
    B, iters, ok = _barrier_newton(X, Yw, B0)
    B = np.clip(B, 0.0, None)
    B /= B.sum(axis=1, keepdims=True)
    history = []
    for _ in range(max_iter):
        Bn = _mm_step(X, Yw, B)
        delta = float(np.abs(Bn - B).max())
        history.append(delta)
        B = Bn
        iters += 1
        if delta < tol:
            break
    return B, iters, history, ok


def rxc(
    X,
    Y,
    N=None,
    *,
    tol: float = 1e-7,
    max_iter: int = 100,
    seed: int | None = 0,
    draws: int | None = None,
    keep_unit_tables: bool = True,
    row_labels: Sequence | None = None,
    col_labels: Sequence | None = None,
) -> EIResult:
    """R × C ecological inference with bounds respected.

    Global matrix: maximum (quasi-)likelihood of the aggregate multinomial model
    ``Y_i ~ Multinomial(N_i, X_i B)`` with every row of B on the simplex (concave
    problem: unique optimum, bounds hold by construction). Under station heterogeneity
    (β_i random around B, as in the multinomial-Dirichlet model) the mean structure is
    unchanged, so the estimate stays consistent and the *sandwich* variance (clustered on
    stations, CR1 small-sample factor n / (n − q), Student quantile with n − q degrees of
    freedom, q = R (C − 1)) gives honest 90 % intervals, cut to [0, 1] (the whole [0, 1]
    when there are no more stations than free parameters, or for a cell the design does not
    identify: see :func:`_sandwich`). The optimum is found by a log-barrier Newton method (convex problem,
    a few dozen passes over the units), then EM/MM steps check the fixed point. Unit
    tables: method of bounds + IPF, ``n_irc = a_ir · B_rc · b_ic`` scaled to the
    station's two margins (nonnegative, both margins exact to ~1e-12).

    The result is deterministic; ``seed``/``draws`` are accepted for API symmetry with
    sampling methods and unused.

    ``diagnostic``: ``converged``, ``iterations`` (Newton + EM polishing steps),
    ``last_change`` (max |ΔB| of a last EM step: distance to the fixed point),
    ``margin_error`` (worst relative deviation of a unit table from its margins),
    ``std_error`` (R × C DataFrame, small-sample corrected), ``interval_quantile`` and
    ``interval_dof`` (the Student quantile used and its degrees of freedom),
    ``optimizer_success`` (the Newton method met its precision), ``design_rank``,
    ``design_condition``, ``hessian_condition``, ``unidentified_cells``, ``wide_cells``,
    ``warnings`` (French),
    ``design_effect`` (median over cells of uncorrected sandwich
    variance / multinomial variance: ≫ 1 means heterogeneity between stations, the
    intervals widen accordingly), ``deviance_ratio`` (Pearson χ² / dof of the
    aggregate fit, same reading).
    """
    del seed, draws
    t0 = time.perf_counter()
    p = _prepare(X, Y, N, row_labels, col_labels)
    rp, cp = p.rows_present, p.cols_present
    keep = p.N > 0
    Nk = p.N[keep]
    Nr = p.Nr[keep][:, rp]
    Yc = p.Yc[keep][:, cp]
    n, R = Nr.shape
    C = Yc.shape[1]
    if n == 0 or R == 0 or C == 0:
        return _empty_result(p, "rxc", t0)
    fill = _overall_shares(p)
    Xs = Nr / Nk[:, None]
    Ntot = float(Nk.sum())
    Yw = Yc / Ntot  # scaled counts: objective O(1)

    # start: Goodman's weighted LS projected on the simplex, pulled inside (the problem
    # is convex: the start only saves Newton steps)
    A = Xs.T @ (Xs * Nk[:, None]) / Ntot
    G = Xs.T @ Yc / Ntot
    shares = Yc.sum(axis=0) / Ntot
    B0 = 0.5 * _project_simplex(np.linalg.pinv(A) @ G) + 0.5 * shares
    B, iters, hist, newton_ok = _fit_multinomial(Xs, Yw, B0, tol=tol, max_iter=max_iter)
    converged = bool(hist and hist[-1] < tol)
    B[B < 1e-10] = 0.0
    B /= B.sum(axis=1, keepdims=True)

    # unit tables: IPF of N_ir B_rc to both margins
    a = np.ones((n, R))
    b = np.ones((n, C))
    a, b, _, margin_err = _sinkhorn(Nr, Yc, np.maximum(B, 1e-15), a, b, tol=1e-12, max_sweeps=20000)

    # ---- sandwich variance on free parameters theta = B[:, :C-1] (the last column is 1 − the others)
    mu = np.maximum(Xs @ B, 1e-15)
    resid = Yc / Nk[:, None] - mu
    dof = max(n * (C - 1) - R * (C - 1), 1)
    pearson = float(np.sum(Nk[:, None] * resid**2 / mu) / dof)
    ident = _identification(Xs, Nk)
    se, deff, unidentified, hess_cond = _sandwich(Xs, Yc, B, mu)
    unidentified |= ident["rows"][:, None]

    # small-sample correction of the clustered sandwich (CR1: × n / (n − q), q free
    # parameters) and Student quantile with n − q degrees of freedom; with n ≤ q stations
    # the variance is not estimable and the intervals are the whole [0, 1]
    q = R * (C - 1)
    dof_cr = n - q
    if q == 0:
        z = Z90
    elif dof_cr > 0:
        se = se * np.sqrt(n / dof_cr)
        z = float(stats.t.ppf(0.95, dof_cr))
    else:
        se = np.full_like(se, np.inf)
        z = Z90
    se = np.where(unidentified, np.inf, se)
    lo, hi = _bounded_interval(B, se, z)
    unit = None
    if keep_unit_tables:
        unit = np.zeros((p.N.size, rp.size, cp.size))
        sub = a[:, :, None] * B[None] * b[:, None, :]
        unit[np.ix_(keep, rp, cp)] = sub

    est = _embed(p, B, fill)
    lower = _embed(p, lo, 0.0)
    upper = _embed(p, hi, 1.0)
    se_full = _embed(p, se, np.nan)
    absent_rows = [p.row_labels[j] for j in np.flatnonzero(~rp)]
    present = [p.row_labels[j] for j in np.flatnonzero(rp)]
    rate = hist[-1] / hist[-2] if len(hist) >= 2 and hist[-2] > 0 else float("nan")
    f_est, f_lo, f_hi = _frames(p, est, lower, upper)
    n_wide = int(((f_hi - f_lo) > WIDE_INTERVAL).to_numpy()[rp][:, cp].sum())
    change = _fr_num(hist[-1] if hist else 0.0)

    warnings_fr: list[str] = []
    if not converged:
        warnings_fr.append(
            f"non convergé : arrêt après {iters} itérations, écart max {change} (seuil {_fr_num(tol)}) ; "
            "estimations provisoires"
        )
    if not newton_ok:
        warnings_fr.append("l'optimiseur (Newton) s'est arrêté avant sa précision : résultat repris par l'algorithme EM")
    if q and dof_cr <= 0:
        warnings_fr.append(
            f"{n} bureaux pour {q} paramètres libres : variance non estimable, toutes les cases sont non identifiables ici"
        )
    elif ident["rank"] < R:
        names = ", ".join(str(present[j]) for j in np.flatnonzero(ident["rows"]))
        warnings_fr.append(
            f"compositions des bureaux colinéaires (rang {ident['rank']} pour {R} catégories) : "
            f"non identifiable ici pour {names}"
        )
    elif unidentified.any():
        warnings_fr.append(
            f"information singulière (conditionnement {_fr_num(hess_cond)}) : "
            f"{int(unidentified.sum())} case(s) non identifiable(s) ici"
        )
    if n_wide and not (q and dof_cr <= 0):
        warnings_fr.append(f"{n_wide} case(s) à l'intervalle à 90 % plus large que {fmt_percent(WIDE_INTERVAL, 0)} : non identifiables ici")
    if margin_err > 1e-6:
        warnings_fr.append(f"marges des bureaux respectées à {_fr_num(margin_err)} près seulement")
    diag = {
        "converged": converged,
        "iterations": iters,
        "last_change": hist[-1] if hist else 0.0,
        "rate": rate,
        "history": np.asarray(hist),
        "optimizer_success": newton_ok,
        "deviance_ratio": pearson,
        "margin_error": margin_err,
        "std_error": pd.DataFrame(se_full, index=p.row_labels, columns=p.col_labels),
        "design_effect": deff,
        "interval_quantile": z,
        "interval_dof": int(dof_cr) if q else None,
        "design_rank": ident["rank"],
        "design_condition": ident["condition"],
        "hessian_condition": hess_cond,
        "unidentified_cells": int(unidentified.sum()),
        "wide_cells": n_wide,
        "n_units": int(n),
        "absent_rows": absent_rows,
        "warnings": warnings_fr,
    }
    if converged:
        msg = f"convergé en {iters} itérations (écart max {change})"
        rest = warnings_fr
    else:
        msg, rest = warnings_fr[0], warnings_fr[1:]
    if rest:
        msg += " ; " + " ; ".join(rest)
    if absent_rows:
        msg += f" ; catégories absentes, non estimées : {', '.join(map(str, absent_rows))}"
    return EIResult(
        estimate=f_est,
        lower=f_lo,
        upper=f_hi,
        method="rxc",
        diagnostic=diag,
        diagnostic_fr=msg,
        unit_tables=unit,
        seconds=time.perf_counter() - t0,
    )


def _identification(Xs: np.ndarray, N: np.ndarray) -> dict:
    """Rank and condition of the N-weighted design XᵀWX (rows of a collinear design are not identified)."""
    A = Xs.T @ (Xs * N[:, None]) / max(float(N.sum()), _TINY)
    rows, rank, cond = _null_rows(A)
    return {"rows": rows, "rank": rank, "condition": cond}


def _sandwich(Xs, Yc, B, mu):
    """Clustered sandwich standard errors of every cell, without the small-sample factor.

    Free parameters θ_rc = B_rc (c < C − 1). Bread: the observed information of the
    aggregate multinomial likelihood, ``Σ_i x_ir x_is Y_ic / μ_ic²`` per outcome column,
    mapped to θ. Meat: the per-station scores, centred (at a bound the summed score is not
    zero). The bread is scaled to unit diagonal and eigen-decomposed: directions whose
    eigenvalue is below ``_RANK_TOL`` × the largest are null (the data say nothing along
    them); the cells they move get an infinite s.e. instead of the small, confident one a
    pseudo-inverse would give. Returns (se R × C, design effect, unidentified R × C, condition).
    """
    n, R = Xs.shape
    C = Yc.shape[1]
    unidentified = np.zeros((R, C), dtype=bool)
    if C == 1:
        return np.zeros((R, C)), float("nan"), unidentified, 1.0
    P = R * (C - 1)
    M = np.zeros((R * C, P))
    for r in range(R):
        for c in range(C - 1):
            M[r * C + c, r * (C - 1) + c] = 1.0
            M[r * C + C - 1, r * (C - 1) + c] = -1.0
    ratio_y = Yc / mu
    S = (Xs[:, :, None] * ratio_y[:, None, :]).reshape(n, R * C) @ M
    S = S - S.mean(axis=0)
    meat = S.T @ S
    HB = np.zeros((R * C, R * C))
    w2 = Yc / mu**2
    for c in range(C):
        idx = np.arange(R) * C + c
        HB[np.ix_(idx, idx)] = Xs.T @ (Xs * w2[:, [c]])
    H = M.T @ HB @ M
    d = np.sqrt(np.clip(np.diag(H), 0.0, None))
    ds = np.where(d > 0, d, 1.0)
    lam, U = np.linalg.eigh(H / ds[:, None] / ds[None, :])
    top = max(float(lam.max()), _TINY)
    null = (lam <= _RANK_TOL * top) | (d.max() <= 0)
    cond = float(top / max(float(lam.min()), _TINY))
    keep = ~null
    Hinv = (U[:, keep] / lam[keep]) @ U[:, keep].T / ds[:, None] / ds[None, :]
    if null.any():
        moved = np.abs(M @ (U[:, null] / ds[:, None])).max(axis=1)
        unidentified = (moved > 1e-6 * max(float(moved.max()), _TINY)).reshape(R, C)
    unidentified |= (d <= 0).reshape(R, C - 1).any(axis=1)[:, None]
    Vfull = M @ (Hinv @ meat @ Hinv.T) @ M.T
    se = np.sqrt(np.clip(np.diag(Vfull), 0, None)).reshape(R, C)
    vm = np.diag(M @ Hinv @ M.T).reshape(R, C)  # model-based (multinomial) variance
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = se**2 / vm
    ratio = ratio[np.isfinite(ratio) & (vm > 0) & ~unidentified]
    deff = float(np.median(ratio)) if ratio.size else float("nan")
    return se, deff, unidentified, cond


def _bounded_interval(B, se, z=Z90):
    """``B ± z·se`` cut to [0, 1]: the boundary-aware Wald interval.

    The s.e. is that of the estimator *without* the bounds (the bread of the sandwich is the
    curvature at the optimum in every free direction, active bounds included), so a cell
    estimated at 0 gets the one-sided [0, z·se], honest when the truth is 0 or small; a
    cell just inside the bound gets the same (no logit blow-up to [0, 1]); an unidentified
    cell (infinite s.e.) gets [0, 1].
    """
    with np.errstate(invalid="ignore"):
        lo = np.clip(B - z * se, 0.0, 1.0)
        hi = np.clip(B + z * se, 0.0, 1.0)
    lo = np.where(np.isnan(lo), 0.0, lo)
    hi = np.where(np.isnan(hi), 1.0, hi)
    return np.minimum(lo, B), np.maximum(hi, B)


# --------------------------------------------------------------------------- groups


def group_behaviour(
    group_shares,
    outcome_counts,
    N=None,
    *,
    method: str = "rxc",
    group_labels: Sequence | None = None,
    outcome_labels: Sequence | None = None,
    **kwargs,
) -> EIResult:
    """Share of each outcome (candidate/bloc, abstention…) within demographic groups.

    ``group_shares`` (n × G) are the groups' shares (or counts) of the population of each
    station (e.g. interpolated census indicators), ``outcome_counts`` (n × C) the results
    expressed on the same base N (registered voters: candidates + blank/null +
    abstention). Row g of the estimate is the behaviour of group g; turnout is
    1 − the abstention column.
    """
    fn = {"rxc": rxc, "goodman": goodman}[method]
    return fn(group_shares, outcome_counts, N, row_labels=group_labels, col_labels=outcome_labels, **kwargs)


# --------------------------------------------------------------------------- simulation


def simulate(
    n_units: int = 1000,
    R: int = 6,
    C: int = 4,
    *,
    seed: int = 0,
    dispersion: float = 50.0,
    x_concentration: float = 8.0,
    n_range: tuple[int, int] = (500, 1500),
    true_B: np.ndarray | None = None,
):
    """Simulate stations with known transfers.

    Station sizes N_i ~ U(n_range); row shares X_i ~ Dirichlet(x_concentration · m) around
    random mean shares m; the global matrix has rows B_r ~ Dirichlet(1) (unless given);
    unit behaviour β_ir ~ Dirichlet(dispersion · B_r) (smaller dispersion = more
    heterogeneity between stations); unit tables n_ir ~ Multinomial(N_ir, β_ir).

    Returns ``(X, Y, N, true_B, unit_tables)``: X n × R shares, Y n × C counts, N totals,
    ``true_B`` the *realised* global matrix Σ_i n_irc / Σ_i N_ir (the estimand; the
    hyper-parameter differs from it by sampling noise), unit_tables n × R × C counts.
    """
    rng = np.random.default_rng(seed)
    N = rng.integers(n_range[0], n_range[1] + 1, size=n_units)
    m = rng.dirichlet(np.full(R, 2.0))
    m = 0.5 * m + 0.5 / R  # avoid near-empty categories
    X = rng.dirichlet(x_concentration * R * m, size=n_units) if R > 1 else np.ones((n_units, 1))
    # integer row margins summing to N
    Nr = np.floor(X * N[:, None]).astype(np.int64)
    short = N - Nr.sum(axis=1)
    frac = X * N[:, None] - Nr
    order = np.argsort(-frac, axis=1)
    ranks = np.argsort(order, axis=1)
    Nr += (ranks < short[:, None]).astype(np.int64)
    if true_B is None:
        hyper = rng.dirichlet(np.ones(C), size=R)
    else:
        hyper = np.asarray(true_B, dtype=float)
    # β_ir ~ Dirichlet(dispersion · hyper_r) via normalised gammas (vectorised)
    alpha = np.maximum(dispersion * hyper, 1e-6)
    g = rng.gamma(np.broadcast_to(alpha, (n_units, R, C)))
    beta = g / np.maximum(g.sum(axis=2, keepdims=True), _TINY)
    beta[~np.isfinite(beta)] = 1.0 / C
    # multinomial draws vectorised by sequential binomials
    tables = np.zeros((n_units, R, C), dtype=np.int64)
    remaining = Nr.copy()
    left_p = np.ones((n_units, R))
    for c in range(C - 1):
        pc = np.clip(beta[:, :, c] / np.maximum(left_p, _TINY), 0.0, 1.0)
        draw = rng.binomial(remaining, pc)
        tables[:, :, c] = draw
        remaining -= draw
        left_p -= beta[:, :, c]
    tables[:, :, C - 1] = remaining
    Y = tables.sum(axis=1)
    Xs = Nr / N[:, None]
    realised = tables.sum(axis=0) / np.maximum(Nr.sum(axis=0)[:, None], 1)
    return Xs, Y.astype(float), N.astype(float), realised, tables
