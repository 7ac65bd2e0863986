"""Map legends (class or category swatches with counts).

A ``Legend`` is plain data; ``legend_html`` renders it as self-contained HTML
with inline styles, every piece of text escaped, ready for
``st.markdown(..., unsafe_allow_html=True)`` or ``st.html``. The French number
formats live in :mod:`dashboard.formats` (re-exported here).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dashboard.formats import fmt_number, fmt_percent, fmt_points, format_fr
from layers.classify import Classes
from layers.colors import NO_DATA, RGB, rgb_to_hex

__all__ = ["Legend", "LegendEntry", "categorical_legend", "class_legend", "fmt_number", "fmt_percent", "fmt_points", "legend_html"]

NO_DATA_LABEL = "sans donnée"
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


@dataclass(frozen=True)
class LegendEntry:
    """One swatch: its colour, its label, how many map features have it."""

    color: RGB
    label: str
    count: int


@dataclass(frozen=True)
class Legend:
    """A titled list of swatches, with an optional note (method, classes, missing data) and
    detail lines (how the values were obtained, e.g. the weighting of an estimate)."""

    title: str
    entries: tuple[LegendEntry, ...]
    note: str = ""
    details: tuple[str, ...] = ()


def class_legend(
    title: str,
    classes: Classes,
    colors: Sequence[RGB],
    fmt: Callable[[float], str],
    counts: Sequence[int],
    *,
    no_data: int = 0,
    note: str = "",
    details: Sequence[str] = (),
) -> Legend:
    """Legend of a classified measure: ``"de 12,3 % à 45,6 %"`` per class, then ``"sans donnée"`` if any."""
    if len(colors) != classes.k or len(counts) != classes.k:
        raise ValueError(
            f"La légende attend une couleur et un effectif par classe ({classes.k} classes, "
            f"{len(colors)} couleurs, {len(counts)} effectifs)."
        )
    entries = []
    for i in range(classes.k):
        lo, hi = classes.bounds(i)
        a, b = fmt(lo), fmt(hi)
        label = a if a == b else f"de {a} à {b}"
        entries.append(LegendEntry(tuple(colors[i]), label, int(counts[i])))
    if no_data > 0:
        entries.append(LegendEntry(NO_DATA, NO_DATA_LABEL, int(no_data)))
    return Legend(title, tuple(entries), note, tuple(details))


def categorical_legend(title: str, categories: Sequence[tuple[str, RGB, int]], *, note: str = "") -> Legend:
    """Legend of categories given as ``(label, colour, count)``, in the given order."""
    entries = tuple(LegendEntry(tuple(color), label, int(count)) for label, color, count in categories)
    return Legend(title, entries, note)


def _escape(text: object) -> str:
    """HTML-escaped text on one line (a blank line would end the HTML block in Markdown)."""
    return html.escape(_LINE_BREAKS.sub(" ", str(text)))


def legend_html(legend: Legend, *, large: bool = False) -> str:
    """Self-contained HTML of ``legend`` (inline styles, escaped text); ``large`` for projecting."""
    base = 1.15 if large else 0.85
    swatch = 1.4 if large else 1.0
    esc = _escape
    rows = []
    for entry in legend.entries:
        rows.append(
            '<div style="display:flex;align-items:center;gap:0.5em;margin:1px 0;">'
            f'<span style="flex:none;width:{swatch}em;height:{swatch * 0.75:.2f}em;'
            f'background:{rgb_to_hex(entry.color)};border:1px solid rgba(0,0,0,0.25);"></span>'
            f'<span style="flex:1 1 auto;">{esc(entry.label)}</span>'
            '<span style="flex:none;margin-left:1em;text-align:right;font-variant-numeric:tabular-nums;color:#555;">'
            f"{esc(format_fr(entry.count))}</span>"
            "</div>"
        )
    note = "".join(
        f'<div style="margin-top:4px;color:#666;font-size:{base * 0.9:.2f}rem;">{esc(line)}</div>'
        for line in (legend.note, *legend.details) if line
    )
    return (
        f'<div class="isoloir-legend" style="font-size:{base:.2f}rem;line-height:1.35;color:#222;">'
        f'<div style="font-weight:600;margin-bottom:4px;">{esc(legend.title)}</div>'
        f'<div style="display:inline-block;min-width:12em;">{"".join(rows)}</div>'
        f"{note}</div>"
    )
