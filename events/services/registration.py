"""Participants' moves: register, confirm, cancel, promote from the waiting list, join (check-in
at the door: events.services.checkin).

    pending ──confirm──▶ confirmed ──join (online) / check in (at the door)──▶ attended
       │        └─(event full, waiting list on)─▶ waitlisted ──promote──▶ confirmed
       └──────────────────┴───────────────────────────┴──cancel──▶ cancelled ──register──▶ pending

Capacity and quotas are never exceeded: every move that takes or frees a seat first locks
the event's row (``select_for_update``) and counts the seats in the same transaction (with
the counting rule of events.quotas), so concurrent confirmations queue up behind each other
on PostgreSQL.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import can_participate
from events import tasks
from events.errors import (
    AlreadyRegistered,
    CannotParticipate,
    EventFull,
    EventOver,
    InvalidTransition,
    JoinNotOpenYet,
    RegistrationClosed,
)
from events.models import Event, Registration, new_door_code, new_registration_key
from events.quotas import Offer, SeatPlan, Traits, traits_of
from events.services.reminders import _schedule_reminder
from portal import outbox

RegStatus = Registration.Status

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


def _mode(event: Event, mode: str) -> str:
    """The participant's mode for ``event``: required (in person or online) for a hybrid event, none otherwise."""
    if not event.is_hybrid:
        return ""
    if mode not in Registration.Attendance.values:
        raise InvalidTransition(_("Choose how you take part: in person or online."))
    return mode


def _offer(event: Event, mode: str, participant_id: int, *, now: datetime) -> Offer:
    """The seat of ``mode`` this participant would get now (the caller holds the event's lock)."""
    plan = SeatPlan.of(event, mode, now=now)
    # Without quotas (most events) nothing reads the person's traits: their two queries are saved.
    traits = traits_of([participant_id])[participant_id] if plan.uses else Traits()
    return plan.offer(traits)


def waiting_reason(offer: Offer) -> str:
    """Why someone got no seat although seats are left: they are reserved for others."""
    return _(
        "The seats still free are reserved for participants of these categories, which your profile "
        "does not match: %(categories)s."
    ) % {"categories": ", ".join(offer.reserved_for)}


def _no_seat_error(offer: Offer, mode: str, *, default: str) -> EventFull:
    if offer.reserved_only:
        return EventFull(waiting_reason(offer))
    return EventFull(default if not mode else _("No seat of this kind is left."))


def register(*, event: Event, participant, mode: str = "") -> Registration:
    """Register ``participant`` for ``event``: a pending registration and an email to confirm it.

    The participant needs a verified email address and a profile; registration must be
    open; one registration per event and person (a cancelled one may be renewed). For a
    hybrid event the participant chooses ``mode`` (in person or online): each has its own
    seats and waiting list. When the seats of the mode are taken and there is no waiting
    list, nobody more can register for that mode.
    """
    if not can_participate(participant):
        raise CannotParticipate(
            _("Confirm your email address and complete your profile before registering for events.")
        )
    now = timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        reason = event.registration_closed_reason(now=now)
        if reason:
            raise RegistrationClosed(reason)
        existing = Registration.objects.select_for_update().filter(event=event, participant=participant).first()
        if existing is not None and existing.status != RegStatus.CANCELLED:
            raise AlreadyRegistered(
                _("You are already registered for this event (%(status)s).")
                % {"status": existing.get_status_display().lower()}
            )
        mode = _mode(event, mode)
        if not event.has_waiting_list:
            offer = _offer(event, mode, participant.pk, now=now)
            if not offer.has_seat:
                raise _no_seat_error(offer, mode, default=_("This event is full."))
        if existing is not None:
            _move(existing, RegStatus.PENDING, now=now)
            existing.key = new_registration_key()
            existing.door_code = new_door_code()
            existing.created_at = now
            existing.confirmed_at = existing.waitlisted_at = existing.cancelled_at = None
            existing.promoted_from_waiting_list = existing.waitlisted_by_quota = False
            existing.mode = mode
            existing.save()
            existing.reminders_sent.all().delete()  # a new registration: every reminder goes again
            registration = existing
        else:
            try:
                with transaction.atomic():
                    registration = Registration.objects.create(
                        event=event, participant=participant, created_at=now, status_changed_at=now, mode=mode
                    )
            except IntegrityError as error:  # the same person, twice at once
                raise AlreadyRegistered(_("You are already registered for this event.")) from error
        _notify_status(registration)
    return registration


def resend_confirmation(*, registration: Registration) -> None:
    """Send the confirmation link again (the participant lost it, or it expired)."""
    if registration.status != RegStatus.PENDING:
        raise InvalidTransition(_("This registration does not wait for confirmation."))
    transaction.on_commit(lambda: tasks.send_confirmation_link.enqueue(registration.pk))


