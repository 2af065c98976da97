"""Organisations (companies and others) and the people who belong to them.

An organisation's data is visible only to its active members and to staff with a
permission for it (see ``OrganisationQuerySet.visible_to``). Memberships move through an
explicit state machine (organisations.services.MOVES):

    (invite) ──▶ invited ──accept──▶ active ──remove / leave──▶ removed
    (ask)    ──▶ requested ──approve──▶ active
                     └──────decline──▶ declined

A membership is a representative's (speaks for the organisation: invites, approves,
removes, signs pledges, submits assessments) or a member's (works on the assessment).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class SizeClass(models.TextChoices):
    """Size by the number of people employed (docs/integrity.md, "Size classes").

    The bands are those of Mexico's Ministry of Economy for manufacturing firms (DOF,
    30 June 2009): micro up to 10, small 11–50, medium 51–250, large above; close to the
    OECD's headcount classes (1–9, 10–49, 50–249, 250+). One set of bands by employees makes
    organisations of the four countries comparable, whose own laws also use sales.
    """

    MICRO = "micro", _("Micro (1–10 employees)")
    SMALL = "small", _("Small (11–50 employees)")
    MEDIUM = "medium", _("Medium (51–250 employees)")
    LARGE = "large", _("Large (251 employees or more)")


class Sector(models.TextChoices):
    """The sections of the International Standard Industrial Classification, ISIC Rev.4 (United Nations, 2008)."""

    A = "A", _("Agriculture, forestry and fishing")
    B = "B", _("Mining and quarrying")
    C = "C", _("Manufacturing")
    D = "D", _("Electricity, gas, steam and air conditioning supply")
    E = "E", _("Water supply; sewerage, waste management and remediation activities")
    F = "F", _("Construction")
    G = "G", _("Wholesale and retail trade; repair of motor vehicles and motorcycles")
    H = "H", _("Transportation and storage")
    I = "I", _("Accommodation and food service activities")  # noqa: E741
    J = "J", _("Information and communication")
    K = "K", _("Financial and insurance activities")
    L = "L", _("Real estate activities")
    M = "M", _("Professional, scientific and technical activities")
    N = "N", _("Administrative and support service activities")
    O = "O", _("Public administration and defence; compulsory social security")  # noqa: E741
    P = "P", _("Education")
    Q = "Q", _("Human health and social work activities")
    R = "R", _("Arts, entertainment and recreation")
    S = "S", _("Other service activities")
    T = "T", _("Activities of households as employers")
    U = "U", _("Activities of extraterritorial organizations and bodies")


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """What ``user`` may open: the organisations they are an active member of; staff with
        ``organisations.view_organisation`` see all."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.is_staff and user.has_perm("organisations.view_organisation"):
            return self.all()
        return self.filter(memberships__person=user, memberships__status=Membership.Status.ACTIVE)

    def of_member(self, user):
        return self.filter(memberships__person=user, memberships__status=Membership.Status.ACTIVE)


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    country = CountryField(_("country"))
    size_class = models.CharField(_("size"), max_length=10, choices=SizeClass.choices)
    sector = models.CharField(_("sector (ISIC Rev.4 section)"), max_length=1, choices=Sector.choices)
    is_led_by_women = models.BooleanField(
        _("led by women"),
        null=True,
        blank=True,
        help_text=_(
            "Majority-owned or directed by women. Optional; used for quotas and breakdowns, never shown publicly."
        ),
    )
    is_verified = models.BooleanField(_("verified"), default=False, editable=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Generated for the demo; marked as such wherever it is shown.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "pk"]
        permissions = [("verify_organisation", _("Can verify organisations"))]
        indexes = [
            models.Index(Lower("name"), name="organisations_name_ci_idx"),
            models.Index(fields=["country", "size_class", "sector"], name="organisations_group_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organisations:organisation_detail", kwargs={"slug": self.slug})


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Membership.Status.ACTIVE)

    def representatives(self):
        return self.active().filter(role=Membership.Role.REPRESENTATIVE)

    def of(self, user):
        return self.filter(person=user)


class Membership(models.Model):
    class Role(models.TextChoices):
        REPRESENTATIVE = "representative", _("Representative")
        MEMBER = "member", _("Member")

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        REQUESTED = "requested", _("Asked to join")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Request declined")
        REMOVED = "removed", _("Left or removed")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="organisation_memberships",
        help_text=_("Empty while an invitation waits to be accepted."),
    )
    invited_email = models.EmailField(_("invited address"), blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or declined by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: A fresh random key per invitation: the link carries it, so a new invitation or a
    #: revoked one makes the old link useless.
    invitation_key = models.CharField(max_length=32, blank=True, editable=False)
    invitation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    joined_at = models.DateTimeField(_("joined"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation", "-role", "pk"]
        constraints = [
            # One open membership (invited, requested or active) per person and organisation.
            models.UniqueConstraint(
                fields=["organisation", "person"],
                condition=Q(status__in=["invited", "requested", "active"]) & Q(person__isnull=False),
                name="organisations_one_open_membership",
            ),
            models.UniqueConstraint(
                "organisation",
                Lower("invited_email"),
                condition=Q(status="invited") & Q(person__isnull=True),
                name="organisations_one_invitation_per_address",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | (Q(status="invited") & ~Q(invited_email="")),
                name="organisations_membership_has_person_or_invitation",
            ),
        ]
        indexes = [models.Index(fields=["person", "status"], name="organisations_member_idx")]

    def __str__(self):
        who = self.person or self.invited_email
        return f"{who} — {self.organisation} ({self.get_role_display()}, {self.get_status_display()})"

    @property
    def is_representative(self) -> bool:
        return self.status == self.Status.ACTIVE and self.role == self.Role.REPRESENTATIVE
