"""Reminders: the task per event and rule time, and a newly confirmed participant's reminder.

An event has any number of reminder rules (events.models.ReminderRule: hours before the
start, a lead text per language). When several rules' times have come, only the latest goes
(``Event.due_reminder_rule``); the access link goes in the reminders inside the access window
and in the last one in any case (``ReminderRule.carries_join_link``).

The reminders themselves are written, stamped and queued by events.emails (in batches of
``emails.REMINDER_BATCH_SIZE``); the task per event (events.tasks.send_event_reminders) splits
them into batch tasks at the reminder time.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.tasks import default_task_backend
from django.utils import timezone

from events import emails, tasks
from events.models import Event, Registration, ReminderRule


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Queue every reminder that is due and not yet sent (the ``send_event_reminders`` command;
    safe to run any time: each reminder is stamped once, see events.emails.send_reminders)."""
    return emails.send_due_reminders(now=now)


def schedule_event_reminders(*, event: Event, include_due: bool = True) -> None:
    """After commit, enqueue the event's reminder task for each rule's time still to come,
    once per rule and time (noted in ``ReminderRule.enqueued_for``, so that the next
    confirmations do not enqueue another), and, with ``include_due``, at once for the rule
    due now (a reschedule, a new rule). The caller holds the event's row lock.

    A backend that cannot defer (the immediate one in tests) gets only due reminders; the
    workers' sweep covers the rest.
    """
    now = timezone.now()
    prefetch_related_objects([event], "reminder_rules")
    due = event.due_reminder_rule(now=now)
    for rule in event.reminder_rules.all():
        at = rule.at(event)
        if rule.enqueued_for == at:
            continue
        if at <= now:
            if not (include_due and rule == due):
                continue  # superseded by a later rule, or the caller sends it itself
            transaction.on_commit(lambda: tasks.send_event_reminders.enqueue(event.pk))
        elif default_task_backend.supports_defer:
            transaction.on_commit(lambda at=at: tasks.send_event_reminders.using(run_after=at).enqueue(event.pk))
        else:
            continue
        ReminderRule.objects.filter(pk=rule.pk).update(enqueued_for=at)
        rule.enqueued_for = at


def follow_reminder_rules(*, event: Event) -> None:
    """The event's reminder rules were added, changed or removed (the admin's inline): each
    rule's task is enqueued for its time, and a rule due now goes at once. Reminders already
    sent stay sent (a rule's stamp is per rule: a changed time sends nobody the same rule twice)."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        schedule_event_reminders(event=locked)


def add_default_reminder(*, event: Event) -> ReminderRule | None:
    """A new event's reminder, as before rules existed: one, ``DEFAULT_HOURS_BEFORE`` hours
    before the start, when the organiser set none."""
    if event.reminder_rules.exists():
        return None
    return ReminderRule.objects.create(event=event, hours_before=ReminderRule.DEFAULT_HOURS_BEFORE)


def _schedule_reminder(registration: Registration, event: Event) -> None:
    """A newly confirmed participant's reminders: with the event's other reminders when their
    time is still to come (one task per event and rule time), on its own and at once for the
    rule due now. The caller holds the event's row lock."""
    prefetch_related_objects([event], "reminder_rules")  # read once for both steps
    if event.are_reminders_due():
        transaction.on_commit(lambda: tasks.send_reminder.enqueue(registration.pk))
    schedule_event_reminders(event=event, include_due=False)
