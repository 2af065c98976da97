"""Registration and the event's own life: one service function per move.

Registrations (events.models.Registration.Status):

    pending ──confirm──▶ confirmed ──join (online) / check in (at the door)──▶ attended
       │        └─(event full, waiting list on)─▶ waitlisted ──promote──▶ confirmed
       └──────────────────┴───────────────────────────┴──cancel──▶ cancelled ──register──▶ pending

Capacity is never exceeded: every move that takes or frees a seat first locks the
event's row (``select_for_update``) and counts the seats in the same transaction, so
concurrent confirmations queue up behind each other on PostgreSQL.

Personal links (confirm, cancel, join) are signed tokens (django.core.signing) that
carry the registration and its current ``key``; a new key (set on cancellation and on
registering again) revokes every earlier link.

Emails are sent by tasks (events.tasks) enqueued after commit; each email is sent once
(a stamp on the registration is checked under a row lock, events.emails).

Views, the admin, tasks and commands call these functions; none sets a status itself.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.tasks import default_task_backend
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from events.models import Event, Registration, new_registration_key
from portal import outbox

RegStatus = Registration.Status


# --- Domain errors ------------------------------------------------------------------------


class RegistrationError(Exception):
    """A refused move; ``str(error)`` is the message to show the person."""


class RegistrationClosed(RegistrationError):
    pass


class AlreadyRegistered(RegistrationError):
    pass


class EventFull(RegistrationError):
    pass


class CannotParticipate(RegistrationError):
    """The person has no verified email address or no participant profile."""


class InvalidTransition(RegistrationError):
    pass


class InvalidToken(RegistrationError):
    """A personal link that is tampered with, revoked, or for another event."""


class TokenExpired(InvalidToken):
    pass


class NotYourLink(InvalidToken):
    """A signed-in person opened a link that belongs to someone else."""


class JoinNotOpenYet(RegistrationError):
    def __init__(self, message, *, opens_at: datetime):
        super().__init__(message)
        self.opens_at = opens_at


class EventOver(RegistrationError):
    pass


class EventChangeRefused(RegistrationError):
    """An organiser's change to the event (cancel, postpone, reschedule) that cannot be made."""


# --- The state machine --------------------------------------------------------------------

#: target status → the statuses it may be reached from.
MOVES = {
    RegStatus.PENDING: frozenset({RegStatus.CANCELLED}),
    RegStatus.CONFIRMED: frozenset({RegStatus.PENDING, RegStatus.WAITLISTED}),
    RegStatus.WAITLISTED: frozenset({RegStatus.PENDING}),
    RegStatus.CANCELLED: frozenset({RegStatus.PENDING, RegStatus.CONFIRMED, RegStatus.WAITLISTED}),
    RegStatus.ATTENDED: frozenset({RegStatus.CONFIRMED}),
}


def _move(registration: Registration, target: str, *, now: datetime) -> None:
    """Set the new status (after the caller's checks); refuse a move the map does not allow."""
    if registration.status not in MOVES[target]:
        raise InvalidTransition(
            _("This registration is %(status)s; it cannot become %(target)s.")
            % {"status": registration.get_status_display().lower(), "target": RegStatus(target).label.lower()}
        )
    registration.status = target
    registration.status_changed_at = now


# --- Reads --------------------------------------------------------------------------------


def registration_closed_reason(event: Event, *, now: datetime | None = None) -> str | None:
    """Why nobody can register for ``event`` now, or None when registration is open."""
    now = now or timezone.now()
    if not event.is_live:
        return _("This event is not published.")
    if not event.registration_enabled:
        return _("This event takes no registrations on the portal.")
    if event.is_cancelled:
        return _("This event has been cancelled.")
    if event.is_postponed:
        return _("This event has been postponed; registration reopens when a new date is set.")
    if event.start <= now:
        return _("This event has already started or taken place.")
    if event.registration_opens_at and now < event.registration_opens_at:
        return _("Registration opens on %(when)s.") % {"when": _format(event.registration_opens_at, event)}
    if now >= event.registration_closes:
        return _("Registration has closed.")
    return None


def seats_taken(event: Event) -> int:
    return Registration.objects.filter(event=event).seated().count()


def are_reminders_due(event: Event, *, now: datetime | None = None) -> bool:
    """The event's reminders go now: it is live and as scheduled, its reminder time has come, it has not ended."""
    now = now or timezone.now()
    return event.is_live and event.state == Event.State.SCHEDULED and event.reminder_at <= now < event.end


