"""Every file uploaded to the portal, judged by its content: one validator, one way to name it.

``validate_upload(file, kinds=…, max_bytes=…)`` is what every upload field calls (event
documents through ``events.validators.validate_document``, publication files through
``observatory.files.validate_publication_file``, cover images and speaker photos through
``validate_image``). In order, it refuses:

1. a file over the size limit of its use;
2. a program: a Windows (PE), Linux (ELF) or macOS (Mach-O) executable, a script (``#!``);
3. a legacy Office file (OLE2: .doc, .xls, .ppt, .msi), saying so when it carries macros;
4. an Office or OpenDocument file with macros or active content: a VBA project
   (``vbaProject.bin``), a macro-enabled content type (.docm, .xlsm, .pptm and their
   templates), ActiveX controls, OpenDocument Basic or scripts, or a program inside the archive;
5. a polyglot: a file that is also another kind of file to some reader — a ZIP archive
   (an end-of-central-directory record near its end, where ZIP readers look), a PDF (a
   ``%PDF-`` header in the first kilobyte, where PDF readers look) or a web page (markup a
   browser would run: ``<script``, ``<html``, ``<svg``…);
6. anything whose content is not one of the kinds this use accepts;
7. a name whose extension is not the content's (``report.pdf`` that is a CSV), or no extension;
8. for images, what Pillow cannot verify, or a decompression bomb; ``validate_image`` also
   refuses an SVG (it can carry scripts) and returns the image without its metadata.

Limits, said plainly: a PDF's own JavaScript is not looked for (its objects may be
compressed), and a macro-free Office file may still link to outside content.

Stored names never come from the visitor: ``stored_name`` slugifies the original name, adds a
random suffix and the checked extension; ``UploadStorage`` (the default storage) applies it to
every upload saved there, and publication files use it through their own storage.
"""

import codecs
import io
import re
import secrets
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, ImageOps


@dataclass(frozen=True)
class Kind:
    name: str
    extensions: tuple[str, ...]  # the first is the one a stored file gets

    @property
    def label(self) -> str:
        return self.name.upper()


KINDS = {
    kind.name: kind
    for kind in (
        Kind("pdf", ("pdf",)),
        Kind("docx", ("docx",)),
        Kind("xlsx", ("xlsx",)),
        Kind("pptx", ("pptx",)),
        Kind("odt", ("odt",)),
        Kind("ods", ("ods",)),
        Kind("odp", ("odp",)),
        Kind("csv", ("csv",)),
        Kind("jpeg", ("jpg", "jpeg")),
        Kind("png", ("png",)),
        Kind("gif", ("gif",)),
        Kind("webp", ("webp",)),
    )
}
IMAGE_KINDS = ("jpeg", "png", "gif", "webp")
ZIP_KINDS = ("docx", "xlsx", "pptx", "odt", "ods", "odp")

EXECUTABLES = (
    (b"MZ", "Windows"),
    (b"\x7fELF", "Linux"),
    (b"\xfe\xed\xfa\xce", "macOS"),
    (b"\xfe\xed\xfa\xcf", "macOS"),
    (b"\xce\xfa\xed\xfe", "macOS"),
    (b"\xcf\xfa\xed\xfe", "macOS"),
    (b"\xca\xfe\xba\xbe", "macOS"),  # a universal binary (or a Java class: a program too)
    (b"#!", "script"),
)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE2_MACRO_MARKERS = (b"_VBA_PROJECT", "_VBA_PROJECT".encode("utf-16-le"), "VBA".encode("utf-16-le") + b"\x00\x00")
OOXML_MAIN_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
MACRO_CONTENT_TYPES = (b"macroenabled", b"vbaproject", b"activex")
PROGRAM_MEMBERS = re.compile(
    r"\.(exe|dll|com|scr|msi|bat|cmd|ps1|vbs|vbe|js|jse|wsf|hta|jar|sh|app|lnk)$|(^|/)meta-inf/manifest\.mf$"
)
#: How much of a text file is read to decide that it is text.
TEXT_SNIFF_BYTES = 1024 * 1024
TEXT_CONTROL_CHARACTERS = {"\t", "\n", "\r"}
#: Markup a browser would render or run, looked for anywhere in a PDF or an image, and at the
#: start of an archive (inside one, an Office file's own SVG pictures are fine).
MARKUP = re.compile(rb"<(script|html|svg|iframe|object|embed|body|\?php)[\s>/]|<!doctype\s+html|javascript:", re.I)
ZIP_END = b"PK\x05\x06"
ZIP_END_WINDOW = 65_557  # the record (22 bytes) and the longest comment a ZIP may have
PDF_HEADER_WINDOW = 1024
#: Images larger than this many pixels are refused (Pillow's own bomb check is at twice 89 million).
MAX_IMAGE_PIXELS = 50_000_000


