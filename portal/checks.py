from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def production_profile(app_configs, **kwargs):
    """``check --deploy`` must be run with the production profile to mean anything."""
    if settings.PORTAL_ENV != "production":
        return [
            Error(
                f"PORTAL_ENV is {settings.PORTAL_ENV!r}: run the deployment checks with PORTAL_ENV=production.",
                id="portal.E001",
            )
        ]
    return []
