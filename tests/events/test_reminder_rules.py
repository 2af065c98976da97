"""Reminder rules: any number per event, each with its own lead text, each sent once per
participant; the last one (or one inside the access window) carries the personal access link."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone

from events import emails, services
from events.models import Event, ReminderRule, ReminderSent
from tests.events.factories import ConfirmedRegistrationFactory, OpenEventFactory, RegistrationFactory, in_days
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

WEEK, DAY, HOUR = 168, 24, 1


@pytest.fixture
def three_rules(members):
    """An online event in ten days with reminders a week, a day and an hour before, each with its lead."""
    event = OpenEventFactory(start=in_days(10), capacity=None, reminders=[])
    leads = {
        WEEK: ("A week to go: read the agenda.", "Falta una semana: lea la agenda."),
        DAY: ("Tomorrow: test your connection.", "Mañana: pruebe su conexión."),
        HOUR: ("", ""),  # the standard opening
    }
    for hours, (english, spanish) in leads.items():
        ReminderRule.objects.create(event=event, hours_before=hours, lead_en=english, lead_es=spanish)
    return event


def sweep_at(moment, committed):
    """The workers' sweep at ``moment``; returns how many reminders it queued."""
    with committed():
        return services.send_due_reminders(now=moment)


def at(event, hours, minutes=1):
    return event.start - timedelta(hours=hours) + timedelta(minutes=minutes)


def reminders(mailoutbox):
    return [message for message in mailoutbox if message.subject.startswith(("Reminder", "Recordatorio"))]


def test_each_rule_goes_once_at_its_time_with_its_own_lead_and_only_the_last_has_the_access_link(
    three_rules, committed, mailoutbox
):
    event = three_rules
    registration = ConfirmedRegistrationFactory(event=event)
    assert sweep_at(at(event, WEEK, minutes=-5), committed) == 0  # not yet
    assert sweep_at(at(event, WEEK), committed) == 1
    assert sweep_at(at(event, WEEK, minutes=30), committed) == 0  # a second sweep: nothing twice
    assert sweep_at(at(event, DAY), committed) == 1
    assert emails.send_reminder(registration.pk, now=at(event, DAY, minutes=2)) == 0  # a task running twice
    assert sweep_at(at(event, HOUR), committed) == 1
    assert sweep_at(event.start + timedelta(minutes=10), committed) == 0  # under way: nothing left

    week, day, hour = reminders(mailoutbox)
    assert "A week to go: read the agenda." in week.body and "starts soon" not in week.body
    assert "Tomorrow: test your connection." in day.body
    assert "starts soon, and you are registered" in hour.body
    join = f"/events/{event.slug}/join/"
    assert join not in week.body and join not in day.body
    assert join in hour.body
    assert set(registration.reminders_sent.values_list("rule__hours_before", flat=True)) == {WEEK, DAY, HOUR}


def test_the_lead_is_in_the_participants_language(three_rules, committed, mailoutbox):
    person = ParticipantFactory()
    person.profile.preferred_language = "es"
    person.profile.save()
    ConfirmedRegistrationFactory(event=three_rules, participant=person)
    assert sweep_at(at(three_rules, WEEK), committed) == 1
    (message,) = reminders(mailoutbox)
    assert "Falta una semana: lea la agenda." in message.body
    assert "read the agenda" not in message.body


def test_a_rule_inside_the_access_window_carries_the_link_too(members, committed, mailoutbox):
    event = OpenEventFactory(start=in_days(3), capacity=None, reminders=[DAY, 2, HOUR], join_opens_minutes_before=180)
    ConfirmedRegistrationFactory(event=event)
    for hours in (DAY, 2, HOUR):
        assert sweep_at(at(event, hours), committed) == 1
    day, two_hours, hour = reminders(mailoutbox)
    join = f"/events/{event.slug}/join/"
    assert join not in day.body  # outside the window, not the last
    assert join in two_hours.body and join in hour.body  # inside the three hours the access opens before


def test_a_late_confirmation_gets_only_the_latest_due_reminder(three_rules, committed, mailoutbox):
    """Confirmed half an hour before the start: one reminder (the hour's), not three at once."""
    event = three_rules
    registration = ConfirmedRegistrationFactory(event=event)
    assert sweep_at(event.start - timedelta(minutes=30), committed) == 1
    (message,) = reminders(mailoutbox)
    assert f"/events/{event.slug}/join/" in message.body
    assert list(registration.reminders_sent.values_list("rule__hours_before", flat=True)) == [HOUR]
    assert sweep_at(event.start - timedelta(minutes=20), committed) == 0  # the superseded ones never go


def test_a_reschedule_after_the_first_of_three_sends_each_again_for_the_new_time(
    three_rules, committed, mailoutbox, editor, monkeypatch
):
    event = three_rules
    registration = ConfirmedRegistrationFactory(event=event)
    assert sweep_at(at(event, WEEK), committed) == 1
    old_day_before = at(event, DAY)
    new_start = in_days(20)
    with committed():
        services.reschedule_event(event=event, start=new_start, end=new_start + timedelta(hours=2), actor=editor)
    event.refresh_from_db()
    assert not registration.reminders_sent.exists()  # the old time's stamp is gone
    mailoutbox.clear()
    assert sweep_at(old_day_before, committed) == 0  # the old time's day-before reminder: nothing
    for hours in (WEEK, DAY, HOUR):
        assert sweep_at(at(event, hours), committed) == 1
        assert sweep_at(at(event, hours, minutes=5), committed) == 0
    assert len(reminders(mailoutbox)) == 3
    assert "A week to go" in reminders(mailoutbox)[0].body


