"""PDF files for coordinators: a group's report and a workshop's A4 join poster, laid out with fpdf2.

Every word and figure comes from ``conversations`` (:class:`~conversations.messages.GroupReport`,
:class:`~conversations.messages.Poster`); this module only lays them out. The text is set in
DejaVu Sans, the TrueType font matplotlib ships, embedded in the file, so names with accents
(São Paulo, Łódź, Ærø) print as typed. fpdf2 is imported on the first file, not with this module.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from bot.charts import maturity_chart_png
from bot.qr import qr_png
from conversations.messages import GroupReport, Poster

if TYPE_CHECKING:
    from fpdf import FPDF

FONT = "DejaVu"
MARGIN_MM = 18
CHART_WIDTH_MM = 174
"""The chart across the page's text width (A4 is 210 mm wide)."""
POSTER_QR_MM = 120
"""The QR code on a poster: phones read it from a couple of metres."""


def font_files() -> dict[str, Path]:
    """DejaVu Sans from matplotlib's own data folder (regular and bold): no system font needed."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {"": folder / "DejaVuSans.ttf", "B": folder / "DejaVuSans-Bold.ttf"}


def new_document(title: str, page_label: str = "") -> FPDF:
    """An A4 document with the Unicode font, its title in the metadata, and "Page N" in the footer."""
    from fpdf import FPDF

    class Document(FPDF):
        def footer(self) -> None:
            if not page_label:
                return
            self.set_y(-12)
            self.set_font(FONT, size=8)
            self.set_text_color(110)
            self.cell(0, 6, page_label.format(page=self.page_no()), align="C")

    document = Document(format="A4", unit="mm")
    for style, path in font_files().items():
        document.add_font(FONT, style, str(path))
    document.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    document.set_auto_page_break(auto=True, margin=18)
    document.set_title(title)
    document.set_creator("citybot")
    document.set_font(FONT, size=11)
    return document


def heading(document: FPDF, text: str, size: int = 15) -> None:
    document.ln(3)
    document.set_font(FONT, "B", size)
    document.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    document.ln(1)
    document.set_font(FONT, size=11)


def report_pdf(report: GroupReport) -> bytes:
    """The report as a PDF: cover, chart, per-area table, next steps (and questions), then the catalogue."""
    document = new_document(report.title, report.page)
    document.add_page()
    document.set_font(FONT, "B", 22)
    document.multi_cell(0, 10, report.title, align="L", new_x="LMARGIN", new_y="NEXT")
    document.ln(3)
    document.set_font(FONT, size=12)
    for line in report.cover:
        document.multi_cell(0, 7, line, align="L", new_x="LMARGIN", new_y="NEXT")
    if report.chart is not None:
        heading(document, report.chart_heading)
        document.image(io.BytesIO(maturity_chart_png(report.chart)), w=CHART_WIDTH_MM)

    document.add_page()
    heading(document, report.table_heading)
    document.set_font(FONT, size=9.5)
    widths = (54, 28, 44, 30, 18)
    with document.table(col_widths=widths, text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT")) as table:
        header = table.row()
        for title in report.columns:
            header.cell(title)
        for cells in report.rows:
            row = table.row()
            if len(cells) == 1:
                document.set_font(FONT, "B", 9.5)
                row.cell(cells[0], colspan=len(widths))
                document.set_font(FONT, size=9.5)
            else:
                for cell in cells:
                    row.cell(cell)
    document.set_font(FONT, size=9)
    document.ln(2)
    document.multi_cell(0, 5, report.table_note, align="L", new_x="LMARGIN", new_y="NEXT")

    for number, section in enumerate(report.sections):
        if number == len(report.sections) - 1:
            document.add_page()  # the catalogue, last, on pages of its own
        heading(document, section.heading)
        for line in section.lines:
            write_line(document, line, bullet=section.bullets)
        if section.note:
            document.set_font(FONT, size=9)
            document.set_text_color(90)
            document.multi_cell(0, 5, section.note, align="L", new_x="LMARGIN", new_y="NEXT")
            document.set_text_color(0)
            document.set_font(FONT, size=11)
    return bytes(document.output())


def write_line(document: FPDF, line: str, *, bullet: bool) -> None:
    """One line of a section: a bullet; in the catalogue ``## domain`` and ``# area`` headings, else an action."""
    if line.startswith("## "):
        heading(document, line[3:], size=12)
    elif line.startswith("# "):
        document.set_font(FONT, "B", 10)
        document.multi_cell(0, 5.5, line[2:], align="L", new_x="LMARGIN", new_y="NEXT")
        document.set_font(FONT, size=11)
    elif bullet:
        document.set_font(FONT, size=10.5)
        document.multi_cell(0, 6, f"• {line}", align="L", new_x="LMARGIN", new_y="NEXT")
    else:
        document.set_font(FONT, size=9)
        document.multi_cell(0, 4.6, line, align="L", new_x="LMARGIN", new_y="NEXT")
        document.set_font(FONT, size=11)


def poster_pdf(poster: Poster, *, link: str) -> bytes:
    """An A4 poster: the title, the workshop's name, a large QR code of ``link``, the link, the code, how to join."""
    document = new_document(f"{poster.title}: {poster.name}")
    document.set_auto_page_break(auto=False)
    document.add_page()
    width = document.epw
    document.set_font(FONT, size=20)
    document.set_text_color(80)
    document.cell(width, 12, poster.title, align="C", new_x="LMARGIN", new_y="NEXT")
    document.set_text_color(0)
    document.set_font(FONT, "B", 30)
    document.multi_cell(width, 13, poster.name, align="C", new_x="LMARGIN", new_y="NEXT")
    document.ln(6)
    left = (document.w - POSTER_QR_MM) / 2
    document.image(io.BytesIO(qr_png(link)), x=left, y=document.get_y(), w=POSTER_QR_MM, h=POSTER_QR_MM)
    document.set_y(document.get_y() + POSTER_QR_MM + 4)
    document.set_font(FONT, size=12)
    document.cell(width, 7, link, align="C", new_x="LMARGIN", new_y="NEXT")
    document.ln(4)
    document.set_font(FONT, "B", 34)
    document.cell(width, 16, poster.code_line, align="C", new_x="LMARGIN", new_y="NEXT")
    document.ln(4)
    document.set_font(FONT, size=15)
    document.multi_cell(width, 8, poster.how, align="C", new_x="LMARGIN", new_y="NEXT")
    document.set_font(FONT, size=12)
    document.set_text_color(80)
    document.multi_cell(width, 7, poster.join_command, align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())
