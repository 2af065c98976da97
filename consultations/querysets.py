from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from portal.querysets import PublishableQuerySet


class ConsultationQuerySet(PublishableQuerySet):
    def open_now(self, now=None):
        """Live consultations taking comments now, closing soonest first."""
        now = now or timezone.now()
        return self.published().filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at", "pk")

    def for_listing(self):
        """Live consultations: open ones (closing soonest first), then upcoming, then closed (newest first)."""
        now = timezone.now()
        return (
            self.published()
            .annotate(
                listing_order=models.Case(
                    models.When(opens_at__lte=now, closes_at__gt=now, then=0),
                    models.When(opens_at__gt=now, then=1),
                    default=2,
                    output_field=models.IntegerField(),
                )
            )
            .order_by("listing_order", "closes_at", "-pk")
            .defer("document", "response", "final_document", "search_document")
        )

    def with_comment_count(self):
        return self.annotate(comment_count=Count("comments", filter=Q(comments__status="approved"), distinct=True))


class CommentQuerySet(models.QuerySet):
    def public(self):
        return self.filter(status="approved")

    def awaiting_moderation(self):
        return self.filter(status="pending")

    def of_participant(self, user):
        return self.filter(participant=user)

    def filtered(self, *, sector: str = "", country: str = ""):
        """The reader's filters: from one sector, from one country."""
        queryset = self
        if sector:
            queryset = queryset.filter(author_sector=sector)
        if country:  # an ISO 3166 code, as the comment keeps it
            queryset = queryset.filter(author_country=country)
        return queryset

    def count_by_paragraph_and_sector(self) -> dict:
        """``{paragraph_id or None: {sector: count}}``, counted by the database in one query."""
        counts: dict = {}
        rows = self.order_by().values("paragraph_id", "author_sector").annotate(total=Count("pk"))
        for row in rows:
            counts.setdefault(row["paragraph_id"], {})[row["author_sector"]] = row["total"]
        return counts
