"""The GDPR documents as PDF (fpdf2, the walk sheet's machinery): the door notice, the register, the DPIA summary.

:func:`document_pdf` prints one :class:`~dashboard.store.register.Document` on A4 pages (title, then each
section's heading and lines, wrapped); :func:`walk_sheet_with_notice` appends the door notice as the last page
of a turf's walk sheet, so canvassers carry it with the addresses. Text goes through
:func:`~dashboard.canvass.walklist_pdf.pdf_text` (Latin-1 core font: any setting, hostile or not, gives a valid PDF).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from dashboard.formats import paris_today
from dashboard.canvass.walklist_pdf import CONTENT_W, MARGIN, _sheet_class, pdf_text, walk_sheet

if TYPE_CHECKING:
    import pandas as pd
    from fpdf import FPDF
    from shapely.geometry.base import BaseGeometry

    from dashboard.store.questionnaires import Questionnaire
    from dashboard.store.register import Document
else:
    FPDF = Any

LINE_H = 5.0
BOTTOM = 297.0 - 18.0
MAX_LINE = 2_000


def draw_document(pdf: FPDF, document: Document) -> None:
    """``document`` on new pages of ``pdf``."""
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_xy(MARGIN, MARGIN)
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(CONTENT_W, 8, pdf_text(document.title, 200), new_x="LMARGIN", new_y="NEXT")
    for section in document.sections:
        if pdf.get_y() > BOTTOM - 3 * LINE_H:
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 10.5)
        pdf.multi_cell(CONTENT_W, 6, pdf_text(section.heading, 200), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9.5)
        for line in section.lines:
            pdf.multi_cell(CONTENT_W, LINE_H, pdf_text(line, MAX_LINE), new_x="LMARGIN", new_y="NEXT")


def document_pdf(document: Document, *, printed_on: date | None = None) -> bytes:
    """``document`` alone as an A4 PDF (its creation date ``printed_on``: same inputs, same bytes)."""
    day = printed_on or paris_today()
    pdf = _sheet_class()(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(datetime(day.year, day.month, day.day))
    pdf.set_title(pdf_text(document.title))
    pdf.set_creator("Isoloir")
    pdf.footer_text = f"Isoloir - {pdf_text(document.title, 80)} - édité le {day.strftime('%d/%m/%Y')}"
    pdf.alias_nb_pages()
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    draw_document(pdf, document)
    return bytes(pdf.output())


def walk_sheet_with_notice(walk: pd.DataFrame, notice: Document, *, zone_name: str = "", turf_name: str = "",
                           geometry: BaseGeometry | None = None, printed_on: date | None = None,
                           excluded: int = 0, questionnaire: Questionnaire | None = None) -> bytes:
    """The walk sheet of ``walk`` (``walklist_pdf``; ``excluded``: doors left out for opposition; ``questionnaire``:
    the turf's, with its answer grid) with ``notice`` as its last page."""
    pdf = walk_sheet(walk, zone_name=zone_name, turf_name=turf_name, geometry=geometry, printed_on=printed_on,
                     excluded=excluded, questionnaire=questionnaire)
    draw_document(pdf, notice)
    return bytes(pdf.output())
