import re
from datetime import datetime

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Event
from portal import search
from portal.filters import body_choice, country_choice, text_search

#: A month from 1900-01 to 2200-12: what the filter accepts, and what the API's schema says.
MONTH_PATTERN = r"^(19\d\d|2[01]\d\d|2200)-(0[1-9]|1[0-2])$"


class MonthInput(forms.TextInput):
    input_type = "month"


class EventFilter(django_filters.FilterSet):
    """The one definition of how event lists are filtered (/events/; an API would reuse it)."""

    q = text_search(_("Search the events"))
    when = django_filters.ChoiceFilter(
        label=_("When"),
        method="filter_when",
        choices=[("upcoming", _("Upcoming")), ("past", _("Past"))],
        empty_label=_("Upcoming and past"),
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Event.Kind.choices, empty_label=_("All kinds"))
    format = django_filters.ChoiceFilter(
        label=_("Format"), choices=Event.Format.choices, empty_label=_("In person and online")
    )
    country = country_choice("country")
    body = body_choice("organising_bodies", label=_("Organised by"))
    month = django_filters.CharFilter(
        label=_("Month"),
        method="filter_month",
        max_length=7,
        validators=[RegexValidator(MONTH_PATTERN, _("Give a month as YYYY-MM, e.g. 2025-02."))],
        widget=MonthInput(attrs={"placeholder": _("YYYY-MM")}),
        help_text=_("Events taking place in this month."),
    )

    class Meta:
        model = Event
        fields = ["q", "when", "kind", "format", "country", "body", "month"]

    def filter_text(self, queryset, name, value):
        return search.search(queryset, value, fallback_fields=("title", "summary", "description", "city", "venue"))

    def filter_when(self, queryset, name, value):
        now = timezone.now()
        if value == "upcoming":
            return queryset.filter(end__gt=now)
        if value == "past":
            return queryset.filter(end__lte=now)
        return queryset

    def filter_month(self, queryset, name, value):
        start, end = month_bounds(value)
        return queryset.overlapping(start, end)


def month_or_none(value: str) -> tuple[int, int] | None:
    match = re.match(MONTH_PATTERN, value or "")
    return (int(match[1]), int(match[2])) if match else None


def month_bounds(value: str):
    """[first instant, first instant of the next month) in the site's zone."""
    year, month = month_or_none(value)
    zone = timezone.get_default_timezone()
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return start, end
