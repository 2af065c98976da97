"""Uploaded event documents: PDF, Office or OpenDocument, judged by their content (portal.uploads)."""

from django.conf import settings
from django.utils.translation import gettext as _

from portal import uploads

DOCUMENT_KINDS = ("pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp")


def validate_document(file) -> None:
    """A PDF, Office or OpenDocument file without macros, no larger than EVENTS_DOCUMENT_MAX_BYTES."""
    uploads.validate_upload(
        file,
        kinds=DOCUMENT_KINDS,
        max_bytes=settings.EVENTS_DOCUMENT_MAX_BYTES,
        expected=_("a PDF, Word, Excel, PowerPoint or OpenDocument file (%(types)s)")
        % {"types": ", ".join(f".{kind}" for kind in DOCUMENT_KINDS)},
    )
