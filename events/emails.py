"""Emails to participants (plain text and HTML), sent by events.tasks after commit.

Each email is sent once: the registration's row is locked and a stamp checked and set in
the same transaction (``status_notified_at``, ``reminder_sent_at``,
``event_cancelled_notified_at``, ``schedule_notified_as``). A task that runs twice, or a
worker restarted in the middle of a batch, sends nothing twice that it had finished.

Every email shows the time in the event's zone, in each member country, and in the
participant's own zone (from the country of their profile). It is written in the
participant's preferred language (``User.preferred_language``): the interface text, the
event's own text (its translated fields) and the links (/es/… for Spanish).
"""

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from events import calendar, times
from events.models import Event, Registration

RegStatus = Registration.Status

STATUS_EMAILS = {
    RegStatus.PENDING: "registration_pending",
    RegStatus.CONFIRMED: "registration_confirmed",
    RegStatus.WAITLISTED: "registration_waitlisted",
    RegStatus.CANCELLED: "registration_cancelled",
}


def personal_url(registration: Registration, purpose: str) -> str:
    from events.services import make_token

    return settings.SITE_URL + reverse(
        f"events:registration_{purpose}",
        kwargs={"slug": registration.event.slug, "token": make_token(registration, purpose)},
    )


def participant_zone(participant) -> tuple[str | None, str | None, str]:
    """(IANA zone, country name in the active language, language) from the participant's
    profile, when there is one."""
    profile = getattr(participant, "profile", None)  # no profile: RelatedObjectDoesNotExist, an AttributeError
    if profile is None:
        return None, None, settings.LANGUAGE_CODE
    return profile.country.time_zone, profile.country.name, profile.preferred_language


def _context(registration: Registration, zone: str | None, country: str | None) -> dict:
    event = registration.event
    return {
        "event": event,
        "registration": registration,
        "recipient": registration.participant,
        "event_url": settings.SITE_URL + event.get_absolute_url(),
        "account_url": settings.SITE_URL + reverse("accounts:my_account"),
        "start_local": event.local_start,
        "end_local": event.local_end,
        "country_times": times.times_by_country(event.start, reference_zone=event.time_zone),
        "own_start": times.in_zone(event.start, zone) if zone else None,
        "own_end": times.in_zone(event.end, zone) if zone else None,
        "own_country": country,
        "SITE_URL": settings.SITE_URL,
    }


def _compose(what: str, registration: Registration, extra: dict | None = None, *, attach_calendar=False):
    participant = registration.participant
    language = participant.preferred_language
    with translation.override(language):
        zone, country, _language = participant_zone(participant)
        context = {**_context(registration, zone, country), **(extra or {})}
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
    registration = Registration.objects.select_for_update(of=("self",)).filter(pk=registration_id).first()
    if registration is not None:
        # Read (not locked) the event and the person the email is about.
        registration.event = Event.objects.get(pk=registration.event_id)
        registration.participant = (
            type(registration.participant)
            .objects.select_related("profile__country")
            .get(pk=registration.participant_id)
        )
    return registration


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


def send_reminder(registration_id: int, *, now: datetime | None = None) -> int:
    """The personal reminder with the participant's own access link, once, when it is due."""
    from events.services import is_reminder_due

    now = now or timezone.now()
    with transaction.atomic():
        registration = _lock(registration_id)
        if registration is None or not is_reminder_due(registration, now=now):
            return 0
        sent = 0
        if _can_receive(registration):
            event = registration.event
            extra = {"cancel_url": personal_url(registration, "cancel")}
            if event.is_online and event.online_url:
                extra["join_url"] = personal_url(registration, "join")
                extra["join_opens_local"] = timezone.localtime(event.join_opens_at, event.zone)
                extra["join_is_open"] = event.join_opens_at <= now
            _compose("reminder", registration, extra).send()
            sent = 1
        registration.reminder_sent_at = now
        registration.save(update_fields=["reminder_sent_at"])
        return sent


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
