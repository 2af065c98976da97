"""Workflow notifications and moderation decisions (plain text and HTML), queued after commit.

Each workflow event is told once: ``notified_at`` is set in the transaction that queues its
emails in the outbox (portal.outbox); the workers' sweep tells what a lost task left untold."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from portal import editors, outbox, workers
from portal.models import WorkflowEvent
from portal.moderation import DECISIONS, Status

Action = WorkflowEvent.Action


def recipients_for(event: WorkflowEvent) -> list:
    """Editors hear of submissions; the author hears of requested changes and publication."""
    item = event.item
    if item is None:
        return []
    if event.action == Action.SUBMIT:
        return list(editors.editors_of(type(item)).exclude(pk=event.actor_id))
    if event.action in {Action.REQUEST_CHANGES, Action.PUBLISH, Action.SCHEDULE}:
        author = item.author
        if author and author.is_active and author.pk != event.actor_id:
            return [author]
    return []


def notify_workflow_event(event_id: int) -> int:
    """Queue the notifications of one event once: ``notified_at`` is checked under a row lock."""
    with transaction.atomic():
        event = WorkflowEvent.objects.select_for_update().filter(pk=event_id, notified_at__isnull=True).first()
        if event is None:
            return 0
        recipients = recipients_for(event)
        item = event.item
        opts = type(item)._meta if item is not None else None
        rows = []
        for user in recipients:
            with translation.override(getattr(user, "preferred_language", settings.LANGUAGE_CODE)):
                message = _workflow_message(event, item, opts, user)
            rows.append(
                outbox.queue(
                    message,
                    kind=f"portal.workflow.{event.action}",
                    topic=f"portal.workflowevent:{event.pk}",
                    key=f"portal.workflowevent:{event.pk}:{user.pk}",
                )
            )
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
    outbox.deliver_on_commit(rows)
    return len(rows)


def notify_owed_workflow_events() -> int:
    """The workers' sweep: workflow events of the last fortnight nobody was told of."""
    now = timezone.now()
    owed = WorkflowEvent.objects.filter(
        notified_at__isnull=True, created_at__lte=now - workers.sweep_grace(), created_at__gte=now - timedelta(days=14)
    ).values_list("pk", flat=True)
    return sum(notify_workflow_event(event_id) for event_id in owed)


def _workflow_message(event, item, opts, user) -> EmailMultiAlternatives:
    """One notification, rendered in the active language (the recipient's)."""
    context = {
        "event": event,
        "item": item,
        "recipient": user,
        "verbose_name": opts.verbose_name,
        "admin_url": settings.SITE_URL + reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[item.pk]),
        "public_url": settings.SITE_URL + item.get_absolute_url(),
        "LANGUAGE_CODE": translation.get_language(),
    }
    subject = " ".join(render_to_string("portal/email/workflow_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("portal/email/workflow.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string("portal/email/workflow.html", context), "text/html")
    return message


# --- Moderation decisions (portal.moderation) ------------------------------------------------


def notify_comment_decision(model, comment_id: int, *, kind: str, templates: str, related: tuple = ()) -> int:
    """Queue the decision's email to the author once (``notified_status`` checked under a row lock).

    An approval is told once; a later rejection (after reports) is told too. ``templates`` is
    the prefix of ``<prefix>_subject.txt``, ``.txt`` and ``.html``, rendered in the author's
    language with ``comment``, ``item`` (what it is on), ``recipient``, ``is_approved``,
    ``item_url`` and ``my_account_url``.
    """
    with transaction.atomic():
        comment = (
            model.objects.select_for_update(of=("self",))
            .select_related(*related, "participant", "participant__profile")
            .filter(pk=comment_id)
            .first()
        )
        if comment is None or comment.status not in DECISIONS or comment.notified_status == comment.status:
            return 0
        row = None
        user = comment.participant
        if user is not None and user.is_active:
            with translation.override(user.preferred_language):
                context = {
                    "comment": comment,
                    "item": comment.commented_item,
                    "recipient": user,
                    "is_approved": comment.status == Status.APPROVED,
                    "item_url": settings.SITE_URL + comment.public_url(),
                    "my_account_url": settings.SITE_URL + reverse("accounts:my_account"),
                }
                message = EmailMultiAlternatives(
                    subject=" ".join(render_to_string(f"{templates}_subject.txt", context).split()),
                    body=render_to_string(f"{templates}.txt", context),
                    to=[user.email],
                )
                message.attach_alternative(render_to_string(f"{templates}.html", context), "text/html")
            label = model._meta.label_lower
            row = outbox.queue(
                message,
                kind=kind,
                topic=f"{label}:{comment.pk}",
                key=f"{label}:{comment.pk}:{comment.status}:{comment.moderated_at or ''}",
            )
        comment.notified_status = comment.status
        comment.decision_notified_at = timezone.now()
        comment.save(update_fields=["notified_status", "decision_notified_at"])
    outbox.deliver_on_commit([row])
    return 1 if row is not None else 0


def owed_decisions(model) -> list[int]:
    """For the workers' sweep: decisions of the last fortnight their author was not told of."""
    now = timezone.now()
    return list(
        model.objects.filter(status__in=DECISIONS, moderated_at__gte=now - timedelta(days=14))
        .filter(moderated_at__lte=now - workers.sweep_grace())
        .exclude(notified_status=F("status"))
        .values_list("pk", flat=True)
    )
