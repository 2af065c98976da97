"""What events give the site-wide pages (portal.registry): search, the home block, the sitemap."""

from urllib.parse import urlencode

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from events.models import Event
from portal.search import is_postgres, search

HOME_BLOCK_SIZE = 3


def event_search(text: str):
    """Published events matching ``text``, best first (newest first without PostgreSQL's ranking)."""
    queryset = Event.objects.published().select_related("country").defer("description", "online_url")
    results = search(queryset, text, fallback_fields=("title", "summary", "description", "city", "venue"))
    return results if is_postgres() else results.order_by("-start", "-pk")


def event_more_url(text: str) -> str:
    return reverse("events:event_list") + "?" + urlencode({"q": text})


def upcoming_events_block(request) -> dict:
    return {
        "events": list(
            Event.objects.upcoming().select_related("country").defer("description", "online_url")[:HOME_BLOCK_SIZE]
        ),
        "list_url": reverse("events:event_list"),
    }


class EventSitemap(Sitemap):
    """Published events only, each in English and Spanish with hreflang alternates."""

    changefreq = "weekly"
    priority = 0.6
    limit = 5000
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return Event.objects.published().order_by("-start", "-pk").only("slug", "updated_at", "start")

    def lastmod(self, item):
        return item.updated_at
