"""One content-based validator for every upload (portal.uploads), with real crafted files."""

import io
import struct
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from events.validators import validate_document
from observatory.files import validate_publication_file
from portal import uploads
from tests.observatory.factories import csv_bytes, docx_bytes, pdf_bytes, xlsx_bytes

MB = 1024 * 1024


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def image_bytes(kind="PNG", size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format=kind)
    return buffer.getvalue()


def archive(members: dict[str, bytes | str], *, stored=False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as zipped:
        for name, content in members.items():
            zipped.writestr(name, content)
    return buffer.getvalue()


def ooxml(main_part: str, content_type: str, **extra) -> bytes:
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/{main_part}" ContentType="{content_type}"/></Types>'
    )
    return archive({"[Content_Types].xml": types, main_part: "<document/>", **extra})


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"
XLSM_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
PPTM_TYPE = "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"


def odf(mimetype: str, **extra) -> bytes:
    return archive({"mimetype": mimetype, "content.xml": "<office:document-content/>", **extra})


def ole2(*streams: str) -> bytes:
    """The start of a compound file (legacy Office) with directory entries named ``streams``."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    entries = b"".join(name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64 for name in streams)
    return header + entries


def pe_program() -> bytes:
    dos = bytearray(b"MZ" + b"\x00" * 62)
    struct.pack_into("<I", dos, 0x3C, 64)
    return bytes(dos) + b"PE\x00\x00" + b"\x00" * 200


def refusal(data, name, validator=validate_publication_file):
    with pytest.raises(ValidationError) as caught:
        validator(upload(name, data))
    return caught.value.code, " ".join(caught.value.messages)


# --- Macros -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("agenda.docx", ooxml("word/document.xml", DOCX_TYPE, **{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})),
        ("agenda.docx", ooxml("word/document.xml", DOCM_TYPE)),  # a .docm renamed, no vbaProject.bin
        ("figures.xlsx", ooxml("xl/workbook.xml", XLSM_TYPE, **{"xl/macros.bin": b"\x00"})),
        ("slides.pptx", ooxml("ppt/presentation.xml", PPTM_TYPE)),
        ("form.docx", ooxml("word/document.xml", DOCX_TYPE, **{"word/activeX/activeX1.xml": "<ax/>"})),
        ("minutes.odt", odf("application/vnd.oasis.opendocument.text", **{"Basic/Standard/Module1.xml": "<m/>"})),
        ("budget.ods", odf("application/vnd.oasis.opendocument.spreadsheet", **{"Scripts/python/x.py": "x"})),
        ("old.doc", ole2("Root Entry", "WordDocument", "Macros", "VBA", "_VBA_PROJECT")),
    ],
)
def test_macro_enabled_office_files_are_refused(name, data):
    code, message = refusal(data, name, validate_document)
    assert code == "macros" and "macros" in message


def test_a_legacy_office_file_without_macros_is_refused_with_its_reason():
    code, message = refusal(ole2("Root Entry", "WordDocument"), "old.doc", validate_document)
    assert code == "legacy" and ".docx" in message


# --- Programs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (pe_program(), "Windows program"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "Linux program"),
        (b"\xcf\xfa\xed\xfe" + b"\x00" * 60, "macOS program"),
        (b"#!/bin/sh\ncurl example.org | sh\n", "script"),
        (b"#!/usr/bin/env python3\nprint('a,b')\n", "script"),  # would otherwise pass as a CSV
    ],
)
def test_programs_are_refused_whatever_their_name(data, what):
    for name in ("report.pdf", "data.csv", "photo.png"):
        code, message = refusal(data, name)
        assert code == "program" and what in message


def test_a_program_inside_an_archive_is_refused():
    data = ooxml("word/document.xml", DOCX_TYPE, **{"word/embeddings/setup.exe": pe_program()})
    assert refusal(data, "agenda.docx", validate_document)[0] == "program"


# --- Polyglots ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "other"),
    [
        ("report.pdf", pdf_bytes() + archive({"payload.html": "<script>alert(1)</script>"}), "a ZIP archive"),
        ("report.pdf", pdf_bytes() + b"<html><script>alert(document.cookie)</script></html>", "a web page"),
        ("report.pdf", pdf_bytes().replace(b"%PDF-", b"%PDF-", 1) + b"\n<svg onload=alert(1)>", "a web page"),
        ("data.csv", b"<html><body><script>alert(1)</script></body></html>\n", "a web page"),
        ("data.csv", b"  \n<svg/onload=alert(1)>,1\n", "a web page"),
        # An archive whose first member starts with a PDF header: a PDF reader opens it too.
        ("data.xlsx", archive({"[Content_Types].xml": b"%PDF-1.7\n", "xl/workbook.xml": "<w/>"}, stored=True), "a PDF"),
    ],
)
def test_polyglots_are_refused(name, data, other):
    code, message = refusal(data, name)
    assert code == "polyglot" and other in message


@pytest.mark.parametrize(
    ("name", "data", "other"),
    [
        ("cover.jpg", image_bytes("JPEG") + archive({"x.js": "alert(1)"}), "a ZIP archive"),
        ("cover.png", image_bytes("PNG") + b"<script>alert(1)</script>", "a web page"),
        ("cover.gif", image_bytes("GIF")[:-1] + b"<html>" + b";", "a web page"),
        ("cover.png", image_bytes("PNG").replace(b"IDAT", b"IDAT", 1)[:200] + b"%PDF-1.4", "a PDF"),
    ],
)
def test_image_polyglots_are_refused(name, data, other):
    code, message = refusal(data, name, lambda file: uploads.validate_image(file, max_bytes=5 * MB))
    assert code == "polyglot" and other in message


# --- Content and extension ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "detected"),
    [
        ("cover.jpg", image_bytes("PNG"), "PNG"),
        ("agenda.xlsx", docx_bytes(), "DOCX"),
        ("report.docx", pdf_bytes(), "PDF"),
        ("data.pdf", csv_bytes(), "CSV"),
    ],
)
def test_content_that_contradicts_the_extension_is_refused(name, data, detected):
    validator = validate_publication_file if not name.endswith(".jpg") else None
    if validator is None:
        code, message = refusal(data, name, lambda file: uploads.validate_image(file, max_bytes=5 * MB))
    else:
        code, message = refusal(data, name, validator)
    assert code == "mismatch" and f"its content is {detected}" in message


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", pdf_bytes()),
        ("figures.xlsx", xlsx_bytes()),
        ("exit-document.docx", docx_bytes()),
        (
            "slides.pptx",
            ooxml(
                "ppt/presentation.xml",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
            ),
        ),
        ("minutes.odt", odf("application/vnd.oasis.opendocument.text")),
        ("chart.docx", ooxml("word/document.xml", DOCX_TYPE, **{"word/media/image1.svg": "<svg/>"})),
    ],
)
def test_event_documents_of_every_accepted_kind_pass(name, data):
    validate_document(upload(name, data))


@pytest.mark.parametrize(
    ("name", "kind"),
    [("cover.png", "PNG"), ("cover.jpg", "JPEG"), ("cover.jpeg", "JPEG"), ("c.webp", "WEBP"), ("c.gif", "GIF")],
)
def test_real_images_pass(name, kind):
    uploads.validate_image(upload(name, image_bytes(kind)), max_bytes=5 * MB)


def test_a_damaged_image_is_refused():
    damaged = image_bytes("PNG")[:60]
    code, message = refusal(damaged, "cover.png", lambda file: uploads.validate_image(file, max_bytes=5 * MB))
    assert "damaged" in message


def test_a_decompression_bomb_is_refused():
    buffer = io.BytesIO()
    Image.new("1", (8_000, 8_000)).save(buffer, format="PNG")  # a few kB, 64 million pixels
    code, message = refusal(buffer.getvalue(), "cover.png", lambda file: uploads.validate_image(file, max_bytes=5 * MB))
    assert "too many pixels" in message


def test_each_use_has_its_size_limit(settings):
    settings.EVENTS_DOCUMENT_MAX_BYTES = settings.OBSERVATORY_FILE_MAX_BYTES = 1024
    for validator in (validate_document, validate_publication_file):
        assert refusal(pdf_bytes() + b"%" * 2048, "report.pdf", validator)[0] == "too_large"
    too_big = image_bytes("PNG", (600, 600))
    code, _message = refusal(too_big, "cover.png", lambda file: uploads.validate_image(file, max_bytes=1024))
    assert code == "too_large"


# --- Stored names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        '<img src=x onerror="alert(1)">.png',
        "photo\u202egnp.png",
        "ñandú de Perú.PNG",
        "x" * 300 + ".png",
        ".png",
        "cover.png.exe",
    ],
)
def test_uploads_to_the_default_storage_get_a_safe_name(hostile):
    name = default_storage.generate_filename(f"news/2026/{hostile}")
    assert name.startswith("news/2026/") and len(name) < 100
    assert name.endswith(".bin" if hostile.endswith(".exe") else ".png"), name
    assert all(char.isalnum() or char in "/-." for char in name), name
    assert ".." not in name
    assert name != default_storage.generate_filename(f"news/2026/{hostile}")  # a random part: never guessed


@pytest.mark.django_db
def test_an_event_document_is_stored_under_a_safe_name(settings, tmp_path):
    from tests.events.factories import DocumentFactory

    settings.MEDIA_ROOT = tmp_path
    document = DocumentFactory(url="", file=ContentFile(pdf_bytes(), name="Exit <b>document<b>.pdf"))
    stored = document.file.name
    assert stored.startswith("events/documents/") and stored.endswith(".pdf")
    assert stored.rsplit("/", 1)[-1].startswith("exit-bdocumentb-")
    assert document.file.path.startswith(str(tmp_path))


# --- Through the admin --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_refuses_a_polyglot_cover_image(author_client, settings, tmp_path):
    from portal.models import News
    from tests.portal.test_admin import ADD_URL, news_form

    settings.MEDIA_ROOT = tmp_path
    polyglot = SimpleUploadedFile("cover.png", image_bytes("PNG") + b"<script>alert(1)</script>", "image/png")
    response = author_client.post(ADD_URL, news_form(cover_image=polyglot, cover_alt="x"))
    assert response.status_code == 200
    assert "also a web page" in response.content.decode()
    assert not News.objects.exists()


@pytest.mark.django_db
def test_an_event_document_with_macros_is_refused_by_its_model(settings, tmp_path):
    """The admin's document inline runs the model field's validator: events.validators.validate_document."""
    from events.models import EventDocument
    from tests.events.factories import DraftEventFactory

    settings.MEDIA_ROOT = tmp_path
    macro = SimpleUploadedFile("agenda.docx", ooxml("word/document.xml", DOCM_TYPE))
    document = EventDocument(event=DraftEventFactory(), title="Agenda", file=macro)
    with pytest.raises(ValidationError, match="macros"):
        document.full_clean()
