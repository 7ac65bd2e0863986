"""Ecological inference benchmark: accuracy, 90 % interval coverage and time, ours against PyEI.

    python benchmarks/ei_accuracy.py [--replications N] [--wide N] [--seed N] [--skip-pyei]
        [--quick] [--variants demo,homogeneous] [--pyei-headline-only]
        [--pyei-tune N --pyei-draws N --pyei-chains N] [--min-stations N --max-stations N]
        [--national demo|synthetic] [--national-stations N]

Elections are simulated with *known* group behaviour and *known* transfers, on the demo
territory's structure and with the demo's own vote model (``dashboard.demo.elections``,
the parameters it writes to ``truth.json``), then estimated from station totals alone:

* structure: the national demo territory (``dashboard.demo.territory.build_territory``
  only: no files, no warehouse; ~12 s, ~1 GB): its 69,000 stations with their
  registered voters by group (5 age bands x 3 housing tenures). Each replication draws
  one commune with ``--min-stations``..``--max-stations`` stations (default 50–300: the
  commune-sized problems a campaign runs); every scenario and variant is estimated on
  its stations. ``--quick`` uses the demo city instead (one commune, 40 stations).
* votes: the demo's présidentielle 2022: group turnout, blank/null rates and candidate
  shares (``group_turnout``, ``group_rates``, ``group_shares``), the demo's station noise
  (turnout logit s.d. 0.10, log-share s.d. 0.10), multinomial draws per station and
  group (``simulate_first_round``); second round by the demo's transfer matrix
  ``PRES_TRANSFER`` (15 round-1 rows -> abstention, blank, null, MACRON, LE PEN),
  multinomially per station (``simulate_transfer``).
* scenarios, categories aggregated as a campaign would:

  - ``turnout 2x2``: HLM renters vs. everyone else x (voted, abstained), round 1;
    PyEI ``TwoByTwoEI("king99_pareto_modification")``;
  - ``groups 3x5``: the 3 housing tenures x (abstention, blank+null, left, centre and
    right, far right), round 1; PyEI ``RowByColumnEI("multinomial-dirichlet")``;
  - ``transfer 5x4``: round 1 (abstention, blank+null, left, centre and right, far
    right) -> round 2 (abstention, blank+null, MACRON, LE PEN); PyEI
    ``RowByColumnEI("multinomial-dirichlet")``.

* variants: ``demo`` (the headline figures) is the demo's model as is. An aggregated
  category then mixes demo groups (ages within a tenure) or candidates (within a bloc)
  in proportions that vary between stations *with the composition*, so its behaviour is
  not constant: aggregation bias, the usual situation of a real campaign, which no
  estimator of this family can see. ``homogeneous`` is the model-consistent control, with
  no aggregation bias: each station gets the commune's age mix within each tenure
  (tenure counts kept; for the 2x2, drawn apart, "everyone else" gets the commune's mix
  of owners and private renters too) and the second round is drawn from the blocs with
  one bloc-level matrix (the demo's rows averaged with the commune's round-1 weights);
  behaviour then varies between stations only by the demo's noise, so the two sources
  of error are told apart. Both variants of a replication use the same commune and seed.

The truth is the *realised* matrix, Σ_i n_irc / Σ_i N_ir over the problem's stations,
counted in the simulation (what PyEI's district-level posterior targets too).

Estimators, on exactly the same arrays: ours (``inference.rxc``, through
``group_behaviour`` for groups, default settings, unit tables included), Goodman's
regression (``inference.goodman``, 200 bootstrap replicates) and PyEI (NUTS through
numpyro with PyEI's defaults: target_accept 0.99, 1,500 tuning steps, 1,000 draws; here
2 chains; ``--pyei-tune``/``--pyei-draws``/``--pyei-chains``; shorter chains do not mix
on the R x C models: with 500 + 500, r-hat reached 1.5). PyEI's estimate is the
posterior mean of the district-level matrix, its 90 % interval the 5th–95th posterior
percentiles; for the 2x2 the district-level samples are the station samples weighted by
the group's counts, not by the station totals as ``TwoByTwoEI.sampled_voting_prefs``
weights them.

Three parts are printed:

1. head-to-head, on ``--replications`` communes (default 3): ours, Goodman and PyEI on
   the same problems (PyEI on every variant unless ``--pyei-headline-only``: it takes
   minutes per commune, most of the run's time). Per variant and scenario: mean
   absolute error over the cells (averaged over replications), share of cells whose
   90 % interval holds the truth (pooled), the same share without the intervals wider
   than 0.5 (``narrow90``: what the page shows as numbers, the others being « non
   identifiable ici »), the median interval width over the cells, the share of
   intervals wider than 0.5, seconds per fit (PyEI's include model building and JAX
   compilation: what a user waits for) and the time ratio PyEI / ours on the same
   data. Overall figures average the scenarios' MAE, pool their cells for the
   coverages, widths and wide share, and sum the seconds, every method on the
   scenarios PyEI ran; PyEI's max r-hat over its hyper-parameters tells whether its
   chains mixed.
2. wide, ours and Goodman only, on ``--wide`` more problems (default 100: communes
   drawn with replacement, fresh seeds): coverage needs many cells to be read, which
   PyEI's cost forbids.
3. national timing of ours and Goodman on all 69,000 stations of the national demo
   structure at once (median of 3 runs; ``--national synthetic``, the default under
   ``--quick``: ``--national-stations`` stations resampled, 6,900 from the demo city
   under ``--quick``), with ours' peak memory traced by tracemalloc; PyEI is not run at
   that scale.

``--quick`` (under 2 minutes) runs PyEI on the turnout 2x2 of each variant only, with
one short chain: a smoke run, not a measurement; its overall figures, ours and
Goodman's included, are those of the 2x2, the problems PyEI ran.

The run ends with the issue's aims checked on its own figures (error at or below
PyEI's, ≥ 100x faster, coverage of the narrow intervals between 0.85 and 0.95 without
aggregation bias, median width no wider than PyEI's), each "met", "MISSED" or "not
measured".

Figures, not assertions. The last line printed is a JSON object with every figure: the
keys without prefix (``ours_mae``, ``pyei_mae``, ``ours_coverage``,
``ours_coverage_narrow``, ``ours_median_width``, ``ours_wide_share``, ``ours_s``,
``pyei_s``, ``goodman_median_width``, ``pyei_median_width``, ``speed_ratio``, …) are
the head-to-head's on the headline (``demo``) variant, on the problems PyEI ran;
``homogeneous_…`` the control's, ``wide_…`` part 2's, ``national_…`` part 3's and
``aims`` the checks above.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dashboard.targeting.inference import EIResult, goodman, group_behaviour, rxc
from dashboard.demo.elections import (
    PRES_T1,
    PRES_TRANSFER,
    group_rates,
    group_shares,
    group_turnout,
    simulate_first_round,
    simulate_transfer,
)
from dashboard.demo.population import TENURES, VOTER_AGE_BANDS
from dashboard.demo.territory import build_territory

PYEI_MISSING = 'pyei is not installed: pip install -e ".[bench]" (or pass --skip-pyei)'
DEMO_SEED = 2026
NATIONAL_BV = 69_000

# Round-1 blocs by the demo's candidate families.
BLOCS = {
    "gauche": ("extreme_gauche", "gauche", "gauche_radicale", "ecologiste", "union_gauche"),
    "centre et droite": ("centre", "droite", "souverainiste"),
    "extrême droite": ("extreme_droite", "identitaire"),
}
OUTCOMES_R1 = ["abstention", "blancs et nuls", *BLOCS]
OUTCOMES_R2 = ["abstention", "blancs et nuls", "MACRON", "LE PEN"]
# Variant -> homogeneous categories (see ``simulate_problems``); the first one is the headline.
VARIANTS = {"demo": False, "homogeneous": True}


# --------------------------------------------------------------------------- structure


@dataclass
class Structure:
    groups: np.ndarray      # (n, 15) registered voters by group, demo order (age band x tenure)
    commune: np.ndarray     # (n,) commune index
    label: str


def city_structure() -> Structure:
    st = build_territory("city", DEMO_SEED).stations["2022"]
    return Structure(st.groups.astype(np.int64), st.commune, f"demo city ({len(st)} stations, one commune)")


def national_structure() -> Structure:
    st = build_territory("national", DEMO_SEED).stations["2022"]
    return Structure(st.groups.astype(np.int64), st.commune,
                     f"national demo territory ({len(st):,} stations, {len(np.unique(st.commune)):,} communes)")


def synthetic_national(base: Structure, n: int, rng: np.random.Generator) -> Structure:
    """``n`` stations resampled with replacement from ``base`` (for a cheap timing)."""
    pick = rng.integers(0, len(base.groups), n)
    return Structure(base.groups[pick], np.zeros(n, dtype=np.int64),
                     f"synthetic: {n:,} stations resampled from the {base.label}")


def commune_pool(s: Structure, lo: int, hi: int) -> np.ndarray:
    counts = np.bincount(s.commune)
    return np.flatnonzero((counts >= lo) & (counts <= hi))


# --------------------------------------------------------------------------- simulation


@dataclass
class Problem:
    scenario: str
    X: np.ndarray           # (n, R) counts
    Y: np.ndarray           # (n, C) counts, rows sum to N
    N: np.ndarray           # (n,) registered
    truth: np.ndarray       # (R, C) realised matrix
    rows: list[str]
    cols: list[str]
    kind: str               # "groups" | "transfer"


def _collapse(a: np.ndarray, index: list[np.ndarray], axis: int) -> np.ndarray:
    return np.stack([np.take(a, idx, axis=axis).sum(axis=axis) for idx in index], axis=axis)


def _truth(counts: np.ndarray) -> np.ndarray:
    tot = counts.sum(axis=0).astype(float)
    return tot / np.maximum(tot.sum(axis=1, keepdims=True), 1.0)


def simulate_problems(groups: np.ndarray, rng: np.random.Generator, *, homogeneous: bool = False) -> list[Problem]:
    """One présidentielle 2022 (both rounds) with the demo's model, cut into the three scenarios.

    ``homogeneous``: the model-consistent variant. Within each housing tenure, every
    station gets the commune's age mix (the tenure counts are kept, ages redrawn), so a
    tenure behaves the same everywhere up to the demo's station noise; the 2x2 is drawn
    apart, its "everyone else" (owners and private renters) with the commune's mix too; the
    second round is drawn from the round-1 blocs with one bloc-level matrix (the demo's
    rows averaged with the commune's round-1 weights), as the demo draws it from the 15
    rows.
    """
    tenure = np.array([TENURES.index(g.split("_", 1)[1]) for g in _group_keys()])
    ten_idx = [np.flatnonzero(tenure == t) for t in range(len(TENURES))]
    def fixed_mix(g: np.ndarray, parts: list[np.ndarray]) -> np.ndarray:
        """Each part's counts kept per station, its inner mix set to the commune's (redrawn)."""
        g = g.copy()
        for idx in parts:
            mix = g[:, idx].sum(axis=0) / max(g[:, idx].sum(), 1)
            g[:, idx] = rng.multinomial(g[:, idx].sum(axis=1), mix)
        return g

    turnout = group_turnout(0.79)
    blank, null = group_rates(0.016, 0.007)
    shares_t1 = group_shares(PRES_T1)
    if homogeneous:
        # the 2x2's "everyone else" (owners and private renters) gets one mix too: drawn apart
        g2x2 = fixed_mix(groups, [ten_idx[2], np.concatenate(ten_idx[:2])])
        c1_2x2 = simulate_first_round(g2x2, turnout, blank, null, shares_t1, None, rng, 0.10, 0.10)
        groups = fixed_mix(groups, ten_idx)
    c1 = simulate_first_round(groups, turnout, blank, null, shares_t1, None, rng, 0.10, 0.10)
    if not homogeneous:
        c1_2x2 = c1
    first = c1.sum(axis=1)                                     # (n, 3 + 12): abst, blank, null, candidates
    fam = np.array([o.family for o in PRES_T1])
    r1_cols = [np.array([0]), np.array([1, 2])] + [3 + np.flatnonzero(np.isin(fam, f)) for f in BLOCS.values()]
    r2_cols = [np.array([0]), np.array([1, 2]), np.array([3]), np.array([4])]
    if homogeneous:
        w = first.sum(axis=0).astype(float)
        m5 = np.stack([(w[idx, None] * PRES_TRANSFER[idx]).sum(axis=0) / max(w[idx].sum(), 1.0) for idx in r1_cols])
        c2 = simulate_transfer(_collapse(first, r1_cols, axis=1), m5, rng)       # (n, 5, 5)
        c2 = np.concatenate([c2, np.zeros((len(first), 15 - len(r1_cols), 5), dtype=c2.dtype)], axis=1)
        r1_rows = [np.array([j]) for j in range(len(r1_cols))]
    else:
        c2 = simulate_transfer(first, PRES_TRANSFER, rng)      # (n, 15, 5): abst, blank, null, MACRON, LE PEN
        r1_rows = r1_cols
    N = groups.sum(axis=1)
    out = []

    # turnout 2x2: HLM renters vs. the others x (voted, abstained)
    g2 = [ten_idx[2], np.concatenate(ten_idx[:2])]
    t2 = _collapse(_collapse(c1_2x2, g2, axis=1), [np.arange(1, c1.shape[2]), np.array([0])], axis=2)
    out.append(Problem("turnout 2x2", t2.sum(axis=2), t2.sum(axis=1), N, _truth(t2),
                       ["locataires HLM", "autres"], ["votants", "abstention"], "groups"))
    # groups 3x5: tenures x round-1 outcomes
    t3 = _collapse(_collapse(c1, ten_idx, axis=1), r1_cols, axis=2)
    out.append(Problem("groups 3x5", t3.sum(axis=2), t3.sum(axis=1), N, _truth(t3),
                       ["propriétaires", "locataires privé", "locataires HLM"], OUTCOMES_R1, "groups"))
    # transfer 5x4: round-1 outcomes -> round-2 outcomes
    tt = _collapse(_collapse(c2, r1_rows, axis=1), r2_cols, axis=2)
    out.append(Problem("transfer 5x4", tt.sum(axis=2), tt.sum(axis=1), N, _truth(tt),
                       OUTCOMES_R1, OUTCOMES_R2, "transfer"))
    return out


def _group_keys() -> list[str]:
    return [f"{a}_{t}" for a in VOTER_AGE_BANDS for t in TENURES]


# --------------------------------------------------------------------------- estimators


@dataclass
class Fit:
    estimate: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)


def _from_result(res: EIResult, seconds: float) -> Fit:
    return Fit(res.estimate.to_numpy(), res.lower.to_numpy(), res.upper.to_numpy(), seconds)


def fit_ours(p: Problem) -> Fit:
    t0 = time.perf_counter()
    if p.kind == "groups":
        res = group_behaviour(p.X, p.Y, p.N, method="rxc", group_labels=p.rows, outcome_labels=p.cols)
    else:
        res = rxc(p.X, p.Y, p.N, row_labels=p.rows, col_labels=p.cols)
    fit = _from_result(res, time.perf_counter() - t0)
    fit.extra["converged"] = bool(res.diagnostic["converged"])
    return fit


def fit_goodman(p: Problem, seed: int) -> Fit:
    t0 = time.perf_counter()
    res = goodman(p.X, p.Y, p.N, bootstrap=200, seed=seed, row_labels=p.rows, col_labels=p.cols)
    return _from_result(res, time.perf_counter() - t0)


@contextlib.contextmanager
def _quiet():
    """PyEI and PyMC print and warn on every fit (sampler choice, r-hat advice): keep the table readable."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        levels = {name: logging.getLogger(name).level for name in ("pymc", "pytensor", "jax", "numpyro")}
        for name in levels:
            logging.getLogger(name).setLevel(logging.ERROR)
        try:
            yield
        finally:
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)


