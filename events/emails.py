"""Emails to participants (plain text and HTML), sent by events.tasks after commit.

Each email is sent once: the registration's row is locked and a stamp checked and set in
the same transaction (``status_notified_at``, ``reminder_sent_at``,
``event_cancelled_notified_at``, ``schedule_notified_as``). A task that runs twice, or a
worker restarted in the middle of a batch, sends nothing twice that it had finished.

Reminders go in batches (``send_reminders``): what every participant of the event shares
is computed once per batch and language, the messages go through one connection to the
mail server, and each registration is stamped in its own transaction (see there).

Every email shows the time in the event's zone, in each member country, and in the
participant's own zone (from the country of their profile). It is written in the
participant's preferred language (``User.preferred_language``): the interface text, the
event's own text (its translated fields) and the links (/es/… for Spanish).
"""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from events import calendar, times
from events.models import Event, Registration

logger = logging.getLogger(__name__)

RegStatus = Registration.Status

STATUS_EMAILS = {
    RegStatus.PENDING: "registration_pending",
    RegStatus.CONFIRMED: "registration_confirmed",
    RegStatus.WAITLISTED: "registration_waitlisted",
    RegStatus.CANCELLED: "registration_cancelled",
}


def personal_url(registration: Registration, purpose: str) -> str:
    """The participant's own link, in their language (/es/… for Spanish), whatever language is active."""
    from events.services import make_token

    with translation.override(registration.participant.preferred_language):
        path = reverse(
            f"events:registration_{purpose}",
            kwargs={"slug": registration.event.slug, "token": make_token(registration, purpose)},
        )
    return settings.SITE_URL + path


def participant_zone(participant) -> tuple[str | None, str | None, str]:
    """(IANA zone, country name in the active language, language) from the participant's
    profile, when there is one."""
    profile = getattr(participant, "profile", None)  # no profile: RelatedObjectDoesNotExist, an AttributeError
    if profile is None:
        return None, None, settings.LANGUAGE_CODE
    return profile.country.time_zone, profile.country.name, profile.preferred_language


class EventContext:
    """What every participant's email about ``event`` shows alike (the times per member
    country, the event's links…), computed once per language and reused for each of them."""

    def __init__(self, event: Event, extra: dict | None = None):
        self.event = event
        self.extra = extra or {}
        self._by_language: dict[str, dict] = {}

    def in_active_language(self) -> dict:
        language = translation.get_language()
        if language not in self._by_language:
            event = self.event
            self._by_language[language] = {
                "event": event,
                "event_url": settings.SITE_URL + event.get_absolute_url(),
                "account_url": settings.SITE_URL + reverse("accounts:my_account"),
                "start_local": event.local_start,
                "end_local": event.local_end,
                "country_times": times.times_by_country(event.start, reference_zone=event.time_zone),
                "SITE_URL": settings.SITE_URL,
                **self.extra,
            }
        return self._by_language[language]


def _personal_context(registration: Registration, zone: str | None, country: str | None) -> dict:
    event = registration.event
    return {
        "registration": registration,
        "recipient": registration.participant,
        "own_start": times.in_zone(event.start, zone) if zone else None,
        "own_end": times.in_zone(event.end, zone) if zone else None,
        "own_country": country,
    }