def _format(moment: datetime, event: Event) -> str:
    return timezone.localtime(moment, event.zone).strftime("%Y-%m-%d %H:%M %Z")


# --- Personal links -----------------------------------------------------------------------

CONFIRM, CANCEL, JOIN = "confirm", "cancel", "join"


@dataclass(frozen=True)
class LinkPurpose:
    salt: str
    max_age_setting: str


PURPOSES = {
    CONFIRM: LinkPurpose("events.registration.confirm", "EVENTS_CONFIRM_LINK_MAX_AGE"),
    CANCEL: LinkPurpose("events.registration.cancel", "EVENTS_PERSONAL_LINK_MAX_AGE"),
    JOIN: LinkPurpose("events.registration.join", "EVENTS_PERSONAL_LINK_MAX_AGE"),
}


def make_token(registration: Registration, purpose: str) -> str:
    """A signed, personal token for one purpose; the salt keeps a cancel link from confirming."""
    return signing.dumps({"r": registration.pk, "k": registration.key}, salt=PURPOSES[purpose].salt, compress=False)


def read_token(token: str, purpose: str, *, event: Event, user=None) -> Registration:
    """The registration a link belongs to; raise InvalidToken (or a subclass) otherwise.

    Checks the signature and age, that the key is still the registration's (not revoked),
    that the link is for this event and, when someone is signed in, that it is theirs.
    """
    link = PURPOSES[purpose]
    try:
        data = signing.loads(token, salt=link.salt, max_age=getattr(settings, link.max_age_setting))
    except signing.SignatureExpired as error:
        raise TokenExpired(_("This link has expired.")) from error
    except signing.BadSignature as error:
        raise InvalidToken(_("This link is not valid. Check that you copied it whole.")) from error
    if not isinstance(data, dict) or not isinstance(data.get("r"), int) or not isinstance(data.get("k"), str):
        raise InvalidToken(_("This link is not valid. Check that you copied it whole."))
    registration = Registration.objects.select_related("event", "participant").filter(pk=data["r"], event=event).first()
    if registration is None:
        raise InvalidToken(_("This link is not for this event."))
    if not constant_time_compare(registration.key, data["k"]):
        raise InvalidToken(_("This link is no longer valid: the registration it belongs to was cancelled."))
    if user is not None and user.is_authenticated and user.pk != registration.participant_id:
        raise NotYourLink(_("This link belongs to another participant. Sign out, or use the link from your own email."))
    return registration


# --- Participant moves --------------------------------------------------------------------


def register(*, event: Event, participant) -> Registration:
    """Register ``participant`` for ``event``: a pending registration and an email to confirm it.

    The participant needs a verified email address and a profile; registration must be
    open; one registration per event and person (a cancelled one may be renewed). When the
    event is full and has no waiting list, nobody more can register.
    """
    from accounts.services import can_participate

    if not can_participate(participant):
        raise CannotParticipate(
            _("Confirm your email address and complete your profile before registering for events.")
        )
    now = timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        reason = registration_closed_reason(event, now=now)
        if reason:
            raise RegistrationClosed(reason)
        existing = Registration.objects.select_for_update().filter(event=event, participant=participant).first()
        if existing is not None and existing.status != RegStatus.CANCELLED:
            raise AlreadyRegistered(
                _("You are already registered for this event (%(status)s).")
                % {"status": existing.get_status_display().lower()}
            )
        if event.capacity is not None and not event.has_waiting_list and seats_taken(event) >= event.capacity:
            raise EventFull(_("This event is full."))
        if existing is not None:
            _move(existing, RegStatus.PENDING, now=now)
            existing.key = new_registration_key()
            existing.created_at = now
            existing.confirmed_at = existing.waitlisted_at = existing.cancelled_at = None
            existing.promoted_from_waiting_list = False
            existing.reminder_sent_at = None
            existing.save()
            registration = existing
        else:
            try:
                with transaction.atomic():
                    registration = Registration.objects.create(
                        event=event, participant=participant, created_at=now, status_changed_at=now
                    )
            except IntegrityError as error:  # the same person, twice at once
                raise AlreadyRegistered(_("You are already registered for this event.")) from error
        _notify_status(registration)
    return registration


