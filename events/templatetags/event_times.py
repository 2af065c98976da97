"""Event times in templates: the event's own zone, every member country, and the viewer's.

Django's ``date`` filter would convert a datetime back to the site's zone, so times are
formatted here from datetimes already in the zone to show.
"""

from django import template
from django.utils import dateformat

from events import times

register = template.Library()


def zone_label(zone: str) -> str:
    """ "America/Mexico_City" → "Mexico City"."""
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
    return dateformat.format(moment, format_string)


@register.filter(name="zone_label")
def zone_label_filter(zone):
    return zone_label(zone or "")


@register.inclusion_tag("events/includes/country_times.html")
def country_times(moment, reference_zone=None, compact=False):
    """``12:00 Mexico · 13:00 Colombia, Peru · 15:00 Chile`` as accessible markup."""
    return {
        "groups": [
            {
                "time": dateformat.format(local.moment, "H:i"),
                "day": dateformat.format(local.moment, "D j M") if local.differs_in_date else "",
                "iso": local.moment.isoformat(),
                "places": local.label,
            }
            for local in times.times_by_country(moment, reference_zone=reference_zone)
        ],
        "compact": compact,
    }
