"""Imagery drawn from data: the countries' flags and the bloc's map.

    {% load imagery %}
    {% flag_row news.countries.all %}      a row of small flags, the names as text for screen readers
    {% bloc_map countries %}               the map, its legend and its text alternative

Both read only what they are given (no query of their own: the caller prefetches the countries).
The flags are flag-icons' SVGs vendored in static/flags/ (``manage.py build_imagery``).
"""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from portal import images, maps
from portal.models import Country
from portal.templatetags.portal_i18n import shown_in

register = template.Library()

#: The flags on disk, read once: a country without one (an editor's new row) shows its code.
FLAGS = frozenset(path.stem.upper() for path in (settings.BASE_DIR / "static" / "flags").glob("*.svg"))


def flag_url(code: str) -> str:
    return static(f"flags/{code.lower()}.svg") if code in FLAGS else ""


@register.simple_tag
def flag(country, size="small"):
    """One flag, its country's name beside it for screen readers (the flag itself is decoration)."""
    url = flag_url(country.code)
    if not url:
        return format_html('<span class="flag flag--missing" aria-hidden="true">{}</span>', country.code)
    return format_html(
        '<img class="flag flag--{}" src="{}" alt="" width="20" height="15" loading="lazy" decoding="async">',
        size,
        url,
    )


@register.simple_tag
def flag_row(countries, label=None):
    """The flags of ``countries`` in a list, each with its name (visible on hover, read aloud)."""
    countries = list(countries)
    if not countries:
        return ""
    items = format_html_join(
        "",
        '<li title="{}">{}<span class="visually-hidden">{}</span></li>',
        ((country.name, flag(country), country.name) for country in countries),
    )
    return format_html('<ul class="flag-row" aria-label="{}">{}</ul>', label or _("Countries"), items)


@register.inclusion_tag("includes/bloc_map.html")
def bloc_map(countries, heading_level=2):
    countries = list(countries)
    by_status = [
        (value, label, [country for country in countries if country.status == value])
        for value, label in Country.Status.choices
    ]
    return {"map": maps.bloc_map(countries), "by_status": by_status, "heading_level": heading_level}


# --- Uploaded images: responsive variants (portal.images) -----------------------------------

#: ``sizes`` of the usual places an image takes: a card in a grid, a page's wide cover.
SIZES = {
    "card": "(min-width: 72rem) 22rem, (min-width: 40rem) 45vw, calc(100vw - 2.5rem)",
    "feature": "(min-width: 72rem) 32rem, (min-width: 54rem) 45vw, calc(100vw - 2.5rem)",
    "cover": "(min-width: 50rem) 46rem, calc(100vw - 2.5rem)",
    "photo": "6rem",
}


@register.simple_tag
def cover(item, place="card", css_class="", eager=False):
    """The cover image of ``item`` (a portal.models.CoverImage) as a responsive ``<picture>``."""
    if not item.cover_image:
        return ""
    picture = images.picture(
        item.cover_image,
        alt=item.cover_alt,
        alt_lang=shown_in(item, "cover_alt"),
        shape_name="wide",
        focus=item.cover_focus,
        sizes=SIZES[place],
        css_class=css_class,
        eager=eager,
    )
    if not item.cover_is_illustration:
        return picture
    # A drawing, a map or a generated picture says so where it is seen (its text alternative too).
    return format_html(
        '<span class="cover-frame">{}<span class="cover-frame__label">{}</span></span>', picture, _("Illustration")
    )


@register.simple_tag
def photo(source, alt, alt_lang="", css_class=""):
    """A person's photo (a speaker's) as a small square ``<picture>``."""
    return images.picture(
        source, alt=alt, alt_lang=alt_lang, shape_name="square", sizes=SIZES["photo"], css_class=css_class
    )


@register.simple_tag(takes_context=True)
def share_image_meta(context, item):
    """The Open Graph image of ``item``: its 1200×630 crop, with its size and text alternative."""
    if not item.cover_image:
        return ""
    image = images.share_image(item.cover_image, focus=item.cover_focus)
    return format_html(
        '<meta property="og:image" content="{}{}"><meta property="og:image:width" content="{}">'
        '<meta property="og:image:height" content="{}"><meta property="og:image:alt" content="{}">',
        context.get("SITE_URL", ""),
        image["url"],
        image["width"],
        image["height"],
        item.cover_alt,
    )
