"""The procurement store: contracting processes and their awards, as OCDS imports bring them in.

Each OCDS import (``ProcurementImport``) is tied to one version of the framework's dataset
(``observatory.Dataset``, under the editorial workflow): its processes and awards are that
version's, and the indicators computed from them at import are that version's observations.
An import replaces the countries its file covers and carries the other countries over from
the version the public saw, so each version is the whole picture (procurement.imports).

Exchange rates are kept by editors (units of a currency per US dollar, per year); the USD
values of a version are converted with the table as it stood at import.
"""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from observatory.models import Dataset


class ExchangeRate(models.Model):
    """How many units of a currency one US dollar bought on average in a year (editors keep it)."""

    currency = models.CharField(
        _("currency"),
        max_length=3,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("The three capital letters of ISO 4217 (CLP, COP…)."))],
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1990)])
    units_per_usd = models.DecimalField(
        _("units per US dollar"),
        max_digits=18,
        decimal_places=6,
        help_text=_("The year's average: how many units of the currency one US dollar bought."),
    )
    source = models.CharField(_("source"), max_length=300, help_text=_("e.g. the central bank's yearly average."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "year"], name="procurement_rate_one_per_year"),
            models.CheckConstraint(condition=Q(units_per_usd__gt=0), name="procurement_rate_positive"),
        ]

    def __str__(self):
        return f"{self.currency} {self.year}: {self.units_per_usd}"


class ProcurementImport(models.Model):
    """One OCDS import: what the file held and what became of it (the report), and its dataset version."""

    class Kind(models.TextChoices):
        RELEASE_PACKAGE = "release-package", _("Release package")
        RECORD_PACKAGE = "record-package", _("Record package")
        JSON_LINES = "json-lines", _("JSON Lines")
        CARRIED_OVER = "carried-over", _("No file (carried over)")

    # Set in the import's transaction, once the framework has made the version (never left empty).
    dataset = models.OneToOneField(
        Dataset,
        verbose_name=_("dataset version"),
        null=True,
        on_delete=models.CASCADE,
        related_name="procurement_import",
    )
    base = models.ForeignKey(
        "self",
        verbose_name=_("carried over from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The import whose other countries this version carries over."),
    )
    file_name = models.CharField(_("file"), max_length=255)
    file_kind = models.CharField(_("kind of file"), max_length=20, choices=Kind.choices)
    schema_version = models.CharField(_("schema version"), max_length=10)
    packages = models.JSONField(_("packages"), default=list, help_text=_("Publisher, licence and address per package."))
    countries = models.JSONField(_("countries in the file"), default=list)
    carried_countries = models.JSONField(_("countries carried over"), default=list)
    releases_read = models.PositiveIntegerField(_("releases read"), default=0)
    releases_rejected = models.PositiveIntegerField(_("releases rejected"), default=0)
    processes = models.PositiveIntegerField(_("processes compiled"), default=0)
    processes_carried = models.PositiveIntegerField(_("processes carried over"), default=0)
    awards = models.PositiveIntegerField(_("awards"), default=0)
    rejected = models.JSONField(_("rejected releases (the first ones)"), default=list)
    missing = models.JSONField(_("fields missing per country"), default=dict)
    notices = models.JSONField(_("notices"), default=list)
    seconds = models.FloatField(_("duration (s)"), default=0)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("OCDS import")
        verbose_name_plural = _("OCDS imports")
        ordering = ["-imported_at", "-pk"]

    def __str__(self):
        return f"{self.file_name} ({self.dataset})"

    @property
    def rejected_count(self) -> int:  # the report's name for it (procurement/includes/import_report.html)
        return self.releases_rejected


class Process(models.Model):
    """A contracting process (one ``ocid``), from its compiled release."""

    run = models.ForeignKey(ProcurementImport, on_delete=models.CASCADE, related_name="process_rows")
    ocid = models.CharField(_("ocid"), max_length=200)
    buyer_id = models.CharField(_("buyer identifier"), max_length=200, blank=True)
    buyer_name = models.CharField(_("buyer"), max_length=300, blank=True)
    buyer_country = models.CharField(_("buyer country"), max_length=2, blank=True)
    buyer_country_published = models.BooleanField(
        _("buyer country published"), default=False, help_text=_("Unticked: the publisher's country given at import.")
    )
    procurement_method = models.CharField(_("procurement method"), max_length=20, blank=True)
    main_category = models.CharField(_("main procurement category"), max_length=20, blank=True)
    tender_start = models.DateTimeField(_("tender period start"), null=True, blank=True)
    tender_end = models.DateTimeField(_("tender period end"), null=True, blank=True)
    tender_days = models.FloatField(_("tender period (days)"), null=True, blank=True)
    value_amount = models.FloatField(_("value"), null=True, blank=True)
    value_currency = models.CharField(_("currency"), max_length=3, blank=True)
    tenderers = models.PositiveIntegerField(_("number of tenderers"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)

    class Meta:
        verbose_name = _("contracting process")
        verbose_name_plural = _("contracting processes")
        constraints = [models.UniqueConstraint(fields=["run", "ocid"], name="procurement_process_one_per_import")]
        # The indicators group a version's processes by country and year (and method, category).
        indexes = [
            models.Index(
                fields=["run", "buyer_country", "year", "procurement_method", "main_category"],
                name="procurement_process_figs_idx",
            )
        ]

    def __str__(self):
        return self.ocid


class Award(models.Model):
    """An award of a process (cancelled and unsuccessful awards are left out), with its first supplier."""

    run = models.ForeignKey(ProcurementImport, on_delete=models.CASCADE, related_name="award_rows")
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="awards")
    award_id = models.CharField(_("award identifier"), max_length=200, blank=True)
    supplier_id = models.CharField(_("supplier identifier"), max_length=200, blank=True)
    supplier_name = models.CharField(_("supplier"), max_length=300, blank=True)
    supplier_country = models.CharField(_("supplier country"), max_length=2, blank=True)
    supplier_scale = models.CharField(_("supplier scale"), max_length=20, blank=True)
    supplier_count = models.PositiveSmallIntegerField(_("suppliers"), default=1)
    amount = models.FloatField(_("value"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    amount_usd = models.FloatField(_("value in US dollars"), null=True, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        indexes = [
            models.Index(fields=["run", "year", "process"], name="procurement_award_figs_idx"),
            models.Index(fields=["run", "currency", "year"], name="procurement_award_rate_idx"),
            models.Index(fields=["process"], name="procurement_award_process_idx"),
        ]

    def __str__(self):
        return f"{self.award_id} ({self.supplier_name})"


class FieldCoverage(models.Model):
    """Per version, country, year and input field: how many records publish it, of how many."""

    run = models.ForeignKey(ProcurementImport, on_delete=models.CASCADE, related_name="coverage_rows")
    country = models.CharField(_("country"), max_length=2)
    year = models.PositiveSmallIntegerField(_("year"))
    field = models.CharField(_("field"), max_length=30)
    present = models.PositiveIntegerField(_("present"))
    total = models.PositiveIntegerField(_("records"))

    class Meta:
        verbose_name = _("field coverage")
        verbose_name_plural = _("field coverage")
        constraints = [
            models.UniqueConstraint(fields=["run", "country", "year", "field"], name="procurement_coverage_unique")
        ]

    def __str__(self):
        return f"{self.country} {self.year} {self.field}: {self.present}/{self.total}"

    @property
    def share(self) -> float | None:
        return 100 * self.present / self.total if self.total else None
