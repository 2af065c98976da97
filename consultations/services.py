"""Rules of consultations: taking part, moderation, the response. One function per change.

Comments follow the moderation rules of every comment (portal.moderation). Posting here also
needs a live consultation that is open by the clock (``check_open``: there is no job that opens
or closes a consultation, each post compares the time), a participant of a sector and country
the consultation admits, and a paragraph of the current draft (or none: the whole draft).
A refused post saves nothing. The response is published by an editor once the consultation
has closed; everyone who took part is then emailed once (consultations.emails).
"""

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Profile
from accounts.services import can_participate
from consultations.models import Comment, Consultation, Paragraph
from consultations.tasks import notify_participants, send_comment_decision
from portal import moderation
from portal import services as workflow
from portal.moderation import (  # noqa: F401  (the errors callers catch, under this module's name)
    AlreadyReported,
    InputError,
    InvalidMove,
    NotAllowed,
    RateLimited,
    reporter_key_for,
)

Phase = Consultation.Phase


class NotOpen(NotAllowed):
    """Before the opening time or after the closing time."""


class NotEligible(NotAllowed):
    """The participant's sector or country is not among those the consultation admits."""


class UnknownParagraph(InputError):
    pass


# --- Taking part ------------------------------------------------------------------------------


def _local(when) -> str:
    return formats.date_format(timezone.localtime(when), "DATETIME_FORMAT") + " " + timezone.localtime(when).tzname()


def check_open(consultation: Consultation, *, now=None) -> None:
    """NotOpen unless the consultation is live and ``now`` is between its opening and closing times."""
    now = now or timezone.now()
    if not consultation.is_live:
        raise NotOpen(_("This consultation is not open."))
    phase = consultation.phase_at(now)
    if phase == Phase.UPCOMING:
        raise NotOpen(_("This consultation opens on %(when)s.") % {"when": _local(consultation.opens_at)})
    if phase == Phase.CLOSED:
        raise NotOpen(
            _("This consultation closed on %(when)s: it no longer takes comments.")
            % {"when": _local(consultation.closes_at)}
        )


def eligibility_refusal(consultation: Consultation, profile: Profile | None) -> str:
    """Why this profile may not take part ('' when it may). Uses the prefetched countries."""
    if profile is None:
        return _("Only participants with a verified email address and a profile can comment.")
    if consultation.eligible_sectors and profile.sector not in consultation.eligible_sectors:
        return _("This consultation takes comments from these sectors only: %(sectors)s.") % {
            "sectors": ", ".join(consultation.eligible_sector_labels())
        }
    countries = list(consultation.eligible_countries.all())
    if countries and profile.country.code not in {country.code for country in countries}:
        return _("This consultation takes comments from participants of these countries only: %(countries)s.") % {
            "countries": ", ".join(country.name for country in countries)
        }
    return ""


def post_comment(*, consultation: Consultation, participant, text: str, paragraph_key: str = "", now=None) -> Comment:
    """A participant's comment on one paragraph of the draft (``paragraph_key``) or on the whole.

    Refused, with nothing saved: someone who is not a participant (verified email and
    profile); a consultation that is not live, not open yet or closed (the time is checked
    here, and the comment is stamped with that same time); a sector or country the
    consultation does not admit; a paragraph that is not one of the draft's (a heading, a
    removed paragraph, a key of another consultation); text that is empty or longer than
    CONSULTATIONS_COMMENT_MAX_LENGTH; more than CONSULTATIONS_COMMENT_RATE.
    """
    now = now or timezone.now()
    if not can_participate(participant):
        raise NotAllowed(_("Only participants with a verified email address and a profile can comment."))
    check_open(consultation, now=now)
    profile = Profile.objects.get(user=participant)
    refusal = eligibility_refusal(consultation, profile)
    if refusal:
        raise NotEligible(refusal)
    paragraph = None
    if paragraph_key:
        paragraph = Paragraph.objects.filter(consultation=consultation, key=str(paragraph_key)[:16]).first()
        if paragraph is None or not paragraph.is_commentable:
            raise UnknownParagraph(
                _("That paragraph is not part of the draft (it may have been removed by an edit). Choose another one.")
            )
    text = moderation.checked_text(text, max_length=settings.CONSULTATIONS_COMMENT_MAX_LENGTH)
    moderation.take_comment_allowance(
        scope="consultation-comment", participant=participant, rate=settings.CONSULTATIONS_COMMENT_RATE
    )
    return Comment.objects.create(
        consultation=consultation,
        paragraph=paragraph,
        text=text,
        created_at=now,
        **moderation.author_fields(participant=participant, profile=profile),
    )


# --- Moderation -------------------------------------------------------------------------------


def can_moderate(user) -> bool:
    return moderation.can_moderate(user, Comment)


