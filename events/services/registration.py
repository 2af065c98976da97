"""Participants' moves: register, confirm, cancel, promote from the waiting list, join (check-in
at the door: events.services.checkin).

    pending ──confirm──▶ confirmed ──join (online) / check in (at the door)──▶ attended
       │        └─(event full, waiting list on)─▶ waitlisted ──promote──▶ confirmed
       └──────────────────┴───────────────────────────┴──cancel──▶ cancelled ──register──▶ pending

For an event with a waiting list the confirmation link's POST does not decide: it queues the
confirmation (``request_confirmation``: one UPDATE, no lock) and a task worker decides the
queue in arrival order, a batch under one lock of the event (``decide_confirmations``), while
the person's page shows the outcome as soon as it is known (pretix's way: a rush of thousands
answers everyone, issue 22). Without a waiting list the POST decides at once (``confirm``), so
that the person who finds the event full is told so on the spot.

Capacity and quotas are never exceeded: every move that takes or frees a seat first locks
the event's row (``select_for_update``) and counts the seats in the same transaction (with
the counting rule of events.quotas), so concurrent confirmations queue up behind each other
on PostgreSQL.
"""

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, prefetch_related_objects
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
from events.services.reminders import _schedule_reminder, schedule_event_reminders
from portal import outbox, workers

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


def quota_waiting_reason(registration: Registration) -> str:
    """Why a registration waitlisted by the quotas waits, as the counting rule sees it now (its
    page, after a queued confirmation: the worker that decided it kept no text)."""
    if registration.status != RegStatus.WAITLISTED or not registration.waitlisted_by_quota:
        return ""
    offer = _offer(registration.event, registration.mode, registration.participant_id, now=timezone.now())
    return waiting_reason(offer) if offer.reserved_only else ""


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
            existing.confirm_requested_at = None
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


def link_used(registration: Registration) -> InvalidTransition:
    """The refusal of a confirmation link opened again once its registration has moved on (one
    wording for the page, the JSON answer and both services)."""
    return InvalidTransition(
        _("This link has already been used: your registration is %(status)s.")
        % {"status": registration.get_status_display().lower()}
    )


def closed_reason(event: Event, now: datetime) -> str:
    """Why nobody can confirm for ``event`` now (empty when they can)."""
    if not event.is_live or event.is_cancelled:
        return _("This event is no longer open for registration.")
    if event.start <= now:
        return _("This event has already started or taken place.")
    return ""


def request_confirmation(*, registration: Registration) -> Registration:
    """The participant confirms (the link's POST). With a waiting list, the confirmation is
    queued in arrival order and decided by a worker (``decide_confirmations``); the returned
    registration is still pending, ``confirm_requested_at`` set, unless the worker was quicker
    (or the tasks run at once, as in tests). Without a waiting list it is decided at once
    (``confirm``). Confirming twice is harmless: the first arrival counts."""
    event = registration.event
    now = timezone.now()
    reason = closed_reason(event, now)
    if reason:
        raise RegistrationClosed(reason)
    if not event.has_waiting_list:
        return confirm(registration=registration)
    with transaction.atomic():
        queued = Registration.objects.filter(
            pk=registration.pk, status=RegStatus.PENDING, confirm_requested_at__isnull=True
        ).update(confirm_requested_at=now)
        if queued:
            registration.confirm_requested_at = now
            transaction.on_commit(lambda: _wake_decider(registration))
    if not queued:
        registration.refresh_from_db()
        if registration.status == RegStatus.PENDING and registration.confirm_requested_at is None:
            raise InvalidTransition(_("Your confirmation could not be queued; please try again."))
        if registration.status != RegStatus.PENDING:
            raise link_used(registration)
    else:
        registration.refresh_from_db(fields=["status", "confirm_requested_at", "waitlisted_at", "quota"])
    return registration


def _wake_decider(registration: Registration) -> None:
    """After the confirmation is committed: enqueue the event's decision task unless a confirmation
    queued ahead of this one is still undecided. Whoever decides that one reads the queue again after
    committing it, and this one is committed already, so it is read then (a decision task runs until
    the queue is empty). The first of a rush enqueues; the other thousands add nothing to the task
    queue. The workers' sweep (``decide_owed_confirmations``) catches a queue a lost task left."""
    ahead = Registration.objects.filter(
        event_id=registration.event_id, status=RegStatus.PENDING, confirm_requested_at__isnull=False
    ).filter(
        Q(confirm_requested_at__lt=registration.confirm_requested_at)
        | Q(confirm_requested_at=registration.confirm_requested_at, pk__lt=registration.pk)
    )
    if not ahead.exists():
        tasks.decide_confirmations.enqueue(registration.event_id)


#: Confirmations decided per transaction (one lock of the event each).
DECISION_BATCH = 500


