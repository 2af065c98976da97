import json
import zoneinfo

import reversion
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.images import Focus, make_variants
from portal.querysets import NewsQuerySet, PublishableQuerySet
from portal.richtext import RichTextField
from portal.search import refresh_search_document
from portal.status import Status

__all__ = [
    "Body",
    "Country",
    "CoverImage",
    "KeyFigure",
    "News",
    "NewsLink",
    "OutboundEmail",
    "Publishable",
    "Status",
    "Topic",
    "WorkerHeartbeat",
    "WorkflowEvent",
]


# --- Taxonomy -----------------------------------------------------------------------------


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone."), params={"value": value})


# Registered so that a revision's diff shows what it was filed under (reversion-compare).
@reversion.register()
class Country(models.Model):
    """A member, candidate, associated state or observer of the bloc."""

    class Status(models.TextChoices):
        MEMBER = "member", _("Member")
        CANDIDATE = "candidate", _("Candidate")
        ASSOCIATED_STATE = "associated_state", _("Associated state")
        OBSERVER = "observer", _("Observer")

    code = models.CharField(
        _("ISO code"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use the two capital letters of ISO 3166-1."))],
    )
    name = models.CharField(_("name"), max_length=100, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OBSERVER)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


class KeyFigure(models.Model):
    """A figure of the bloc shown on the home beside its map ("42.9%" of the region's GDP), with
    the document it comes from: a figure on a page says where it comes from. Editors keep them."""

    key = models.SlugField(_("key"), max_length=60, unique=True, help_text=_("A name for the figure (not shown)."))
    value = models.CharField(_("value"), max_length=30, help_text=_("As shown, e.g. “42.9%” or “61”."))
    label = models.CharField(_("label"), max_length=200, help_text=_("What the value counts or measures."))
    source = models.CharField(_("source"), max_length=300, help_text=_("The document the figure is taken from."))
    source_news = models.ForeignKey(
        "portal.News",
        verbose_name=_("source news item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The portal's news item the figure is taken from, linked while it is public."),
    )
    as_of = models.CharField(
        _("as of"), max_length=40, blank=True, help_text=_("When the source said it, e.g. “2021”.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_shown = models.BooleanField(_("shown on the home"), default=True)

    class Meta:
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["is_shown", "order"], name="portal_keyfigure_shown_idx")]

    def __str__(self):
        return f"{self.value} {self.label}"


@reversion.register()
class Body(models.Model):
    """A committee, technical group, subgroup or council of the bloc."""

    class Kind(models.TextChoices):
        COUNCIL = "council", _("Council")
        COMMITTEE = "committee", _("Committee")
        SUBCOMMITTEE = "subcommittee", _("Subcommittee")
        TECHNICAL_GROUP = "technical_group", _("Technical group")
        SUBGROUP = "subgroup", _("Subgroup")
        NETWORK = "network", _("Network")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


@reversion.register()
class Topic(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


# --- Editorial workflow -------------------------------------------------------------------


class WorkflowEvent(models.Model):
    """One move of one item through the workflow: who, when, from where to where, and why.

    Written only by portal.services; the admin shows it as the item's audit trail.
    """

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Submitted for review")
        REQUEST_CHANGES = "request_changes", _("Changes requested")
        PUBLISH = "publish", _("Published")
        SCHEDULE = "schedule", _("Scheduled")
        UNPUBLISH = "unpublish", _("Unpublished")
        ARCHIVE = "archive", _("Archived")
        REOPEN = "reopen", _("Reopened as draft")
        RESTORE = "restore", _("Earlier revision restored")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("workflow event")
        verbose_name_plural = _("workflow events")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-created_at"], name="portal_wfevent_item_idx"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class CoverImageField(models.ImageField):
    """The cover image, stored under the model's ``COVER_UPLOAD_TO`` (``"news/%Y/"``…).

    In migrations it is the plain ImageField it behaves as, with that folder.
    """

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        if not cls._meta.abstract:
            self.upload_to = cls.COVER_UPLOAD_TO

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.ImageField", args, kwargs


class CoverImage(models.Model):
    """A cover image and its text alternative, the same on every type that has one (news, events,
    publications): the fields, the database constraint and the one check of ``clean``.

    The rule: an image needs a text alternative in the site's main language (``cover_alt_en``;
    the Spanish page falls back to it when it has none of its own). The constraint holds the
    stored ``cover_alt`` column, which modeltranslation fills from the text shown.
    """

    #: Where the model's cover images are stored (``strftime`` placeholders allowed).
    COVER_UPLOAD_TO = "covers/%Y/"
    #: The image fields with responsive variants, each with its use and focal point field
    #: (portal.images; ``manage.py make_image_variants`` reads it).
    IMAGE_VARIANTS = {"cover_image": ("cover", "cover_focus")}

    cover_image = CoverImageField(_("cover image"), blank=True)
    cover_alt = models.CharField(
        _("cover image text alternative"),
        max_length=250,
        blank=True,
        help_text=_("Describe the image for people who cannot see it. Required when there is an image."),
    )
    cover_focus = models.CharField(
        _("cover image focal point"),
        max_length=2,
        choices=Focus.choices,
        default=Focus.CENTER,
        blank=True,  # none chosen: the centre (portal.images)
        help_text=_("The part of the image to keep when it is cropped for cards and sharing."),
    )
    cover_is_illustration = models.BooleanField(
        _("the cover image is an illustration"),
        default=False,
        help_text=_("A drawing, a map or a generated picture rather than a photograph: pages label it “Illustration”."),
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(cover_image="") | ~Q(cover_alt=""), name="%(app_label)s_%(class)s_cover_has_alt"
            ),
        ]

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # Once, here: pages only name the variants (portal.images), they never make them.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {"cover_image", "cover_focus"} & set(update_fields):
            make_variants(self.cover_image, use="cover", focus=self.cover_focus)

    def clean(self):
        super().clean()
        field = self.cover_alt_field()
        if self.cover_image and not (getattr(self, field) or "").strip():
            raise ValidationError({field: _("Describe the cover image: a text alternative is required.")})

    @classmethod
    def cover_alt_field(cls) -> str:
        """The field the rule reads and its message goes to: the main language's (what the
        admin's form shows), or ``cover_alt`` where the text is not translated."""
        main = f"cover_alt_{settings.LANGUAGE_CODE}"
        return main if any(field.name == main for field in cls._meta.get_fields()) else "cover_alt"


class Publishable(models.Model):
    """Fields and reads shared by every type under the editorial workflow.

    ``status`` and ``published_at`` change only through portal.services. An item is
    public when it is published and ``published_at`` has passed, so a scheduled item
    goes live by itself without a cron job.
    """

    #: Fields a revision restore leaves alone: they belong to the workflow, not the content.
    WORKFLOW_FIELDS = ("status", "published_at", "first_published_at", "author", "created_at", "updated_at")
    #: The field that holds the item's public address (its URL): frozen once the item has been public.
    SLUG_FIELD = "slug"
    ADDRESS_IS_FROZEN = _("This address has been public: it cannot change (links to it would break).")

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False)
    published_at = models.DateTimeField(
        _("publication date"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the item is (or goes) public. Set by publishing or scheduling."),
    )
    first_published_at = models.DateTimeField(_("first published"), null=True, blank=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    workflow_events = GenericRelation(WorkflowEvent)

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True
        indexes = [
            # %(class)s alone: index names may not pass 30 characters.
            models.Index(fields=["status", "-published_at"], name="%(class)s_live_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=Status.PUBLISHED) | Q(published_at__isnull=False),
                name="%(app_label)s_%(class)s_published_has_date",
            ),
        ]

    def save(self, *args, **kwargs):
        # Every writer (admin, import, restore, command, shell) passes here: an address that has
        # been public stays, or links to it and search engines' entries would break.
        if self.changes_public_address(update_fields=kwargs.get("update_fields")):
            raise ValidationError({self.SLUG_FIELD: self.ADDRESS_IS_FROZEN})
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.changes_public_address():
            raise ValidationError({self.SLUG_FIELD: self.ADDRESS_IS_FROZEN})

    def changes_public_address(self, *, update_fields=None) -> bool:
        """Whether saving would change the slug of an item that has ever been public
        (``first_published_at`` set, as stored): one query, none for a new item or a save
        of other fields."""
        if self._state.adding or self.pk is None:
            return False
        if update_fields is not None and self.SLUG_FIELD not in update_fields:
            return False
        public = (
            type(self)
            ._base_manager.filter(pk=self.pk, first_published_at__isnull=False)
            .values_list(self.SLUG_FIELD, flat=True)
            .first()
        )
        return public is not None and public != getattr(self, self.SLUG_FIELD)

    @property
    def is_live(self) -> bool:
        return self.status == Status.PUBLISHED and self.published_at is not None and self.published_at <= timezone.now()

    @property
    def is_scheduled(self) -> bool:
        return self.status == Status.PUBLISHED and self.published_at is not None and self.published_at > timezone.now()

    @property
    def workflow_label(self) -> str:
        return str(_("Scheduled")) if self.is_scheduled else self.get_status_display()

    @classmethod
    def publish_permission(cls) -> str:
        return f"{cls._meta.app_label}.publish_{cls._meta.model_name}"


# --- News ---------------------------------------------------------------------------------


@reversion.register(follow=["links"])
class News(Publishable, CoverImage):
    COVER_UPLOAD_TO = "news/%Y/"

    title = models.CharField(_("title"), max_length=250)
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        help_text=_("The address of the article. It cannot change once the article has been published."),
    )
    lead = models.TextField(_("lead"), max_length=800, help_text=_("One or two sentences shown in lists and feeds."))
    body = RichTextField(_("text"), blank=True)
    countries = models.ManyToManyField(Country, verbose_name=_("countries"), blank=True, related_name="news")
    bodies = models.ManyToManyField(Body, verbose_name=_("bodies"), blank=True, related_name="news")
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True, related_name="news")
    # Weighted full-text document (title A, lead B, body C); kept up to date on PostgreSQL only.
    search_document = SearchVectorField(null=True, editable=False)

    SEARCH_FIELDS = (("title", "A"), ("lead", "B"), ("body", "C"))

    objects = NewsQuerySet.as_manager()

    class Meta(Publishable.Meta):
        verbose_name = _("news item")
        verbose_name_plural = _("news")
        permissions = [("publish_news", _("Can publish, schedule, unpublish and archive news"))]
        constraints = [*Publishable.Meta.constraints, *CoverImage.Meta.constraints]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        refresh_search_document(self)

    def get_absolute_url(self):
        return reverse("portal:news_detail", kwargs={"slug": self.slug})


