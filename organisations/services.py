"""Rules about organisations and their members: one function per change.

Only participants (verified email and profile, accounts.services.can_participate) create or
join organisations. Representatives invite, approve, decline and remove; every active
organisation keeps at least one representative (the last one can neither leave nor be
removed nor become a plain member). Staff with ``organisations.verify_organisation`` verify.
Each change locks the organisation's row, so two representatives acting at once cannot
leave it without one. Invitation emails are sent after commit, once (organisations.emails).
"""

import secrets

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.services import AccountError, can_participate
from organisations.invitations import invitation_from_token, invitation_token  # noqa: F401  (re-exported)
from organisations.models import Membership, Organisation
from organisations.tasks import send_invitation

User = get_user_model()
Role = Membership.Role
Status = Membership.Status


class OrganisationError(Exception):
    """A refused change; ``str(error)`` is the message to show."""


class NotAllowed(OrganisationError):
    pass


class InvalidMove(OrganisationError):
    pass


#: Allowed moves of a membership: target status → statuses it may come from.
MOVES = {
    Status.ACTIVE: {Status.INVITED, Status.REQUESTED},
    Status.DECLINED: {Status.REQUESTED},
    Status.REMOVED: {Status.ACTIVE, Status.INVITED},
}


# --- Reads ---------------------------------------------------------------------------------


def membership_of(user, organisation) -> Membership | None:
    """``user``'s active membership of ``organisation``, or None."""
    if not (user and user.is_authenticated):
        return None
    return Membership.objects.active().filter(organisation=organisation, person=user).first()


def is_representative(user, organisation) -> bool:
    membership = membership_of(user, organisation)
    return bool(membership and membership.role == Role.REPRESENTATIVE)


def my_organisations_section(user) -> dict:
    """What "My account" shows: active memberships, pending requests and invitations."""
    memberships = list(
        Membership.objects.of(user)
        .filter(status__in=[Status.ACTIVE, Status.REQUESTED])
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )
    return {"memberships": memberships}


def search_to_join(text: str, *, limit: int = 10):
    """Organisations a participant may ask to join: name contains ``text`` (3 characters at least)."""
    text = (text or "").strip()[:100]
    if len(text) < 3:
        return Organisation.objects.none()
    return Organisation.objects.filter(name__icontains=text).order_by("-is_verified", "name", "pk")[:limit]


# --- Changes -------------------------------------------------------------------------------


def _require_participant(user):
    if not can_participate(user):
        raise NotAllowed(_("Only participants with a verified email address and a profile can do this."))


#: Addresses under /organisations/ that are pages, not organisations.
RESERVED_SLUGS = {"new", "join", "invitations"}


def _unique_slug(name: str) -> str:
    base = slugify(name)[:100] or "organisation"
    if base in RESERVED_SLUGS:
        base = f"{base}-organisation"
    slug, number = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def _lock(organisation) -> Organisation:
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


def _require_representative(actor, organisation):
    if not is_representative(actor, organisation):
        raise NotAllowed(_("Only a representative of the organisation can do this."))


def create_organisation(
    *, creator, name: str, country: str, size_class: str, sector: str, is_led_by_women: bool | None = None
) -> Organisation:
    """A participant registers an organisation and becomes its first representative (unverified until staff verify)."""
    _require_participant(creator)
    name = " ".join((name or "").split())
    if len(name) < 2:
        raise OrganisationError(_("Give the organisation's name."))
    with transaction.atomic():
        organisation = Organisation.objects.create(
            name=name,
            slug=_unique_slug(name),
            country=country,
            size_class=size_class,
            sector=sector,
            is_led_by_women=is_led_by_women,
            created_by=creator,
        )
        Membership.objects.create(
            organisation=organisation,
            person=creator,
            role=Role.REPRESENTATIVE,
            status=Status.ACTIVE,
            joined_at=timezone.now(),
        )
    return organisation


def update_organisation(*, organisation, actor, changes: dict) -> Organisation:
    """A representative corrects the organisation's details; staff verification is kept."""
    allowed = {"name", "country", "size_class", "sector", "is_led_by_women"}
    with transaction.atomic():
        locked = _lock(organisation)
        _require_representative(actor, locked)
        for name, value in changes.items():
            if name in allowed:
                setattr(locked, name, " ".join(value.split()) if name == "name" else value)
        locked.save()
    organisation.refresh_from_db()
    return locked


def request_to_join(*, organisation, person) -> Membership:
    """A participant asks to join; a representative approves or declines."""
    _require_participant(person)
    with transaction.atomic():
        _lock(organisation)
        existing = Membership.objects.filter(
            organisation=organisation, person=person, status__in=[Status.INVITED, Status.REQUESTED, Status.ACTIVE]
        ).first()
        if existing is not None:
            raise InvalidMove(
                {
                    Status.ACTIVE: _("You are already a member of this organisation."),
                    Status.REQUESTED: _("You have already asked to join; a representative will answer."),
                    Status.INVITED: _("You have been invited to this organisation: open the link in the invitation."),
                }[existing.status]
            )
        return Membership.objects.create(organisation=organisation, person=person, status=Status.REQUESTED)


