"""Rules about participants' accounts: one function per state change, and reads other apps use."""

import uuid

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from accounts import registry
from accounts.models import PrivacyPolicy, Profile
from portal import outbox

User = get_user_model()


class AccountError(Exception):
    """A refused change; ``str(error)`` is the message for the user."""


# --- Reads ---------------------------------------------------------------------------------


def current_privacy_policy() -> PrivacyPolicy | None:
    return PrivacyPolicy.current()


def has_verified_email(user) -> bool:
    """True when the user's login email address has been confirmed (allauth's EmailAddress)."""
    if not (user and user.is_authenticated and user.is_active):
        return False

    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def can_participate(user) -> bool:
    """May this user register for events or give input? A verified email and a profile are required."""
    return has_verified_email(user) and Profile.objects.filter(user=user).exists()


# --- Changes -------------------------------------------------------------------------------


def create_profile(*, user, data: dict) -> Profile:
    """Create the participant's profile at sign-up, recording consent to the current policy.

    Consent is required; the news opt-in is separate and off unless ticked (the app that sends
    the news is told: accounts.registry.news_opt_in_changed).
    """
    if not data.get("privacy_consent"):
        raise AccountError(_("You must accept the privacy policy to create an account."))
    policy = current_privacy_policy()
    if policy is None:
        raise AccountError(_("Sign-up is closed until a privacy policy is published."))
    now = timezone.now()
    with transaction.atomic():
        user.full_name = data["full_name"].strip()
        user.save(update_fields=["full_name"])
        profile = Profile.objects.create(
            user=user,
            organisation=data.get("organisation", "").strip(),
            position=data.get("position", "").strip(),
            sector=data["sector"],
            country=data["country"],
            preferred_language=data["preferred_language"],
            privacy_policy_version=policy.version,
            privacy_consented_at=now,
            news_opt_in=bool(data.get("news_opt_in")),
            news_opt_in_at=now if data.get("news_opt_in") else None,
        )
        if profile.news_opt_in:
            registry.news_opt_in_changed(user=user, wants_news=True)
        return profile


def update_profile(*, user, data: dict) -> Profile:
    """Save "Edit my profile". The time of the news opt-in is kept while it stays on."""
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(user=user)
        user.full_name = data["full_name"].strip()
        user.save(update_fields=["full_name"])
        for name in ("organisation", "position"):
            setattr(profile, name, data.get(name, "").strip())
        profile.sector = data["sector"]
        profile.country = data["country"]
        profile.preferred_language = data["preferred_language"]
        wants_news = bool(data.get("news_opt_in"))
        changed = wants_news != profile.news_opt_in
        if wants_news and not profile.news_opt_in:
            profile.news_opt_in_at = timezone.now()
        elif not wants_news:
            profile.news_opt_in_at = None
        profile.news_opt_in = wants_news
        profile.save()
        if changed:
            registry.news_opt_in_changed(user=user, wants_news=wants_news)
        return profile


MAX_API_TOKENS = 10


def create_api_token(*, user) -> str:
    """A new API token for ``user``, returned once (only its digest is stored); at most
    MAX_API_TOKENS per person."""

    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one creation at a time per person
        if AuthToken.objects.filter(user=user).count() >= MAX_API_TOKENS:
            raise AccountError(_("You have reached the limit of tokens. Revoke one first."))
        _instance, token = AuthToken.objects.create(user=user)
    return token


def export_personal_data(*, user) -> dict:
    """Everything the portal holds about the user, as JSON-ready data ("Download my data")."""

    profile = Profile.objects.filter(user=user).first()
    data = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user)
            ],
        },
        "profile": None,
    }
    if profile:
        data["profile"] = {
            "organisation": profile.organisation,
            "position": profile.position,
            "sector": profile.sector,
            "country": profile.country.code,
            "preferred_language": profile.preferred_language,
            "privacy_policy_version": profile.privacy_policy_version,
            "privacy_consented_at": profile.privacy_consented_at.isoformat(),
            "news_opt_in": profile.news_opt_in,
            "news_opt_in_at": profile.news_opt_in_at.isoformat() if profile.news_opt_in_at else None,
        }
    for source in registry.sources():
        data[source.key] = source.export(user)
    return data


def delete_account(*, user) -> None:
    """Erase a participant's personal data and close the account.

    Staff accounts cannot be deleted this way (their actions are part of the editorial
    record). The user row stays, anonymised and unusable, so that registrations and
    comments other apps keep in anonymised form still count.
    """
    if user.is_staff or user.is_superuser:
        raise AccountError(_("Staff accounts cannot be deleted from “My account”; ask an administrator."))

    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        for source in registry.sources():
            source.erase(user)
        outbox.forget_recipient(user.email)  # what other apps just queued (cancellations) goes too
        Profile.objects.filter(user=user).delete()
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        AuthToken.objects.filter(user=user).delete()
        user.email = f"deleted-{uuid.uuid4().hex}@invalid"
        user.full_name = ""
        user.is_active = False
        user.last_login = None
        user.set_unusable_password()
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
        # No session survives: Django checks each session against the password hash, which
        # set_unusable_password() has just replaced.
