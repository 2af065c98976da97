"""The event's own life (organisers): one ``update_event`` for every change, and the rule each carries.

The admin's change form and its actions, the commands and anything else that changes an event
call ``update_event`` (or one of its shorthands: ``cancel_event``, ``postpone_event``,
``reschedule_event``), so that none of them can skip a rule: times, seats, postponing and
cancelling, and who may do each.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events import tasks
from events.errors import EventChangeNotAllowed, EventChangeRefused
from events.models import Event, Registration, ReminderSent
from events.services.registration import promote_from_waitlist
from events.services.reminders import schedule_event_reminders
from portal import outbox
from portal import services as workflow

RegStatus = Registration.Status
State = Event.State


@dataclass(frozen=True)
class EventUpdate:
    """What ``update_event`` did, for the organiser's message."""

    event: Event
    #: New times (or back on schedule after a postponement): reminders follow, participants are told.
    rescheduled: bool = False
    #: Registrations that moved from the waiting list to a seat.
    promoted: list[Registration] = field(default_factory=list)


def update_event(*, event: Event, actor, changes: Mapping[str, object]) -> EventUpdate:
    """Change ``event`` as ``changes`` says (field name → new value), with the rule each change carries.

    - Who: the actor must be allowed to edit the event (portal.services.can_edit); postponing
      and cancelling are for editors (the ``publish_event`` permission).
    - Times (``start``, ``end``): never on a cancelled event; they must include a time zone and
      end after the start. A postponed event given times is back on schedule. When the start
      moves (or a postponed event is back), reminders already sent for the old time go again for
      the new one (a task deferred to the old time then finds nothing due), and participants who
      registered before are told of the new time, if it is still to come.
    - ``state``: ``postponed`` (registrations kept, no reminder goes, the join links wait;
      participants are told), ``cancelled`` (the join links stop, reminders and "new date"
      emails still waiting are withdrawn; participants are told), ``scheduled`` (back on
      schedule, as with new times). A past event, and a cancelled one, keep their state.
      ``state_note`` (the page's note) goes with it; an empty note keeps the current one.
    - ``capacity``, ``online_capacity`` (a hybrid event's room and online seats): seats added (or
      made unlimited) go to the waiting list, first come first served.
    - ``format``: an event stops being hybrid only once none of its quotas reserves in-person or
      online seats (events.services.quotas.check_quota_shares, the same rule as the admin's).
    - Any other field is content, saved as given.

    A value equal to the current one is no change. The event's row is locked for the whole
    change; a refused change (EventChangeRefused, EventChangeNotAllowed) changes nothing.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        changed = _differences(locked, changes)
        check_event_changes(event=locked, actor=actor, changes=changed)
        if not changed:
            return EventUpdate(event=locked)
        was = {
            "start": locked.start, "state": locked.state, "capacity": locked.capacity,
            "online_capacity": locked.online_capacity,
        }  # fmt: skip
        note = changed.pop("state_note", None)
        target = changed.pop("state", None)
        for name, value in changed.items():
            setattr(locked, name, value)
        back_on_schedule = was["state"] == State.POSTPONED and (
            target == State.SCHEDULED or "start" in changed or "end" in changed
        )
        if back_on_schedule:
            locked.state, locked.state_note = State.SCHEDULED, ""
        elif target is not None:
            locked.state = target
        if note is not None:
            locked.state_note = note
        locked.save()

        rescheduled = back_on_schedule or (locked.start != was["start"] and locked.state == State.SCHEDULED)
        if locked.state == State.CANCELLED and was["state"] != State.CANCELLED:
            # Reminders and "new date" emails still waiting (a mail server down) no longer hold.
            outbox.withdraw(topic=f"events.event:{locked.pk}", kinds=("events.reminder", "events.schedule_change"))
            transaction.on_commit(lambda: tasks.send_event_cancelled.enqueue(locked.pk))
        elif locked.state == State.POSTPONED and was["state"] != State.POSTPONED:
            _notify_schedule_change(locked)
        elif rescheduled:
            # A reminder sent for the old time goes again for the new one.
            # The confirmed registrations' rows are locked first: a reminder batch in progress (it
            # locks them before it stamps) then either commits before this, and its stamps are
            # deleted here, or waits, and reads the new times once this commits.
            confirmed = list(
                Registration.objects.select_for_update()
                .filter(event=locked, status=RegStatus.CONFIRMED)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            ReminderSent.objects.filter(registration_id__in=confirmed).delete()
            schedule_event_reminders(event=locked)
            if locked.start > now:
                _notify_schedule_change(locked)
        promoted = []
        more_seats = any(
            name in changed and _adds_seats(was[name], getattr(locked, name))
            for name in ("capacity", "online_capacity")
        )
        if more_seats and locked.registration_enabled:
            promoted = promote_from_waitlist(event=locked)
    event.refresh_from_db()
    return EventUpdate(event=event, rescheduled=rescheduled, promoted=promoted)


def check_event_changes(*, event: Event, actor, changes: Mapping[str, object]) -> None:
    """Raise EventChangeNotAllowed or EventChangeRefused if ``update_event`` would refuse
    ``changes`` to ``event`` as it is now; the admin's form asks before it saves anything."""
    changes = _differences(event, changes)
    target = changes.get("state")
    if target in (State.POSTPONED, State.CANCELLED) and not workflow.is_editor(actor, Event):
        raise EventChangeNotAllowed(_("Only editors can postpone or cancel events."))
    if changes and not workflow.can_edit(actor, event):
        raise EventChangeNotAllowed(_("You are not allowed to change this event."))
    if "start" in changes or "end" in changes:
        start, end = changes.get("start", event.start), changes.get("end", event.end)
        if timezone.is_naive(start) or timezone.is_naive(end):
            raise EventChangeRefused(_("Times must include a time zone."))
        if end <= start:
            raise EventChangeRefused(_("The event must end after it starts."))
    if "format" in changes and changes["format"] != Event.Format.HYBRID and event.quotas.exclude(mode="").exists():
        raise EventChangeRefused(
            _(
                "“%(event)s” has quotas for in-person or online seats: make them apply to all seats "
                "(leave “seats of” empty) before the event stops being hybrid."
            )
            % {"event": event}
        )
    if event.is_cancelled and ("start" in changes or "end" in changes or target == State.SCHEDULED):
        raise EventChangeRefused(_("“%(event)s” is cancelled; it cannot be rescheduled.") % {"event": event})
    if target == State.CANCELLED:
        if event.is_cancelled:
            raise EventChangeRefused(_("“%(event)s” is already cancelled.") % {"event": event})
        if event.is_past:
            raise EventChangeRefused(_("“%(event)s” has already taken place.") % {"event": event})
    if target == State.POSTPONED:
        if event.state != State.SCHEDULED:
            raise EventChangeRefused(
                _("“%(event)s” is %(state)s; it cannot be postponed.")
                % {"event": event, "state": event.get_state_display().lower()}
            )
        if event.is_past:
            raise EventChangeRefused(_("“%(event)s” has already taken place.") % {"event": event})


