from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from portal import checks  # noqa: F401  (registers system checks)
        from portal.roles import PORTAL_GRANTS, register_grants, sync_roles

        register_grants("portal", PORTAL_GRANTS)
        post_migrate.connect(sync_roles, dispatch_uid="portal.sync_roles")
