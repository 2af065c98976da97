"""Consultations on draft documents: the draft split into numbered paragraphs, and the input on them.

A Consultation is under the editorial workflow (portal.models.Publishable): it is public once
published. Input is taken between ``opens_at`` and ``closes_at`` by the clock, not by a job:
the services compare the time (consultations.services.check_open). Its draft (``document``,
in English and Spanish) is split into Paragraphs on every save (consultations.paragraphs);
an edit keeps each paragraph's key, and so the comments on it, by matching the new text
against the old (the rule is in consultations.paragraphs, and docs/consultations.md).

Comments are pre-moderated like every comment of the portal (portal.moderation): on one
paragraph, or on the whole draft when ``paragraph`` is empty. When the consultation has
closed, editors publish a response (overall, and per paragraph if they wish) and the final
document; everyone who took part is then emailed once (``response_notified_at``).
"""

import reversion
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Profile
from consultations import paragraphs
from consultations.querysets import CommentQuerySet, ConsultationQuerySet
from observatory.models import Observatory, Publication
from portal.models import Body, Country, Publishable, Topic
from portal.moderation import ModeratedComment, ModeratedCommentReport
from portal.richtext import RichTextField
from portal.search import refresh_search_document

__all__ = ["Comment", "CommentReport", "Consultation", "Paragraph"]

#: Fields of the draft whose change re-splits it into paragraphs.
DOCUMENT_FIELDS = ("document", "document_en", "document_es")


