"""Legends and French number formats."""

from __future__ import annotations

import math

import pytest

from layers.classify import Classes
from layers.colors import NO_DATA
from layers.legend import (
    Legend,
    LegendEntry,
    categorical_legend,
    class_legend,
    fmt_number,
    fmt_percent,
    fmt_points,
    legend_html,
)

NNBSP = "\u202f"


def test_fmt_percent():
    assert fmt_percent(0.543) == f"54,3{NNBSP}%"
    assert fmt_percent(0.5, 0) == f"50{NNBSP}%"
    assert fmt_percent(12.345) == f"1{NNBSP}234,5{NNBSP}%"
    assert fmt_percent(math.nan) == "—" and fmt_percent(None) == "—"


def test_fmt_points():
    assert fmt_points(0.021) == f"+2,1{NNBSP}pts"
    assert fmt_points(-0.005) == f"\u22120,5{NNBSP}pt"
    assert fmt_points(0.015) == f"+1,5{NNBSP}pt"
    assert fmt_points(-0.2) == f"\u221220,0{NNBSP}pts"
    assert fmt_points(0.00001) == f"0,0{NNBSP}pt"
    assert fmt_points(None) == "—"


def test_fmt_number():
    assert fmt_number(1234567) == f"1{NNBSP}234{NNBSP}567"
    assert fmt_number(3.14159, 2) == "3,14"


def test_class_legend_labels_and_counts():
    classes = Classes((0.123, 0.3, 0.456), "quantiles")
    legend = class_legend("Participation", classes, [(1, 2, 3), (4, 5, 6)], fmt_percent, [10, 1234], no_data=2,
                          note="Quantiles · 2 classes · 2 bureaux sans donnée")
    assert legend.title == "Participation"
    assert legend.entries == (
        LegendEntry((1, 2, 3), f"de 12,3{NNBSP}% à 30,0{NNBSP}%", 10),
        LegendEntry((4, 5, 6), f"de 30,0{NNBSP}% à 45,6{NNBSP}%", 1234),
        LegendEntry(NO_DATA, "sans donnée", 2),
    )
    assert legend.note.startswith("Quantiles")


def test_class_legend_without_missing_data_and_single_value():
    legend = class_legend("x", Classes((4.0,), "jenks"), [(1, 2, 3)], fmt_number, [7])
    assert [e.label for e in legend.entries] == ["4"]


def test_class_legend_checks_lengths():
    with pytest.raises(ValueError, match="une couleur et un effectif par classe"):
        class_legend("x", Classes((0.0, 1.0, 2.0), "equal"), [(1, 2, 3)], fmt_number, [1, 2])


def test_categorical_legend_keeps_order():
    legend = categorical_legend("Bloc arrivé en tête", [("Gauche", (200, 0, 0), 3), ("Droite", (0, 0, 200), 5)])
    assert [(e.label, e.count) for e in legend.entries] == [("Gauche", 3), ("Droite", 5)]


def test_legend_html_escapes_everything_and_formats_counts():
    legend = Legend(
        "<script>alert('x')</script>",
        (LegendEntry((255, 0, 0), "<b>rouge</b> & co", 12345),),
        note="note <i>\n\nmarkdown",
    )
    html = legend_html(legend)
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;b&gt;rouge&lt;/b&gt; &amp; co" in html
    assert f"12{NNBSP}345" in html
    assert "#ff0000" in html
    assert "\n" not in html  # one line: stays a single HTML block in Markdown


def test_legend_html_large_is_bigger():
    legend = categorical_legend("T", [("a", (0, 0, 0), 1)])
    assert "font-size:0.85rem" in legend_html(legend)
    assert "font-size:1.15rem" in legend_html(legend, large=True)
