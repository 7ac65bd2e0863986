"""The printable walk sheet of a turf: one A4 PDF (fpdf2), vector map + ordered addresses + outcome boxes.

Page 1: title (turf, zone, date, counts), a vector map of the turf drawn with the PDF
drawing API (turf outline, the streets drawn from the addresses with their names
(``dashboard.canvass.streets``), the walking route as a thin line along the streets
(``streets.route_path``: from one street to the next through their junction), numbered address
points, a scale bar and a north mark; no map tiles, nothing fetched), then the table.
The table lists the addresses in walking order under one band per street: order
number, house number, side, estimated doors and blank boxes for the outcomes
(:data:`dashboard.canvass.walklist.OUTCOME_LABELS_FR`). Every page has its number and
a reminder that the sheet holds no names and is destroyed after the election.

With the turf's questionnaire (the one the phone asks, ``store.questionnaires.for_turf``), the sheet ends
with its page(s): title, introduction and instructions, each question with its choices numbered, then a
grid with one row per line of the sheet (its « N° ») and one compact column per question with choices,
where the canvasser writes the number of the answer of each door opened. Free-text questions are named
but left to the phone (a text on paper would escape the sensitive-mention guard).

Text uses the PDF core font Helvetica, whose encoding is Latin-1: French fits; other
characters are transliterated (``’`` → ``'``, ``œ`` → ``oe``, accents of other scripts
dropped, anything else ``?``) and control characters removed, so any street name,
hostile or not, gives a valid PDF. Long texts are cut to their cell.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from dashboard.formats import paris_today
from dashboard.canvass.geo import LocalProjection
from dashboard.canvass.streets import StreetLine, route_path, street_lines
from dashboard.canvass.walklist import NO_STREET_FR, OUTCOME_COLUMNS, OUTCOME_LABELS_FR

if TYPE_CHECKING:
    from fpdf import FPDF

    from dashboard.store.questionnaires import Questionnaire
else:
    FPDF = Any

PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 12.0
CONTENT_W = PAGE_W - 2 * MARGIN
MAP_H = 105.0
ROW_H = 6.5
FOOTER_Y = PAGE_H - 10.0
MAX_TEXT = 160
_REPLACEMENTS = {
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2014": "-", "\u2013": "-", "\u2026": "...",
    "\u0153": "oe", "\u0152": "OE", "\u202f": " ", "\u2009": " ", "\u2212": "-", "\u20ac": "EUR", "\u2192": "->",
}
_COLUMNS = [("order", "N°", 10.0), ("number", "Numéro", 20.0), ("side", "Côté", 18.0), ("doors", "Portes", 14.0)]
_OUTCOME_W = (CONTENT_W - sum(w for _, _, w in _COLUMNS)) / len(OUTCOME_COLUMNS)
_POINT = (31, 78, 121)
_ROUTE = (150, 150, 150)
_TURF_FILL = (232, 240, 250)
_BAND = (225, 225, 225)
_STREET = (205, 205, 205)
_STREET_NAME = (70, 70, 70)


def pdf_text(value: object, max_chars: int = MAX_TEXT) -> str:
    """``value`` as text the core fonts can encode (Latin-1), without control characters, at most ``max_chars``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = unicodedata.normalize("NFC", str(value))
    out = []
    for ch in text:
        ch = _REPLACEMENTS.get(ch, ch)
        if len(ch) > 1:
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            out.append(" " if ch in "\t\n\r" else "")
            continue
        if category.startswith("Z"):
            out.append(" ")
            continue
        if ord(ch) < 256:
            out.append(ch)
            continue
        decomposed = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c) and ord(c) < 256)
        out.append(decomposed if decomposed.isprintable() and decomposed else "?")
    cleaned = " ".join("".join(out).split())
    return cleaned if len(cleaned) <= max_chars else cleaned[: max_chars - 3] + "..."


