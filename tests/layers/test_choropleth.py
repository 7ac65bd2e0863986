"""Choropleth, outline and label layers: records, coordinate system, tooltip, payload."""

from __future__ import annotations

import json
import re

import pytest
from shapely.geometry import MultiPolygon, Polygon

from layers.choropleth import (
    TOOLTIP_FIELDS,
    choropleth_layer,
    labels_layer,
    outline_layer,
    payload_bytes,
    tooltip,
)
from layers.encode import quantizer_for
from layers.view import deck, fit_view

BOUNDS = (2.30, 48.80, 2.40, 48.90)
A = Polygon([(2.30, 48.80), (2.35, 48.80), (2.35, 48.85), (2.30, 48.85)])
B1 = Polygon([(2.36, 48.86), (2.38, 48.86), (2.38, 48.88)])
B2 = Polygon([(2.39, 48.89), (2.40, 48.89), (2.40, 48.90)])


def _layer_json(layer) -> dict:
    d = deck([layer], fit_view(BOUNDS), map_style=None, tooltip=tooltip())
    spec = json.loads(d.to_json())
    (found,) = [lay for lay in spec["layers"] if lay["id"] == layer.id]
    return found


def test_records_carry_only_what_the_map_needs():
    q = quantizer_for(BOUNDS, 13)
    layer = choropleth_layer(
        "bv",
        [A, MultiPolygon([B1, B2])],
        [(1, 2, 3), (4, 5, 6)],
        ["École <Jaurès> & fils", None],
        ["0001", "0002"],
        ["54,3 %", "—"],
        q,
    )
    spec = _layer_json(layer)
    records = spec["data"]
    assert len(records) == 3  # the multipolygon gives two records
    assert all(set(r) == {"p", "c", "n", "i", "v"} for r in records)
    assert records[0]["n"] == "École <Jaurès> & fils"  # raw: Streamlit escapes tooltip values itself
    assert records[0]["c"] == [1, 2, 3]
    assert [r["i"] for r in records] == ["0001", "0002", "0002"]
    assert records[1]["n"] == "" and records[2]["v"] == "—"
    assert all(isinstance(v, int) for v in records[0]["p"])


def test_positions_are_decoded_on_the_gpu():
    q = quantizer_for(BOUNDS, 13)
    spec = _layer_json(choropleth_layer("bv", [A], [(1, 2, 3)], ["a"], ["1"], ["x"], q))
    assert spec["@@type"] == "PolygonLayer"
    assert spec["coordinateSystem"] == "cartesian"
    assert spec["coordinateOrigin"] == pytest.approx([*q.origin_common, 0.0])
    s = q.step
    assert spec["modelMatrix"] == pytest.approx([s, 0, 0, 0, 0, s, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
    assert spec["positionFormat"] == "XY"
    assert spec["getPolygon"] == "@@=p" and spec["getFillColor"] == "@@=c"
    assert spec["pickable"] is True and spec["lineWidthUnits"] == "pixels"


def test_lengths_must_match():
    q = quantizer_for(BOUNDS, 13)
    with pytest.raises(ValueError, match="même longueur"):
        choropleth_layer("bv", [A], [(1, 2, 3)], [], ["1"], ["x"], q)


def test_outline_layer_has_no_fill_and_is_not_pickable():
    q = quantizer_for(BOUNDS, 13)
    spec = _layer_json(outline_layer("sel", [A, None], q, color=(200, 0, 0), width_px=3))
    assert spec["filled"] is False and spec["pickable"] is False
    assert spec["getLineColor"] == [200, 0, 0] and spec["getLineWidth"] == 3
    assert len(spec["data"]) == 1 and set(spec["data"][0]) == {"p"}
    assert spec["coordinateSystem"] == "cartesian"


def test_labels_layer_encodes_points_and_skips_missing():
    q = quantizer_for(BOUNDS, 13)
    spec = _layer_json(labels_layer("num", [(2.30, 48.80), (float("nan"), 48.8), (2.35, 48.85)], ["1", "2", "3"], q))
    assert spec["@@type"] == "TextLayer"
    assert [r["t"] for r in spec["data"]] == ["1", "3"]
    assert spec["data"][0]["p"] == [0, 0]
    assert spec["characterSet"] == "auto"


def test_tooltip_template_only_uses_the_record_fields():
    tip = tooltip("Bureau <n°> {i}")
    assert set(re.findall(r"{(.*?)}", tip["html"])) <= set(TOOLTIP_FIELDS)
    assert "&lt;n°&gt;" in tip["html"]
    assert set(tip) == {"html", "style"}


def test_payload_bytes_is_the_compact_json_size():
    q = quantizer_for(BOUNDS, 13)
    layer = choropleth_layer("bv", [A], [(1, 2, 3)], ["é"], ["1"], ["x"], q)
    d = deck([layer], fit_view(BOUNDS), map_style=None, tooltip=None)
    text = d.to_json()
    assert payload_bytes(d) == len(text.encode("utf-8"))
    assert "\n" not in text and "é" in text


def test_pre_encoded_polygons_are_kept_and_aligned():
    from layers.encode import encode_polygons

    q = quantizer_for(BOUNDS, 13)
    polygons, rows = encode_polygons([A, MultiPolygon([B1, B2])], q)
    layer = choropleth_layer(
        "bv", polygons, [(1, 1, 1), (2, 2, 2), (3, 3, 3)], ["a", "b", "b"], ["k1", "k2", "k2"], ["x", "y", "y"], q
    )
    spec = _layer_json(layer)
    assert [r["p"] for r in spec["data"]] == polygons
    assert [r["c"] for r in spec["data"]] == [[1, 1, 1], [2, 2, 2], [3, 3, 3]]
    outline = _layer_json(outline_layer("sel", polygons[:1], q))
    assert outline["data"] == [{"p": polygons[0]}]


def test_numbers_field_for_the_tooltip_when_ids_are_keys():
    q = quantizer_for(BOUNDS, 13)
    spec = _layer_json(choropleth_layer("bv", [A], [(1, 2, 3)], ["a"], ["29019_0001"], ["x"], q, numbers=["1"]))
    assert spec["data"][0]["i"] == "29019_0001" and spec["data"][0]["b"] == "1"
    tip = tooltip("Bureau", number_field="b")
    assert re.findall(r"{(.*?)}", tip["html"]) == ["n", "b", "v"]
    with pytest.raises(ValueError, match="Champ de numéro inconnu"):
        tooltip(number_field="x")