@reversion.register()
class Consultation(Publishable):
    class Phase(models.TextChoices):
        UPCOMING = "upcoming", _("Opens soon")
        OPEN = "open", _("Open for comments")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=250)
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        help_text=_("The address of the consultation. It cannot change once the consultation has been published."),
    )
    summary = models.TextField(_("summary"), max_length=800, help_text=_("One or two sentences shown in lists."))
    question = models.TextField(
        _("question to the public"),
        max_length=1000,
        help_text=_("What the bloc asks the participants, shown above the draft."),
    )
    publication = models.ForeignKey(
        Publication,
        verbose_name=_("publication"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
        help_text=_(
            "When the draft is a publication of the library: its text is taken as the draft when the draft "
            "below is empty (and again with “Take the text again from the publication”)."
        ),
    )
    document = RichTextField(
        _("draft"),
        blank=True,
        help_text=_(
            "The text under consultation. Each paragraph and list item is numbered and can be commented; headings "
            "are not. Edits keep the comments with their paragraph."
        ),
    )
    opens_at = models.DateTimeField(_("opens"), help_text=_("Comments are taken from this time…"))
    closes_at = models.DateTimeField(_("closes"), help_text=_("…until this time, by the clock."))
    eligible_sectors = models.JSONField(
        _("sectors that may take part"),
        default=list,
        blank=True,
        help_text=_("Empty: every sector."),
    )
    eligible_countries = models.ManyToManyField(
        Country,
        verbose_name=_("countries that may take part"),
        blank=True,
        related_name="+",
        help_text=_("Empty: participants of every country."),
    )
    # What it is about, for lists, search and the digests of those who follow these.
    observatory = models.ForeignKey(
        Observatory,
        verbose_name=_("observatory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    bodies = models.ManyToManyField(Body, verbose_name=_("bodies"), blank=True, related_name="consultations")
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True, related_name="consultations")
    countries = models.ManyToManyField(
        Country, verbose_name=_("countries concerned"), blank=True, related_name="consultations"
    )

    # The outcome, public once the response is published.
    response = RichTextField(
        _("response"),
        blank=True,
        help_text=_("What changed in the document and why. Public once “Publish the response” is pressed."),
    )
    final_document = RichTextField(_("final document"), blank=True)
    response_published_at = models.DateTimeField(_("response published"), null=True, blank=True, editable=False)
    response_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("response published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    is_demo = models.BooleanField(_("demo consultation"), default=False, editable=False)
    # Emails told once, each stamped in the transaction that queues them.
    response_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    closing_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    search_document = SearchVectorField(null=True, editable=False)
    SEARCH_FIELDS = (("title", "A"), ("summary", "B"), ("document", "C"))

    objects = ConsultationQuerySet.as_manager()

    class Meta(Publishable.Meta):
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        permissions = [
            ("publish_consultation", _("Can publish consultations and their responses")),
        ]
        indexes = [
            *Publishable.Meta.indexes,
            models.Index(fields=["status", "closes_at"], name="consultations_closing_idx"),
            models.Index(fields=["status", "opens_at"], name="consultations_opening_idx"),
        ]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="consultations_closes_after_opening"),
            models.CheckConstraint(
                condition=Q(response_published_at__isnull=True) | Q(response_published_at__gte=F("closes_at")),
                name="consultations_response_after_closing",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("consultations:consultation_detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        errors = {}
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("The consultation must close after it opens.")
        if self.response_published_at and self.closes_at and self.closes_at > self.response_published_at:
            errors["closes_at"] = _("The response is published: the consultation cannot close after it.")
        unknown = set(self.eligible_sectors or []) - set(Profile.Sector.values)
        if unknown:
            errors["eligible_sectors"] = _("Unknown sector: %(sectors)s.") % {"sectors": ", ".join(sorted(unknown))}
        english, spanish = getattr(self, "document_en", self.document), getattr(self, "document_es", "")
        if english and spanish:
            counts = len(paragraphs.split(english)), len(paragraphs.split(spanish))
            if counts[0] != counts[1]:
                errors["document_es"] = _(
                    "The Spanish draft has %(es)s paragraphs and the English one %(en)s: give both the same "
                    "paragraphs, in the same order, so that each comment stays with its paragraph in both languages."
                ) % {"es": counts[1], "en": counts[0]}
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.publication_id and not (getattr(self, "document_en", None) or self.document):
            self.take_text_from_publication()
        fields = kwargs.get("update_fields")
        super().save(*args, **kwargs)
        # The paragraphs are derived from the draft, like the search document: every save path
        # (admin, revision restore, seed, shell) keeps them in step.
        if fields is None or set(fields) & set(DOCUMENT_FIELDS):
            paragraphs.sync(self, paragraph_model=Paragraph)
        refresh_search_document(self)

    def take_text_from_publication(self) -> None:
        """The publication's text (both languages) becomes the draft; saved by the caller."""
        publication = self.publication
        for code, _name in settings.LANGUAGES:
            if hasattr(self, f"document_{code}"):
                setattr(self, f"document_{code}", getattr(publication, f"body_{code}", None) or "")
        if not hasattr(self, "document_en"):
            self.document = publication.body

    # -- Time ----------------------------------------------------------------------------

    def phase_at(self, when) -> str:
        if when < self.opens_at:
            return self.Phase.UPCOMING
        if when < self.closes_at:
            return self.Phase.OPEN
        return self.Phase.CLOSED

    @property
    def phase(self) -> str:
        return self.phase_at(timezone.now())

    @property
    def is_open(self) -> bool:
        return self.phase == self.Phase.OPEN

    @property
    def is_closed(self) -> bool:
        return self.phase == self.Phase.CLOSED

    @property
    def next_change(self):
        """The next time the phase changes by itself (None once closed)."""
        now = timezone.now()
        if now < self.opens_at:
            return self.opens_at
        if now < self.closes_at:
            return self.closes_at
        return None

    @property
    def has_response(self) -> bool:
        return self.response_published_at is not None

    # -- Who may take part ---------------------------------------------------------------

    @property
    def is_restricted(self) -> bool:
        return bool(self.eligible_sectors) or bool(self.eligible_country_ids)

    @property
    def eligible_country_ids(self) -> set[int]:
        """Uses the prefetched countries when there are some (one query otherwise)."""
        return {country.pk for country in self.eligible_countries.all()}

    def eligible_sector_labels(self) -> list[str]:
        labels = dict(Profile.Sector.choices)
        return [str(labels[value]) for value in self.eligible_sectors if value in labels]


class Paragraph(models.Model):
    """One numbered block of the draft (a paragraph or a list item), or a heading (not numbered).

    ``key`` never changes: it is the paragraph's anchor (``#p-<key>``) and what comments point
    to. A paragraph removed by an edit stays, marked removed, while comments point to it.
    Paragraphs are derived from the draft (consultations.paragraphs.sync), so revisions keep
    the consultation's text and not them; a restored revision is split again on its save.
    """

    class Kind(models.TextChoices):
        PARAGRAPH = "paragraph", _("Paragraph")
        ITEM = "item", _("List item")
        NUMBERED_ITEM = "numbered_item", _("Numbered list item")
        QUOTE = "quote", _("Quotation")
        HEADING = "heading", _("Heading")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="paragraphs")
    key = models.CharField(_("anchor"), max_length=16, editable=False)
    position = models.PositiveIntegerField(_("position"), editable=False)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PARAGRAPH, editable=False)
    heading_level = models.PositiveSmallIntegerField(default=0, editable=False)
    #: A numbered list item's number in its list (the reader sees the list's own numbering).
    list_number = models.PositiveSmallIntegerField(default=0, editable=False)
    #: The block's inner HTML, sanitised (portal.richtext).
    html = models.TextField(_("text"), editable=False)
    changed_at = models.DateTimeField(_("text last changed"), null=True, blank=True, editable=False)
    is_removed = models.BooleanField(_("removed from the draft"), default=False, editable=False)
    removed_at = models.DateTimeField(null=True, blank=True, editable=False)
    response = models.TextField(
        _("response to the comments on this paragraph"),
        blank=True,
        help_text=_("Optional. Public with the consultation's response."),
    )

    class Meta:
        verbose_name = _("paragraph")
        verbose_name_plural = _("paragraphs")
        ordering = ["is_removed", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "key"], name="consultations_paragraph_one_key"),
        ]
        indexes = [models.Index(fields=["consultation", "is_removed", "position"], name="consultations_para_order_idx")]

    def __str__(self):
        return f"§{self.number}" if self.number else self.get_kind_display()

    @property
    def anchor(self) -> str:
        return f"p-{self.key}"

    @property
    def is_commentable(self) -> bool:
        return self.kind != self.Kind.HEADING and not self.is_removed

    @property
    def plain_text(self) -> str:
        return paragraphs.plain_text(self.html)


