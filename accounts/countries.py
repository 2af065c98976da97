"""Participants' countries: any country of ISO 3166, and the time zone to show each participant.

A participant answers with any country (django-countries: every ISO 3166 code, with its name
in both languages). The bloc's own table, ``portal.Country``, keeps what only the bloc knows:
which countries are members, candidates, associated states or observers, and the zone it uses
for each (events are announced in the members' zones). So the time zone of a participant's
emails is:

- the bloc's zone for a country in its table (a participant from Mexico gets Mexico City);
- else the country's zone in the time-zone database, read from CLDR's zones of the territory
  (babel), when the country keeps one time all year (every one of its zones at the same UTC
  offsets, as Argentina's twelve); the first zone CLDR lists stands for them;
- else none (Canada, the United States, Brazil…): the emails show the member countries' times.
"""

import functools
import zoneinfo
from datetime import datetime

from babel.core import get_global
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from portal import taxonomy
from portal.models import Country

BLOC_KEY = "accounts:bloc-countries:v1"
BLOC_TTL = 60 * 60


#: The last rows of portal.taxonomy (a tuple per language) and what was made of them.
_from_rows: dict[str, tuple[tuple, dict[str, tuple[str, str]]]] = {}


def _bloc() -> dict[str, tuple[str, str]]:
    """ISO code → (status, IANA zone) of every country in the bloc's table.

    From the rows each process keeps (``portal.taxonomy``, when ``TAXONOMY_IN_MEMORY``): a
    reminder or a digest asks for every participant, and a read of the shared cache each time was
    a tenth of a reminder's cost. Else from the cache, dropped whenever one is saved or deleted
    (``forget_bloc``)."""
    if settings.TAXONOMY_IN_MEMORY:
        rows = taxonomy.rows(Country)
        language = translation.get_language() or settings.LANGUAGE_CODE
        made = _from_rows.get(language)
        if made is None or made[0] is not rows:
            made = _from_rows[language] = (rows, {row.code: (row.status, row.time_zone) for row in rows})
        return made[1]
    known = cache.get(BLOC_KEY)
    if known is None:
        known = {
            code: (status, zone) for code, status, zone in Country.objects.values_list("code", "status", "time_zone")
        }
        cache.set(BLOC_KEY, known, BLOC_TTL)
    return known


def forget_bloc(**kwargs) -> None:
    cache.delete(BLOC_KEY)


def choices() -> list:
    """Every country, in the active language: the bloc's members first, then all the others."""
    members = sorted(code for code, (status, _zone) in _bloc().items() if status == Country.Status.MEMBER)
    names = dict(countries)
    return [
        ("", "—"),
        (_("Pacific Alliance"), [(code, names[code]) for code in members if code in names]),
        (_("Other countries"), [(code, name) for code, name in countries if code not in members]),
    ]


def time_zone_for(code: str) -> str | None:
    """The IANA zone to show a participant from ``code`` event times in (see the module's docstring)."""
    if not code:
        return None
    known = _bloc().get(code)
    if known is not None:
        return known[1]
    return _one_zone_of(code)


@functools.cache
def _one_zone_of(code: str) -> str | None:
    available = zoneinfo.available_timezones()
    zones = [zone for zone in get_global("territory_zones").get(code, ()) if zone in available]
    if not zones:
        return None
    year = datetime.now().year

    def offsets(zone):
        info = zoneinfo.ZoneInfo(zone)
        return tuple(datetime(year, month, 15, 12, tzinfo=info).utcoffset() for month in (1, 7))

    first = offsets(zones[0])
    return zones[0] if all(offsets(zone) == first for zone in zones[1:]) else None
