"""The registration services one by one: register, confirm, cancel, promote, remind, join."""

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from events import emails, links, services
from events.models import Event, Registration
from tests.events.factories import (
    ConfirmedRegistrationFactory,
    DraftEventFactory,
    OpenEventFactory,
    PastEventFactory,
    RegistrationFactory,
    WaitlistedRegistrationFactory,
    in_days,
)
from tests.factories import ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status


# --- register -----------------------------------------------------------------------------


def test_register_creates_a_pending_registration_and_emails_the_confirmation_link(members, committed, mailoutbox):
    event = OpenEventFactory(title="Competences for the digital school")
    person = ParticipantFactory()

    with committed():
        registration = services.register(event=event, participant=person)

    assert registration.status == Status.PENDING
    assert [m.to for m in mailoutbox] == [[person.email]]
    message = mailoutbox[0]
    assert message.subject == "Confirm your participation: Competences for the digital school"
    confirm_path = f"/events/{event.slug}/confirm/"
    assert confirm_path in message.body
    assert confirm_path in message.alternatives[0][0]
    # Times in the event's zone, every member country, and the participant's own (Peru).
    assert "In the member countries:" in message.body
    assert "Colombia, Peru" in message.body
    assert "Your time (Peru):" in message.body
    # The online access address is never in a confirmation-link email.
    assert event.online_url not in message.body


@pytest.mark.parametrize(
    ("event_kwargs", "message"),
    [
        # Times are made when the test runs (a lambda), not when the suite is collected.
        (lambda: {"registration_opens_at": in_days(1)}, "Registration opens"),
        (
            lambda: {"registration_closes_at": in_days(-1), "registration_opens_at": in_days(-3)},
            "Registration has closed",
        ),
        (lambda: {"registration_enabled": False}, "takes no registrations"),
        (lambda: {"state": Event.State.CANCELLED}, "cancelled"),
        (lambda: {"state": Event.State.POSTPONED}, "postponed"),
    ],
    ids=["not-open-yet", "closed", "no-registration", "cancelled", "postponed"],
)
def test_register_refuses_when_registration_is_not_open(members, mailoutbox, event_kwargs, message):
    event = OpenEventFactory(**event_kwargs())
    with pytest.raises(services.RegistrationClosed, match=message):
        services.register(event=event, participant=ParticipantFactory())
    assert not Registration.objects.exists()
    assert mailoutbox == []


def test_register_refuses_a_past_or_unpublished_event(members):
    past = PastEventFactory(registration_enabled=True)
    draft = DraftEventFactory(registration_enabled=True)
    person = ParticipantFactory()
    with pytest.raises(services.RegistrationClosed, match="already started"):
        services.register(event=past, participant=person)
    with pytest.raises(services.RegistrationClosed, match="not published"):
        services.register(event=draft, participant=person)
    assert not Registration.objects.exists()


def test_register_refuses_a_second_registration(members):
    registration = RegistrationFactory()
    with pytest.raises(services.AlreadyRegistered):
        services.register(event=registration.event, participant=registration.participant)
    assert Registration.objects.count() == 1


def test_the_database_allows_one_registration_per_event_and_participant(members):
    from django.db import IntegrityError, transaction

    registration = RegistrationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(event=registration.event, participant=registration.participant)


def test_register_needs_a_verified_email_and_a_profile(members):
    event = OpenEventFactory()
    with pytest.raises(services.CannotParticipate):
        services.register(event=event, participant=ParticipantFactory(verified_email=False))
    with pytest.raises(services.CannotParticipate):
        services.register(event=event, participant=UserFactory())  # no profile
    assert not Registration.objects.exists()


def test_register_refuses_when_full_without_waiting_list(members):
    event = OpenEventFactory(capacity=1, has_waiting_list=False)
    ConfirmedRegistrationFactory(event=event)
    with pytest.raises(services.EventFull):
        services.register(event=event, participant=ParticipantFactory())


def test_a_cancelled_registration_can_be_renewed_with_new_links(members):
    registration = RegistrationFactory(status=Status.CANCELLED, cancelled_at=timezone.now())
    old_key = registration.key
    renewed = services.register(event=registration.event, participant=registration.participant)
    assert renewed.pk == registration.pk
    assert renewed.status == Status.PENDING
    assert renewed.key != old_key