def approve_comment(*, comment: Comment, moderator) -> Comment:
    """Pending or hidden → approved: counted and shown under its paragraph; reports so far set aside."""
    moderation.decide(comment=comment, moderator=moderator, decision="approve", after_commit=_tell_author)
    return comment


def reject_comment(*, comment: Comment, moderator, reason: str) -> Comment:
    """Pending, hidden or approved → rejected, with the reason the author is told (required)."""
    moderation.decide(comment=comment, moderator=moderator, decision="reject", reason=reason, after_commit=_tell_author)
    return comment


def _tell_author(comment_id: int) -> None:
    send_comment_decision.enqueue(comment_id)


def report_comment(*, comment: Comment, reporter_key: str, reason: str, user=None, client_address: str = "") -> bool:
    """A visitor's report of an approved comment (portal.moderation.report)."""
    return moderation.report(
        comment=comment, reporter_key=reporter_key, reason=reason, user=user, client_address=client_address
    )


# --- The draft and the response -----------------------------------------------------------------


def retake_publication_text(*, consultation: Consultation, actor) -> None:
    """The publication's current text becomes the draft again, matched to the paragraphs there were
    (an edit like any other: comments stay with their paragraph). For whoever may edit it."""
    if not workflow.can_edit(actor, consultation):
        raise NotAllowed(_("You may not edit this consultation."))
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().select_related("publication").get(pk=consultation.pk)
        if locked.publication is None:
            raise InvalidMove(_("This consultation's draft is not a publication."))
        locked.take_text_from_publication()
        locked.save()
    consultation.refresh_from_db()


def close_now(*, consultation: Consultation, actor, now=None) -> None:
    """Bring the closing time forward to now (an editor ends a consultation early): from then on it
    takes no comment, as if it had reached its closing time, and the editors are told as usual."""
    now = now or timezone.now()
    if not workflow.is_editor(actor, Consultation):
        raise NotAllowed(_("Only editors can close a consultation."))
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if locked.phase_at(now) != Phase.OPEN:
            raise InvalidMove(_("Only an open consultation can be closed."))
        locked.closes_at = now
        locked.save(update_fields=["closes_at", "updated_at"])
    consultation.refresh_from_db()


def publish_response(*, consultation: Consultation, actor, now=None) -> None:
    """Make the response (and the final document, and the responses per paragraph) public, and
    email everyone who took part, once, after commit.

    Only editors (``publish_consultation``), only once the consultation has closed, only with
    a response written, and only once.
    """
    now = now or timezone.now()
    if not workflow.is_editor(actor, Consultation):
        raise NotAllowed(_("Only editors can publish a consultation's response."))
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if locked.response_published_at is not None:
            raise InvalidMove(_("The response to this consultation was published already."))
        if not locked.is_live:
            raise InvalidMove(_("Publish the consultation before its response."))
        if locked.phase_at(now) != Phase.CLOSED:
            raise InvalidMove(
                _("The consultation is still open until %(when)s: publish the response after it has closed.")
                % {"when": _local(locked.closes_at)}
            )
        if not any((getattr(locked, f"response_{code}", "") or "").strip() for code, _name in settings.LANGUAGES):
            raise InvalidMove(_("Write the response first: what changed in the document, and why."))
        locked.response_published_at = now
        locked.response_published_by = actor
        locked.save(update_fields=["response_published_at", "response_published_by", "updated_at"])
        consultation_id = locked.pk
        transaction.on_commit(lambda: notify_participants.enqueue(consultation_id))
    consultation.refresh_from_db()


# --- Personal data ("My account") ------------------------------------------------------------------


def comments_of(user) -> list[Comment]:
    return list(
        Comment.objects.of_participant(user)
        .select_related("consultation", "paragraph")
        .only(
            "text", "status", "created_at", "rejection_reason", "consultation__title", "consultation__slug",
            "consultation__status", "consultation__published_at", "paragraph__number", "paragraph__key",
        )[:200]
    )  # fmt: skip


def export_comments(user) -> list[dict]:
    return [
        {
            "consultation": comment.consultation.title,
            "paragraph": comment.paragraph.number if comment.paragraph_id else None,
            "text": comment.text,
            "status": comment.status,
            "posted_at": comment.created_at.isoformat(),
            "rejection_reason": comment.rejection_reason,
            "name": comment.author_name,
            "organisation": comment.author_organisation,
            "sector": comment.author_sector,
            "country": comment.author_country.code if comment.author_country else None,
        }
        for comment in Comment.objects.of_participant(user).select_related("consultation", "paragraph")
    ]


def erase_comments(user) -> None:
    """Account deletion: the comments stay as from a former participant (portal.moderation.erase_author)."""
    moderation.erase_author(Comment, user)
