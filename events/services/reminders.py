"""Reminders: the task per event and reminder time, and a newly confirmed participant's reminder.

The reminders themselves are written, stamped and queued by events.emails (in batches of
``emails.REMINDER_BATCH_SIZE``); the task per event (events.tasks.send_event_reminders) splits
them into batch tasks at the reminder time.
"""

from datetime import datetime

from django.db import transaction
from django.tasks import default_task_backend
from django.utils import timezone

from events import emails, tasks
from events.models import Event, Registration


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Queue every reminder that is due and not yet sent (the ``send_event_reminders`` command;
    safe to run any time: each reminder is stamped once, see events.emails.send_reminders)."""
    return emails.send_due_reminders(now=now)


def schedule_event_reminders(*, event: Event) -> None:
    """After commit, enqueue the event's reminder task for its reminder time (at once when
    that has passed), and note it on the event so that the next confirmations do not
    enqueue another. The caller holds the event's row lock.

    A backend that cannot defer (the immediate one in tests) gets only due reminders; the
    ``send_event_reminders`` sweep covers the rest.
    """
    reminder_at = event.reminder_at
    if reminder_at <= timezone.now():
        transaction.on_commit(lambda: tasks.send_event_reminders.enqueue(event.pk))
    elif default_task_backend.supports_defer:
        transaction.on_commit(lambda: tasks.send_event_reminders.using(run_after=reminder_at).enqueue(event.pk))
    else:
        return
    Event.objects.filter(pk=event.pk).update(reminders_enqueued_for=reminder_at)  # not save(): no search refresh
    event.reminders_enqueued_for = reminder_at


def _schedule_reminder(registration: Registration, event: Event) -> None:
    """A newly confirmed participant's reminder: with the event's other reminders when their
    time is still to come (one task per event and reminder time), on its own and at once
    when it has passed. The caller holds the event's row lock."""
    if event.reminder_at <= timezone.now():
        transaction.on_commit(lambda: tasks.send_reminder.enqueue(registration.pk))
    elif event.reminders_enqueued_for != event.reminder_at:
        schedule_event_reminders(event=event)
