"""Election results: arithmetic identities, round-2 logic, truth.json consistency, spatial signal."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest

from dashboard.demo.population import GROUPS

ELECTIONS = ["pres2022_t1", "pres2022_t2", "euro2024", "leg2024_t1", "leg2024_t2"]


def parse(path: Path, election: str) -> pd.DataFrame:
    """One row per bureau: id, registered..expressed, and the list of candidate votes."""
    if path.suffix == ".xlsx":
        rows = [["" if v is None else str(v) for v in r]
                for r in openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True)]
    else:
        enc = "cp1252" if election.startswith("pres") else "utf-8"
        with open(path, encoding=enc, newline="") as fh:
            rows = list(csv.reader(fh, delimiter=";"))
    header, body = rows[0], rows[1:]
    out = []
    for r in body:
        if election.startswith("pres"):
            d = dict(zip(header[:21], r[:21]))
            ident = f"45{d['Code de la commune']}_{int(d['Code du b.vote'])}"
            fixed = {k: int(d[v]) for k, v in [("registered", "Inscrits"), ("abstentions", "Abstentions"),
                                                ("voters", "Votants"), ("blank", "Blancs"), ("null", "Nuls"),
                                                ("expressed", "Exprimés")]}
            votes = [int(r[21 + 7 * j + 4]) for j in range((len(r) - 21) // 7)]
            names = [r[21 + 7 * j + 2] for j in range((len(r) - 21) // 7)]
            elected = []
        else:
            off = 21 if election == "euro2024" else 19
            d = dict(zip(header[:off], r[:off]))
            ident = f"{d['Code commune']}_{int(d['Code BV'])}"
            fixed = {k: int(d[v]) for k, v in [("registered", "Inscrits"), ("abstentions", "Abstentions"),
                                                ("voters", "Votants"), ("blank", "Blancs"), ("null", "Nuls"),
                                                ("expressed", "Exprimés")]}
            width = 8 if election == "euro2024" else 9
            blocks = [r[off + width * j: off + width * (j + 1)] for j in range((len(r) - off) // width)]
            blocks = [b for b in blocks if b[0] != ""]
            votes = [int(b[4] if election == "euro2024" else b[5]) for b in blocks]
            names = [b[1] for b in blocks]
            elected = [b[8] for b in blocks] if election != "euro2024" else []
        out.append({"id": ident, **fixed, "votes": votes, "names": names, "elected": elected})
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def results(paths: dict[str, Path]) -> dict[str, pd.DataFrame]:
    return {e: parse(paths[e], e) for e in ELECTIONS}


@pytest.fixture(scope="module")
def truth(city) -> dict:  # noqa: ANN001
    return json.loads(city.truth_path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("election", ELECTIONS)
def test_arithmetic_identities(results: dict[str, pd.DataFrame], election: str) -> None:
    df = results[election]
    assert len(df) > 0
    assert (df.registered == df.abstentions + df.voters).all()
    assert (df.voters == df.blank + df.null + df.expressed).all()
    assert (df.votes.map(sum) == df.expressed).all()
    assert (df[["registered", "abstentions", "voters", "blank", "null", "expressed"]] >= 0).all().all()
    assert df.votes.map(min).min() >= 0


def test_bureaux_and_boundary_sets(results: dict[str, pd.DataFrame]) -> None:
    assert len(results["pres2022_t1"]) == len(results["pres2022_t2"]) == 40
    for e in ("euro2024", "leg2024_t1", "leg2024_t2"):
        assert len(results[e]) == 41
    assert (results["pres2022_t1"].registered.values == results["pres2022_t2"].registered.values).all()
    assert results["pres2022_t1"].registered.between(600, 1400).all()
    assert results["leg2024_t1"].registered.between(500, 1400).all()


def test_realistic_turnout_and_shares(results: dict[str, pd.DataFrame]) -> None:
    turnout = {e: df.voters.sum() / df.registered.sum() for e, df in results.items()}
    assert 0.65 < turnout["pres2022_t1"] < 0.85
    assert 0.40 < turnout["euro2024"] < 0.65
    assert 0.55 < turnout["leg2024_t1"] < 0.80
    t1 = results["pres2022_t1"]
    totals = np.sum(np.vstack(t1.votes.to_numpy()), axis=0) / t1.expressed.sum()
    names = t1.names.iloc[0]
    top = {names[i] for i in np.argsort(-totals)[:3]}
    assert top == {"MACRON", "LE PEN", "MÉLENCHON"}


def test_legislative_second_round(results: dict[str, pd.DataFrame]) -> None:
    t1, t2 = results["leg2024_t1"], results["leg2024_t2"]
    assert (t1.elected.map(lambda e: "élu" in e)).sum() == 0
    n = t2.names.map(len)
    assert ((n == 2) | (n == 3)).all() and n.nunique() == 1
    finalists = set(t2.names.iloc[0])
    assert "RN" in finalists or "UG" in finalists
    assert finalists <= set(t1.names.iloc[0])
    # The same candidate is marked elected in every bureau of the circonscription.
    assert t2.elected.map(lambda e: e.count("élu")).eq(1).all()
    assert t2.elected.map(lambda e: e.index("élu")).nunique() == 1
    win = t2.elected.iloc[0].index("élu")
    totals = np.sum(np.vstack(t2.votes.to_numpy()), axis=0)
    assert int(np.argmax(totals)) == win


def test_truth_structure(truth: dict) -> None:
    assert truth["scale"] == "city" and truth["seed"] == 2026
    assert [g["id"] for g in truth["groups"]] == list(GROUPS) and len(GROUPS) == 15
    assert set(truth["elections"]) == set(ELECTIONS)
    for e in ("pres2022_t1", "euro2024", "leg2024_t1"):
        t = truth["elections"][e]
        assert t["model"] == "groups"
        shares = np.array(t["shares_of_expressed"])
        assert shares.shape == (15, len(t["options"]))
        assert np.allclose(shares.sum(axis=1), 1.0, atol=1e-5)
        assert all(0.2 < x < 0.99 for x in t["turnout"])
    t2 = truth["elections"]["pres2022_t2"]
    m = np.array(t2["matrix"])
    assert m.shape == (15, 5) and np.allclose(m.sum(axis=1), 1.0, atol=1e-5)
    assert t2["rows"][:3] == ["abstention", "blancs", "nuls"] and t2["columns"][3:] == ["MACRON", "LE PEN"]
    leg = truth["elections"]["leg2024_t2"]["by_circonscription"]["4501"]
    assert np.allclose(np.array(leg["matrix"]).sum(axis=1), 1.0, atol=1e-5)
    assert truth["splits_2024"] == [{"commune": "45999", "bureau_2022": truth["splits_2024"][0]["bureau_2022"],
                                     "bureaux_2024": [truth["splits_2024"][0]["bureau_2022"], 41]}]


def test_truth_counts_match_the_files(truth: dict, results: dict[str, pd.DataFrame]) -> None:
    for e, key in (("pres2022_t1", "2022"), ("euro2024", "2024"), ("leg2024_t1", "2024")):
        st = truth["stations"][key]
        registered = dict(zip(st["station_ids"], np.array(st["group_counts"]).sum(axis=1)))
        df = results[e]
        assert (df.registered.values == np.array([registered[i] for i in df.id])).all()
        detail = np.array(truth["elections"][e]["stations_group_counts"])   # (bureaux, groups, 3 + options)
        assert detail.shape[:2] == (len(df), 15)
        per_bv = detail.sum(axis=1)
        assert (per_bv[:, 0] == df.abstentions.values).all()
        assert (per_bv[:, 1] == df.blank.values).all() and (per_bv[:, 2] == df.null.values).all()
    # Round 2 comes from round 1 through the transfer counts.
    t1 = np.array(truth["elections"]["pres2022_t1"]["stations_group_counts"]).sum(axis=1)
    flows = np.array(truth["elections"]["pres2022_t2"]["stations_counts"])        # (bureaux, 15, 5)
    assert (flows.sum(axis=2) == t1).all()
    p2 = results["pres2022_t2"]
    assert (flows.sum(axis=1)[:, 3:] == np.vstack(p2.votes.to_numpy())).all()
    assert (flows.sum(axis=1)[:, 0] == p2.abstentions.values).all()


def test_group_shares_are_recovered_by_the_realized_totals(truth: dict) -> None:
    """Realised group totals follow the true parameters (a sanity check for inference benchmarks)."""
    t = truth["elections"]["pres2022_t1"]
    counts = np.array(t["realized_group_totals"]["counts"], dtype=float)   # (15, 3 + K)
    electors = counts.sum(axis=1)
    turnout = 1 - counts[:, 0] / electors
    big = electors > 1500
    assert np.abs(turnout[big] - np.array(t["turnout"])[big]).max() < 0.06


def test_votes_follow_the_demography_spatially(paths: dict[str, Path], results: dict[str, pd.DataFrame]) -> None:
    """Social-housing share (IRIS, interpolated by area to bureaux) vs left vote and turnout."""
    iris = gpd.read_file(paths["iris-contours"])
    bv = gpd.read_file(paths["stations-2022"]).to_crs(2154)
    ind = pd.read_csv(paths["iris-log"], sep=";", dtype={"IRIS": str})
    ind["hlm"] = ind.P21_RP_LOCHLMV / ind.P21_RP
    inter = gpd.overlay(iris[["CODE_IRIS", "geometry"]], bv[["id_bv", "geometry"]], keep_geom_type=True)
    inter = inter.merge(ind[["IRIS", "hlm", "P21_RP"]], left_on="CODE_IRIS", right_on="IRIS")
    inter["w"] = inter.area / inter.CODE_IRIS.map(iris.set_index("CODE_IRIS").area) * inter.P21_RP
    inter["wh"] = inter.w * inter.hlm
    g = inter.groupby("id_bv")[["w", "wh"]].sum()
    hlm = (g.wh / g.w).rename("hlm")
    t1 = results["pres2022_t1"].set_index("id").join(hlm)
    mel = t1.votes.map(lambda v: v[6]) / t1.expressed
    turnout = t1.voters / t1.registered
    assert np.corrcoef(t1.hlm, mel)[0, 1] > 0.4
    assert np.corrcoef(t1.hlm, turnout)[0, 1] < -0.3
