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
