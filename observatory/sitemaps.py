from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from observatory.models import Indicator, Observatory, Publication


class SectionSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.7
    # Each address in English and Spanish, with hreflang alternates (as news and events).
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return ["observatory:observatory_list", "observatory:publication_list"]

    def location(self, item):
        return reverse(item)


class ObservatorySitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.7
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return Observatory.objects.public().order_by("position", "name").only("slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at


class PublicationSitemap(Sitemap):
    """Live publications only: drafts and scheduled items stay out until they are public."""

    changefreq = "monthly"
    priority = 0.6
    limit = 5000
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return Publication.objects.published().newest_first().only("slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at


class IndicatorSitemap(Sitemap):
    """Indicators with published data, and the data page of each observatory that has some."""

    changefreq = "monthly"
    priority = 0.6

    def items(self):
        indicators = list(Indicator.objects.public().select_related("observatory").order_by("observatory", "position"))
        observatories = {indicator.observatory.slug: indicator.observatory for indicator in indicators}
        return [*(("data", slug) for slug in observatories), *(("indicator", item) for item in indicators)]

    def location(self, item):
        kind, value = item
        if kind == "data":
            return reverse("observatory:data_landing", kwargs={"slug": value})
        return value.get_absolute_url()
