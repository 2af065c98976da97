"""Uploaded event documents: the type is read from the file's first bytes, not its name."""

import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: Extension → what the content must look like.
DOCUMENT_TYPES = {
    ".pdf": "pdf",
    ".docx": "ooxml",
    ".xlsx": "ooxml",
    ".pptx": "ooxml",
    ".odt": "odf",
    ".ods": "odf",
    ".odp": "odf",
}
OOXML_MARKER = "[Content_Types].xml"


def _sniff(file) -> str | None:
    """'pdf', 'ooxml', 'odf' or None, from the content."""
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        head = file.read(8)
        if head.startswith(b"%PDF-"):
            return "pdf"
        if head.startswith(b"PK\x03\x04"):
            file.seek(0)
            try:
                with zipfile.ZipFile(file) as archive:
                    names = set(archive.namelist())
                    if OOXML_MARKER in names:
                        return "ooxml"
                    if "mimetype" in names and archive.read("mimetype").startswith(
                        b"application/vnd.oasis.opendocument"
                    ):
                        return "odf"
            except zipfile.BadZipFile:
                return None
        return None
    finally:
        file.seek(position)


def validate_document(file) -> None:
    """A PDF, Office or OpenDocument file, no larger than EVENTS_DOCUMENT_MAX_BYTES."""
    if not file:
        return
    max_bytes = settings.EVENTS_DOCUMENT_MAX_BYTES
    if file.size > max_bytes:
        raise ValidationError(
            _("The file is too large (at most %(mb)s MB).") % {"mb": max_bytes // (1024 * 1024)}, code="too_large"
        )
    name = (file.name or "").lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    expected = DOCUMENT_TYPES.get(extension)
    if expected is None:
        raise ValidationError(
            _("Upload a PDF, Word, Excel, PowerPoint or OpenDocument file (%(types)s).")
            % {"types": ", ".join(sorted(DOCUMENT_TYPES))},
            code="type",
        )
    if _sniff(file) != expected:
        raise ValidationError(
            _("The content of this file is not a %(extension)s document.") % {"extension": extension}, code="content"
        )
