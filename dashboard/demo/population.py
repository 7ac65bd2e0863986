"""Demographics of the atoms, electors by group, and census indicators by IRIS.

Each atom gets a population and, from smooth latent fields (income, age,
social housing, density), its age structure, housing tenure, socio-professional
mix, activity and housing stock. IRIS indicators are sums over their atoms (so
they are INSEE-like non-integer weighted counts, consistent with each other);
electors are counted by *group* = age band x housing tenure, the unit of the
vote model (see ``elections.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AGE_BANDS_CENSUS = ("0014", "1529", "3044", "4559", "6074", "75P")
VOTER_AGE_BANDS = ("18-29", "30-44", "45-59", "60-74", "75+")
TENURES = ("proprietaire", "locataire_prive", "locataire_hlm")
TENURE_LABELS_FR = {"proprietaire": "propriétaires", "locataire_prive": "locataires du parc privé",
                    "locataire_hlm": "locataires HLM"}
GROUPS = tuple(f"{a}_{t}" for a in VOTER_AGE_BANDS for t in TENURES)
N_GROUPS = len(GROUPS)

# Registration rate (share of adults on the electoral roll) by age band and tenure.
REGISTRATION_AGE = np.array([0.80, 0.86, 0.90, 0.93, 0.92])
REGISTRATION_TENURE = np.array([1.00, 0.88, 0.78])


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF (Abramowitz & Stegun 7.1.26 erf, |error| < 1.5e-7)."""
    x = np.abs(z) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = 1.0 - poly * np.exp(-x * x)
    return 0.5 * (1.0 + np.sign(z) * erf)


@dataclass(frozen=True)
class Fields:
    """Latent fields at the atoms (roughly zero-mean, unit-scale)."""

    income: np.ndarray
    age: np.ndarray
    hlm: np.ndarray       # >= 0, social-housing estates
    density: np.ndarray   # urban density, ~0 (rural) .. ~2 (dense centre)
    rural: np.ndarray     # 0..1, farming countryside


@dataclass
class Demography:
    """Per-atom demographic shares and rates; counts come from ``pop``."""

    pop: np.ndarray          # total population (float)
    age: np.ndarray          # (n, 6) shares over AGE_BANDS_CENSUS
    tenure: np.ndarray       # (n, 3) shares over TENURES
    csp: np.ndarray          # (n, 8) shares of the 15+ population over CS1..CS8
    income_z: np.ndarray
    median_income: np.ndarray
    activity_rate: np.ndarray
    unemployment: np.ndarray
    student_share: np.ndarray
    household_size: np.ndarray
    dwelling_factor: np.ndarray  # dwellings per main residence
    house_share: np.ndarray      # share of dwellings that are houses


def demography(pop: np.ndarray, f: Fields, rng: np.random.Generator) -> Demography:
    n = len(pop)
    hlm = sigmoid(-2.6 + 2.4 * f.hlm - 0.45 * f.income - 0.8 * f.rural + 0.4 * f.density)
    owner = (1.0 - hlm) * sigmoid(0.5 + 0.9 * f.income + 0.35 * f.age - 0.9 * f.density + 0.8 * f.rural)
    tenure = np.column_stack([owner, 1.0 - hlm - owner, hlm])

    base = np.log(np.array([0.18, 0.18, 0.19, 0.20, 0.16, 0.09]))
    age_eff = np.array([-0.35, -0.40, -0.20, 0.10, 0.45, 0.60])
    dens_eff = np.array([-0.10, 0.45, 0.15, -0.10, -0.20, -0.10])
    hlm_eff = np.array([0.55, 0.35, 0.20, -0.10, -0.45, -0.65])
    logits = (base + np.outer(f.age, age_eff) + np.outer(f.density, dens_eff)
              + np.outer(2.0 * hlm, hlm_eff) + rng.normal(0.0, 0.05, (n, 6)))
    age = softmax_rows(logits)

    income_z = f.income - 1.6 * hlm + 0.15 * f.density + rng.normal(0.0, 0.15, n)
    median_income = 22_800.0 * np.exp(0.26 * income_z)

    old = age[:, 4] + age[:, 5]
    young = age[:, 1]
    csp_logits = np.column_stack([
        np.log(0.004) + 2.8 * f.rural,
        np.log(0.035) + 0.2 * f.rural + 0.0 * f.income,
        np.log(0.10) + 0.75 * income_z - 0.3 * f.rural,
        np.log(0.145) + 0.25 * income_z,
        np.log(0.16) - 0.1 * income_z + 0.6 * hlm,
        np.log(0.12) - 0.5 * income_z + 0.9 * hlm + 0.3 * f.rural,
        np.log(0.27) + 3.0 * (old - 0.25),
        np.log(0.16) + 2.5 * (young - 0.18) + 0.8 * hlm,
    ]) + rng.normal(0.0, 0.05, (n, 8))
    csp = softmax_rows(csp_logits)

    activity_rate = np.clip(0.745 - 0.10 * hlm + 0.02 * income_z - 0.06 * (f.density - 0.5).clip(0), 0.55, 0.85)
    unemployment = np.clip(0.075 + 0.22 * hlm - 0.025 * income_z, 0.03, 0.40)
    student_share = np.clip(0.22 + 0.22 * f.density.clip(0, 2) / 2 + 0.5 * (young - 0.18), 0.05, 0.75)
    household_size = np.clip(2.25 - 0.30 * f.density + 0.45 * hlm - 0.12 * f.age + 0.1 * f.rural, 1.45, 3.1)
    dwelling_factor = 1.0 + 0.075 + 0.02 * f.density.clip(0, 2) + 0.10 * f.rural + 0.02 * rng.random(n)
    house_share = sigmoid(1.6 - 1.7 * f.density - 4.0 * hlm + 1.2 * f.rural)
    return Demography(pop=np.asarray(pop, dtype=float), age=age, tenure=tenure, csp=csp,
                      income_z=income_z, median_income=median_income, activity_rate=activity_rate,
                      unemployment=unemployment, student_share=student_share,
                      household_size=household_size, dwelling_factor=dwelling_factor,
                      house_share=house_share)


