"""Collective action for integrity: initiatives, their pledge, the self-assessment and its benchmarks.

- An **Initiative** is under the editorial workflow (portal.models.Publishable).
- Its **pledge** has versioned texts (PledgeVersion); a representative signs one on behalf of
  the organisation (PledgeSignature), and may withdraw it (recorded, never deleted).
- A **Questionnaire** has versions; a published version never changes (integrity.questionnaires
  refuses edits), a change is a new version. A version has sections, questions and options
  with scores; questions have weights and may allow "not applicable".
- An **Assessment** is one organisation's answers for one cycle (a year) of a questionnaire:
  one per organisation and cycle (a database constraint). Members answer, a representative
  submits, submitted is locked; staff reopen with a recorded reason (AssessmentReopening).
  Scores are computed on submit (integrity.scoring) with the organisation's country, size
  and sector of that moment.
- **BenchmarkStat** holds each cycle's group statistics, recomputed on every submit and
  reopen (integrity.benchmarks), with the suppression of small groups decided there.
- **AnswerAccess** is the audit log of who viewed or exported an organisation's answers.
"""

import reversion
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation, Sector, SizeClass
from portal.models import Country, Publishable, Topic
from portal.querysets import PublishableQuerySet
from portal.richtext import RichTextField
from portal.search import refresh_search_document

#: The source document's disclaimer, shown on an initiative whose information comes from open sources.
OPEN_SOURCES_DISCLAIMER = _(
    "This information is gathered from open-source data and in some cases has been provided by initiative "
    "facilitators. We cannot guarantee the accuracy or completeness of the information and do not take "
    "responsibility for decisions made on the basis of it. Please inform us of any errors by emailing us."
)

code_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Lower-case letters, digits and hyphens."))


# --- Initiatives --------------------------------------------------------------------------


class InitiativeQuerySet(PublishableQuerySet):
    def for_listing(self):
        return (
            self.published()
            .order_by("name", "pk")
            .defer("goals", "activities", "search_document")
            .prefetch_related("countries", "topics")
        )