def test_no_reminder_after_the_event_is_cancelled_between_two(three_rules, committed, mailoutbox, editor):
    event = three_rules
    ConfirmedRegistrationFactory(event=event)
    assert sweep_at(at(event, WEEK), committed) == 1
    with committed():
        services.cancel_event(event=event, actor=editor)
    assert sweep_at(at(event, DAY), committed) == 0
    assert sweep_at(at(event, HOUR), committed) == 0
    assert len(reminders(mailoutbox)) == 1


def test_no_reminder_after_the_registration_is_cancelled_between_two(three_rules, committed, mailoutbox):
    event = three_rules
    registration, other = ConfirmedRegistrationFactory(event=event), ConfirmedRegistrationFactory(event=event)
    assert sweep_at(at(event, WEEK), committed) == 2
    with committed():
        services.cancel(registration=registration)
    mailoutbox.clear()
    assert sweep_at(at(event, DAY), committed) == 1
    assert [message.to for message in reminders(mailoutbox)] == [[other.participant.email]]


def test_registering_again_after_cancelling_gets_the_reminders_again(three_rules, committed, mailoutbox):
    event = three_rules
    registration = ConfirmedRegistrationFactory(event=event)
    assert sweep_at(at(event, WEEK), committed) == 1
    with committed():
        services.cancel(registration=registration)
        again = services.register(event=event, participant=registration.participant)
    assert not again.reminders_sent.exists()


def test_a_rule_is_stamped_once_per_registration_in_the_database(three_rules):
    registration = ConfirmedRegistrationFactory(event=three_rules)
    rule = three_rules.reminder_rules.get(hours_before=WEEK)
    ReminderSent.objects.create(registration=registration, rule=rule)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSent.objects.create(registration=registration, rule=rule)


def test_two_rules_at_the_same_time_are_refused(three_rules):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderRule.objects.create(event=three_rules, hours_before=DAY)


def test_a_postponed_event_sends_no_reminder(three_rules, committed, editor):
    ConfirmedRegistrationFactory(event=three_rules)
    with committed():
        services.postpone_event(event=three_rules, actor=editor)
    assert sweep_at(at(three_rules, WEEK), committed) == 0


def test_a_pending_registration_gets_no_reminder(three_rules, committed):
    RegistrationFactory(event=three_rules)
    assert sweep_at(at(three_rules, WEEK), committed) == 0


def test_the_confirmation_email_and_page_say_when_the_link_arrives(three_rules, client, committed, mailoutbox):
    registration = RegistrationFactory(event=three_rules)
    with committed():
        services.confirm(registration=registration)
    (confirmation,) = mailoutbox
    # The link comes with the last reminder, an hour before the start: its time, in the event's zone.
    when = formats.date_format(
        timezone.localtime(three_rules.start - timedelta(hours=1), three_rules.zone), "l j F, H:i"
    )
    assert f"On {when} (event time) you will receive a reminder with your personal access link." in confirmation.body
    client.force_login(registration.participant)
    html = client.get(three_rules.get_absolute_url()).content.decode()
    assert f"You will receive your personal access link by email on {when} (event time)." in html


def test_an_event_made_in_the_admin_gets_the_default_reminder(editor_client, members):
    from tests.events.test_admin import _change_data

    template = OpenEventFactory(reminders=[])
    data = _change_data(editor_client, template)
    data.update(slug="a-new-seminar", title_en="A new seminar")
    response = editor_client.post(reverse("admin:events_event_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = Event.objects.get(slug="a-new-seminar")
    assert list(event.reminder_rules.values_list("hours_before", flat=True)) == [ReminderRule.DEFAULT_HOURS_BEFORE]


def test_the_default_reminder_reproduces_the_single_reminder(members, committed, mailoutbox):
    """A day before, with the access link: what every event had before rules."""
    event = OpenEventFactory(start=in_days(3), capacity=None)
    ConfirmedRegistrationFactory(event=event)
    assert sweep_at(at(event, DAY, minutes=-2), committed) == 0
    assert sweep_at(at(event, DAY), committed) == 1
    assert f"/events/{event.slug}/join/" in reminders(mailoutbox)[0].body


def test_confirmations_enqueue_one_task_per_rule_and_time(three_rules, settings, committed):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.tasks import default_task_backend

    event = three_rules
    with committed():
        for _ in range(3):
            services.confirm(registration=RegistrationFactory(event=event))
    deferred = sorted(
        result.task.run_after for result in default_task_backend.results if result.task.name == "send_event_reminders"
    )
    assert deferred == [event.start - timedelta(hours=hours) for hours in (WEEK, DAY, HOUR)]


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_the_hours_before_into_a_rule_and_the_sent_reminders_into_its_stamps():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    executor = MigrationExecutor(connection)
    before, after = [("events", "0005_schedule_changed_at")], [("events", "0007_reminder_rule_grants")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    try:
        user = old.get_model("accounts", "User").objects.create(email="ana@example.org")
        start = timezone.now() + timedelta(days=1)
        event = old.get_model("events", "Event").objects.create(
            title="Seminar", slug="seminar", summary="A seminar.", start=start, end=start + timedelta(hours=2),
            reminder_hours_before=48, reminders_enqueued_for=start - timedelta(hours=48),
        )  # fmt: skip
        sent_at = timezone.now() - timedelta(hours=1)
        registration = old.get_model("events", "Registration").objects.create(
            event=event, participant=user, status="confirmed", reminder_sent_at=sent_at
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps
        rule = new.get_model("events", "ReminderRule").objects.get(event_id=event.pk)
        assert (rule.hours_before, rule.enqueued_for) == (48, start - timedelta(hours=48))
        stamp = new.get_model("events", "ReminderSent").objects.get(registration_id=registration.pk)
        assert (stamp.rule_id, stamp.sent_at) == (rule.pk, sent_at)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