def decide_confirmations(*, event_id: int, batch_size: int = DECISION_BATCH) -> int:
    """Decide the event's queued confirmations in arrival order, a batch per transaction under
    the event's lock, until none is left: each gets the seat the counting rule gives them
    (events.quotas) while seats are left, else the waiting list in the order they arrived;
    each is emailed once. Returns how many were decided (not those dropped). Safe to run twice or at once (the
    lock orders them; a decided one is no longer queued).

    A confirmation is decided once ``EVENTS_CONFIRMATION_SETTLE_SECONDS`` old: one timed just
    before another may commit just after it (and be missed by a batch read in between), so the
    newest wait that long to keep the order of arrival exact.

    If the event closed meanwhile (cancelled, started, unpublished), the confirmations are
    dropped from the queue and stay pending: the person's page says the event is closed."""
    decided = 0
    settle = timedelta(seconds=settings.EVENTS_CONFIRMATION_SETTLE_SECONDS)
    while True:
        now = timezone.now()
        newest = None
        with transaction.atomic():
            event = Event.objects.select_for_update().filter(pk=event_id).first()
            if event is None:
                return decided
            in_queue = Registration.objects.filter(
                event_id=event_id, status=RegStatus.PENDING, confirm_requested_at__isnull=False
            )
            queued = list(
                in_queue.filter(confirm_requested_at__lte=now - settle)
                .order_by("confirm_requested_at", "pk")
                .select_for_update()[:batch_size]
            )
            if not queued:
                newest = (
                    in_queue.order_by("confirm_requested_at").values_list("confirm_requested_at", flat=True).first()
                )
                if newest is None:
                    return decided
            elif closed_reason(event, now) or not event.has_waiting_list:
                # Closed, or its waiting list turned off: back to pending, decided one by one (``confirm``).
                Registration.objects.filter(pk__in=[r.pk for r in queued]).update(confirm_requested_at=None)
            else:
                _decide_batch(event, queued, now=now)
                decided += len(queued)
        if newest is not None:  # only confirmations younger than the settling time: wait for them
            time.sleep(max((newest + settle - timezone.now()).total_seconds(), 0.0) + 0.005)


def _decide_batch(event: Event, queued: list[Registration], *, now: datetime) -> None:
    """The caller holds the event's lock and the registrations' locks."""
    quotas = list(event.quotas.all())
    modes = Registration.Attendance.values if event.is_hybrid else [""]
    plans = {mode: SeatPlan.of(event, mode, now=now, quotas=quotas) for mode in modes}
    uses_quotas = any(plan.uses for plan in plans.values())
    traits = traits_of({r.participant_id for r in queued}) if uses_quotas else {}
    confirmed, notify = [], []
    for registration in queued:
        plan = plans[registration.mode if event.is_hybrid else ""]
        offer = plan.offer(traits.get(registration.participant_id, Traits()))
        if offer.has_seat:
            plan.take(offer)
            _move(registration, RegStatus.CONFIRMED, now=now)
            registration.confirmed_at = now
            registration.quota = offer.quota
            confirmed.append(registration)
        else:
            _move(registration, RegStatus.WAITLISTED, now=now)
            # The waiting list's order is the order of arrival, not of the decision.
            registration.waitlisted_at = registration.confirm_requested_at
            registration.waitlisted_by_quota = offer.reserved_only
        registration.save(
            update_fields=[
                "status",
                "status_changed_at",
                "confirmed_at",
                "quota",
                "waitlisted_at",
                "waitlisted_by_quota",
            ]
        )
        notify.append(registration.pk)
    transaction.on_commit(
        lambda: _enqueue_in_one_commit(tasks.send_registration_emails, notify, per_task=STATUS_EMAIL_BATCH)
    )
    if confirmed:
        prefetch_related_objects([event], "reminder_rules")
        if event.are_reminders_due():
            ids = [registration.pk for registration in confirmed]
            transaction.on_commit(lambda: _enqueue_in_one_commit(tasks.send_reminder, ids))
        schedule_event_reminders(event=event, include_due=False)


#: Status emails per task after a decided batch: enough to share a task and an SMTP session,
#: few enough that the first ones go at once and several workers share a rush's emails.
STATUS_EMAIL_BATCH = 50


def _enqueue_in_one_commit(task, ids: list[int], *, per_task: int = 0) -> None:
    """The tasks of a decided batch written in one transaction (one commit for the batch): one per
    id, or with ``per_task`` a list of up to that many ids per task."""
    with transaction.atomic():
        if not per_task:
            for pk in ids:
                task.enqueue(pk)
            return
        for first in range(0, len(ids), per_task):
            task.enqueue(ids[first : first + per_task])


def decide_owed_confirmations() -> int:
    """The workers' sweep: an event whose queue holds a confirmation older than the sweep's grace
    (its decision task was lost) is decided now. Returns how many were decided."""
    due = (
        Registration.objects.filter(
            status=RegStatus.PENDING,
            confirm_requested_at__isnull=False,
            confirm_requested_at__lte=timezone.now() - workers.sweep_grace(),
        )
        .order_by()
        .values_list("event_id", flat=True)
        .distinct()
    )
    return sum(decide_confirmations(event_id=event_id) for event_id in sorted(set(due)))


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
            raise link_used(locked)
        reason = closed_reason(event, now)
        if reason:
            raise RegistrationClosed(reason)
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
