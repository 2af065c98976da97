"""Observatories, their publications, and the input stakeholders give on them.

A Publication is under the shared editorial workflow (portal.models.Publishable). Its
files are checked from their content (observatory.files) and leave the server only
through the download view, which counts them. Comments are pre-moderated and move
through the explicit state machine shared with consultations (portal.moderation.MOVES):

    pending ──approve──▶ approved ──(enough reports)──▶ hidden ──approve──▶ approved
       └──────reject──▶ rejected ◀──────────reject──────────┘

Indicators are the figures an observatory publishes (an unemployment rate). Their numbers
arrive in Datasets, which are under the editorial workflow: each import of the same dataset
(same ``key``) is a new version, and the public sees only the latest published version of
each dataset. A version's Observations never change after the import; what the pages show
of them at a glance (latest value per country, the small trend) is computed once per
version into IndicatorSummary (observatory.imports).
"""

import reversion
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Profile
from observatory.files import (
    detect_file_type,
    publication_file_name,
    publication_file_storage,
    validate_publication_file,
)
from observatory.querysets import (
    CommentQuerySet,
    DatasetQuerySet,
    IndicatorQuerySet,
    ObservationQuerySet,
    ObservatoryQuerySet,
    PublicationQuerySet,
)
from observatory.search import refresh_search_document
from portal.models import Body, Country, CoverImage, Publishable, Topic
from portal.moderation import ModeratedComment, ModeratedCommentReport
from portal.richtext import RichTextField

__all__ = [
    "Collaborator",
    "Comment",
    "CommentReport",
    "Dataset",
    "FocusArea",
    "Indicator",
    "IndicatorSummary",
    "Observation",
    "Observatory",
    "Partner",
    "Publication",
    "PublicationFile",
]


# --- Observatories ------------------------------------------------------------------------


