"""Target scores per polling station: pure formulas (properties), priority weights, and the demo warehouse."""

from __future__ import annotations

import math
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.targeting import scores
from dashboard.targeting.scores import (
    DECIMALS,
    SCORES,
    SOURCES,
    ScoreError,
    ScoreParameters,
    ScoreTable,
    closeness_score,
    combine,
    compute_scores,
    doors_per_hour,
    estimated_support,
    mobilisation_score,
    net_votes_per_hour,
    parse_fr_number,
    percentile_rank,
    persuasion_score,
    reprioritise,
    top_targets,
)
from dashboard.cli import main
from dashboard.formats import NNBSP, fmt_number
from dashboard.maps.territory import Scope
from dashboard.warehouse.database import Warehouse, warehouse_path

CITY = Scope(("45999",))
SCORE_COLUMNS = ["mobilisation", "persuasion", "net_votes_per_hour", "priority"]
FAST = settings(max_examples=60, deadline=None)

shares = st.floats(0.0, 1.0, allow_nan=False)
positive = st.floats(1.0, 5000.0, allow_nan=False)


# -- pure formulas: monotone in their inputs ------------------------------------------------
@FAST
@given(registered=positive, extra=st.floats(1.0, 1000.0), support=st.floats(0.01, 1.0), abstention=st.floats(0.01, 1.0))
def test_mobilisation_grows_with_registered(registered, extra, support, abstention):
    assert mobilisation_score(registered + extra, support, abstention) > mobilisation_score(registered, support, abstention)


@FAST
@given(registered=positive, support=st.floats(0.01, 1.0), low=shares, high=shares)
def test_mobilisation_grows_with_abstention(registered, support, low, high):
    low, high = sorted((low, high))
    assert mobilisation_score(registered, support, high) >= mobilisation_score(registered, support, low)
    if high - low > 1e-6:
        assert mobilisation_score(registered, support, high) > mobilisation_score(registered, support, low)


@FAST
@given(registered=positive, s=shares, r1=shares, r2=shares, volatility=st.floats(0.001, 0.5), undecided=st.floats(0.001, 0.5))
def test_closer_race_means_more_persuasion(registered, s, r1, r2, volatility, undecided):
    near, far = sorted((r1, r2), key=lambda r: abs(s - r))
    c_near, c_far = closeness_score(s, near), closeness_score(s, far)
    assert 0.0 <= c_far <= c_near <= 1.0
    assert persuasion_score(registered, c_near, volatility, undecided) >= persuasion_score(registered, c_far, volatility, undecided)
    if abs(s - far) - abs(s - near) > 1e-6:
        assert persuasion_score(registered, c_near, volatility, undecided) > persuasion_score(registered, c_far, volatility, undecided)


@FAST
@given(registered=positive, extra=st.floats(1.0, 1000.0), closeness=st.floats(0.01, 1.0),
       volatility=st.floats(0.0, 0.5), undecided=st.floats(0.01, 0.5), more=st.floats(0.001, 0.5))
def test_persuasion_grows_with_registered_volatility_undecided(registered, extra, closeness, volatility, undecided, more):
    base = persuasion_score(registered, closeness, volatility, undecided)
    assert persuasion_score(registered + extra, closeness, volatility, undecided) > base
    assert persuasion_score(registered, closeness, volatility + more, undecided) > base
    assert persuasion_score(registered, closeness, volatility, undecided + more) > base


winning = st.floats(0.51, 1.0)


@FAST
@given(doors=st.floats(1.0, 60.0), rate=st.floats(0.01, 1.0), effect=st.floats(0.001, 0.2), more=st.floats(0.001, 0.5),
       support=winning, rival_part=st.floats(0.0, 1.0))
def test_net_votes_grow_with_effect_and_contact_rate(doors, rate, effect, more, support, rival_part):
    rival = rival_part * (1.0 - support)  # the rival cannot exceed what the target leaves
    base = net_votes_per_hour(doors, rate, effect, support, rival)
    assert base > 0
    assert net_votes_per_hour(doors, rate, effect + more, support, rival) > base
    assert net_votes_per_hour(doors, min(rate + more, 1.0), effect, support, rival) >= base
    assert net_votes_per_hour(doors + 1.0, rate, effect, support, rival) > base


