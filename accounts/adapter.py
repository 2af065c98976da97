from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import translation

from portal.http import client_address


class AccountAdapter(DefaultAccountAdapter):
    """allauth, the portal's way: emails in the recipient's language, with the site's URL."""

    def get_client_ip(self, request):
        """The address allauth's rate limits count by: the portal's one reading of it
        (TRUSTED_PROXY_COUNT), which never fails on a short X-Forwarded-For chain."""
        address = client_address(request)
        if not address:
            raise PermissionDenied("Unable to determine the client's address.")
        return address

    def send_mail(self, template_prefix, email, context):
        language = _language_for(email)
        with translation.override(language):
            context = {**context, "SITE_URL": settings.SITE_URL, "LANGUAGE_CODE": language}
            super().send_mail(template_prefix, email, context)


def _language_for(email: str) -> str:
    from accounts.models import Profile

    profile = Profile.objects.filter(user__email__iexact=email).only("preferred_language").first()
    return profile.preferred_language if profile else translation.get_language() or settings.LANGUAGE_CODE