def _refuse(message: str, code: str):
    raise ValidationError(message, code=code)


def _read(file) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        return file.read()
    finally:
        file.seek(position)


def _zip_kind(data: bytes) -> str | None:
    """The Office or OpenDocument kind of a ZIP archive; refuses macros and programs inside."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            lowered = [name.lower() for name in names]
            if any(name.endswith("vbaproject.bin") or "/activex/" in f"/{name}" for name in lowered):
                _refuse_macros()
            if any(PROGRAM_MEMBERS.search(name) for name in lowered):
                _refuse(_("This archive contains a program, which cannot be uploaded."), "program")
            if "[Content_Types].xml" in names:
                content_types = archive.read("[Content_Types].xml").lower()
                if any(marker in content_types for marker in MACRO_CONTENT_TYPES):
                    _refuse_macros()
                return next((kind for kind, part in OOXML_MAIN_PARTS.items() if part in names), None)
            if "mimetype" in names:
                if any(name.startswith(("basic/", "scripts/")) for name in lowered):
                    _refuse_macros()
                return ODF_MIMETYPES.get(archive.read("mimetype").strip())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError, EOFError):
        return None
    return None


def _refuse_macros():
    _refuse(
        _(
            "This file contains macros or active content, which cannot be uploaded. Save it without "
            "macros (for example as .docx, .xlsx or .pptx) and upload it again."
        ),
        "macros",
    )


def _is_text(data: bytes) -> bool:
    """UTF-8 text without control characters other than tab and line ends (a CSV file)."""
    head = data[:TEXT_SNIFF_BYTES]
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    if not head.strip() or b"\x00" in head:
        return False
    # A sample may end inside a multi-byte character: the incremental decoder waits for it.
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(head, final=len(data) <= TEXT_SNIFF_BYTES)
    except UnicodeDecodeError:
        return False
    return not any(unicodedata.category(char) == "Cc" and char not in TEXT_CONTROL_CHARACTERS for char in text)


def _is_markup(kind: str, data: bytes) -> bool:
    if kind == "csv":
        return data.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"<")
    if kind in ZIP_KINDS:
        return bool(MARKUP.search(data[:PDF_HEADER_WINDOW]))
    return bool(MARKUP.search(data))


def _image_kind(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def inspect(file) -> str:
    """The kind of ``file`` read from its content; ValidationError for what no use accepts
    (programs, macros, polyglots, unknown content). Steps 2 to 5 of the module's list."""
    data = _read(file)
    for magic, system in EXECUTABLES:
        if data.startswith(magic):
            if system == "script":
                _refuse(_("This file is a script (it starts with #!), which cannot be uploaded."), "program")
            _refuse(_("This file is a %(system)s program, which cannot be uploaded.") % {"system": system}, "program")
    if data.startswith(OLE2):
        if any(marker in data for marker in OLE2_MACRO_MARKERS):
            _refuse_macros()
        _refuse(_("Old Office files (.doc, .xls, .ppt) are not accepted: save it as .docx, .xlsx or .pptx."), "legacy")
    if data.startswith(b"%PDF-"):
        kind = "pdf"
    elif data.startswith(b"PK\x03\x04"):
        kind = _zip_kind(data)
    else:
        kind = _image_kind(data[:16]) or ("csv" if _is_text(data) else None)
    if kind is None:
        _refuse(_("The portal does not recognise the content of this file."), "type")
    also = []
    if kind not in ZIP_KINDS and ZIP_END in data[-ZIP_END_WINDOW:]:
        also.append(_("a ZIP archive"))
    if kind != "pdf" and b"%PDF-" in data[:PDF_HEADER_WINDOW]:
        also.append(_("a PDF"))
    if _is_markup(kind, data):
        also.append(_("a web page"))
    if also:
        _refuse(
            _("This file is also %(others)s: a file that is two kinds at once cannot be uploaded.")
            % {"others": ", ".join(str(other) for other in also)},
            "polyglot",
        )
    return kind


def detect(file) -> str | None:
    """The kind of ``file``, or None when ``inspect`` refuses it."""
    try:
        return inspect(file)
    except ValidationError:
        return None