def _rhat(trace, names: list[str]) -> float:
    try:
        import arviz as az

        r = az.rhat(trace, var_names=names)
        return float(max(float(np.nanmax(r[v].values)) for v in names))
    except Exception:  # noqa: BLE001 - a diagnostic only (undefined with one chain)
        return float("nan")


def fit_pyei(p: Problem, *, tune: int, draws: int, chains: int, seed: int) -> Fit:
    """PyEI on the problem; its district-level posterior mean and 5th-95th percentiles."""
    N = p.N.astype(np.int64)
    Xs = p.X / N[:, None]
    Ys = p.Y / N[:, None]
    opts = dict(tune=tune, draws=draws, chains=chains, random_seed=seed, progressbar=False)
    t0 = time.perf_counter()
    with _quiet():
        if p.X.shape[1] == 2 and p.Y.shape[1] == 2:
            from pyei.two_by_two import TwoByTwoEI

            ei = TwoByTwoEI("king99_pareto_modification")
            ei.fit(Xs[:, 0], Ys[:, 0], N, **opts)
            post = ei.sim_trace["posterior"]
            b1 = post["b_1"].stack(all_draws=["chain", "draw"]).values.T   # samples x stations
            b2 = post["b_2"].stack(all_draws=["chain", "draw"]).values.T
            g1, g2 = p.X[:, 0], p.X[:, 1]
            s1 = (b1 * g1).sum(axis=1) / g1.sum()
            s2 = (b2 * g2).sum(axis=1) / g2.sum()
            samples = np.stack([np.stack([s1, 1 - s1], axis=1), np.stack([s2, 1 - s2], axis=1)], axis=1)
            rhat = _rhat(ei.sim_trace, ["phi_1", "phi_2", "kappa_1", "kappa_2"])
        else:
            from pyei.r_by_c import RowByColumnEI

            ei = RowByColumnEI("multinomial-dirichlet")
            ei.fit(Xs.T, Ys.T, N, **opts)
            samples = ei.sampled_voting_prefs                               # samples x R x C
            rhat = _rhat(ei.sim_trace, ["conc_params"])
    seconds = time.perf_counter() - t0
    lo, hi = np.quantile(samples, [0.05, 0.95], axis=0)
    return Fit(samples.mean(axis=0), lo, hi, seconds, {"rhat": rhat})


