from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# Sections built by the feature apps. portal does not import them: a section appears in the
# navigation as soon as its app provides the URL name.
SECTIONS = [
    ("observatory:observatory_list", _("Observatories")),
    ("observatory:publication_list", _("Publications")),
    ("events:event_list", _("Events")),
    ("consultations:consultation_list", _("Consultations")),
    ("integrity:initiative_list", _("Integrity")),
]


def _sections():
    found = []
    for url_name, label in SECTIONS:
        try:
            found.append({"url": reverse(url_name), "label": label})
        except NoReverseMatch:
            continue
    return found


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "DEMO": settings.DEBUG,
        "NAV_SECTIONS": _sections(),
        "SECRETARIAT": {
            "website": settings.SECRETARIAT_WEBSITE,
            "email": settings.SECRETARIAT_EMAIL,
            "address": settings.SECRETARIAT_ADDRESS,
            "social": settings.SOCIAL_LINKS,
        },
    }
