import io
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from events import times
from events.validators import validate_document

pytestmark = pytest.mark.django_db


def test_times_are_grouped_per_member_country_as_the_bloc_announces_them(members):
    webinar = datetime(2022, 11, 24, 12, 0, tzinfo=ZoneInfo("America/Mexico_City"))
    assert times.grouped_text(webinar) == "12:00 Mexico · 13:00 Colombia, Peru · 15:00 Chile"
    # In July Chile is on winter time (UTC-4); Mexico has kept standard time all year since 2022.
    july = datetime(2025, 7, 10, 12, 0, tzinfo=ZoneInfo("America/Mexico_City"))
    assert times.grouped_text(july) == "12:00 Mexico · 13:00 Colombia, Peru · 14:00 Chile"


def test_another_calendar_day_is_said(members):
    late = datetime(2025, 2, 25, 22, 30, tzinfo=ZoneInfo("America/Mexico_City"))
    text = times.grouped_text(late, reference_zone="America/Mexico_City")
    assert text.startswith("22:30 Mexico · 23:30 Colombia, Peru · 01:30 (Wed 26 Feb) Chile")


def test_the_member_zones_follow_changes_to_the_countries(members):
    assert [name for name, _zone in times.member_zones()] == ["Chile", "Colombia", "Mexico", "Peru"]
    members["PE"].status = "observer"
    members["PE"].save()
    assert [name for name, _zone in times.member_zones()] == ["Chile", "Colombia", "Mexico"]


def _docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [("exit-document.pdf", lambda: b"%PDF-1.7\n%..."), ("agenda.docx", _docx_bytes)],
)
def test_documents_of_the_right_type_are_accepted(name, content):
    validate_document(SimpleUploadedFile(name, content()))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("exit-document.pdf", b"just some text", "is not a PDF, Word, Excel, PowerPoint or OpenDocument file"),
        ("exit-document.pdf", b"<html>not a pdf</html>", "also a web page"),
        ("script.exe", b"MZ...", "is a Windows program"),
        ("agenda.docx", b"PK\x03\x04broken", "does not recognise the content"),
        ("agenda.pdf", _docx_bytes, "is named .pdf but its content is DOCX"),  # built when the test runs
    ],
)
def test_documents_are_checked_by_content_not_name(name, content, message):
    content = content() if callable(content) else content
    with pytest.raises(ValidationError, match=message):
        validate_document(SimpleUploadedFile(name, content))


def test_documents_have_a_size_limit(settings):
    settings.EVENTS_DOCUMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="too large"):
        validate_document(SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 20))