# --------------------------------------------------------------------------- scoring


WIDE = 0.5  # an interval wider than this is "non identifiable ici" on the page (inference.WIDE_INTERVAL)


@dataclass
class Tally:
    mae: list[float] = field(default_factory=list)
    covered: int = 0
    cells: int = 0
    covered_narrow: int = 0
    cells_narrow: int = 0
    widths: list[float] = field(default_factory=list)   # every cell's interval width, pooled
    width: list[float] = field(default_factory=list)    # mean width per problem
    seconds: list[float] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)

    def add(self, fit: Fit, truth: np.ndarray) -> None:
        self.mae.append(float(np.abs(fit.estimate - truth).mean()))
        hit = (fit.lower <= truth + 1e-12) & (truth <= fit.upper + 1e-12)
        w = fit.upper - fit.lower
        narrow = w <= WIDE
        self.covered += int(hit.sum())
        self.cells += truth.size
        self.covered_narrow += int((hit & narrow).sum())
        self.cells_narrow += int(narrow.sum())
        self.widths.extend(float(v) for v in w.ravel())
        self.width.append(float(w.mean()))
        self.seconds.append(fit.seconds)
        self.extra.append(fit.extra)

    @property
    def coverage(self) -> float | None:
        return self.covered / self.cells if self.cells else None

    @property
    def coverage_narrow(self) -> float | None:
        return self.covered_narrow / self.cells_narrow if self.cells_narrow else None

    @property
    def median_width(self) -> float | None:
        return float(np.median(self.widths)) if self.widths else None

    @property
    def wide_share(self) -> float | None:
        return 1.0 - self.cells_narrow / self.cells if self.cells else None


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _overall(tallies: dict[str, Tally]) -> dict[str, float | None]:
    """MAE averaged over scenarios; coverages, widths and the wide share pooled over cells; seconds summed."""
    used = [t for t in tallies.values() if t.mae]
    if not used:
        return dict.fromkeys(("mae", "coverage", "coverage_narrow", "median_width", "wide_share", "s"))
    cells_narrow = sum(t.cells_narrow for t in used)
    return {"mae": float(np.mean([_mean(t.mae) for t in used])),
            "coverage": sum(t.covered for t in used) / sum(t.cells for t in used),
            "coverage_narrow": sum(t.covered_narrow for t in used) / cells_narrow if cells_narrow else None,
            "median_width": float(np.median([w for t in used for w in t.widths])),
            "wide_share": 1.0 - cells_narrow / sum(t.cells for t in used),
            "s": float(sum(sum(t.seconds) for t in used))}


