from django.apps import apps
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.querysets import PublishableQuerySet
from portal.status import Status


def _models(*names):
    """The observatory's models, looked up in the app registry (observatory.models imports this module)."""
    return [apps.get_model("observatory", name) for name in names]


def _live(prefix: str = "") -> Q:
    """The condition for a published, live publication, optionally across a relation."""
    return Q(**{f"{prefix}status": Status.PUBLISHED, f"{prefix}published_at__lte": timezone.now()})


class ObservatoryQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)

    def with_publication_count(self):
        """``publication_count``: how many of its publications the public can see.

        A correlated subquery per observatory (an index-only scan of ``observatory_pub_count_idx``),
        not a join of every publication grouped by the observatory's wide columns.
        """
        Publication = apps.get_model("observatory", "Publication")
        live = (
            Publication.objects.filter(_live(), observatory=OuterRef("pk"))
            .order_by()
            .values("observatory")
            .annotate(total=Count("*"))  # not Count("pk"): the index alone answers COUNT(*)
            .values("total")
        )
        return self.annotate(publication_count=Coalesce(Subquery(live), 0))

    def with_data(self):
        """``has_data``: whether any of its indicators has published data (a link to its data pages)."""
        Dataset, IndicatorSummary = _models("Dataset", "IndicatorSummary")
        current = IndicatorSummary.objects.filter(
            indicator__observatory=OuterRef("pk"), dataset__in=Dataset.objects.current()
        )
        return self.annotate(has_data=models.Exists(current))

    def for_listing(self):
        return self.public().select_related("body").with_publication_count().order_by("position", "name")


class PublicationQuerySet(PublishableQuerySet):
    def visible_to(self, user):
        """What ``user`` may open: live publications, and anything for staff who may preview it."""
        if user.is_authenticated and user.is_staff and user.has_perm("observatory.view_publication"):
            return self.all()
        return self.published()

    def newest_first(self):
        return self.order_by("-publication_date", "-published_at", "-pk")

    def for_listing(self):
        """Live publications with what a card shows, in a fixed number of queries."""
        return (
            self.published()
            .newest_first()
            .select_related("observatory")
            .defer("body", "search_document", "citation")
            .prefetch_related("countries")
        )

    def for_home(self, limit=3):
        """Featured publications first, then the newest: the home page never has an empty block."""
        return (
            self.published()
            .select_related("observatory")
            .defer("body", "search_document", "citation")
            .order_by("-is_featured", "-publication_date", "-pk")[:limit]
        )

    def of_observatory(self, observatory):
        return self.published().filter(observatory=observatory)


class CommentQuerySet(models.QuerySet):
    def public(self):
        return self.filter(status="approved")

    def awaiting_moderation(self):
        return self.filter(status="pending")

    def reported(self):
        return self.filter(status="hidden")

    def of_participant(self, user):
        return self.filter(participant=user)

    def count_by_sector(self):
        """``{sector: count}`` of these comments, counted by the database."""
        rows = self.order_by().values("author_sector").annotate(total=Count("pk"))
        return {row["author_sector"]: row["total"] for row in rows}


class DatasetQuerySet(PublishableQuerySet):
    def current(self):
        """The version the public sees of each dataset: its newest live version.

        An older published version stays published: unpublishing the newest brings it back.
        """
        newest = self.model.objects.published().filter(key=OuterRef("key")).order_by("-version").values("pk")[:1]
        return self.published().filter(pk=Subquery(newest))

    def versions_of(self, key):
        return self.filter(key=key).order_by("-version")


class IndicatorQuerySet(models.QuerySet):
    def public(self):
        """Indicators with data in a current dataset version of a public observatory."""
        Dataset, IndicatorSummary = _models("Dataset", "IndicatorSummary")
        has_data = IndicatorSummary.objects.filter(indicator=OuterRef("pk"), dataset__in=Dataset.objects.current())
        return self.filter(models.Exists(has_data), observatory__is_public=True)


class ObservationQuerySet(models.QuerySet):
    def public(self):
        Dataset = apps.get_model("observatory", "Dataset")
        return self.filter(dataset__in=Dataset.objects.current())
