"""The measure "Indicateur INSEE (estimé par bureau)": IRIS indicators carried over to polling
stations with the stored ``station_iris`` weights (or area weights on the fly), on a tiny
hand-made warehouse, on the Carte page (demo) and on the real Bondy files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely

from dashboard.formats import fmt_percent
from dashboard.iris.weights import ADDRESSES
from dashboard.cli import main
from dashboard.iris.estimates import SURFACE
from dashboard.maps.build import MapSources, build_map, colour_rows
from dashboard.maps.view import MapView
from dashboard.maps.measure_types import Measure
from dashboard.maps.measures import compute
from dashboard.maps.territory import Scope, Territory, resolve
from dashboard.warehouse.database import Warehouse, warehouse_path
from layers.legend import legend_html
from tests.apptest import app_test, carte_stations

ALL = Scope(())
NNBSP = "\u202f"

# -- a tiny territory, computed by hand -----------------------------------------------------
# Commune 99001: three IRIS side by side (I1 | I2 | I3, 0.01° wide each) and three stations
# A = [2.000, 2.0125], B = [2.0125, 2.025], C = [2.025, 2.030], all between 48.00° and 48.01°N.
# Their area shares of the IRIS: A = I1 + ¼ I2, B = ¾ I2 + ½ I3, C = ½ I3 (EPSG:6933 is
# cylindrical equal-area: shares of a box's width are shares of its area).
# Stored address weights (differing on purpose): A = I1 + 0.4 I2, B = 0.6 I2 + 0.3 I3, C = 0.7 I3.
# Commune 99002: one IRIS I4 = station D, no stored weights (area weights on the fly).
IRIS = {"I1": (2.00, 2.01), "I2": (2.01, 2.02), "I3": (2.02, 2.03), "I4": (2.03, 2.04)}
STATIONS = {"A": (2.0, 2.0125), "B": (2.0125, 2.025), "C": (2.025, 2.03), "D": (2.03, 2.04)}
VALUES = {  # variable -> per IRIS I1..I4
    "P21_POP": (100, 300, 200, 50),
    "P21_RP": (40, 120, 100, 20),
    "P21_RP_LOC": (10, 90, 50, 5),
    "DISP_MED21": (20000, 16000, 18000, 22000),
}
LABELS = {
    "P21_POP": ("Population", "population"),
    "P21_RP": ("Résidences principales", "logement"),
    "P21_RP_LOC": ("Résidences principales occupées par des locataires", "logement"),
    "DISP_MED21": ("Revenu disponible médian par UC (€)", "revenus"),
}
STORED = [("A", "I1", 1.0), ("A", "I2", 0.4), ("B", "I2", 0.6), ("B", "I3", 0.3), ("C", "I3", 0.7)]
SET = "tiny-set"
AREAS_KM2 = {"A": 2.0, "B": 2.0, "C": 0.8, "D": 1.6}  # written as station.area_m2 / 1e6 (any value: only divided by)


def _box(span: tuple[float, float]) -> bytes:
    return shapely.to_wkb(shapely.box(span[0], 48.0, span[1], 48.01))


def _station_id(name: str) -> str:
    return ("99002_" if name == "D" else "99001_") + name


def _tiny(path: Path, *, stored: bool) -> Path:
    with Warehouse(path) as wh, wh.transaction() as con:
        con.execute("INSERT INTO election VALUES ('pres2022_t1', 'presidentielle', 2022, 1, DATE '2022-04-10', 'Présidentielle 2022 — 1er tour')")
        con.execute("INSERT INTO station_set (set_id, label) VALUES (?, 'tiny')", [SET])
        for name, span in STATIONS.items():
            station, commune = _station_id(name), _station_id(name)[:5]
            con.execute(
                "INSERT INTO station VALUES (?, ?, ?, ?, ?, ?::BLOB::GEOMETRY, NULL, NULL, ?, 1)",
                [station, SET, commune, name, f"Bureau {name}", _box(span), AREAS_KM2[name] * 1e6],
            )
            con.execute(
                "INSERT INTO turnout VALUES ('pres2022_t1', ?, ?, ?, NULL, NULL, 100, 60, 40, 1, 1, 58, 'test')",
                [station, commune, name],
            )
        for commune in ("99001", "99002"):
            con.execute("INSERT INTO election_station_set VALUES ('pres2022_t1', ?, ?, 1)", [commune, SET])
        for n, (code, span) in enumerate(IRIS.items()):
            commune = "99002" if code == "I4" else "99001"
            con.execute(
                "INSERT INTO iris VALUES (?, ?, ?, 'H', ?::BLOB::GEOMETRY, NULL, NULL, 1e6, 'test')",
                [code, f"IRIS {code}", commune, _box(span)],
            )
            for variable, values in VALUES.items():
                con.execute("INSERT INTO iris_indicator VALUES (?, ?, 2021, ?)", [code, variable, float(values[n])])
        for variable, (label, theme) in LABELS.items():
            con.execute("INSERT INTO indicator VALUES (?, 2021, ?, ?, 'test')", [variable, label, theme])
        if stored:
            con.executemany(
                "INSERT INTO station_iris VALUES (?, ?, ?, ?, 'adresses')",
                [(_station_id(s), SET, code, w) for s, code, w in STORED],
            )
    return path


@pytest.fixture()
def tiny(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse(_tiny(tmp_path / "warehouse.duckdb", stored=True), read_only=True) as wh:
        yield wh


@pytest.fixture()
def tiny_unstored(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse(_tiny(tmp_path / "warehouse.duckdb", stored=False), read_only=True) as wh:
        yield wh


def _by_station(wh: Warehouse, variable: str, mode: str = "value", scope: Scope = ALL):
    result = compute(wh, Measure("indicator", "pres2022_t1", indicator=variable, indicator_year=2021, indicator_mode=mode), scope)
    frame = result.frame.set_index("station_id")
    frame.index = frame.index.str.split("_").str[1]
    return result, frame


def test_counts_are_summed_with_the_stored_weights(tiny: Warehouse) -> None:
    result, frame = _by_station(tiny, "P21_RP_LOC")
    # A = 10 + 0.4 × 90, B = 0.6 × 90 + 0.3 × 50, C = 0.7 × 50, D = 5 (I4 whole, by area)
    assert frame["value"].to_dict() == pytest.approx({"A": 46.0, "B": 69.0, "C": 35.0, "D": 5.0})
    assert frame["value"].sum() == pytest.approx(sum(VALUES["P21_RP_LOC"]))  # totals conserved
    assert frame["method"].to_dict() == {"A": ADDRESSES, "B": ADDRESSES, "C": ADDRESSES, "D": SURFACE}
    assert result.unit == "value" and result.title == (
        "Résidences principales occupées par des locataires (2021), estimé par bureau — Présidentielle 2022 — 1er tour")
    assert frame.loc["B", "text"] == f"69,0 · incertitude {fmt_percent(114 / 240, 0)}"
    # 99001 read from station_iris, 99002 computed on the fly: the legend gives both, with counts
    assert result.legend_notes[0] == ("IRIS → bureaux : pondération mixte : 3 bureaux par les adresses REU, "
                                      "1 bureau par les surfaces, calculée à la volée")
    assert "isoloir interpolate" in result.legend_notes[1]
    assert not any("sans résultats" in note for note in result.notes)


def test_uncertainty_is_the_population_share_from_split_iris(tiny: Warehouse) -> None:
    _, frame = _by_station(tiny, "P21_RP_LOC")
    # each piece counts its people times the share of its IRIS held by other stations:
    # A: I1 whole (100 people, 0) + 0.4 of I2 (120 people × 0.6) -> 72 / 220
    # B: 0.6 of I2 (180 × 0.4) + 0.3 of I3 (60 × 0.7) -> 114 / 240; C: 0.7 of I3 (140 × 0.3); D: I4 whole
    assert frame["uncertainty"].to_dict() == pytest.approx({"A": 72 / 220, "B": 114 / 240, "C": 0.3, "D": 0.0})
    assert frame.loc["A", "text"] == f"46,0 · incertitude 33{NNBSP}%"
    # a station's uncertainty does not depend on the territory shown (C and B still share I3)
    only_c = Scope(("99001",), ("99001_C",))
    _, alone = _by_station(tiny, "P21_RP_LOC", scope=only_c)
    assert list(alone.index) == ["C"] and alone.loc["C", "uncertainty"] == pytest.approx(0.3)


def test_shares_densities_and_averages(tiny: Warehouse) -> None:
    result, share = _by_station(tiny, "P21_RP_LOC", "share")
    # base P21_RP: A = 40 + 0.4 × 120 = 88, B = 0.6 × 120 + 0.3 × 100 = 102, C = 70, D = 20
    assert share["value"].to_dict() == pytest.approx({"A": 46 / 88, "B": 69 / 102, "C": 0.5, "D": 0.25})
    assert result.unit == "ratio" and "part des « résidences principales »" in result.title
    assert share.loc["C", "text"].startswith(f"50,0{NNBSP}% · ")
    result, density = _by_station(tiny, "P21_RP_LOC", "density")
    assert density["value"].to_dict() == pytest.approx({"A": 23.0, "B": 34.5, "C": 43.75, "D": 3.125})
    assert result.unit == "density" and "par km²" in result.title and f"{NNBSP}/km²" in density.loc["A", "text"]
    # a median is averaged by population: B = (0.6 × 300 × 16 000 + 0.3 × 200 × 18 000) / (180 + 60)
    result, median = _by_station(tiny, "DISP_MED21", "share")
    assert median["value"].to_dict() == pytest.approx(
        {"A": (100 * 20000 + 120 * 16000) / 220, "B": 16500.0, "C": 18000.0, "D": 22000.0})
    assert result.unit == "value" and any("taux ou une moyenne" in note for note in result.notes)


def test_without_stored_weights_areas_are_computed_on_the_fly(tiny_unstored: Warehouse) -> None:
    result, frame = _by_station(tiny_unstored, "P21_RP_LOC")
    # area shares: A = I1 + ¼ I2, B = ¾ I2 + ½ I3, C = ½ I3
    assert frame["value"].to_dict() == pytest.approx({"A": 32.5, "B": 92.5, "C": 25.0, "D": 5.0})
    assert (frame["method"] == SURFACE).all()
    # A: ¼ of I2 (75 people × ¾); B: ¾ of I2 (225 × ¼) + ½ of I3 (100 × ½); C: ½ of I3 (100 × ½)
    assert frame["uncertainty"].to_dict() == pytest.approx({"A": 56.25 / 175, "B": 106.25 / 325, "C": 0.5, "D": 0.0})
    assert result.legend_notes[0] == "IRIS → bureaux : pondération par les surfaces, calculée à la volée"
    assert "isoloir interpolate" in result.legend_notes[1] and "médiane" in result.legend_notes[2]


def test_the_legend_of_the_map_names_the_method(tiny: Warehouse) -> None:
    view = MapView(election_id="pres2022_t1", kind="indicator", indicator="P21_RP_LOC", indicator_year=2021)
    colors, legend = colour_rows(compute(tiny, view.measure, ALL), view)
    assert len(colors) == 4 and sum(entry.count for entry in legend.entries) == 4
    assert legend.details[0].startswith("IRIS → bureaux : pondération mixte")
    html = legend_html(legend)
    assert "pondération mixte" in html and "Incertitude" in html


# -- the Carte page (demo: `isoloir demo` stores station_iris) --------------------------------


def test_demo_stores_station_iris(demo_dir: Path) -> None:
    with Warehouse(warehouse_path(demo_dir), read_only=True) as wh:
        methods = wh.query("SELECT set_id, method, count(DISTINCT station_id) AS n FROM station_iris GROUP BY ALL ORDER BY 1")
        stations = wh.query("SELECT set_id, count(*) AS n FROM station GROUP BY ALL ORDER BY 1")
    assert (methods["method"] == ADDRESSES).all()
    assert methods.set_index("set_id")["n"].to_dict() == stations.set_index("set_id")["n"].to_dict()


def test_carte_draws_the_indicator_per_station(demo_env: Path) -> None:
    at = app_test("admin", election="pres2022_t1", mesure="indicator", indicateur="P21_RP_LOC", annee="2021",
                  mode="share").run()
    assert not at.exception and not at.error
    assert at.title[0].value.startswith("Résidences principales occupées par des locataires — part des")
    stations = carte_stations(at)
    assert len(stations) == 40 and len({tuple(r["c"]) for r in stations.values()}) >= 3
    assert all(f"{NNBSP}% · incertitude " in r["v"] for r in stations.values())
    legend = at.html[0].value
    assert "IRIS → bureaux : pondération par les adresses REU" in legend and "Incertitude" in legend
    assert at.query_params["mesure"] == "indicator" and at.query_params["indicateur"] == "P21_RP_LOC"


def test_carte_offers_the_measure_and_falls_back_to_areas(demo_env: Path) -> None:
    with Warehouse(warehouse_path(demo_env)) as wh:
        wh.con.execute("DELETE FROM station_iris")
    at = app_test("admin", election="leg2024_t1").run()
    at.selectbox(key="carte_kind").select("indicator").run()
    assert not at.exception and not at.error
    assert any(s.label == "Indicateur" for s in at.selectbox)
    assert len(carte_stations(at)) == 41
    legend = at.html[0].value
    assert "pondération par les surfaces, calculée à la volée" in legend and "isoloir interpolate" in legend
    assert at.query_params["mesure"] == "indicator" and at.query_params["indicateur"]


# -- the real Bondy files ---------------------------------------------------------------------
BONDY = "93010"
COUNTS = ("P16_ACT1564", "P16_POP1564", "C16_ACT1564_CS3")  # counts of Bondy's activity file (2016)


@pytest.fixture(scope="module")
def bondy(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The real imports (Bondy: BV contours, presidential 2022 T1, IRIS contours, activity
    indicators, REU addresses) after `isoloir interpolate`."""
    data_dir = tmp_path_factory.mktemp("bondy-indicator")
    shutil.copy(warehouse_path(real_data_dir), warehouse_path(data_dir))
    assert main(["interpolate", "--data-dir", str(data_dir)]) == 0
    with Warehouse(warehouse_path(data_dir), read_only=True) as wh:
        yield wh


