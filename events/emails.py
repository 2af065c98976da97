"""Emails to participants (plain text and HTML), sent by events.tasks after commit.

Each email is owed by a change of state and told once: the registration's row is locked, a
stamp checked, and the email queued in the outbox (portal.outbox) in the same transaction as
the stamp (``status_notified_at``, a ``ReminderSent`` row per reminder rule, ``event_cancelled_notified_at``,
``schedule_notified_as``). A task that runs twice, or a worker killed in the middle of a batch,
queues nothing twice; what a lost worker left owed is queued by the workers' sweep
(``send_owed_emails``). The outbox then delivers, retrying while the mail server is down.

Reminders go in batches (``send_reminders``): what every participant of the event shares
is computed once per batch and language, and the batch is stamped and queued in one
transaction, then delivered through one connection to the mail server.

Every email shows the time in the event's zone, in each member country, and in the
participant's own zone (from the country of their profile). It is written in the
participant's preferred language (``User.preferred_language``): the interface text, the
event's own text (its translated fields) and the links (/es/… for Spanish).
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from events import calendar, door, times
from events.links import CANCEL, CONFIRM, JOIN, SURVEY, personal_url
from events.models import Event, FollowUp, Registration, ReminderRule, ReminderSent
from portal import outbox, workers

logger = logging.getLogger(__name__)

RegStatus = Registration.Status

STATUS_EMAILS = {
    RegStatus.PENDING: "registration_pending",
    RegStatus.CONFIRMED: "registration_confirmed",
    RegStatus.WAITLISTED: "registration_waitlisted",
    RegStatus.CANCELLED: "registration_cancelled",
}


def participant_zone(participant) -> tuple[str | None, str | None, str]:
    """(IANA zone, country name in the active language, language) from the participant's
    profile, when there is one."""
    profile = getattr(participant, "profile", None)  # no profile: RelatedObjectDoesNotExist, an AttributeError
    if profile is None:
        return None, None, settings.LANGUAGE_CODE
    return profile.time_zone, profile.country.name, profile.preferred_language


class EventContext:
    """What every participant's email about ``event`` shows alike (the times per member
    country, the event's links…), computed once per language and reused for each of them."""

    def __init__(self, event: Event, extra: dict | None = None):
        self.event = event
        self.extra = extra or {}
        self._by_language: dict[str, dict] = {}
        self.rendered: dict[tuple, tuple[str, str, str]] = {}  # see _reminder_message

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
        .select_related("event__country", "participant__profile")
        .filter(pk=registration_id)
        .first()
    )


# --- One email per status change ----------------------------------------------------------


def topic(registration: Registration) -> str:
    """What an email about this registration is filed under in the outbox (portal.outbox.withdraw)."""
    return f"events.event:{registration.event_id}/registration:{registration.pk}"


def send_registration_email(registration_id: int) -> int:
    """The email that goes with the registration's current status, once per status change."""
    row = queue_registration_email(registration_id)
    outbox.deliver_on_commit([row])
    return int(row is not None)


def send_registration_emails(registration_ids: Iterable[int]) -> int:
    """The status emails of many registrations (the confirmations a worker decided in one batch):
    each stamped and queued in its own transaction as ``send_registration_email`` does, then
    delivered together (one SMTP session). Returns how many were queued."""
    rows = [row for row in (queue_registration_email(pk) for pk in registration_ids) if row is not None]
    outbox.deliver_on_commit(rows)
    return len(rows)


def queue_registration_email(registration_id: int):
    """Stamp the registration as told of its status and queue that email, in one transaction
    (None when it was told already, or nothing is sent for this status)."""
    with transaction.atomic():
        registration = _lock(registration_id)
        if registration is None:
            return None
        if registration.status_notified_at and registration.status_notified_at >= registration.status_changed_at:
            return None
        what = STATUS_EMAILS.get(registration.status)
        row = None
        if what and _can_receive(registration):
            row = outbox.queue(
                _status_message(what, registration),
                kind=f"events.{what}",
                topic=topic(registration),
                key=f"events.registration:{registration.pk}:{registration.status}:"
                f"{registration.status_changed_at.isoformat()}",
            )
        registration.status_notified_at = max(timezone.now(), registration.status_changed_at)
        registration.save(update_fields=["status_notified_at"])
    return row


