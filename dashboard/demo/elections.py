"""Vote simulation from known group behaviour, and round-2 transfers.

Electors belong to 15 groups (5 age bands x 3 housing tenures, see
``population.GROUPS``). For a first round, each group has a true turnout, true
blank and null rates among voters and a true share vector over the options
(candidates, lists or nuances). A bureau's result is a multinomial draw per
group, with a small bureau-level perturbation (turnout logit and option log
shares). A second round is drawn from a known transfer matrix: every first-round
choice, abstention included, splits multinomially over second-round choices.

All parameters are written to ``truth.json`` (see ``truth``), so that
ecological inference can be benchmarked against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import names
from .population import GROUPS, N_GROUPS, TENURES, VOTER_AGE_BANDS
from .territory import Territory, rng_for

# --------------------------------------------------------------------------- behaviour families

# Log-share effects by age band (18-29 .. 75+) and by tenure (owner, private renter, HLM renter).
FAMILY_AGE: dict[str, tuple[float, ...]] = {
    "extreme_gauche": (0.20, 0.10, 0.00, -0.10, -0.30),
    "gauche_radicale": (0.70, 0.30, 0.00, -0.40, -0.90),
    "union_gauche": (0.45, 0.20, 0.00, -0.20, -0.55),
    "gauche": (0.00, 0.00, 0.00, 0.05, -0.05),
    "ecologiste": (0.50, 0.30, 0.00, -0.35, -0.80),
    "centre": (-0.25, -0.10, 0.00, 0.30, 0.55),
    "droite": (-0.60, -0.30, -0.05, 0.45, 0.95),
    "extreme_droite": (0.05, 0.15, 0.20, -0.05, -0.40),
    "identitaire": (-0.10, 0.00, 0.05, 0.15, 0.20),
    "souverainiste": (-0.20, 0.00, 0.10, 0.15, 0.10),
    "divers": (0.10, 0.05, 0.00, -0.05, -0.10),
}
FAMILY_TENURE: dict[str, tuple[float, float, float]] = {
    "extreme_gauche": (-0.20, 0.10, 0.30),
    "gauche_radicale": (-0.45, 0.15, 0.75),
    "union_gauche": (-0.30, 0.10, 0.55),
    "gauche": (0.05, 0.10, 0.10),
    "ecologiste": (-0.05, 0.30, -0.30),
    "centre": (0.25, 0.05, -0.60),
    "droite": (0.35, -0.10, -0.90),
    "extreme_droite": (0.10, -0.05, 0.15),
    "identitaire": (0.20, 0.05, -0.40),
    "souverainiste": (0.25, -0.05, -0.20),
    "divers": (0.00, 0.05, 0.00),
}
TURNOUT_AGE = np.array([-0.55, -0.20, 0.10, 0.45, 0.25])
TURNOUT_TENURE = np.array([0.30, -0.10, -0.55])


@dataclass(frozen=True)
class Option:
    key: str
    family: str
    base: float                 # base share of expressed votes, percent
    panel: int = 0
    nom: str = ""
    prenom: str = ""
    sexe: str = ""              # "M" / "F"
    short_label: str = ""
    label: str = ""


PRES_T1: tuple[Option, ...] = (
    Option("ARTHAUD", "extreme_gauche", 0.56, 1, "ARTHAUD", "Nathalie", "F"),
    Option("ROUSSEL", "gauche", 2.28, 2, "ROUSSEL", "Fabien", "M"),
    Option("MACRON", "centre", 27.85, 3, "MACRON", "Emmanuel", "M"),
    Option("LASSALLE", "souverainiste", 3.13, 4, "LASSALLE", "Jean", "M"),
    Option("LE PEN", "extreme_droite", 23.15, 5, "LE PEN", "Marine", "F"),
    Option("ZEMMOUR", "identitaire", 7.07, 6, "ZEMMOUR", "Éric", "M"),
    Option("MÉLENCHON", "gauche_radicale", 21.95, 7, "MÉLENCHON", "Jean-Luc", "M"),
    Option("HIDALGO", "gauche", 1.75, 8, "HIDALGO", "Anne", "F"),
    Option("JADOT", "ecologiste", 4.63, 9, "JADOT", "Yannick", "M"),
    Option("PÉCRESSE", "droite", 4.78, 10, "PÉCRESSE", "Valérie", "F"),
    Option("POUTOU", "extreme_gauche", 0.77, 11, "POUTOU", "Philippe", "M"),
    Option("DUPONT-AIGNAN", "souverainiste", 2.06, 12, "DUPONT-AIGNAN", "Nicolas", "M"),
)
PRES_T2: tuple[Option, ...] = (
    Option("MACRON", "centre", 0.0, 1, "MACRON", "Emmanuel", "M"),
    Option("LE PEN", "extreme_droite", 0.0, 2, "LE PEN", "Marine", "F"),
)
# Rows: abstention, blancs, nuls, then the 12 first-round candidates; columns:
# abstention, blancs, nuls, MACRON, LE PEN.
PRES_TRANSFER = np.array([
    [0.880, 0.010, 0.005, 0.060, 0.045],
    [0.350, 0.450, 0.100, 0.050, 0.050],
    [0.350, 0.250, 0.300, 0.050, 0.050],
    [0.300, 0.120, 0.040, 0.300, 0.240],
    [0.200, 0.100, 0.030, 0.550, 0.120],
    [0.040, 0.010, 0.005, 0.935, 0.010],
    [0.250, 0.080, 0.030, 0.250, 0.390],
    [0.030, 0.005, 0.005, 0.010, 0.950],
    [0.100, 0.030, 0.010, 0.120, 0.740],
    [0.280, 0.120, 0.040, 0.400, 0.160],
    [0.150, 0.060, 0.020, 0.700, 0.070],
    [0.150, 0.070, 0.020, 0.680, 0.080],
    [0.120, 0.050, 0.020, 0.570, 0.240],
    [0.300, 0.150, 0.050, 0.300, 0.200],
    [0.180, 0.050, 0.020, 0.200, 0.550],
])

# Real 2024 panel numbers, nuances and labels of ten of the 38 lists (results are fictional).
EURO: tuple[Option, ...] = (
    Option("LREC", "identitaire", 5.47, 3, short_label="LA FRANCE FIERE",
           label="LA FRANCE FIERE, MENEE PAR MARION MARECHAL ET SOUTENUE PAR ÉRIC ZEMMOUR"),
    Option("LFI", "gauche_radicale", 9.89, 4, short_label="LFI - UP", label="LA FRANCE INSOUMISE - UNION POPULAIRE"),
    Option("LRN", "extreme_droite", 31.37, 5, short_label="La FRANCE REVIENT",
           label="LA FRANCE REVIENT ! AVEC JORDAN BARDELLA ET MARINE LE PEN"),
    Option("LVEC", "ecologiste", 5.50, 6, short_label="EUROPE ÉCOLOGIE", label="EUROPE ÉCOLOGIE"),
    Option("LDIV", "divers", 2.00, 8, short_label="PARTI ANIMALISTE",
           label="PARTI ANIMALISTE - LES ANIMAUX COMPTENT, VOTRE VOIX AUSSI"),
    Option("LENS", "centre", 14.60, 11, short_label="BESOIN D'EUROPE", label="BESOIN D'EUROPE"),
    Option("LLR", "droite", 7.25, 18, short_label="LA DROITE POUR FAIRE ENTENDRE LA VOIX DE LA FRANCE EN EUROPE",
           label="LA DROITE POUR FAIRE ENTENDRE LA VOIX DE LA FRANCE EN EUROPE"),
    Option("LEXG", "extreme_gauche", 1.20, 19, short_label="LUTTE OUVRIERE",
           label="LUTTE OUVRIERE - LE CAMP DES TRAVAILLEURS"),
    Option("LUG", "gauche", 13.83, 27, short_label="REVEIL EUR", label="RÉVEILLER L'EUROPE"),
    Option("LCOM", "gauche", 2.36, 33, short_label="GAUCHE UNIE",
           label="GAUCHE UNIE POUR LE MONDE DU TRAVAIL SOUTENUE PAR FABIEN ROUSSEL"),
)
EURO_SEATS = 81

# Législatives 2024 nuances (global option list) with a left-right position for transfers.
LEG_NUANCES: tuple[Option, ...] = (
    Option("EXG", "extreme_gauche", 1.2),
    Option("UG", "union_gauche", 28.0),
    Option("DVG", "gauche", 1.5),
    Option("ECO", "ecologiste", 0.9),
    Option("REG", "divers", 0.8),
    Option("DIV", "divers", 1.0),
    Option("ENS", "centre", 21.0),
    Option("DVC", "centre", 1.2),
    Option("LR", "droite", 7.5),
    Option("DVD", "droite", 3.0),
    Option("UXD", "extreme_droite", 8.0),
    Option("RN", "extreme_droite", 29.0),
    Option("REC", "identitaire", 1.0),
)
LEG_POSITION = {"EXG": -3.0, "UG": -2.0, "DVG": -1.3, "ECO": -1.0, "REG": -0.2, "DIV": 0.0, "ENS": 0.6,
                "DVC": 0.7, "LR": 1.6, "DVD": 1.6, "UXD": 2.8, "RN": 3.0, "REC": 3.3}
LEG_PRESENCE = {"EXG": 0.85, "DVG": 0.15, "ECO": 0.25, "REG": 0.06, "DIV": 0.40, "ENS": 0.92,
                "DVC": 0.08, "LR": 0.60, "DVD": 0.20, "REC": 0.70}
CITY_LEG = ("EXG", "UG", "ECO", "ENS", "LR", "RN", "REC", "DIV")
LEG_T1_BLOCKS = 19   # width of the ministry file (its largest first-round field)
LEG_T2_BLOCKS = 4

ELECTIONS = ("pres2022_t1", "pres2022_t2", "euro2024", "leg2024_t1", "leg2024_t2")
ELECTION_STATIONS = {"pres2022_t1": "2022", "pres2022_t2": "2022", "euro2024": "2024",
                     "leg2024_t1": "2024", "leg2024_t2": "2024"}
ELECTION_LABELS_FR = {
    "pres2022_t1": "Présidentielle 2022, 1er tour", "pres2022_t2": "Présidentielle 2022, 2nd tour",
    "euro2024": "Européennes 2024", "leg2024_t1": "Législatives 2024, 1er tour",
    "leg2024_t2": "Législatives 2024, 2nd tour",
}


@dataclass
class Candidates:
    """Candidates (or lists) of one election; ``option`` indexes the election's option list."""

    option: np.ndarray
    panel: np.ndarray
    nuance: np.ndarray
    nom: np.ndarray
    prenom: np.ndarray
    sexe: np.ndarray          # "M" / "F"
    short_label: np.ndarray
    label: np.ndarray
    circo: np.ndarray         # circonscription index, -1 when national
    elected: np.ndarray
    seats: np.ndarray

    def __len__(self) -> int:
        return len(self.option)