class Observatory(models.Model):
    """A knowledge platform of a body of the bloc (e.g. the Public Procurement Observatory)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    summary = models.TextField(_("summary"), max_length=600, help_text=_("One or two sentences shown in lists."))
    mission = models.TextField(_("mission"), help_text=_("What the observatory is for, in a short paragraph."))
    objectives = RichTextField(_("objectives"), blank=True)
    launched_on = models.DateField(_("launch date"))
    body = models.ForeignKey(
        Body,
        verbose_name=_("responsible body"),
        on_delete=models.PROTECT,
        related_name="observatories",
        help_text=_("The committee or technical group that created or supports the observatory."),
    )
    funding = models.CharField(
        _("funding"), max_length=300, blank=True, help_text=_("e.g. the Erasmus+ programme of the European Union.")
    )
    website = models.URLField(_("website"), max_length=500, blank=True)
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True, related_name="observatories")
    news = models.ManyToManyField(
        "portal.News",
        verbose_name=_("related news"),
        blank=True,
        related_name="observatories",
        help_text=_("Published news shown on the observatory's page."),
    )
    events = models.ManyToManyField(
        "events.Event",
        verbose_name=_("related events"),
        blank=True,
        related_name="observatories",
        help_text=_("Published events shown on the observatory's page."),
    )
    is_public = models.BooleanField(
        _("shown on the site"),
        default=True,
        help_text=_("Untick to keep the observatory off the site while it is prepared."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("Order in lists."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ObservatoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("observatory")
        verbose_name_plural = _("observatories")
        ordering = ["position", "name"]
        # Not on ``name``: it is translated, and modeltranslation would copy the index per language.
        indexes = [models.Index(fields=["is_public", "position"], name="observatory_public_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("observatory:observatory_detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)


class Partner(models.Model):
    """A partner organisation of an observatory, such as a university of the EMPLE-AP consortium."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University or higher education institution")
        INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")
        PUBLIC_AGENCY = "public_agency", _("Public agency")
        FUNDER = "funder", _("Funder")
        OTHER = "other", _("Other")

    observatory = models.ForeignKey(Observatory, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(_("name"), max_length=250)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.UNIVERSITY)
    location = models.CharField(_("country or city"), max_length=120, blank=True)
    role = models.CharField(
        _("role"), max_length=250, blank=True, help_text=_("e.g. General coordinator of the project in Latin America.")
    )
    website = models.URLField(_("website"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class FocusArea(models.Model):
    """A subject the observatory studies, e.g. sustainable public purchasing."""

    observatory = models.ForeignKey(Observatory, on_delete=models.CASCADE, related_name="focus_areas")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("focus topic")
        verbose_name_plural = _("focus topics")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title


# --- Publications -------------------------------------------------------------------------


@reversion.register(follow=["collaborators", "files"])
class Publication(Publishable, CoverImage):
    COVER_UPLOAD_TO = "publications/%Y/"

    class Kind(models.TextChoices):
        STUDY = "study", _("Study")
        STATISTICS = "statistics", _("Statistics")
        ARTICLE = "article", _("Article")
        REPORT = "report", _("Report")
        ANALYSIS = "analysis", _("Analysis")
        GUIDE = "guide", _("Guide")
        DATASET = "dataset", _("Dataset")
        OUTCOME_DOCUMENT = "outcome_document", _("Outcome document")
        PORTFOLIO = "portfolio", _("Portfolio")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        SPANISH = "es", _("Spanish")

    #: PostgreSQL text-search configuration of each language (observatory.search).
    SEARCH_CONFIGS = {Language.ENGLISH: "english", Language.SPANISH: "spanish"}
    SEARCH_FIELDS = (("title", "A"), ("abstract", "B"), ("body", "C"))

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        help_text=_("The address of the publication. It cannot change once the publication has been published."),
    )
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices, default=Kind.STUDY)
    abstract = models.TextField(_("abstract"), max_length=3000, help_text=_("A paragraph shown in the library."))
    body = RichTextField(_("body"), blank=True)
    observatory = models.ForeignKey(
        Observatory,
        verbose_name=_("observatory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="publications",
    )
    bodies = models.ManyToManyField(
        Body,
        verbose_name=_("authoring bodies"),
        blank=True,
        related_name="publications",
        help_text=_("The committees or groups of the bloc that wrote it. Invited collaborators are added below."),
    )
    countries = models.ManyToManyField(
        Country, verbose_name=_("countries covered"), blank=True, related_name="publications"
    )
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True, related_name="publications")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.ENGLISH)
    publication_date = models.DateField(
        _("date of the publication"), help_text=_("When the document itself was issued (the library sorts by it).")
    )
    external_url = models.URLField(
        _("external link"), max_length=500, blank=True, help_text=_("Where the document is published elsewhere.")
    )
    citation = models.TextField(
        _("suggested citation"), max_length=1000, blank=True, help_text=_("Empty: one is composed from the fields.")
    )
    is_featured = models.BooleanField(_("featured on the home page"), default=False)
    accepts_comments = models.BooleanField(
        _("open to stakeholder input"), default=True, help_text=_("Participants may comment on it (pre-moderated).")
    )
    news = models.ManyToManyField(
        "portal.News", verbose_name=_("related news"), blank=True, related_name="publications"
    )
    events = models.ManyToManyField(
        "events.Event",
        verbose_name=_("events that presented it"),
        blank=True,
        related_name="publications",
        help_text=_("Events where it was presented, or whose outcome document it is."),
    )
    search_document = SearchVectorField(null=True, editable=False)

    objects = PublicationQuerySet.as_manager()

    class Meta(Publishable.Meta):
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        permissions = [("publish_publication", _("Can publish, schedule, unpublish and archive publications"))]
        indexes = [
            *Publishable.Meta.indexes,
            models.Index(fields=["status", "-publication_date", "-id"], name="observatory_pub_date_idx"),
            models.Index(fields=["kind"], name="observatory_pub_kind_idx"),
            models.Index(fields=["language"], name="observatory_pub_language_idx"),
            models.Index(fields=["publication_date"], name="observatory_pub_year_idx"),
            # The home's "featured, then newest" block walks this index and stops after a few rows.
            models.Index(fields=["-is_featured", "-publication_date", "-id"], name="observatory_pub_home_idx"),
            # Each observatory's count of live publications, read from the index alone.
            models.Index(fields=["observatory", "status", "published_at"], name="observatory_pub_count_idx"),
        ]
        constraints = [
            *Publishable.Meta.constraints,
            *CoverImage.Meta.constraints,
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        refresh_search_document(self)

    def get_absolute_url(self):
        return reverse("observatory:publication_detail", kwargs={"slug": self.slug})

    @property
    def search_config(self) -> str:
        return self.SEARCH_CONFIGS.get(self.language, "simple")

    def author_names(self) -> list[str]:
        """Bodies, then invited collaborators (uses prefetched rows when there are any)."""
        return [body.name for body in self.bodies.all()] + [str(person) for person in self.collaborators.all()]

    @property
    def suggested_citation(self) -> str:
        if self.citation.strip():
            return self.citation.strip()
        authors = "; ".join(self.author_names()) or str(settings.SITE_NAME)
        return f"{authors} ({self.publication_date:%Y}). {self.title}. {settings.SITE_NAME}. " + (
            settings.SITE_URL + self.get_absolute_url()
        )


@reversion.register()
class Collaborator(models.Model):
    """An invited author: a person or an organisation, with an affiliation."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="collaborators")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=250)
    affiliation = models.CharField(_("affiliation"), max_length=250, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("invited collaborator")
        verbose_name_plural = _("invited collaborators")
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.name} ({self.affiliation})" if self.affiliation else self.name


@reversion.register()
class PublicationFile(models.Model):
    """A document of a publication: PDF, XLSX, CSV or DOCX, its type read from the content."""

    class FileType(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", _("Excel workbook (XLSX)")
        CSV = "csv", _("CSV data")
        DOCX = "docx", _("Word document (DOCX)")

    CONTENT_TYPES = {
        FileType.PDF: "application/pdf",
        FileType.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        FileType.CSV: "text/csv; charset=utf-8",
        FileType.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="files")
    title = models.CharField(_("title"), max_length=250, help_text=_("e.g. Full report, Data in CSV."))
    file = models.FileField(
        _("file"),
        upload_to=publication_file_name,
        storage=publication_file_storage,
        max_length=255,
        validators=[validate_publication_file],
        help_text=_("PDF, XLSX, CSV or DOCX. The type is checked from the content of the file."),
    )
    file_type = models.CharField(_("type"), max_length=10, choices=FileType.choices, editable=False)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0, editable=False)
    download_count = models.PositiveIntegerField(_("downloads"), default=0, editable=False)
    is_demo = models.BooleanField(_("demo file"), default=False, editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.file and not getattr(self.file, "_committed", True):
            # A new upload: its type decides the stored extension (see publication_file_name).
            self.file_type = detect_file_type(self.file) or ""
            self.size = self.file.size
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("observatory:publication_file", kwargs={"slug": self.publication.slug, "file_id": self.pk})

    @property
    def content_type(self) -> str:
        return self.CONTENT_TYPES.get(self.file_type, "application/octet-stream")

    @property
    def download_name(self) -> str:
        return f"{self.publication.slug}-{self.pk}.{self.file_type or 'bin'}"


# --- Stakeholder input --------------------------------------------------------------------


class Comment(ModeratedComment):
    """A participant's comment on a publication (fields and rules: portal.moderation)."""

    Sector = Profile.Sector

    publication = models.ForeignKey(
        Publication, verbose_name=_("publication"), on_delete=models.CASCADE, related_name="comments"
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="publication_comments",
    )
    author_sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices)

    objects = CommentQuerySet.as_manager()

    class Meta(ModeratedComment.Meta):
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        permissions = [("moderate_comment", _("Can approve, reject and review reported comments"))]
        indexes = [
            models.Index(fields=["publication", "status", "-created_at"], name="observatory_comment_page_idx"),
            models.Index(fields=["publication", "status", "author_sector"], name="observatory_comment_sector_idx"),
            models.Index(fields=["status", "created_at"], name="observatory_comment_queue_idx"),
            models.Index(fields=["participant", "-created_at"], name="observatory_comment_mine_idx"),
            models.Index(fields=["status", "moderated_at"], name="observatory_comment_told_idx"),
        ]

    @property
    def commented_item(self):
        return self.publication

    def public_url(self) -> str:
        return self.publication.get_absolute_url() + "#comments"


