"""Reminders deferred with ``run_after`` and run by the database worker (django-tasks-db),
not the immediate backend the rest of the suite uses."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from events import services
from events.models import Registration
from tests.events.factories import OpenEventFactory, RegistrationFactory, in_days, reminder_at
from tests.factories import CountryFactory, EditorFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


SENDING_TASKS = ("send_reminder", "send_reminder_batch")


def run_worker():
    call_command("run_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)
    failed = list(DBTaskResult.objects.failed())
    assert not failed, [f"{task.task_path}: {task.traceback}" for task in failed]


def travel_to(monkeypatch, moment):
    """Move the clock of everything that asks django.utils.timezone (our code and the worker)."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


def subjects(mailoutbox):
    return [message.subject.split(":")[0] for message in mailoutbox]


def test_the_worker_sends_the_reminder_when_due_following_a_reschedule_exactly_once(
    database_tasks, mailoutbox, monkeypatch
):
    for code in ("CL", "CO", "MX", "PE"):
        CountryFactory(code=code)
    editor = EditorFactory()
    event = OpenEventFactory(start=in_days(3), reminders=[24])
    registration = RegistrationFactory(event=event)
    other = RegistrationFactory(event=event)

    services.confirm(registration=registration)
    services.confirm(registration=other)
    # One task for the event's reminders, whatever the number of confirmations.
    reminder_tasks = DBTaskResult.objects.filter(task_path="events.tasks.send_event_reminders")
    assert reminder_tasks.count() == 1
    assert abs(reminder_tasks.get().run_after - reminder_at(event)) < timedelta(seconds=1)
    assert not DBTaskResult.objects.filter(task_path="events.tasks.send_reminder").exists()

    run_worker()  # now: the confirmations go, the reminders wait for their time
    assert subjects(mailoutbox) == ["You are registered"] * 2
    assert reminder_tasks.ready().count() == 0  # not ready: its run_after is two days ahead
    mailoutbox.clear()

    new_start = event.start + timedelta(days=1)
    services.reschedule_event(event=event, start=new_start, end=new_start + timedelta(hours=2), actor=editor)
    event.refresh_from_db()
    run_worker()
    assert subjects(mailoutbox) == ["New date"] * 2
    assert reminder_tasks.count() == 2  # the old time's task and the new time's

    travel_to(monkeypatch, event.start - timedelta(hours=47))  # past the old reminder time
    run_worker()
    assert subjects(mailoutbox) == ["New date"] * 2  # the old task found nothing due
    assert not DBTaskResult.objects.filter(task_path="events.tasks.send_reminder_batch").exists()

    travel_to(monkeypatch, reminder_at(event) + timedelta(minutes=1))
    run_worker()  # the event's task enqueues a batch, which the same run sends
    assert subjects(mailoutbox) == ["New date"] * 2 + ["Reminder"] * 2
    assert sorted(message.to[0] for message in mailoutbox[-2:]) == sorted(
        [registration.participant.email, other.participant.email]
    )
    assert f"/events/{event.slug}/join/" in mailoutbox[-1].body
    assert DBTaskResult.objects.filter(task_path="events.tasks.send_reminder_batch").count() == 1

    # A task that runs twice, a restarted worker, or the cron sweep: still one reminder each.
    from events.tasks import send_event_reminders, send_reminder, send_reminder_batch

    send_event_reminders.enqueue(event.pk)
    send_reminder_batch.enqueue([registration.pk, other.pk])
    send_reminder.enqueue(registration.pk)
    run_worker()
    call_command("send_event_reminders", verbosity=0)
    assert subjects(mailoutbox).count("Reminder") == 2
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.reminders_sent.exists()


def test_a_reminder_task_queued_before_batching_still_sends_its_reminder_once(database_tasks, mailoutbox, monkeypatch):
    """Before reminders went in batches, each confirmation enqueued ``send_reminder(registration_id)``
    for the reminder time; those still in a queue work, alongside the event's task."""
    for code in ("CL", "CO", "MX", "PE"):
        CountryFactory(code=code)
    event = OpenEventFactory(start=in_days(3), reminders=[24])
    registration = RegistrationFactory(event=event)
    services.confirm(registration=registration)  # enqueues the event's task
    from events.tasks import send_reminder

    send_reminder.using(run_after=reminder_at(event)).enqueue(registration.pk)  # as confirming did
    run_worker()
    mailoutbox.clear()

    travel_to(monkeypatch, reminder_at(event) + timedelta(minutes=1))
    run_worker()
    assert subjects(mailoutbox) == ["Reminder"]
    sending = DBTaskResult.objects.filter(task_path__in=[f"events.tasks.{name}" for name in SENDING_TASKS])
    assert sorted(task.return_value for task in sending) == [0, 1]  # whichever ran first sent it