def _iris_total(wh: Warehouse, variable: str) -> float:
    return float(wh.query(
        "SELECT sum(value) FROM iris_indicator JOIN iris USING (code_iris) WHERE variable = ? AND year = 2016 AND commune_code = ?",
        [variable, BONDY],
    ).iat[0, 0])


def test_bondy_every_station_by_addresses_and_totals_conserved(bondy: Warehouse) -> None:
    scope = resolve(bondy, Territory(communes=(BONDY,)))
    for variable in COUNTS:
        result = compute(bondy, Measure("indicator", "pres2022_t1", indicator=variable, indicator_year=2016), scope)
        frame = result.frame
        assert len(frame) == 32 and frame["station_id"].is_unique and frame["value"].notna().all()
        assert (frame["method"] == ADDRESSES).all()
        total = _iris_total(bondy, variable)
        assert abs(frame["value"].sum() - total) <= 1e-6 * total, variable
        assert frame["uncertainty"].between(0, 1).all() and frame["text"].str.contains(" · incertitude ").all()
        assert result.legend_notes[0] == "IRIS → bureaux : pondération par les adresses REU"
    share = compute(bondy, Measure("indicator", "pres2022_t1", indicator="P16_ACT1564", indicator_year=2016,
                                   indicator_mode="share"), scope).frame
    assert share["value"].between(0, 1).all()  # actifs among the 15-64


def test_bondy_map_legend_names_the_addresses(bondy: Warehouse) -> None:
    view = MapView(election_id="pres2022_t1", communes=(BONDY,), kind="indicator", indicator="P16_ACT1564",
                   indicator_year=2016, indicator_mode="density")
    spec = build_map(view, MapSources.direct(bondy))
    assert "pondération par les adresses REU" in legend_html(spec.legend)
    assert sum(entry.count for entry in spec.legend.entries) == 32
    records = {r["i"] for layer in spec.deck.layers if layer.id == spec.layer_id for r in layer.data}
    assert len(records) == 32 and all(str(s).startswith("93010_") for s in records)


def test_bondy_without_stored_weights_says_areas(real_data_dir: Path) -> None:
    with Warehouse(warehouse_path(real_data_dir), read_only=True) as wh:
        scope = resolve(wh, Territory(communes=(BONDY,)))
        result = compute(wh, Measure("indicator", "pres2022_t1", indicator="P16_ACT1564", indicator_year=2016), scope)
    assert len(result.frame) == 32 and (result.frame["method"] == SURFACE).all()
    assert result.legend_notes[0] == "IRIS → bureaux : pondération par les surfaces, calculée à la volée"