def extension_of(name: str) -> str:
    base = PurePosixPath((name or "").replace("\\", "/")).name
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def validate_upload(file, *, kinds: tuple[str, ...], max_bytes: int, expected: str) -> str | None:
    """Refuse ``file`` unless it is one of ``kinds`` (see the module's docstring); its kind.

    ``expected`` says what this use accepts, for the message (e.g. "a PDF or a Word document").
    A file already stored (an unchanged field) was checked when it was uploaded.
    """
    if not file or getattr(file, "_committed", False):
        return None
    if file.size > max_bytes:
        _refuse(
            _("The file is too large: %(size)s MB, at most %(max)s MB.")
            % {"size": round(file.size / (1024 * 1024), 1), "max": round(max_bytes / (1024 * 1024), 1)},
            "too_large",
        )
    kind = inspect(file)
    if kind not in kinds:
        _refuse(_("This file is not %(expected)s.") % {"expected": expected}, "type")
    extension = extension_of(file.name)
    if extension not in KINDS[kind].extensions:
        _refuse(
            _("The file is named .%(extension)s but its content is %(detected)s.")
            % {"extension": extension, "detected": KINDS[kind].label}
            if extension
            else _("Give the file its extension (.%(extension)s).") % {"extension": KINDS[kind].extensions[0]},
            "mismatch",
        )
    if kind in IMAGE_KINDS:
        _verify_image(file, kind)
    return kind


def _verify_image(file, kind: str) -> None:
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                image.verify()
                image_format = (image.format or "").lower()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse(_("This image has too many pixels."), "too_large")
    except Exception:  # Pillow raises many kinds of errors for a damaged image
        image_format = ""
    finally:
        file.seek(position)
    if image_format != kind:
        _refuse(_("This image is damaged or is not a %(kind)s image.") % {"kind": KINDS[kind].label}, "type")


def _refuse_svg(file) -> None:
    head = _read(file)[:PDF_HEADER_WINDOW].lstrip(codecs.BOM_UTF8 + b" \t\r\n")
    if head.startswith(b"<") and re.search(rb"<svg[\s>]|<\?xml|<!doctype\s+svg", head, re.I):
        _refuse(
            _(
                "SVG images are not accepted: they can carry scripts. Upload the image as PNG, JPEG or WebP "
                "(a drawing exports well as PNG)."
            ),
            "svg",
        )


def validate_image(file, *, max_bytes: int):
    """A JPEG, PNG, GIF or WebP image (cover images, speaker photos), returned without its
    metadata (``strip_metadata``); an SVG is refused by name, before the other checks."""
    if not file or getattr(file, "_committed", False):
        return file
    _refuse_svg(file)
    validate_upload(file, kinds=IMAGE_KINDS, max_bytes=max_bytes, expected=_("a JPEG, PNG, GIF or WebP image"))
    return strip_metadata(file)


def strip_metadata(file):
    """``file`` (a checked image) encoded again without its metadata: no EXIF (GPS position,
    camera, date), XMP, IPTC or comments reach the storage; the pixels are turned upright as
    the EXIF orientation said, and the colour profile is kept. Same format, same name."""
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    with Image.open(file) as image:
        image_format = image.format
        frames = getattr(image, "n_frames", 1)
        options = {}
        if image.info.get("icc_profile"):
            options["icc_profile"] = image.info["icc_profile"]
        if frames > 1:  # an animated GIF or WebP keeps its frames and timing
            options.update(save_all=True, duration=image.info.get("duration", 100), loop=image.info.get("loop", 0))
            clean = image
        else:
            clean = ImageOps.exif_transpose(image)
            clean.info = {}
        if image_format == "JPEG":
            options.update(quality=90, optimize=True)
            if clean.mode not in ("RGB", "L", "CMYK"):
                clean = clean.convert("RGB")
        elif image_format == "WEBP":
            options.update(quality=90)
        elif image_format == "PNG":
            options.update(optimize=True)
        buffer = io.BytesIO()
        clean.save(buffer, format=image_format, **options)
    file.seek(position)
    return ContentFile(buffer.getvalue(), name=PurePosixPath(file.name).name)


# --- Stored names -------------------------------------------------------------------------


def stored_name(filename: str, *, extension: str) -> str:
    """``<slugified name>-<random>.<extension>``: no path, markup or control character of the
    visitor's name reaches the storage or a header."""
    stem = PurePosixPath((filename or "").replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = slugify(stem)[:60].strip("-") or "file"
    return f"{stem}-{secrets.token_hex(4)}.{extension}"


def stored_extension(filename: str) -> str:
    """The extension a stored file keeps: its own when it is one the portal accepts, else ``bin``."""
    extension = extension_of(filename)
    known = {name for kind in KINDS.values() for name in kind.extensions}
    return extension if extension in known else "bin"


@deconstructible
class UploadStorage(FileSystemStorage):
    """The default storage (MEDIA_ROOT), which names every upload with ``stored_name``; the
    extension was checked against the content by the field's validator."""

    def get_valid_name(self, name):
        return stored_name(name, extension=stored_extension(name))
