"""Rules about stakeholder input and downloads: one function per change.

Comments follow the moderation rules shared with consultations (portal.moderation: the
state machine, moderation, reports, the rate limits). Posting here also needs a live
publication open to input. Moderation needs the ``moderate_comment`` permission; every
decision is told to the author by email after commit.
"""

from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Profile
from accounts.services import can_participate
from observatory.models import Comment, Publication, PublicationFile
from observatory.tasks import send_comment_decision
from portal import moderation
from portal.moderation import (  # noqa: F401  (the errors callers catch, under this module's name)
    AlreadyReported,
    InputError,
    InvalidMove,
    NotAllowed,
    RateLimited,
    normalise_text,
    reporter_key_for,
)

Status = Comment.Status
COMMENT_MOVES = moderation.MOVES


# --- Posting ------------------------------------------------------------------------------


def post_comment(*, publication: Publication, participant, text: str) -> Comment:
    """A participant's comment on a live publication, pending moderation.

    Only participants (verified email and profile) may post, on publications open to
    input, plain text of at most OBSERVATORY_COMMENT_MAX_LENGTH characters, within
    OBSERVATORY_COMMENT_RATE. The name, organisation, sector and country are copied from
    the profile now. A refused post saves nothing.
    """
    if not can_participate(participant):
        raise NotAllowed(_("Only participants with a verified email address and a profile can comment."))
    if not (publication.is_live and publication.accepts_comments):
        raise NotAllowed(_("This publication does not take comments."))
    text = moderation.checked_text(text, max_length=settings.OBSERVATORY_COMMENT_MAX_LENGTH)
    moderation.take_comment_allowance(scope="comment", participant=participant, rate=settings.OBSERVATORY_COMMENT_RATE)
    profile = Profile.objects.get(user=participant)
    return Comment.objects.create(
        publication=publication, text=text, **moderation.author_fields(participant=participant, profile=profile)
    )


# --- Moderation ---------------------------------------------------------------------------


def can_moderate(user) -> bool:
    return moderation.can_moderate(user, Comment)


def approve_comment(*, comment: Comment, moderator) -> Comment:
    """Pending or hidden → approved: shown on the publication page; reports so far are set aside."""
    moderation.decide(comment=comment, moderator=moderator, decision="approve", after_commit=_tell_author)
    return comment


def reject_comment(*, comment: Comment, moderator, reason: str) -> Comment:
    """Pending, hidden or approved → rejected, with the reason the author is told (required)."""
    moderation.decide(comment=comment, moderator=moderator, decision="reject", reason=reason, after_commit=_tell_author)
    return comment


def _tell_author(comment_id: int) -> None:
    send_comment_decision.enqueue(comment_id)


def report_comment(*, comment: Comment, reporter_key: str, reason: str, user=None, client_address: str = "") -> bool:
    """Record a visitor's report of an approved comment; True when it hid the comment
    (portal.moderation.report: one per visitor, OBSERVATORY_REPORT_RATE, OBSERVATORY_REPORTS_TO_HIDE)."""
    return moderation.report(
        comment=comment, reporter_key=reporter_key, reason=reason, user=user, client_address=client_address
    )


# --- Downloads ----------------------------------------------------------------------------

#: How old, at most, the download counts an anonymous visitor sees are: the publication page and
#: the API's reads are kept that long at most by the caches (a download is not a publish, so
#: the content version does not turn with it).
DOWNLOAD_COUNTS_FRESH_SECONDS = 120


def count_download(*, file: PublicationFile) -> None:
    """One more download of ``file``, added by the database (no lost updates under load)."""
    PublicationFile.objects.filter(pk=file.pk).update(download_count=F("download_count") + 1)


# --- Personal data ("My account") -----------------------------------------------------------


def comments_of(user) -> list[Comment]:
    return list(
        Comment.objects.of_participant(user).select_related("publication").only(
            "text", "status", "created_at", "rejection_reason", "publication__title", "publication__slug",
            "publication__status", "publication__published_at",
        )[:200]
    )  # fmt: skip


def export_comments(user) -> list[dict]:
    return [
        {
            "publication": comment.publication.title,
            "text": comment.text,
            "status": comment.status,
            "posted_at": comment.created_at.isoformat(),
            "rejection_reason": comment.rejection_reason,
            "name": comment.author_name,
            "organisation": comment.author_organisation,
            "sector": comment.author_sector,
            "country": comment.author_country.code or None,
        }
        for comment in Comment.objects.of_participant(user).select_related("publication")
    ]


def erase_comments(user) -> None:
    """Account deletion: the comments stay as from a former participant (portal.moderation.erase_author)."""
    moderation.erase_author(Comment, user)