@dataclass
class ElectionResult:
    election: str
    stations: str                 # boundary set key
    rows: np.ndarray              # bureau indices in the station set, in file order
    registered: np.ndarray
    abstentions: np.ndarray
    voters: np.ndarray
    blank: np.ndarray
    null: np.ndarray
    expressed: np.ndarray
    block_cand: np.ndarray        # (rows, blocks) candidate index, -1 when empty
    block_votes: np.ndarray       # (rows, blocks)
    candidates: Candidates
    n_blocks: int                 # blocks written in the file header
    truth: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- model pieces


def group_shares(options: tuple[Option, ...]) -> np.ndarray:
    """(15, K) true shares of expressed votes by group."""
    base = np.log(np.array([o.base for o in options]) / 100.0)
    age = np.array([FAMILY_AGE[o.family] for o in options]).T          # (5, K)
    ten = np.array([FAMILY_TENURE[o.family] for o in options]).T       # (3, K)
    logits = base[None, None, :] + age[:, None, :] + ten[None, :, :]   # (5, 3, K)
    logits = logits.reshape(N_GROUPS, len(options))
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def group_turnout(base: float, age_scale: float = 1.0) -> np.ndarray:
    logit = np.log(base / (1 - base)) + age_scale * TURNOUT_AGE[:, None] + TURNOUT_TENURE[None, :]
    return (1.0 / (1.0 + np.exp(-logit))).reshape(N_GROUPS)


