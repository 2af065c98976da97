import django_filters
from django.utils.translation import gettext_lazy as _

from integrity.models import Initiative
from portal import search
from portal.filters import country_choice, text_search, topic_choice


class InitiativeFilter(django_filters.FilterSet):
    """How the directory of initiatives is filtered (the page; the API reuses it)."""

    q = text_search(_("Search the initiatives"))
    country = country_choice("countries")
    topic = topic_choice("topics")

    class Meta:
        model = Initiative
        fields = ["q", "country", "topic"]

    def filter_text(self, queryset, name, value):
        return search.search(queryset, value, fallback_fields=("name", "summary", "mission", "activities"))
