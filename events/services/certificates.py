"""Attendance certificates: issued to a participant whose attendance was recorded, checked by
anyone with the code, revoked by staff.

Who gets one: a registration that is *attended* (joined online inside the access window with
"Join now", or checked in at the door), for an event not cancelled. It is issued the first time
the participant asks for it and is the same certificate every time after (one per
registration: a database constraint). It states the facts as they were when issued: the
person's name, the event's title in the person's language, its dates and zone, the hours (the
agenda's sessions added up, else start to end), the organising bodies. Revoking keeps the
certificate and records who revoked it, when and why; the verification page then says
"revoked".
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from events.errors import CertificateRefused
from events.models import Certificate, Event, Registration

REVOKE_PERMISSION = "events.revoke_certificate"


def certificate_refusal(registration: Registration) -> str | None:
    """Why ``registration`` gets no certificate, or None when it does."""
    if registration.event.is_cancelled:
        return _("This event was cancelled: there is no certificate of attendance.")
    if registration.status != Registration.Status.ATTENDED:
        return _(
            "A certificate is issued once your attendance has been recorded: by joining online with "
            "“Join now” during the event, or by being checked in at the door."
        )
    return None


def issue_certificate(*, registration: Registration, actor) -> Certificate:
    """The registration's certificate, issued now if it has none yet. Only for the participant
    themselves; refused (CertificateRefused) without recorded attendance, for a cancelled event,
    or when the certificate was revoked."""
    if actor.pk != registration.participant_id:
        raise CertificateRefused(_("Only the participant can download their certificate."))
    with transaction.atomic():
        locked = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("event", "participant")
            .get(pk=registration.pk)
        )
        existing = Certificate.objects.filter(registration=locked).first()
        if existing is not None:
            if existing.is_revoked:
                raise CertificateRefused(_("Your certificate for this event was revoked."))
            return existing
        refusal = certificate_refusal(locked)
        if refusal:
            raise CertificateRefused(refusal)
        event, person = locked.event, locked.participant
        language = person.preferred_language
        with translation.override(language):
            title = event.title
            organiser = ", ".join(body.name for body in event.organising_bodies.all()) or _("Pacific Alliance")
        facts = {
            "registration": locked,
            "holder_name": person.get_full_name(),
            "event_title": title,
            "event_start": event.start,
            "event_end": event.end,
            "time_zone": event.time_zone,
            "hours": attended_hours(event),
            "organiser": organiser[:500],
            "attendance": locked.attendance or Registration.Attendance.ONLINE,
            "language": language,
        }
        try:
            with transaction.atomic():
                return Certificate.objects.create(**facts)
        except IntegrityError:  # a code drawn twice (one chance in 10^17): draw again
            return Certificate.objects.create(**facts)


def attended_hours(event: Event) -> Decimal:
    """The hours a certificate states: the agenda's sessions added up (a multi-day event is not
    its nights), else start to end; to the half hour, at least half an hour."""
    sessions = list(event.sessions.all())
    total = sum((session.end - session.start for session in sessions), timedelta()) if sessions else None
    total = total or (event.end - event.start)
    halves = (Decimal(total.total_seconds()) / Decimal(1800)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(halves, Decimal(1)) / 2


def revoke_certificate(*, certificate: Certificate, actor, reason: str) -> Certificate:
    """Staff with the ``revoke_certificate`` permission revoke a certificate, saying why; the
    verification page then says it is revoked. Refused without the permission, without a
    reason, or when it is revoked already."""
    if not actor.has_perm(REVOKE_PERMISSION):
        raise CertificateRefused(_("You are not allowed to revoke certificates."))
    reason = reason.strip()
    if not reason:
        raise CertificateRefused(_("Say why the certificate is revoked."))
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.is_revoked:
            raise CertificateRefused(_("This certificate is already revoked."))
        locked.revoked_at, locked.revoked_by, locked.revoked_reason = timezone.now(), actor, reason[:300]
        locked.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    certificate.refresh_from_db()
    return certificate


def find_certificate(code: str) -> Certificate | None:
    """The certificate with this verification code (as typed: dashes, spaces, small letters), or None."""
    cleaned = "".join(code.split()).replace("-", "").upper()
    if len(cleaned) != 12:
        return None
    return Certificate.objects.select_related("registration__event").filter(code=cleaned).first()
