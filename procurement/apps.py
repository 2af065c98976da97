from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    """OCDS procurement data: the store, its import and the procurement pages (on the indicator framework)."""

    name = "procurement"
    verbose_name = _("Procurement data")
