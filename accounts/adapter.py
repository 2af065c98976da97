from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import translate_url
from django.utils import translation
from django.utils.encoding import force_str

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

    def format_email_subject(self, subject):
        # The site's name in the recipient's language ("[Alianza del Pacífico] …"), not a fixed prefix.
        return f"[{settings.SITE_NAME}] {force_str(subject)}"

    def send_mail(self, template_prefix, email, context):
        """Written in the recipient's language (their profile's, else the page's), its links to
        that language's pages on SITE_URL, and queued in the outbox."""
        language = _language_for(email)
        request = allauth_context.request
        with translation.override(language):
            context = {
                "request": request,
                "email": email,
                **{key: _in_language(value) if key.endswith("_url") else value for key, value in context.items()},
                # allauth's templates name the site by current_site: its name, not a domain.
                "current_site": SimpleNamespace(
                    name=str(settings.SITE_NAME), domain=urlsplit(settings.SITE_URL).netloc
                ),
                "SITE_URL": settings.SITE_URL,
                "LANGUAGE_CODE": language,
            }
            message = self.render_mail(template_prefix, email, context)
        message.extra_headers["Content-Language"] = language
        row = outbox.queue(message, kind=f"accounts.{template_prefix.rsplit('/', 1)[-1]}")
        transaction.on_commit(lambda: deliver_outbox.enqueue(ids=[row.pk]))


def _in_language(url):
    """A link of allauth's (built on the request's address, in the request's language) as the
    same page in the active language on SITE_URL: /es/accounts/confirm-email/… for a Spanish speaker."""
    if not isinstance(url, str) or not url:
        return url
    wanted = translation.get_language()
    # The address is resolved in its own language (the one of the page that asked for it).
    with translation.override(translation.get_language_from_path(urlsplit(url).path) or settings.LANGUAGE_CODE):
        parts = urlsplit(translate_url(url, wanted))
    return settings.SITE_URL + urlunsplit(("", "", parts.path, parts.query, parts.fragment))


def _language_for(email: str) -> str:
    profile = Profile.objects.filter(user__email__iexact=email).only("preferred_language").first()
    return profile.preferred_language if profile else translation.get_language() or settings.LANGUAGE_CODE
