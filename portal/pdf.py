"""PDF documents of the portal (fpdf2), in its own font so that Spanish text renders.

fpdf2's built-in fonts know Latin-1 only; DejaVu Sans (portal/fonts/, Bitstream Vera licence)
has every character the portal writes (ñ, accents, “quotes”, —, ·). A small vocabulary of
blocks — headings, paragraphs, notices, tables — keeps the documents alike; the integrity
report uses it, and attendance certificates can.

    pdf = Document(title="Report")
    pdf.heading("Acme — 2026", level=1)
    pdf.table(["Group", "Average"], [["All", "61"]])
    data = pdf.output()  # bytes
"""

import logging
from pathlib import Path

from django.utils import translation
from fpdf import FPDF
from fpdf.fonts import FontFace

# fontTools reports every step of subsetting a font at INFO: not news for the portal's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVuSans"
INK = (29, 39, 51)
BLUE = (11, 83, 148)
WARNING = (122, 74, 0)


class Document:
    def __init__(self, *, title: str, author: str = "Pacific Alliance portal", language: str | None = None):
        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        pdf.set_title(title)
        pdf.set_author(author)
        pdf.set_lang(language or translation.get_language() or "en")
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.set_margins(15, 15, 15)
        pdf.add_page()
        pdf.set_font(FAMILY, size=10)
        pdf.set_text_color(*INK)
        self.pdf = pdf

    def heading(self, text: str, *, level: int = 1) -> None:
        size = {1: 16, 2: 13}.get(level, 11)
        self.pdf.ln(2 if level > 1 else 0)
        self.pdf.set_font(FAMILY, "B", size)
        self.pdf.set_text_color(*BLUE)
        self.pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(*INK)
        self.pdf.set_font(FAMILY, size=10)
        self.pdf.ln(1)

    def paragraph(self, text: str, *, bold: bool = False) -> None:
        self.pdf.set_font(FAMILY, "B" if bold else "", 10)
        self.pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font(FAMILY, size=10)
        self.pdf.ln(1)

    def small(self, text: str) -> None:
        self.pdf.set_font(FAMILY, size=8)
        self.pdf.multi_cell(0, 4, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font(FAMILY, size=10)
        self.pdf.ln(1)

    def notice(self, text: str) -> None:
        """A line that must not be missed (e.g. that the data are demo data)."""
        self.pdf.set_font(FAMILY, "B", 10)
        self.pdf.set_text_color(*WARNING)
        self.pdf.multi_cell(0, 5, text, border=1, padding=2, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(*INK)
        self.pdf.set_font(FAMILY, size=10)
        self.pdf.ln(2)

    def table(self, headings: list[str], rows: list[list[str]], *, widths: list[float] | None = None) -> None:
        self.pdf.set_font(FAMILY, size=9)
        with self.pdf.table(
            col_widths=widths,
            headings_style=FontFace(emphasis="BOLD", color=BLUE),
            line_height=5,
            text_align="LEFT",
        ) as table:
            table.row([str(text) for text in headings])
            for row in rows:
                table.row([str(text) for text in row])
        self.pdf.set_font(FAMILY, size=10)
        self.pdf.ln(2)

    def output(self) -> bytes:
        return bytes(self.pdf.output())
