"""Personal data: what "My account" shows, the export and the erasure of registrations."""

from django.conf import settings
from django.urls import reverse

from events import door
from events.links import CANCEL, personal_path
from events.models import Certificate, Registration
from events.services.registration import MOVES, cancel

RegStatus = Registration.Status


def my_registrations(user) -> list[Registration]:
    return list(
        Registration.objects.of(user)
        .select_related("event")
        .defer("event__description", "event__search_document")
        .order_by("-event__start", "-pk")
    )


def my_registrations_section(user) -> dict:
    """What "My account" shows: each registration, with a cancel link while it can be cancelled
    and the door pass for a seat at an in-person or hybrid event."""
    rows = []
    for registration in my_registrations(user):
        can_cancel = registration.status in MOVES[RegStatus.CANCELLED] and not registration.event.is_past
        rows.append(
            {
                "registration": registration,
                "event": registration.event,
                "cancel_url": personal_path(registration, CANCEL) if can_cancel else "",
                "certificate_url": (
                    reverse("events:certificate_download", kwargs={"slug": registration.event.slug})
                    if registration.status == RegStatus.ATTENDED and not registration.event.is_cancelled
                    else ""
                ),
                # The door pass (QR code and short code) until the event is over.
                "pass_url": (
                    reverse("events:door_pass", kwargs={"slug": registration.event.slug})
                    if door.has_pass(registration) and not registration.event.is_past
                    else ""
                ),
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
    revoke every link. Rows stay, tied to the anonymised account, so counts stay right;
    attendance certificates are deleted."""
    for registration in Registration.objects.of(user).select_related("event"):
        if registration.status in (RegStatus.PENDING, RegStatus.CONFIRMED, RegStatus.WAITLISTED) and not (
            registration.event.is_past
        ):
            cancel(registration=registration)
    Registration.objects.of(user).update(key="erased")
    # A certificate names its holder: it goes with the account (its code then checks as unknown).
    Certificate.objects.filter(registration__participant=user).delete()
