"""Pre-moderated input from participants: one set of rules for every kind of comment.

Comments on publications (observatory) and on the paragraphs of a draft under consultation
(consultations) live the same life, written here once:

    pending ──approve──▶ approved ──(enough reports)──▶ hidden ──approve──▶ approved
       └──────reject──▶ rejected ◀──────────reject──────────┘

- A participant posts plain text, within a length limit and a rate limit; the name,
  organisation, sector and country of their profile are copied onto the comment then.
- A moderator (the model's ``moderate_<model>`` permission) approves or rejects with a reason;
  the row is locked, the reports so far are set aside, and the author is told once, after
  commit (portal.emails.notify_comment_decision: the status last told is stamped under the
  row's lock, and the workers' sweep tells what a lost task left untold).
- Any visitor reports an approved comment once; with enough unreviewed reports it is hidden
  until a moderator decides again.

A concrete model inherits ``ModeratedComment`` and adds what it is about (a foreign key, the
``participant`` with its own related name, ``author_sector`` with the sector choices, the
permission, its indexes, ``commented_item`` and ``public_url``); its reports inherit
``ModeratedCommentReport``. Each app's services add their own conditions (a publication that
takes comments, a consultation that is open) and call the functions below; views, admin
(portal.admin.ModeratedCommentAdmin), tasks and commands call those services.
"""

import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.core.validators import MinLengthValidator
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries.fields import CountryField

from portal.cache import content_changed
from portal.ratelimit import take_allowance

# --- Errors -------------------------------------------------------------------------------


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


# --- The fields every moderated comment has -----------------------------------------------


