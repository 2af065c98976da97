"""The invitation email (plain text and HTML), queued once per invitation in the outbox (portal.outbox)
with its stamp, under lock; the workers' sweep queues what a lost task left owed."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from organisations.invitations import invitation_token
from organisations.models import Membership
from portal import outbox, workers


def send_invitation(membership_id: int) -> int:
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("organisation", "invited_by", "invited_by__profile")
            .filter(pk=membership_id)
            .first()
        )
        if (
            membership is None
            or membership.status != Membership.Status.INVITED
            or not membership.invitation_key
            or membership.invitation_sent_at is not None
        ):
            return 0
        inviter = membership.invited_by
        language = inviter.preferred_language if inviter else settings.LANGUAGE_CODE
        with translation.override(language):
            context = {
                "membership": membership,
                "organisation": membership.organisation,
                "inviter": inviter,
                "accept_url": settings.SITE_URL
                + reverse("organisations:invitation", kwargs={"token": invitation_token(membership)}),
                "max_age_days": settings.ORGANISATIONS_INVITATION_MAX_AGE // 86400,
            }
            subject = " ".join(render_to_string("organisations/email/invitation_subject.txt", context).split())
            message = EmailMultiAlternatives(
                subject=subject,
                body=render_to_string("organisations/email/invitation.txt", context),
                to=[membership.invited_email],
            )
            message.attach_alternative(render_to_string("organisations/email/invitation.html", context), "text/html")
        row = outbox.queue(
            message,
            kind="organisations.invitation",
            topic=f"organisations.membership:{membership.pk}",
            key=f"organisations.membership:{membership.pk}:invitation:{membership.invitation_key}",
        )
        membership.invitation_sent_at = timezone.now()
        membership.save(update_fields=["invitation_sent_at"])
    outbox.deliver_on_commit([row])
    return 1


def send_owed_invitations() -> int:
    """The workers' sweep: invitations of the last fortnight whose email a lost task never queued."""
    now = timezone.now()
    owed = Membership.objects.filter(
        status=Membership.Status.INVITED,
        invitation_sent_at__isnull=True,
        created_at__lte=now - workers.sweep_grace(),
        created_at__gte=now - timedelta(days=14),
    ).exclude(invitation_key="")
    return sum(send_invitation(membership_id) for membership_id in owed.values_list("pk", flat=True))
