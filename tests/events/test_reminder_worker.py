"""Reminders deferred with ``run_after`` and run by the database worker (django-tasks-db),
not the immediate backend the rest of the suite uses."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from events import services
from events.models import Registration
from tests.events.factories import OpenEventFactory, RegistrationFactory, in_days
from tests.factories import CountryFactory, EditorFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)
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
    event = OpenEventFactory(start=in_days(3), reminder_hours_before=24)
    registration = RegistrationFactory(event=event)

    services.confirm(registration=registration)
    reminder_tasks = DBTaskResult.objects.filter(task_path="events.tasks.send_reminder")
    assert reminder_tasks.count() == 1
    assert abs(reminder_tasks.get().run_after - event.reminder_at) < timedelta(seconds=1)

    run_worker()  # now: the confirmation goes, the reminder waits for its time
    assert subjects(mailoutbox) == ["You are registered"]
    assert reminder_tasks.ready().count() == 0  # not ready: its run_after is two days ahead

    new_start = event.start + timedelta(days=1)
    services.reschedule_event(event=event, start=new_start, end=new_start + timedelta(hours=2), actor=editor)
    event.refresh_from_db()
    run_worker()
    assert subjects(mailoutbox) == ["You are registered", "New date"]
    assert reminder_tasks.count() == 2  # the old time's task and the new time's

    travel_to(monkeypatch, event.start - timedelta(hours=47))  # past the old reminder time
    run_worker()
    assert subjects(mailoutbox) == ["You are registered", "New date"]  # the old task found nothing due

    travel_to(monkeypatch, event.reminder_at + timedelta(minutes=1))
    run_worker()
    assert subjects(mailoutbox) == ["You are registered", "New date", "Reminder"]
    assert f"/events/{event.slug}/join/" in mailoutbox[-1].body

    # A task that runs twice, a restarted worker, or the cron sweep: still one reminder.
    from events.tasks import send_reminder

    send_reminder.enqueue(registration.pk)
    run_worker()
    call_command("send_event_reminders", verbosity=0)
    assert subjects(mailoutbox).count("Reminder") == 1
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.reminder_sent_at is not None
