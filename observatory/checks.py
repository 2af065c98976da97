from django.conf import settings
from django.core.checks import Error, register

from portal.ratelimit import Rate


@register()
def observatory_settings(app_configs, **kwargs):
    """A malformed rate in the environment is reported at start-up, not when someone comments."""
    errors = []
    for name in ("OBSERVATORY_COMMENT_RATE", "OBSERVATORY_REPORT_RATE"):
        try:
            Rate.parse(getattr(settings, name))
        except ValueError as error:
            errors.append(Error(f"{name}: {error}", id="observatory.E001"))
    for name in ("OBSERVATORY_FILE_MAX_BYTES", "OBSERVATORY_COMMENT_MAX_LENGTH", "OBSERVATORY_REPORTS_TO_HIDE"):
        if getattr(settings, name) < 1:
            errors.append(Error(f"{name} must be at least 1.", id="observatory.E002"))
    return errors