# --- confirm ------------------------------------------------------------------------------


def test_confirm_takes_a_seat_and_sends_the_confirmation_with_a_calendar_file(members, committed, mailoutbox):
    registration = RegistrationFactory()
    with committed():
        services.confirm(registration=registration)

    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    assert registration.confirmed_at is not None
    message = mailoutbox[-1]
    assert message.subject.startswith("You are registered:")
    assert f"/events/{registration.event.slug}/cancel/" in message.body
    name, content, mimetype = message.attachments[0]
    assert name == "event.ics"
    assert mimetype.startswith("text/calendar")
    ics = content if isinstance(content, str) else content.decode()
    assert "BEGIN:VEVENT" in ics
    assert f"/events/{registration.event.slug}/join/" in ics.replace("\r\n ", "")  # the personal link, not the URL
    assert registration.event.online_url not in ics.replace("\r\n ", "")


def test_confirm_puts_people_on_the_waiting_list_with_their_position_when_full(members, committed, mailoutbox):
    event = OpenEventFactory(capacity=1)
    ConfirmedRegistrationFactory(event=event)
    first, second = RegistrationFactory(event=event), RegistrationFactory(event=event)
    with committed():
        services.confirm(registration=first)
        services.confirm(registration=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.WAITLISTED, Status.WAITLISTED)
    assert (first.waiting_list_position, second.waiting_list_position) == (1, 2)
    assert "position 2" in mailoutbox[-1].body
    assert mailoutbox[-1].subject.startswith("On the waiting list:")


def test_confirm_when_full_without_waiting_list_refuses_and_changes_nothing(members):
    event = OpenEventFactory(capacity=1, has_waiting_list=False)
    ConfirmedRegistrationFactory(event=event)
    registration = RegistrationFactory(event=event)
    with pytest.raises(services.EventFull):
        services.confirm(registration=registration)
    registration.refresh_from_db()
    assert registration.status == Status.PENDING


def test_a_confirmation_link_works_once(members):
    registration = RegistrationFactory()
    services.confirm(registration=registration)
    with pytest.raises(services.InvalidTransition, match="already been used"):
        services.confirm(registration=registration)


def test_confirm_refuses_for_a_cancelled_event(members):
    registration = RegistrationFactory()
    Event.objects.filter(pk=registration.event_id).update(state=Event.State.CANCELLED)
    with pytest.raises(services.RegistrationClosed):
        services.confirm(registration=registration)
    registration.refresh_from_db()
    assert registration.status == Status.PENDING


# --- cancel and promote -------------------------------------------------------------------


def test_cancel_frees_the_seat_and_promotes_the_first_on_the_waiting_list(members, committed, mailoutbox):
    event = OpenEventFactory(capacity=1)
    seated = ConfirmedRegistrationFactory(event=event)
    first = WaitlistedRegistrationFactory(event=event, waitlisted_at=timezone.now() - timedelta(hours=2))
    second = WaitlistedRegistrationFactory(event=event, waitlisted_at=timezone.now() - timedelta(hours=1))

    with committed():
        services.cancel(registration=seated)

    seated.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert seated.status == Status.CANCELLED
    assert first.status == Status.CONFIRMED
    assert first.promoted_from_waiting_list
    assert second.status == Status.WAITLISTED
    assert second.waiting_list_position == 1
    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert subjects[seated.participant.email].startswith("Registration cancelled:")
    assert subjects[first.participant.email].startswith("A seat is free for you:")
    assert second.participant.email not in subjects


def test_cancel_revokes_the_personal_links(members):
    registration = ConfirmedRegistrationFactory()
    token = links.make_token(registration, links.JOIN)
    services.cancel(registration=registration)
    with pytest.raises(services.InvalidToken, match="cancelled"):
        links.read_token(token, links.JOIN, event=registration.event)


def test_cancel_twice_is_refused(members):
    registration = ConfirmedRegistrationFactory()
    services.cancel(registration=registration)
    with pytest.raises(services.InvalidTransition):
        services.cancel(registration=registration)


