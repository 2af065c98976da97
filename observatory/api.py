"""/api/v1/publications/ and /api/v1/observatories/ (public, read-only).

The publication list is filtered by the library page's own FilterSet
(observatory.filters.PublicationFilter) plus the API's ``search`` parameter, over the same
``published()`` read, so the API shows exactly what /publications/ shows.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view

from events.models import Event
from observatory import search, services
from observatory.filters import PublicationFilter
from observatory.models import Observatory, Publication
from observatory.serializers import (
    ObservatoryDetailSerializer,
    ObservatorySerializer,
    PublicationDetailSerializer,
    PublicationSerializer,
)
from portal.api import ReadOnlyViewSet, with_search


class PublicationApiFilter(with_search(PublicationFilter)):
    """The library's filters; ``search`` is the library's ``q`` and ranks by relevance as it does."""

    @property
    def text(self) -> str:
        data = getattr(self.form, "cleaned_data", {}) if self.is_bound else {}
        return search.clean_query(data.get("q") or data.get("search") or "")


@extend_schema_view(
    list=extend_schema(
        summary="Published publications, newest first",
        description=(
            "Filters are those of /publications/ (`sort` included). `search` (or `q`) ranks by relevance unless "
            "`ordering` or `sort` says otherwise. Each publication comes with its files; a file's `download_url` "
            "counts the download."
        ),
    ),
    retrieve=extend_schema(summary="One published publication, with its body, files and suggested citation"),
)
class PublicationViewSet(ReadOnlyViewSet):
    serializer_class = PublicationSerializer
    content_cache_seconds = services.DOWNLOAD_COUNTS_FRESH_SECONDS  # each file's download_count
    filterset_class = PublicationApiFilter
    ordering_fields = ["publication_date", "published_at", "title"]
    ordering = None  # the FilterSet's own order: newest first, or by relevance for a search

    def get_queryset(self):
        queryset = (
            Publication.objects.published()
            .select_related("observatory")
            .prefetch_related(
                "bodies",
                "collaborators",
                "countries",
                "topics",
                "files",
                Prefetch("events", queryset=Event.objects.published().only("pk", "slug").order_by("-start", "-pk")),
            )
        )
        if self.action == "retrieve":
            return queryset.defer("search_document")
        return queryset.defer("body", "search_document", "citation")

    def get_serializer_class(self):
        return PublicationDetailSerializer if self.action == "retrieve" else PublicationSerializer


@extend_schema_view(
    list=extend_schema(summary="The observatories on the site, in their order"),
    retrieve=extend_schema(summary="One observatory, with its mission, partners and focus topics"),
)
class ObservatoryViewSet(ReadOnlyViewSet):
    serializer_class = ObservatorySerializer
    ordering_fields = ["name", "launched_on"]
    ordering = ["position", "name", "pk"]

    def get_queryset(self):
        queryset = Observatory.objects.public().select_related("body").with_publication_count()
        queryset = queryset.prefetch_related("topics")
        if self.action == "retrieve":
            return queryset.prefetch_related("partners", "focus_areas")
        return queryset

    def get_serializer_class(self):
        return ObservatoryDetailSerializer if self.action == "retrieve" else ObservatorySerializer