def expected_registered(d: Demography) -> np.ndarray:
    """Expected electors per atom and group, shape (n_atoms, 15), groups in GROUPS order."""
    adults = d.pop[:, None] * np.column_stack([
        d.age[:, 1] * 12.0 / 15.0, d.age[:, 2], d.age[:, 3], d.age[:, 4], d.age[:, 5]])
    adults = adults * REGISTRATION_AGE[None, :]
    per_group = adults[:, :, None] * (d.tenure * REGISTRATION_TENURE[None, :])[:, None, :]
    return per_group.reshape(len(d.pop), N_GROUPS)


def registered_counts(expected: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Integer electors per atom and group in 2022, and in 2024 after moves in and out."""
    c22 = rng.poisson(expected)
    moved_out = rng.binomial(c22, 0.07)
    moved_in = rng.poisson(expected * 0.075)
    c24 = c22 - moved_out + moved_in
    return c22.astype(np.int64), c24.astype(np.int64)


def _sum(idx: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    return np.bincount(idx, weights=values, minlength=n)


def iris_indicators(d: Demography, iris: np.ndarray, n_iris: int,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Base-ic 2021 variables (P21_/C21_) per IRIS, as weighted non-integer counts."""
    out: dict[str, np.ndarray] = {}
    # INSEE-like sampling noise on each atom's contribution (weights are not integers).
    noise = rng.lognormal(0.0, 0.03, len(d.pop))
    pop = d.pop * noise
    bands = pop[:, None] * d.age
    for j, name in enumerate(AGE_BANDS_CENSUS):
        out[f"P21_POP{name}"] = _sum(iris, n_iris, bands[:, j])
    out["P21_POP"] = sum(out[f"P21_POP{b}"] for b in AGE_BANDS_CENSUS)
    pop15 = pop * (1.0 - d.age[:, 0])
    c_pop15 = pop15 * rng.lognormal(0.0, 0.01, len(pop))
    cs = c_pop15[:, None] * d.csp
    for j in range(8):
        out[f"C21_POP15P_CS{j + 1}"] = _sum(iris, n_iris, cs[:, j])
    out["C21_POP15P"] = sum(out[f"C21_POP15P_CS{j + 1}"] for j in range(8))

    pop1564 = bands[:, 1] + bands[:, 2] + bands[:, 3] + bands[:, 4] / 3.0
    act = pop1564 * d.activity_rate
    chom = act * d.unemployment
    inact = pop1564 - act
    out["P21_POP1564"] = _sum(iris, n_iris, pop1564)
    out["P21_ACT1564"] = _sum(iris, n_iris, act)
    out["P21_ACTOCC1564"] = _sum(iris, n_iris, act - chom)
    out["P21_CHOM1564"] = _sum(iris, n_iris, chom)
    out["P21_INACT1564"] = _sum(iris, n_iris, inact)
    out["P21_ETUD1564"] = _sum(iris, n_iris, inact * d.student_share)
    c_act = act * rng.lognormal(0.0, 0.01, len(pop))
    act_cs = d.csp[:, :6] / d.csp[:, :6].sum(axis=1, keepdims=True)
    for j in range(6):
        out[f"C21_ACT1564_CS{j + 1}"] = _sum(iris, n_iris, c_act * act_cs[:, j])
    out["C21_ACT1564"] = sum(out[f"C21_ACT1564_CS{j + 1}"] for j in range(6))

    rp = pop / d.household_size
    log = rp * d.dwelling_factor
    out["P21_LOG"] = _sum(iris, n_iris, log)
    out["P21_RP"] = _sum(iris, n_iris, rp)
    out["P21_RP_PROP"] = _sum(iris, n_iris, rp * d.tenure[:, 0] * 0.985)
    out["P21_RP_LOC"] = _sum(iris, n_iris, rp * (d.tenure[:, 1] + d.tenure[:, 2]) * 0.985)
    out["P21_RP_LOCHLMV"] = _sum(iris, n_iris, rp * d.tenure[:, 2] * 0.985)
    out["P21_MAISON"] = _sum(iris, n_iris, log * d.house_share * 0.995)
    out["P21_APPART"] = _sum(iris, n_iris, log * (1.0 - d.house_share) * 0.995)
    # Household-weighted log median income, used by the Filosofi file.
    hh = rp
    out["_HOUSEHOLDS"] = out["P21_RP"]
    out["_LOG_MEDIAN"] = _sum(iris, n_iris, hh * np.log(d.median_income)) / np.maximum(out["P21_RP"], 1e-9)
    out["_INCOME_Z"] = _sum(iris, n_iris, hh * d.income_z) / np.maximum(out["P21_RP"], 1e-9)
    out["_HLM_SHARE"] = out["P21_RP_LOCHLMV"] / np.maximum(out["P21_RP"], 1e-9)
    out["_OLD_SHARE"] = (out["P21_POP6074"] + out["P21_POP75P"]) / np.maximum(out["P21_POP"], 1e-9)
    return out


POVERTY_LINE_2021 = 13_920.0  # 60 % of the national median standard of living (EUR/year)


def filosofi(ind: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Filosofi 2021 'revenus disponibles' indicators per IRIS (NaN where secret)."""
    n = len(ind["P21_POP"])
    med = np.exp(ind["_LOG_MEDIAN"]) * rng.lognormal(0.0, 0.02, n)
    hlm = ind["_HLM_SHARE"]
    z = ind["_INCOME_Z"]
    spread = np.clip(0.50 + 0.25 * hlm + 0.04 * z, 0.35, 0.95)  # log-sd of the distribution
    q = {1: -1.2816, 2: -0.8416, 3: -0.5244, 4: -0.2533, 6: 0.2533, 7: 0.5244, 8: 0.8416, 9: 1.2816}
    out: dict[str, np.ndarray] = {}
    out["DISP_TP6021"] = 100.0 * normal_cdf((np.log(POVERTY_LINE_2021) - np.log(med)) / spread)
    out["DISP_Q121"] = med * np.exp(-0.6745 * spread)
    out["DISP_MED21"] = med
    out["DISP_Q321"] = med * np.exp(0.6745 * spread * (1.0 + 0.08 * z))
    out["DISP_EQ21"] = (out["DISP_Q321"] - out["DISP_Q121"]) / med
    for dk, zq in q.items():
        skew = 1.0 + (0.10 * z if zq > 0 else 0.0)
        out[f"DISP_D{dk}21"] = med * np.exp(zq * spread * skew)
    out["DISP_RD21"] = out["DISP_D921"] / out["DISP_D121"]
    out["DISP_S80S2021"] = out["DISP_RD21"] * 0.62
    out["DISP_GI21"] = np.clip(0.16 + 0.26 * spread, 0.2, 0.55)
    pact = np.clip(72.0 - 12.0 * ind["_OLD_SHARE"] - 6.0 * hlm + 2.0 * z, 40, 85)
    pcho = np.clip(2.0 + 6.0 * hlm - 0.5 * z, 0.8, 9.0)
    pben = np.clip(6.0 + 1.5 * z, 2.0, 14.0)
    out["DISP_PACT21"] = pact
    out["DISP_PTSA21"] = pact - pcho - pben
    out["DISP_PCHO21"] = pcho
    out["DISP_PBEN21"] = pben
    out["DISP_PPEN21"] = np.clip(30.0 + 45.0 * (ind["_OLD_SHARE"] - 0.25), 10, 55)
    out["DISP_PPAT21"] = np.clip(9.0 + 4.0 * z - 4.0 * hlm, 2, 25)
    ppsoc = np.clip(5.5 + 18.0 * hlm - 1.5 * z, 1.5, 30)
    out["DISP_PPSOC21"] = ppsoc
    out["DISP_PPFAM21"] = ppsoc * 0.32
    out["DISP_PPMINI21"] = ppsoc * 0.36
    out["DISP_PPLOGT21"] = ppsoc * 0.32
    # Shares add up to 100 once taxes (a negative share) are counted.
    out["DISP_PIMPOT21"] = 100.0 - (pact + out["DISP_PPEN21"] + out["DISP_PPAT21"] + ppsoc)
    out["DISP_NOTE21"] = np.zeros(n)
    return out
