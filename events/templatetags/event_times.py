"""Event times in templates: the event's own zone, every member country, and the viewer's.

Django's ``date`` filter would convert a datetime back to the site's zone, so times are
formatted here from datetimes already in the zone to show.
"""

import functools

from babel.dates import get_timezone_location
from django import template
from django.conf import settings
from django.utils import translation

from events import times

register = template.Library()


def zone_label(zone: str) -> str:
    """ "America/Mexico_City" → "Mexico City" ("Ciudad de México" in Spanish): CLDR's name of the
    zone's city in the active language (babel), or the zone's own last part if CLDR has none."""
    if not zone:
        return ""
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return _city_of(zone, language)


@functools.lru_cache(maxsize=1024)
def _city_of(zone: str, language: str) -> str:
    try:
        return get_timezone_location(zone, locale=language, return_city=True)
    except (LookupError, ValueError):
        return zone.rsplit("/", 1)[-1].replace("_", " ")


@register.filter
def in_zone(moment, zone):
    """``{{ event.start|in_zone:event.time_zone|fmt:"H:i" }}``."""
    if not moment or not zone:
        return moment
    return times.in_zone(moment, zone)


@register.filter
def fmt(moment, format_string):
    """Format a datetime as it is (no conversion to the site's zone)."""
    if not moment:
        return ""
    return times.format_moment(moment, format_string)


@register.filter(name="zone_label")
def zone_label_filter(zone):
    return zone_label(zone or "")


@register.inclusion_tag("events/includes/country_times.html")
def country_times(moment, reference_zone=None, compact=False):
    """``12:00 Mexico · 13:00 Colombia, Peru · 15:00 Chile`` as accessible markup."""
    return {
        "groups": [
            {
                "time": times.format_moment(local.moment, "H:i"),
                "day": times.format_moment(local.moment, "D j M") if local.differs_in_date else "",
                "iso": local.moment.isoformat(),
                "places": local.label,
            }
            for local in times.times_by_country(moment, reference_zone=reference_zone)
        ],
        "compact": compact,
    }
