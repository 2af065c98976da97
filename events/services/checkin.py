"""Check-in at the door: staff with the check-in permission scan the participant's QR code
(the door pass, events.links.make_door_token) or type its short code; the person is recorded
as attended in person, once.

    confirmed ──check in──▶ attended (in person)

Several doors at once: the registration's row is locked, so two scans of the same pass (two
doors, or one twice) record one check-in; the second is told "already checked in".
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events import links
from events.errors import CheckInNotAllowed, CheckInRefused, InvalidToken
from events.models import Event, Registration, normalise_door_code

RegStatus = Registration.Status

PERMISSION = "events.check_in_registration"


@dataclass(frozen=True)
class DoorCheckIn:
    """What the door page shows: who, in which mode, and whether this scan checked them in."""

    registration: Registration
    #: Checked in before this scan (another door, or the same pass twice).
    already: bool

    @property
    def name(self) -> str:
        return self.registration.participant.get_full_name()

    @property
    def mode(self) -> str:
        return self.registration.get_attendance_display()


def can_check_in(actor) -> bool:
    return actor.is_authenticated and actor.is_active and actor.has_perm(PERMISSION)


def check_in(*, registration: Registration, actor, now: datetime | None = None) -> Registration:
    """Record in-person attendance (confirmed → attended, in person): the admin's action.
    Refuses without the check-in permission, for a cancelled event, or a registration not confirmed."""
    if not can_check_in(actor):
        raise CheckInNotAllowed(_("You are not allowed to check participants in."))
    result = _record(registration_id=registration.pk, now=now or timezone.now(), again_is_refused=True)
    registration.refresh_from_db()
    return result.registration


def check_in_at_door(*, event: Event, actor, token: str = "", code: str = "") -> DoorCheckIn:
    """Check in the holder of a door pass (``token``, from the QR code) or of a short ``code``
    (typed), at ``event``'s door.

    Refused, with the message staff read out, and nothing changed: without the check-in
    permission; at an online-only or cancelled event; a pass forged, damaged, for another event
    or of a cancelled registration; a code no registration of this event has; a registration
    not confirmed. A pass already used is no error: the result says ``already``.
    """
    if not can_check_in(actor):
        raise CheckInNotAllowed(_("You are not allowed to check participants in."))
    if not event.is_in_person:
        raise CheckInRefused(_("This event is online only: there is no door to check in at."))
    if event.is_cancelled:
        raise CheckInRefused(_("This event has been cancelled."))
    if token.strip():
        registration_id = links.read_door_token(token, event=event).pk
    elif code.strip():
        registration_id = (
            Registration.objects.filter(event=event, door_code=normalise_door_code(code))
            .values_list("pk", flat=True)
            .first()
        )
        if registration_id is None:
            raise InvalidToken(_("No registration for this event has this code. Check it and type it again."))
    else:
        raise CheckInRefused(_("Scan a pass or type its code."))
    return _record(registration_id=registration_id, now=timezone.now(), again_is_refused=False)


def _record(*, registration_id: int, now: datetime, again_is_refused: bool) -> DoorCheckIn:
    with transaction.atomic():
        locked = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("event", "participant")
            .get(pk=registration_id)
        )
        if locked.event.is_cancelled:
            raise CheckInRefused(_("This event has been cancelled."))
        if locked.status == RegStatus.ATTENDED:
            if again_is_refused:
                raise CheckInRefused(_("This participant has already been checked in."))
            return DoorCheckIn(registration=locked, already=True)
        if locked.event.is_hybrid and locked.mode == Registration.Attendance.ONLINE:
            raise CheckInRefused(
                _("This participant registered to take part online; they can switch to a seat in the room first.")
            )
        if locked.status != RegStatus.CONFIRMED:
            raise CheckInRefused(
                _("This registration is %(status)s: only confirmed participants can be checked in.")
                % {"status": locked.get_status_display().lower()}
            )
        locked.status = RegStatus.ATTENDED
        locked.status_changed_at = locked.attended_at = now
        locked.attendance = Registration.Attendance.IN_PERSON
        locked.status_notified_at = now  # no email for attending
        locked.save(update_fields=["status", "status_changed_at", "attended_at", "attendance", "status_notified_at"])
    return DoorCheckIn(registration=locked, already=False)