def _status_message(what: str, registration: Registration):
    extra = {}
    if registration.status == RegStatus.PENDING:
        extra["confirm_url"] = personal_url(registration, CONFIRM)
        extra["confirm_days"] = settings.EVENTS_CONFIRM_LINK_MAX_AGE // (24 * 3600)
    if registration.status in (RegStatus.PENDING, RegStatus.CONFIRMED, RegStatus.WAITLISTED):
        extra["cancel_url"] = personal_url(registration, CANCEL)
    if registration.status == RegStatus.WAITLISTED:
        extra["position"] = registration.waiting_list_position
    attach = registration.status == RegStatus.CONFIRMED
    if attach and registration.event.is_online and registration.event.online_url:
        extra["join_url"] = personal_url(registration, JOIN)
    if attach:
        with translation.override(registration.participant.preferred_language):
            extra["calendar_links"] = calendar.calendar_links(registration.event)
    with_pass = attach and door.has_pass(registration)
    if with_pass:
        extra["door_code"] = registration.door_code_shown
    message = _compose(what, registration, extra, attach_calendar=attach)
    if with_pass:
        message.attach("door-pass.png", door.pass_png(registration), "image/png")
    return message


def send_confirmation_link(registration_id: int) -> int:
    """The confirmation link again, when the participant asks for it (not stamped: on request)."""
    registration = (
        Registration.objects.select_related("event", "participant__profile").filter(pk=registration_id).first()
    )
    if registration is None or registration.status != RegStatus.PENDING or not _can_receive(registration):
        return 0
    row = outbox.queue(
        _status_message("registration_pending", registration),
        kind="events.confirmation_link",
        topic=topic(registration),
    )
    outbox.deliver_on_commit([row])
    return 1


# --- The reminders --------------------------------------------------------------------------


#: Reminders per task (events.tasks.send_reminder_batch): enough to share the event's part of
#: the email and the SMTP connection, few enough that several workers share an event's reminders.
REMINDER_BATCH_SIZE = 200