@reversion.register(follow=["partners", "sources", "pledge_versions"])
class Initiative(Publishable):
    SEARCH_FIELDS = (("name", "A"), ("summary", "B"), ("mission", "B"), ("activities", "C"))

    name = models.CharField(_("name"), max_length=250)
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        help_text=_("The address of the initiative. It cannot change once the initiative has been published."),
    )
    summary = models.TextField(_("summary"), max_length=600, help_text=_("One or two sentences shown in lists."))
    mission = models.TextField(_("mission"))
    goals = RichTextField(_("goals"), blank=True)
    year_established = models.PositiveSmallIntegerField(
        _("year established"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    leading_organisation = models.CharField(_("leading organisation"), max_length=250)
    activities = RichTextField(_("activities"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_url = models.URLField(_("contact page"), max_length=500, blank=True)
    countries = models.ManyToManyField(Country, verbose_name=_("countries"), blank=True, related_name="initiatives")
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True, related_name="initiatives")
    is_from_open_sources = models.BooleanField(
        _("information from open sources"),
        default=True,
        help_text=_("Shows the disclaimer of the source profiles: the information is gathered from open sources."),
    )
    search_document = SearchVectorField(null=True, editable=False)

    objects = InitiativeQuerySet.as_manager()

    class Meta(Publishable.Meta):
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        permissions = [("publish_initiative", _("Can publish, schedule, unpublish and archive initiatives"))]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        refresh_search_document(self)

    def get_absolute_url(self):
        return reverse("integrity:initiative_detail", kwargs={"slug": self.slug})


@reversion.register()
class InitiativePartner(models.Model):
    class Kind(models.TextChoices):
        LEAD = "lead", _("Leads the initiative")
        PARTNER = "partner", _("Partner")
        FUNDER = "funder", _("Funder")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(_("name"), max_length=250)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PARTNER)
    website = models.URLField(_("website"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("partner or funder")
        verbose_name_plural = _("partners and funders")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name


@reversion.register()
class InitiativeSource(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="sources")
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("address"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title


# --- The pledge ---------------------------------------------------------------------------


@reversion.register()
class PledgeVersion(models.Model):
    """A text of the initiative's pledge. The newest is the one signed; a signed text never changes."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="pledge_versions")
    number = models.PositiveSmallIntegerField(_("version"))
    text = RichTextField(_("text of the pledge"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("pledge version")
        verbose_name_plural = _("pledge versions")
        ordering = ["initiative", "-number"]
        constraints = [models.UniqueConstraint(fields=["initiative", "number"], name="integrity_pledge_version_unique")]

    def __str__(self):
        return f"{self.initiative} — v{self.number}"


class PledgeSignatureQuerySet(models.QuerySet):
    def standing(self):
        return self.filter(withdrawn_at__isnull=True)


class PledgeSignature(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="signatures")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="pledge_signatures")
    version = models.ForeignKey(PledgeVersion, verbose_name=_("pledge version"), on_delete=models.PROTECT)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_reason = models.TextField(_("reason for withdrawing"), blank=True)

    objects = PledgeSignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("pledge signature")
        verbose_name_plural = _("pledge signatures")
        ordering = ["-signed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "organisation"],
                condition=Q(withdrawn_at__isnull=True),
                name="integrity_one_standing_signature",
            )
        ]
        indexes = [models.Index(fields=["initiative", "withdrawn_at", "signed_at"], name="integrity_signatories_idx")]

    def __str__(self):
        return f"{self.organisation} — {self.initiative}"


# --- Questionnaires -----------------------------------------------------------------------


class VersionLocked(Exception):
    """A part of a published or retired questionnaire version was about to change."""


class _PartOfVersion(models.Model):
    """Sections, questions and options: saved and deleted only while their version is a draft.

    The admin shows them read-only once published; this is the backstop for every other path.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._ensure_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._ensure_draft()
        return super().delete(*args, **kwargs)

    def _version_id(self):
        raise NotImplementedError

    def _ensure_draft(self):
        if not QuestionnaireVersion.objects.filter(pk=self._version_id(), status="draft").exists():
            raise VersionLocked(f"{self!r} belongs to a published version, which never changes.")


class Questionnaire(models.Model):
    """A self-assessment tool; what it asks lives in its versions."""

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("initiative"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="questionnaires",
    )  # fmt: skip
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=250)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["title", "pk"]

    def __str__(self):
        return self.title

    def current_version(self):
        return self.versions.filter(status=QuestionnaireVersion.Status.PUBLISHED).order_by("-number").first()


class QuestionnaireVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    title = models.CharField(_("title"), max_length=250)
    introduction = models.TextField(_("introduction"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")
        ordering = ["questionnaire", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "number"], name="integrity_version_unique"),
            # One version answers at a time: publishing a new one retires the one before.
            models.UniqueConstraint(
                fields=["questionnaire"], condition=Q(status="published"), name="integrity_one_published_version"
            ),
        ]

    def __str__(self):
        return f"{self.questionnaire} — v{self.number} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class Section(_PartOfVersion):
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="sections")
    code = models.CharField(
        _("code"),
        max_length=40,
        validators=[code_validator],
        help_text=_("Stays the same across versions, so results compare from year to year (e.g. policies)."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1)], help_text=_("Weight in the overall score.")
    )

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["version", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="integrity_section_code_unique"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="integrity_section_weight_positive"),
        ]

    def __str__(self):
        return self.title

    def _version_id(self):
        return self.version_id


class Question(_PartOfVersion):
    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.CASCADE, related_name="questions", editable=False
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(_("code"), max_length=40, validators=[code_validator], help_text=_("e.g. policies-1"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("question"))
    guidance = models.TextField(
        _("help and guidance"),
        blank=True,
        help_text=_("Shown with the question, and with the results where it scores low."),
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1)], help_text=_("Weight in the section's score.")
    )
    is_required = models.BooleanField(_("required"), default=True)
    allows_not_applicable = models.BooleanField(_("“not applicable” allowed"), default=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["section__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="integrity_question_code_unique"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="integrity_question_weight_positive"),
        ]

    def __str__(self):
        return f"{self.code}: {self.text[:60]}"

    def save(self, *args, **kwargs):
        self.version_id = self.section.version_id
        super().save(*args, **kwargs)

    def _version_id(self):
        return self.section.version_id


class Option(_PartOfVersion):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    label = models.CharField(_("answer"), max_length=300)
    score = models.PositiveSmallIntegerField(
        _("score"), help_text=_("Points for this answer; the question's best answer has the most.")
    )

    class Meta:
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        ordering = ["question", "position", "pk"]

    def __str__(self):
        return self.label

    def _version_id(self):
        return self.question.version_id


# --- Assessments --------------------------------------------------------------------------


class AssessmentQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(status=Assessment.Status.SUBMITTED)

    def of_member(self, user):
        return self.filter(organisation__memberships__person=user, organisation__memberships__status="active")


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="assessments")
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="assessments")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="assessments")
    cycle = models.PositiveSmallIntegerField(_("cycle (year)"), validators=[MinValueValidator(2000)])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    score = models.DecimalField(_("overall score"), max_digits=5, decimal_places=2, null=True, blank=True)
    # The organisation as it was when the assessment was submitted: its benchmark groups.
    country = models.CharField(_("country"), max_length=2, blank=True)
    size_class = models.CharField(_("size"), max_length=10, choices=SizeClass.choices, blank=True)
    sector = models.CharField(_("sector"), max_length=1, choices=Sector.choices, blank=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        ordering = ["-cycle", "organisation", "pk"]
        permissions = [
            ("view_assessment_answers", _("Can view organisations' answers")),
            ("reopen_assessment", _("Can reopen a submitted self-assessment")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "organisation", "cycle"], name="integrity_one_assessment_per_cycle"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(submitted_at__isnull=False) & Q(score__isnull=False)),
                name="integrity_submitted_has_score",
            ),
        ]
        indexes = [
            models.Index(fields=["questionnaire", "cycle", "status"], name="integrity_assessment_cycle_idx"),
            models.Index(fields=["organisation", "-cycle"], name="integrity_assessment_org_idx"),
        ]

    def __str__(self):
        return f"{self.organisation} — {self.cycle}"

    def get_absolute_url(self):
        return reverse("integrity:assessment_detail", kwargs={"pk": self.pk})

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class SectionScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="section_scores")
    section_code = models.CharField(max_length=40)
    score = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "section_code"], name="integrity_section_score_unique")
        ]

    def __str__(self):
        return f"{self.assessment} — {self.section_code}: {self.score}"


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    option = models.ForeignKey(Option, null=True, blank=True, on_delete=models.PROTECT, related_name="answers")
    is_not_applicable = models.BooleanField(_("not applicable"), default=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), default=timezone.now)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"], name="integrity_one_answer_per_question"),
            models.CheckConstraint(
                condition=(Q(option__isnull=False) & Q(is_not_applicable=False))
                | (Q(option__isnull=True) & Q(is_not_applicable=True)),
                name="integrity_answer_option_or_not_applicable",
            ),
        ]

    def __str__(self):
        return f"{self.assessment} — {self.question_id}"


