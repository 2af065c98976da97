"""/api/v1/publications/ and /api/v1/observatories/ (public, read-only).

The publication list is filtered by the library page's own FilterSet
(observatory.filters.PublicationFilter) plus the API's ``search`` parameter, over the same
``published()`` read, so the API shows exactly what /publications/ shows.
"""

import csv
import io

from django.db.models import Prefetch
from django.utils import translation
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, renderers, viewsets
from rest_framework.response import Response

from events.models import Event
from observatory import search, services
from observatory.figures import spreadsheet_safe
from observatory.filters import IndicatorFilter, ObservationFilter, PublicationFilter
from observatory.models import Dataset, Indicator, IndicatorSummary, Observation, Observatory, Publication
from observatory.serializers import (
    DatasetSerializer,
    IndicatorDetailSerializer,
    IndicatorSerializer,
    ObservationSerializer,
    ObservatoryDetailSerializer,
    ObservatorySerializer,
    PublicationDetailSerializer,
    PublicationSerializer,
)
from portal.api import ReadOnlyViewSet, RequestLanguageMixin, with_search
from portal.api_base import ConditionalListMixin, Pagination
from portal.cache import remember


class ObservationPagination(Pagination):
    max_page_size = 1000


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
            "counts the download. A search's answer also has `suggestions`: when it finds nothing, up to three "
            "phrases near its words that find something with the same filters (else an empty list)."
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

    def get_paginated_response(self, data):
        """A search's page also lists ``suggestions``: phrases near a search that found nothing
        which, with the same filters, find something (``[]`` when it found something)."""
        response = super().get_paginated_response(data)
        filterset = self.filterset_class(self.request.query_params, queryset=self.get_queryset())
        if filterset.is_valid() and filterset.text:
            found = self.paginator.page.paginator.count
            response.data["suggestions"] = [] if found else filterset.suggestions()
        return response


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


# --- Indicator data -------------------------------------------------------------------------


class ObservationCSVRenderer(renderers.BaseRenderer):
    """``?format=csv`` (or ``Accept: text/csv``): the page of observations as CSV, one per row."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data.get("results", []) if isinstance(data, dict) else data or []
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=ObservationSerializer.Meta.fields, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({name: spreadsheet_safe(value) for name, value in row.items()})
        return out.getvalue().encode()


class ErrorsInJsonMixin:
    """An error is always the API's JSON error shape, whatever format was asked for."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if not isinstance(getattr(self.request, "accepted_renderer", None), renderers.JSONRenderer):
            self.request.accepted_renderer = renderers.JSONRenderer()
            self.request.accepted_media_type = "application/json"
        return response


def _indicators():
    current = IndicatorSummary.objects.filter(dataset__in=Dataset.objects.current()).select_related("dataset")
    return (
        Indicator.objects.public()
        .select_related("observatory", "topic")
        .prefetch_related(
            Prefetch(
                "summaries", queryset=current.order_by("-dataset__published_at", "-pk"), to_attr="current_summaries"
            )
        )
    )


@extend_schema_view(
    list=extend_schema(
        summary="Indicators with published data",
        description="The indicators of the observatories' data pages, in their order. Filter by `observatory`, "
        "`topic` or words (`q`). `is_demo` marks generated demo data (not official statistics).",
    ),
    retrieve=extend_schema(
        summary="One indicator: definition, method, dataset version, countries, breakdowns, latest values"
    ),
)
class IndicatorViewSet(ReadOnlyViewSet):
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    ordering_fields = ["code", "position"]
    ordering = ["observatory__position", "position", "code", "pk"]

    def get_queryset(self):
        return _indicators()

    def get_serializer_class(self):
        return IndicatorDetailSerializer if self.action == "retrieve" else IndicatorSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Datasets: the version of each that the public sees",
        description="Each dataset's newest published version, with the indicators it holds.",
    ),
    retrieve=extend_schema(summary="The version of one dataset that the public sees"),
)
class DatasetViewSet(ReadOnlyViewSet):
    serializer_class = DatasetSerializer
    lookup_field = "key"
    ordering_fields = ["key", "published_at"]
    ordering = ["key", "pk"]

    def get_queryset(self):
        return (
            Dataset.objects.current()
            .select_related("observatory")
            .prefetch_related(Prefetch("summaries", queryset=IndicatorSummary.objects.select_related("indicator")))
        )


@extend_schema_view(
    list=extend_schema(
        summary="Observations of the published datasets, filtered as on the indicator pages",
        description=(
            "Filters: `indicator` (slug or code), `country` (ISO 3166-1 alpha-2 or alpha-3, comma-separated), "
            "`period_from` and `period_to` (2015, 2015-Q1 or 2015-01), `sex`, `age`, `education` (codes; `_T` "
            "is the total) and `dataset` (key). JSON by default; `?format=csv` (or `Accept: text/csv`) gives the "
            "same page as CSV. Up to 1,000 observations a page (`page_size`). `is_demo` marks generated demo "
            "data, not official statistics."
        ),
    ),
)
class ObservationViewSet(ErrorsInJsonMixin, RequestLanguageMixin, ConditionalListMixin, mixins.ListModelMixin,
                         viewsets.GenericViewSet):  # fmt: skip
    serializer_class = ObservationSerializer
    filterset_class = ObservationFilter
    pagination_class = ObservationPagination
    renderer_classes = [renderers.JSONRenderer, ObservationCSVRenderer]
    ordering_fields = ["period_start", "country", "value"]
    ordering = ["indicator_id", "country", "sex", "age", "education", "period_start", "pk"]

    def get_queryset(self):
        return Observation.objects.public().select_related("indicator", "dataset")

    def list(self, request, *args, **kwargs):
        # Anonymous reads from the content cache, as ContentCachedReadsMixin does (this endpoint has no detail).
        if request.user.is_authenticated:
            return super().list(request, *args, **kwargs)
        data = remember(
            "api", lambda: super(ObservationViewSet, self).list(request, *args, **kwargs).data,
            translation.get_language(), request.get_full_path(),
        )  # fmt: skip
        return Response(data)