def group_rates(blank: float, null: float) -> tuple[np.ndarray, np.ndarray]:
    age = np.array([1.15, 1.05, 1.0, 0.95, 0.9])[:, None]
    ten = np.array([1.0, 1.05, 1.1])[None, :]
    return (blank * age * ten).reshape(N_GROUPS), (null * np.ones((5, 3)) * ten).reshape(N_GROUPS)


def simulate_first_round(groups: np.ndarray, turnout: np.ndarray, blank: np.ndarray, null: np.ndarray,
                         shares: np.ndarray, mask: np.ndarray | None, rng: np.random.Generator,
                         turnout_sd: float, share_sd: float) -> np.ndarray:
    """Counts (B, G, 3 + K): abstention, blank, null, then votes per option."""
    n_bv, n_g = groups.shape
    k = shares.shape[1]
    eps = rng.normal(0.0, turnout_sd, n_bv)
    logit = np.log(turnout / (1 - turnout))[None, :] + eps[:, None]
    p_turn = 1.0 / (1.0 + np.exp(-logit))
    voters = rng.binomial(groups, p_turn)
    eta = np.exp(rng.normal(0.0, share_sd, (n_bv, k)))
    if mask is not None:
        eta = eta * mask
    s = shares[None, :, :] * eta[:, None, :]
    s = s / s.sum(axis=2, keepdims=True)
    expressed_share = (1.0 - blank - null)[None, :, None] * s
    p = np.concatenate([np.broadcast_to(blank[None, :, None], (n_bv, n_g, 1)),
                        np.broadcast_to(null[None, :, None], (n_bv, n_g, 1)), expressed_share], axis=2)
    p = p / p.sum(axis=2, keepdims=True)
    draws = rng.multinomial(voters, p)
    out = np.empty((n_bv, n_g, 3 + k), dtype=np.int64)
    out[:, :, 0] = groups - voters
    out[:, :, 1:] = draws
    return out