class AssessmentReopening(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="reopenings")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("reason"))
    previous_score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    created_at = models.DateTimeField(_("reopened"), default=timezone.now)

    class Meta:
        verbose_name = _("reopening")
        verbose_name_plural = _("reopenings")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.assessment} ({self.created_at:%Y-%m-%d})"


class AnswerAccess(models.Model):
    """Audit log: one row each time someone viewed or exported an organisation's answers."""

    class Action(models.TextChoices):
        VIEWED = "viewed", _("Viewed the answers")
        EXPORTED_PDF = "exported_pdf", _("Downloaded the report (PDF)")
        EXPORTED_XLSX = "exported_xlsx", _("Exported the answers (XLSX)")
        API = "api", _("Read the answers through the API")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="answer_accesses")
    assessment = models.ForeignKey(Assessment, null=True, on_delete=models.SET_NULL, related_name="accesses")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    is_staff_access = models.BooleanField(default=False)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    surface = models.CharField(_("where"), max_length=40)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("access to answers")
        verbose_name_plural = _("accesses to answers (audit log)")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="integrity_access_org_idx")]

    def __str__(self):
        return f"{self.get_action_display()} — {self.organisation_id} ({self.created_at:%Y-%m-%d %H:%M})"


# --- Benchmarks ---------------------------------------------------------------------------


class BenchmarkCycle(models.Model):
    """One row per questionnaire and cycle: locked while its statistics are recomputed."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="benchmark_cycles")
    cycle = models.PositiveSmallIntegerField()
    submitted_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["questionnaire", "cycle"], name="integrity_benchmark_cycle")]

    def __str__(self):
        return f"{self.questionnaire_id} — {self.cycle}"


class BenchmarkStatQuerySet(models.QuerySet):
    def shown(self):
        return self.filter(is_shown=True)


class BenchmarkStat(models.Model):
    """The statistics of one group of organisations for one metric (overall or a section).

    A blank country, size or sector means "any". Rows of withheld groups keep no figures.
    """

    OVERALL = "overall"

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="benchmark_stats")
    cycle = models.PositiveSmallIntegerField()
    metric = models.CharField(max_length=40)
    country = models.CharField(max_length=2, blank=True)
    size_class = models.CharField(max_length=10, blank=True)
    sector = models.CharField(max_length=1, blank=True)
    is_shown = models.BooleanField(default=False)
    count = models.PositiveIntegerField(null=True)
    mean = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    median = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    q1 = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    q3 = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    has_demo_data = models.BooleanField(default=False)

    objects = BenchmarkStatQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "cycle", "metric", "country", "size_class", "sector"],
                name="integrity_benchmark_group_unique",
            ),
            models.CheckConstraint(
                condition=Q(is_shown=True) | (Q(count__isnull=True) & Q(mean__isnull=True) & Q(median__isnull=True)),
                name="integrity_withheld_group_has_no_figures",
            ),
        ]
        indexes = [models.Index(fields=["questionnaire", "cycle", "is_shown"], name="integrity_benchmark_read_idx")]

    def __str__(self):
        return f"{self.cycle} {self.metric} {self.group_key}"

    @property
    def group_key(self) -> tuple[str, str, str]:
        return (self.country, self.size_class, self.sector)