class ModeratedComment(models.Model):
    """A participant's words, shown only once a moderator approved them.

    Who wrote it is copied from the profile when it is posted, so a page shows what was true
    then. Deleting the account erases the link to the person, the name and the organisation;
    sector and country stay for the counts.
    """

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Awaiting moderation")
        APPROVED = "approved", gettext_lazy("Approved")
        REJECTED = "rejected", gettext_lazy("Rejected")
        HIDDEN = "hidden", gettext_lazy("Hidden after reports")

    text = models.TextField(gettext_lazy("comment"), validators=[MinLengthValidator(2)])
    status = models.CharField(gettext_lazy("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    author_name = models.CharField(gettext_lazy("name"), max_length=200, blank=True)
    author_organisation = models.CharField(gettext_lazy("organisation"), max_length=200, blank=True)
    #: The participant's country when they commented (any ISO 3166 country, as in their profile).
    author_country = CountryField(gettext_lazy("country"), blank=True)
    created_at = models.DateTimeField(gettext_lazy("posted at"), default=timezone.now)
    moderated_at = models.DateTimeField(gettext_lazy("moderated at"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("moderated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejection_reason = models.TextField(gettext_lazy("reason for rejection"), blank=True)
    report_count = models.PositiveIntegerField(gettext_lazy("reports since last review"), default=0)
    # Idempotent decision emails: the status last told to the author, stamped under a row lock.
    notified_status = models.CharField(max_length=20, blank=True, editable=False)
    decision_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="%(app_label)s_%(class)s_rejection_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.display_name}: {self.text[:60]}"

    @property
    def display_name(self) -> str:
        return self.author_name or str(_("Former participant"))

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def commented_item(self):
        """What the comment is on (a publication, a consultation), for the admin and the emails."""
        raise NotImplementedError

    def public_url(self) -> str:
        """Where the comment shows once approved (a path on the site)."""
        raise NotImplementedError

    @classmethod
    def moderate_permission(cls) -> str:
        return f"{cls._meta.app_label}.moderate_{cls._meta.model_name}"


class ModeratedCommentReport(models.Model):
    """A visitor's report of an approved comment; one per visitor and comment (the concrete
    model adds the ``comment`` foreign key and that unique constraint)."""

    class Reason(models.TextChoices):
        OFFENSIVE = "offensive", gettext_lazy("Offensive or abusive")
        SPAM = "spam", gettext_lazy("Spam or advertising")
        PERSONAL_DATA = "personal_data", gettext_lazy("Discloses personal data")
        OFF_TOPIC = "off_topic", gettext_lazy("Off topic")
        OTHER = "other", gettext_lazy("Other")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "user:<id>" or a hash of the visitor's session: one report per visitor and comment.
    reporter_key = models.CharField(max_length=80)
    reason = models.CharField(gettext_lazy("reason"), max_length=20, choices=Reason.choices, default=Reason.OTHER)
    created_at = models.DateTimeField(gettext_lazy("reported at"), default=timezone.now)
    is_reviewed = models.BooleanField(gettext_lazy("reviewed"), default=False)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_reason_display()} ({self.created_at:%Y-%m-%d})"


Status = ModeratedComment.Status

#: Decision → the statuses it may be taken from, and the status it leads to.
MOVES = {
    "approve": (frozenset({Status.PENDING, Status.HIDDEN}), Status.APPROVED),
    "reject": (frozenset({Status.PENDING, Status.HIDDEN, Status.APPROVED}), Status.REJECTED),
}
DECISIONS = (Status.APPROVED, Status.REJECTED)


# --- Posting ------------------------------------------------------------------------------

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_text(text: str) -> str:
    """Plain text as it will be stored: no control characters, unified line ends, trimmed."""
    text = CONTROL_CHARACTERS.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def checked_text(text: str, *, max_length: int) -> str:
    """The text as stored, or InputError when it is empty or longer than ``max_length``."""
    text = normalise_text(text)
    if len(text) < 2:
        raise InputError(_("Write your comment before sending it."))
    if len(text) > max_length:
        raise InputError(_("Your comment is too long: at most %(max)s characters.") % {"max": max_length})
    return text


def take_comment_allowance(*, scope: str, participant, rate: str) -> None:
    """One comment of ``rate`` for this participant, or RateLimited (call it last, after every
    other check, so that a refused post does not use the allowance)."""
    if not take_allowance(scope=scope, key=f"user:{participant.pk}", rate=rate):
        raise RateLimited(
            _("You have sent several comments in a short time. Please wait a while before sending another one.")
        )


def author_fields(*, participant, profile) -> dict:
    """Who wrote it, as the comment keeps it: the profile as it is now."""
    return {
        "participant": participant,
        "author_name": participant.full_name or participant.get_short_name(),
        "author_organisation": profile.organisation,
        "author_sector": profile.sector,
        "author_country": profile.country.code,
    }


# --- Moderation ---------------------------------------------------------------------------


def can_moderate(user, model) -> bool:
    return bool(user and user.is_active and user.has_perm(model.moderate_permission()))


def decide(*, comment: ModeratedComment, moderator, decision: str, reason: str = "", after_commit: Callable) -> None:
    """Approve or reject ``comment`` (see MOVES), then ``after_commit(comment_id)`` (the email task).

    A rejection needs its reason (the author is told). The row is locked, so two moderators
    deciding at once are told one after the other; the reports so far are marked reviewed.
    """
    model = type(comment)
    if not can_moderate(moderator, model):
        raise NotAllowed(_("Only editors can moderate comments."))
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise InvalidMove(_("Give the reason for rejecting the comment: the author is told."))
    sources, target = MOVES[decision]
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=comment.pk)
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
        locked.reports.filter(is_reviewed=False).update(is_reviewed=True)
        comment_id = locked.pk
        transaction.on_commit(lambda: after_commit(comment_id))
    comment.refresh_from_db()


def reporter_key_for(request) -> str:
    """One report per visitor: the account when signed in, else the browser session."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if not request.session.session_key:
        request.session.save()
    return "session:" + hashlib.sha256(request.session.session_key.encode()).hexdigest()[:40]


def report(*, comment: ModeratedComment, reporter_key: str, reason: str, user=None, client_address: str = "") -> bool:
    """Record a visitor's report of an approved comment; True when it hid the comment.

    One report per visitor and comment; at most OBSERVATORY_REPORT_RATE reports per address,
    whatever they are about (one allowance for the whole site). With
    OBSERVATORY_REPORTS_TO_HIDE unreviewed reports the comment is hidden until a moderator
    approves or rejects it.
    """
    model = type(comment)
    report_model = model.reports.rel.related_model
    if reason not in report_model.Reason.values:
        reason = report_model.Reason.OTHER
    if not take_allowance(scope="report", key=client_address or reporter_key, rate=settings.OBSERVATORY_REPORT_RATE):
        raise RateLimited(_("You have sent many reports in a short time. Please try again later."))
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=comment.pk)
        if locked.status != Status.APPROVED:
            raise InvalidMove(_("This comment is already being reviewed."))
        try:
            with transaction.atomic():
                report_model.objects.create(
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


# --- Personal data ------------------------------------------------------------------------


def erase_author(model, user) -> None:
    """Account deletion: drop the person and their name and organisation; keep sector and country.

    The comments stay (approved ones are part of the public record and the per-sector
    counts), shown as from a former participant. Their reports no longer point at them.
    """
    shown = model.objects.filter(participant=user, status=model.Status.APPROVED).exists()
    model.objects.filter(participant=user).update(participant=None, author_name="", author_organisation="")
    model.reports.rel.related_model.objects.filter(reporter=user).update(reporter=None)
    if shown:  # an UPDATE is no save that portal.cache.watch sees: the cached pages drop the name now
        content_changed()