# --------------------------------------------------------------------------- national timing


def national_timing(s: Structure, seed: int) -> dict[str, Any]:
    """Ours and Goodman on every station at once (one simulated election): median of 3 runs; peak memory of ours."""
    rng = np.random.default_rng([seed, 69_000])
    t0 = time.perf_counter()
    problems = {p.scenario: p for p in simulate_problems(s.groups, rng)}
    out: dict[str, Any] = {"national_stations": int(len(s.groups)), "national_simulation_s": time.perf_counter() - t0}
    for key, name in (("groups", "groups 3x5"), ("transfer", "transfer 5x4")):
        p = problems[name]
        runs = [fit_ours(p) for _ in range(3)]
        ours = sorted(runs, key=lambda f: f.seconds)[1]  # the median of 3 runs
        good = sorted((fit_goodman(p, seed) for _ in range(3)), key=lambda f: f.seconds)[1]
        tracemalloc.start()
        fit_ours(p)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        out[f"national_{key}_s"] = ours.seconds
        out[f"national_{key}_goodman_s"] = good.seconds
        out[f"national_{key}_peak_mb"] = peak
        out[f"national_{key}_mae"] = float(np.abs(ours.estimate - p.truth).mean())
        out[f"national_{key}_converged"] = ours.extra["converged"]
    out["national_s"] = out["national_groups_s"] + out["national_transfer_s"]
    return out


