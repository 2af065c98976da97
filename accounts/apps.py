from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from portal.roles import EDITORS

ACCOUNTS_GRANTS = {
    # Editors maintain the privacy policy; nobody but administrators sees participants' profiles.
    EDITORS: ["add_privacypolicy", "change_privacypolicy", "view_privacypolicy"],
}


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from portal.roles import register_grants

        register_grants("accounts", ACCOUNTS_GRANTS)

        from django.urls import path

        from accounts.api import MeView
        from portal.registry import register_api_paths

        register_api_paths([path("me/", MeView.as_view(), name="api_me")])

        from django.db.models.signals import post_delete, post_save

        from accounts.countries import forget_bloc
        from portal.models import Country

        # Participants' time zones read the bloc's table through a cache: a change shows at once.
        post_save.connect(forget_bloc, sender=Country, dispatch_uid="accounts.countries.save")
        post_delete.connect(forget_bloc, sender=Country, dispatch_uid="accounts.countries.delete")