def cancel_event(*, event: Event, actor, note: str = "") -> Event:
    """The event will not take place: shown everywhere, join links stop, participants are emailed."""
    return update_event(event=event, actor=actor, changes={"state": State.CANCELLED, **_note(note)}).event


def postpone_event(*, event: Event, actor, note: str = "") -> Event:
    """The event will not take place at its date; a new one comes with ``reschedule_event``.

    Registrations are kept, no reminder goes out and the join links wait; participants are told.
    """
    return update_event(event=event, actor=actor, changes={"state": State.POSTPONED, **_note(note)}).event


def reschedule_event(*, event: Event, start: datetime, end: datetime, actor) -> Event:
    """New times for the event (a postponed event is back on schedule); see ``update_event``."""
    return update_event(event=event, actor=actor, changes={"start": start, "end": end, "state": State.SCHEDULED}).event


def _note(note: str) -> dict:
    return {"state_note": note.strip()} if note.strip() else {}


def _differences(event: Event, changes: Mapping[str, object]) -> dict:
    """The changes that change something; asking to postpone or cancel always counts (it may be refused)."""
    return {
        name: value
        for name, value in changes.items()
        if getattr(event, name) != value or (name == "state" and value in (State.POSTPONED, State.CANCELLED))
    }


def _adds_seats(before: int | None, after: int | None) -> bool:
    return after is None or (before is not None and after > before)


def _notify_schedule_change(event: Event) -> None:
    """Participants who registered before now are owed the new date (the caller holds the row lock)."""
    event.schedule_changed_at = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        schedule_changed_at=event.schedule_changed_at
    )  # not save(): no search refresh
    outbox.withdraw(topic=f"events.event:{event.pk}", kinds=("events.reminder", "events.schedule_change"))
    transaction.on_commit(lambda: tasks.send_schedule_change.enqueue(event.pk))