def resend_confirmation(*, registration: Registration) -> None:
    """Send the confirmation link again (the participant lost it, or it expired)."""
    if registration.status != RegStatus.PENDING:
        raise InvalidTransition(_("This registration does not wait for confirmation."))
    from events.tasks import send_confirmation_link

    transaction.on_commit(lambda: send_confirmation_link.enqueue(registration.pk))


def confirm(*, registration: Registration) -> Registration:
    """Pending → confirmed while seats are left, else → waitlisted (or EventFull without a list).

    The event row is locked before the seats are counted, so concurrent confirmations
    never take more seats than the event has.
    """
    now = timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status != RegStatus.PENDING:
            raise InvalidTransition(
                _("This link has already been used: your registration is %(status)s.")
                % {"status": locked.get_status_display().lower()}
            )
        if not event.is_live or event.is_cancelled:
            raise RegistrationClosed(_("This event is no longer open for registration."))
        if event.start <= now:
            raise RegistrationClosed(_("This event has already started or taken place."))
        if event.capacity is None or seats_taken(event) < event.capacity:
            _move(locked, RegStatus.CONFIRMED, now=now)
            locked.confirmed_at = now
        elif event.has_waiting_list:
            _move(locked, RegStatus.WAITLISTED, now=now)
            locked.waitlisted_at = now
        else:
            raise EventFull(_("Sorry, the event filled up before you confirmed."))
        locked.save()
        _notify_status(locked)
        if locked.status == RegStatus.CONFIRMED:
            _schedule_reminder(locked, event)
    registration.refresh_from_db()
    return registration


def cancel(*, registration: Registration) -> Registration:
    """Pending, confirmed or waitlisted → cancelled. Its links stop working; a freed seat
    goes to the first person on the waiting list."""
    now = timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status == RegStatus.CANCELLED:
            raise InvalidTransition(_("This registration has already been cancelled."))
        if event.is_past:
            raise InvalidTransition(_("This event has ended; the registration can no longer be cancelled."))
        freed_seat = locked.holds_seat
        _move(locked, RegStatus.CANCELLED, now=now)
        locked.cancelled_at = now
        locked.key = new_registration_key()  # revokes the confirm, cancel and join links
        locked.save()
        # Emails about it still waiting in the outbox carry links that no longer work: taken back.
        outbox.withdraw(topic=f"events.event:{locked.event_id}/registration:{locked.pk}")
        _notify_status(locked)
        if freed_seat:
            promote_from_waitlist(event=event)
    registration.refresh_from_db()
    return registration


def promote_from_waitlist(*, event: Event) -> list[Registration]:
    """Give every free seat to the waiting list, first come first served; each is emailed."""
    now = timezone.now()
    promoted = []
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.is_cancelled or event.is_past:
            return []
        waiting = Registration.objects.filter(event=event).waiting_list().select_for_update()
        if event.capacity is not None:
            free = event.capacity - seats_taken(event)
            if free <= 0:
                return []
            waiting = waiting[:free]
        for registration in waiting:
            _move(registration, RegStatus.CONFIRMED, now=now)
            registration.confirmed_at = now
            registration.promoted_from_waiting_list = True
            registration.save()
            _notify_status(registration)
            _schedule_reminder(registration, event)
            promoted.append(registration)
    return promoted


def check_join(*, registration: Registration, now: datetime | None = None) -> str:
    """The online access address, if ``registration`` may join now; else the reason, raised.

    A confirmed (or already attended) participant may join inside the access window, from
    ``join_opens_minutes_before`` the start until the end. Reading this records nothing.
    """
    now = now or timezone.now()
    event = registration.event
    if event.is_cancelled:
        raise RegistrationClosed(_("This event has been cancelled."))
    if not event.is_live:
        raise RegistrationClosed(_("This event is not published."))
    if registration.status not in Registration.SEATED:
        raise InvalidTransition(
            _("Only confirmed participants can join; your registration is %(status)s.")
            % {"status": registration.get_status_display().lower()}
        )
    if not (event.is_online and event.online_url):
        raise InvalidTransition(_("This event has no online access."))
    if now >= event.end:
        raise EventOver(_("This event has ended."))
    if event.is_postponed:
        raise RegistrationClosed(_("This event has been postponed."))
    if now < event.join_opens_at:
        raise JoinNotOpenYet(_("The access opens shortly before the start."), opens_at=event.join_opens_at)
    return event.online_url


