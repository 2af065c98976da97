"""“Add to calendar”: besides the .ics file, plain links to Google Calendar and Outlook on the web."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from events import calendar, services
from events.models import Event
from tests.events.factories import OpenEventFactory, PastEventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(members):
    start = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=10)
    return OpenEventFactory(
        title_en="Forum on quinoa & coffee trade", title_es="Foro sobre el comercio de quinua y café",
        start=start, end=start + timedelta(hours=2),
    )  # fmt: skip


def query(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", {
        key: value[0] for key, value in parse_qs(parts.query).items()
    }


def test_google_link_carries_the_title_utc_times_and_the_event_page(event):
    base, values = query(calendar.google_calendar_url(event))
    assert base == "https://calendar.google.com/calendar/render"
    assert values["action"] == "TEMPLATE"
    assert values["text"] == "Forum on quinoa & coffee trade"
    assert values["dates"] == f"{event.start:%Y%m%dT%H%M%S}Z/{event.end:%Y%m%dT%H%M%S}Z"
    assert event.get_absolute_url() in values["details"] and event.get_absolute_url() in values["location"]
    assert event.online_url not in calendar.google_calendar_url(event)  # never the access address


def test_outlook_links_for_personal_and_work_accounts(event):
    live, values = query(calendar.outlook_calendar_url(event, kind="live"))
    office, _values = query(calendar.outlook_calendar_url(event, kind="office"))
    assert live == "https://outlook.live.com/calendar/0/action/compose"
    assert office == "https://outlook.office.com/calendar/0/action/compose"
    assert values["rru"] == "addevent" and values["subject"] == "Forum on quinoa & coffee trade"
    assert datetime.fromisoformat(values["startdt"]) == event.start
    assert datetime.fromisoformat(values["enddt"]) == event.end


def test_an_in_person_event_gives_its_place(members):
    venue = OpenEventFactory(format=Event.Format.IN_PERSON, online_url="", venue="Centro de Convenciones",
                             city="Lima", country=members["PE"])  # fmt: skip
    _base, values = query(calendar.google_calendar_url(venue))
    assert values["location"] == "Centro de Convenciones, Lima, Peru"


def test_the_event_page_shows_the_links_escaped_in_the_visitors_language(client, event):
    html = client.get(event.get_absolute_url()).content.decode()
    assert (
        "https://calendar.google.com/calendar/render?action=TEMPLATE&amp;text=Forum+on+quinoa+%26+coffee+trade" in html
    )
    assert "https://outlook.live.com/calendar/0/action/compose?" in html
    spanish = client.get(f"/es{event.get_absolute_url()}").content.decode()
    assert "text=Foro+sobre+el+comercio+de+quinua+y+caf%C3%A9" in spanish


def test_no_links_for_a_cancelled_or_past_event(client, event, editor, members):
    services.cancel_event(event=event, actor=editor)
    assert "calendar.google.com" not in client.get(event.get_absolute_url()).content.decode()
    past = PastEventFactory()
    assert "calendar.google.com" not in client.get(past.get_absolute_url()).content.decode()


def test_the_confirmation_email_has_the_links(event, committed, mailoutbox):
    with committed():
        services.confirm(registration=RegistrationFactory(event=event))
    (message,) = [message for message in mailoutbox if message.subject.startswith("You are registered")]
    assert "Google Calendar: https://calendar.google.com/calendar/render?" in message.body
    html = message.alternatives[0][0]
    assert "https://outlook.office.com/calendar/0/action/compose?" in html