@FAST
@given(s1=winning, s2=winning, doors=st.floats(1.0, 60.0), rate=st.floats(0.01, 1.0), effect=st.floats(0.001, 0.2))
def test_net_votes_grow_with_support_above_half(s1, s2, doors, rate, effect):
    low, high = sorted((s1, s2))
    # two-way race: the rival holds the rest (support − (1 − support) = 2·support − 1)
    assert net_votes_per_hour(doors, rate, effect, high, 1 - high) >= net_votes_per_hour(doors, rate, effect, low, 1 - low)
    if high - low > 1e-6:
        assert net_votes_per_hour(doors, rate, effect, high, 1 - high) > net_votes_per_hour(doors, rate, effect, low, 1 - low)


def test_net_votes_negative_where_the_rival_leads():
    assert net_votes_per_hour(20, 0.3, 0.01, 0.30, 0.45) < 0


@FAST
@given(d1=st.floats(0.1, 1000.0), d2=st.floats(0.1, 1000.0))
def test_doors_per_hour_grow_with_density_within_bounds(d1, d2):
    p = ScoreParameters()
    low, high = sorted((d1, d2))
    args = (p.house_density, p.building_density, p.house_doors_per_hour, p.building_doors_per_hour)
    v_low, v_high = doors_per_hour(low, *args), doors_per_hour(high, *args)
    assert p.house_doors_per_hour <= v_low <= v_high <= p.building_doors_per_hour


def test_doors_per_hour_reference_points():
    p = ScoreParameters()
    args = (p.house_density, p.building_density, p.house_doors_per_hour, p.building_doors_per_hour)
    assert doors_per_hour(1.0, *args) == pytest.approx(10.0)
    assert doors_per_hour(p.house_density, *args) == pytest.approx(10.0)
    assert doors_per_hour(p.building_density, *args) == pytest.approx(30.0)
    assert doors_per_hour(math.sqrt(p.house_density * p.building_density), *args) == pytest.approx(20.0)
    assert doors_per_hour(np.nan, *args) == pytest.approx(10.0)


@FAST
@given(votes=st.integers(0, 2000), extra=st.integers(0, 2000), prior=shares, k=st.floats(0.0, 500.0))
def test_support_is_shrunk_between_raw_share_and_commune(votes, extra, prior, k):
    expressed = votes + extra
    s = float(estimated_support(votes, expressed, prior, k)[()])
    assert 0.0 <= s <= 1.0
    if expressed > 0:
        raw = votes / expressed
        assert min(raw, prior) - 1e-12 <= s <= max(raw, prior) + 1e-12
        assert float(estimated_support(votes, expressed, prior, 0.0)[()]) == pytest.approx(raw)


def test_support_zero_off_ballot_and_without_votes():
    s = estimated_support([10, 0, 0], [100, 0, 50], [0.3, 0.3, 0.3], 50.0, on_ballot=[True, True, False])
    assert s[0] == pytest.approx((10 + 15) / 150)
    assert s[1] == pytest.approx(0.3)  # nothing expressed: the commune's share
    assert s[2] == 0.0  # not on the ballot
    assert estimated_support([0], [0], [np.nan], 0.0)[0] == 0.0


@FAST
@given(values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=40))
def test_percentile_rank_preserves_order(values):
    pct = percentile_rank(values)
    assert pct.min() >= 0 and pct.max() <= 1
    v = np.asarray(values)
    i, j = np.meshgrid(np.arange(len(v)), np.arange(len(v)))
    assert np.all((pct[i] > pct[j]) == (v[i] > v[j]))


# -- combined priority on a synthetic table ---------------------------------------------------------
def _synthetic_table(n: int = 30, seed: int = 7) -> ScoreTable:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "station_id": [f"99999_{i + 1}" for i in range(n)],
        "mobilisation": rng.integers(0, 8, n).astype(float) * 10,  # ties on purpose
        "persuasion": rng.normal(100, 30, n),
        "net_votes_per_hour": rng.normal(0, 0.01, n),
    })
    table = ScoreTable(frame, {}, [], ScoreParameters(), "x", "x", "bloc", "x", "x")
    return reprioritise(table, dict(scores.DEFAULT_WEIGHTS))