def test_more_seats_go_to_the_waiting_list_first_come_first_served(members, editor, committed, mailoutbox):
    event = OpenEventFactory(capacity=1)
    ConfirmedRegistrationFactory(event=event)
    waiting = [WaitlistedRegistrationFactory(event=event) for _ in range(3)]
    with committed():
        update = services.update_event(event=event, actor=editor, changes={"capacity": 3})
    assert [r.pk for r in update.promoted] == [waiting[0].pk, waiting[1].pk]
    assert event.registrations.seats_taken() == 3
    assert sorted(m.to[0] for m in mailoutbox) == sorted(r.participant.email for r in waiting[:2])

    assert services.update_event(event=event, actor=editor, changes={"capacity": 2}).promoted == []  # fewer seats
    assert [r.pk for r in services.update_event(event=event, actor=editor, changes={"capacity": None}).promoted] == [
        waiting[2].pk
    ]  # unlimited


# --- join ---------------------------------------------------------------------------------


def test_join_inside_the_window_returns_the_access_address_and_records_attendance(members):
    event = OpenEventFactory(start=in_days(0, hours=0.25), join_opens_minutes_before=30)
    registration = ConfirmedRegistrationFactory(event=event)
    assert services.join(registration=registration) == event.online_url
    registration.refresh_from_db()
    assert registration.status == Status.ATTENDED
    assert registration.attendance == Registration.Attendance.ONLINE
    # Joining again (a reconnection) still works.
    assert services.join(registration=registration) == event.online_url


def test_join_before_the_window_says_when_it_opens(members):
    event = OpenEventFactory(start=in_days(2), join_opens_minutes_before=30)
    registration = ConfirmedRegistrationFactory(event=event)
    with pytest.raises(services.JoinNotOpenYet) as raised:
        services.join(registration=registration)
    assert raised.value.opens_at == event.start - timedelta(minutes=30)
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_join_after_the_end_or_for_a_cancelled_event_or_unconfirmed_registration_is_refused(members):
    ended = ConfirmedRegistrationFactory(event=PastEventFactory(registration_enabled=True))
    with pytest.raises(services.EventOver):
        services.join(registration=ended)
    cancelled_event = OpenEventFactory(start=in_days(0, hours=0.1), state=Event.State.CANCELLED)
    with pytest.raises(services.RegistrationClosed):
        services.join(registration=ConfirmedRegistrationFactory(event=cancelled_event))
    open_event = OpenEventFactory(start=in_days(0, hours=0.1))
    for status in (Status.PENDING, Status.WAITLISTED, Status.CANCELLED):
        with pytest.raises(services.InvalidTransition):
            services.join(registration=RegistrationFactory(event=open_event, status=status))


def test_check_in_records_in_person_attendance(members, editor):
    registration = ConfirmedRegistrationFactory()
    services.check_in(registration=registration, actor=editor)
    registration.refresh_from_db()
    assert registration.status == Status.ATTENDED
    assert registration.attendance == Registration.Attendance.IN_PERSON
    with pytest.raises(services.CheckInRefused, match="already been checked in"):
        services.check_in(registration=registration, actor=editor)


def test_check_in_needs_the_permission(members, author):
    registration = ConfirmedRegistrationFactory()
    with pytest.raises(services.CheckInNotAllowed, match="not allowed"):
        services.check_in(registration=registration, actor=author)


# --- tokens -------------------------------------------------------------------------------


def test_tokens_are_personal_purpose_bound_and_tamper_proof(members):
    registration = RegistrationFactory()
    event = registration.event
    token = links.make_token(registration, links.CONFIRM)
    assert links.read_token(token, links.CONFIRM, event=event) == registration
    with pytest.raises(services.InvalidToken):
        links.read_token(token, links.CANCEL, event=event)  # another purpose
    with pytest.raises(services.InvalidToken):
        links.read_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), links.CONFIRM, event=event)
    with pytest.raises(services.InvalidToken):
        links.read_token(token, links.CONFIRM, event=OpenEventFactory())  # another event
    with pytest.raises(services.NotYourLink):
        links.read_token(token, links.CONFIRM, event=event, user=ParticipantFactory())
    forged = signing.dumps({"r": registration.pk, "k": registration.key}, salt="not-the-salt")
    with pytest.raises(services.InvalidToken):
        links.read_token(forged, links.CONFIRM, event=event)


