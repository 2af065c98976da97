from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts import countries
from portal.richtext import RichTextField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # Emails are unique whatever their case, so log-in ignores case too.
        return self.get(email__iexact=username)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not (extra_fields["is_staff"] and extra_fields["is_superuser"]):
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account: staff (authors, editors) and, later, participants.

    The email address is the login identifier; it is unique regardless of case.
    """

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    is_staff = models.BooleanField(_("staff status"), default=False, help_text=_("Can log into the admin site."))
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)

    def get_full_name(self):
        return self.full_name or self.email

    @property
    def preferred_language(self) -> str:
        """The language to write to this person in: their profile's, else the site's."""
        profile = getattr(self, "profile", None) if self.pk else None
        return profile.preferred_language if profile else settings.LANGUAGE_CODE

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class PrivacyPolicy(models.Model):
    """A version of the privacy policy. The newest one in force is shown and consented to."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = RichTextField(_("text"))
    effective_from = models.DateTimeField(_("in force from"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("privacy policy")
        verbose_name_plural = _("privacy policies")
        ordering = ["-effective_from", "-pk"]
        get_latest_by = "effective_from"

    def __str__(self):
        return f"{self.title} ({self.version})"

    @classmethod
    def current(cls):
        return cls.objects.filter(effective_from__lte=timezone.now()).order_by("-effective_from", "-pk").first()


class Profile(models.Model):
    """Who a participant is, as the bloc needs to know it: organisation, sector, country.

    Personal data: shown to the participant, exported on request, erased with the account.
    """

    class Sector(models.TextChoices):
        BUSINESS = "business", _("Business")
        ACADEMIA = "academia", _("Academia")
        CIVIL_SOCIETY = "civil_society", _("Civil society")
        PUBLIC_SECTOR = "public_sector", _("Public sector")
        INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")
        MEDIA = "media", _("Media")
        OTHER = "other", _("Other")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    sector = models.CharField(_("stakeholder sector"), max_length=30, choices=Sector.choices)
    #: Any ISO 3166 country (the bloc's own table, portal.Country, keeps its members' statuses and zones).
    country = CountryField(_("country"))
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    privacy_policy_version = models.CharField(_("privacy policy version consented to"), max_length=20)
    privacy_consented_at = models.DateTimeField(_("privacy consent given at"))
    news_opt_in = models.BooleanField(_("receive news by email"), default=False)
    news_opt_in_at = models.DateTimeField(_("news opt-in given at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("participant profile")
        verbose_name_plural = _("participant profiles")
        indexes = [models.Index(fields=["sector"], name="accounts_profile_sector_idx")]

    def __str__(self):
        return str(self.user)

    @property
    def time_zone(self) -> str | None:
        """The zone to show this participant event times in: the bloc's for its countries, else
        the country's one zone, else None (accounts.countries)."""
        return countries.time_zone_for(self.country.code)