def confirm(*, registration: Registration) -> Registration:
    """Pending → confirmed while a seat is left for this participant, else → waitlisted (or
    EventFull without a list).

    The event row is locked before the seats are counted, so concurrent confirmations never
    take more seats than the event has, nor more reserved seats than a quota has. A seat comes
    from the counting rule of events.quotas (a reserved seat of a quota the person matches,
    else an unreserved one); someone who gets none because the seats left are reserved for
    others is waitlisted, and ``registration.waiting_reason`` says so.
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
        offer = _offer(event, locked.mode, locked.participant_id, now=now)
        if offer.has_seat:
            _move(locked, RegStatus.CONFIRMED, now=now)
            locked.confirmed_at = now
            locked.quota = offer.quota
        elif event.has_waiting_list:
            _move(locked, RegStatus.WAITLISTED, now=now)
            locked.waitlisted_at = now
            locked.waitlisted_by_quota = offer.reserved_only  # the email and the page say why
        else:
            raise _no_seat_error(offer, "", default=_("Sorry, the event filled up before you confirmed."))
        locked.save()
        _notify_status(locked)
        if locked.status == RegStatus.CONFIRMED:
            _schedule_reminder(locked, event)
    registration.refresh_from_db()
    registration.waiting_reason = waiting_reason(offer) if offer.reserved_only else ""
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
        locked.key = new_registration_key()  # revokes the confirm, cancel and join links and the door pass
        locked.door_code = new_door_code()
        locked.save()
        # Emails about it still waiting in the outbox carry links that no longer work: taken back.
        outbox.withdraw(topic=f"events.event:{locked.event_id}/registration:{locked.pk}")
        _notify_status(locked)
        if freed_seat:
            promote_from_waitlist(event=event)
    registration.refresh_from_db()
    return registration


def promote_from_waitlist(*, event: Event) -> list[Registration]:
    """Give every free seat to the waiting list, in order of arrival; each is emailed.
    A hybrid event's room and online seats have their own waiting lists.

    Quotas (events.quotas): each person in turn gets the seat the counting rule gives them; one
    who gets none (the seats left are reserved for categories they do not match) keeps their
    place, and the next one may still take a reserved seat."""
    now = timezone.now()
    promoted = []
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.is_cancelled or event.is_past:
            return []
        modes = Registration.Attendance.values if event.is_hybrid else [""]
        quotas = list(event.quotas.all())
        for mode in modes:
            plan = SeatPlan.of(event, mode, now=now, quotas=quotas)
            if plan.free == 0:
                continue
            waiting = Registration.objects.filter(event=event).waiting_list().select_for_update()
            if event.is_hybrid:
                waiting = waiting.filter(mode=mode)
            if not plan.uses and plan.free is not None:
                waiting = waiting[: plan.free]  # no quota: the first ones take the seats
            waiting = list(waiting)
            traits = traits_of({registration.participant_id for registration in waiting}) if plan.uses else {}
            for registration in waiting:
                if plan.free == 0:
                    break
                offer = plan.offer(traits[registration.participant_id]) if plan.uses else Offer(has_seat=True)
                if not offer.has_seat:
                    continue
                plan.take(offer)
                _move(registration, RegStatus.CONFIRMED, now=now)
                registration.confirmed_at = now
                registration.promoted_from_waiting_list = True
                registration.waitlisted_by_quota = False
                registration.quota = offer.quota
                registration.save()
                _notify_status(registration)
                _schedule_reminder(registration, event)
                promoted.append(registration)
    return promoted


def switch_mode(*, registration: Registration, mode: str) -> Registration:
    """A hybrid event's participant switches between the room and online, while seats allow.

    Under the event's row lock: a confirmed participant takes a seat of the other mode if the
    counting rule gives them one (events.quotas; else EventFull, nothing changed), and the seat
    left goes to that mode's waiting list; a pending one just changes; a waitlisted one joins
    the other mode's list, at its end.
    """
    now = timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if not event.is_hybrid:
            raise InvalidTransition(_("Only a hybrid event has both ways of taking part."))
        mode = _mode(event, mode)
        if locked.mode == mode:
            return locked
        if locked.status not in (RegStatus.PENDING, RegStatus.CONFIRMED, RegStatus.WAITLISTED) or event.is_past:
            raise InvalidTransition(_("This registration can no longer change how it takes part."))
        if locked.status == RegStatus.CONFIRMED:
            offer = _offer(event, mode, locked.participant_id, now=now)
            if not offer.has_seat:
                if offer.reserved_only:
                    raise EventFull(waiting_reason(offer) + " " + _("Your registration stays as it was."))
                raise EventFull(_("No seat of this kind is left: your registration stays as it was."))
            locked.quota = offer.quota
        freed = locked.mode if locked.status == RegStatus.CONFIRMED else ""
        locked.mode = mode
        if locked.status == RegStatus.WAITLISTED:
            locked.waitlisted_at = now
        locked.save(update_fields=["mode", "waitlisted_at", "quota"])
        if freed:
            promote_from_waitlist(event=event)
    registration.refresh_from_db()
    return registration


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


def _notify_status(registration: Registration) -> None:
    transaction.on_commit(lambda: tasks.send_registration_email.enqueue(registration.pk))
