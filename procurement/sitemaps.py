from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from observatory.models import Dataset, Observatory
from portal.models import Country
from procurement.imports import DATASET_KEY


class ProcurementSitemap(Sitemap):
    """The data page and the member countries' pages of each observatory with published OCDS data."""

    changefreq = "monthly"
    priority = 0.6

    def items(self):
        slugs = sorted(
            Dataset.objects.current()
            .filter(key=DATASET_KEY, observatory__in=Observatory.objects.public())
            .values_list("observatory__slug", flat=True)
            .distinct()
        )
        members = sorted(Country.objects.filter(status=Country.Status.MEMBER).values_list("code", flat=True))
        return [item for slug in slugs for item in [(slug, ""), *((slug, code.lower()) for code in members)]]

    def location(self, item):
        slug, code = item
        if not code:
            return reverse("procurement:about", kwargs={"slug": slug})
        return reverse("procurement:country_detail", kwargs={"slug": slug, "code": code})
