from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from portal.models import News


class StaticSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return ["portal:home", "portal:news_list"]

    def location(self, item):
        return reverse(item)


class NewsSitemap(Sitemap):
    """Published news only: drafts and scheduled items are left out until they are live."""

    changefreq = "monthly"
    priority = 0.6
    limit = 5000
    # Each item in English and Spanish, with hreflang alternates.
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return News.objects.published().newest_first().only("slug", "updated_at", "published_at")

    def lastmod(self, item):
        return item.updated_at


SITEMAPS = {"static": StaticSitemap, "news": NewsSitemap}
