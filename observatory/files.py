"""Publication files: where they are stored, what they are called, and what they may be.

The type of an upload is read from its content by the portal's one upload validator
(``portal.uploads``: a PDF, an XLSX or DOCX without macros, a CSV that is UTF-8 text; no
program, no polyglot; the name's extension must be the content's). The stored name is
``portal.uploads.stored_name`` of the original under ``publications/<year>/`` with the
extension of the detected type, so a hostile name (``../../x``, markup, control or
right-to-left characters) never reaches the storage or a response header.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from portal import uploads

ALLOWED_EXTENSIONS = ("pdf", "xlsx", "csv", "docx")


# --- Storage ------------------------------------------------------------------------------


@deconstructible
class PublicationFileStorage(FileSystemStorage):
    """Local storage outside MEDIA_ROOT, with no public URL (files go through the download view)."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.OBSERVATORY_FILES_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "OBSERVATORY_FILES_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError("Publication files have no public URL: link to PublicationFile.get_absolute_url().")


_local_storage = PublicationFileStorage()


def publication_file_storage():
    """STORAGES["publication_files"] when configured (e.g. object storage), else a local folder."""
    if "publication_files" in settings.STORAGES:
        return storages["publication_files"]
    return _local_storage


def publication_file_name(instance, filename: str) -> str:
    """``publications/2024/<slugified-name>-<random>.<detected type>``."""
    return f"publications/{timezone.now():%Y}/{uploads.stored_name(filename, extension=instance.file_type or 'bin')}"


# --- Type detection -----------------------------------------------------------------------


def detect_file_type(file) -> str | None:
    """'pdf', 'xlsx', 'docx' or 'csv' from the content of ``file``; None for anything else."""
    kind = uploads.detect(file)
    return kind if kind in ALLOWED_EXTENSIONS else None


def validate_publication_file(file) -> None:
    """A PDF, XLSX, CSV or DOCX no larger than OBSERVATORY_FILE_MAX_BYTES, judged by its content."""
    uploads.validate_upload(
        file,
        kinds=ALLOWED_EXTENSIONS,
        max_bytes=settings.OBSERVATORY_FILE_MAX_BYTES,
        expected=_("a PDF, an Excel workbook (XLSX), a CSV file or a Word document (DOCX)"),
    )
