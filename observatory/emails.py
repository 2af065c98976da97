"""The email that tells a participant what became of their comment (plain text and HTML)."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from observatory.models import Comment
from portal import outbox, workers

DECISIONS = (Comment.Status.APPROVED, Comment.Status.REJECTED)


def notify_comment_decision(comment_id: int) -> int:
    """Queue the decision once: the status last told (``notified_status``) is checked under a row lock.

    An approval is told once; a later rejection (after reports) is told too.
    """
    with transaction.atomic():
        comment = (
            Comment.objects.select_for_update(of=("self",))
            .select_related("publication", "participant", "participant__profile")
            .filter(pk=comment_id)
            .first()
        )
        if comment is None or comment.status not in DECISIONS or comment.notified_status == comment.status:
            return 0
        sent = 0
        user = comment.participant
        if user is not None and user.is_active:
            profile = getattr(user, "profile", None)
            language = profile.preferred_language if profile else settings.LANGUAGE_CODE
            with translation.override(language):
                context = {
                    "comment": comment,
                    "publication": comment.publication,
                    "recipient": user,
                    "is_approved": comment.status == Comment.Status.APPROVED,
                    "publication_url": f"{settings.SITE_URL}{comment.publication.get_absolute_url()}#comments",
                    "my_account_url": settings.SITE_URL + reverse("accounts:my_account"),
                }
                subject = " ".join(render_to_string("observatory/email/comment_decision_subject.txt", context).split())
                message = EmailMultiAlternatives(
                    subject=subject,
                    body=render_to_string("observatory/email/comment_decision.txt", context),
                    to=[user.email],
                )
                message.attach_alternative(
                    render_to_string("observatory/email/comment_decision.html", context), "text/html"
                )
            row = outbox.queue(
                message,
                kind="observatory.comment_decision",
                topic=f"observatory.comment:{comment.pk}",
                key=f"observatory.comment:{comment.pk}:{comment.status}:{comment.moderated_at or ''}",
            )
            sent = 1
        comment.notified_status = comment.status
        comment.decision_notified_at = timezone.now()
        comment.save(update_fields=["notified_status", "decision_notified_at"])
    outbox.deliver_on_commit([row] if sent else [])
    return sent


def notify_owed_comment_decisions() -> int:
    """The workers' sweep: moderators' decisions of the last fortnight their author was not told of."""
    now = timezone.now()
    owed = (
        Comment.objects.filter(status__in=DECISIONS, moderated_at__gte=now - timedelta(days=14))
        .filter(moderated_at__lte=now - workers.sweep_grace())
        .exclude(notified_status=F("status"))
        .values_list("pk", flat=True)
    )
    return sum(notify_comment_decision(comment_id) for comment_id in owed)