# --------------------------------------------------------------------------- report


def _fmt(x: float | None, spec: str) -> str:
    return "—" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)


def _print_row(variant: str, scenario: str, method: str, t: Tally, ratio: str = "") -> None:
    print(f"{variant:<12} {scenario:<13} {method:<8} {_fmt(_mean(t.mae), '.4f'):>7} {_fmt(t.coverage, '.0%'):>8} "
          f"{_fmt(t.coverage_narrow, '.0%'):>8} {_fmt(t.median_width, '.3f'):>7} {_fmt(t.wide_share, '.0%'):>6} "
          f"{_fmt(_mean(t.seconds), '.3f'):>8} {ratio:>10}".rstrip())


TABLE_HEAD = (f"{'variant':<12} {'scenario':<13} {'method':<8} {'MAE':>7} {'cover90':>8} {'narrow90':>8} "
              f"{'med.w':>7} {'wide':>6} {'s/fit':>8} {'PyEI/ours':>10}")
LEGEND = ("(MAE: mean |estimate - truth| over the cells, averaged over problems, then over scenarios; cover90: share "
          "of cells whose 90 % interval holds the truth, pooled; narrow90: the same without the intervals wider than "
          f"{WIDE} (shown as non identifiable); med.w: median interval width over the cells; wide: share of intervals "
          f"wider than {WIDE}; s/fit: mean seconds per fit; PyEI / ours: total time ratio on the same data)")


