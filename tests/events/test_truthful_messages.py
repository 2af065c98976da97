"""Every message about a registration follows the actual state: the reminder with the personal
access link sent or not (its ReminderSent stamp), the join window open, not yet or over,
registration open or closed. The demo webinar told a confirmed participant "Opens at Sat 28 Nov"
(past) and "the access link will arrive 120 hours before" after it had been sent."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from events import links, services
from events.models import ReminderSent
from tests.events.factories import (
    ConfirmedRegistrationFactory,
    OpenEventFactory,
    ParticipantFactory,
    RegistrationFactory,
    WaitlistedRegistrationFactory,
    in_days,
)

pytestmark = pytest.mark.django_db


def reminded(registration, *, at):
    """The reminder with the access link was sent to ``registration`` at ``at`` (its stamp)."""
    ReminderSent.objects.create(registration=registration, rule=registration.event.reminder_rules.get(), sent_at=at)
    return registration


def box(client, registration):
    client.force_login(registration.participant)
    html = client.get(registration.event.get_absolute_url()).content.decode()
    section = re.search(r'<section id="registration".*?</section>', html, re.DOTALL).group(0)
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def test_before_the_reminder_the_box_says_when_the_link_will_come_and_when_joining_opens(client, members):
    event = OpenEventFactory(start=in_days(10), reminders=[24], join_opens_minutes_before=30)
    text = box(client, ConfirmedRegistrationFactory(event=event))
    assert "You will receive your personal access link by email on" in text
    assert "Opens at" in text and "Open now" not in text
    assert "We emailed you" not in text


def test_once_the_reminder_went_the_box_says_so(client, members):
    event = OpenEventFactory(start=in_days(3), reminders=[120], join_opens_minutes_before=30)
    sent = timezone.now() - timedelta(hours=1)
    text = box(client, reminded(ConfirmedRegistrationFactory(event=event), at=sent))
    assert "We emailed you your personal access link on" in text
    assert "will receive" not in text and "hours before the start" not in text


def test_when_the_reminder_is_due_but_not_yet_sent_the_box_says_it_is_on_its_way(client, members):
    event = OpenEventFactory(start=in_days(3), reminders=[120])
    text = box(client, ConfirmedRegistrationFactory(event=event))
    assert "Your personal access link is on its way to your email." in text
    assert "will receive" not in text


def test_inside_the_join_window_the_button_says_it_is_open_now(client, members):
    event = OpenEventFactory(start=in_days(2), join_opens_minutes_before=7 * 24 * 60, reminders=[120])
    text = box(client, reminded(ConfirmedRegistrationFactory(event=event), at=timezone.now()))
    assert "Join the event" in text and "Open now, until the end of the event." in text
    assert "Opens at" not in text


def test_after_the_event_no_join_button_no_cancel_link_and_it_says_it_ended(client, members):
    event = OpenEventFactory(start=in_days(1), registration_closes_at=None)
    registration = reminded(ConfirmedRegistrationFactory(event=event), at=timezone.now())
    event.start, event.end = in_days(-3), in_days(-3, hours=2)
    event.save()
    text = box(client, registration)
    assert "You were registered for this event, which has ended." in text
    assert "Join the event" not in text and "Cancel my registration" not in text
    assert "You are registered: your participation is confirmed" not in text


def test_a_pending_registration_after_the_start_says_it_is_too_late(client, members):
    registration = RegistrationFactory(event=OpenEventFactory(start=in_days(1)))
    registration.event.start, registration.event.end = in_days(0, hours=-1), in_days(0, hours=1)
    registration.event.save()
    text = box(client, registration)
    assert "You did not confirm your participation in time" in text
    assert "Send the confirmation link again" not in text


def test_a_waiting_list_after_the_start_says_no_seat_became_free(client, members):
    registration = WaitlistedRegistrationFactory(event=OpenEventFactory(start=in_days(1)))
    registration.event.start, registration.event.end = in_days(0, hours=-1), in_days(0, hours=1)
    registration.event.save()
    assert "No seat became free before the event started." in box(client, registration)


def test_a_full_event_whose_registration_closed_offers_no_waiting_list(client, members):
    event = OpenEventFactory(capacity=1, has_waiting_list=True, registration_closes_at=in_days(0, hours=-1))
    ConfirmedRegistrationFactory(event=event)
    client.force_login(ParticipantFactory())
    html = client.get(event.get_absolute_url()).content.decode()
    assert "0 seats left" in html
    assert "you can join the waiting list" not in html
    assert event.registration_closed_reason() in html


def confirm(client, registration, committed):
    client.force_login(registration.participant)
    path = f"/events/{registration.event.slug}/confirm/{links.make_token(registration, links.CONFIRM)}/"
    with committed():
        assert client.post(path).status_code == 202  # queued; decided after commit
    response = client.get(path)
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_confirmation_page_says_when_the_link_comes(client, members, committed):
    event = OpenEventFactory(start=in_days(10), reminders=[24])
    text = confirm(client, RegistrationFactory(event=event), committed)
    assert "Your personal access link arrives by email on" in text


def test_the_confirmation_page_says_the_link_follows_when_the_reminder_is_already_due(client, members, committed):
    event = OpenEventFactory(start=in_days(3), reminders=[120])
    text = confirm(client, RegistrationFactory(event=event), committed)
    assert "Your personal access link follows in a separate email in a moment." in text
    assert "hours before the start" not in text


@pytest.mark.parametrize(
    "days, hours_before, said",
    [
        (10, 24, "you will receive a reminder with your personal access link"),
        (3, 120, "A reminder with your personal access link follows in a separate email."),
    ],
)
def test_the_confirmation_email_follows_the_reminder_time(committed, mailoutbox, members, days, hours_before, said):
    event = OpenEventFactory(start=in_days(days), reminders=[hours_before])
    registration = RegistrationFactory(event=event)
    with committed():
        services.confirm(registration=registration)
    confirmed = next(message for message in mailoutbox if message.subject.startswith("You are registered"))
    assert said in confirmed.body
    assert "hours before the start" not in confirmed.body
