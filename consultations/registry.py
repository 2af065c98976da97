"""What consultations give the site-wide pages (portal.registry): search, the home block, the sitemap."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from consultations.models import Consultation
from portal.search import is_postgres, search

HOME_BLOCK_SIZE = 3


def consultation_search(text: str):
    """Live consultations matching ``text``, best first (newest first without PostgreSQL's ranking)."""
    queryset = Consultation.objects.published().defer("document", "response", "final_document")
    results = search(queryset, text, fallback_fields=("title", "summary", "question", "document"))
    return results if is_postgres() else results.order_by("-published_at", "-pk")


def open_consultations_block(request) -> dict:
    return {"consultations": list(Consultation.objects.open_now().with_comment_count()[:HOME_BLOCK_SIZE])}


class ConsultationSitemap(Sitemap):
    """Live consultations only, each in English and Spanish with hreflang alternates."""

    changefreq = "daily"
    priority = 0.6
    limit = 5000
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return Consultation.objects.published().order_by("-published_at", "-pk").only("slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at


class SectionSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.7
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return ["consultations:consultation_list"]

    def location(self, item):
        return reverse(item)
