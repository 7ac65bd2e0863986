"""Map measures on the demo territory and the real files: values, swings across boundary changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.maps.measure_types import KINDS, PERSONAL_KINDS, Measure, MeasureError
from dashboard.boundaries.crosswalk import RELIABILITY_THRESHOLD
from dashboard.maps.measures import comparable_stations, compute, drawn_stations, targets
from dashboard.maps.territory import Scope, Territory, circonscriptions, communes, departements, resolve
from dashboard.warehouse.database import Warehouse, warehouse_path

ALL = Scope(())


@pytest.fixture(scope="module")
def wh(demo_dir: Path):
    with Warehouse(warehouse_path(demo_dir), read_only=True) as warehouse:
        yield warehouse


@pytest.fixture(scope="module")
def real(real_data_dir: Path):
    with Warehouse(warehouse_path(real_data_dir), read_only=True) as warehouse:
        yield warehouse


def _sql_ratio(wh: Warehouse, sql: str, params: list) -> dict[str, float]:
    frame = wh.query(sql, params)
    return dict(zip(frame["station_id"], frame["v"]))


def test_turnout_matches_the_counts(wh: Warehouse) -> None:
    result = compute(wh, Measure("turnout", "pres2022_t1"), ALL)
    expected = _sql_ratio(wh, "SELECT station_id, voters / registered AS v FROM turnout WHERE election_id = ?", ["pres2022_t1"])
    assert len(result.frame) == 40 and result.unit == "ratio"
    for station, value in zip(result.frame["station_id"], result.frame["value"]):
        assert value == pytest.approx(expected[station])
    assert all(text.endswith("\u202f%") and "," in text for text in result.frame["text"])
    assert result.title == "Participation — Présidentielle 2022 — 1er tour"


@pytest.mark.parametrize("kind", ["abstention", "blank", "null", "blank_null"])
def test_every_simple_ratio_is_between_0_and_1(wh: Warehouse, kind: str) -> None:
    values = compute(wh, Measure(kind, "leg2024_t1"), ALL).frame["value"]
    assert len(values) == 41 and values.between(0, 1).all()


@pytest.mark.parametrize("target_type", ["bloc", "candidate", "nuance", "list"])
def test_shares_of_every_target_type_sum_to_one_over_targets(wh: Warehouse, target_type: str) -> None:
    election = "euro2024"
    found = targets(wh, election, target_type, ALL)
    assert not found.empty and (found["votes"].diff().dropna() <= 0).all()
    total = np.zeros(41)
    for key in found["key"]:
        total += compute(wh, Measure("share", election, target_type, key), ALL).frame["value"].to_numpy()
    assert total == pytest.approx(np.ones(41))


def test_share_of_registered_is_smaller_than_of_expressed(wh: Warehouse) -> None:
    expressed = compute(wh, Measure("share", "pres2022_t1", "bloc", "centre", "expressed"), ALL).frame["value"]
    registered = compute(wh, Measure("share", "pres2022_t1", "bloc", "centre", "registered"), ALL).frame["value"]
    assert (registered < expressed).all()


def test_winner_and_margin(wh: Warehouse) -> None:
    winner = compute(wh, Measure("winner", "pres2022_t2"), ALL)
    assert set(winner.frame["category"]) <= {"MACRON Emmanuel", "LE PEN Marine"}
    assert {key for key, _, _ in winner.categories} == set(winner.frame["category"])
    assert all(color.startswith("#") and len(color) == 7 for _, _, color in winner.categories)
    margin = compute(wh, Measure("margin", "pres2022_t2"), ALL).frame
    # two candidates: margin = |2 × winner share − 1|
    assert margin["value"].to_numpy() == pytest.approx(2 * winner.frame["value"].to_numpy() - 1)
    assert "devant" in margin["text"].iloc[0]


def test_swing_across_the_split_goes_through_the_crosswalk(wh: Warehouse) -> None:
    """BV 7 was split into 7 and 41 in 2024: the import computed the crosswalk, so every station compares."""
    result = compute(wh, Measure("swing_turnout", "leg2024_t1", reference_id="pres2022_t1"), ALL)
    assert result.diverging and result.unit == "points"
    assert len(result.frame) == 41  # drawn on the later boundaries
    assert result.not_comparable.empty and result.frame["value"].notna().all()
    assert (result.frame["reliability"] >= RELIABILITY_THRESHOLD).all()
    assert any("fiabilité < 80" in note for note in result.legend_notes)
    frame = result.frame.set_index("station_id")
    later = compute(wh, Measure("turnout", "leg2024_t1"), ALL).frame.set_index("station_id")["value"]
    earlier = compute(wh, Measure("turnout", "pres2022_t1"), ALL).frame.set_index("station_id")["value"]
    # both halves of the split carry old BV 7's turnout (a single source: rates unchanged)
    for station in ("45999_7", "45999_41"):
        assert frame.at[station, "value"] == pytest.approx(later[station] - earlier["45999_7"])
        assert "fiabilité 100" in frame.at[station, "text"]
    assert frame.at["45999_3", "value"] == pytest.approx(later["45999_3"] - earlier["45999_3"])
    assert frame.at["45999_3", "value"] < 0 and frame.at["45999_3", "text"].startswith("\u2212")


def test_swing_uses_the_stored_crosswalk_and_greys_unreliable_stations(demo_dir: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse_path(demo_dir), copy)
    with Warehouse(copy) as wh:
        sets = wh.query("SELECT election_id, set_id FROM election_station_set WHERE election_id IN ('pres2022_t1','leg2024_t1')")
        ref_set, later_set = (sets.set_index("election_id")["set_id"][e] for e in ("pres2022_t1", "leg2024_t1"))
        # old BV 7 feeds the new 7 and 41 (60/40), old 8 gives a quarter of itself to the new 41 (area, guessed)
        ids = wh.query("SELECT station_id FROM station WHERE set_id = ?", [ref_set])["station_id"]
        rows = [(ref_set, s, later_set, s, 1.0, "test", 1.0) for s in ids if s not in ("45999_7", "45999_8")]
        rows += [(ref_set, "45999_7", later_set, "45999_7", 0.6, "test", 0.6), (ref_set, "45999_7", later_set, "45999_41", 0.4, "test", 0.4),
                 (ref_set, "45999_8", later_set, "45999_8", 0.75, "test", 0.75), (ref_set, "45999_8", later_set, "45999_41", 0.25, "test", 0.25)]
        wh.con.execute("DELETE FROM station_crosswalk")
        wh.con.executemany("INSERT INTO station_crosswalk VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        result = compute(wh, Measure("swing_turnout", "leg2024_t1", reference_id="pres2022_t1"), ALL)
        frame = result.frame.set_index("station_id")
        # 41 mixes two guessed pieces: greyed, its reliability in the tooltip; 7 and 8 have one source each
        assert list(result.not_comparable["station_id"]) == ["45999_41"]
        assert np.isnan(frame.at["45999_41", "value"]) and frame.at["45999_41", "reliability"] < RELIABILITY_THRESHOLD
        assert frame.at["45999_41", "text"].startswith("non comparable (fiabilité ")
        assert frame.drop(index="45999_41")["value"].notna().all()
        old = wh.query("SELECT voters, registered FROM turnout WHERE election_id='pres2022_t1' AND station_id='45999_7'").iloc[0]
        new = wh.query("SELECT voters / registered AS t FROM turnout WHERE election_id='leg2024_t1' AND station_id='45999_7'")["t"].iat[0]
        assert frame.at["45999_7", "value"] == pytest.approx(new - (0.6 * old["voters"]) / (0.6 * old["registered"]))


def test_same_boundaries_compare_every_station(wh: Warehouse) -> None:
    stations = drawn_stations(wh, "pres2022_t2", ALL)
    mapping, refused = comparable_stations(wh, "pres2022_t1", "pres2022_t2", stations)
    assert refused.empty and len(mapping) == 40


def test_bad_measures_give_french_errors(wh: Warehouse) -> None:
    with pytest.raises(MeasureError, match="élection inconnue"):
        compute(wh, Measure("turnout", "nope"), ALL)
    with pytest.raises(MeasureError, match="choisissez un candidat"):
        compute(wh, Measure("share", "pres2022_t1"), ALL)
    with pytest.raises(MeasureError, match="référence"):
        compute(wh, Measure("swing_turnout", "leg2024_t1"), ALL)
    with pytest.raises(MeasureError, match="mesure inconnue"):
        compute(wh, Measure("drop table", "pres2022_t1"), ALL)
    with pytest.raises(MeasureError, match="choisissez un indicateur"):
        compute(wh, Measure("indicator", "pres2022_t1"), ALL)
    with pytest.raises(MeasureError, match="indicateur inconnu"):
        compute(wh, Measure("indicator", "pres2022_t1", indicator="P21_NOPE", indicator_year=2021), ALL)
    with pytest.raises(MeasureError, match="mode d'indicateur"):
        compute(wh, Measure("indicator", "pres2022_t1", indicator="P21_POP", indicator_year=2021, indicator_mode="x"), ALL)
    with pytest.raises(MeasureError, match="population de référence"):  # P21_POP is the base of the others
        compute(wh, Measure("indicator", "pres2022_t1", indicator="P21_POP", indicator_year=2021, indicator_mode="share"), ALL)
    hostile = compute(wh, Measure("share", "pres2022_t1", "candidate", "x' OR 1=1 --"), ALL)
    assert (hostile.frame["value"] == 0).all()  # bound parameter: no candidate of that name


def test_every_kind_is_computable(wh: Warehouse) -> None:
    for kind in KINDS:
        measure = Measure(kind, "leg2024_t1", "bloc", "centre", reference_id="pres2022_t1",
                          indicator="P21_POP", indicator_year=2021)
        voters = pd.DataFrame({"station_id": ["45999_1"], "voters": [3], "matched": [3]}) if kind in PERSONAL_KINDS else None
        assert not compute(wh, measure, ALL, voters).frame.empty


def test_territory_choices(wh: Warehouse) -> None:
    assert departements(wh).to_dict("records") == [{"code": "45", "name": "Loiret", "communes": 1}]
    assert communes(wh, ("45",))["code"].tolist() == ["45999"] and communes(wh, ("29",)).empty
    circos = circonscriptions(wh)
    assert circos["key"].tolist() == ["45-01"] and circos["label"].iat[0].startswith("1re circonscription — Loiret")
    scope = resolve(wh, Territory(circonscription="45-01"))
    assert scope.communes == ("45999",) and len(scope.stations) == 40  # the demo's circonscription comes from its 2022 files


def test_real_communes_and_circonscriptions(real: Warehouse) -> None:
    result = compute(real, Measure("turnout", "leg2024_t1"), resolve(real, Territory(communes=("29019",))))
    assert len(result.frame) == 104 and result.frame["value"].notna().all()
    several = resolve(real, Territory(communes=("29019", "92019")))
    both = compute(real, Measure("turnout", "leg2024_t1"), several)
    assert set(both.frame["commune_code"]) == {"29019", "92019"}
    assert any("92019_20" in note for note in both.notes)  # results without a polygon are named
    # Bondy's ministry file names the circonscription of each station: 16 in the 9th, 16 in the 10th
    circos = circonscriptions(real, ("93010",))
    assert circos.set_index("key")["stations"].to_dict() == {"93-09": 16, "93-10": 16}
    assert circonscriptions(real, ("29019",)).empty  # Brest's 2024 file has no circonscription column
    circo = resolve(real, Territory(communes=("93010",), circonscription="93-09"))
    drawn = compute(real, Measure("turnout", "pres2022_t1"), circo).frame
    assert len(drawn) == 16 and drawn["value"].notna().all()
