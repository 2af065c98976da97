"""Rules about stakeholder input and downloads: one function per change.

Comments move through an explicit state machine (COMMENT_MOVES). Posting needs a
participant (verified email and profile), a live publication open to input, plain text
within the length limit, and an unused allowance of the rate limit. Moderation needs the
``moderate_comment`` permission; every decision is told to the author by email after
commit. Reports hide an approved comment once OBSERVATORY_REPORTS_TO_HIDE visitors have
reported it, until a moderator reviews it.
"""

import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Profile
from accounts.services import can_participate
from observatory.models import Comment, CommentReport, Publication, PublicationFile
from portal.cache import content_changed

Status = Comment.Status


class InputError(Exception):
    """A refused post, report or decision; ``str(error)`` is the message to show."""


class NotAllowed(InputError):
    pass


class RateLimited(InputError):
    pass


class InvalidMove(InputError):
    pass


class AlreadyReported(InputError):
    pass


# --- Rate limits --------------------------------------------------------------------------

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """``"5/h"``, ``"20/10m"`` → Rate(5, 3600), Rate(20, 600)."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", text or "")
        if not match:
            raise ValueError(f"Not a rate: {text!r} (expected e.g. 5/h or 20/10m).")
        amount, count, unit = match.groups()
        return cls(int(amount), int(count or 1) * _PERIODS[unit])


def take_allowance(*, scope: str, key: str, rate: str) -> bool:
    """Use one unit of ``rate`` for ``key``; False when none is left in the current window.

    A fixed window in the cache (shared between app servers when REDIS_URL is set).
    """
    limit = Rate.parse(rate)
    window = int(timezone.now().timestamp()) // limit.seconds
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"observatory:rate:{scope}:{digest}:{window}"
    cache.add(cache_key, 0, timeout=limit.seconds + 5)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=limit.seconds + 5)
        used = 1
    return used <= limit.amount


# --- Posting ------------------------------------------------------------------------------

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_comment_text(text: str) -> str:
    """Plain text as it will be stored: no control characters, unified line ends, trimmed."""
    text = CONTROL_CHARACTERS.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


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
    text = normalise_comment_text(text)
    if len(text) < 2:
        raise InputError(_("Write your comment before sending it."))
    if len(text) > settings.OBSERVATORY_COMMENT_MAX_LENGTH:
        raise InputError(
            _("Your comment is too long: at most %(max)s characters.")
            % {"max": settings.OBSERVATORY_COMMENT_MAX_LENGTH}
        )
    if not take_allowance(scope="comment", key=f"user:{participant.pk}", rate=settings.OBSERVATORY_COMMENT_RATE):
        raise RateLimited(
            _("You have sent several comments in a short time. Please wait a while before sending another one.")
        )
    profile = Profile.objects.get(user=participant)
    return Comment.objects.create(
        publication=publication,
        participant=participant,
        text=text,
        author_name=participant.full_name or participant.get_short_name(),
        author_organisation=profile.organisation,
        author_sector=profile.sector,
        author_country=profile.country.code,
    )


# --- Moderation ---------------------------------------------------------------------------

#: Decision → the statuses it may be taken from, and the status it leads to.
COMMENT_MOVES = {
    "approve": (frozenset({Status.PENDING, Status.HIDDEN}), Status.APPROVED),
    "reject": (frozenset({Status.PENDING, Status.HIDDEN, Status.APPROVED}), Status.REJECTED),
}


def can_moderate(user) -> bool:
    return bool(user and user.is_active and user.has_perm("observatory.moderate_comment"))


def approve_comment(*, comment: Comment, moderator) -> Comment:
    """Pending or hidden → approved: shown on the publication page; reports so far are set aside."""
    return _decide(comment=comment, moderator=moderator, decision="approve")


def reject_comment(*, comment: Comment, moderator, reason: str) -> Comment:
    """Pending, hidden or approved → rejected, with the reason the author is told (required)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidMove(_("Give the reason for rejecting the comment: the author is told."))
    return _decide(comment=comment, moderator=moderator, decision="reject", reason=reason)


def _decide(*, comment, moderator, decision, reason="") -> Comment:
    if not can_moderate(moderator):
        raise NotAllowed(_("Only editors can moderate comments."))
    sources, target = COMMENT_MOVES[decision]
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.status not in sources:
            raise InvalidMove(
                _("This comment is %(status)s; it cannot be %(decision)s.")
                % {
                    "status": locked.get_status_display().lower(),
                    "decision": _("approved") if decision == "approve" else _("rejected"),
                }
            )
        locked.status = target
        locked.moderated_at = timezone.now()
        locked.moderated_by = moderator
        locked.rejection_reason = reason if target == Status.REJECTED else ""
        locked.report_count = 0
        locked.save(update_fields=["status", "moderated_at", "moderated_by", "rejection_reason", "report_count"])
        CommentReport.objects.filter(comment=locked, is_reviewed=False).update(is_reviewed=True)
        from observatory.tasks import send_comment_decision

        comment_id = locked.pk
        transaction.on_commit(lambda: send_comment_decision.enqueue(comment_id))
    comment.refresh_from_db()
    return comment


def reporter_key_for(request) -> str:
    """One report per visitor: the account when signed in, else the browser session."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if not request.session.session_key:
        request.session.save()
    return "session:" + hashlib.sha256(request.session.session_key.encode()).hexdigest()[:40]


def report_comment(*, comment: Comment, reporter_key: str, reason: str, user=None, client_address: str = "") -> bool:
    """Record a visitor's report of an approved comment; True when it hid the comment.

    One report per visitor and comment; at most OBSERVATORY_REPORT_RATE reports per
    address. With OBSERVATORY_REPORTS_TO_HIDE unreviewed reports the comment is hidden
    until a moderator approves or rejects it.
    """
    if reason not in CommentReport.Reason.values:
        reason = CommentReport.Reason.OTHER
    if not take_allowance(scope="report", key=client_address or reporter_key, rate=settings.OBSERVATORY_REPORT_RATE):
        raise RateLimited(_("You have sent many reports in a short time. Please try again later."))
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.status != Status.APPROVED:
            raise InvalidMove(_("This comment is already being reviewed."))
        try:
            with transaction.atomic():
                CommentReport.objects.create(
                    comment=locked,
                    reporter=user if user is not None and user.is_authenticated else None,
                    reporter_key=reporter_key,
                    reason=reason,
                )
        except IntegrityError:
            raise AlreadyReported(_("You have already reported this comment. Thank you.")) from None
        locked.report_count = F("report_count") + 1
        locked.save(update_fields=["report_count"])
        locked.refresh_from_db(fields=["report_count"])
        hidden = locked.report_count >= settings.OBSERVATORY_REPORTS_TO_HIDE
        if hidden:
            locked.status = Status.HIDDEN
            locked.save(update_fields=["status"])
    comment.refresh_from_db()
    return hidden


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
    """Account deletion: drop the person and their name and organisation; keep sector and country.

    The comments stay (approved ones are part of the public record and the per-sector
    counts), shown as from a former participant. Their reports no longer point at them.
    """
    shown = Comment.objects.filter(participant=user, status=Comment.Status.APPROVED).exists()
    Comment.objects.filter(participant=user).update(participant=None, author_name="", author_organisation="")
    CommentReport.objects.filter(reporter=user).update(reporter=None)
    if shown:  # an UPDATE is no save that portal.cache.watch sees: the cached pages drop the name now
        content_changed()
