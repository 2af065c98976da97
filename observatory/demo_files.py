"""Small files generated for the demo content, each saying on its first line that it is a demo file.

The real documents are not part of the source material, so the demo publications get
stand-ins made from their own text: a PDF, a Word document, a workbook or a CSV whose
content is the publication's title, abstract and the facts the sources give — never
invented figures. Generated with the standard library (and openpyxl for XLSX).
"""

import csv
import io
import textwrap
import zipfile
from xml.sax.saxutils import escape

from openpyxl import Workbook

DEMO_NOTICE = (
    "DEMO FILE - generated for the demonstration of the Pacific Alliance portal. "
    "It is not the original document; its text comes from the publication's description."
)


# --- PDF ----------------------------------------------------------------------------------


def _pdf_text(value: str) -> str:
    encoded = value.encode("cp1252", errors="replace").decode("latin-1")
    return encoded.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf(title: str, paragraphs: list[str]) -> bytes:
    """A valid one-font PDF, as many pages as the text needs."""
    lines = [(line, 9) for line in textwrap.wrap(DEMO_NOTICE, 110)] + [("", 11)]
    lines += [(line, 14) for line in textwrap.wrap(title, 64)] + [("", 11)]
    for paragraph in paragraphs:
        lines += [(line, 11) for line in textwrap.wrap(paragraph, 88)] + [("", 11)]
    per_page = 50
    pages = [lines[start : start + per_page] for start in range(0, len(lines), per_page)] or [[]]

    objects = []  # PDF objects 1..n, in order

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree exists
    tree = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    page_ids = []
    for page_lines in pages:
        commands = ["BT", "50 800 Td"]
        for text, size in page_lines:
            commands += [f"/F1 {size} Tf", f"({_pdf_text(text)}) Tj", f"0 -{size + 4} Td"]
        commands.append("ET")
        stream = "\n".join(commands).encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> "
                b"/Contents %d 0 R >>" % (tree, font, content)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    kids = b" ".join(b"%d 0 R" % page for page in page_ids)
    objects[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))

    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref))
    return out.getvalue()


# --- DOCX ---------------------------------------------------------------------------------

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" \
ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""


def docx(title: str, paragraphs: list[str]) -> bytes:
    """A minimal Word document: the demo notice, a bold title and the paragraphs."""

    def paragraph(text, bold=False):
        run_properties = "<w:rPr><w:b/></w:rPr>" if bold else ""
        return f'<w:p><w:r>{run_properties}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'

    body = paragraph(DEMO_NOTICE) + paragraph(title, bold=True) + "".join(paragraph(text) for text in paragraphs)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
    return out.getvalue()


# --- XLSX and CSV -------------------------------------------------------------------------


def xlsx(title: str, header: list[str], rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append([DEMO_NOTICE])
    sheet.append([title])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_file(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"# {DEMO_NOTICE}"])
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def build(kind: str, *, title: str, paragraphs: list[str], table: tuple[list[str], list[list]] | None) -> bytes:
    """The demo file of ``kind`` ('pdf', 'docx', 'xlsx' or 'csv') for one publication."""
    if kind == "pdf":
        return pdf(title, paragraphs)
    if kind == "docx":
        return docx(title, paragraphs)
    header, rows = table or (["Title"], [[title]])
    if kind == "xlsx":
        return xlsx(title, header, rows)
    if kind == "csv":
        return csv_file(header, rows)
    raise ValueError(f"No demo generator for {kind!r}.")
