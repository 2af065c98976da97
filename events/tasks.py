"""Background work for events, run by `manage.py db_worker` (Django's tasks framework).

Every task is safe to run twice: the sending functions in events.emails check and set a
stamp under a row lock.
"""

from django.tasks import task

from events import emails


@task()
def send_registration_email(registration_id: int) -> int:
    return emails.send_registration_email(registration_id)


@task()
def send_confirmation_link(registration_id: int) -> int:
    return emails.send_confirmation_link(registration_id)


@task()
def send_reminder(registration_id: int) -> int:
    """Enqueued with ``run_after`` = the event's reminder time; sends only if still due then
    (so a rescheduled event's old reminder task does nothing)."""
    return emails.send_reminder(registration_id)


@task()
def send_event_cancelled(event_id: int) -> int:
    return emails.send_event_cancelled(event_id)


@task()
def send_schedule_change(event_id: int) -> int:
    return emails.send_schedule_change(event_id)
