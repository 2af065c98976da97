"""The event form states one rule about time zones, once per time: the event's zone."""

import re

import pytest
from django.urls import reverse

from tests.events.factories import OpenEventFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_each_time_of_the_event_form_has_one_note_with_the_event_s_zone(editor_client, members):
    event = OpenEventFactory(time_zone="America/Mexico_City")
    SessionFactory(event=event)

    html = editor_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()

    notes = re.findall(
        r'<div class="help timezonewarning" id="id_([\w-]+)_timezone_warning_helptext">([^<]+)</div>', html
    )
    fields = {name for name, _text in notes}
    assert {"start", "end", "registration_opens_at", "registration_closes_at"} <= fields
    assert any(name.startswith("sessions-0-") for name in fields)  # the sessions' times too
    assert all("America/Mexico_City" in text for _name, text in notes)
    assert len(notes) == len(fields)  # once each
    # Django's script adds its own note (the server's zone) only where none is there: there is one.
    assert "In the event's time zone" not in html
