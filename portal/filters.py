import django_filters
from django import forms
from django.db.models.functions import ExtractYear
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from portal import search
from portal.cache import remember
from portal.models import Body, Country, News, Topic


def text_search(label: str) -> django_filters.CharFilter:
    """The search box of a list: words matched by the filterset's ``filter_text`` method."""
    return django_filters.CharFilter(
        label=label,
        method="filter_text",
        max_length=search.MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


def country_choice(field_name: str, label: str | None = None) -> django_filters.ModelChoiceFilter:
    """One member country, by its ISO code (``?country=CL``)."""
    return django_filters.ModelChoiceFilter(
        label=label or _("Country"),
        field_name=field_name,
        to_field_name="code",
        queryset=Country.objects.all(),
        empty_label=_("All countries"),
    )


def body_choice(field_name: str, label: str | None = None) -> django_filters.ModelChoiceFilter:
    """One of the bloc's bodies, by its slug (``?body=labour-technical-group``)."""
    return django_filters.ModelChoiceFilter(
        label=label or _("Body"),
        field_name=field_name,
        to_field_name="slug",
        queryset=Body.objects.all(),
        empty_label=_("All bodies"),
    )


def topic_choice(field_name: str, label: str | None = None) -> django_filters.ModelChoiceFilter:
    """One topic, by its slug (``?topic=trade``)."""
    return django_filters.ModelChoiceFilter(
        label=label or _("Topic"),
        field_name=field_name,
        to_field_name="slug",
        queryset=Topic.objects.all(),
        empty_label=_("All topics"),
    )


@extend_schema_field({"type": "integer", "description": "A year with published news."})
class YearFilter(django_filters.ChoiceFilter):
    """A year among those with content (the choices are set per request): a whole number."""


class NewsFilter(django_filters.FilterSet):
    """The one definition of how news lists are filtered (the /news/ page; the API reuses it)."""

    q = text_search(_("Search the news"))
    country = country_choice("countries")
    body = body_choice("bodies")
    topic = topic_choice("topics")
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
