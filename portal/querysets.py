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
    def for_listing(self):
        """Published news with what a card shows, in a fixed number of queries."""
        return self.published().newest_first().defer("body", "search_document").prefetch_related("countries", "topics")

    def related_to(self, news, limit=3):
        """Other published news sharing a topic or a body with ``news``, newest first."""
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
            .defer("body", "search_document")
            .prefetch_related("countries", "topics")[:limit]
        )
