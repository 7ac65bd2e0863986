"""Ecological inference inputs read from the warehouse (demo territory), and the target map/list."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.targeting import ei_data
from dashboard.targeting.scores import ScoreParameters, compute_scores, top_targets
from dashboard.maps.charts import transfer_heatmap
from dashboard.csv_export import cell, french_csv
from dashboard.maps.build import MapSources
from dashboard.targeting.target_list import file_name, target_list_csv
from dashboard.targeting.target_map import LABELS_LAYER_ID, TOP_LAYER_ID, score_result, station_centroids, target_map
from dashboard.maps.territory import Scope
from dashboard.warehouse.database import Warehouse

ALL = Scope(())


@pytest.fixture(scope="module")
def wh(demo_dir: Path) -> Warehouse:
    return Warehouse(demo_dir / "warehouse.duckdb", read_only=True)


def _totals(wh: Warehouse, election_id: str) -> pd.Series:
    return wh.query(
        """SELECT sum(registered)::DOUBLE AS registered, sum(voters)::DOUBLE AS voters, sum(expressed)::DOUBLE AS expressed
           FROM turnout WHERE election_id = ?""", [election_id]).iloc[0]


def test_transfer_inputs_add_up_per_station_and_match_the_results(wh: Warehouse) -> None:
    data = ei_data.transfer_inputs(wh, "pres2022_t1", "pres2022_t2", ALL, keep_from=4)
    assert data.row_labels[-2:] == [ei_data.BLANK_NULL, ei_data.ABSTENTION]
    assert ei_data.OTHERS in data.row_labels and len(data.row_labels) == 4 + 3
    assert data.col_labels[-2:] == [ei_data.BLANK_NULL, ei_data.ABSTENTION]
    np.testing.assert_allclose(data.X.sum(axis=1), data.N, rtol=1e-9)
    np.testing.assert_allclose(data.Y.sum(axis=1), data.N, rtol=1e-9)
    later = _totals(wh, "pres2022_t2")
    # the second round's registered and abstentions are the columns' totals
    assert data.Y.sum() == pytest.approx(later["registered"], rel=0.02)
    assert data.Y[:, -1].sum() == pytest.approx(later["registered"] - later["voters"], rel=0.02)
    assert data.Y[:, :-2].sum() == pytest.approx(later["expressed"], rel=0.02)
    assert data.n_units >= 38 and set(data.station_ids) <= set(wh.query("SELECT station_id FROM turnout")["station_id"])


def test_transfer_inputs_with_blocs_and_errors(wh: Warehouse) -> None:
    data = ei_data.transfer_inputs(wh, "leg2024_t1", "leg2024_t2", ALL, from_type="bloc", to_type="bloc")
    blocs = set(wh.query("SELECT label_fr FROM bloc")["label_fr"])
    assert set(data.row_labels[:-2]) - {ei_data.OTHERS} <= blocs
    with pytest.raises(ei_data.EIError, match="deux élections différentes"):
        ei_data.transfer_inputs(wh, "leg2024_t1", "leg2024_t1", ALL)
    with pytest.raises(ei_data.EIError, match="inconnue"):
        ei_data.transfer_inputs(wh, "leg2024_t1", "nope", ALL)
    with pytest.raises(ei_data.EIError, match="pas de résultats"):
        ei_data.transfer_inputs(wh, "leg2024_t1", "leg2024_t2", Scope(("99999",)))


def test_transfers_estimated_with_bounds_and_row_sums(wh: Warehouse) -> None:
    data = ei_data.transfer_inputs(wh, "pres2022_t1", "pres2022_t2", ALL, keep_from=3)
    for method in ("rxc", "goodman"):
        result = ei_data.run(data, method)
        est = result.estimate.to_numpy()
        np.testing.assert_allclose(est.sum(axis=1), 1.0, atol=1e-6)
        assert (est >= -1e-9).all() and (est <= 1 + 1e-9).all()
        assert (result.lower.to_numpy() <= est + 1e-9).all() and (est <= result.upper.to_numpy() + 1e-9).all()
        assert result.diagnostic_fr
    cells = ei_data.long_table(result, row_totals=data.X.sum(axis=0))
    assert len(cells) == len(data.row_labels) * len(data.col_labels)
    # the electors of a row are spread over its columns
    by_row = cells.groupby("from", sort=False)["electors"].sum()
    np.testing.assert_allclose(by_row.to_numpy(), data.X.sum(axis=0), rtol=1e-6)
    with pytest.raises(ei_data.EIError, match="méthode inconnue"):
        ei_data.run(data, "magic")


def test_abstainers_mostly_stay_home_between_rounds(wh: Warehouse) -> None:
    """A fact of the demo (and of French elections): most first-round abstainers abstain again."""
    data = ei_data.transfer_inputs(wh, "pres2022_t1", "pres2022_t2", ALL, keep_from=3)
    result = ei_data.run(data, "rxc")
    assert result.estimate.loc[ei_data.ABSTENTION, ei_data.ABSTENTION] > 0.6


def test_group_inputs_from_interpolated_indicators(wh: Warehouse) -> None:
    available = ei_data.available_group_sets(wh)
    assert {"age", "csp"} <= set(available) and "(2021)" in available["age"]
    data = ei_data.group_inputs(wh, "pres2022_t1", ALL, "age")
    assert data.row_labels[0] == "15-29 ans" and len(data.row_labels) == 5
    np.testing.assert_allclose(data.X.sum(axis=1), data.N, rtol=1e-9)
    np.testing.assert_allclose(data.Y.sum(axis=1), data.N, rtol=1e-9)
    assert "habitants, pas des inscrits" in data.notes[0]
    result = ei_data.run(data)
    np.testing.assert_allclose(result.estimate.to_numpy().sum(axis=1), 1.0, atol=1e-6)
    with pytest.raises(ei_data.EIError, match="groupes inconnus"):
        ei_data.group_inputs(wh, "pres2022_t1", ALL, "zodiac")


def test_heatmap_labels_in_french_with_intervals() -> None:
    cells = pd.DataFrame({"from": ["A", "A", "B", "B"], "to": ["X", "Y", "X", "Y"],
                          "estimate": [0.25, 0.75, 0.5, 0.5], "lower": [0.1, 0.6, 0.3, 0.3],
                          "upper": [0.4, 0.9, 0.7, 0.7], "electors": [10.0, 30.0, 5.0, 5.0]})
    spec = transfer_heatmap(cells).to_dict()
    data = next(iter(spec["datasets"].values()))
    assert [d["valeur"] for d in data] == ["25\u202f%", "75\u202f%", "50\u202f%", "50\u202f%"]
    assert data[0]["intervalle"] == "[10–40]"
    assert "soit 10 électeurs" in data[0]["infobulle"]


# -- target map and list ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def table(wh: Warehouse):  # noqa: ANN201
    return compute_scores(wh, "leg2024_t1", "bloc", "gauche", ALL, params=ScoreParameters())


def test_target_map_outlines_and_numbers_the_top_stations(wh: Warehouse, table) -> None:  # noqa: ANN001
    frame = table.frame
    spec, top = target_map(table, "priority", ALL, MapSources.direct(wh), station_centroids(wh, frame), top_n=5)
    layers = {layer.id: layer for layer in spec.deck.layers}
    assert [r["t"] for r in layers[LABELS_LAYER_ID].data] == ["1", "2", "3", "4", "5"]
    assert list(top["station_id"]) == list(top_targets(table, 5)["station_id"])
    outlined = len(layers[TOP_LAYER_ID].data)
    parts = [r for r in layers[spec.layer_id].data if r["i"] in set(top["station_id"])]
    assert outlined == len(parts) >= 5
    # the legend has classes of the priority, with two decimals
    assert spec.legend.entries and "," in spec.legend.entries[0].label
    result = score_result(table, "net_votes_per_hour")
    assert result.frame["value"].tolist() == frame["net_votes_per_hour"].tolist()
    assert result.frame["text"].iloc[0].startswith("votes nets par heure")


def test_target_list_csv_is_aggregated_and_defused(table) -> None:  # noqa: ANN001
    top = top_targets(table, 3)
    hostile = top.assign(name=["=HYPERLINK(\"http://x\")", "+1", "Salle\nB"])
    raw = target_list_csv(table, hostile)
    assert raw.startswith("\ufeff".encode())
    read = pd.read_csv(io.BytesIO(raw), sep=";", encoding="utf-8-sig", dtype=str)
    assert list(read["Rang"]) == ["1", "2", "3"]
    assert read["Nom du bureau"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+1", "Salle B"]
    assert not {"adresse", "nom", "téléphone"} & {c.lower() for c in read.columns}
    assert file_name(table) == "cibles_leg2024_t1_gauche.csv"


def test_csv_cells() -> None:
    assert cell(1234) == "1234" and cell(0.5, 2) == "0,50" and cell(float("nan")) == "" and cell(True) == "oui"
    assert cell("-2") == "'-2" and cell("@x") == "'@x" and cell("a\r\nb") == "a  b"
    assert french_csv(["a"], [[1]]).decode("utf-8-sig") == "a\r\n1\r\n"


def test_transfers_across_redistricting_use_the_crosswalk(wh: Warehouse) -> None:
    """2022 → 2024 spans the demo's split of BV 7: both halves are units, fed by the old 7's shares."""
    data = ei_data.transfer_inputs(wh, "pres2022_t1", "leg2024_t1", ALL, keep_from=3)
    assert data.n_units == 41 and {"45999_7", "45999_41"} <= set(data.station_ids)
    assert not any("non comparable" in note for note in data.notes)
    rows = {s: data.X[data.station_ids.index(s)] / data.N[data.station_ids.index(s)] for s in ("45999_7", "45999_41")}
    np.testing.assert_allclose(rows["45999_7"], rows["45999_41"], rtol=1e-9)
    np.testing.assert_allclose(data.X.sum(axis=1), data.N, rtol=1e-9)
