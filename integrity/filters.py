import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from integrity.models import Initiative
from portal import search
from portal.models import Country, Topic


class InitiativeFilter(django_filters.FilterSet):
    """How the directory of initiatives is filtered (the page; the API reuses it)."""

    q = django_filters.CharFilter(
        label=_("Search the initiatives"),
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
    topic = django_filters.ModelChoiceFilter(
        label=_("Topic"),
        field_name="topics",
        to_field_name="slug",
        queryset=Topic.objects.all(),
        empty_label=_("All topics"),
    )

    class Meta:
        model = Initiative
        fields = ["q", "country", "topic"]

    def filter_text(self, queryset, name, value):
        return search.search(queryset, value, fallback_fields=("name", "summary", "mission", "activities"))