@reversion.register()
class NewsLink(models.Model):
    """A related link of a news item, such as the recording of a session."""

    news = models.ForeignKey(News, on_delete=models.CASCADE, related_name="links")
    label = models.CharField(_("label"), max_length=200)
    url = models.URLField(_("address"), max_length=500)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("related link")
        verbose_name_plural = _("related links")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.label


# --- Outgoing email and task workers --------------------------------------------------------


class MessageField(models.JSONField):
    """The outbox's message (portal.outbox.serialise's JSON): written once, read back whole, never
    queried. Three things make a batch of them cheap (docs/performance.md, "Digests: the outbox
    row made cheaper"):

    - **Stored as text**: PostgreSQL's jsonb would parse a digest's 27 KB on every
      write and print it again on every read, for lookups nobody makes.
    - **Compressed with lz4** on PostgreSQL (migration 0012), several times cheaper than pglz.
    - **Bound as one parameter per row.** On PostgreSQL ``bulk_create`` inserts a batch through
      ``UNNEST`` of one array per column, and psycopg escapes an array's elements in Python: ~0.3 ms
      of the worker's CPU per digest. A field with its own placeholder makes Django write the
      INSERT with ``VALUES`` rows instead (``django.db.backends.postgresql.compiler``), whose
      parameters psycopg quotes in C.
    """

    def db_type(self, connection):
        return "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        return json.dumps(value, cls=self.encoder)  # as JSONField writes it (ASCII: quicker to write)

    def get_placeholder_sql(self, value, compiler, connection):
        return "%s", [value]


