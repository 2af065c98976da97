"""The emails of consultations, each told once (a stamp set in the transaction that queues it).

- the moderator's decision on a comment (portal.emails.notify_comment_decision);
- to editors, when a consultation closes by the clock: what came in, and that the response is
  theirs to write (``closing_notified_at``; found by the workers' sweep, as nothing else sees a
  consultation close);
- to everyone who took part, when the response is published (``response_notified_at``), in
  their language, with the response and a link to the final document.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from consultations.models import Comment, Consultation
from portal import emails, outbox, workers
from portal.editors import editors_of

#: A consultation that closed longer ago than this is not announced to editors any more
#: (a consultation imported with past dates, a sweep that was off for weeks).
CLOSING_NOTICE_WITHIN = timedelta(days=14)


def notify_comment_decision(comment_id: int) -> int:
    return emails.notify_comment_decision(
        Comment,
        comment_id,
        kind="consultations.comment_decision",
        templates="consultations/email/comment_decision",
        related=("consultation", "paragraph"),
    )


def _message(templates: str, context: dict, to: str) -> EmailMultiAlternatives:
    """One email in the active language (plain text and HTML)."""
    context = {**context, "LANGUAGE_CODE": translation.get_language()}
    message = EmailMultiAlternatives(
        subject=" ".join(render_to_string(f"{templates}_subject.txt", context).split()),
        body=render_to_string(f"{templates}.txt", context),
        to=[to],
        headers={"Content-Language": translation.get_language()},
    )
    message.attach_alternative(render_to_string(f"{templates}.html", context), "text/html")
    return message


def notify_participants(consultation_id: int, *, now=None) -> int:
    """Everyone who commented (whatever became of the comment), once, when the response is out."""
    now = now or timezone.now()
    with transaction.atomic():
        consultation = (
            Consultation.objects.select_for_update()
            .filter(pk=consultation_id, response_published_at__isnull=False, response_notified_at__isnull=True)
            .first()
        )
        if consultation is None:
            return 0
        people = (
            get_user_model()
            .objects.filter(is_active=True, consultation_comments__consultation=consultation)
            .annotate(comment_count=Count("consultation_comments"))
            .select_related("profile")
            .order_by("pk")
        )
        items = []
        for person in people:
            with translation.override(person.preferred_language):
                context = {
                    "consultation": consultation,
                    "recipient": person,
                    "comment_count": person.comment_count,
                    "consultation_url": settings.SITE_URL + consultation.get_absolute_url() + "#response",
                }
                message = _message("consultations/email/response", context, person.email)
            items.append(
                (
                    message,
                    {
                        "kind": "consultations.response",
                        "topic": f"consultations.consultation:{consultation.pk}",
                        "key": f"consultations.response:{consultation.pk}:{person.pk}",
                    },
                )
            )
        rows = outbox.queue_many(items) if items else []
        consultation.response_notified_at = now
        consultation.save(update_fields=["response_notified_at"])
    outbox.deliver_on_commit(rows)
    return len(rows)


def notify_closing(consultation_id: int, *, now=None) -> int:
    """Tell the editors, once, that a consultation has closed and what came in."""
    now = now or timezone.now()
    with transaction.atomic():
        consultation = (
            Consultation.objects.select_for_update()
            .filter(pk=consultation_id, closing_notified_at__isnull=True, closes_at__lte=now)
            .first()
        )
        if consultation is None:
            return 0
        counts = dict(
            Comment.objects.filter(consultation=consultation)
            .order_by()
            .values_list("status")
            .annotate(total=Count("pk"))
            .values_list("status", "total")
        )
        participants = (
            Comment.objects.filter(consultation=consultation, participant__isnull=False)
            .values("participant")
            .distinct()
            .count()
        )
        editors = editors_of(Consultation)  # the one definition of an editor: may publish consultations
        items = []
        for editor in editors.order_by("pk"):
            with translation.override(editor.preferred_language):
                context = {
                    "consultation": consultation,
                    "recipient": editor,
                    "approved": counts.get(Comment.Status.APPROVED, 0),
                    "pending": counts.get(Comment.Status.PENDING, 0) + counts.get(Comment.Status.HIDDEN, 0),
                    "total": sum(counts.values()),
                    "participants": participants,
                    "admin_url": settings.SITE_URL
                    + reverse("admin:consultations_consultation_change", args=[consultation.pk]),
                    "moderation_url": settings.SITE_URL
                    + reverse("admin:consultations_comment_changelist")
                    + f"?consultation__id__exact={consultation.pk}&status__exact=pending",
                }
                message = _message("consultations/email/closed", context, editor.email)
            items.append(
                (
                    message,
                    {
                        "kind": "consultations.closed",
                        "topic": f"consultations.consultation:{consultation.pk}",
                        "key": f"consultations.closed:{consultation.pk}:{editor.pk}",
                    },
                )
            )
        rows = outbox.queue_many(items) if items else []
        consultation.closing_notified_at = now
        consultation.save(update_fields=["closing_notified_at"])
    outbox.deliver_on_commit(rows)
    return len(rows)


def queue_owed_emails() -> int:
    """The workers' sweep: consultations that closed since the last sweep (nothing else sees a
    consultation close), responses whose emails a lost task left owed, and moderators' decisions
    nobody told."""
    now = timezone.now()
    done = 0
    closed = Consultation.objects.published().filter(
        closing_notified_at__isnull=True, closes_at__lte=now, closes_at__gte=now - CLOSING_NOTICE_WITHIN
    )
    for consultation_id in closed.values_list("pk", flat=True):
        done += notify_closing(consultation_id, now=now)
    owed = Consultation.objects.filter(
        response_published_at__isnull=False,
        response_notified_at__isnull=True,
        response_published_at__lte=now - workers.sweep_grace(),
    )
    for consultation_id in owed.values_list("pk", flat=True):
        done += notify_participants(consultation_id, now=now)
    done += sum(notify_comment_decision(comment_id) for comment_id in emails.owed_decisions(Comment))
    return done