def batches(ids: list[int]):
    """``ids`` in lists of at most ``REMINDER_BATCH_SIZE``."""
    for first in range(0, len(ids), REMINDER_BATCH_SIZE):
        yield ids[first : first + REMINDER_BATCH_SIZE]


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Queue every reminder that is due and not yet sent, in batches (the workers' sweep and
    the ``send_event_reminders`` command; safe to run any time); the outbox delivers them."""
    now = now or timezone.now()
    sent = 0
    for event in Event.objects.reminders_may_be_due(now).prefetch_related("reminder_rules"):
        rule = event.due_reminder_rule(now=now)
        if rule is None:
            continue
        owed = list(Registration.objects.owed_reminder(rule).order_by("pk").values_list("pk", flat=True))
        for batch in batches(owed):
            sent += send_reminders(batch, now=now)
    return sent


def send_reminder(registration_id: int, *, now: datetime | None = None) -> int:
    """One participant's reminder (a late confirmation; a task enqueued before reminders
    went in batches)."""
    return send_reminders([registration_id], now=now)


def send_reminders(registration_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """The personal reminders of these registrations (one or more events), each with the
    participant's own access link when the rule carries it, once, those still due; return
    how many were queued.

    Which reminder: the event's rule due now (``Event.due_reminder_rule``: of the rules whose
    time has come, the latest), whatever rule the task was enqueued for; a registration that
    has that rule's stamp (a ReminderSent row) gets nothing.

    Reads are per batch: the registrations with their people, profiles and countries in one
    query, the events and their rules in two more, the stamps in one, and what every
    participant shares (times per member country, the event's links) once per event and
    language. The messages are written before the transaction; in it, the registrations still
    confirmed and with the key their links were made with are locked, the events and rules
    read again (still as the emails were written?), the stamps read again, and those left are
    stamped and queued in the outbox together. The outbox delivers them after commit, through
    one connection. So:

    - two workers on the same or overlapping batches (or a batch, a single reminder task and
      the sweep): the second waits for the first's locks, then finds the stamps and sends nothing;
    - a registration cancelled (or renewed with a new key) meanwhile gets nothing; nor does
      anyone when the event was cancelled, postponed or moved, or the rule changed, meanwhile
      (a reschedule that commits after this batch deletes the stamps, and the reminders go
      again for the new time);
    - a worker killed before the commit leaves the whole batch due (nothing was stamped); one
      killed after it leaves the emails in the outbox, which other workers deliver;
    - a message that cannot be written is logged and stays due; the others go.
    """
    now = now or timezone.now()
    ids = list(registration_ids)
    registrations = list(
        Registration.objects.filter(pk__in=ids, status=RegStatus.CONFIRMED)
        .select_related("participant__profile")
        .order_by("pk")
    )
    if not registrations:
        return 0
    events = (
        Event.objects.select_related("country")
        .prefetch_related("reminder_rules")
        .in_bulk({registration.event_id for registration in registrations})
    )
    rules = {event_id: event.due_reminder_rule(now=now) for event_id, event in events.items()}
    sent_before = set(
        ReminderSent.objects.filter(
            registration_id__in=ids, rule_id__in=[rule.pk for rule in rules.values() if rule]
        ).values_list("registration_id", "rule_id")
    )
    shared: dict[int, EventContext] = {}
    written = []  # (registration, rule, message or None when the person cannot receive email)
    for registration in registrations:
        event, rule = events[registration.event_id], rules[registration.event_id]
        if rule is None or (registration.pk, rule.pk) in sent_before:
            continue
        registration.event = event
        if event.pk not in shared:
            shared[event.pk] = EventContext(event, _reminder_context(event, rule, now))
        try:
            message = _reminder_message(registration, shared[event.pk]) if _can_receive(registration) else None
        except Exception:
            logger.exception("The reminder of registration %s could not be written; it stays due.", registration.pk)
            continue
        written.append((registration, rule, message))
    if not written:
        return 0
    rows = _stamp_and_queue_reminders(written, events, now)
    outbox.deliver_on_commit(rows)
    return len(rows)


def _stamp_and_queue_reminders(written, events: dict, now: datetime) -> list:
    """In one transaction: lock what is still owed, check the events and rules, stamp and queue."""
    with transaction.atomic():
        still_confirmed = dict(
            Registration.objects.select_for_update()
            .filter(pk__in=[registration.pk for registration, _rule, _message in written], status=RegStatus.CONFIRMED)
            .order_by("pk")
            .values_list("pk", "key")
        )
        # Read after the locks: a reschedule, postponement, cancellation, change of rule or
        # another worker's stamps committed meanwhile show here.
        current = {
            pk: (status, state, start, end)
            for pk, status, state, start, end in Event.objects.filter(
                pk__in={registration.event_id for registration, _rule, _message in written}
            ).values_list("pk", "status", "state", "start", "end")
        }
        rule_ids = {rule.pk for _registration, rule, _message in written}
        current_rules = dict(ReminderRule.objects.filter(pk__in=rule_ids).values_list("pk", "hours_before"))
        sent = set(
            ReminderSent.objects.filter(registration_id__in=list(still_confirmed), rule_id__in=rule_ids).values_list(
                "registration_id", "rule_id"
            )
        )
        chosen = [
            (registration, rule, message)
            for registration, rule, message in written
            if still_confirmed.get(registration.pk) == registration.key
            and current.get(registration.event_id) == _as_written(events[registration.event_id])
            and current_rules.get(rule.pk) == rule.hours_before
            and (registration.pk, rule.pk) not in sent
        ]
        if not chosen:
            return []
        ReminderSent.objects.bulk_create(
            [ReminderSent(registration=registration, rule=rule, sent_at=now) for registration, rule, _message in chosen]
        )
        return outbox.queue_many(
            [
                (message, {"kind": "events.reminder", "topic": topic(registration)})
                for registration, _rule, message in chosen
                if message is not None
            ]
        )


def _as_written(event: Event) -> tuple:
    return (event.status, event.state, event.start, event.end)


def _reminder_context(event: Event, rule: ReminderRule, now: datetime) -> dict:
    context = {"rule": rule}
    if event.is_online and event.online_url and rule.carries_join_link(event):
        context["join_link"] = True
        context["join_opens_local"] = timezone.localtime(event.join_opens_at, event.zone)
        context["join_is_open"] = event.join_opens_at <= now
    return context


#: Stand-ins for what is personal in a reminder: it is rendered once per language, zone and
#: country with these, and each person's email is that text with their own values put in.
NAME, CANCEL_LINK, JOIN_LINK = "@@reminder-recipient-name@@", "@@reminder-cancel-url@@", "@@reminder-join-url@@"


class _StandIn:
    def get_short_name(self) -> str:
        return NAME


def _reminder_message(registration: Registration, shared: EventContext):
    """The reminder of one person: the templates are rendered once per language, time zone and
    country for all the event's participants (three templates per person were most of a
    reminder's cost), then the person's name and links are put in (escaped for the HTML, as the
    template would). ``test_a_batch_renders_each_reminder_once_per_language_and_zone`` checks
    that the result is what rendering for each person gives."""
    participant = registration.participant
    language = participant.preferred_language
    with translation.override(language):
        zone, country, _language = participant_zone(participant)
        key = (language, zone, country)
        if key not in shared.rendered:
            context = {
                **shared.in_active_language(),
                **_personal_context(registration, zone, country),
                "recipient": _StandIn(),
                "cancel_url": CANCEL_LINK,
            }
            if shared.extra.get("join_link"):
                context["join_url"] = JOIN_LINK
            shared.rendered[key] = (
                " ".join(render_to_string("events/email/reminder_subject.txt", context).split()),
                render_to_string("events/email/reminder.txt", context),
                render_to_string("events/email/reminder.html", context),
            )
    subject, text, html = shared.rendered[key]
    values = {NAME: participant.get_short_name(), CANCEL_LINK: personal_url(registration, CANCEL)}
    if shared.extra.get("join_link"):
        values[JOIN_LINK] = personal_url(registration, JOIN)
    for marker, value in values.items():
        text = text.replace(marker, str(value))
        html = html.replace(marker, escape(value))
    message = EmailMultiAlternatives(subject=subject, body=text, to=[participant.email])
    message.attach_alternative(html, "text/html")
    return message


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
    rows = []
    for registration_id in waiting_ids:
        with transaction.atomic():
            registration = _lock(registration_id)
            if registration is None or registration.event_cancelled_notified_at is not None:
                continue
            if not registration.event.is_cancelled:
                break
            if _can_receive(registration):
                rows.append(
                    outbox.queue(
                        _compose("event_cancelled", registration),
                        kind="events.event_cancelled",
                        topic=topic(registration),
                        key=f"events.registration:{registration.pk}:event_cancelled",
                    )
                )
            registration.event_cancelled_notified_at = timezone.now()
            registration.save(update_fields=["event_cancelled_notified_at"])
    outbox.deliver_on_commit(rows)
    return sum(row is not None for row in rows)


def _told_of_changes(event: Event):
    """The registrations a change of date concerns: still active, and made before the change
    (someone who registered after it knew the date)."""
    registrations = Registration.objects.filter(
        event=event, status__in=(RegStatus.PENDING, RegStatus.CONFIRMED, RegStatus.WAITLISTED)
    )
    if event.schedule_changed_at is not None:
        registrations = registrations.filter(created_at__lt=event.schedule_changed_at)
    return registrations


def schedule_key(event: Event) -> str:
    return f"{event.state}:{event.start.isoformat()}"[:64]


def send_schedule_change(event_id: int) -> int:
    """Tell everyone still registered of a new date or a postponement, once per change."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None or event.is_cancelled:
        return 0
    key = schedule_key(event)
    registration_ids = list(
        _told_of_changes(event).exclude(schedule_notified_as=key).order_by("pk").values_list("pk", flat=True)
    )
    rows = []
    for registration_id in registration_ids:
        with transaction.atomic():
            registration = _lock(registration_id)
            if registration is None or schedule_key(registration.event) != key:
                break  # the event changed again; the task enqueued for that change tells them
            if registration.schedule_notified_as == key:
                continue
            if _can_receive(registration):
                rows.append(
                    outbox.queue(
                        _compose("schedule_change", registration, {"cancel_url": personal_url(registration, CANCEL)}),
                        kind="events.schedule_change",
                        topic=topic(registration),
                        key=f"events.registration:{registration.pk}:schedule:{key}",
                    )
                )
            registration.schedule_notified_as = key
            registration.save(update_fields=["schedule_notified_as"])
    outbox.deliver_on_commit(rows)
    return sum(row is not None for row in rows)


# --- After the event: the follow-up emails (a sweep of the workers) ------------------------

#: Follow-ups go for events that ended within this many days (not for old events when a follow-up is added late).
FOLLOW_UP_WINDOW_DAYS = 30
FOLLOWED_UP = (RegStatus.ATTENDED, RegStatus.CONFIRMED)


def send_follow_ups(*, now: datetime | None = None) -> int:
    """The workers' sweep: for each event with follow-up emails whose time has come (its end +
    ``FollowUp.hours_after``), the email to each registration that attended (one text) or had a
    seat and did not come (another), once; return how many were queued. Not for a cancelled or
    postponed event, nor for one that ended more than ``FOLLOW_UP_WINDOW_DAYS`` ago."""
    now = now or timezone.now()
    queued = 0
    follow_ups = FollowUp.objects.select_related("event").filter(
        event__status="published",
        event__state=Event.State.SCHEDULED,
        event__end__lte=now,
        event__end__gte=now - timedelta(days=FOLLOW_UP_WINDOW_DAYS),
    )
    for follow_up in follow_ups:
        if follow_up.sends_at() > now:
            continue
        owed = (
            Registration.objects.filter(event=follow_up.event, status__in=FOLLOWED_UP, follow_up_sent_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        shared = EventContext(follow_up.event, _follow_up_context(follow_up))
        rows = [send_follow_up(registration_id, shared=shared, now=now) for registration_id in owed]
        rows = [row for row in rows if row is not None]
        outbox.deliver_on_commit(rows)
        queued += len(rows)
    return queued


def send_follow_up(registration_id: int, *, shared: EventContext, now: datetime):
    """One registration's follow-up: stamped and queued in one transaction (None when sent already)."""
    with transaction.atomic():
        registration = _lock(registration_id)
        if registration is None or registration.follow_up_sent_at is not None:
            return None
        if registration.status not in FOLLOWED_UP:
            return None
        row = None
        if _can_receive(registration):
            attended = registration.status == RegStatus.ATTENDED
            what = "follow_up_attended" if attended else "follow_up_absent"
            extra = {}
            if shared.extra["has_survey"]:
                extra["survey_url"] = personal_url(registration, SURVEY)
            row = outbox.queue(
                _compose(what, registration, extra, shared=shared),
                kind=f"events.{what}",
                topic=topic(registration),
                key=f"events.registration:{registration.pk}:follow_up",
            )
        registration.follow_up_sent_at = now
        registration.save(update_fields=["follow_up_sent_at"])
    return row


def _follow_up_context(follow_up: FollowUp) -> dict:
    event = follow_up.event
    return {
        "follow_up": follow_up,
        "recordings": [session for session in event.sessions.all() if session.recording_url],
        "documents": [
            (document, document.href if document.url else settings.SITE_URL + document.href)
            for document in event.documents.filter(kind__in=FOLLOW_UP_DOCUMENTS)
        ],
        "has_survey": event.survey_questions.exists(),
    }


FOLLOW_UP_DOCUMENTS = ("outcome", "report", "presentation")


# --- What a lost worker left owed (the workers' sweep) --------------------------------------


def queue_owed_emails(*, now: datetime | None = None) -> int:
    """Queue every email a change of state still owes and no task is about to send (the change
    is older than the sweep's grace time); return how many. The outbox's own sweep delivers them.

    Status emails of the last fortnight's changes, reminders due, cancellations and changes of
    date: each through the same stamped function as its task, so nothing is told twice.
    """
    now = now or timezone.now()
    settled = now - workers.sweep_grace()
    fortnight = now - timedelta(days=14)
    queued = 0
    owed_status = (
        Registration.objects.filter(status_changed_at__lte=settled, status_changed_at__gte=fortnight)
        .filter(Q(status_notified_at__isnull=True) | Q(status_notified_at__lt=F("status_changed_at")))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for registration_id in owed_status:
        queued += queue_registration_email(registration_id) is not None
    queued += send_due_reminders(now=now)
    cancelled = (
        Registration.objects.filter(
            event__state=Event.State.CANCELLED,
            event__updated_at__lte=settled,
            event__end__gt=fortnight,
            status__in=(RegStatus.PENDING, RegStatus.CONFIRMED, RegStatus.WAITLISTED),
            event_cancelled_notified_at__isnull=True,
        )
        .values_list("event_id", flat=True)
        .distinct()
    )
    for event_id in cancelled:
        queued += send_event_cancelled(event_id)
    changed = Event.objects.filter(
        schedule_changed_at__lte=settled, schedule_changed_at__gte=fortnight, end__gt=now
    ).exclude(state=Event.State.CANCELLED)
    for event in changed.only("pk", "state", "start", "schedule_changed_at"):
        if _told_of_changes(event).exclude(schedule_notified_as=schedule_key(event)).exists():
            queued += send_schedule_change(event.pk)
    return queued
