"""Issue 16, honest inference: intervals valid at the boundary, identifiability said, small
territories refused or pooled, Goodman's bootstrap and R² on degenerate data, convergence flags
reaching the French diagnostic."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.targeting import ei_data, inference
from dashboard.targeting.inference import MIN_UNITS, WIDE_INTERVAL, _simplex_ls, goodman, rxc, simulate
from dashboard.maps.territory import Scope

BOUNDARY_B = np.array([[0.7, 0.3, 0.0], [0.0, 0.2, 0.8], [0.5, 0.5, 0.0]])


def _covered(res, B) -> np.ndarray:
    return (res.lower.to_numpy() <= B + 1e-12) & (B <= res.upper.to_numpy() + 1e-12)


# -- intervals at the boundary -----------------------------------------------------------------
def test_cells_at_the_boundary_get_a_narrow_one_sided_interval():
    X, Y, N, B, _ = simulate(150, 3, 3, seed=3, true_B=BOUNDARY_B, dispersion=50)
    res = rxc(X, Y, N)
    lo, hi = res.lower.to_numpy(), res.upper.to_numpy()
    width = hi - lo
    assert (width < 0.2).all(), width  # 150 stations pin every cell down: never [0, 1]
    assert not res.wide.to_numpy().any()
    zero = BOUNDARY_B == 0
    assert (lo[zero] == 0).all() or _covered(res, B)[zero].mean() >= 2 / 3
    assert res.converged and not res.warnings


def test_a_cell_just_above_zero_is_not_blown_up_to_the_whole_range():
    """The logit-scale interval gave [0, 1] to a cell at 2.3e-10; cut Wald gives [0, z·se]."""
    B = np.array([0.0, 2.3e-10, 1e-3, 0.5, 1.0])
    se = np.full(5, 0.01)
    lo, hi = inference._bounded_interval(B, se, 1.645)
    assert (hi - lo < 0.04).all()
    assert lo[0] == 0 and hi[0] == pytest.approx(0.01645)
    assert hi[-1] == 1.0
    lo, hi = inference._bounded_interval(B, np.full(5, np.inf), 1.645)
    np.testing.assert_allclose(lo, 0.0)
    np.testing.assert_allclose(hi, 1.0)


def test_coverage_at_the_boundary():
    """Pooled over 40 seeds × 9 cells (a third of them exactly 0): near the nominal 90 %.

    Measured 0.91 over 60 seeds (per cell 0.87–0.97); the bound leaves room for the seed noise
    of 360 cells (s.d. ≈ 0.016).
    """
    hits = []
    for seed in range(40):
        X, Y, N, B, _ = simulate(150, 3, 3, seed=seed, true_B=BOUNDARY_B, dispersion=50)
        hits.append(_covered(rxc(X, Y, N), B))
    cov = float(np.mean(hits))
    assert 0.84 <= cov <= 0.98, cov


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), R=st.integers(2, 4), C=st.integers(2, 4), n=st.integers(6, 120),
       zero=st.booleans())
def test_intervals_are_ordered_and_bounded(seed, R, C, n, zero):
    B = np.random.default_rng(seed).dirichlet(np.ones(C), size=R)
    if zero:
        B[0, 0] = 0.0
        B[0] /= B[0].sum()
    X, Y, N, _, _ = simulate(n, R, C, seed=seed, true_B=B, dispersion=30)
    for res in (rxc(X, Y, N), goodman(X, Y, N, bootstrap=30, seed=seed)):
        est, lo, hi = res.estimate.to_numpy(), res.lower.to_numpy(), res.upper.to_numpy()
        assert np.isfinite(est).all() and np.isfinite(lo).all() and np.isfinite(hi).all()
        assert (0 <= lo).all() and (lo <= est + 1e-12).all() and (est <= hi + 1e-12).all() and (hi <= 1).all()
        np.testing.assert_allclose(est.sum(axis=1), 1.0, atol=1e-9)
        wide = res.wide.to_numpy()
        np.testing.assert_array_equal(wide, hi - lo > WIDE_INTERVAL)
        if wide.any():
            assert "non identifiable" in res.diagnostic_fr


# -- identifiability ---------------------------------------------------------------------------
def _collinear():
    X, Y, N, _, _ = simulate(200, 3, 3, seed=1)
    return np.column_stack([0.5 * X[:, 0], 0.5 * X[:, 0], X[:, 1], X[:, 2]]), Y, N


@pytest.mark.parametrize("fn", [rxc, goodman])
def test_collinear_groups_are_not_identifiable(fn):
    """Two groups in the same proportion everywhere: their split is not identified, said so, and
    shown as [0, 1], not with pinv's confident s.e. (≈ 0.015 before)."""
    X, Y, N = _collinear()
    res = fn(X, Y, N)
    assert res.diagnostic["design_rank"] == 3
    wide = res.wide.to_numpy()
    assert wide[:2].all() and not wide[2:].any()
    assert "colinéaires" in res.diagnostic_fr and "non identifiable ici pour r0, r1" in res.diagnostic_fr
    assert res.warnings


def test_rxc_null_direction_of_the_information_matrix():
    """A station-level collinearity the design rank test passes but the likelihood cannot split:
    every station with the same composition (rank 1 design for 2 groups)."""
    rng = np.random.default_rng(0)
    X = np.tile([0.3, 0.7], (50, 1))
    Y = rng.multinomial(1000, [0.4, 0.6], size=50).astype(float)
    res = rxc(X, Y, np.full(50, 1000.0))
    assert res.wide.to_numpy().all()
    assert not res.converged or res.warnings


