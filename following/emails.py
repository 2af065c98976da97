"""The newsletter's own emails: the confirmation link, and the answers for an address that is
subscribed already or has an account. The digests themselves are written in following.digests."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from portal import outbox
from portal.tasks import deliver_outbox

TEMPLATES = {
    "confirm": "following/email/newsletter_confirm",
    "subscribed": "following/email/newsletter_subscribed",
    "account": "following/email/newsletter_account",
}


def queue_newsletter_email(*, email: str, language: str, kind: str, token: str = ""):
    """Render and queue one of the newsletter's emails (in the caller's transaction)."""
    with translation.override(language):
        context = {
            "confirm_url": settings.SITE_URL + reverse("following:confirm", args=[token]) if kind == "confirm" else "",
            "unsubscribe_url": settings.SITE_URL + reverse("following:unsubscribe", args=[token])
            if kind == "subscribed"
            else "",
            "sign_in_url": settings.SITE_URL + reverse("account_login") + "?next=" + reverse("following:manage"),
            "max_age_days": settings.DIGEST_CONFIRM_MAX_AGE // 86400,
            "LANGUAGE_CODE": language,
        }
        prefix = TEMPLATES[kind]
        message = EmailMultiAlternatives(
            subject=" ".join(render_to_string(f"{prefix}_subject.txt", context).split()),
            body=render_to_string(f"{prefix}.txt", context),
            to=[email],
            headers={"Content-Language": language},
        )
        message.attach_alternative(render_to_string(f"{prefix}.html", context), "text/html")
    return outbox.queue(message, kind=f"following.newsletter_{kind}")


def deliver_soon(row) -> None:
    """After commit, a task delivers it (a request never talks to the mail server)."""
    transaction.on_commit(lambda: deliver_outbox.enqueue(ids=[row.pk]))
