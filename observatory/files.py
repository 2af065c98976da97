"""Publication files: where they are stored, what they are called, and what they may be.

The type of an upload is read from its content, never trusted from its name: a PDF starts
with ``%PDF-``; XLSX and DOCX are ZIP archives with the members of a workbook or a Word
document (and no macros); a CSV is UTF-8 text without control characters. The stored name
is built from the slugified original name, a random suffix and the extension of the
detected type, so a hostile name (``../../x``, markup, control or right-to-left characters)
never reaches the storage or a response header.
"""

import codecs
import secrets
import unicodedata
import zipfile
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, storages
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext as _

ALLOWED_EXTENSIONS = ("pdf", "xlsx", "csv", "docx")
ZIP_MEMBERS = {
    "xlsx": ("[Content_Types].xml", "xl/workbook.xml"),
    "docx": ("[Content_Types].xml", "word/document.xml"),
}
#: How much of a CSV is read to decide that it is text.
CSV_SNIFF_BYTES = 1024 * 1024
ALLOWED_CONTROL_CHARACTERS = {"\t", "\n", "\r"}


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
    stem = PurePosixPath(filename.replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = slugify(stem)[:60].strip("-") or "file"
    extension = instance.file_type or "bin"
    return f"publications/{timezone.now():%Y}/{stem}-{secrets.token_hex(4)}.{extension}"


# --- Type detection -----------------------------------------------------------------------


def _read_head(file, size: int) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        return file.read(size)
    finally:
        file.seek(position)


def _zip_kind(file) -> str | None:
    position = file.tell()
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        file.seek(position)
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None  # macro-enabled workbooks and documents are refused
    for kind, members in ZIP_MEMBERS.items():
        if all(member in names for member in members):
            return kind
    return None


def _is_csv_text(head: bytes) -> bool:
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    if not head.strip() or b"\x00" in head:
        return False
    # A sample may end inside a multi-byte character: the incremental decoder waits for it.
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(head, final=len(head) < CSV_SNIFF_BYTES)
    except UnicodeDecodeError:
        return False
    return not any(unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROL_CHARACTERS for char in text)


def detect_file_type(file) -> str | None:
    """'pdf', 'xlsx', 'docx' or 'csv' from the content of ``file``; None for anything else."""
    head = _read_head(file, CSV_SNIFF_BYTES)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(file)
    if _is_csv_text(head):
        return "csv"
    return None


def validate_publication_file(file) -> None:
    """A PDF, XLSX, CSV or DOCX no larger than OBSERVATORY_FILE_MAX_BYTES, judged by its content.

    A name whose extension is one of those types must match the content (a CSV named
    ``report.pdf`` is refused); any other name is accepted and replaced when stored.
    """
    if not file:
        return
    if getattr(file, "_committed", False):
        return  # already stored, and checked when it was uploaded
    max_bytes = settings.OBSERVATORY_FILE_MAX_BYTES
    if file.size > max_bytes:
        raise ValidationError(
            _("The file is too large: %(size)s MB, at most %(max)s MB.")
            % {"size": round(file.size / (1024 * 1024), 1), "max": round(max_bytes / (1024 * 1024), 1)},
            code="too_large",
        )
    detected = detect_file_type(file)
    if detected is None:
        raise ValidationError(
            _("This file is not a PDF, an Excel workbook (XLSX), a CSV file or a Word document (DOCX)."),
            code="type",
        )
    name = (file.name or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension in ALLOWED_EXTENSIONS and extension != detected:
        raise ValidationError(
            _("The file is named .%(extension)s but its content is %(detected)s.")
            % {"extension": extension, "detected": detected.upper()},
            code="mismatch",
        )
