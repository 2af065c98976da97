"""Background work for events, run by `manage.py db_worker` (Django's tasks framework).

Every task is safe to run twice: the sending functions in events.emails check and set a
stamp under a row lock (for reminders, a conditional UPDATE of the stamp that also locks
the row).

Reminders: ``send_event_reminders`` (one per event and reminder time) runs at the
reminder time and enqueues ``send_reminder_batch`` tasks; ``send_reminder`` sends one.
"""

from django.tasks import task

from events import emails, services


@task()
def send_registration_email(registration_id: int) -> int:
    return emails.send_registration_email(registration_id)


@task()
def send_confirmation_link(registration_id: int) -> int:
    return emails.send_confirmation_link(registration_id)


@task()
def send_event_reminders(event_id: int) -> int:
    """Enqueued once per event and reminder time, with ``run_after`` = that time (by the first
    confirmation, and by a reschedule); splits the reminders still due then into batches, a
    task each, so that every worker takes a share. Finds nothing due when the event was
    moved, postponed or cancelled meanwhile (a moved event has its own task)."""
    return services.enqueue_reminder_batches(event_id=event_id)


@task()
def send_reminder_batch(registration_ids: list[int]) -> int:
    """Up to ``services.REMINDER_BATCH_SIZE`` reminders of one event (see emails.send_reminders)."""
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
