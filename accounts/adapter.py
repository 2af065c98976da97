from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    """allauth, the portal's way: emails in the recipient's language, with the site's URL."""

    def send_mail(self, template_prefix, email, context):
        language = _language_for(email)
        with translation.override(language):
            context = {**context, "SITE_URL": settings.SITE_URL, "LANGUAGE_CODE": language}
            super().send_mail(template_prefix, email, context)


def _language_for(email: str) -> str:
    from accounts.models import Profile

    profile = Profile.objects.filter(user__email__iexact=email).only("preferred_language").first()
    return profile.preferred_language if profile else translation.get_language() or settings.LANGUAGE_CODE
