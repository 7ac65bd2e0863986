"""Altair chart builders: valid Vega-Lite (Altair validates in to_dict), French labels, right numbers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest

from dashboard.maps import charts
from dashboard.maps.charts import NNBSP, format_significant, format_value, regression_stats, weighted_median
from dashboard.maps.results_summary import territory_results_frame
from dashboard.maps.station_detail import station_detail
from dashboard.warehouse.database import Warehouse, warehouse_path


def _results() -> pd.DataFrame:
    rows = [
        ("e1", "Élection A", "2022-04-10", "Alice DURAND", "centre", "Centre", "#ffb400", 5, 60),
        ("e1", "Élection A", "2022-04-10", "Bruno MARTIN", "gauche", "Gauche", "#ff8080", 3, 40),
        ("e2", "Élection B", "2024-06-30", "Bruno MARTIN", "gauche", "Gauche", "#ff8080", 3, 30),
        ("e2", "Élection B", "2024-06-30", "Chloé PETIT", "droite", "Droite", "#1f5fbf", 6, 70),
    ]
    frame = pd.DataFrame(rows, columns=["election_id", "label", "date", "candidate", "bloc", "bloc_label", "bloc_color", "bloc_order", "votes"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["share_expressed"] = frame["votes"] / frame.groupby("election_id")["votes"].transform("sum")
    frame["share_registered"] = frame["share_expressed"] / 2
    return frame


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["layer"]


def _mark(layer: dict[str, Any]) -> str:
    mark = layer["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def test_french_number_formats() -> None:
    assert format_value(0.1234) == f"12,3{NNBSP}%"
    assert format_value(0.5, ".0%") == f"50{NNBSP}%"
    assert format_value(1234567.891, ",.0f") == f"1{NNBSP}234{NNBSP}568"
    assert format_value(3.14159, ".2f") == "3,14"
    assert format_value(float("nan")) == format_value(None) == "—"
    assert format_significant(0.000123456) == "0,000123"
    assert format_significant(1981.4) == f"1{NNBSP}981"
    assert format_significant(-0.8) == "-0,800"
    assert charts.fr_label_expr(".0%").startswith("replace(replace(replace(format(datum.value, '.0%')")


def test_results_bars() -> None:
    chart = charts.results_bars(_results())
    assert isinstance(chart, alt.VConcatChart)
    spec = chart.to_dict()
    blocks = spec["vconcat"]
    assert [b["title"] for b in blocks] == ["Élection B", "Élection A"]  # newest first
    bars, labels, leader = _layers(blocks[0])
    assert _mark(bars) == "bar" and _mark(labels) == "text" and leader["mark"]["fontWeight"] == "bold"
    assert bars["encoding"]["x"]["field"] == "share_expressed"
    assert bars["encoding"]["x"]["title"] == "Part des suffrages exprimés"
    assert bars["encoding"]["y"]["sort"] == ["Chloé PETIT", "Bruno MARTIN"]
    color = bars["encoding"]["color"]
    assert color["field"] == "bloc_label" and color["scale"]["domain"] == ["Gauche", "Droite"]  # the blocs of this election
    assert color["scale"]["range"] == ["#ff8080", "#1f5fbf"]
    assert [t["title"] for t in bars["encoding"]["tooltip"]] == ["Candidat ou liste", "Bloc", "Voix", "Part des exprimés"]
    data = spec["datasets"][blocks[0]["data"]["name"]]
    assert {row["share_text"] for row in data} == {f"70,0{NNBSP}%", f"30,0{NNBSP}%"}
    chosen = charts.results_bars(_results(), ["e1", "unknown"]).to_dict()
    assert [b["title"] for b in chosen["vconcat"]] == ["Élection A"]
    assert _mark(charts.results_bars(_results().iloc[:0]).to_dict()) == "text"


def test_share_axis_holds_its_bars_and_labels() -> None:
    """The 2022 second round's winner (55,6 %) once ran past an axis stopping at 52 %: each block's
    axis now ends past its own longest bar plus room for the label, exactly there (no nice rounding)."""
    assert charts.share_domain([0.556, 0.444]) == pytest.approx(0.7)
    assert charts.share_domain([0.30, 0.21]) == pytest.approx(0.4)
    assert charts.share_domain([0.95]) == charts.share_domain([1.0]) == 1.0
    assert charts.share_domain([]) == pytest.approx(0.1)
    second_round = pd.DataFrame({
        "election_id": ["t2", "t2", "t1", "t1"], "label": ["2d tour", "2d tour", "1er tour", "1er tour"],
        "date": pd.to_datetime(["2022-04-24"] * 2 + ["2022-04-10"] * 2), "candidate": ["A", "B", "A", "B"],
        "bloc_label": ["Centre", "Droite", "Centre", "Droite"], "bloc_color": ["#ffb400", "#1f5fbf"] * 2,
        "votes": [556, 444, 250, 210], "share_expressed": [0.556, 0.444, 0.25, 0.21],
    })
    blocks = charts.results_blocks(second_round)
    assert [b.to_dict()["title"] for b in blocks] == ["2d tour", "1er tour"]
    for block, longest in zip(blocks, (0.556, 0.25)):
        bars, labels, leader = _layers(block.to_dict())
        scale = bars["encoding"]["x"]["scale"]
        assert scale["domain"][0] == 0 and longest + charts.LABEL_ROOM <= scale["domain"][1] <= 1 and scale["nice"] is False
        assert labels["encoding"]["x"]["scale"] == scale  # the labels sit on the same axis as the bars
        assert leader["transform"] == [{"filter": "datum.leader"}] and labels["transform"] == [{"filter": "!datum.leader"}]
        data = block.to_dict()["datasets"]
        rows = next(iter(data.values()))
        assert {r["share_text"] for r in rows if r["leader"]} == {format_value(longest)}


def test_history_lines() -> None:
    history = pd.DataFrame({
        "election_id": ["e2", "e2", "e1", "e1"], "label": ["B", "B", "A", "A"],
        "date": pd.to_datetime(["2024-06-30", "2024-06-30", "2022-04-10", "2022-04-10"]),
        "series": ["Participation", "Gauche", "Participation", "Gauche"], "value": [0.6, 0.3, 0.7, 0.4],
        "color": ["#6a3d9a", "#ff8080", "#6a3d9a", "#ff8080"], "series_order": [0, 3, 0, 3],
    })
    spec = charts.history_lines(history).to_dict()
    line, points = _layers(spec)
    assert _mark(line) == "line" and _mark(points) == "point"
    encoding = spec["encoding"] if "encoding" in spec else line["encoding"]
    assert encoding["x"]["sort"] == ["A", "B"]  # date order
    assert encoding["color"]["scale"] == {"domain": ["Participation", "Gauche"], "range": ["#6a3d9a", "#ff8080"]}
    assert encoding["y"]["axis"]["format"] == ".0%"
    assert [t["title"] for t in points["encoding"]["tooltip"]] == ["Élection", "Date", "Série", "Valeur"]


def test_territory_results() -> None:
    frame = pd.DataFrame({
        "candidate": ["Gauche", "Centre"], "bloc_label": ["Gauche", "Centre"], "bloc_color": ["#ff8080", "#ffb400"],
        "bloc_order": [3, 5], "votes": [300, 700], "share": [0.3, 0.7],
    })
    spec = charts.territory_results(frame).to_dict()
    bars, labels, _ = _layers(spec)
    assert bars["encoding"]["y"]["sort"] == ["Centre", "Gauche"]
    assert bars["encoding"]["x"]["field"] == "share" and labels["encoding"]["text"]["field"] == "share_text"
    assert _mark(charts.territory_results(frame.iloc[:0]).to_dict()) == "text"


def test_regression_numbers_on_a_known_fit() -> None:
    # x = 0..3, y = 0, 2, 1, 3: slope = cov/var = 4/5, r = 0.8, r² = 0.64. A missing y is left out.
    frame = pd.DataFrame({"name": list("abcde"), "x": [0, 1, 2, 3, 4], "y": [0, 2, 1, 3, np.nan]})
    n, slope, intercept, r2 = regression_stats(frame["x"], frame["y"])
    assert (n, slope, intercept, r2) == (4, pytest.approx(0.8), pytest.approx(0.3), pytest.approx(0.64))
    spec = charts.scatter_regression(frame, "x", "y", "Indicateur", "Score", x_format=",.0f").to_dict()
    assert spec["title"] == {"text": "Score selon Indicateur", "subtitle": "n = 4 · pente = 0,800 · r² = 0,64"}
    points, line = _layers(spec)
    assert _mark(points) == "circle" and _mark(line) == "line"
    assert line["transform"] == [{"regression": "y", "on": "x", "method": "linear"}]
    assert [t["title"] for t in points["encoding"]["tooltip"]] == ["Bureau", "Indicateur", "Score"]
    steep = pd.DataFrame({"name": ["a", "b", "c"], "x": [0.1, 0.2, 0.3], "y": [100.0, 300.0, 500.0]})
    assert charts.scatter_regression(steep, "x", "y", "X", "Y").to_dict()["title"]["subtitle"] == (
        f"n = 3 · pente = 2{NNBSP}000 · r² = 1,00"
    )
    flat = pd.DataFrame({"name": ["a"], "x": [1.0], "y": [2.0]})
    assert charts.scatter_regression(flat, "x", "y", "X", "Y").to_dict()["title"]["subtitle"] == "n = 1 · pente = — · r² = —"


def test_distribution() -> None:
    values = pd.Series([0.5, 0.6, 0.6, 0.7, 0.9, np.nan])
    spec = charts.distribution(values, "Participation").to_dict()
    bars, rule, text = _layers(spec)
    assert _mark(bars) == "bar" and _mark(rule) == "rule" and _mark(text) == "text"
    assert spec["title"] == "Participation"
    assert bars["encoding"]["y"]["title"] == "Nombre de bureaux"
    datasets = spec["datasets"]
    counts = datasets[bars["data"]["name"]]
    assert sum(row["count"] for row in counts) == 5
    assert counts[0]["interval"].startswith("de 50")
    marker = datasets[rule["data"]["name"]][0]
    assert marker["median"] == pytest.approx(0.6) and marker["label"] == f"médiane : 60{NNBSP}%"
    weighted = charts.distribution(values, "P", weights=pd.Series([1, 1, 1, 1, 10, 1])).to_dict()
    assert weighted["datasets"][weighted["layer"][1]["data"]["name"]][0]["median"] == pytest.approx(0.9)
    assert _mark(charts.distribution(pd.Series([np.nan]), "Vide").to_dict()) == "text"
    charts.distribution(pd.Series([3.0, 3.0]), "Constante", fmt=",.0f").to_dict()


def test_weighted_median() -> None:
    assert weighted_median(pd.Series([1.0, 2.0, 3.0])) == 2.0
    assert weighted_median(pd.Series([1.0, 2.0, 3.0]), pd.Series([1.0, 1.0, 5.0])) == 3.0
    assert np.isnan(weighted_median(pd.Series([], dtype=float)))


@pytest.fixture(scope="module")
def demo(demo_dir: Path) -> Iterator[Warehouse]:
    with Warehouse(warehouse_path(demo_dir), read_only=True) as wh:
        yield wh


def test_charts_from_the_demo_validate(demo: Warehouse) -> None:
    detail = station_detail(demo, "45999_7")
    charts.results_bars(detail.results).to_dict()
    charts.history_lines(detail.history).to_dict()
    charts.territory_results(territory_results_frame(demo, "euro2024", ["45999"], by="bloc")).to_dict()
    turnout = demo.query("SELECT station_id AS name, voters / registered AS t, expressed FROM turnout WHERE election_id = 'euro2024'")
    charts.scatter_regression(turnout, "t", "expressed", "Participation", "Exprimés", y_format=",.0f").to_dict()
    charts.distribution(turnout["t"], "Participation", weights=turnout["expressed"]).to_dict()
