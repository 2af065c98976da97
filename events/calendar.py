"""iCalendar files (RFC 5545) through the icalendar package: one event, the feed, and the
personal copy attached to a confirmation email (with the participant's own access link).

The online access address itself never goes into a calendar file. The text is in the active
language (the participant's, for the copy attached to an email).
"""

from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from events import times
from events.models import Event

PRODID = "-//Pacific Alliance//Portal events//EN"
STATUS = {
    Event.State.SCHEDULED: "CONFIRMED",
    Event.State.POSTPONED: "TENTATIVE",
    Event.State.CANCELLED: "CANCELLED",
}


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def event_component(event: Event, *, personal_link: str = "") -> icalendar.Event:
    url = settings.SITE_URL + event.get_absolute_url()
    component = icalendar.Event()
    component.add("uid", f"event-{event.pk}@{_host()}")
    component.add("dtstamp", timezone.now())
    component.add("dtstart", event.local_start)
    component.add("dtend", event.local_end)
    component.add("summary", event.title)
    lines = [strip_tags(event.summary).strip()]
    if event.state != Event.State.SCHEDULED:
        lines.insert(0, f"{event.get_state_display().upper()}. {event.state_note}".strip())
    lines.append(times.grouped_text(event.start, reference_zone=event.time_zone))
    if personal_link:
        lines.append(
            _("Your personal access link (opens shortly before the start): %(link)s") % {"link": personal_link}
        )
    lines.append(url)
    component.add("description", "\n\n".join(line for line in lines if line))
    component.add("location", event.place if event.is_in_person else _("Online"))
    component.add("url", url)
    component.add("status", STATUS[event.state])
    component.add("last-modified", event.updated_at)
    component.add("categories", [event.get_kind_display()])
    return component


def calendar_bytes(events, *, name: str, personal_link: str = "") -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(event_component(event, personal_link=personal_link))
    calendar.add_missing_timezones()
    return calendar.to_ical()