def _compose(
    what: str,
    registration: Registration,
    extra: dict | None = None,
    *,
    attach_calendar=False,
    shared: EventContext | None = None,
):
    participant = registration.participant
    language = participant.preferred_language
    shared = shared or EventContext(registration.event)
    with translation.override(language):
        zone, country, _language = participant_zone(participant)
        context = {**shared.in_active_language(), **_personal_context(registration, zone, country), **(extra or {})}
        subject = " ".join(render_to_string(f"events/email/{what}_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"events/email/{what}.txt", context),
            to=[participant.email],
        )
        message.attach_alternative(render_to_string(f"events/email/{what}.html", context), "text/html")
        if attach_calendar:
            data = calendar.calendar_bytes(
                [registration.event], name=registration.event.title, personal_link=context.get("join_url", "")
            )
            message.attach("event.ics", data, "text/calendar; charset=utf-8; method=PUBLISH")
    return message


def _can_receive(registration: Registration) -> bool:
    return registration.participant.is_active


def _lock(registration_id: int) -> Registration | None:
    """The registration, its row locked; the event and the person (profile, country) read in
    the same query, not locked."""
    return (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event__country", "participant__profile__country")
        .filter(pk=registration_id)
        .first()
    )


# --- One email per status change ----------------------------------------------------------


def send_registration_email(registration_id: int) -> int:
    """The email that goes with the registration's current status, once per status change."""
    with transaction.atomic():
        registration = _lock(registration_id)
        if registration is None:
            return 0
        if registration.status_notified_at and registration.status_notified_at >= registration.status_changed_at:
            return 0
        what = STATUS_EMAILS.get(registration.status)
        sent = 0
        if what and _can_receive(registration):
            _status_message(what, registration).send()
            sent = 1
        registration.status_notified_at = max(timezone.now(), registration.status_changed_at)
        registration.save(update_fields=["status_notified_at"])
        return sent


def _status_message(what: str, registration: Registration):
    extra = {}
    if registration.status == RegStatus.PENDING:
        extra["confirm_url"] = personal_url(registration, "confirm")
        extra["confirm_days"] = settings.EVENTS_CONFIRM_LINK_MAX_AGE // (24 * 3600)
    if registration.status in (RegStatus.PENDING, RegStatus.CONFIRMED, RegStatus.WAITLISTED):
        extra["cancel_url"] = personal_url(registration, "cancel")
    if registration.status == RegStatus.WAITLISTED:
        extra["position"] = registration.waiting_list_position
    attach = registration.status == RegStatus.CONFIRMED
    if attach and registration.event.is_online and registration.event.online_url:
        extra["join_url"] = personal_url(registration, "join")
    return _compose(what, registration, extra, attach_calendar=attach)


def send_confirmation_link(registration_id: int) -> int:
    """The confirmation link again, when the participant asks for it (not stamped: on request)."""
    registration = (
        Registration.objects.select_related("event", "participant__profile__country").filter(pk=registration_id).first()
    )
    if registration is None or registration.status != RegStatus.PENDING or not _can_receive(registration):
        return 0
    _status_message("registration_pending", registration).send()
    return 1


# --- The day-before email -----------------------------------------------------------------


class RemindersNotSent(Exception):
    """Some reminders of a batch could not be sent (the others were); they stay due."""

    def __init__(self, *, sent: int, failed: list[int]):
        super().__init__(f"{len(failed)} reminder(s) not sent (registrations {failed}); {sent} sent.")
        self.sent = sent
        self.failed = failed


def send_reminder(registration_id: int, *, now: datetime | None = None) -> int:
    """One participant's reminder (a late confirmation; a task enqueued before reminders
    went in batches)."""
    return send_reminders([registration_id], now=now)


def send_reminders(registration_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """The personal reminders of these registrations (one or more events), each with the
    participant's own access link, once, those still due; return how many were sent.

    Reads are per batch: the registrations with their people, profiles and countries in one
    query, the events in another, and what every participant shares (times per member
    country, the event's links) once per event and language. Each registration is then
    stamped and sent in its own transaction: a conditional UPDATE sets ``reminder_sent_at``
    only if the registration is still confirmed, not reminded, with the key its links were
    made with, and the stamp stays only if the event is still as the email was written
    (``_stamp_reminder``); the email goes before that transaction commits. So:

    - two workers on the same or overlapping batches (or a batch, a single reminder task and
      the cron sweep): the second UPDATE waits for the first to commit, then matches nothing;
    - a registration cancelled (or renewed with a new key) meanwhile is not stamped and gets
      nothing; nor does anyone when the event was cancelled, postponed or moved meanwhile;
    - a message that cannot be written, or that the mail server refuses, rolls back its own
      stamp only: the batch goes on, and raises ``RemindersNotSent`` at the end (the task
      shows as failed); those reminders stay due for the cron sweep. An unreachable server
      stops the batch (the exception is raised; the rest stay due);
    - as before, a crash between the server's acceptance of a message and the commit sends
      that one message again later (the stamp is never set before the email is out).

    Every message goes through one connection to the mail server.
    """
    from events.services import are_reminders_due

    now = now or timezone.now()
    registrations = list(
        Registration.objects.filter(
            pk__in=list(registration_ids), status=RegStatus.CONFIRMED, reminder_sent_at__isnull=True
        )
        .select_related("participant__profile__country")
        .order_by("pk")
    )
    if not registrations:
        return 0
    events = Event.objects.select_related("country").in_bulk({registration.event_id for registration in registrations})
    shared: dict[int, EventContext] = {}
    sent, failed = 0, []
    mailer = mailers.default
    try:
        for registration in registrations:
            event = events[registration.event_id]
            if not are_reminders_due(event, now=now):
                continue
            registration.event = event
            if event.pk not in shared:
                shared[event.pk] = EventContext(event, _reminder_context(event, now))
            try:
                sent += _send_reminder_once(registration, shared[event.pk], mailer, now)
            except _NotSent:
                logger.exception("The reminder of registration %s was not sent; it stays due.", registration.pk)
                failed.append(registration.pk)
    finally:
        _close_quietly(mailer)
    if failed:
        raise RemindersNotSent(sent=sent, failed=failed)
    return sent


class _NotSent(Exception):
    """This one reminder could not be written or the mail server did not take it (its stamp
    is rolled back); the batch goes on."""


def _send_reminder_once(registration: Registration, shared: EventContext, mailer, now: datetime) -> int:
    try:
        message = _reminder_message(registration, shared) if _can_receive(registration) else None
    except Exception as error:
        raise _NotSent from error
    with transaction.atomic():
        if not _stamp_reminder(registration, registration.event, now) or message is None:
            return 0
        mailer.open()  # no-op while open; an unreachable server stops the batch (not a _NotSent)
        try:
            mailer.send_messages([message])
        except Exception as error:
            _close_quietly(mailer)  # the next message opens a fresh connection
            raise _NotSent from error
    return 1


def _close_quietly(mailer) -> None:
    try:
        mailer.close()
    except Exception:  # the connection is gone already; the next open() makes a new one
        logger.warning("Closing the connection to the mail server failed.", exc_info=True)


def _stamp_reminder(registration: Registration, event: Event, now: datetime) -> bool:
    """Set ``reminder_sent_at`` if nobody has and the registration and its event are still as
    the email was written; the caller's transaction holds the row until the email is out.

    The UPDATE's conditions are all on the registration's own row, which PostgreSQL checks
    again on the row's latest version when it had to wait for another transaction holding
    it (another worker's stamp, a cancellation, a reschedule clearing the stamps). The event
    is read after that, in a new statement that sees what such a transaction committed; a
    condition on the event inside the UPDATE (a join, an EXISTS) would be read from the
    statement's start and miss a reschedule it waited for.
    """
    stamped = Registration.objects.filter(
        pk=registration.pk, key=registration.key, status=RegStatus.CONFIRMED, reminder_sent_at__isnull=True
    ).update(reminder_sent_at=now)
    if not stamped:
        return False
    as_written = (event.status, event.state, event.start, event.end)
    if Event.objects.filter(pk=event.pk).values_list("status", "state", "start", "end").first() != as_written:
        transaction.set_rollback(True)  # moved, postponed, cancelled or unpublished meanwhile: the stamp goes
        return False
    return True


def _reminder_context(event: Event, now: datetime) -> dict:
    if not (event.is_online and event.online_url):
        return {}
    return {
        "join_opens_local": timezone.localtime(event.join_opens_at, event.zone),
        "join_is_open": event.join_opens_at <= now,
    }


def _reminder_message(registration: Registration, shared: EventContext):
    event = registration.event
    extra = {"cancel_url": personal_url(registration, "cancel")}
    if event.is_online and event.online_url:
        extra["join_url"] = personal_url(registration, "join")
    return _compose("reminder", registration, extra, shared=shared)


# --- Changes to the event -----------------------------------------------------------------


def send_event_cancelled(event_id: int) -> int:
    """Tell everyone still registered that the event is cancelled (instead of a reminder)."""
    waiting_ids = list(
        Registration.objects.filter(
            event_id=event_id,
            status__in=(RegStatus.PENDING, RegStatus.CONFIRMED, RegStatus.WAITLISTED),
            event_cancelled_notified_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    sent = 0
    for registration_id in waiting_ids:
        with transaction.atomic():
            registration = _lock(registration_id)
            if registration is None or registration.event_cancelled_notified_at is not None:
                continue
            if not registration.event.is_cancelled:
                return sent
            if _can_receive(registration):
                _compose("event_cancelled", registration).send()
                sent += 1
            registration.event_cancelled_notified_at = timezone.now()
            registration.save(update_fields=["event_cancelled_notified_at"])
    return sent


def schedule_key(event: Event) -> str:
    return f"{event.state}:{event.start.isoformat()}"[:64]


def send_schedule_change(event_id: int) -> int:
    """Tell everyone still registered of a new date or a postponement, once per change."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None or event.is_cancelled:
        return 0
    key = schedule_key(event)
    registration_ids = list(
        Registration.objects.filter(
            event_id=event_id, status__in=(RegStatus.PENDING, RegStatus.CONFIRMED, RegStatus.WAITLISTED)
        )
        .exclude(schedule_notified_as=key)
        .values_list("pk", flat=True)
    )
    sent = 0
    for registration_id in registration_ids:
        with transaction.atomic():
            registration = _lock(registration_id)
            if registration is None or schedule_key(registration.event) != key:
                return sent  # the event changed again; the task enqueued for that change tells them
            if registration.schedule_notified_as == key:
                continue
            if _can_receive(registration):
                _compose("schedule_change", registration, {"cancel_url": personal_url(registration, "cancel")}).send()
                sent += 1
            registration.schedule_notified_as = key
            registration.save(update_fields=["schedule_notified_as"])
    return sent
