from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    """OCDS procurement data: the store, its import and the procurement pages (on the indicator framework)."""

    name = "procurement"
    verbose_name = _("Procurement data")

    def ready(self):
        from portal import registry
        from portal.roles import register_grants
        from procurement.roles import PROCUREMENT_GRANTS
        from procurement.sitemaps import ProcurementSitemap

        register_grants("procurement", PROCUREMENT_GRANTS)
        registry.register_sitemap("procurement", ProcurementSitemap)