def _expected_order(frame: pd.DataFrame, column: str) -> list[str]:
    number = frame["station_id"].str.split("_").str[1].astype(int)
    return list(frame.assign(_n=number).sort_values([column, "_n"], ascending=[False, True])["station_id"])


@pytest.mark.parametrize("score", list(SCORES))
def test_single_weight_ranking_equals_that_score_ranking(score):
    table = reprioritise(_synthetic_table(), {s: (1.0 if s == score else 0.0) for s in SCORES})
    by_rank = list(table.frame.sort_values("rank")["station_id"])
    assert by_rank == _expected_order(table.frame, score)
    assert list(top_targets(table, 5)["station_id"]) == by_rank[:5]
    assert list(top_targets(table, 5, by=score)["station_id"]) == _expected_order(table.frame, score)[:5]


def test_priority_is_the_weighted_mean_of_percentile_ranks():
    table = reprioritise(_synthetic_table(), {"mobilisation": 2, "persuasion": 1, "net_votes_per_hour": 0})
    f = table.frame
    expected = (2 * percentile_rank(f["mobilisation"]) + percentile_rank(f["persuasion"])) / 3
    assert np.allclose(f["priority"], expected)
    assert f["priority"].between(0, 1).all()
    assert sorted(f["rank"]) == list(range(1, len(f) + 1))
    assert "2,00 × rang centile mobilisation" in table.formulas["priority"]


def test_ties_broken_by_station_number_not_text():
    frame = pd.DataFrame({"station_id": ["99999_10", "99999_2", "99999_1"], "mobilisation": [1.0, 1.0, 1.0],
                          "persuasion": [1.0, 1.0, 1.0], "net_votes_per_hour": [0.0, 0.0, 0.0]})
    table = reprioritise(ScoreTable(frame, {}, [], ScoreParameters(), "x", "x", "bloc", "x", "x"), {"persuasion": 1})
    assert list(top_targets(table, 3)["station_id"]) == ["99999_1", "99999_2", "99999_10"]


def test_parameters_validate_in_french():
    with pytest.raises(ScoreError, match="Taux de contact"):
        ScoreParameters(contact_rate=1.5)
    with pytest.raises(ScoreError, match="poids positif"):
        ScoreParameters(weights={"mobilisation": 0.0})
    with pytest.raises(ScoreError, match="score inconnu"):
        ScoreParameters(weights={"popularité": 1.0})
    with pytest.raises(ScoreError, match="positifs ou nuls"):
        ScoreParameters(weights={"mobilisation": -1.0, "persuasion": 2.0})
    with pytest.raises(ScoreError, match="immeubles"):
        ScoreParameters(house_density=10.0, building_density=5.0)
    with pytest.raises(ScoreError):
        combine(pd.DataFrame({"mobilisation_pct": [0.5]}), {"mobilisation": 0.0})
    p = ScoreParameters(weights={"persuasion": 2})
    assert p.weight_map() == {"mobilisation": 0.0, "persuasion": 2.0, "net_votes_per_hour": 0.0}
    assert hash(p) == hash(ScoreParameters(weights={"persuasion": 2.0}))  # usable as a cache key


def test_every_parameter_has_a_french_label_help_and_known_sources():
    editable = ScoreParameters.editable_fields()
    assert {f.name for f in editable} == {
        "shrinkage_votes", "electors_per_door", "house_density", "building_density", "house_doors_per_hour",
        "building_doors_per_hour", "contact_rate", "effect_size",
    }
    for f in editable:
        assert f.label and f.help and f.sources
        assert f.minimum <= f.default <= f.maximum
        assert set(f.sources) <= set(SOURCES)
    effect = next(f for f in editable if f.name == "effect_size")
    assert {"bhatti2016", "pons2018", "assumption"} <= set(effect.sources)
    assert "2,536" in SOURCES["bhatti2016"].verified
    assert "n'a pas pu être relu" in SOURCES["bhatti2016"].verified  # what was not verified is said


# -- the demo warehouse ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("scores_demo")
    assert main(["demo", "--data-dir", str(data_dir)]) == 0
    return data_dir


