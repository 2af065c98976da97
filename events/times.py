"""Event times as the bloc announces them: grouped per member country's local time.

    "12:00 Mexico · 13:00 Colombia, Peru · 15:00 Chile"

The member countries and their zones come from portal.Country; they change rarely, so
they are cached, per language since the names are translated (and the cache is dropped
whenever a country is saved or deleted).
"""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import dateformat, timezone
from modeltranslation.utils import get_language

from portal.models import Country

CACHE_KEY = "events:member-zones:v2:{language}"


def _cache_key(language: str) -> str:
    return CACHE_KEY.format(language=language)


@dataclass(frozen=True)
class LocalTime:
    moment: datetime  # aware, in the zone shown
    places: tuple[str, ...]
    differs_in_date: bool = False  # another calendar day than in the event's own zone

    @property
    def label(self) -> str:
        return ", ".join(self.places)


def member_zones() -> list[tuple[str, str]]:
    """(country name, IANA zone) of every member country, by name, in the active language."""
    key = _cache_key(get_language())  # the language the names are read in
    zones = cache.get(key)
    if zones is None:
        countries = Country.objects.filter(status=Country.Status.MEMBER).only("name", "time_zone")
        zones = sorted((country.name, country.time_zone) for country in countries)
        cache.set(key, zones, 60 * 60)
    return zones


def forget_member_zones(**kwargs) -> None:
    cache.delete_many([_cache_key(code) for code, _name in settings.LANGUAGES])


def times_by_country(moment: datetime, *, reference_zone: str | None = None) -> list[LocalTime]:
    """``moment`` in each member country's zone, countries with the same local time grouped,
    earliest wall-clock time first."""
    groups: dict[datetime, tuple[datetime, list[str]]] = {}
    for name, zone in member_zones():
        local = timezone.localtime(moment, zoneinfo.ZoneInfo(zone))
        groups.setdefault(local.replace(tzinfo=None), (local, []))[1].append(name)
    reference_date = timezone.localtime(moment, zoneinfo.ZoneInfo(reference_zone)).date() if reference_zone else None
    return [
        LocalTime(
            moment=local,
            places=tuple(names),
            differs_in_date=reference_date is not None and wall.date() != reference_date,
        )
        for wall, (local, names) in sorted(groups.items())
    ]


def format_moment(moment: datetime, format_string: str) -> str:
    """``moment`` (already in the zone to show) in ``format_string``, as the active language writes
    dates: in Spanish, abbreviations in lower case ("sáb 28 nov") and "de" between day, month and
    year ("28 de noviembre de 2026"). English keeps the format as given ("Sat 28 Nov")."""
    if (get_language() or "").startswith("es"):
        format_string = format_string.replace("M", "b").replace("j F", r"j \d\e F").replace("F Y", r"F \d\e Y")
    return dateformat.format(moment, format_string)


def in_zone(moment: datetime, zone: str) -> datetime:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(zone))


def grouped_text(moment: datetime, *, reference_zone: str | None = None) -> str:
    """The one-line form used in emails and calendar files."""
    parts = []
    for local in times_by_country(moment, reference_zone=reference_zone):
        text = format_moment(local.moment, "H:i")
        if local.differs_in_date:
            text += format_moment(local.moment, " (D j M)")
        parts.append(f"{text} {local.label}")
    return " · ".join(parts)
