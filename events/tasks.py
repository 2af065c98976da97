"""Background work for events, run by ``manage.py run_worker`` (Django's tasks framework).

Every task is safe to run twice: the sending functions in events.emails check and set a
stamp under a row lock (for reminders, a ReminderSent row per registration and rule,
written under the registration's lock).

Reminders: ``send_event_reminders`` (one per event and reminder rule's time) runs at the
reminder time and enqueues ``send_reminder_batch`` tasks for the rule due then;
``send_reminder`` sends one.
"""

from datetime import datetime

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from events import emails
from events.models import Event, Registration
from events.services import registration  # which enqueues these tasks: only read when a task runs


@task()
def send_registration_email(registration_id: int) -> int:
    return emails.send_registration_email(registration_id)


@task(priority=10)
def decide_confirmations(event_id: int) -> int:
    """The event's queued confirmations, decided in arrival order (events.services.registration).
    Before the emails in the queue: people wait on their page for this."""
    return registration.decide_confirmations(event_id=event_id)


@task()
def send_registration_emails(registration_ids: list[int]) -> int:
    """The status emails of the confirmations decided in one batch (events.emails)."""
    return emails.send_registration_emails(registration_ids)


@task()
def send_confirmation_link(registration_id: int) -> int:
    return emails.send_confirmation_link(registration_id)


@task()
def send_event_reminders(event_id: int) -> int:
    """Enqueued once per event and reminder time, with ``run_after`` = that time (by the first
    confirmation, and by a reschedule); splits the reminders still due then into batches, a
    task each, so that every worker takes a share. Finds nothing due when the event was
    moved, postponed or cancelled meanwhile (a moved event has its own task)."""
    return enqueue_reminder_batches(event_id=event_id)


@task()
def send_reminder_batch(registration_ids: list[int]) -> int:
    """Up to ``emails.REMINDER_BATCH_SIZE`` reminders of one event (see emails.send_reminders)."""
    return emails.send_reminders(registration_ids)


@task()
def send_reminder(registration_id: int) -> int:
    """One reminder, for a participant confirmed after the reminder time. Before reminders
    went in batches, every confirmation enqueued this with ``run_after`` = the reminder
    time; such tasks still in a queue send their reminder (once, whoever is first)."""
    return emails.send_reminder(registration_id)


@task()
def send_event_cancelled(event_id: int) -> int:
    return emails.send_event_cancelled(event_id)


@task()
def send_schedule_change(event_id: int) -> int:
    return emails.send_schedule_change(event_id)


def enqueue_reminder_batches(*, event_id: int, now: datetime | None = None) -> int:
    """Split the event's due and unsent reminders into batch tasks (send_reminder_batch), so
    that every worker takes its share; return the number of batches.

    The event's row is locked while the registrations are listed: a confirmation still in
    progress (it holds that lock) is listed once it commits, and one that comes after
    finds the reminder time passed and enqueues its own reminder (events.services.reminders).
    """
    now = now or timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().filter(pk=event_id).first()
        rule = event.due_reminder_rule(now=now) if event is not None else None
        if rule is None:
            return 0  # cancelled, postponed or moved: a task for the new time does the work
        registration_ids = list(Registration.objects.owed_reminder(rule).order_by("pk").values_list("pk", flat=True))
        batches = list(emails.batches(registration_ids))
        for batch in batches:
            transaction.on_commit(lambda batch=batch: send_reminder_batch.enqueue(batch))
    return len(batches)
