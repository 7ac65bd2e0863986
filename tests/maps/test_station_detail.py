"""Station detail (results, history, turnout, ranks), IRIS estimates per station, territory totals."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.errors import IsoloirError
from dashboard.iris.estimates import (
    INDICATOR_COLUMNS, base_variable, estimate, indicator_by_station, is_additive, station_indicators, surface_weights,
)
from dashboard.maps.results_summary import TERRITORY_COLUMNS, territory_results_frame
from dashboard.maps.station_detail import PARTICIPATION, UnknownStation, station_detail
from dashboard.warehouse.database import Warehouse, warehouse_path

BONDY_SET = "bv-reu-osm-2022-bondy"
DEMO_2022, DEMO_2024 = "contours-2022-demo", "contours-2024-demo"
# Bondy's polling-station contours (OSM) leave ~5 % of the IRIS area uncovered (mostly the
# park IRIS 930100108, 40 % covered): summed over the 32 stations, area-weighted counts give
# 97.3 %–98.6 % of the commune totals (measured). The demo tiles its commune exactly.
BONDY_COVERAGE = (0.97, 1.001)
DEMO_COVERAGE = (0.9999, 1.0001)


@pytest.fixture(scope="module")
def real(real_data_dir: Path) -> Iterator[Warehouse]:
    with Warehouse(warehouse_path(real_data_dir), read_only=True) as wh:
        yield wh


@pytest.fixture(scope="module")
def demo(demo_dir: Path) -> Iterator[Warehouse]:
    with Warehouse(warehouse_path(demo_dir), read_only=True) as wh:
        yield wh


# -- pure rules ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("variable", "label", "additive"),
    [
        ("P21_POP", "Population", True),
        ("C21_POP15P_CS3", "Population 15 ans ou plus : cadres", True),
        ("DISP_MED21", "Revenu disponible médian par UC (€)", False),
        ("DISP_GI21", "Indice de Gini du revenu disponible", False),
        ("BASE_TD_FILO_DISP_IRIS_2019_DISP_TP6019", "Taux de pauvreté (%)", False),
        ("DEC_PIMP19", "Part des ménages fiscaux imposés (%)", False),
        ("P21_FOO", "Quelque chose (%)", False),
        ("NB_COMMERCES", "Commerces", False),
    ],
)
def test_additive_rule(variable: str, label: str, additive: bool) -> None:
    assert is_additive(variable, label) is additive


@pytest.mark.parametrize(
    ("variable", "theme", "expected"),
    [
        ("C21_POP15P_CS3", "population", "C21_POP15P"),
        ("P21_POP0014", "population", "P21_POP"),
        ("P21_RP_LOC", "logement", "P21_RP"),
        ("P21_RP_LOCHLMV", "logement", "P21_RP"),
        ("P21_MAISON", "logement", "P21_LOG"),
        ("P21_RP", "logement", "P21_LOG"),
        ("P21_POP", "population", None),
        ("P21_LOG", "logement", None),
        ("P16_ACT1564", "activité", "P16_POP1564"),
        ("P16_HCHOM1564", "activité", "P16_POP1564"),
        ("C16_ACT1564", "activité", "P16_POP1564"),
        ("C16_ACT1564_CS3", "activité", "C16_ACT1564"),
        ("P16_ACTOCC15P_ILT1", "activité", "P16_ACTOCC15P"),
        ("P16_ACTOCC15P", "activité", None),
        ("DISP_MED21", "revenus", None),
    ],
)
def test_base_rule(variable: str, theme: str, expected: str | None) -> None:
    available = {
        "P21_POP", "P21_LOG", "P21_RP", "P21_RP_LOC", "C21_POP15P", "P16_POP1564", "C16_ACT1564", "P16_ACTOCC15P",
    }
    assert base_variable(variable, theme, available) == expected


def test_estimate_sums_counts_and_averages_rates_by_population() -> None:
    weights = pd.DataFrame({"unit": ["s", "s"], "code_iris": ["A", "B"], "weight": [0.5, 0.25]})
    values = pd.DataFrame({
        "code_iris": ["A", "B", "A", "B", "A", "B"],
        "variable": ["P21_POP", "P21_POP", "P21_POP0014", "P21_POP0014", "DISP_MED21", "DISP_MED21"],
        "year": 2021,
        "value": [1000.0, 400.0, 200.0, 40.0, 20000.0, 30000.0],
    })
    catalog = pd.DataFrame({
        "variable": ["P21_POP", "P21_POP0014", "DISP_MED21"], "year": 2021,
        "label": ["Population", "Population 0-14 ans", "Revenu disponible médian par UC (€)"],
        "theme": ["population", "population", "revenus"],
    })
    out = estimate(weights, values, catalog, pd.Series({"A": 1.0, "B": 1.0})).set_index("variable")
    assert out.loc["P21_POP", "value"] == pytest.approx(0.5 * 1000 + 0.25 * 400)
    assert out.loc["P21_POP0014", "value"] == pytest.approx(0.5 * 200 + 0.25 * 40)
    assert out.loc["P21_POP0014", "pct"] == pytest.approx(110 / 600)
    assert out.loc["P21_POP0014", "base_variable"] == "P21_POP"
    # Pieces hold 500 and 100 people: (500 × 20 000 + 100 × 30 000) / 600.
    assert out.loc["DISP_MED21", "value"] == pytest.approx((500 * 20000 + 100 * 30000) / 600)
    assert np.isnan(out.loc["DISP_MED21", "pct"])


# -- real data: Bondy, Brest ---------------------------------------------------------
def test_bondy_results_add_up(real: Warehouse) -> None:
    detail = station_detail(real, "93010_1")
    assert (detail.commune_code, detail.commune_name, detail.bv_code, detail.set_id) == ("93010", "Bondy", "1", BONDY_SET)
    results = detail.results[detail.results["election_id"] == "pres2022_t1"]
    turnout = detail.turnout.set_index("election_id").loc["pres2022_t1"]
    assert len(results) == 12
    assert results["votes"].sum() == turnout["expressed"]
    assert results["share_expressed"].sum() == pytest.approx(1.0)
    assert results["share_expressed"].between(0, 1).all() and results["share_registered"].between(0, 1).all()
    assert (results["share_registered"] <= results["share_expressed"]).all()
    assert results["bloc_color"].str.match(r"^#[0-9a-f]{6}$").all()
    assert "Jean-Luc MÉLENCHON" in set(results["candidate"])  # "First LAST"
    assert turnout["turnout"] == pytest.approx(turnout["voters"] / turnout["registered"])


def test_bondy_ranks_match_an_independent_count(real: Warehouse) -> None:
    ranks = station_detail(real, "93010_1").ranks.set_index("election_id").loc["pres2022_t1"]
    assert ranks["n_stations"] == 32 and ranks["winner_n_stations"] == 32
    assert 1 <= ranks["turnout_rank"] <= 32 and 1 <= ranks["winner_share_rank"] <= 32
    all_turnout = real.query(
        "SELECT station_id, voters::DOUBLE / registered AS t FROM turnout WHERE election_id = 'pres2022_t1' AND commune_code = '93010'"
    ).set_index("station_id")["t"]
    assert ranks["turnout_rank"] == int((all_turnout > all_turnout["93010_1"]).sum()) + 1
    shares = real.query(
        """SELECT v.station_id, v.votes::DOUBLE / t.expressed AS s FROM votes v JOIN turnout t USING (election_id, station_id)
           WHERE v.election_id = 'pres2022_t1' AND t.commune_code = '93010' AND v.candidate = 'MÉLENCHON Jean-Luc'"""
    ).set_index("station_id")["s"]
    assert ranks["winner"] == "Jean-Luc MÉLENCHON"
    assert ranks["winner_share"] == pytest.approx(shares["93010_1"])
    assert ranks["winner_share_rank"] == int((shares > shares["93010_1"]).sum()) + 1


def test_bondy_area_weighting_conserves_totals(real: Warehouse) -> None:
    stations = real.query("SELECT station_id FROM station WHERE set_id = ?", [BONDY_SET])["station_id"]
    assert len(stations) == 32
    frames = pd.concat([station_indicators(real, s, BONDY_SET).assign(station_id=s) for s in stations])
    assert list(frames.columns[:-1]) == INDICATOR_COLUMNS
    assert (frames["method"] == "surface").all() and frames["additive"].all()  # Bondy's file: counts only
    totals = frames.groupby("variable").agg(stations=("station_value", "sum"), commune=("commune_value", "first"))
    totals = totals[totals["commune"] > 0]
    ratio = totals["stations"] / totals["commune"]
    low, high = BONDY_COVERAGE
    assert ratio.between(low, high).all(), ratio.describe()
    assert totals.loc["P16_POP1564", "commune"] == pytest.approx(33969)
    shares = frames["station_pct"].dropna()
    assert shares.between(0, 1 + 1e-9).all()
    one = frames[frames["station_id"] == "93010_1"].set_index("variable")
    assert one.loc["C16_ACT1564_CS3", "base_variable"] == "C16_ACT1564"
    assert one.loc["C16_ACT1564_CS3", "station_pct"] == pytest.approx(
        one.loc["C16_ACT1564_CS3", "station_value"] / one.loc["C16_ACT1564", "station_value"]
    )


def test_bondy_weights_are_iris_area_shares(real: Warehouse) -> None:
    weights = surface_weights(real, BONDY_SET, "93010")
    assert weights["weight"].between(0, 1 + 1e-6).all()
    per_iris = weights.groupby("code_iris")["weight"].sum()
    assert per_iris.max() == pytest.approx(1.0, abs=1e-4)
    assert per_iris.median() > 0.95


def test_brest_detail_without_iris(real: Warehouse) -> None:
    detail = station_detail(real, "29019_1")
    assert detail.commune_name == "Brest" and detail.name and "PREVERT" in detail.name
    assert detail.indicators.empty and list(detail.indicators.columns) == INDICATOR_COLUMNS
    assert not detail.results.empty and set(detail.history["election_id"]) == {"leg2024_t1"}
    ranks = detail.ranks.iloc[0]
    # Brest spans several constituencies: the leader ran in part of the commune only.
    assert ranks["n_stations"] == 104 and ranks["winner_n_stations"] < 104


def test_territory_results_frame(real: Warehouse) -> None:
    frame = territory_results_frame(real, "pres2022_t1", ["93010"])
    assert list(frame.columns) == TERRITORY_COLUMNS
    expressed = real.query("SELECT sum(expressed) AS e FROM turnout WHERE election_id = 'pres2022_t1' AND commune_code = '93010'")
    assert frame["votes"].sum() == expressed["e"].iat[0]
    assert frame["share"].sum() == pytest.approx(1.0)
    assert frame["votes"].is_monotonic_decreasing
    both = territory_results_frame(real, "leg2024_t1", ["29019", "92019"], by="bloc")
    assert both["share"].sum() == pytest.approx(1.0) and both["candidate"].is_unique
    assert set(both["candidate"]) <= set(real.query("SELECT label_fr FROM bloc")["label_fr"])
    assert territory_results_frame(real, "leg2024_t1", []).empty
    everywhere = real.query("SELECT sum(expressed) AS e FROM turnout WHERE election_id = 'leg2024_t1'")["e"].iat[0]
    assert territory_results_frame(real, "leg2024_t1")["votes"].sum() == everywhere > both["votes"].sum()


def test_indicator_by_station_matches_the_detail(real: Warehouse) -> None:
    stations = real.query("SELECT station_id, set_id FROM station WHERE commune_code IN ('93010', '29019')")
    found = indicator_by_station(real, "P16_CHOM1564", 2016, stations).set_index("station_id")
    assert len(found) == len(stations)
    assert found.loc[found.index.str.startswith("29019"), "value"].isna().all()
    assert found["is_share"].all() and (found["base_variable"] == "P16_POP1564").all()
    detail = station_indicators(real, "93010_5", BONDY_SET).set_index("variable").loc["P16_CHOM1564"]
    assert found.loc["93010_5", "value"] == pytest.approx(detail["station_pct"])
    assert found.loc["93010_5", "station_value"] == pytest.approx(detail["station_value"])


# -- demo ----------------------------------------------------------------------------
def test_demo_history_spans_both_boundary_versions(demo: Warehouse) -> None:
    detail = station_detail(demo, "45999_7")
    assert detail.set_id == DEMO_2024  # the latest election's boundaries
    history = detail.history
    assert history["election_id"].nunique() == 5
    participation = history[history["series"] == PARTICIPATION]
    assert len(participation) == 5 and participation["date"].is_monotonic_increasing
    assert history["value"].between(0, 1).all()
    blocs = history[history["series"] != PARTICIPATION].groupby("election_id")["value"].sum()
    assert np.allclose(blocs.to_numpy(), 1.0)
    assert history.drop_duplicates("series")["series"].iloc[0] == PARTICIPATION
    old = station_detail(demo, "45999_7", DEMO_2022)
    assert old.set_id == DEMO_2022
    # each version gets the elections drawn on the other re-expressed through the crosswalk
    assert list(detail.carried["election_id"]) == ["pres2022_t1", "pres2022_t2"]
    assert list(old.carried["election_id"]) == ["euro2024", "leg2024_t1", "leg2024_t2"]
    assert (old.carried["reliability"] == 1.0).all() and (detail.carried["reliability"] == 1.0).all()
    # 2022's larger BV 7 holds 2024's 7 and 41 whole
    both = demo.query("""SELECT sum(registered) AS r FROM turnout WHERE election_id = 'leg2024_t1'
                         AND station_id IN ('45999_7', '45999_41')""")["r"].iat[0]
    assert old.turnout.set_index("election_id").at["leg2024_t1", "registered"] == pytest.approx(both)
    # 2024's BV 7 has a single source in 2022 (the old 7): 2022's rates unchanged, counts apportioned
    def shares(d):
        return d.results[d.results["election_id"] == "pres2022_t1"].set_index("candidate_key")["share_expressed"].sort_index()

    pd.testing.assert_series_equal(shares(old), shares(detail))
    registered = {d.set_id: d.turnout.set_index("election_id").at["pres2022_t1", "registered"] for d in (old, detail)}
    assert registered[DEMO_2024] < registered[DEMO_2022]
    # BV 7 was split in 2024: the 2022 polygon is larger, so it holds more people.
    pop = {d.set_id: d.indicators.set_index("variable").loc["P21_POP", "station_value"] for d in (old, detail)}
    assert pop[DEMO_2022] > pop[DEMO_2024] > 0


def test_demo_new_station_has_2022_through_the_crosswalk(demo: Warehouse) -> None:
    detail = station_detail(demo, "45999_41")
    assert set(detail.history["election_id"]) == {"pres2022_t1", "pres2022_t2", "euro2024", "leg2024_t1", "leg2024_t2"}
    old_seven = station_detail(demo, "45999_7", DEMO_2022).turnout.set_index("election_id")["turnout"]
    assert detail.turnout.set_index("election_id").at["pres2022_t1", "turnout"] == pytest.approx(old_seven["pres2022_t1"])
    with pytest.raises(UnknownStation) as caught:
        station_detail(demo, "45999_41", DEMO_2022)
    assert caught.value.message_fr == "bureau inconnu : 45999_41 dans le découpage « contours-2022-demo »"


def test_unknown_station_error_is_french(demo: Warehouse) -> None:
    with pytest.raises(UnknownStation) as caught:
        station_detail(demo, "45999_999")
    error = caught.value
    assert isinstance(error, IsoloirError) and isinstance(error, KeyError)
    assert str(error) == error.message_fr == "bureau inconnu : 45999_999"


def test_demo_indicators_rates_and_totals(demo: Warehouse) -> None:
    stations = demo.query("SELECT station_id, set_id FROM station WHERE set_id = ?", [DEMO_2024])
    found = indicator_by_station(demo, "P21_POP", 2021, stations)
    commune = station_indicators(demo, "45999_1", DEMO_2024).set_index("variable")
    low, high = DEMO_COVERAGE
    assert low <= found["station_value"].sum() / commune.loc["P21_POP", "commune_value"] <= high
    assert not found["is_share"].any()
    # Averages: the commune's median income is the population-weighted mean over its IRIS.
    iris = demo.query(
        """SELECT m.value AS med, p.value AS pop FROM iris_indicator m JOIN iris_indicator p USING (code_iris, year)
           WHERE m.variable = 'DISP_MED21' AND p.variable = 'P21_POP'"""
    )
    row = commune.loc["DISP_MED21"]
    assert not row["additive"] and np.isnan(row["station_pct"])
    assert row["commune_value"] == pytest.approx((iris["med"] * iris["pop"]).sum() / iris["pop"].sum())
    assert iris["med"].min() <= row["station_value"] <= iris["med"].max()
    assert commune.loc["C21_POP15P_CS3", "base_variable"] == "C21_POP15P"
    assert commune.loc["P21_RP_LOC", "base_label"] == "Résidences principales"


def test_stored_weights_take_precedence(demo_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse_path(demo_dir), copy)
    with Warehouse(copy) as wh:
        iris = wh.query("SELECT code_iris FROM iris ORDER BY code_iris LIMIT 1")["code_iris"].iat[0]
        wh.con.execute("DELETE FROM station_iris")  # the demo stores its own weights
        wh.con.execute("INSERT INTO station_iris VALUES ('45999_1', ?, ?, 0.5, 'adresses')", [DEMO_2024, iris])
        table = station_indicators(wh, "45999_1", DEMO_2024).set_index("variable")
        pop = wh.query("SELECT value FROM iris_indicator WHERE code_iris = ? AND variable = 'P21_POP'", [iris])["value"].iat[0]
    assert (table["method"] == "adresses").all()
    assert table.loc["P21_POP", "station_value"] == pytest.approx(0.5 * pop)
