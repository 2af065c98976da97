from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import translation

from portal.http import client_address

#: allauth's "Confirmation email sent to …" message.
EMAIL_CONFIRMATION_SENT = "account/messages/email_confirmation_sent.txt"


class AccountAdapter(DefaultAccountAdapter):
    """allauth, the portal's way: emails in the recipient's language, with the site's URL."""

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
        with translation.override(language):
            context = {**context, "SITE_URL": settings.SITE_URL, "LANGUAGE_CODE": language}
            super().send_mail(template_prefix, email, context)


def _language_for(email: str) -> str:
    from accounts.models import Profile

    profile = Profile.objects.filter(user__email__iexact=email).only("preferred_language").first()
    return profile.preferred_language if profile else translation.get_language() or settings.LANGUAGE_CODE