def test_an_old_confirmation_link_expires(members, settings):
    registration = RegistrationFactory()
    token = links.make_token(registration, links.CONFIRM)
    settings.EVENTS_CONFIRM_LINK_MAX_AGE = -1
    with pytest.raises(services.TokenExpired):
        links.read_token(token, links.CONFIRM, event=registration.event)


# --- reminders ----------------------------------------------------------------------------


def test_send_due_reminders_sends_each_due_reminder_once_with_the_personal_join_link(members, committed, mailoutbox):
    soon = OpenEventFactory(start=in_days(0, hours=20), reminders=[24])
    later = OpenEventFactory(start=in_days(5))
    due = ConfirmedRegistrationFactory(event=soon)
    ConfirmedRegistrationFactory(event=later)  # not due yet
    RegistrationFactory(event=soon)  # pending: no reminder
    WaitlistedRegistrationFactory(event=soon)  # waiting: no reminder

    with committed():
        assert services.send_due_reminders() == 1
        assert services.send_due_reminders() == 0  # a second sweep sends nothing again
        assert emails.send_reminder(due.pk) == 0  # nor does a task that runs twice

    assert [m.to for m in mailoutbox] == [[due.participant.email]]
    message = mailoutbox[0]
    assert message.subject.startswith("Reminder:")
    assert f"/events/{soon.slug}/join/" in message.body
    assert soon.online_url not in message.body
    assert "Your time (Peru):" in message.body
    due.refresh_from_db()
    assert due.reminders_sent.exists()


def test_reminder_hours_are_configurable_per_event(members, mailoutbox):
    event = OpenEventFactory(start=in_days(0, hours=40), reminders=[48])
    ConfirmedRegistrationFactory(event=event)
    assert services.send_due_reminders() == 1


def test_no_reminder_for_a_cancelled_or_postponed_event(members, mailoutbox):
    for state in (Event.State.CANCELLED, Event.State.POSTPONED):
        event = OpenEventFactory(start=in_days(0, hours=10), state=state)
        ConfirmedRegistrationFactory(event=event)
    assert services.send_due_reminders() == 0
    assert mailoutbox == []


def test_confirming_after_the_reminder_time_sends_the_reminder_at_once(members, committed, mailoutbox):
    event = OpenEventFactory(start=in_days(0, hours=3))
    registration = RegistrationFactory(event=event)
    with committed():
        services.confirm(registration=registration)
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["You are registered", "Reminder"]


# --- the event's own changes --------------------------------------------------------------


def test_rescheduling_moves_the_reminder_and_tells_the_participants(members, committed, mailoutbox, editor):
    event = OpenEventFactory(start=in_days(0, hours=10))
    registration = ConfirmedRegistrationFactory(event=event)
    assert services.send_due_reminders() == 1  # sent for the old time
    mailoutbox.clear()

    new_start = in_days(7)
    with committed():
        services.reschedule_event(event=event, start=new_start, end=new_start + timedelta(hours=2), actor=editor)

    registration.refresh_from_db()
    assert not registration.reminders_sent.exists()  # a new reminder will go for the new time
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["New date"]
    assert services.send_due_reminders() == 0  # not due any more at the old time
    assert services.send_due_reminders(now=new_start - timedelta(hours=23)) == 1


def test_cancelling_the_event_emails_participants_instead_of_a_reminder(members, committed, mailoutbox, editor):
    event = OpenEventFactory(start=in_days(0, hours=10))
    confirmed = ConfirmedRegistrationFactory(event=event)
    waiting = WaitlistedRegistrationFactory(event=event)
    gone = ConfirmedRegistrationFactory(event=event, status=Status.CANCELLED)

    with committed():
        services.cancel_event(event=event, actor=editor, note="The venue is not available.")

    assert sorted(m.to[0] for m in mailoutbox) == sorted([confirmed.participant.email, waiting.participant.email])
    assert all(m.subject.startswith("Cancelled:") for m in mailoutbox)
    assert "The venue is not available." in mailoutbox[0].body
    assert gone.participant.email not in [m.to[0] for m in mailoutbox]
    assert emails.send_event_cancelled(event.pk) == 0  # once only
    assert services.send_due_reminders() == 0
    with pytest.raises(services.EventChangeRefused):
        services.cancel_event(event=event, actor=editor)