def simulate_transfer(first: np.ndarray, matrix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Second-round counts (B, R, C) from first-round counts (B, R) and a (R, C) or (B, R, C) matrix."""
    return rng.multinomial(first, matrix)


def dhondt(votes: np.ndarray, seats: int, threshold: float = 0.05) -> np.ndarray:
    eligible = votes >= threshold * votes.sum()
    out = np.zeros(len(votes), dtype=np.int64)
    for _ in range(seats):
        q = np.where(eligible, votes / (out + 1), -1.0)
        out[int(np.argmax(q))] += 1
    return out


def _national_candidates(options: tuple[Option, ...]) -> Candidates:
    n = len(options)
    return Candidates(option=np.arange(n), panel=np.array([o.panel for o in options]),
                      nuance=np.array([o.key for o in options]), nom=np.array([o.nom for o in options]),
                      prenom=np.array([o.prenom for o in options]), sexe=np.array([o.sexe for o in options]),
                      short_label=np.array([o.short_label for o in options]),
                      label=np.array([o.label for o in options]), circo=np.full(n, -1),
                      elected=np.zeros(n, dtype=bool), seats=np.zeros(n, dtype=np.int64))


def _round(a: np.ndarray, nd: int = 6) -> list:
    return np.round(np.asarray(a, dtype=float), nd).tolist()


# --------------------------------------------------------------------------- elections


def _uniform_result(election: str, key: str, counts_bv: np.ndarray, cands: Candidates,
                    n_blocks: int) -> ElectionResult:
    t = {"abstentions": counts_bv[:, 0], "blank": counts_bv[:, 1], "null": counts_bv[:, 2]}
    votes = counts_bv[:, 3:]
    voters = counts_bv[:, 1:].sum(axis=1)
    n = len(counts_bv)
    return ElectionResult(
        election=election, stations=key, rows=np.arange(n), registered=t["abstentions"] + voters,
        abstentions=t["abstentions"], voters=voters, blank=t["blank"], null=t["null"],
        expressed=votes.sum(axis=1), block_cand=np.tile(np.arange(votes.shape[1]), (n, 1)),
        block_votes=votes, candidates=cands, n_blocks=n_blocks)


def _gather(block_cand: np.ndarray, cand_option: np.ndarray, votes: np.ndarray) -> np.ndarray:
    """Votes of the candidate in each block (0 for empty blocks), from (bureaux, options) votes."""
    empty = block_cand < 0
    option = np.where(empty, 0, cand_option[np.maximum(block_cand, 0)])
    return np.where(empty, 0, np.take_along_axis(votes, option, axis=1))


def _leg_candidates(terr: Territory, rng: np.random.Generator) -> tuple[np.ndarray, list[np.ndarray]]:
    """Presence mask (circos, K) and, per circo, the option indices in panel order."""
    n_circ = len(terr.circos.code)
    keys = [o.key for o in LEG_NUANCES]
    k = len(keys)
    present = np.zeros((n_circ, k), dtype=bool)
    if terr.scale == "city":
        present[:, [keys.index(c) for c in CITY_LEG]] = True
    else:
        present[:, keys.index("UG")] = True
        uxd = rng.random(n_circ) < 0.10
        present[:, keys.index("UXD")] = uxd
        present[:, keys.index("RN")] = ~uxd
        for key, p in LEG_PRESENCE.items():
            present[:, keys.index(key)] = rng.random(n_circ) < p
        # Regionalist candidates mostly where regional parties exist.
        regional = np.isin(terr.circos.dep, ["29", "22", "56", "35", "2A", "2B", "67", "68", "64"])
        present[:, keys.index("REG")] &= regional
    order_key = rng.random((n_circ, k))
    order_key[~present] = np.inf
    panel_order = np.argsort(order_key, axis=1, kind="stable")
    per_circo = [panel_order[c, : present[c].sum()] for c in range(n_circ)]
    return present, per_circo


def _leg_transfer(qualified: np.ndarray) -> np.ndarray:
    """(3 + K, 3 + K) transfer matrix towards the qualified nuances (boolean mask over K)."""
    keys = [o.key for o in LEG_NUANCES]
    k = len(keys)
    pos = np.array([LEG_POSITION[x] for x in keys])
    far_right = np.isin(keys, ["RN", "UXD", "REC"])
    m = np.zeros((3 + k, 3 + k))
    n_q = max(int(qualified.sum()), 1)
    m[0, :3] = [0.87, 0.004, 0.002]
    m[1, :3] = [0.35, 0.45, 0.10]
    m[2, :3] = [0.35, 0.20, 0.35]
    for r in range(3):
        m[r, 3:] = qualified * (1.0 - m[r, :3].sum()) / n_q
    for a in range(k):
        w = np.exp(-0.9 * np.abs(pos[a] - pos))
        w = np.where(far_right & (pos[a] < 1.0), 0.25 * w, w)
        w = np.where(np.arange(k) == a, 12.0, w) * qualified
        row = np.concatenate([[0.45 + 0.15 * (not qualified[a]), 0.10, 0.04], w])
        m[3 + a] = row / row.sum()
    return m


def simulate(terr: Territory, seed: int) -> dict[str, ElectionResult]:
    """All five elections on the territory."""
    out: dict[str, ElectionResult] = {}
    detail = terr.scale == "city"
    g22 = terr.stations["2022"].groups
    g24 = terr.stations["2024"].groups

    # Présidentielle 2022.
    rng = rng_for(seed, "pres2022")
    shares = group_shares(PRES_T1)
    turnout = group_turnout(0.79)
    blank, null = group_rates(0.016, 0.007)
    c1 = simulate_first_round(g22, turnout, blank, null, shares, None, rng, 0.10, 0.10)
    cands = _national_candidates(PRES_T1)
    r1 = _uniform_result("pres2022_t1", "2022", c1.sum(axis=1), cands, len(PRES_T1))
    r1.truth = _group_truth(PRES_T1, turnout, blank, null, shares, 0.10, 0.10, c1, detail)
    out["pres2022_t1"] = r1
    first = c1.sum(axis=1)
    c2 = simulate_transfer(first, PRES_TRANSFER, rng)
    r2 = _uniform_result("pres2022_t2", "2022", c2.sum(axis=1), _national_candidates(PRES_T2), 2)
    r2.truth = _transfer_truth("pres2022_t1", [o.key for o in PRES_T1], [o.key for o in PRES_T2],
                               PRES_TRANSFER, c2, detail)
    tot = c2.sum(axis=(0, 1))[3:]
    r2.candidates.elected[int(np.argmax(tot))] = True
    out["pres2022_t2"] = r2

    # Européennes 2024.
    rng = rng_for(seed, "euro2024")
    shares = group_shares(EURO)
    turnout = group_turnout(0.575, age_scale=1.3)
    blank, null = group_rates(0.014, 0.010)
    ce = simulate_first_round(g24, turnout, blank, null, shares, None, rng, 0.12, 0.12)
    cands = _national_candidates(EURO)
    re_ = _uniform_result("euro2024", "2024", ce.sum(axis=1), cands, len(EURO))
    cands.seats = dhondt(re_.block_votes.sum(axis=0).astype(float), EURO_SEATS)
    re_.truth = _group_truth(EURO, turnout, blank, null, shares, 0.12, 0.12, ce, detail)
    out["euro2024"] = re_

    # Législatives 2024.
    out.update(_legislatives(terr, seed, g24, detail))
    return out


def _legislatives(terr: Territory, seed: int, g24: np.ndarray, detail: bool) -> dict[str, ElectionResult]:
    rng = rng_for(seed, "leg2024")
    st = terr.stations["2024"]
    keys = [o.key for o in LEG_NUANCES]
    k = len(keys)
    present, per_circo = _leg_candidates(terr, rng)
    n_circ = len(present)
    shares = group_shares(LEG_NUANCES)
    turnout = group_turnout(0.72)
    blank, null = group_rates(0.017, 0.008)
    mask = present[st.circo]
    c1 = simulate_first_round(g24, turnout, blank, null, shares, mask, rng, 0.10, 0.12)
    first = c1.sum(axis=1)                                   # (B, 3 + K)

    # Candidates: one per present nuance in each circo, fictional names, panel = rank.
    n_cands = present.sum(axis=1)
    cand_circo = np.repeat(np.arange(n_circ), n_cands)
    cand_option = np.concatenate(per_circo) if n_circ else np.zeros(0, dtype=np.int64)
    cand_panel = np.concatenate([np.arange(1, len(p) + 1) for p in per_circo])
    rank_c = cand_panel - 1
    rng_n = rng_for(seed, "leg-names")
    sidx, _ = names.distinct_indices(rank_c, cand_circo, len(names.SURNAMES), rng_n, n_circ)
    female = rng_n.random(len(cand_circo)) < 0.42
    n_f, n_m = len(names.FEMALE_FIRST_NAMES), len(names.MALE_FIRST_NAMES)
    prenom = np.where(female, names.pick(names.FEMALE_FIRST_NAMES, rng_n.integers(0, n_f, len(female))),
                      names.pick(names.MALE_FIRST_NAMES, rng_n.integers(0, n_m, len(female))))
    n_total = len(cand_circo)
    cands = Candidates(option=cand_option, panel=cand_panel, nuance=np.array(keys)[cand_option],
                       nom=names.pick(names.SURNAMES, sidx), prenom=prenom, sexe=np.where(female, "F", "M"),
                       short_label=np.full(n_total, ""), label=np.full(n_total, ""), circo=cand_circo,
                       elected=np.zeros(n_total, dtype=bool), seats=np.zeros(n_total, dtype=np.int64))
    cand_of = np.full((n_circ, k), -1, dtype=np.int64)
    cand_of[cand_circo, cand_option] = np.arange(n_total)

    # Circo totals, first-round winners, qualification and withdrawals.
    circ_votes = np.zeros((n_circ, k))
    for j in range(k):
        circ_votes[:, j] = np.bincount(st.circo, weights=first[:, 3 + j], minlength=n_circ)
    circ_reg = np.bincount(st.circo, weights=first.sum(axis=1), minlength=n_circ)
    circ_exp = circ_votes.sum(axis=1)
    best = circ_votes.argmax(axis=1)
    best_v = circ_votes.max(axis=1)
    won_t1 = (best_v > 0.5 * circ_exp) & (best_v >= 0.25 * circ_reg)
    far_right = np.isin(keys, ["RN", "UXD"])
    qualified = np.zeros((n_circ, k), dtype=bool)
    order = np.argsort(-circ_votes, axis=1, kind="stable")
    qualified[np.arange(n_circ), order[:, 0]] = True
    qualified[np.arange(n_circ), order[:, 1]] = True
    qualified |= circ_votes >= 0.125 * circ_reg[:, None]
    qualified &= present
    withdraw_draw = rng.random(n_circ)
    for c in range(n_circ):
        q = np.flatnonzero(qualified[c])
        if len(q) >= 3 and far_right[q].any():
            others = q[~far_right[q]]
            if len(others) >= 2 and withdraw_draw[c] < 0.75:
                weakest = others[np.argmin(circ_votes[c, others])]
                qualified[c, weakest] = False
    qualified[won_t1] = False
    cands.elected[cand_of[np.flatnonzero(won_t1), best[won_t1]]] = True

    pc = np.full((n_circ, LEG_T1_BLOCKS), -1, dtype=np.int64)
    for c in range(n_circ):
        pc[c, : len(per_circo[c])] = cand_of[c, per_circo[c]]
    block_cand_1 = pc[st.circo]
    block_votes_1 = _gather(block_cand_1, cand_option, first[:, 3:])
    r1 = ElectionResult(
        election="leg2024_t1", stations="2024", rows=np.arange(len(st)), registered=first.sum(axis=1),
        abstentions=first[:, 0], voters=first[:, 1:].sum(axis=1), blank=first[:, 1], null=first[:, 2],
        expressed=first[:, 3:].sum(axis=1), block_cand=block_cand_1, block_votes=block_votes_1,
        candidates=cands, n_blocks=LEG_T1_BLOCKS)
    r1.truth = _group_truth(LEG_NUANCES, turnout, blank, null, shares, 0.10, 0.12, c1, detail)
    r1.truth["rule_fr"] = ("Les parts sont renormalisées sur les nuances présentes dans la "
                          "circonscription (voir candidates_by_circonscription).")
    r1.truth["candidates_by_circonscription"] = {
        str(terr.circos.code[c]): [keys[j] for j in per_circo[c]] for c in range(n_circ)}
    r1.truth["elected_first_round"] = [str(terr.circos.code[c]) for c in np.flatnonzero(won_t1)]

    # Second round where nobody was elected in the first.
    matrices = np.zeros((n_circ, 3 + k, 3 + k))
    for c in np.flatnonzero(~won_t1):
        matrices[c] = _leg_transfer(qualified[c])
    rows = np.flatnonzero(~won_t1[st.circo])
    c2 = simulate_transfer(first[rows], matrices[st.circo[rows]], rng)     # (R, 3+K, 3+K)
    second = c2.sum(axis=1)
    circ_votes2 = np.zeros((n_circ, k))
    for j in range(k):
        circ_votes2[:, j] = np.bincount(st.circo[rows], weights=second[:, 3 + j], minlength=n_circ)
    t2_circos = np.flatnonzero(~won_t1)
    win2 = circ_votes2[t2_circos].argmax(axis=1)
    cands2_elected = cands.elected.copy()
    cands2_elected[cand_of[t2_circos, win2]] = True
    pc2 = np.full((n_circ, LEG_T2_BLOCKS), -1, dtype=np.int64)
    for c in t2_circos:
        q = [j for j in per_circo[c] if qualified[c, j]]
        pc2[c, : len(q)] = cand_of[c, q]
    block_cand_2 = pc2[st.circo[rows]]
    block_votes_2 = _gather(block_cand_2, cand_option, second[:, 3:])
    cands2 = Candidates(option=cands.option, panel=cands.panel, nuance=cands.nuance, nom=cands.nom,
                        prenom=cands.prenom, sexe=cands.sexe, short_label=cands.short_label, label=cands.label,
                        circo=cands.circo, elected=cands2_elected & ~cands.elected, seats=cands.seats)
    r2 = ElectionResult(
        election="leg2024_t2", stations="2024", rows=rows, registered=second.sum(axis=1),
        abstentions=second[:, 0], voters=second[:, 1:].sum(axis=1), blank=second[:, 1], null=second[:, 2],
        expressed=second[:, 3:].sum(axis=1), block_cand=block_cand_2, block_votes=block_votes_2,
        candidates=cands2, n_blocks=LEG_T2_BLOCKS)
    by_circo = {}
    for c in t2_circos:
        cols = [j for j in per_circo[c] if qualified[c, j]]
        src = list(per_circo[c])
        row_idx = [0, 1, 2] + [3 + j for j in src]
        col_idx = [0, 1, 2] + [3 + j for j in cols]
        sel = st.circo[rows] == c
        realized = c2[sel].sum(axis=0)[np.ix_(row_idx, col_idx)]
        by_circo[str(terr.circos.code[c])] = {
            "rows": ["abstention", "blancs", "nuls"] + [keys[j] for j in src],
            "columns": ["abstention", "blancs", "nuls"] + [keys[j] for j in cols],
            "matrix": [_round(r) for r in matrices[c][np.ix_(row_idx, col_idx)]],
            "realized_counts": realized.tolist(),
        }
    r2.truth = {"model": "transfer", "from": "leg2024_t1", "by_circonscription": by_circo}
    if detail:
        for code, entry in by_circo.items():
            c = int(np.flatnonzero(terr.circos.code == code)[0])
            sel = np.flatnonzero(st.circo[rows] == c)
            src = [0, 1, 2] + [3 + j for j in per_circo[c]]
            cols = [0, 1, 2] + [3 + j for j in per_circo[c] if qualified[c, j]]
            entry["stations_counts"] = [c2[i][np.ix_(src, cols)].tolist() for i in sel]
    return {"leg2024_t1": r1, "leg2024_t2": r2}


def _group_truth(options: tuple[Option, ...], turnout: np.ndarray, blank: np.ndarray, null: np.ndarray,
                 shares: np.ndarray, turnout_sd: float, share_sd: float, counts: np.ndarray,
                 detail: bool) -> dict:
    t = {
        "model": "groups",
        "options": [o.key for o in options],
        "option_family": [o.family for o in options],
        "turnout": _round(turnout),
        "blank_rate_of_voters": _round(blank),
        "null_rate_of_voters": _round(null),
        "shares_of_expressed": [_round(r) for r in shares],
        "noise": {"turnout_logit_sd": turnout_sd, "share_log_sd": share_sd},
        "realized_group_totals": {
            "columns": ["abstention", "blancs", "nuls"] + [o.key for o in options],
            "counts": counts.sum(axis=0).tolist(),
        },
    }
    if detail:
        t["stations_group_counts"] = counts.tolist()
    return t


def _transfer_truth(source: str, rows: list[str], cols: list[str], matrix: np.ndarray,
                    counts: np.ndarray, detail: bool) -> dict:
    t = {
        "model": "transfer",
        "from": source,
        "rows": ["abstention", "blancs", "nuls"] + rows,
        "columns": ["abstention", "blancs", "nuls"] + cols,
        "matrix": [_round(r) for r in matrix],
        "realized_counts": counts.sum(axis=0).tolist(),
    }
    if detail:
        t["stations_counts"] = counts.tolist()
    return t


def truth_document(terr: Territory, results: dict[str, ElectionResult]) -> dict:
    """The JSON-ready description of every true parameter used to simulate the votes."""
    from .population import REGISTRATION_AGE, REGISTRATION_TENURE, TENURE_LABELS_FR

    stations = {}
    for key, st in terr.stations.items():
        ids = np.strings.add(np.strings.add(terr.communes.code[st.commune], "_"), st.number.astype(str))
        stations[key] = {"station_ids": ids.tolist(), "group_counts": st.groups.tolist()}
    return {
        "description_fr": ("Paramètres vrais de la simulation du territoire de démonstration Isoloir "
                           "(données fictives) : groupes, comportements par groupe, matrices de "
                           "transfert et effectifs d'inscrits par groupe et par bureau."),
        "format_version": 1,
        "scale": terr.scale,
        "seed": terr.seed,
        "groups": [{"id": g, "age_band": a, "tenure": t,
                    "label_fr": f"{a.replace('75+', '75 ans et plus')} ans, {TENURE_LABELS_FR[t]}"
                    .replace("plus ans", "plus")}
                   for g, (a, t) in zip(GROUPS, [(a, t) for a in VOTER_AGE_BANDS for t in TENURES])],
        "registration_rate": {"by_age_band": dict(zip(VOTER_AGE_BANDS, _round(REGISTRATION_AGE))),
                              "by_tenure": dict(zip(TENURES, _round(REGISTRATION_TENURE))),
                              "note_fr": "taux appliqué aux adultes : produit âge × statut d'occupation"},
        "columns_note_fr": ("Dans les comptes, l'ordre des colonnes est : abstention, blancs, nuls, "
                            "puis les options (candidats, listes ou nuances) dans l'ordre de « options »."),
        "stations": stations,
        "splits_2024": terr.splits,
        "elections": {e: {"stations": results[e].stations, "label_fr": ELECTION_LABELS_FR[e],
                          **results[e].truth} for e in ELECTIONS},
    }
