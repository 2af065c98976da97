"""The public API's shared pieces and its news and taxonomy endpoints.

Every read answers in the language of ``Accept-Language`` (English otherwise).

Every list reuses the FilterSet of its HTML page (portal.filters for news) and adds only the
API's ``search`` parameter; every item comes from the same ``published()`` reads, so the API
shows exactly what the public site shows.
"""

import time

from django.utils import translation
from django.utils.cache import patch_vary_headers
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from portal.api_base import ConditionalListMixin
from portal.cache import LISTS, remember
from portal.filters import NewsFilter
from portal.models import Body, Country, News, Topic


class RequestLanguageMixin:
    """Translated text in the language the client asks for (``Accept-Language``; English
    otherwise), with the same fallback as the pages. /api/ has no language prefix, so the
    site's LocaleMiddleware would always choose English; domain errors are worded in it too."""

    def dispatch(self, request, *args, **kwargs):
        language = translation.get_language_from_request(request)
        with translation.override(language):
            response = super().dispatch(request, *args, **kwargs)
        response["Content-Language"] = language
        patch_vary_headers(response, ["Accept-Language"])
        return response


class ContentCachedReadsMixin:
    """Anonymous reads answered from the content cache until published content changes.

    The serialized data of a list or an item (not the rendered bytes: the renderer, the ETag
    and 304s still apply) is kept per address and language with ``portal.cache.remember``,
    so a popular search or page of results is computed once per content version. Errors
    (a bad filter, a 404) are raised, never kept. Signed-in clients always get fresh data.
    A view whose answer also holds figures that change without a publish (download counts)
    sets ``content_cache_seconds``: its reads are then kept that long at most. They are kept
    until a change turns one of ``content_cache_tags`` (``portal.cache``: every list's, unless
    the answers show more, e.g. the events' seats left).
    """

    content_cache_seconds: int | None = None
    content_cache_tags: tuple[str, ...] = (LISTS,)

    def list(self, request, *args, **kwargs):
        return self._from_content_cache(super().list, request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return self._from_content_cache(super().retrieve, request, *args, **kwargs)

    def _from_content_cache(self, read, request, *args, **kwargs):
        if request.user.is_authenticated:
            return read(request, *args, **kwargs)
        period = int(time.time() // self.content_cache_seconds) if self.content_cache_seconds else ""
        data = remember(
            "api",
            lambda: read(request, *args, **kwargs).data,
            translation.get_language(),
            request.get_full_path(),
            period,
            tags=self.content_cache_tags,
        )
        return Response(data)


class ReadOnlyViewSet(
    RequestLanguageMixin, ConditionalListMixin, ContentCachedReadsMixin, viewsets.ReadOnlyModelViewSet
):
    lookup_field = "slug"


def with_search(filterset_class, *, method="filter_text"):
    """The page's FilterSet plus the API's ``search`` parameter (same text search as ``q``)."""
    return type(
        f"Api{filterset_class.__name__}",
        (filterset_class,),
        {
            "search": filters.CharFilter(method=method, max_length=200, label="Full-text search"),
            "Meta": type("Meta", (filterset_class.Meta,), {"fields": [*filterset_class.Meta.fields, "search"]}),
        },
    )


# --- Taxonomy -----------------------------------------------------------------------------


class CountrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = ["code", "name", "status", "time_zone"]


class BodySerializer(serializers.ModelSerializer):
    class Meta:
        model = Body
        fields = ["slug", "name", "kind", "description"]


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["slug", "name", "description"]


class CountryViewSet(ReadOnlyViewSet):
    queryset = Country.objects.order_by("name", "pk")
    serializer_class = CountrySerializer
    lookup_field = "code"
    filterset_fields = ["status"]
    ordering_fields = ["name", "code"]


class BodyViewSet(ReadOnlyViewSet):
    queryset = Body.objects.order_by("name", "pk")
    serializer_class = BodySerializer
    filterset_fields = ["kind"]
    ordering_fields = ["name"]


class TopicViewSet(ReadOnlyViewSet):
    queryset = Topic.objects.order_by("name", "pk")
    serializer_class = TopicSerializer
    ordering_fields = ["name"]


# --- News ---------------------------------------------------------------------------------


class NewsLinkSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.URLField()


class NewsSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    countries = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    bodies = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    topics = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    cover_image = serializers.ImageField(read_only=True, use_url=True)

    class Meta:
        model = News
        fields = [
            "slug", "url", "title", "lead", "published_at", "updated_at",
            "cover_image", "cover_alt", "countries", "bodies", "topics",
        ]  # fmt: skip

    def get_url(self, news) -> str:
        request = self.context.get("request")
        path = news.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class NewsDetailSerializer(NewsSerializer):
    links = NewsLinkSerializer(many=True, read_only=True)

    class Meta(NewsSerializer.Meta):
        fields = [*NewsSerializer.Meta.fields, "body", "links"]


@extend_schema_view(
    list=extend_schema(summary="Published news, newest first", description="Filters are those of /news/."),
    retrieve=extend_schema(summary="One published news item, with its body and links"),
)
class NewsViewSet(ReadOnlyViewSet):
    serializer_class = NewsSerializer
    filterset_class = with_search(NewsFilter)
    ordering_fields = ["published_at", "title"]
    ordering = ["-published_at", "-pk"]

    def get_queryset(self):
        queryset = News.objects.published().prefetch_related("countries", "bodies", "topics")
        if self.action == "retrieve":
            return queryset.prefetch_related("links")
        return queryset.defer("body", "search_document").order_by("-published_at", "-pk")

    def get_serializer_class(self):
        return NewsDetailSerializer if self.action == "retrieve" else NewsSerializer