def _move(membership, target, **fields) -> Membership:
    if membership.status not in MOVES[target]:
        raise InvalidMove(
            _("This membership is %(status)s; it cannot change that way.")
            % {"status": membership.get_status_display().lower()}
        )
    membership.status = target
    for name, value in fields.items():
        setattr(membership, name, value)
    membership.save()
    return membership


def _locked_membership(membership) -> Membership:
    return Membership.objects.select_for_update().get(pk=membership.pk)


def approve_request(*, membership, actor) -> Membership:
    """A representative accepts a request to join: the person becomes a member."""
    with transaction.atomic():
        _lock(membership.organisation)
        _require_representative(actor, membership.organisation)
        locked = _locked_membership(membership)
        if locked.status != Status.REQUESTED:
            raise InvalidMove(_("This request has already been answered."))
        return _move(locked, Status.ACTIVE, decided_by=actor, joined_at=timezone.now())


def decline_request(*, membership, actor) -> Membership:
    with transaction.atomic():
        _lock(membership.organisation)
        _require_representative(actor, membership.organisation)
        locked = _locked_membership(membership)
        if locked.status != Status.REQUESTED:
            raise InvalidMove(_("This request has already been answered."))
        return _move(locked, Status.DECLINED, decided_by=actor, ended_at=timezone.now())


def invite(*, organisation, email: str, role: str, actor) -> Membership:
    """A representative invites someone by email; the link works for that address only.

    Inviting an address again sends a new link (the old one stops working). Nothing tells
    the representative whether the address has an account.
    """
    email = User.objects.normalize_email((email or "").strip())
    if "@" not in email:
        raise OrganisationError(_("Enter a valid email address."))
    if role not in Role.values:
        raise OrganisationError(_("Choose a role."))
    with transaction.atomic():
        _lock(organisation)
        _require_representative(actor, organisation)
        person = User.objects.filter(email__iexact=email, is_active=True).first()
        if (
            person is not None
            and Membership.objects.filter(organisation=organisation, person=person, status=Status.ACTIVE).exists()
        ):
            raise InvalidMove(_("This person is already a member of the organisation."))
        membership = (
            Membership.objects.select_for_update()
            .filter(organisation=organisation, status=Status.INVITED, invited_email__iexact=email)
            .first()
        )
        if membership is None and person is not None:
            membership = (
                Membership.objects.select_for_update()
                .filter(organisation=organisation, person=person, status=Status.REQUESTED)
                .first()
            )
            if membership is not None:  # they had asked: inviting them answers the request
                return _move(membership, Status.ACTIVE, role=role, decided_by=actor, joined_at=timezone.now())
        if membership is None:
            membership = Membership(organisation=organisation, status=Status.INVITED)
        membership.invited_email = email
        membership.role = role
        membership.invited_by = actor
        membership.invitation_key = secrets.token_hex(16)
        membership.invitation_sent_at = None
        membership.created_at = timezone.now()
        try:
            with transaction.atomic():
                membership.save()
        except IntegrityError:
            raise InvalidMove(_("This address has just been invited.")) from None
        transaction.on_commit(lambda: send_invitation.enqueue(membership.pk))
    return membership


def accept_invitation(*, membership, person) -> Membership:
    """The invitee, signed in with the invited address (verified), joins with the invited role."""
    _require_participant(person)
    with transaction.atomic():
        _lock(membership.organisation)
        locked = _locked_membership(membership)
        if locked.status != Status.INVITED or not locked.invitation_key:
            raise InvalidMove(_("This invitation is no longer valid."))
        if locked.invited_email.lower() != person.email.lower():
            raise NotAllowed(_("This invitation was sent to another address. Sign in with the address it was sent to."))
        other = Membership.objects.filter(
            organisation=locked.organisation, person=person, status__in=[Status.REQUESTED, Status.ACTIVE]
        ).first()
        if other is not None and other.status == Status.ACTIVE:
            locked.status, locked.ended_at, locked.invitation_key = Status.REMOVED, timezone.now(), ""
            locked.save()
            raise InvalidMove(_("You are already a member of this organisation."))
        if other is not None:  # a pending request of theirs is answered by the invitation
            other.status, other.ended_at = Status.DECLINED, timezone.now()
            other.save()
        return _move(locked, Status.ACTIVE, person=person, invitation_key="", joined_at=timezone.now())