def run_problems(base: Structure, communes: np.ndarray, seeds: list, variants: list[str], methods: list[str],
                 pyei: dict[str, Any] | None, pyei_wanted) -> tuple[list[str], dict[tuple[str, str], dict[str, Tally]]]:
    """Simulate each (commune, seed), every variant, fit every method; tallies by (variant, scenario)."""
    scenarios: list[str] = []
    tallies: dict[tuple[str, str], dict[str, Tally]] = {}
    for k, (com, seed) in enumerate(zip(communes, seeds)):
        groups = base.groups[base.commune == com]
        for variant in variants:
            # the variants of a replication share the commune and the seed
            for p in simulate_problems(groups, np.random.default_rng(seed), homogeneous=VARIANTS[variant]):
                if p.scenario not in scenarios:
                    scenarios.append(p.scenario)
                t = tallies.setdefault((variant, p.scenario), {m: Tally() for m in methods})
                t["ours"].add(fit_ours(p), p.truth)
                t["goodman"].add(fit_goodman(p, seed=k), p.truth)
                if pyei is not None and pyei_wanted(variant, p.scenario):
                    t["pyei"].add(fit_pyei(p, seed=k, **pyei), p.truth)
    return scenarios, tallies


def summarise(prefix: str, variants: list[str], scenarios: list[str], tallies, methods: list[str],
              figures: dict[str, Any], *, headline: bool) -> None:
    """Print the table and overall lines; store figures (the headline variant's overall figures unprefixed).

    With PyEI among the methods, every method's overall figures are taken on the scenarios
    PyEI ran (the same problems: under ``--quick`` the 2x2 alone), so ``ours_mae`` and
    ``pyei_mae`` compare like with like.
    """
    print(TABLE_HEAD if "pyei" in methods else TABLE_HEAD.removesuffix(f" {'PyEI/ours':>10}"))
    for variant in variants:
        for sc in scenarios:
            t = tallies[(variant, sc)]
            for m in methods:
                if t[m].mae:
                    ratio = f"{sum(t['pyei'].seconds) / sum(t['ours'].seconds):,.0f}x" if m == "pyei" else ""
                    _print_row(variant, sc, m, t[m], ratio)
    for variant in variants:
        vp = prefix if (headline and variant == variants[0]) else f"{prefix}{variant}_"
        same = [sc for sc in scenarios if "pyei" in methods and tallies[(variant, sc)]["pyei"].mae]
        used = same or scenarios
        line = []
        for m in methods:
            o = _overall({sc: tallies[(variant, sc)][m] for sc in used})
            if m == "pyei" or o["mae"] is not None:
                for key, value in o.items():
                    figures[f"{vp}{m}_{key}"] = value
            if o["mae"] is not None:
                line.append(f"{m} MAE {o['mae']:.4f}, cover90 {o['coverage']:.0%}, narrow90 "
                            f"{_fmt(o['coverage_narrow'], '.0%')}, median width {o['median_width']:.3f}, "
                            f"wide {o['wide_share']:.0%}, {o['s']:.2f} s")
        # speed ratio on the fits PyEI ran, against ours on the same data
        pairs = [(sum(tallies[(variant, sc)]["pyei"].seconds), sum(tallies[(variant, sc)]["ours"].seconds))
                 for sc in same]
        ratio = sum(a for a, _ in pairs) / sum(b for _, b in pairs) if pairs else None
        if "pyei" in methods:
            figures[f"{vp}speed_ratio"] = ratio
            figures[f"{vp}scenarios_compared"] = same
        where = f" (on {', '.join(used)})" if same and len(same) < len(scenarios) else ""
        print(f"overall ({variant}){where}: " + "; ".join(line)
              + (f"; PyEI / ours {ratio:,.0f}x" if ratio is not None else ""))
        for sc in scenarios:
            key = f"{prefix}{variant}_{sc.split()[0]}"
            for m in methods:
                t = tallies[(variant, sc)][m]
                if t.mae:
                    figures[f"{key}_{m}_mae"] = _mean(t.mae)
                    figures[f"{key}_{m}_coverage"] = t.coverage
                    figures[f"{key}_{m}_coverage_narrow"] = t.coverage_narrow
                    figures[f"{key}_{m}_median_width"] = t.median_width
                    figures[f"{key}_{m}_wide_share"] = t.wide_share
                    figures[f"{key}_{m}_width"] = _mean(t.width)
                    figures[f"{key}_{m}_s"] = float(sum(t.seconds))
            rh = [e["rhat"] for e in tallies[(variant, sc)]["pyei"].extra] if "pyei" in methods else []
            if rh and not all(np.isnan(rh)):
                figures[f"{key}_pyei_rhat_max"] = float(np.nanmax(rh))


