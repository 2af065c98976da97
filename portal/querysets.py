from django.db import models
from django.utils import timezone

from portal.status import Status


class PublishableQuerySet(models.QuerySet):
    """Reads shared by every type under the editorial workflow."""

    def published(self):
        """What the public may see: published, and live now (a scheduled item is not yet)."""
        return self.filter(status=Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        return self.filter(status=Status.PUBLISHED, published_at__gt=timezone.now())

    def awaiting_review(self):
        return self.filter(status=Status.IN_REVIEW)

    def drafts_of(self, user):
        return self.filter(status=Status.DRAFT, author=user)

    def newest_first(self):
        return self.order_by("-published_at", "-pk")


class NewsQuerySet(PublishableQuerySet):
    #: What a news card, the home's feature and the feed show: the text, the search document, the
    #: author and the workflow's stamps are not read (each translated field is read in every
    #: language: modeltranslation adds them, and the card says when it shows the other one).
    CARD_FIELDS = (
        "title", "slug", "lead", "status", "published_at", "updated_at",
        "cover_image", "cover_alt", "cover_focus", "cover_is_illustration",
    )  # fmt: skip

    def cards(self):
        """Published news, newest first, with the columns a card shows (their countries and
        topics: ``portal.taxonomy.with_links`` on the page of them, or ``for_listing``)."""
        return self.published().newest_first().only(*self.CARD_FIELDS)

    def for_listing(self):
        """Published news with what a card shows, in a fixed number of queries."""
        return self.cards().prefetch_related("countries", "topics")

    def related_to(self, news, limit=3):
        """Other published news sharing a topic or a body with ``news``, newest first, as cards
        (their countries and topics: ``portal.taxonomy.with_links``)."""
        topic_ids = [topic.pk for topic in news.topics.all()]
        body_ids = [body.pk for body in news.bodies.all()]
        # Exists() rather than joins + DISTINCT: the newest-first index is walked and the
        # scan stops at ``limit`` rows, whatever the number of news.
        model = self.model
        shares_topic = models.Exists(
            model.topics.through.objects.filter(news=models.OuterRef("pk"), topic_id__in=topic_ids)
        )
        shares_body = models.Exists(
            model.bodies.through.objects.filter(news=models.OuterRef("pk"), body_id__in=body_ids)
        )
        return (
            self.published()
            .exclude(pk=news.pk)
            .filter(shares_topic | shares_body)
            .newest_first()
            .only(*self.CARD_FIELDS)[:limit]
        )
