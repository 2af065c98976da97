from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import countries, services
from accounts.adapter import EMAIL_CONFIRMATION_SENT
from accounts.models import Profile, User


def _consent_label():
    return format_html(
        _('I have read and accept the <a href="{}">privacy policy</a>.'), reverse_lazy("accounts:privacy_policy")
    )


class ProfileFields(forms.Form):
    """The profile fields shared by sign-up and "Edit my profile"."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    sector = forms.ChoiceField(label=_("Stakeholder sector"), choices=[("", "—"), *Profile.Sector.choices])
    country = forms.ChoiceField(label=_("Country"), choices=[("", "—")])
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    news_opt_in = forms.BooleanField(
        label=_("Send me the Pacific Alliance's news by email (optional; you can stop at any time)."),
        required=False,
        initial=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any country of ISO 3166, in the page's language; the bloc's members first.
        self.fields["country"].choices = countries.choices()


class SignupForm(ProfileFields, AllauthSignupForm):
    """One form: the account (email, password) and the participant's profile, with consent."""

    privacy_consent = forms.BooleanField(
        label=lazy(_consent_label, str)(),
        required=True,
        error_messages={"required": _("You must accept the privacy policy to create an account.")},
    )

    field_order = [
        "email", "password1", "password2", "full_name", "organisation", "position", "sector", "country",
        "preferred_language", "privacy_consent", "news_opt_in",
    ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if services.current_privacy_policy() is None:
            raise forms.ValidationError(_("Sign-up is closed until a privacy policy is published."))
        return cleaned

    def try_save(self, request):
        """An address that already has an account gets the same answer as a new one, as fast.

        allauth creates nothing then and emails the owner instead (enumeration prevention),
        but a new account's password is hashed (tens of milliseconds, on purpose) and this one
        was not; and when that email had been sent in the last minutes its rate limit skipped
        the "Confirmation email sent" message, which a new address always gets. Both would
        tell who has an account.
        """
        if self.account_already_exists:
            make_password(self.cleaned_data["password1"])
        user, response = super().try_save(request)
        if self.account_already_exists and not getattr(request, "email_confirmation_sent_said", False):
            get_adapter(request).add_message(
                request,
                messages.INFO,
                EMAIL_CONFIRMATION_SENT,
                {"email": self.cleaned_data["email"], "login": False, "signup": True},
            )
        return user, response

    def save(self, request):
        # The user, their email address and their profile are created together or not at all.
        with transaction.atomic():
            user = super().save(request)
            services.create_profile(user=user, data=self.cleaned_data)
        return user


class ProfileForm(ProfileFields):
    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        profile = user.profile
        initial = {
            "full_name": user.full_name,
            "organisation": profile.organisation,
            "position": profile.position,
            "sector": profile.sector,
            "country": profile.country.code,
            "preferred_language": profile.preferred_language,
            "news_opt_in": profile.news_opt_in,
        }
        super().__init__(*args, initial=initial, **kwargs)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To confirm that it is you."),
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This password is not correct."))
        return password
