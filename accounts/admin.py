from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.middleware.csp import get_nonce
from django.utils.translation import gettext_lazy as _
from js_asset import Media as NonceMedia
from modeltranslation.admin import TranslationAdmin
from reversion.admin import VersionAdmin

from accounts.models import PrivacyPolicy, Profile, User


class EmailUniqueMixin:
    def clean_email(self):
        email = self.cleaned_data["email"]
        duplicates = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise forms.ValidationError(_("A user with this email address already exists."))
        return email


class UserCreationForm(EmailUniqueMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserEditForm(EmailUniqueMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name",)}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    readonly_fields = ("last_login", "date_joined")


class ProfileInline(admin.StackedInline):
    """Participants' profiles: personal data, visible to administrators only (not to editors)."""

    model = Profile
    can_delete = False
    extra = 0
    fields = (
        "organisation", "position", "sector", "country", "preferred_language",
        "privacy_policy_version", "privacy_consented_at", "news_opt_in", "news_opt_in_at",
    )  # fmt: skip
    readonly_fields = ("privacy_policy_version", "privacy_consented_at", "news_opt_in_at")


UserAdmin.inlines = [ProfileInline]


@admin.register(PrivacyPolicy)
class PrivacyPolicyAdmin(TranslationAdmin, VersionAdmin):
    """The policy in both languages, side by side; a version without Spanish is shown in English."""

    list_display = ("version", "title", "effective_from", "updated_at")
    fields = ("version", "title", "effective_from", "body")
    search_fields = ("version", "title")

    def get_readonly_fields(self, request, obj=None):
        # People consented to a version: its number cannot change; publish a new version instead.
        return ("version",) if obj is not None else ()

    def render_change_form(self, request, context, *args, **kwargs):
        context["media"] = NonceMedia.from_media(context["media"], nonce=get_nonce(request))
        return super().render_change_form(request, context, *args, **kwargs)