def join(*, registration: Registration, now: datetime | None = None) -> str:
    """The participant's own "Join now" (a POST, never the opening of a link: mail scanners
    open links in emails): the access address, and the first time it records attendance
    (confirmed → attended, online)."""
    now = now or timezone.now()
    url = check_join(registration=registration, now=now)
    if registration.status == RegStatus.CONFIRMED:
        with transaction.atomic():
            locked = Registration.objects.select_for_update().get(pk=registration.pk)
            if locked.status == RegStatus.CONFIRMED:
                _move(locked, RegStatus.ATTENDED, now=now)
                locked.attended_at = now
                locked.attendance = Registration.Attendance.ONLINE
                locked.status_notified_at = now  # no email for attending
                locked.save()
    return url


def check_in(*, registration: Registration, actor) -> Registration:
    """An organiser records in-person attendance at the door: confirmed → attended."""
    if not actor.has_perm("events.change_registration"):
        raise InvalidTransition(_("You are not allowed to check participants in."))
    now = timezone.now()
    with transaction.atomic():
        locked = Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
        if locked.event.is_cancelled:
            raise InvalidTransition(_("This event has been cancelled."))
        _move(locked, RegStatus.ATTENDED, now=now)
        locked.attended_at = now
        locked.attendance = Registration.Attendance.IN_PERSON
        locked.status_notified_at = now
        locked.save()
    registration.refresh_from_db()
    return registration


# --- The event's own life (organisers) ----------------------------------------------------


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
        from events.tasks import send_event_cancelled

        transaction.on_commit(lambda: send_event_cancelled.enqueue(locked.pk))
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


# --- Reminders ----------------------------------------------------------------------------


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
        if not are_reminders_due(events[event_id], now=now):
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
        if event is None or not are_reminders_due(event, now=now):
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


def _notify_status(registration: Registration) -> None:
    from events.tasks import send_registration_email

    transaction.on_commit(lambda: send_registration_email.enqueue(registration.pk))


def _notify_schedule_change(event: Event) -> None:
    """Participants who registered before now are owed the new date (the caller holds the row lock)."""
    from events.tasks import send_schedule_change

    event.schedule_changed_at = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        schedule_changed_at=event.schedule_changed_at
    )  # not save(): no search refresh
    outbox.withdraw(topic=f"events.event:{event.pk}", kinds=("events.reminder", "events.schedule_change"))
    transaction.on_commit(lambda: send_schedule_change.enqueue(event.pk))


# --- Personal data (accounts' "My account", export and erasure) ---------------------------


def my_registrations(user) -> list[Registration]:
    return list(
        Registration.objects.of(user)
        .select_related("event")
        .defer("event__description", "event__search_document")
        .order_by("-event__start", "-pk")
    )


def my_registrations_section(user) -> dict:
    """What "My account" shows: each registration, with a cancel link while it can be cancelled."""
    from django.urls import reverse

    rows = []
    for registration in my_registrations(user):
        can_cancel = registration.status in MOVES[RegStatus.CANCELLED] and not registration.event.is_past
        rows.append(
            {
                "registration": registration,
                "event": registration.event,
                "cancel_url": reverse(
                    "events:registration_cancel",
                    kwargs={"slug": registration.event.slug, "token": make_token(registration, CANCEL)},
                )
                if can_cancel
                else "",
            }
        )
    return {"registrations": rows}


def export_registrations(user) -> list[dict]:
    return [
        {
            "event": registration.event.title,
            "event_url": settings.SITE_URL + registration.event.get_absolute_url(),
            "event_start": registration.event.start.isoformat(),
            "status": registration.status,
            "registered_at": registration.created_at.isoformat(),
            "confirmed_at": registration.confirmed_at.isoformat() if registration.confirmed_at else None,
            "cancelled_at": registration.cancelled_at.isoformat() if registration.cancelled_at else None,
            "attended_at": registration.attended_at.isoformat() if registration.attended_at else None,
            "attendance": registration.attendance or None,
        }
        for registration in my_registrations(user)
    ]


def erase_registrations(user) -> None:
    """On account deletion: cancel what is still to come (seats go to the waiting list) and
    revoke every link. Rows stay, tied to the anonymised account, so counts stay right."""
    for registration in Registration.objects.of(user).select_related("event"):
        if registration.status in (RegStatus.PENDING, RegStatus.CONFIRMED, RegStatus.WAITLISTED) and not (
            registration.event.is_past
        ):
            cancel(registration=registration)
    Registration.objects.of(user).update(key="erased")
