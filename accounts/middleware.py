from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from portal.editors import is_editor


class EditorsNeedTwoFactorMiddleware:
    """Editors may not use the admin until they have set up an authenticator app (TOTP).

    Editors (``portal.editors.is_editor``: whoever may publish some type, superusers too) can
    publish to the bloc's public site, so a stolen password alone must not be enough.
    Everyone else is offered two-factor authentication on "My account".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path.startswith("/admin/")
            and not request.path.startswith("/admin/login/")
            and is_editor(user)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(request, _("Editors must set up two-factor authentication before using the admin."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)
