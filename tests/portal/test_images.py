"""Responsive images (portal.images): variants made once at upload, WebP with a fallback in
srcset, focal points, Open Graph crops, metadata stripped, hostile uploads refused with
nothing saved."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from events.models import Speaker
from portal import images, uploads
from tests.events.factories import PublishedEventFactory
from tests.events.test_admin import _change_data
from tests.factories import CountryFactory, PublishedNewsFactory

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
GPS_LATITUDE = 0x8825  # the GPSInfo tag of EXIF


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def members(db):
    return [CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")]


def photo_with_location(name="speaker.jpg", size=(1600, 1000), image_format="JPEG"):
    """A photo whose EXIF says where it was taken (Bogotá) and with what camera."""
    image = Image.new("RGB", size, "teal")
    exif = Image.Exif()
    exif[0x010F] = "A camera maker"  # Make
    exif[0x0132] = "2024:05:01 10:00:00"  # DateTime
    exif.get_ifd(GPS_LATITUDE).update({1: "N", 2: (4.0, 35.0, 53.0), 3: "W", 4: (74.0, 4.0, 33.0)})
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, exif=exif.tobytes())
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def stored_image(name):
    with default_storage.open(name) as stored:
        image = Image.open(stored)
        image.load()
        return image


def news_with_cover(members, **fields):
    news = PublishedNewsFactory()
    news.cover_image = uploads.validate_image(photo_with_location("cover.jpg"), max_bytes=5 * MB)
    news.cover_alt = "The ministers at the summit"
    for name, value in fields.items():
        setattr(news, name, value)
    news.save()
    return news


def variant_names(source, use):
    names = []
    for shape_name in images.SHAPES_OF_USE[use]:
        for width in images.SHAPES[shape_name].widths:
            for image_format in ("WEBP", images.fallback_format(source.name)):
                names.append(
                    images._file(
                        source,
                        shape=images.SHAPES[shape_name],
                        width=width,
                        image_format=image_format,
                        focus=source.instance.cover_focus,
                    ).name
                )
    return names


# --- Variants -----------------------------------------------------------------------------


def test_saving_a_cover_makes_every_variant_once(members):
    news = news_with_cover(members)
    names = variant_names(news.cover_image, "cover")
    assert len(names) == 8  # 3 widths of 16:9 and the 1200×630 share crop, in WebP and JPEG
    for name in names:
        assert default_storage.exists(name), name
    wide = stored_image(next(name for name in names if name.endswith(".webp")))
    assert wide.format == "WEBP" and wide.size == (480, 270)
    # A second save (or the command) makes nothing again.
    assert images.make_variants(news.cover_image, use="cover", focus=news.cover_focus) == 0


def test_the_card_offers_webp_and_jpeg_at_every_width_with_its_size_set(client, members):
    older = news_with_cover(members, published_at=timezone.now() - timedelta(days=1))
    news = news_with_cover(members)
    html = client.get(reverse("portal:news_list")).content.decode()
    first, second = (html[start : html.index("</picture>", start)] for start in _all(html, "<picture>"))
    for picture in (first, second):
        assert '<source type="image/webp" srcset="' in picture
        for width in (480, 800, 1200):
            assert f".webp {width}w" in picture and f".jpg {width}w" in picture
        assert 'width="800" height="450"' in picture and "sizes=" in picture
        assert 'alt="The ministers at the summit"' in picture
    # The first card is in view on arrival: loaded at once; the ones below the fold wait.
    assert 'fetchpriority="high"' in first and 'loading="lazy"' not in first
    assert 'loading="lazy"' in second and "fetchpriority" not in second
    assert news.cover_image.url not in html and older.cover_image.url not in html  # never the original


def _all(text, needle):
    start = text.find(needle)
    while start != -1:
        yield start
        start = text.find(needle, start + 1)


def test_the_detail_page_loads_its_cover_first_and_shares_a_1200_by_630_crop(client, members):
    news = news_with_cover(members)
    html = client.get(news.get_absolute_url()).content.decode()
    assert 'fetchpriority="high"' in html
    assert '<meta property="og:image:width" content="1200"><meta property="og:image:height" content="630">' in html
    share = images.share_image(news.cover_image, focus=news.cover_focus)
    assert stored_image(share["url"].removeprefix("/media/")).size == (1200, 630)


def test_variant_addresses_are_worked_out_once_per_process(members, monkeypatch):
    news = news_with_cover(members)
    top = news_with_cover(members, cover_focus=images.Focus.TOP_LEFT)
    monkeypatch.setattr(images, "_variant_urls", {})
    for source, focus in ((news.cover_image, images.Focus.CENTER), (top.cover_image, images.Focus.TOP_LEFT)):
        expected = images._file(source, shape=images.SHAPES["wide"], width=800, image_format="WEBP", focus=focus).url
        for _twice in range(2):
            url = images.variant_url(source, shape_name="wide", width=800, image_format="WEBP", focus=focus)
            assert url == expected and default_storage.exists(url.removeprefix("/media/"))
    assert len(images._variant_urls) == 2
    # Another crop of the same source is another address.
    other = images.variant_url(news.cover_image, shape_name="wide", width=800, image_format="WEBP", focus="tl")
    assert other != images.variant_url(news.cover_image, shape_name="wide", width=800, image_format="WEBP")


def test_a_focal_point_makes_other_crops(members):
    centred = news_with_cover(members)
    top = news_with_cover(members, cover_focus=images.Focus.TOP_LEFT)
    assert set(variant_names(centred.cover_image, "cover")).isdisjoint(variant_names(top.cover_image, "cover"))
    for name in variant_names(top.cover_image, "cover"):
        assert default_storage.exists(name)


def test_a_transparent_png_keeps_png_as_its_fallback(members):
    news = PublishedNewsFactory(cover_alt="A logo")
    buffer = io.BytesIO()
    Image.new("RGBA", (900, 600), (0, 0, 0, 0)).save(buffer, format="PNG")
    news.cover_image = uploads.validate_image(SimpleUploadedFile("logo.png", buffer.getvalue()), max_bytes=5 * MB)
    news.save()
    assert all(name.endswith((".webp", ".png")) for name in variant_names(news.cover_image, "cover"))


def test_a_speakers_photo_gets_square_variants_without_its_location(members):
    event = PublishedEventFactory()
    photo = uploads.validate_image(photo_with_location(), max_bytes=5 * MB)
    speaker = Speaker.objects.create(event=event, name="Ana", photo=photo, photo_alt="Ana speaking")
    for width in (160, 320):
        for image_format in ("WEBP", "JPEG"):
            name = images._file(
                speaker.photo, shape=images.SHAPES["square"], width=width, image_format=image_format, focus="c"
            ).name
            variant = stored_image(name)
            assert variant.size == (width, width)
            assert not variant.getexif()
    assert not stored_image(speaker.photo.name).getexif()


# --- Metadata -----------------------------------------------------------------------------


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_the_upload_is_stored_without_its_metadata(image_format):
    original = photo_with_location(f"photo.{image_format.lower()}", size=(64, 48), image_format=image_format)
    assert Image.open(io.BytesIO(original.read())).getexif().get_ifd(GPS_LATITUDE)  # the fixture has it
    original.seek(0)
    clean = uploads.validate_image(original, max_bytes=5 * MB)
    image = Image.open(clean)
    assert image.format == image_format and image.size == (64, 48)
    assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info


def test_the_variants_carry_no_metadata(members):
    news = news_with_cover(members)
    for name in variant_names(news.cover_image, "cover"):
        image = stored_image(name)
        assert not image.getexif() and "exif" not in image.info, name


def test_a_photo_taken_sideways_is_stored_upright():
    image = Image.new("RGB", (60, 40), "teal")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    clean = uploads.validate_image(SimpleUploadedFile("side.jpg", buffer.getvalue()), max_bytes=5 * MB)
    assert Image.open(clean).size == (40, 60)


# --- Hostile uploads ----------------------------------------------------------------------

SVG_WITH_SCRIPT = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def too_many_pixels():
    buffer = io.BytesIO()
    Image.new("1", (8_660, 5_774)).save(buffer, format="PNG")  # 50 megapixels in a few kilobytes
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("cover.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", "is not a JPEG, PNG, GIF or WebP image"),
        ("cover.jpg", b"this is a text file, not a photo", "is not a JPEG, PNG, GIF or WebP image"),
        ("cover.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "damaged"),
        ("cover.png", too_many_pixels(), "too many pixels"),
        ("cover.svg", SVG_WITH_SCRIPT, "SVG images are not accepted"),
        ("cover.png", SVG_WITH_SCRIPT, "SVG images are not accepted"),
    ],
    ids=["not-an-image", "text", "broken", "50-megapixels", "svg-with-script", "svg-named-png"],
)
def test_hostile_images_are_refused_with_a_clear_message(name, data, says):
    with pytest.raises(ValidationError) as refused:
        uploads.validate_image(SimpleUploadedFile(name, data), max_bytes=5 * MB)
    assert says in refused.value.messages[0]


@pytest.mark.parametrize(
    ("name", "data"),
    [("cover.svg", SVG_WITH_SCRIPT), ("cover.png", too_many_pixels()), ("cover.jpg", b"not an image at all")],
    ids=["svg", "50-megapixels", "not-an-image"],
)
def test_a_hostile_cover_in_the_admin_saves_nothing(editor_client, members, name, data):
    event = PublishedEventFactory(title="Unchanged title")
    before = set(default_storage.listdir("")[0]) if default_storage.exists("") else set()
    form = _change_data(
        editor_client, event, cover_image=SimpleUploadedFile(name, data), cover_alt_en="A picture", title_en="New title"
    )
    response = editor_client.post(reverse("admin:events_event_change", args=[event.pk]), form)
    assert response.status_code == 200  # the form again, with its message
    assert response.context["adminform"].form.errors["cover_image"]
    event.refresh_from_db()
    assert event.title == "Unchanged title" and not event.cover_image
    after = set(default_storage.listdir("")[0]) if default_storage.exists("") else set()
    assert after == before  # no file left behind


def test_the_command_makes_the_missing_variants_of_older_uploads_and_nothing_twice(members):
    from django.core.management import call_command

    news = news_with_cover(members)
    names = variant_names(news.cover_image, "cover")
    for name in names:
        default_storage.delete(name)
    out = io.StringIO()
    call_command("make_image_variants", stdout=out)
    assert "8 image variants made." in out.getvalue()
    assert all(default_storage.exists(name) for name in names)
    call_command("make_image_variants", stdout=out)
    assert "0 image variants made." in out.getvalue()