def test_postponing_keeps_registrations_and_closes_registration(members, committed, mailoutbox, editor):
    event = OpenEventFactory()
    registration = ConfirmedRegistrationFactory(event=event)
    with committed():
        services.postpone_event(event=event, actor=editor, note="New date to be announced.")
    assert mailoutbox[0].subject.startswith("Postponed:")
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    with pytest.raises(services.RegistrationClosed, match="postponed"):
        services.register(event=event, participant=ParticipantFactory())
    new_start = in_days(20)
    services.reschedule_event(event=event, start=new_start, end=new_start + timedelta(hours=1), actor=editor)
    event.refresh_from_db()
    assert event.state == Event.State.SCHEDULED


def test_only_editors_postpone_or_cancel_an_event(members, author, editor):
    event = OpenEventFactory(author=author)
    for move in (services.postpone_event, services.cancel_event):
        with pytest.raises(services.EventChangeNotAllowed, match="Only editors"):
            move(event=event, actor=author)
    event.refresh_from_db()
    assert event.state == Event.State.SCHEDULED
    services.postpone_event(event=event, actor=editor)
    event.refresh_from_db()
    assert event.state == Event.State.POSTPONED


def test_only_who_may_edit_the_event_changes_it(members, author, other_author):
    draft = DraftEventFactory(author=author, capacity=5)
    with pytest.raises(services.EventChangeNotAllowed):
        services.update_event(event=draft, actor=other_author, changes={"capacity": 50})
    services.update_event(event=draft, actor=author, changes={"capacity": 50})  # their own draft
    draft.refresh_from_db()
    assert draft.capacity == 50


def test_a_cancelled_event_cannot_be_rescheduled_and_a_refused_change_saves_nothing(members, editor):
    event = OpenEventFactory(title="Meeting of the NCPs")
    services.cancel_event(event=event, actor=editor)
    new_start = in_days(20)
    with pytest.raises(services.EventChangeRefused, match="cannot be rescheduled"):
        services.update_event(
            event=event,
            actor=editor,
            changes={"title": "Renamed", "start": new_start, "end": new_start + timedelta(hours=1)},
        )
    event.refresh_from_db()
    assert (event.title, event.state) == ("Meeting of the NCPs", Event.State.CANCELLED)
    with pytest.raises(services.EventChangeRefused, match="end after it starts"):
        services.update_event(event=OpenEventFactory(), actor=editor, changes={"end": in_days(1)})


def test_new_times_in_update_event_move_reminders_and_tell_participants(members, editor, committed, mailoutbox):
    event = OpenEventFactory(start=in_days(0, hours=10))
    registration = ConfirmedRegistrationFactory(event=event)
    assert services.send_due_reminders() == 1
    mailoutbox.clear()
    new_start = in_days(7)
    with committed():
        update = services.update_event(
            event=event, actor=editor, changes={"start": new_start, "end": new_start + timedelta(hours=2)}
        )
    assert update.rescheduled
    registration.refresh_from_db()
    assert not registration.reminders_sent.exists()
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["New date"]
    # A new end alone is no new date: nobody is told again.
    mailoutbox.clear()
    with committed():
        update = services.update_event(event=event, actor=editor, changes={"end": new_start + timedelta(hours=3)})
    assert not update.rescheduled
    assert mailoutbox == []


# --- personal data ------------------------------------------------------------------------


def test_export_and_erase_a_participants_registrations(members, committed):
    person = ParticipantFactory()
    upcoming = ConfirmedRegistrationFactory(participant=person, event=OpenEventFactory(capacity=1))
    waiting = WaitlistedRegistrationFactory(event=upcoming.event)
    attended = ConfirmedRegistrationFactory(
        participant=person, event=PastEventFactory(registration_enabled=True), status=Status.ATTENDED
    )
    exported = services.export_registrations(person)
    assert {row["status"] for row in exported} == {"confirmed", "attended"}

    with committed():
        services.erase_registrations(person)

    upcoming.refresh_from_db()
    attended.refresh_from_db()
    waiting.refresh_from_db()
    assert upcoming.status == Status.CANCELLED  # the seat goes to the waiting list
    assert waiting.status == Status.CONFIRMED
    assert attended.status == Status.ATTENDED  # past attendance still counts
    assert Registration.objects.filter(participant=person).count() == 2
