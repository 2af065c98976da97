"""iCalendar files (RFC 5545) through the icalendar package: one event, the feed, and the
personal copy attached to a confirmation email (with the participant's own access link).

The online access address itself never goes into a calendar file. The text is in the active
language (the participant's, for the copy attached to an email).
"""

from datetime import UTC
from urllib.parse import urlencode, urlsplit

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


# --- "Add to calendar" links (no third-party script: plain links the calendars document) --------

#: Google Calendar's "create event" template; dates in UTC, ``YYYYMMDDTHHMMSSZ/…``.
GOOGLE = "https://calendar.google.com/calendar/render"
#: Outlook on the web: personal accounts (outlook.live.com) and work or school ones (outlook.office.com).
OUTLOOK = {
    "live": "https://outlook.live.com/calendar/0/action/compose",
    "office": "https://outlook.office.com/calendar/0/action/compose",
}


def _link_text(event: Event) -> tuple[str, str, str]:
    """(title, details, location) in the active language; the event page's address, never the access address."""
    page = settings.SITE_URL + event.get_absolute_url()
    details = f"{event.summary}\n\n{page}"
    location = event.place if event.is_in_person else page
    return event.title, details, location


def google_calendar_url(event: Event) -> str:
    title, details, location = _link_text(event)
    utc = "%Y%m%dT%H%M%SZ"
    dates = f"{event.start.astimezone(UTC):{utc}}/{event.end.astimezone(UTC):{utc}}"
    query = {"action": "TEMPLATE", "text": title, "dates": dates, "details": details, "location": location}
    return f"{GOOGLE}?{urlencode(query)}"


def outlook_calendar_url(event: Event, *, kind: str = "live") -> str:
    title, details, location = _link_text(event)
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": event.start.astimezone(UTC).isoformat(),
        "enddt": event.end.astimezone(UTC).isoformat(),
        "body": details,
        "location": location,
    }
    return f"{OUTLOOK[kind]}?{urlencode(query)}"


def calendar_links(event: Event) -> list[tuple[str, str]]:
    """(label, address) of each web calendar, for the event page and the confirmation email."""
    return [
        (_("Google Calendar"), google_calendar_url(event)),
        (_("Outlook.com"), outlook_calendar_url(event, kind="live")),
        (_("Outlook (work or school)"), outlook_calendar_url(event, kind="office")),
    ]