def test_more_free_parameters_than_stations_is_said():
    X, Y, N, _, _ = simulate(8, 4, 4, seed=2)  # 12 free parameters, 8 stations
    res = rxc(X, Y, N)
    assert res.wide.to_numpy().all()
    assert "variance non estimable" in res.diagnostic_fr


# -- small territories ---------------------------------------------------------------------------
def _data(n: int) -> ei_data.EIData:
    X, Y, N, _, _ = simulate(n, 2, 3, seed=n)
    return ei_data.EIData(X=X * N[:, None], Y=Y, N=N, row_labels=["a", "b"], col_labels=["x", "y", "z"],
                          station_ids=[f"s{i}" for i in range(n)], title="test")


@pytest.mark.parametrize("n", [1, 2, 5])
def test_run_refuses_five_stations_or_fewer(n):
    with pytest.raises(ei_data.EIError, match=f"au moins {MIN_UNITS}") as err:
        ei_data.run(_data(n))
    assert "communes voisines" in err.value.message_fr


def test_run_accepts_six_stations():
    res = ei_data.run(_data(6), "goodman")
    assert res.estimate.shape == (2, 3)


class _StubWarehouse:
    """Answers the two queries of ``pooled_scope``: communes with their stations and centroids."""

    def __init__(self) -> None:
        self.table = pd.DataFrame({
            "commune_code": ["A", "B", "C", "D"], "stations": [2, 3, 1, 10],
            "lon": [2.00, 2.01, 2.50, 2.02], "lat": [48.0, 48.0, 48.0, 48.0], "name": ["Ai", "Bé", "Cé", "Dé"],
        })

    def query(self, sql: str, params: list) -> pd.DataFrame:  # noqa: ARG002
        if "count(*) AS stations" in sql:
            return self.table
        wanted = set(params[1])
        return pd.DataFrame({"station_id": [f"{c}_{i}" for c in sorted(wanted) for i in range(2)]})


def test_pooling_adds_the_nearest_communes_until_six_stations():
    scope, notes = ei_data.pooled_scope(_StubWarehouse(), Scope(("A",)), "e")
    assert scope.communes == ("A", "B", "D")  # B (3) then D (10): 2 + 3 < 6, so D too; C is far
    assert len(notes) == 1 and "Bé (B)" in notes[0] and "15 bureaux au total" in notes[0]
    same, none = ei_data.pooled_scope(_StubWarehouse(), Scope(("D",)), "e")
    assert same == Scope(("D",)) and none == []
    circ, _ = ei_data.pooled_scope(_StubWarehouse(), Scope(("A",), ("A_1",)), "e")
    assert circ.stations is not None and "A_1" in circ.stations and "B_0" in circ.stations


# -- Goodman on degenerate data ------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 3, 4])
def test_goodman_bootstrap_on_a_handful_of_stations_never_divides_by_zero(n):
    X, Y, N, _, _ = simulate(n, 2, 2, seed=n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = goodman(X, Y, N, bootstrap=500, seed=0)
    assert np.isfinite(res.lower.to_numpy()).all() and np.isfinite(res.upper.to_numpy()).all()


def test_r2_is_undefined_when_every_station_has_the_same_result():
    X = np.random.default_rng(0).dirichlet([1, 1], size=10)
    res = goodman(X, np.tile([50.0, 50.0], (10, 1)), np.full(10, 100.0))
    assert np.isnan(res.diagnostic["r2"])
    assert "R² non défini" in res.diagnostic_fr and "1.00" not in res.diagnostic_fr


# -- convergence flags -----------------------------------------------------------------------------
def test_simplex_ls_reports_hitting_max_iter():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(30, 3))
    A, G = M.T @ M / 30, rng.normal(size=(3, 4))
    _, it, ok = _simplex_ls(A, G, np.full((3, 4), 0.25), max_iter=2)
    assert it == 2 and ok is False
    _, _, ok = _simplex_ls(A, G, np.full((3, 4), 0.25))
    assert ok is True


def test_goodman_non_convergence_reaches_the_message(monkeypatch):
    real = inference._simplex_ls
    monkeypatch.setattr(inference, "_simplex_ls", lambda *a, **k: real(*a, **{**k, "max_iter": 1}))
    X, Y, N, _, _ = simulate(100, 3, 3, seed=0)
    res = inference.goodman(X, Y, N, bootstrap=20)
    assert res.diagnostic["converged"] is False and not res.converged
    assert "non convergée" in res.diagnostic_fr and res.warnings


def test_goodman_converged_flag_when_all_is_well():
    X, Y, N, _, _ = simulate(300, 3, 3, seed=0)
    res = goodman(X, Y, N)
    assert res.diagnostic["converged"] is True and res.diagnostic["bootstrap_converged"] == 1.0
    assert "convergée" in res.diagnostic_fr


def test_rxc_newton_failure_reaches_the_message(monkeypatch):
    real = inference._barrier_newton
    monkeypatch.setattr(inference, "_barrier_newton", lambda *a, **k: (*real(*a, **k)[:2], False))
    X, Y, N, _, _ = simulate(100, 3, 3, seed=0)
    res = inference.rxc(X, Y, N)
    assert res.diagnostic["optimizer_success"] is False
    assert "Newton" in res.diagnostic_fr and res.warnings