@pytest.fixture(scope="module")
def demo(demo_dir: Path) -> Iterator[Warehouse]:
    with Warehouse(warehouse_path(demo_dir), read_only=True) as wh:
        yield wh


@pytest.fixture(scope="module")
def leg(demo: Warehouse) -> ScoreTable:
    """Législatives 2024 T1, bloc Gauche, against the 2022 presidential first round (other boundaries)."""
    return compute_scores(demo, "leg2024_t1", "bloc", "gauche", CITY, reference_id="pres2022_t1")


def test_demo_scores_every_target_type(demo: Warehouse, capsys: pytest.CaptureFixture[str]):
    # Timings are printed for the reader, not asserted: speed is measured by benchmarks, not by tests.
    timings = []
    for election, target_type, target, reference in [
        ("leg2024_t1", "bloc", "gauche", "pres2022_t1"), ("leg2024_t1", "candidate", "SALMON Karim", None),
        ("pres2022_t2", "bloc", "centre", None), ("euro2024", "nuance", "LRN", None),
    ]:
        started = time.perf_counter()
        table = compute_scores(demo, election, target_type, target, CITY, reference_id=reference)
        timings.append((election, target, time.perf_counter() - started, len(table.frame)))
    with capsys.disabled():
        for election, target, seconds, n in timings:
            print(f"\ncompute_scores({election}, {target}) on the demo: {seconds * 1000:.0f} ms for {n} stations")
    assert all(n in (40, 41) for *_, n in timings), timings  # every station (40 before the demo splits BV 7, 41 after)


def test_demo_one_row_per_station_and_no_nan_in_scores(demo: Warehouse, leg: ScoreTable):
    f = leg.frame
    assert len(f) == 41 and f["station_id"].is_unique
    assert set(scores.COLUMNS) <= set(f.columns)
    numeric = ["registered", "voters", "abstention", "support", "rival_share", "closeness", "volatility", "undecided",
               "doors", "doors_per_hour", "contacts_per_hour", *SCORE_COLUMNS, "rank"]
    assert not f[numeric].isna().any().any()
    assert f["rival"].ne("").all()
    assert (f["mobilisation"] >= 0).all() and (f["persuasion"] >= 0).all()
    assert f["set_id"].eq("contours-2024-demo").all()
    assert sorted(f["rank"]) == list(range(1, 42))
    for other in [("pres2022_t1", "bloc", "extreme_droite"), ("pres2022_t2", "bloc", "centre"),
                  ("euro2024", "list", "BESOIN D'EUROPE"), ("leg2024_t2", "candidate", "SALMON Karim")]:
        table = compute_scores(demo, other[0], other[1], other[2], CITY)
        assert not table.frame[SCORE_COLUMNS].isna().any().any(), other
        assert table.frame["support"].gt(0).all(), other


def test_demo_inputs_match_the_warehouse(demo: Warehouse, leg: ScoreTable):
    raw = demo.query(
        """SELECT t.station_id, t.registered, t.abstentions, t.expressed,
                  (SELECT sum(v.votes) FROM votes v WHERE v.election_id = t.election_id AND v.station_id = t.station_id
                     AND v.bloc = 'gauche') AS target
           FROM turnout t WHERE t.election_id = 'leg2024_t1'"""
    ).set_index("station_id")
    f = leg.frame.set_index("station_id")
    assert (f["registered"] == raw["registered"]).all()
    assert np.allclose(f["abstention"], raw["abstentions"] / raw["registered"])
    assert np.allclose(f["support_raw"], raw["target"] / raw["expressed"])
    k = leg.params.shrinkage_votes
    commune_share = raw["target"].sum() / raw["expressed"].sum()
    assert np.allclose(f["support"], (raw["target"] + k * commune_share) / (raw["expressed"] + k))
    assert np.allclose(f["mobilisation"], f["registered"] * f["support"] * f["abstention"])
    assert np.allclose(f["closeness"], 1 - (f["support"] - f["rival_share"]).abs())
    assert np.allclose(f["persuasion"], f["registered"] * f["closeness"] * (f["volatility"] + f["undecided"]))
    p = leg.params
    assert np.allclose(f["net_votes_per_hour"],
                       f["doors_per_hour"] * p.contact_rate * p.effect_size * (f["support"] - f["rival_share"]))
    points = demo.query("SELECT station_id, count(DISTINCT ban_id) AS n FROM address GROUP BY 1").set_index("station_id")["n"]
    assert (f["address_points"] == points.reindex(f.index)).all()
    assert np.allclose(f["doors"], np.maximum(points.reindex(f.index), np.ceil(f["registered"] / p.electors_per_door)))