def aims(figures: dict[str, Any], variants: list[str]) -> dict[str, bool | None]:
    """The issue's aims, checked on this run's figures (None: not measured in this run)."""
    def get(key: str) -> float | None:
        v = figures.get(key)
        return None if v is None or (isinstance(v, float) and np.isnan(v)) else v

    out: dict[str, bool | None] = {}
    om, pm, ratio = get("ours_mae"), get("pyei_mae"), get("speed_ratio")
    out["mae_at_or_below_pyei"] = None if om is None or pm is None else om <= pm
    out["speed_ratio_100x"] = None if ratio is None else ratio >= 100
    if "homogeneous" in variants:
        hp = "" if variants[0] == "homogeneous" else "homogeneous_"
        # coverage of the no-bias scenarios on the most cells measured: the wide run when there is one
        cov = get("wide_homogeneous_ours_coverage_narrow") or get(f"{hp}ours_coverage_narrow")
        out["no_bias_coverage_narrow_in_85_95"] = None if cov is None else 0.85 <= cov <= 0.95
        ow, pw = get(f"{hp}ours_median_width"), get(f"{hp}pyei_median_width")
        out["no_bias_median_width_at_most_pyei"] = None if ow is None or pw is None else ow <= pw
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--replications", type=int, default=None,
                        help="communes of the head-to-head with PyEI (default 3; 1 with --quick)")
    parser.add_argument("--wide", type=int, default=None,
                        help="problems (commune, seed) of the ours/Goodman-only run (default 100; 5 with --quick; 0: none)")
    parser.add_argument("--seed", type=int, default=0, help="simulation seed (default 0)")
    parser.add_argument("--skip-pyei", action="store_true", help="no PyEI baseline (its figures are null)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: demo city (40 stations), PyEI on the 2x2 only with one short chain, "
                             "6,900-station synthetic timing")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated subset of {','.join(VARIANTS)} (default: both; the first is the headline)")
    parser.add_argument("--pyei-all-variants", action="store_true",
                        help="run PyEI on every variant (the default; kept for old command lines)")
    parser.add_argument("--pyei-headline-only", action="store_true",
                        help="run PyEI on the headline variant only (halves PyEI's time; no PyEI width on the control)")
    parser.add_argument("--pyei-tune", type=int, default=None,
                        help="PyEI tuning steps per chain (default 1500, PyEI's; 100 with --quick)")
    parser.add_argument("--pyei-draws", type=int, default=None,
                        help="PyEI draws per chain (default 1000, PyMC's; 100 with --quick)")
    parser.add_argument("--pyei-chains", type=int, default=None, help="PyEI chains (default 2; 1 with --quick)")
    parser.add_argument("--min-stations", type=int, default=50, help="smallest commune drawn (default 50)")
    parser.add_argument("--max-stations", type=int, default=300, help="largest commune drawn (default 300)")
    parser.add_argument("--national", choices=["demo", "synthetic"], default=None,
                        help="structure of the national timing: the national demo territory (default) or "
                             "stations resampled (default with --quick, from the demo city)")
    parser.add_argument("--national-stations", type=int, default=None,
                        help=f"stations of the national timing (default {NATIONAL_BV:,}; {NATIONAL_BV // 10:,} with --quick)")
    args = parser.parse_args(argv)
    quick = args.quick
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if not variants or set(variants) - set(VARIANTS):
        parser.error(f"--variants: choose among {', '.join(VARIANTS)}")
    reps = args.replications if args.replications is not None else (1 if quick else 3)
    wide = args.wide if args.wide is not None else (5 if quick else 100)
    tune = args.pyei_tune if args.pyei_tune is not None else (100 if quick else 1500)
    draws = args.pyei_draws if args.pyei_draws is not None else (100 if quick else 1000)
    chains = args.pyei_chains if args.pyei_chains is not None else (1 if quick else 2)
    national_kind = args.national or ("synthetic" if quick else "demo")
    national_n = args.national_stations or (NATIONAL_BV // 10 if quick else NATIONAL_BV)
    run_pyei = not args.skip_pyei
    if run_pyei:
        try:
            with _quiet():
                import pyei  # noqa: F401
        except ImportError:
            raise SystemExit(PYEI_MISSING) from None

    def pyei_wanted(variant: str, scenario: str) -> bool:
        if args.pyei_headline_only and variant != variants[0]:
            return False
        return scenario == "turnout 2x2" if quick else True

    started = time.perf_counter()
    city = city_structure()
    national = None
    if quick:
        base, pool = city, np.array([0])
    else:
        national = national_structure()
        base = national
        pool = commune_pool(national, args.min_stations, args.max_stations)
        if pool.size == 0:
            raise SystemExit(f"no commune with {args.min_stations}-{args.max_stations} stations")
    print(f"structure: {base.label}; built in {time.perf_counter() - started:.1f} s")
    rng = np.random.default_rng(args.seed)
    communes = rng.choice(pool, size=reps, replace=reps > pool.size)
    sizes = [int((base.commune == c).sum()) for c in communes]
    figures: dict[str, Any] = {"replications": int(reps), "wide": int(wide), "seed": args.seed, "quick": quick,
                               "variants": variants, "stations_per_problem": sizes, "pyei_run": run_pyei,
                               "pyei_tune": tune, "pyei_draws": draws, "pyei_chains": chains}

    # 1. Head-to-head: ours, Goodman and PyEI on the same problems.
    methods = ["ours", "goodman", "pyei"]
    pyei_opts = dict(tune=tune, draws=draws, chains=chains) if run_pyei else None
    scenarios, tallies = run_problems(base, communes, [[args.seed, k] for k in range(reps)], variants, methods,
                                      pyei_opts, pyei_wanted)
    print()
    print(f"== head-to-head: {reps} commune(s) of {', '.join(map(str, sizes))} stations, seed {args.seed}")
    if run_pyei:
        scope = f"the {variants[0]} variant" if args.pyei_headline_only or len(variants) == 1 else "every variant"
        where = f"the turnout 2x2 of {scope} (--quick)" if quick else scope
        print(f"PyEI: NUTS (numpyro), {chains} chain(s) x ({tune} tune + {draws} draws), target_accept 0.99; on {where}")
    else:
        print("PyEI: skipped (--skip-pyei); its figures are null")
    summarise("", variants, scenarios, tallies, methods, figures, headline=True)
    figures["ours_converged"] = all(e["converged"] for t in tallies.values() for e in t["ours"].extra)
    rhats = {k: v for k, v in figures.items() if k.endswith("_pyei_rhat_max")}
    if rhats:
        print("PyEI max r-hat of its hyper-parameters (> 1.01: chains not mixed): "
              + ", ".join(f"{k.removesuffix('_pyei_rhat_max')} {v:.2f}" for k, v in rhats.items()))

    # 2. Wide: ours and Goodman only, on many more problems (coverage needs them).
    if wide > 0:
        wide_communes = rng.choice(pool, size=wide, replace=True)
        wide_scen, wide_tallies = run_problems(base, wide_communes, [[args.seed, 10_000 + k] for k in range(wide)],
                                               variants, ["ours", "goodman"], None, pyei_wanted)
        wsizes = [int((base.commune == c).sum()) for c in wide_communes]
        print()
        print(f"== ours and Goodman only: {wide} problems (communes drawn with replacement, "
              f"{min(wsizes)}-{max(wsizes)} stations, median {int(np.median(wsizes))}), fresh seeds")
        summarise("wide_", variants, wide_scen, wide_tallies, ["ours", "goodman"], figures, headline=False)
        figures["ours_converged"] = figures["ours_converged"] and all(
            e["converged"] for t in wide_tallies.values() for e in t["ours"].extra)
    print(LEGEND)
    figures["aims"] = aims(figures, variants)
    print("aims: " + ", ".join(f"{k} {'met' if v else 'MISSED' if v is not None else 'not measured'}"
                               for k, v in figures["aims"].items()))

    # 3. National timing.
    print()
    if national_kind == "demo" and national_n == NATIONAL_BV:
        nat = national or national_structure()
    else:
        src = national if national is not None else city
        nat = synthetic_national(src, national_n, np.random.default_rng(args.seed))
    figures["national_structure"] = nat.label
    figures.update(national_timing(nat, args.seed))
    print(f"== national timing, {nat.label}:")
    for key, name in (("groups", "groups 3x5"), ("transfer", "transfer 5x4")):
        print(f"  {name}: ours {figures[f'national_{key}_s']:.2f} s (peak traced memory "
              f"{figures[f'national_{key}_peak_mb']:.0f} MB; MAE {figures[f'national_{key}_mae']:.4f}), "
              f"Goodman {figures[f'national_{key}_goodman_s']:.2f} s; PyEI not run at this scale")
    print(f"  ours, both uses: {figures['national_s']:.2f} s for {figures['national_stations']:,} stations")
    figures["total_s"] = time.perf_counter() - started
    print(f"total: {figures['total_s']:.0f} s")
    print()
    print(json.dumps(figures, sort_keys=True))
    sys.stdout.flush()
    return figures


if __name__ == "__main__":
    main()
