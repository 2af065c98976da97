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

from portal import maps
from portal.models import Country

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
