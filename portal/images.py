"""Responsive variants of the images editors upload (cover images, speakers' photos).

Each uploaded image is cropped to the shape its pages show (``wide`` 16:9 for covers, ``square``
for photos, ``share`` 1200×630 for Open Graph) around its focal point, at a few widths, in WebP
and in a fallback format (JPEG; PNG for a PNG or GIF, which may be transparent). The work is
django-imagekit's (over Pillow): an ``ImageSpec`` per variant, stored through Django's storage
API under ``IMAGEKIT_CACHEFILE_DIR`` with a name that is a hash of the source's name, the crop
and the format. The variants are made once, when the item is saved (``make_variants``, called
from the model's ``save``; ``manage.py make_image_variants`` makes those of older uploads):
a page only computes their names (the "optimistic" strategy), it never opens a file.

The metadata of the upload itself (EXIF with GPS, XMP, comments) is removed before it is
stored, by ``portal.uploads.strip_metadata``; the variants are written without any either.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from imagekit import ImageSpec
from imagekit.cachefiles import ImageCacheFile
from imagekit.cachefiles.strategies import Optimistic
from pilkit.processors import ResizeToFill


class Focus(models.TextChoices):
    """Where the subject of an image is: the crops keep that part."""

    CENTER = "c", _("Centre")
    TOP = "t", _("Top")
    BOTTOM = "b", _("Bottom")
    LEFT = "l", _("Left")
    RIGHT = "r", _("Right")
    TOP_LEFT = "tl", _("Top left")
    TOP_RIGHT = "tr", _("Top right")
    BOTTOM_LEFT = "bl", _("Bottom left")
    BOTTOM_RIGHT = "br", _("Bottom right")


@dataclass(frozen=True)
class Shape:
    ratio: tuple[int, int]  # width, height
    widths: tuple[int, ...]

    def height(self, width: int) -> int:
        return round(width * self.ratio[1] / self.ratio[0])


SHAPES = {
    "wide": Shape(ratio=(16, 9), widths=(480, 800, 1200)),
    "square": Shape(ratio=(1, 1), widths=(160, 320)),
    "share": Shape(ratio=(1200, 630), widths=(1200,)),
}
#: What each shape is made for: the covers (cards, detail pages), photos, and sharing.
SHAPES_OF_USE = {"cover": ("wide", "share"), "photo": ("square",)}
QUALITY = {"WEBP": 78, "JPEG": 80, "PNG": None}


class Variant(ImageSpec):
    """One crop of one source at one width, in one format, with no metadata."""

    def __init__(self, source, *, width: int, height: int, image_format: str, focus: str):
        self.processors = [ResizeToFill(width, height, anchor=focus or Focus.CENTER)]
        self.format = image_format
        quality = QUALITY[image_format]
        self.options = {"quality": quality, "method": 4} if image_format == "WEBP" else {"optimize": True}
        if quality and image_format == "JPEG":
            self.options.update(quality=quality, progressive=True)
        super().__init__(source=source)


def fallback_format(name: str) -> str:
    return "PNG" if name.lower().endswith((".png", ".gif")) else "JPEG"


def _file(source, *, shape: Shape, width: int, image_format: str, focus: str) -> ImageCacheFile:
    # A plain string: the variant's name is a hash of its spec, where Focus.CENTER and "c" differ.
    focus = str(focus or Focus.CENTER)
    spec = Variant(source, width=width, height=shape.height(width), image_format=image_format, focus=focus)
    return ImageCacheFile(spec, cachefile_strategy=Optimistic())


def _formats(source) -> tuple[str, ...]:
    return ("WEBP", fallback_format(source.name))


def make_variants(source, *, use: str, focus: str = Focus.CENTER) -> int:
    """Make the variants of ``source`` (a stored FieldFile) that are missing; how many were made.

    Safe to call again: a variant already stored is left alone (its name says what it is)."""
    if not source:
        return 0
    made = 0
    for shape_name in SHAPES_OF_USE[use]:
        shape = SHAPES[shape_name]
        for width in shape.widths:
            for image_format in _formats(source):
                variant = _file(source, shape=shape, width=width, image_format=image_format, focus=focus)
                if not variant.storage.exists(variant.name):
                    variant.generate(force=True)
                    made += 1
    return made


#: Variant addresses worked out in this process. A variant's name is a hash of its source's
#: name and its spec, made by pickling the spec: ~0.5 ms per variant, 14 per cover, so about a
#: third of a list page's rendering before. It changes only with the source's name (a new upload
#: has a new name), so it is kept; emptied when it holds this many (a few MB).
_variant_urls: dict[tuple, str] = {}
VARIANT_URLS_KEPT = 50_000


def variant_url(source, *, shape_name: str, width: int, image_format: str, focus: str = Focus.CENTER) -> str:
    key = (source.name, shape_name, width, image_format, str(focus or Focus.CENTER))
    url = _variant_urls.get(key)
    if url is None:
        if len(_variant_urls) >= VARIANT_URLS_KEPT:
            _variant_urls.clear()
        shape = SHAPES[shape_name]
        url = _variant_urls[key] = _file(source, shape=shape, width=width, image_format=image_format, focus=focus).url
    return url


def picture(
    source,
    *,
    alt: str,
    shape_name: str = "wide",
    focus: str = Focus.CENTER,
    sizes: str = "100vw",
    css_class: str = "",
    eager: bool = False,
    alt_lang: str = "",
) -> str:
    """A ``<picture>``: WebP and fallback ``srcset``s at every width of the shape, the
    ``<img>``'s width and height set (the smallest variant's: the ratio is what keeps the page
    from shifting), lazy unless ``eager`` (an image at the top of the page)."""
    if not source:
        return ""
    shape = SHAPES[shape_name]
    webp, fallback = _formats(source)

    def srcset(image_format):
        urls = (
            (variant_url(source, shape_name=shape_name, width=width, image_format=image_format, focus=focus), width)
            for width in shape.widths
        )
        return ", ".join(f"{url} {width}w" for url, width in urls)

    width = shape.widths[0] if len(shape.widths) == 1 else shape.widths[1]
    return format_html(
        '<picture><source type="image/webp" srcset="{}" sizes="{}">'
        '<img{} src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}"{}{} decoding="async"></picture>',
        srcset(webp),
        sizes,
        format_html(' class="{}"', css_class) if css_class else "",
        variant_url(source, shape_name=shape_name, width=width, image_format=fallback, focus=focus),
        srcset(fallback),
        sizes,
        width,
        shape.height(width),
        alt,
        format_html(' lang="{}"', alt_lang) if alt_lang else "",
        mark_safe(' fetchpriority="high"' if eager else ' loading="lazy"'),
    )


def share_image(source, *, focus: str = Focus.CENTER) -> dict:
    """The Open Graph image (1200×630 JPEG or PNG) of ``source``: its path, width and height."""
    if not source:
        return {}
    shape = SHAPES["share"]
    width = shape.widths[0]
    image_format = fallback_format(source.name)
    return {
        "url": variant_url(source, shape_name="share", width=width, image_format=image_format, focus=focus),
        "width": width,
        "height": shape.height(width),
    }