class Comment(ModeratedComment):
    """A participant's comment on one paragraph of a consultation's draft, or on the whole draft."""

    Sector = Profile.Sector

    consultation = models.ForeignKey(
        Consultation, verbose_name=_("consultation"), on_delete=models.CASCADE, related_name="comments"
    )
    paragraph = models.ForeignKey(
        Paragraph,
        verbose_name=_("paragraph"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="comments",
        help_text=_("Empty: a comment on the whole draft."),
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_comments",
    )
    author_sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices)

    objects = CommentQuerySet.as_manager()

    class Meta(ModeratedComment.Meta):
        verbose_name = _("consultation comment")
        verbose_name_plural = _("consultation comments")
        permissions = [("moderate_comment", _("Can approve, reject and review reported consultation comments"))]
        indexes = [
            models.Index(fields=["consultation", "status", "-created_at"], name="consultations_cmt_page_idx"),
            models.Index(
                fields=["consultation", "status", "paragraph", "author_sector"], name="consultations_cmt_count_idx"
            ),
            models.Index(fields=["status", "created_at"], name="consultations_cmt_queue_idx"),
            models.Index(fields=["participant", "-created_at"], name="consultations_cmt_mine_idx"),
            models.Index(fields=["status", "moderated_at"], name="consultations_cmt_told_idx"),
        ]

    @property
    def commented_item(self):
        return self.consultation

    def public_url(self) -> str:
        anchor = f"#{self.paragraph.anchor}" if self.paragraph_id else "#comments"
        return self.consultation.get_absolute_url() + anchor

    @property
    def paragraph_changed_since(self) -> bool:
        """The paragraph's text was edited after this comment was posted."""
        paragraph = self.paragraph if self.paragraph_id else None
        return bool(paragraph and paragraph.changed_at and paragraph.changed_at > self.created_at)


class CommentReport(ModeratedCommentReport):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")

    class Meta(ModeratedCommentReport.Meta):
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter_key"], name="consultations_report_one_per_visitor"),
        ]
