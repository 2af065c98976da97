import django_filters
from django import forms
from django.db.models.functions import ExtractYear
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from portal import search
from portal.cache import remember
from portal.models import Body, Country, News, Topic


@extend_schema_field({"type": "integer", "description": "A year with published news."})
class YearFilter(django_filters.ChoiceFilter):
    """A year among those with content (the choices are set per request): a whole number."""


class NewsFilter(django_filters.FilterSet):
    """The one definition of how news lists are filtered (the /news/ page; the API reuses it)."""

    q = django_filters.CharFilter(
        label=_("Search the news"),
        method="filter_text",
        max_length=search.MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    country = django_filters.ModelChoiceFilter(
        label=_("Country"),
        field_name="countries",
        to_field_name="code",
        queryset=Country.objects.all(),
        empty_label=_("All countries"),
    )
    body = django_filters.ModelChoiceFilter(
        label=_("Body"),
        field_name="bodies",
        to_field_name="slug",
        queryset=Body.objects.all(),
        empty_label=_("All bodies"),
    )
    topic = django_filters.ModelChoiceFilter(
        label=_("Topic"),
        field_name="topics",
        to_field_name="slug",
        queryset=Topic.objects.all(),
        empty_label=_("All topics"),
    )
    year = YearFilter(
        label=_("Year"),
        field_name="published_at",
        lookup_expr="year",
        empty_label=_("All years"),
    )

    class Meta:
        model = News
        fields = ["q", "country", "body", "topic", "year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["year"].extra["choices"] = [(year, str(year)) for year in self.available_years()]

    @staticmethod
    def available_years() -> list[int]:
        """Years with published news, newest first: a scan of every item, so kept per content version."""
        return remember(
            "news-years",
            lambda: list(
                News.objects.published()
                .annotate(year=ExtractYear("published_at"))
                .order_by("-year")
                .values_list("year", flat=True)
                .distinct()
            ),
            get_current_timezone_name(),
        )

    def filter_text(self, queryset, name, value):
        return search.search(queryset, value, fallback_fields=("title", "lead", "body"))