class OutboundEmail(models.Model):
    """One email the portal owes somebody, written in the same transaction as the change it
    tells of, and delivered by portal.outbox (see there for the guarantee and its limit).

    Personal data: the message holds the recipient's address and personal links. Rows are
    erased with the account and pruned ``OUTBOX_KEEP_DAYS`` after sending.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (given up)")
        WITHDRAWN = "withdrawn", _("Withdrawn before sending")

    kind = models.CharField(_("kind"), max_length=80, help_text=_("Which email, e.g. events.reminder."))
    #: What the email is about, as "app.model:pk/…": lets a later change withdraw it before it goes.
    topic = models.CharField(_("about"), max_length=200, blank=True)
    #: One row per key (a registration's status change, a workflow event…): queuing twice is refused.
    key = models.CharField(max_length=200, null=True, blank=True, unique=True, editable=False)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    recipients = models.JSONField(_("to"), default=list)
    subject = models.CharField(_("subject"), max_length=998)
    #: The whole message (addresses, headers with its Message-ID, bodies, attachments) as
    #: portal.outbox.serialise writes it; a retry sends exactly the same message.
    message = MessageField()
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    #: A sender holds the row until then; a sender that died loses it when the time passes.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    claimed_by = models.CharField(max_length=64, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="portal_outbox_due_idx",
                condition=Q(state="queued"),
            ),
            models.Index(fields=["topic"], name="portal_outbox_topic_idx", condition=Q(state="queued")),
            models.Index(fields=["state", "sent_at"], name="portal_outbox_state_sent_idx"),
            models.Index(fields=["-created_at", "-id"], name="portal_outbox_newest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False), name="portal_outbox_sent_has_time"
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.recipients)}"


class WorkerHeartbeat(models.Model):
    """A task worker that is alive (``manage.py run_worker`` beats every few seconds).

    A task left running by a worker whose heartbeat stopped (killed, machine lost) is put
    back in the queue by the other workers (portal.workers).
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")

    def __str__(self):
        return f"{self.worker_id} ({self.host}:{self.pid})"


class TaskRequest(models.Model):
    """The request id of the request (or task) that enqueued a task: the worker restores it, so
    that its log lines for the task carry the same id (portal.request_ids). It goes when the
    task's result is pruned."""

    task = models.OneToOneField(
        "django_tasks_database.DBTaskResult", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    request_id = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("task's request")
        verbose_name_plural = _("tasks' requests")

    def __str__(self):
        return f"{self.task_id} ← {self.request_id}"


class SearchTerm(models.Model):
    """A word of the titles of published content, for "Did you mean …?" (portal.vocabulary).

    Rebuilt whole from what is published (never per request), so only published words are in it.
    On PostgreSQL a trigram index (pg_trgm) finds the words nearest to a mistyped one.
    """

    word = models.CharField(max_length=40, unique=True)
    #: How many published titles have it (the more common of two equally near words is suggested).
    frequency = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")

    def __str__(self):
        return self.word
