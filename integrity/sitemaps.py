from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from integrity.models import Initiative


class IntegritySectionSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return ["integrity:initiative_list", "integrity:dashboard"]

    def location(self, item):
        return reverse(item)


class InitiativeSitemap(Sitemap):
    """Live initiatives only, each in English and Spanish."""

    changefreq = "monthly"
    priority = 0.6
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return Initiative.objects.published().order_by("name", "pk").only("slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at
