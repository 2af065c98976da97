"""Reminders: when they are due, the task per event and reminder time, the batches."""

from datetime import datetime

from django.db import transaction
from django.tasks import default_task_backend
from django.utils import timezone

from events.models import Event, Registration

RegStatus = Registration.Status


#: Reminders per task (events.tasks.send_reminder_batch): enough to share the event's part of
#: the email and the SMTP connection, few enough that several workers share an event's reminders.
REMINDER_BATCH_SIZE = 200


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Queue every reminder that is due and not yet sent, in batches (the workers' sweep and
    the ``send_event_reminders`` command; safe to run any time); the outbox delivers them."""
    from events import emails

    now = now or timezone.now()
    due = Registration.objects.reminder_due(now).order_by("event_id", "pk").values_list("event_id", "pk")
    by_event: dict[int, list[int]] = {}
    for event_id, registration_id in due:
        by_event.setdefault(event_id, []).append(registration_id)
    events = Event.objects.in_bulk(list(by_event))
    sent = 0
    for event_id, registration_ids in by_event.items():
        if not events[event_id].are_reminders_due(now=now):
            continue
        for batch in _batches(registration_ids):
            sent += emails.send_reminders(batch, now=now)
    return sent


def enqueue_reminder_batches(*, event_id: int, now: datetime | None = None) -> int:
    """Split the event's due and unsent reminders into batch tasks (send_reminder_batch), so
    that every worker takes its share; return the number of batches.

    The event's row is locked while the registrations are listed: a confirmation still in
    progress (it holds that lock) is listed once it commits, and one that comes after
    finds the reminder time passed and enqueues its own reminder (``_schedule_reminder``).
    """
    from events.tasks import send_reminder_batch

    now = now or timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().filter(pk=event_id).first()
        if event is None or not event.are_reminders_due(now=now):
            return 0  # cancelled, postponed or moved: a task for the new time does the work
        registration_ids = list(
            Registration.objects.filter(event=event, status=RegStatus.CONFIRMED, reminder_sent_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        batches = list(_batches(registration_ids))
        for batch in batches:
            transaction.on_commit(lambda batch=batch: send_reminder_batch.enqueue(batch))
    return len(batches)


def _batches(ids: list[int]):
    for first in range(0, len(ids), REMINDER_BATCH_SIZE):
        yield ids[first : first + REMINDER_BATCH_SIZE]


def schedule_event_reminders(*, event: Event) -> None:
    """After commit, enqueue the event's reminder task for its reminder time (at once when
    that has passed), and note it on the event so that the next confirmations do not
    enqueue another. The caller holds the event's row lock.

    A backend that cannot defer (the immediate one in tests) gets only due reminders; the
    ``send_event_reminders`` sweep covers the rest.
    """
    from events.tasks import send_event_reminders

    reminder_at = event.reminder_at
    if reminder_at <= timezone.now():
        transaction.on_commit(lambda: send_event_reminders.enqueue(event.pk))
    elif default_task_backend.supports_defer:
        transaction.on_commit(lambda: send_event_reminders.using(run_after=reminder_at).enqueue(event.pk))
    else:
        return
    Event.objects.filter(pk=event.pk).update(reminders_enqueued_for=reminder_at)  # not save(): no search refresh
    event.reminders_enqueued_for = reminder_at


def _schedule_reminder(registration: Registration, event: Event) -> None:
    """A newly confirmed participant's reminder: with the event's other reminders when their
    time is still to come (one task per event and reminder time), on its own and at once
    when it has passed. The caller holds the event's row lock."""
    from events.tasks import send_reminder

    if event.reminder_at <= timezone.now():
        transaction.on_commit(lambda: send_reminder.enqueue(registration.pk))
    elif event.reminders_enqueued_for != event.reminder_at:
        schedule_event_reminders(event=event)
