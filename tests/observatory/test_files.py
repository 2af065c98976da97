"""Uploads: the type is read from the content, the size is bounded, the stored name is safe."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from observatory.files import detect_file_type, validate_publication_file
from observatory.models import Publication, PublicationFile
from tests.observatory.factories import csv_bytes, docx_bytes, pdf_bytes, xlsx_bytes

ADD_URL = reverse("admin:observatory_publication_add")


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def zip_with(*members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member in members:
            archive.writestr(member, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (pdf_bytes(), "pdf"),
        (xlsx_bytes(), "xlsx"),
        (docx_bytes(), "docx"),
        (csv_bytes(), "csv"),
        ("año;país\n2022;Perú\n".encode(), "csv"),
        (b"\xef\xbb\xbfa,b\n1,2\n", "csv"),
        (b"MZ\x90\x00\x03\x00\x00\x00", None),  # a Windows executable
        (b"\x89PNG\r\n\x1a\n\x00\x00", None),
        (zip_with("[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin"), None),  # macros
        (zip_with("hello.txt"), None),
        (b"PK\x03\x04 not really a zip", None),
        (b"", None),
        (b"a,b\n\x00\x01\x02", None),
        ("caf\xe9".encode("latin-1"), None),  # not UTF-8
        (b"a,b\x1b[31m\n", None),  # terminal escape codes
    ],
)
def test_the_type_is_read_from_the_content(data, expected):
    assert detect_file_type(io.BytesIO(data)) == expected


def test_a_long_utf8_text_cut_inside_a_character_is_still_text():
    data = ("é" * 700_000).encode()  # more than the sample, cut in the middle of a character
    assert detect_file_type(io.BytesIO(data)) == "csv"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", b"just some text, not a PDF", "is named .pdf but its content is CSV"),
        ("data.xlsx", pdf_bytes(), "is named .xlsx but its content is PDF"),
        ("installer.exe", b"MZ\x90\x00\x03", "is a Windows program"),
        ("macro.xlsm", zip_with("[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin"), "contains macros"),
        ("slides.pptx", zip_with("[Content_Types].xml", "ppt/presentation.xml"), "is not a PDF, an Excel workbook"),
    ],
)
def test_validation_refuses_wrong_types_with_a_clear_message(name, data, message):
    with pytest.raises(ValidationError, match=message):
        validate_publication_file(upload(name, data))


def test_validation_refuses_files_over_the_size_limit(settings):
    settings.OBSERVATORY_FILE_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="too large"):
        validate_publication_file(upload("big.csv", b"a,b\n" * 1000))


def test_the_extension_may_be_in_capitals_but_not_missing():
    validate_publication_file(upload("report.PDF", pdf_bytes()))
    with pytest.raises(ValidationError, match=r"Give the file its extension \(\.csv\)"):
        validate_publication_file(upload("export-without-extension", csv_bytes()))


# --- Through the admin --------------------------------------------------------------------


def publication_form(**overrides):
    data = {
        "title_en": "Sustainable public purchases",
        "slug": "sustainable-public-purchases",
        "kind": "study",
        "abstract_en": "How the members buy sustainably.",
        "body_en": "",
        "observatory": "",
        "language": "en",
        "publication_date": "2024-05-02",
        "cover_alt_en": "",
        "external_url": "",
        "citation_en": "",
        "accepts_comments": "on",
        "collaborators-TOTAL_FORMS": "0",
        "collaborators-INITIAL_FORMS": "0",
        "files-TOTAL_FORMS": "1",
        "files-INITIAL_FORMS": "0",
        "files-0-title_en": "Full study",
        "files-0-position": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    "hostile_name",
    [
        "../../../etc/passwd.pdf",
        "..\\..\\windows\\system32\\report.pdf",
        '<script>alert("x")</script>.pdf',
        "rapport\u202egnp.pdf",
        "informe de contratación pública 2024 (versión final).pdf",
        "x" * 400 + ".pdf",
        ".pdf",
    ],
)
def test_an_upload_is_stored_under_a_safe_name_with_the_detected_type(author_client, settings, hostile_name):
    response = author_client.post(ADD_URL, publication_form(**{"files-0-file": upload(hostile_name, pdf_bytes())}))
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    stored = PublicationFile.objects.get()
    assert (stored.file_type, stored.size) == ("pdf", len(pdf_bytes()))
    name = stored.file.name
    assert name.startswith("publications/") and name.endswith(".pdf")
    assert len(name) < 100
    assert all(char.isalnum() or char in "/-." for char in name), name
    assert ".." not in name
    assert stored.file.path.startswith(str(settings.OBSERVATORY_FILES_ROOT))


@pytest.mark.django_db
def test_a_wrong_upload_shows_a_message_and_saves_nothing(author_client):
    fake = upload("report.pdf", b"<html><script>alert(1)</script></html>")
    response = author_client.post(ADD_URL, publication_form(**{"files-0-file": fake}))
    assert response.status_code == 200
    assert "This file is also a web page" in response.content.decode()
    assert not Publication.objects.exists()
    assert not PublicationFile.objects.exists()


@pytest.mark.django_db
def test_a_too_large_upload_shows_a_message_and_saves_nothing(author_client, settings):
    settings.OBSERVATORY_FILE_MAX_BYTES = 100
    response = author_client.post(ADD_URL, publication_form(**{"files-0-file": upload("report.pdf", pdf_bytes())}))
    assert response.status_code == 200
    assert "The file is too large" in response.content.decode()
    assert not Publication.objects.exists()