@functools.cache
def _sheet_class() -> type:
    """The FPDF subclass with our footer (fpdf2 is imported when a sheet is first printed)."""
    from fpdf import FPDF

    class Sheet(FPDF):
        footer_text = ""

        def footer(self) -> None:
            self.set_y(FOOTER_Y)
            self.set_font("Helvetica", "", 7)
            self.set_text_color(110, 110, 110)
            self.cell(CONTENT_W * 0.75, 5, self.footer_text, 0, align="L")
            self.cell(CONTENT_W * 0.25, 5, f"Page {self.page_no()}/{{nb}}", 0, align="R")
            self.set_text_color(0, 0, 0)

    return Sheet


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut (with "...") to fit ``width`` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if pdf.get_string_width(text[:mid] + "...") <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low] + "..."


def _scale_bar_m(width_m: float) -> float:
    for candidate in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        if candidate >= width_m / 5:
            return float(candidate)
    return 10000.0


def _draw_map(pdf: FPDF, walk: pd.DataFrame, geometry: BaseGeometry | None, top: float) -> None:
    x0, y0, w, h = MARGIN, top, CONTENT_W, MAP_H
    pdf.set_draw_color(160, 160, 160)
    pdf.set_line_width(0.2)
    pdf.rect(x0, y0, w, h)
    lon = walk["lon"].to_numpy(dtype=float)
    lat = walk["lat"].to_numpy(dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    shapes = [] if geometry is None or geometry.is_empty else [g for g in shapely.get_parts(geometry) if g.geom_type == "Polygon"]
    if not ok.any() and not shapes:
        return
    all_lon = np.concatenate([lon[ok]] + [np.asarray(s.exterior.coords)[:, 0] for s in shapes])
    all_lat = np.concatenate([lat[ok]] + [np.asarray(s.exterior.coords)[:, 1] for s in shapes])
    projection = LocalProjection.around(all_lon, all_lat)
    ax, ay = projection.forward(all_lon, all_lat)
    span_x, span_y = max(float(np.ptp(ax)), 50.0), max(float(np.ptp(ay)), 50.0)
    pad = 6.0
    scale = min((w - 2 * pad) / span_x, (h - 2 * pad) / span_y)  # mm per metre
    cx, cy = (ax.min() + ax.max()) / 2, (ay.min() + ay.max()) / 2

    def to_page(lo: np.ndarray, la: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mx, my = projection.forward(lo, la)
        return x0 + w / 2 + (mx - cx) * scale, y0 + h / 2 - (my - cy) * scale

    pdf.set_fill_color(*_TURF_FILL)
    pdf.set_draw_color(*_POINT)
    pdf.set_line_width(0.4)
    for polygon in shapes:
        ring = np.asarray(polygon.exterior.coords)
        px, py = to_page(ring[:, 0], ring[:, 1])
        pdf.polygon(list(zip(px.tolist(), py.tolist())), style="DF")
    streets = street_lines(walk)
    _draw_streets(pdf, streets, to_page)
    px, py = to_page(lon, lat)
    pdf.set_draw_color(*_ROUTE)
    pdf.set_line_width(0.25)
    valid = np.flatnonzero(ok)
    route = route_path(walk, streets)  # along the streets, through their junctions
    if len(route) > 1:
        rx, ry = to_page(np.array([p[0] for p in route]), np.array([p[1] for p in route]))
        for i in range(len(route) - 1):
            pdf.line(float(rx[i]), float(ry[i]), float(rx[i + 1]), float(ry[i + 1]))
    pdf.set_fill_color(*_POINT)
    radius = 0.9
    font = 6 if len(valid) <= 80 else 4.5
    pdf.set_font("Helvetica", "", font)
    pdf.set_text_color(*_POINT)
    for i in valid:
        pdf.ellipse(float(px[i]) - radius, float(py[i]) - radius, 2 * radius, 2 * radius, style="F")
        pdf.text(float(px[i]) + radius + 0.3, float(py[i]) - 0.4, str(int(walk["order"].iloc[i])))
    pdf.set_text_color(0, 0, 0)
    _draw_street_names(pdf, streets, to_page)
    # scale bar (bottom left) and north mark (top right)
    bar_m = _scale_bar_m(w / scale)
    bar_mm = bar_m * scale
    bx, by = x0 + 4, y0 + h - 4
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.5)
    pdf.line(bx, by, bx + bar_mm, by)
    pdf.line(bx, by - 1, bx, by + 0.3)
    pdf.line(bx + bar_mm, by - 1, bx + bar_mm, by + 0.3)
    pdf.set_font("Helvetica", "", 7)
    pdf.text(bx, by - 1.6, f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m")
    nx, ny = x0 + w - 7, y0 + 4
    pdf.set_fill_color(0, 0, 0)
    pdf.polygon([(nx, ny), (nx - 1.8, ny + 5), (nx + 1.8, ny + 5)], style="F")
    pdf.set_font("Helvetica", "B", 7)
    pdf.text(nx - 1.2, ny + 8.5, "N")


def _draw_streets(pdf: FPDF, lines: list[StreetLine], to_page: Any) -> None:
    """The turf's streets (``dashboard.canvass.streets``) as wide light lines, under the route and the points."""
    pdf.set_draw_color(*_STREET)
    pdf.set_line_width(1.6)
    for line in lines:
        if len(line.path) < 2:
            continue
        path = np.asarray(line.path)
        px, py = to_page(path[:, 0], path[:, 1])
        for i in range(len(px) - 1):
            pdf.line(float(px[i]), float(py[i]), float(px[i + 1]), float(py[i + 1]))


def _draw_street_names(pdf: FPDF, lines: list[StreetLine], to_page: Any) -> None:
    """Each street's name once, along its line, over the points with a white halo (longest streets first; a
    name that would overlap one already written is left out)."""
    from fpdf.enums import TextMode

    pdf.set_font("Helvetica", "I", 6)
    placed: list[tuple[float, float, float]] = []
    for line in lines:
        x, y = (float(v[0]) for v in to_page(np.array([line.label_lon]), np.array([line.label_lat])))
        text = pdf_text(line.name, 60)
        width = pdf.get_string_width(text)
        if any(math.hypot(x - ox, y - oy) < (width + ow) / 2 * 0.8 and abs(y - oy) < 3 for ox, oy, ow in placed):
            continue
        placed.append((x, y, width))
        with pdf.rotation(line.angle, x, y):
            pdf.set_draw_color(255, 255, 255)
            pdf.set_line_width(0.7)
            pdf.text_mode = TextMode.STROKE  # the halo
            pdf.text(x - width / 2, y + 0.8, text)
            pdf.text_mode = TextMode.FILL
            pdf.set_text_color(*_STREET_NAME)
            pdf.text(x - width / 2, y + 0.8, text)
    pdf.set_text_color(0, 0, 0)


def _table_header(pdf: FPDF) -> None:
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.set_font("Helvetica", "B", 7.5)
    pdf.set_fill_color(*_BAND)
    pdf.set_x(MARGIN)
    for _, label, width in _COLUMNS:
        pdf.cell(width, ROW_H, pdf_text(label), 1, align="C", fill=True)
    for column in OUTCOME_COLUMNS:
        pdf.cell(_OUTCOME_W, ROW_H, _fit(pdf, pdf_text(OUTCOME_LABELS_FR[column]), _OUTCOME_W - 1), 1, align="C", fill=True)
    pdf.ln(ROW_H)


def _street_band(pdf: FPDF, label: str) -> None:
    pdf.set_x(MARGIN)
    pdf.set_font("Helvetica", "B", 8)
    pdf.set_fill_color(245, 245, 245)
    pdf.cell(CONTENT_W, ROW_H, _fit(pdf, label, CONTENT_W - 2), 1, align="L", fill=True)
    pdf.ln(ROW_H)


def _ensure_room(pdf: FPDF, rows: int, header_text: str) -> bool:
    """A new page (with the table header) when ``rows`` rows do not fit; True when one was added."""
    if pdf.get_y() + rows * ROW_H > FOOTER_Y - 3:
        pdf.add_page()
        pdf.set_font("Helvetica", "", 8)
        pdf.set_text_color(90, 90, 90)
        pdf.set_x(MARGIN)
        pdf.cell(CONTENT_W, 6, _fit(pdf, header_text, CONTENT_W), 0, align="L")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(8)
        _table_header(pdf)
        return True
    return False


def _questionnaire_pages(pdf: FPDF, walk: pd.DataFrame, questionnaire: Questionnaire, continued: str) -> None:
    """The questionnaire's page(s): its texts, its questions with numbered choices, and the answer grid (one row
    per sheet line, one column per question with choices)."""
    pdf.add_page()
    pdf.set_xy(MARGIN, MARGIN)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(CONTENT_W, 7, _fit(pdf, pdf_text(f"Questionnaire : {questionnaire.title}", 100), CONTENT_W), 0, align="L")
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 8)
    for label, text in (("À dire à la porte", questionnaire.intro), ("Consignes", questionnaire.instructions)):
        if pdf_text(text):
            pdf.set_x(MARGIN)
            pdf.multi_cell(CONTENT_W, 4, pdf_text(f"{label} : {text}", 600), 0, align="L")
            pdf.ln(1)
    gridded = [q for q in questionnaire.questions if q.choices]
    pdf.ln(1)
    for number, question in enumerate(questionnaire.questions, start=1):
        pdf.set_x(MARGIN)
        pdf.set_font("Helvetica", "B", 8)
        pdf.multi_cell(CONTENT_W, 4, pdf_text(f"Q{number}. {question.label}", 220), 0, align="L")
        pdf.set_x(MARGIN + 4)
        pdf.set_font("Helvetica", "", 8)
        choices = ("   ".join(f"{i} = {c}" for i, c in enumerate(question.choices, start=1)) if question.choices
                   else "réponse libre : sur le téléphone seulement (pas de texte sur la feuille)")
        pdf.multi_cell(CONTENT_W - 4, 4, pdf_text(choices, 600), 0, align="L")
    if not gridded or not len(walk):
        return
    pdf.ln(2)
    pdf.set_x(MARGIN)
    pdf.set_font("Helvetica", "", 7.5)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(CONTENT_W, 4, "Porte ouverte : écrivez le numéro de la réponse à chaque question (case vide : pas de réponse).", 0)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(5)
    numbers = {q.key: i for i, q in enumerate(questionnaire.questions, start=1)}
    width = (CONTENT_W - 12.0) / len(gridded)

    def header() -> None:
        pdf.set_x(MARGIN)
        pdf.set_font("Helvetica", "B", 7.5)
        pdf.set_fill_color(*_BAND)
        pdf.cell(12.0, ROW_H, "N°", 1, align="C", fill=True)
        for q in gridded:
            pdf.cell(width, ROW_H, f"Q{numbers[q.key]}", 1, align="C", fill=True)
        pdf.ln(ROW_H)

    header()
    pdf.set_font("Helvetica", "", 8)
    for order in walk["order"]:
        if pdf.get_y() + ROW_H > FOOTER_Y - 3:
            pdf.add_page()
            pdf.set_xy(MARGIN, MARGIN)
            pdf.set_font("Helvetica", "", 8)
            pdf.cell(CONTENT_W, 6, _fit(pdf, f"{continued} - questionnaire", CONTENT_W), 0, align="L")
            pdf.ln(8)
            header()
            pdf.set_font("Helvetica", "", 8)
        pdf.set_x(MARGIN)
        pdf.cell(12.0, ROW_H, str(int(order)), 1, align="C")
        for _ in gridded:
            pdf.cell(width, ROW_H, "", 1)
        pdf.ln(ROW_H)


def walklist_pdf(
    walk: pd.DataFrame, *, zone_name: str = "", turf_name: str = "", geometry: BaseGeometry | None = None,
    printed_on: date | None = None, excluded: int = 0, questionnaire: Questionnaire | None = None,
) -> bytes:
    """The A4 walk sheet of ``walk`` (a frame of :func:`dashboard.canvass.walklist.order_walk`) as PDF bytes.

    ``geometry``: the turf's outline (EPSG:4326) drawn under the points; ``printed_on``: the date
    printed (default today; also the PDF's creation date, so the same inputs give the same bytes);
    ``excluded``: doors left out because they are on the opposition list, printed under the title;
    ``questionnaire``: the turf's, printed on its own page(s) after the doors with its answer grid.
    """
    return bytes(walk_sheet(walk, zone_name=zone_name, turf_name=turf_name, geometry=geometry,
                            printed_on=printed_on, excluded=excluded, questionnaire=questionnaire).output())


def walk_sheet(
    walk: pd.DataFrame, *, zone_name: str = "", turf_name: str = "", geometry: BaseGeometry | None = None,
    printed_on: date | None = None, excluded: int = 0, questionnaire: Questionnaire | None = None,
) -> FPDF:
    """:func:`walklist_pdf` as the open FPDF document (``canvass/documents_pdf.py`` appends the door notice)."""
    day = printed_on or paris_today()
    zone = pdf_text(zone_name, 80)
    turf = pdf_text(turf_name, 60) or "Secteur"
    pdf = _sheet_class()(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(datetime(day.year, day.month, day.day))
    pdf.set_title(pdf_text(f"Porte-à-porte - {turf} - {zone}" if zone else f"Porte-à-porte - {turf}"))
    pdf.set_creator("Isoloir")
    pdf.footer_text = "Isoloir - liste d'adresses sans donnée nominative. À détruire après l'élection."
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()

    doors = int(pd.to_numeric(walk["doors"], errors="coerce").fillna(0).sum()) if len(walk) else 0
    stamp = day.strftime("%d/%m/%Y")
    pdf.set_font("Helvetica", "B", 15)
    pdf.set_xy(MARGIN, MARGIN)
    pdf.cell(CONTENT_W, 8, _fit(pdf, f"Porte-à-porte - {turf}", CONTENT_W), 0, align="L")
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 9)
    details = [f"Zone : {zone}" if zone else "", f"Édité le {stamp}", f"{walk['ban_id'].nunique() if 'ban_id' in walk else len(walk)} adresses", f"{doors} portes estimées"]
    pdf.set_x(MARGIN)
    pdf.cell(CONTENT_W, 5, _fit(pdf, " - ".join(d for d in details if d), CONTENT_W), 0, align="L")
    pdf.ln(5)
    pdf.set_font("Helvetica", "", 7.5)
    pdf.set_text_color(90, 90, 90)
    pdf.set_x(MARGIN)
    pdf.cell(CONTENT_W, 4, "Cochez une case par porte. Aucun nom ni commentaire sur les personnes : seules les réponses cochées comptent.", 0)
    if excluded:
        pdf.ln(4)
        pdf.set_x(MARGIN)
        pdf.cell(CONTENT_W, 4, f"{excluded} porte(s) exclue(s) de cette feuille : opposition (ne plus solliciter).", 0)
    pdf.set_text_color(0, 0, 0)
    map_top = pdf.get_y() + 6
    # a sheet with one line per household (canvass/sheet.py): one point per door, numbered by its first line
    _draw_map(pdf, walk.drop_duplicates("door") if "door" in walk else walk, geometry, map_top)
    pdf.set_xy(MARGIN, map_top + MAP_H + 4)
    continued = f"{turf} - {zone} (suite)" if zone else f"{turf} (suite)"
    if not len(walk):
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(CONTENT_W, 8, "Aucune adresse dans ce secteur.", 0)
    else:
        _table_header(pdf)
        previous = None
        for row in walk.itertuples(index=False):
            street = pdf_text(getattr(row, "street", "") or NO_STREET_FR)
            key = (getattr(row, "street_key", street), getattr(row, "piece", 0))
            postcode = pdf_text(getattr(row, "postcode", ""), 10)
            label = f"{street} ({postcode})" if postcode else street
            if key != previous:
                _ensure_room(pdf, 2, continued)
                _street_band(pdf, label)
                previous = key
            elif _ensure_room(pdf, 1, continued):
                _street_band(pdf, f"{label} (suite)")
            pdf.set_x(MARGIN)
            pdf.set_font("Helvetica", "", 8)
            values = [str(int(row.order)), pdf_text(row.number, 20) or "s/n", pdf_text(row.side, 20), str(int(row.doors))]
            for (_, _, width), value in zip(_COLUMNS, values):
                pdf.cell(width, ROW_H, _fit(pdf, value, width - 1), 1, align="C")
            for _ in OUTCOME_COLUMNS:
                pdf.cell(_OUTCOME_W, ROW_H, "", 1)
            pdf.ln(ROW_H)
    if questionnaire is not None and questionnaire.questions:
        _questionnaire_pages(pdf, walk, questionnaire, continued)
    return pdf
