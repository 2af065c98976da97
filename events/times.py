"""Event times as the bloc announces them: grouped per member country's local time.

    "12:00 Mexico · 13:00 Colombia, Peru · 15:00 Chile"

The member countries and their zones come from portal.Country; they change rarely, so
they are cached (and the cache is dropped whenever a country is saved or deleted).
"""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from portal.models import Country

CACHE_KEY = "events:member-zones:v1"


@dataclass(frozen=True)
class LocalTime:
    moment: datetime  # aware, in the zone shown
    places: tuple[str, ...]
    differs_in_date: bool = False  # another calendar day than in the event's own zone

    @property
    def label(self) -> str:
        return ", ".join(self.places)


def member_zones() -> list[tuple[str, str]]:
    """(country name, IANA zone) of every member country, by name."""
    zones = cache.get(CACHE_KEY)
    if zones is None:
        zones = list(
            Country.objects.filter(status=Country.Status.MEMBER).order_by("name").values_list("name", "time_zone")
        )
        cache.set(CACHE_KEY, zones, 60 * 60)
    return zones


def forget_member_zones(**kwargs) -> None:
    cache.delete(CACHE_KEY)


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


def in_zone(moment: datetime, zone: str) -> datetime:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(zone))


def grouped_text(moment: datetime, *, reference_zone: str | None = None) -> str:
    """The one-line form used in emails and calendar files."""
    parts = []
    for local in times_by_country(moment, reference_zone=reference_zone):
        text = local.moment.strftime("%H:%M")
        if local.differs_in_date:
            text += local.moment.strftime(" (%a %d %b)")
        parts.append(f"{text} {local.label}")
    return " · ".join(parts)
