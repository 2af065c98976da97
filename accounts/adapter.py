from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation

from accounts.models import Profile
from portal import outbox
from portal.http import client_address
from portal.tasks import deliver_outbox

#: allauth's "Confirmation email sent to …" message.
EMAIL_CONFIRMATION_SENT = "account/messages/email_confirmation_sent.txt"


class AccountAdapter(DefaultAccountAdapter):
    """allauth, the portal's way: emails in the recipient's language, with the site's URL, and
    through the outbox (portal.outbox), so that a sign-up or a password reset never waits for the
    mail server nor fails with it: the worker delivers, and retries while the server is down."""

    def get_client_ip(self, request):
        """The address allauth's rate limits count by: the portal's one reading of it
        (TRUSTED_PROXY_COUNT), which never fails on a short X-Forwarded-For chain."""
        address = client_address(request)
        if not address:
            raise PermissionDenied("Unable to determine the client's address.")
        return address

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        # Noted so that sign-up can tell that allauth said "Confirmation email sent" (accounts.forms).
        if message_template == EMAIL_CONFIRMATION_SENT:
            request.email_confirmation_sent_said = True
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def send_mail(self, template_prefix, email, context):
        language = _language_for(email)
        request = allauth_context.request
        with translation.override(language):
            context = {
                "request": request,
                "email": email,
                "current_site": get_current_site(request),
                **context,
                "SITE_URL": settings.SITE_URL,
                "LANGUAGE_CODE": language,
            }
            message = self.render_mail(template_prefix, email, context)
        row = outbox.queue(message, kind=f"accounts.{template_prefix.rsplit('/', 1)[-1]}")
        transaction.on_commit(lambda: deliver_outbox.enqueue(ids=[row.pk]))


def _language_for(email: str) -> str:
    profile = Profile.objects.filter(user__email__iexact=email).only("preferred_language").first()
    return profile.preferred_language if profile else translation.get_language() or settings.LANGUAGE_CODE
