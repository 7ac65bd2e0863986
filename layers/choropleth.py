"""pydeck layers of polygons encoded as integer grid coordinates (see ``layers.encode``).

Positions are sent as small integers ``(x, y)`` and turned back into Web
Mercator common space on the GPU: the layer uses the ``cartesian`` coordinate
system — in a geographic view deck.gl reads it as common space — with the
grid origin (in common units) as ``coordinateOrigin`` and a ``modelMatrix``
scaling both axes by the grid step. deck.gl 9.2 (bundled by Streamlit 1.67)
names coordinate systems with strings (``"cartesian"``, formerly 0).

Each data record carries only what the map needs: ``p`` (polygon), ``c``
(colour), ``n`` (name), ``i`` (station or IRIS number), ``v`` (formatted
measure). A multipolygon gives one record per part, with the same properties.
Streamlit's selection returns those records: ``event.selection["objects"]
[layer_id][0]["i"]`` is the number of the clicked station.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pydeck as pdk
from pydeck.types import String

from layers.colors import RGB
from layers.encode import Quantizer, encode_polygons

TOOLTIP_FIELDS = ("n", "i", "v")
NUMBER_FIELD = "b"  # optional: the number shown when ``i`` carries another key (see ``numbers``)

COORDINATE_SYSTEM = "cartesian"  # deck.gl 9 COORDINATE_SYSTEM.CARTESIAN


def position_props(quantizer: Quantizer) -> dict[str, object]:
    """Layer props that turn integer grid positions into Web Mercator common space on the GPU."""
    s = float(quantizer.step)
    ox, oy = quantizer.origin_common
    return {
        "coordinate_system": String(COORDINATE_SYSTEM),
        "coordinate_origin": [ox, oy, 0.0],
        "model_matrix": [s, 0.0, 0.0, 0.0, 0.0, s, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0],
        "position_format": String("XY"),
    }


def _encoded(geometries: Sequence[object], quantizer: Quantizer) -> tuple[list[object], list[int]]:
    """Polygons and source rows: shapely geometries are encoded, already encoded polygons kept as they are."""
    if len(geometries) and all(isinstance(g, (list, dict)) for g in geometries):
        return list(geometries), list(range(len(geometries)))
    polygons, rows = encode_polygons(geometries, quantizer)
    return polygons, rows.tolist()


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def choropleth_layer(
    layer_id: str,
    geometries: Sequence[object],
    colors: Sequence[RGB],
    names: Sequence[str | None],
    ids: Sequence[str],
    values_text: Sequence[str],
    quantizer: Quantizer,
    *,
    opacity: float = 0.75,
    line_color: RGB = (255, 255, 255),
    pickable: bool = True,
    numbers: Sequence[str] | None = None,
    line_width_px: float = 1.0,
) -> pdk.Layer:
    """A filled ``PolygonLayer``: one record ``{"p", "c", "n", "i", "v"}`` per polygon part.

    ``geometries`` are shapely (multi)polygons, or polygons already encoded
    with ``encode_polygons`` and the same ``quantizer`` (then every sequence is
    aligned with the encoded polygons: one record each) — cache the encoding,
    recolour freely. ``numbers``, when ``ids`` are keys rather than what the
    user reads (e.g. station ids vs numbers within the commune), adds a ``b``
    field for the tooltip: use ``tooltip(..., number_field="b")``.

    ``names`` are passed raw: Streamlit (>= 1.67) HTML-escapes the values it
    substitutes for ``{field}`` in an ``html`` tooltip (``DeckGlJsonChart``:
    ``createTooltip`` calls its interpolation with escaping on, which runs
    ``String(v).replaceAll(/[&<>"']/g, ...)``); escaping here would show
    ``&amp;`` twice-escaped. Missing names and texts become ``""`` (Streamlit
    would print ``null``).
    """
    n = len(geometries)
    if not (len(colors) == len(names) == len(ids) == len(values_text) == n) or (
        numbers is not None and len(numbers) != n
    ):
        raise ValueError("Géométries, couleurs, noms, numéros et valeurs doivent avoir la même longueur.")
    polygons, rows = _encoded(geometries, quantizer)
    records = []
    for polygon, row in zip(polygons, rows, strict=True):
        color = colors[row]
        record = {
            "p": polygon,
            "c": [int(color[0]), int(color[1]), int(color[2])],
            "n": _text(names[row]),
            "i": _text(ids[row]),
            "v": _text(values_text[row]),
        }
        if numbers is not None:
            record[NUMBER_FIELD] = _text(numbers[row])
        records.append(record)
    return pdk.Layer(
        "PolygonLayer",
        data=records,
        id=layer_id,
        get_polygon="p",
        get_fill_color="c",
        filled=True,
        stroked=line_width_px > 0,
        get_line_color=[int(c) for c in line_color],
        get_line_width=float(line_width_px),
        line_width_units=String("pixels"),
        opacity=float(opacity),
        pickable=bool(pickable),
        auto_highlight=bool(pickable),
        **position_props(quantizer),
    )


def outline_layer(
    layer_id: str,
    geometries: Sequence[object],
    quantizer: Quantizer,
    *,
    color: RGB = (40, 40, 40),
    width_px: float = 1.5,
) -> pdk.Layer:
    """Outlines only (no fill, not pickable): station boundaries over IRIS, or the selected station.

    ``geometries``: shapely (multi)polygons or polygons already encoded with ``quantizer``.
    """
    polygons, _ = _encoded(geometries, quantizer)
    return pdk.Layer(
        "PolygonLayer",
        data=[{"p": p} for p in polygons],
        id=layer_id,
        get_polygon="p",
        filled=False,
        stroked=True,
        get_line_color=[int(c) for c in color],
        get_line_width=float(width_px),
        line_width_units=String("pixels"),
        pickable=False,
        **position_props(quantizer),
    )


def labels_layer(
    layer_id: str,
    points: Sequence[tuple[float, float]],
    texts: Sequence[str],
    quantizer: Quantizer,
    *,
    size_px: float = 12,
    color: RGB = (30, 30, 30),
    halo: RGB = (255, 255, 255),
    offsets: Sequence[tuple[float, float]] | None = None,
    font_family: str | None = None,
    font_weight: str | None = None,
) -> pdk.Layer:
    """Short labels (e.g. station numbers) centred on ``points`` (lon, lat), with a light halo.

    Any character may be used (``characterSet: "auto"``), but keep labels short. ``offsets``: a pixel
    offset (x right, y down) per label (``layers.labels.place_labels``); ``font_family`` and
    ``font_weight``: CSS values (deck.gl's default font is monospace).
    """
    if len(points) != len(texts):
        raise ValueError("Points et étiquettes doivent avoir la même longueur.")
    if offsets is not None and len(offsets) != len(texts):
        raise ValueError("Points et décalages doivent avoir la même longueur.")
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    ok = np.isfinite(pts).all(axis=1)
    x, y = quantizer.encode(pts[ok, 0], pts[ok, 1])
    kept = [t for t, keep in zip(texts, ok.tolist(), strict=True) if keep]
    records = [{"p": [a, b], "t": _text(t)} for a, b, t in zip(x.tolist(), y.tolist(), kept, strict=True)]
    extra: dict[str, object] = {}
    if offsets is not None:
        moved = [o for o, keep in zip(offsets, ok.tolist(), strict=True) if keep]
        for record, (dx, dy) in zip(records, moved, strict=True):
            record["o"] = [round(float(dx), 1), round(float(dy), 1)]
        extra["get_pixel_offset"] = "o"
    if font_family:
        extra["font_family"] = String(font_family)
    if font_weight:
        extra["font_weight"] = String(font_weight)
    return pdk.Layer(
        "TextLayer",
        data=records,
        id=layer_id,
        get_position="p",
        get_text="t",
        get_size=float(size_px),
        size_units=String("pixels"),
        get_color=[int(c) for c in color],
        get_text_anchor=String("middle"),
        get_alignment_baseline=String("center"),
        character_set=String("auto"),
        font_settings={"sdf": True},
        outline_width=2,
        outline_color=[int(c) for c in halo] + [255],
        pickable=False,
        **extra,
        **position_props(quantizer),
    )


def tooltip(title_field_label: str = "Bureau", *, number_field: str = "i") -> dict[str, object]:
    """Tooltip of ``choropleth_layer``: name in bold, ``<label> <number>``, formatted value.

    The template uses only record placeholders (``TOOLTIP_FIELDS``, or
    ``NUMBER_FIELD`` for ``number_field="b"`` when the layer was given
    ``numbers``); the label is escaped here (Streamlit escapes substituted
    values, not the template). A placeholder missing from a record would be
    shown as is.
    """
    if number_field not in ("i", NUMBER_FIELD):
        raise ValueError(f"Champ de numéro inconnu : « {number_field} » (attendu : i ou {NUMBER_FIELD}).")
    label = html.escape(title_field_label.replace("{", "").replace("}", ""))
    return {
        "html": f"<b>{{n}}</b><br/>{label} {{{number_field}}}<br/>{{v}}",
        "style": {
            "backgroundColor": "rgba(255, 255, 255, 0.95)",
            "color": "#222",
            "fontSize": "0.85rem",
            "padding": "6px 8px",
            "borderRadius": "4px",
            "boxShadow": "0 1px 4px rgba(0, 0, 0, 0.3)",
        },
    }


def payload_bytes(deck: pdk.Deck) -> int:
    """Size of the JSON Streamlit sends to the browser for ``deck``."""
    return len(deck.to_json().encode("utf-8"))