def test_split_station_is_compared_through_the_crosswalk(demo: Warehouse, leg: ScoreTable):
    f = leg.frame.set_index("station_id")
    # 45999_7 was split into 7 and 41 between the 2022 and 2024 boundary versions: the crosswalk the
    # import computed carries old BV 7's results onto both halves, so every station is comparable
    assert f["comparable"].all() and len(f) == 41
    assert not any("sans référence comparable" in n for n in leg.notes)
    assert f.at["45999_41", "share_ref"] == pytest.approx(f.at["45999_7", "share_ref"])
    comparable = f.drop(index="45999_41")
    # comparable stations: the swing is computed on the same station in both elections
    ref = demo.query(
        """SELECT t.station_id, t.voters / t.registered AS turnout,
                  (SELECT sum(v.votes) FROM votes v WHERE v.election_id = t.election_id AND v.station_id = t.station_id
                     AND v.bloc = 'gauche') / t.expressed AS share
           FROM turnout t WHERE t.election_id = 'pres2022_t1'"""
    ).set_index("station_id")
    assert np.allclose(comparable["share_ref"], ref["share"].reindex(comparable.index))
    assert f.at["45999_41", "share_ref"] == pytest.approx(ref.at["45999_7", "share"])
    assert np.allclose(comparable["turnout_swing"], comparable["turnout"] - ref["turnout"].reindex(comparable.index))
    assert np.allclose(comparable["volatility"], (comparable["support_raw"] - comparable["share_ref"]).abs())
    # same boundaries: every station is comparable
    same = compute_scores(demo, "leg2024_t1", "bloc", "gauche", CITY, reference_id="euro2024")
    assert same.frame["comparable"].all()


