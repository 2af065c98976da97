"""The event's own life (organisers): cancel, postpone, reschedule, a new reminder lead time."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events import tasks
from events.errors import EventChangeRefused
from events.models import Event, Registration
from events.services.reminders import schedule_event_reminders
from portal import outbox

RegStatus = Registration.Status


def cancel_event(*, event: Event, actor, note: str = "") -> Event:
    """The event will not take place: shown everywhere, join links stop, participants are emailed."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.is_cancelled:
            raise EventChangeRefused(_("“%(event)s” is already cancelled.") % {"event": locked})
        if locked.is_past:
            raise EventChangeRefused(_("“%(event)s” has already taken place.") % {"event": locked})
        locked.state = Event.State.CANCELLED
        locked.state_note = note.strip() or locked.state_note
        locked.save(update_fields=["state", "state_note", "updated_at"])
        # Reminders and "new date" emails still waiting (a mail server down) no longer hold.
        outbox.withdraw(topic=f"events.event:{locked.pk}", kinds=("events.reminder", "events.schedule_change"))
        transaction.on_commit(lambda: tasks.send_event_cancelled.enqueue(locked.pk))
    event.refresh_from_db()
    return event


def postpone_event(*, event: Event, actor, note: str = "") -> Event:
    """The event will not take place at its date; a new one comes with ``reschedule_event``.

    Registrations are kept, no reminder goes out and the join links wait; participants are told.
    """
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.state != Event.State.SCHEDULED:
            raise EventChangeRefused(
                _("“%(event)s” is %(state)s; it cannot be postponed.")
                % {"event": locked, "state": locked.get_state_display().lower()}
            )
        if locked.is_past:
            raise EventChangeRefused(_("“%(event)s” has already taken place.") % {"event": locked})
        locked.state = Event.State.POSTPONED
        locked.state_note = note.strip() or locked.state_note
        locked.save(update_fields=["state", "state_note", "updated_at"])
        _notify_schedule_change(locked)
    event.refresh_from_db()
    return event


def reschedule_event(*, event: Event, start: datetime, end: datetime, actor) -> Event:
    """New times for the event (a postponed event is back on schedule).

    Reminders follow the new time: those already sent for the old time go again at the
    new one, and deferred reminder tasks for the old time find nothing due. Participants
    are told of the new time.
    """
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise EventChangeRefused(_("Times must include a time zone."))
    if end <= start:
        raise EventChangeRefused(_("The event must end after it starts."))
    now = timezone.now()
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.is_cancelled:
            raise EventChangeRefused(_("“%(event)s” is cancelled; it cannot be rescheduled.") % {"event": locked})
        moved = locked.start != start
        was_postponed = locked.is_postponed
        locked.start, locked.end = start, end
        locked.state = Event.State.SCHEDULED
        if was_postponed:
            locked.state_note = ""
        locked.save(update_fields=["start", "end", "state", "state_note", "updated_at"])
        if moved or was_postponed:
            # A reminder sent for the old time goes again for the new one.
            if Registration.objects.filter(event=locked, status=RegStatus.CONFIRMED).update(reminder_sent_at=None):
                schedule_event_reminders(event=locked)
            if locked.start > now:
                _notify_schedule_change(locked)
    event.refresh_from_db()
    return event


def follow_reminder_lead_time(*, event: Event) -> None:
    """After the event's "hours before" changed: its reminder task moves to the new reminder
    time (the task for the old time then finds nothing due, or nothing left to send).
    Reminders already sent stay sent: nobody is reminded twice for the same event time."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.reminders_enqueued_for is not None and locked.reminders_enqueued_for != locked.reminder_at:
            schedule_event_reminders(event=locked)


def _notify_schedule_change(event: Event) -> None:
    """Participants who registered before now are owed the new date (the caller holds the row lock)."""
    event.schedule_changed_at = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        schedule_changed_at=event.schedule_changed_at
    )  # not save(): no search refresh
    outbox.withdraw(topic=f"events.event:{event.pk}", kinds=("events.reminder", "events.schedule_change"))
    transaction.on_commit(lambda: tasks.send_schedule_change.enqueue(event.pk))
