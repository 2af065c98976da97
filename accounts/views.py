import json
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from knox.models import AuthToken

from accounts import registry, services
from accounts.forms import DeleteAccountForm, ProfileForm
from accounts.models import Profile
from portal.http import keep_private


@require_safe
def staff_login(request):
    """/admin/login/: send people to the site's login, then back to the admin."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    next_url = next_url or reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_staff:
            return redirect(next_url)
        messages.error(request, _("Your account has no access to the editorial administration."))
        return redirect("accounts:my_account")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


@require_safe
def privacy_policy(request):
    policy = services.current_privacy_policy()
    if policy is None:
        raise Http404(_("No privacy policy has been published yet."))
    return render(request, "accounts/privacy_policy.html", {"policy": policy})


@login_required
@require_safe
def my_account(request):
    user = request.user

    sections = [
        {"source": source, "context": source.section_context(user) if source.section_context else {}}
        for source in registry.sources()
        if source.section_template
    ]
    response = render(
        request,
        "accounts/my_account.html",
        {
            "profile": Profile.objects.filter(user=user).first(),
            "has_verified_email": services.has_verified_email(user),
            "has_totp": Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
            "sections": sections,
        },
    )
    return keep_private(response)


@login_required
@require_http_methods(["GET", "POST"])
def edit_profile(request):
    if not Profile.objects.filter(user=request.user).exists():
        raise Http404(_("This account has no participant profile."))
    form = ProfileForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(user=request.user, data=form.cleaned_data)
        messages.success(request, _("Your profile has been saved."))
        return redirect("accounts:my_account")
    return keep_private(render(request, "accounts/profile_form.html", {"form": form}))


@login_required
@require_safe
def download_my_data(request):
    data = services.export_personal_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    filename = f"pacific-alliance-my-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return keep_private(response)


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    if request.user.is_staff:
        messages.error(request, _("Staff accounts cannot be deleted from “My account”; ask an administrator."))
        return redirect("accounts:my_account")
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_account(user=request.user)
        except services.AccountError as error:
            messages.error(request, str(error))
            return redirect("accounts:my_account")
        logout(request)
        messages.success(request, _("Your account has been deleted and your personal data erased."))
        return redirect("portal:home")
    return keep_private(render(request, "accounts/delete_account.html", {"form": form}))


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """Create and revoke tokens for the API. A new token is shown once, never again."""

    new_token = None
    if request.method == "POST":
        if "revoke" in request.POST:
            deleted, _per_model = AuthToken.objects.filter(user=request.user, token_key=request.POST["revoke"]).delete()
            if deleted:
                messages.success(request, _("The token has been revoked."))
            else:
                messages.error(request, _("There is no such token."))
            return redirect("accounts:api_tokens")
        try:
            new_token = services.create_api_token(user=request.user)
        except services.AccountError as error:
            messages.error(request, str(error))
            return redirect("accounts:api_tokens")
    response = render(
        request,
        "accounts/api_tokens.html",
        {"tokens": AuthToken.objects.filter(user=request.user).order_by("-created"), "new_token": new_token},
    )
    return keep_private(response)