def revoke_invitation(*, membership, actor) -> Membership:
    with transaction.atomic():
        _lock(membership.organisation)
        _require_representative(actor, membership.organisation)
        locked = _locked_membership(membership)
        if locked.status != Status.INVITED:
            raise InvalidMove(_("This invitation is no longer open."))
        return _move(locked, Status.REMOVED, invitation_key="", ended_at=timezone.now())


def _other_representatives(membership) -> bool:
    return (
        Membership.objects.representatives()
        .filter(organisation_id=membership.organisation_id)
        .exclude(pk=membership.pk)
        .exists()
    )


def remove_member(*, membership, actor) -> Membership:
    """A representative removes a colleague (or revokes an invitation); never the last representative."""
    if membership.status == Status.INVITED:
        return revoke_invitation(membership=membership, actor=actor)
    with transaction.atomic():
        _lock(membership.organisation)
        _require_representative(actor, membership.organisation)
        locked = _locked_membership(membership)
        if locked.role == Role.REPRESENTATIVE and locked.status == Status.ACTIVE and not _other_representatives(locked):
            raise InvalidMove(_("The organisation's last representative cannot be removed. Name another one first."))
        return _move(locked, Status.REMOVED, ended_at=timezone.now())


def leave(*, organisation, person) -> Membership:
    """A member leaves. The last representative cannot: they name another one first."""
    with transaction.atomic():
        _lock(organisation)
        membership = (
            Membership.objects.select_for_update().filter(organisation=organisation, person=person).active().first()
        )
        if membership is None:
            raise InvalidMove(_("You are not a member of this organisation."))
        if membership.role == Role.REPRESENTATIVE and not _other_representatives(membership):
            raise InvalidMove(
                _("You are the organisation's last representative: name another representative before you leave.")
            )
        return _move(membership, Status.REMOVED, ended_at=timezone.now())


def change_role(*, membership, role: str, actor) -> Membership:
    """A representative makes a member a representative, or the other way round (never the last one)."""
    if role not in Role.values:
        raise OrganisationError(_("Choose a role."))
    with transaction.atomic():
        _lock(membership.organisation)
        _require_representative(actor, membership.organisation)
        locked = _locked_membership(membership)
        if locked.status != Status.ACTIVE:
            raise InvalidMove(_("Only an active member's role can change."))
        if locked.role == Role.REPRESENTATIVE and role == Role.MEMBER and not _other_representatives(locked):
            raise InvalidMove(_("The organisation's last representative cannot become a plain member."))
        locked.role = role
        locked.save(update_fields=["role"])
        return locked


def verify(*, organisation, actor) -> Organisation:
    """Staff confirm that the organisation exists and its details are right."""
    if not (actor.is_active and actor.is_staff and actor.has_perm("organisations.verify_organisation")):
        raise NotAllowed(_("Only staff who may verify organisations can do this."))
    with transaction.atomic():
        locked = _lock(organisation)
        if locked.is_verified:
            raise InvalidMove(_("“%(name)s” is already verified.") % {"name": locked.name})
        locked.is_verified, locked.verified_at, locked.verified_by = True, timezone.now(), actor
        locked.save(update_fields=["is_verified", "verified_at", "verified_by", "updated_at"])
    organisation.refresh_from_db()
    return locked


# --- Personal data ---------------------------------------------------------------------------


def export_memberships(user) -> list[dict]:
    return [
        {
            "organisation": membership.organisation.name,
            "country": membership.organisation.country.code,
            "role": membership.role,
            "status": membership.status,
            "created_at": membership.created_at.isoformat(),
            "joined_at": membership.joined_at.isoformat() if membership.joined_at else None,
            "ended_at": membership.ended_at.isoformat() if membership.ended_at else None,
        }
        for membership in Membership.objects.of(user).select_related("organisation").order_by("pk")
    ]


def erase_memberships(user) -> None:
    """On account deletion: the person leaves every organisation. The organisation's data
    stays (it is the organisation's); a last representative with colleagues must hand over first."""
    for membership in Membership.objects.of(user).active().filter(role=Role.REPRESENTATIVE):
        if (
            not _other_representatives(membership)
            and Membership.objects.active()
            .filter(organisation_id=membership.organisation_id)
            .exclude(pk=membership.pk)
            .exists()
        ):
            raise AccountError(
                _(
                    "You are the last representative of “%(name)s”: make a colleague a representative "
                    "before you delete your account."
                )
                % {"name": membership.organisation.name}
            )
    now = timezone.now()
    Membership.objects.of(user).filter(status__in=[Status.ACTIVE, Status.REQUESTED, Status.INVITED]).update(
        status=Status.REMOVED, ended_at=now, invitation_key=""
    )
    Membership.objects.filter(status=Status.INVITED, invited_email__iexact=user.email).update(
        status=Status.REMOVED, ended_at=now, invitation_key=""
    )