def test_unreliable_crosswalk_falls_back_to_the_median(demo_dir: Path, tmp_path: Path):
    """A station mixing two guessed pieces (reliability below the threshold) has no comparable reference."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse_path(demo_dir), copy)
    with Warehouse(copy) as wh:
        old, new = "contours-2022-demo", "contours-2024-demo"
        ids = wh.query("SELECT station_id FROM station WHERE set_id = ?", [old])["station_id"]
        rows = [(old, s, new, s, 1.0, "test", 1.0) for s in ids if s not in ("45999_7", "45999_8")]
        rows += [(old, "45999_7", new, "45999_7", 0.6, "test", 0.6), (old, "45999_7", new, "45999_41", 0.4, "test", 0.4),
                 (old, "45999_8", new, "45999_8", 0.75, "test", 0.75), (old, "45999_8", new, "45999_41", 0.25, "test", 0.25)]
        wh.con.execute("DELETE FROM station_crosswalk")
        wh.con.executemany("INSERT INTO station_crosswalk VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        table = compute_scores(wh, "leg2024_t1", "bloc", "gauche", CITY, reference_id="pres2022_t1")
    f = table.frame.set_index("station_id")
    assert not f.at["45999_41", "comparable"] and f["comparable"].sum() == 40
    assert math.isnan(f.at["45999_41", "share_swing"])
    median_volatility = f[f["comparable"]]["share_swing"].abs().median()
    assert f.at["45999_41", "volatility"] == pytest.approx(median_volatility)
    note = next(n for n in table.notes if "sans référence comparable" in n)
    assert "45999_41" in note and "peu fiable" in note and "médiane" in note
    assert "médiane des bureaux comparables" in table.explain_by_score("45999_41")["volatility"]


def test_default_reference_and_fallback_to_the_bloc(demo: Warehouse):
    assert scores.default_reference(demo, "pres2022_t1", CITY) is None
    assert scores.default_reference(demo, "pres2022_t2", CITY) == "pres2022_t1"
    assert scores.default_reference(demo, "leg2024_t1", CITY) == "euro2024"
    table = compute_scores(demo, "leg2024_t1", "candidate", "SALMON Karim", CITY, reference_id="pres2022_t1")
    assert any("bloc « Gauche »" in n for n in table.notes)
    first = compute_scores(demo, "pres2022_t1", "bloc", "centre", CITY)
    assert first.reference_id is None and first.frame["volatility"].eq(0).all()
    assert any("Pas d'élection de référence" in n for n in first.notes)
    with pytest.raises(ScoreError, match="différer"):
        compute_scores(demo, "leg2024_t1", "bloc", "gauche", CITY, reference_id="leg2024_t1")
    with pytest.raises(ScoreError, match="élection inconnue"):
        compute_scores(demo, "pres1981_t1", "bloc", "gauche", CITY)
    with pytest.raises(ScoreError, match="type de cible"):
        compute_scores(demo, "leg2024_t1", "parti", "gauche", CITY)


def _result(line: str) -> str:
    """The number after the last « = » of an explained formula."""
    match = re.match(r"[−-]?[\d\u202f]+(?:,\d+)?", line[line.rindex("= ") + 2:])
    assert match, line
    return match.group(0)


def test_explain_numbers_match_the_table(leg: ScoreTable):
    f = leg.frame.set_index("station_id")
    for station in ["45999_1", "45999_7", "45999_41", f.index[f["rank"] == 1][0]]:
        lines = leg.explain_by_score(station)
        assert list(lines) == ["support", "rival", "mobilisation", "closeness", "volatility", "undecided", "persuasion",
                               "doors", "doors_per_hour", "contacts_per_hour", "net_votes_per_hour", "priority"]
        assert leg.explain(station) == list(lines.values())
        row = f.loc[station]
        for score in ("mobilisation", "persuasion", "net_votes_per_hour", "priority"):
            assert _result(lines[score]) == fmt_number(row[score], DECIMALS[score]), (score, lines[score])
        assert f"rang {int(row['rank'])} sur 41" in lines["priority"]
        # mobilisation: the inputs shown multiply to the result shown (up to the rounding of the inputs)
        m = re.match(r"mobilisation = ([\d\u202f]+) inscrits × ([\d,]+)\u202f% \(soutien\) × ([\d,]+)\u202f% \(abstention\) = ([\d\u202f,]+)$",
                     lines["mobilisation"])
        assert m, lines["mobilisation"]
        registered, support, abstention, result = (parse_fr_number(g) for g in m.groups())
        assert registered == row["registered"]
        assert registered * support / 100 * abstention / 100 == pytest.approx(result, rel=0.01)
        assert parse_fr_number(lines["doors"].rsplit("= ", 1)[1]) == row["doors"]
    for station in ("45999_1", "45999_7", "45999_41"):  # the split station's halves through the crosswalk
        assert "(référence)" in leg.explain_by_score(station)["volatility"]
    with pytest.raises(ScoreError, match="bureau inconnu"):
        leg.explain("00000_1")


def test_french_number_formats(leg: ScoreTable):
    big = leg.frame.loc[leg.frame["registered"] >= 1000, "station_id"].iloc[0]
    text = " ".join(leg.explain(big))
    registered = int(leg.frame.set_index("station_id").at[big, "registered"])
    assert f"{registered // 1000}{NNBSP}{registered % 1000:03d} inscrits" in text  # narrow no-break space thousands
    assert re.search(r"\d,\d\u202f%", text)  # comma decimals, narrow no-break space before %
    assert not re.search(r"\d\.\d", text)  # no decimal point anywhere
    assert "pts" in text or "pt" in text
    for formula in leg.formulas.values():
        assert not re.search(r"\d\.\d", formula)
    assert leg.formulas["mobilisation"] == "mobilisation = inscrits × soutien estimé × abstention"
    assert set(leg.formulas) >= {"mobilisation", "persuasion", "net_votes_per_hour", "priority"}


def test_reweighting_the_demo(leg: ScoreTable):
    for score in SCORES:
        table = reprioritise(leg, {score: 1.0})
        assert list(table.frame.sort_values("rank")["station_id"]) == _expected_order(table.frame, score)
        assert table.frame[score].equals(leg.frame[score])  # scores untouched, only the priority moves
    top = top_targets(leg, 5)
    assert list(top["rank"]) == [1, 2, 3, 4, 5] and list(top["position"]) == [1, 2, 3, 4, 5]
    assert len(top_targets(leg, 100)) == 41
    with pytest.raises(ScoreError):
        top_targets(leg, 5, by="name")


def test_subset_scope_and_empty_scope(demo: Warehouse):
    scope = Scope(("45999",), ("45999_1", "45999_7", "45999_41", "45999_999"))
    table = compute_scores(demo, "leg2024_t1", "nuance", "UG", scope)
    assert sorted(table.frame["station_id"]) == ["45999_1", "45999_41", "45999_7"]
    assert table.frame["priority"].between(0, 1).all()
    empty = compute_scores(demo, "leg2024_t1", "bloc", "gauche", Scope(("00000",)))
    assert empty.frame.empty and empty.notes and top_targets(empty, 3).empty


@pytest.fixture(scope="module")
def gappy(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """A copy of the demo where 45999_3 has no REU addresses, the target no votes in 45999_5, and 45999_9 no electors."""
    copy = tmp_path_factory.mktemp("scores_gappy")
    shutil.copy(warehouse_path(demo_dir), warehouse_path(copy))
    with Warehouse(warehouse_path(copy)) as wh:
        wh.con.execute("DELETE FROM address WHERE station_id = '45999_3'")
        wh.con.execute("DELETE FROM votes WHERE election_id = 'leg2024_t1' AND station_id = '45999_5' AND bloc = 'gauche'")
        wh.con.execute(
            """UPDATE turnout SET registered = 0, voters = 0, abstentions = 0, blank = NULL, "null" = NULL, expressed = 0
               WHERE election_id = 'leg2024_t1' AND station_id = '45999_9'"""
        )
        wh.con.execute("UPDATE votes SET votes = 0 WHERE election_id = 'leg2024_t1' AND station_id = '45999_9'")
    with Warehouse(warehouse_path(copy), read_only=True) as wh:
        yield wh


def test_missing_addresses_and_missing_target_votes_never_crash(gappy: Warehouse):
    table = compute_scores(gappy, "leg2024_t1", "bloc", "gauche", CITY)
    f = table.frame.set_index("station_id")
    assert not f[SCORE_COLUMNS].isna().any().any()
    # no addresses: doors from registered, speed from the median density of the other stations
    assert f.at["45999_3", "address_points"] == 0
    assert f.at["45999_3", "doors"] == math.ceil(f.at["45999_3", "registered"] / table.params.electors_per_door)
    others = f.drop(index="45999_3")
    assert f.at["45999_3", "electors_per_point"] == pytest.approx(others["electors_per_point"].median())
    assert any("sans adresse REU" in n and "45999_3" in n for n in table.notes)
    assert "aucune adresse" in table.explain_by_score("45999_3")["doors_per_hour"]
    # no votes for the target: support 0
    assert not f.at["45999_5", "on_ballot"] and f.at["45999_5", "support"] == 0 and f.at["45999_5", "mobilisation"] == 0
    assert any("45999_5" in n and "soutien estimé nul" in n for n in table.notes)
    assert table.explain_by_score("45999_5")["support"].startswith("soutien estimé = 0")
    # no electors at all: zero scores, no NaN, still explained
    assert f.at["45999_9", "mobilisation"] == 0 and f.at["45999_9", "persuasion"] == 0
    assert not f.loc["45999_9", ["abstention", "support", "closeness", "doors_per_hour"]].isna().any()
    assert len(table.explain("45999_9")) == 12
    ref = compute_scores(gappy, "leg2024_t1", "bloc", "gauche", CITY, reference_id="pres2022_t1")
    assert not ref.frame[SCORE_COLUMNS].isna().any().any()
    assert not ref.frame.set_index("station_id").at["45999_9", "comparable"]


_NUM = re.compile(r"[−-]?\d[\d\u202f]*(?:,\d+)?")


def _numbers(line: str) -> list[float]:
    """Every French number after the first « = » of an explanation (names before it may hold digits)."""
    rest = line.split(" = ", 1)[1]
    rest = re.sub(r"\([^()\d]*\)", " ", rest)  # drop parenthesised labels without digits: « (part communale) »
    return [float(m.replace("\u202f", "").replace(",", ".").replace("−", "-")) for m in _NUM.findall(rest)]


@pytest.mark.parametrize("shrinkage", [50.0, 0.0])
def test_formulas_and_explanations_match_the_code(demo: Warehouse, shrinkage: float):
    """One definition per quantity: the « Formules et sources » text, each station's explanation and
    the table's values agree; support and rival share are shrunk the same way, « indécis » is all on
    the registered base."""
    params = ScoreParameters(shrinkage_votes=shrinkage)
    table = compute_scores(demo, "leg2024_t1", "bloc", "gauche", CITY, reference_id="pres2022_t1", params=params)
    f = table.frame.set_index("station_id")
    first = table.explain_by_score(f.index[0])
    assert set(table.formulas) == set(first)  # one formula per explained quantity
    # the formulas' text names what the code computes
    assert "(voix de la cible + " in table.formulas["support"] and "/ (exprimés + " in table.formulas["support"]
    assert "(voix du rival + " in table.formulas["rival"] and "part du rival dans la commune" in table.formulas["rival"]
    assert "part estimée du principal rival" in table.formulas["closeness"]
    assert "(blancs + nuls) / inscrits" in table.formulas["undecided"]
    assert "votants / inscrits" in table.formulas["undecided"]
    # the code: the same shrinkage for both shares, everything in « indécis » on the registered base
    raw = demo.query("SELECT station_id, registered, voters, blank, \"null\" FROM turnout WHERE election_id = 'leg2024_t1'")
    raw = raw.set_index("station_id").reindex(f.index)
    np.testing.assert_allclose(f["blank_null"], (raw["blank"] + raw["null"]) / raw["registered"])
    np.testing.assert_allclose(f["undecided"], f["blank_null"] + f["turnout_shift"])
    k = shrinkage
    np.testing.assert_allclose(f["support"], (f["target_votes"] + k * f["prior_share"]) / (f["expressed"] + k))
    np.testing.assert_allclose(f["rival_share"], (f["rival_votes"] + k * f["rival_prior"]) / (f["expressed"] + k))
    for station in f.index[:12]:
        row, lines = f.loc[station], table.explain_by_score(station)
        if k > 0:
            v, k1, p, e, k2, s = _numbers(lines["support"])
            assert k1 == k2 == k and v == row["target_votes"] and e == row["expressed"]
            assert (v + k * p / 100) / (e + k) * 100 == pytest.approx(s, abs=0.1)
            v, k1, p, e, k2, r = _numbers(lines["rival"])
            assert (v + k * p / 100) / (e + k) * 100 == pytest.approx(r, abs=0.1)
        else:
            v, e, s = _numbers(lines["support"])
            assert v / e * 100 == pytest.approx(s, abs=0.06)
            v, e, r = _numbers(lines["rival"])
            assert v / e * 100 == pytest.approx(r, abs=0.06)
        one, s2, r2, c = _numbers(lines["closeness"])
        assert (s2, r2) == (s, r) and (1 - abs(s - r) / 100) * 100 == pytest.approx(c, abs=0.16)
        parts = _numbers(lines["undecided"])
        b, u = parts[0], parts[-1]
        swing = abs(parts[1] - parts[2]) if len(parts) == 4 else parts[1]
        assert b == pytest.approx(100 * row["blank_null"], abs=0.051)
        assert b + swing == pytest.approx(u, abs=0.16)
        reg, c2, vol, und, pers = _numbers(lines["persuasion"])
        assert reg == row["registered"] and c2 == c and und == u
        assert reg * c / 100 * (vol + und) / 100 == pytest.approx(pers, rel=0.02, abs=0.5)
        doors, contact, effect, s3, r3, net = _numbers(lines["net_votes_per_hour"])[:6]
        assert (s3, r3) == (s, r)
        assert doors * contact / 100 * effect / 100 * (s - r) / 100 == pytest.approx(net, abs=2e-3)
