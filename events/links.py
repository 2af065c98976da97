"""Personal links (confirm, cancel, join) and the door pass: signed tokens and the addresses that carry them.

A token (django.core.signing) carries the registration and its current ``key``; a new key
(set on cancellation and on registering again) revokes every earlier link. Every personal
address is built here: ``personal_path`` for the pages (the event page, "My account", the
page after confirming), ``personal_url`` for the emails (absolute, in the participant's language).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from events.errors import InvalidToken, NotYourLink, TokenExpired
from events.models import Event, Registration

CONFIRM, CANCEL, JOIN, SURVEY = "confirm", "cancel", "join", "survey"


@dataclass(frozen=True)
class LinkPurpose:
    salt: str
    max_age_setting: str


PURPOSES = {
    CONFIRM: LinkPurpose("events.registration.confirm", "EVENTS_CONFIRM_LINK_MAX_AGE"),
    CANCEL: LinkPurpose("events.registration.cancel", "EVENTS_PERSONAL_LINK_MAX_AGE"),
    JOIN: LinkPurpose("events.registration.join", "EVENTS_PERSONAL_LINK_MAX_AGE"),
    SURVEY: LinkPurpose("events.registration.survey", "EVENTS_PERSONAL_LINK_MAX_AGE"),
}


def make_token(registration: Registration, purpose: str) -> str:
    """A signed, personal token for one purpose; the salt keeps a cancel link from confirming."""
    return signing.dumps({"r": registration.pk, "k": registration.key}, salt=PURPOSES[purpose].salt, compress=False)


def read_token(token: str, purpose: str, *, event: Event, user=None, with_participant: bool = True) -> Registration:
    """The registration a link belongs to; raise InvalidToken (or a subclass) otherwise.

    Checks the signature and age, that the key is still the registration's (not revoked),
    that the link is for this event and, when someone is signed in, that it is theirs. The
    registration's ``event`` is the one given (not read again); its participant is read with it
    unless ``with_participant`` is false (the confirmation's answers need only the id).
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
    found = Registration.objects.filter(pk=data["r"], event=event).order_by()
    registration = (found.select_related("participant") if with_participant else found).first()
    if registration is None:
        raise InvalidToken(_("This link is not for this event."))
    if not constant_time_compare(registration.key, data["k"]):
        raise InvalidToken(_("This link is no longer valid: the registration it belongs to was cancelled."))
    if user is not None and user.is_authenticated and user.pk != registration.participant_id:
        raise NotYourLink(_("This link belongs to another participant. Sign out, or use the link from your own email."))
    registration.event = event
    return registration


#: The door pass (the QR code of the confirmation email and "My account"): its own salt, so
#: that no other link can be shown at the door, and the event's id, so that a pass for one
#: event is refused at another's door.
DOOR_SALT = "events.registration.door"


def make_door_token(registration: Registration) -> str:
    """What the participant's QR code carries: signed, bound to the registration, its key and its event."""
    return signing.dumps(
        {"r": registration.pk, "k": registration.key, "e": registration.event_id}, salt=DOOR_SALT, compress=False
    )


def read_door_token(token: str, *, event: Event) -> Registration:
    """The registration a door pass belongs to; raise InvalidToken with what staff should tell the person.

    Forged or damaged: refused. For another event: refused, naming it. Its registration
    cancelled since (a new key): refused. No age limit: a pass made at confirmation works on the day.
    """
    try:
        data = signing.loads(token.strip(), salt=DOOR_SALT)
    except signing.BadSignature as error:
        raise InvalidToken(_("This is not a valid pass for this portal: it may be damaged or forged.")) from error
    if not isinstance(data, dict) or not all(isinstance(data.get(name), want) for name, want in DOOR_FIELDS.items()):
        raise InvalidToken(_("This is not a valid pass for this portal: it may be damaged or forged."))
    if data["e"] != event.pk:
        other = Event.objects.filter(pk=data["e"]).values_list("title", flat=True).first()
        raise InvalidToken(
            _("This pass is for another event: “%(title)s”.") % {"title": other or _("an event that no longer exists")}
        )
    registration = Registration.objects.filter(pk=data["r"], event=event).select_related("participant").first()
    if registration is None or not constant_time_compare(registration.key, data["k"]):
        raise InvalidToken(_("This pass is no longer valid: the registration it belongs to was cancelled."))
    return registration


DOOR_FIELDS = {"r": int, "k": str, "e": int}


def personal_path(registration: Registration, purpose: str) -> str:
    """The path of the participant's own link for ``purpose``, in the active language."""
    return reverse(
        f"events:registration_{purpose}",
        kwargs={"slug": registration.event.slug, "token": make_token(registration, purpose)},
    )


def personal_url(registration: Registration, purpose: str) -> str:
    """The participant's own link, in their language (/es/… for Spanish), whatever language is active."""
    with translation.override(registration.participant.preferred_language):
        return settings.SITE_URL + personal_path(registration, purpose)