class CommentReport(ModeratedCommentReport):
    """A visitor's report of an approved comment on a publication; one per visitor and comment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")

    class Meta(ModeratedCommentReport.Meta):
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter_key"], name="observatory_report_one_per_visitor"),
        ]


# --- Indicators and their data --------------------------------------------------------------


class Indicator(models.Model):
    """A figure an observatory publishes per country and period, e.g. the unemployment rate.

    ``code`` is what import files call it (the SDMX ``INDICATOR`` code, or the template's
    ``indicator`` column). ``unit_code`` is set by the first import that names a unit and may
    not change afterwards: a file with another unit is refused (values would not compare).
    """

    class Frequency(models.TextChoices):
        YEAR = "Y", _("Annual")
        QUARTER = "Q", _("Quarterly")
        MONTH = "M", _("Monthly")

    observatory = models.ForeignKey(
        Observatory, verbose_name=_("observatory"), on_delete=models.PROTECT, related_name="indicators"
    )
    code = models.CharField(
        _("code"),
        max_length=60,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_.-]+$", _("Letters, digits, “_”, “.” and “-” only."))],
        help_text=_("As import files name it: the SDMX INDICATOR code or the template's “indicator” column."),
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True, help_text=_("The address of the indicator's page."))
    name = models.CharField(_("name"), max_length=200)
    definition = models.TextField(_("definition"))
    unit = models.CharField(_("unit"), max_length=100, help_text=_("As readers see it, e.g. “% of the labour force”."))
    unit_symbol = models.CharField(
        _("unit symbol"), max_length=12, blank=True, help_text=_("Written after each value in charts, e.g. “%”.")
    )
    unit_code = models.CharField(
        _("unit code"),
        max_length=30,
        blank=True,
        help_text=_("The SDMX UNIT_MEASURE (e.g. PT). Set by the first import that gives one; a change is refused."),
    )
    frequency = models.CharField(_("frequency"), max_length=1, choices=Frequency.choices, default=Frequency.YEAR)
    decimals = models.PositiveSmallIntegerField(
        _("decimals"), default=1, validators=[MaxValueValidator(6)], help_text=_("Digits shown after the separator.")
    )
    methodology = models.TextField(_("methodology note"), blank=True)
    source = models.CharField(_("source"), max_length=300, help_text=_("Who produces the figures."))
    source_url = models.URLField(_("source address"), max_length=500, blank=True)
    licence = models.CharField(_("licence"), max_length=200, help_text=_("e.g. CC BY 4.0."))
    licence_url = models.URLField(_("licence address"), max_length=500, blank=True)
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.SET_NULL, related_name="indicators"
    )
    higher_is_better = models.BooleanField(
        _("a higher value is better"), null=True, blank=True, help_text=_("Leave unknown when neither is better.")
    )
    publications = models.ManyToManyField(
        Publication,
        verbose_name=_("publications that use it"),
        blank=True,
        related_name="indicators",
        help_text=_("Studies that draw on this indicator; each page links to the other."),
    )
    news = models.ManyToManyField("portal.News", verbose_name=_("related news"), blank=True, related_name="indicators")
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("Order in lists."))

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["position", "code"]
        indexes = [models.Index(fields=["observatory", "position", "code"], name="observatory_indicator_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("observatory:indicator_detail", kwargs={"slug": self.observatory.slug, "indicator": self.slug})


@reversion.register()
class Dataset(Publishable):
    """One version of a dataset: the observations one import brought in, under the workflow.

    Revisions record the version's description and workflow, not its observations: those
    are fixed at import, and a change of numbers is a new version.
    """

    class Format(models.TextChoices):
        CSV = "csv", _("CSV (template)")
        XLSX = "xlsx", _("Excel workbook (template)")
        SDMX_ML = "sdmx-ml", "SDMX-ML"
        SDMX_CSV = "sdmx-csv", "SDMX-CSV"
        OCDS = "ocds", _("Open Contracting Data Standard (OCDS)")
        GENERATED = "generated", _("Generated demo data")

    observatory = models.ForeignKey(
        Observatory, verbose_name=_("observatory"), on_delete=models.PROTECT, related_name="datasets"
    )
    key = models.SlugField(
        _("dataset"), max_length=80, help_text=_("Every import of the same dataset is a new version of it.")
    )
    version = models.PositiveIntegerField(_("version"), editable=False)
    title = models.CharField(_("title"), max_length=250)
    notes = models.TextField(_("notes"), blank=True, help_text=_("What this version brings, shown on the pages."))
    source = models.CharField(_("source"), max_length=300, blank=True, help_text=_("Where the file comes from."))
    file_name = models.CharField(_("file"), max_length=255, blank=True, editable=False)
    file_format = models.CharField(_("format"), max_length=20, choices=Format.choices, editable=False)
    is_demo = models.BooleanField(
        _("demo data"),
        default=False,
        editable=False,
        help_text=_("Generated for the demonstration: every page, chart and download says so."),
    )
    observation_count = models.PositiveIntegerField(_("observations"), default=0, editable=False)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now, editable=False)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = DatasetQuerySet.as_manager()

    class Meta(Publishable.Meta):
        verbose_name = _("dataset version")
        verbose_name_plural = _("datasets")
        ordering = ["key", "-version"]
        permissions = [("publish_dataset", _("Can publish, schedule, unpublish and archive datasets"))]
        indexes = [
            *Publishable.Meta.indexes,
            models.Index(fields=["key", "status", "-version"], name="observatory_dataset_key_idx"),
        ]
        constraints = [
            *Publishable.Meta.constraints,
            models.UniqueConstraint(fields=["key", "version"], name="observatory_dataset_one_version_number"),
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"

    def get_absolute_url(self):
        """The page of its first indicator showing this version (staff preview it before it is live)."""
        summary = self.summaries.select_related("indicator__observatory").order_by("indicator__position").first()
        if summary is None:
            return reverse("observatory:data_landing", kwargs={"slug": self.observatory.slug})
        return f"{summary.indicator.get_absolute_url()}?dataset={self.pk}"


class Observation(models.Model):
    """One value of one indicator for one country, period and breakdown, in one dataset version.

    ``period_start`` is the first day of the period (2024-04-01 for 2024-Q2); with
    ``period_type`` it is the period. Breakdowns use SDMX codes, ``_T`` being the total.
    ``coverage`` (optional) is the share of the underlying records where the value's inputs are present.
    """

    class PeriodType(models.TextChoices):
        YEAR = "Y", _("Year")
        QUARTER = "Q", _("Quarter")
        MONTH = "M", _("Month")

    class Flag(models.TextChoices):
        NONE = "", _("Normal value")
        PROVISIONAL = "P", _("Provisional")
        BREAK = "B", _("Break in series")
        ESTIMATE = "E", _("Estimate")

    TOTAL = "_T"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="observations")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="observations")
    country = models.CharField(_("country"), max_length=2)
    period_type = models.CharField(_("period type"), max_length=1, choices=PeriodType.choices)
    period_start = models.DateField(_("period"))
    sex = models.CharField(_("sex"), max_length=20, default=TOTAL)
    age = models.CharField(_("age group"), max_length=20, default=TOTAL)
    education = models.CharField(_("education level"), max_length=20, default=TOTAL)
    value = models.FloatField(_("value"))
    flag = models.CharField(_("status"), max_length=1, choices=Flag.choices, blank=True, default="")
    footnote = models.CharField(_("footnote"), max_length=500, blank=True)
    # What share (%) of the records behind the value had its inputs (e.g. the processes that publish
    # their number of tenderers); shown beside the value so that a gap is not read as a fact.
    coverage = models.FloatField(_("coverage (%)"), null=True, blank=True)

    objects = ObservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        constraints = [
            # The order serves the pages' read: one version, one indicator and breakdown, some countries, a range.
            models.UniqueConstraint(
                fields=["dataset", "indicator", "sex", "age", "education", "country", "period_type", "period_start"],
                name="observatory_observation_unique",
            ),
        ]
        indexes = [models.Index(fields=["indicator"], name="observatory_obs_indicator_idx")]

    def __str__(self):
        return f"{self.indicator_id} {self.country} {self.period_start}: {self.value}"


class IndicatorSummary(models.Model):
    """What the pages show of one indicator in one dataset version, computed once at import.

    ``breakdowns``: the codes present per dimension; ``headline``: the breakdown shown by
    default (the totals where there are any); ``latest``: per country, the newest headline
    value as ``{"period": iso date, "value", "flag"}``; ``trend``: per country, the last
    headline values, oldest first; ``countries`` and the first and last periods.
    """

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="summaries")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="summaries")
    observation_count = models.PositiveIntegerField(default=0)
    period_type = models.CharField(max_length=1, choices=Observation.PeriodType.choices)
    first_period = models.DateField()
    last_period = models.DateField()
    countries = models.JSONField(default=list)
    breakdowns = models.JSONField(default=dict)
    headline = models.JSONField(default=dict)
    latest = models.JSONField(default=dict)
    trend = models.JSONField(default=dict)
    trend_periods = models.JSONField(default=list)

    class Meta:
        verbose_name = _("indicator summary")
        verbose_name_plural = _("indicator summaries")
        constraints = [
            models.UniqueConstraint(fields=["dataset", "indicator"], name="observatory_summary_one_per_version"),
        ]

    def __str__(self):
        return f"{self.indicator_id} in {self.dataset_id}"
