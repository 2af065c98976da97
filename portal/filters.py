import django_filters
import django_filters.fields
from django import forms
from django.core.exceptions import ValidationError
from django.db.models.functions import ExtractYear
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from portal import search, taxonomy
from portal.cache import remember
from portal.models import Body, Country, News, Topic


class FilterSelect(forms.Select):
    """A filter's ``<select>``, written in Python: the HTML of Django's ``Select`` (its
    select.html and select_option.html, but for the blank line after each option, which means
    nothing inside a select), without a template rendered per option. A list's filter form has
    dozens of options; through the templates they were about 30% of /news/. Same context as
    Django's (``get_context``), so attributes, ``selected`` and optgroups come out as they would;
    labels are escaped (a safe string is kept as it is)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attributes(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', localize(group_name)))
            parts.extend(
                format_html(
                    '\n  <option value="{}"{}>{}</option>',
                    str(option["value"]),
                    _attributes(option["attrs"]),
                    localize(option["label"]),  # as {{ widget.label }} shows a number or a date
                )
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


def _attributes(attrs) -> str:
    """What django/forms/widgets/attrs.html writes: `` name="value"``, a bare `` name`` for True,
    nothing for False (a safe string value is kept as it is, as ``stringformat`` keeps it)."""
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
            for name, value in attrs.items()
            if value is not False
        )
    )


class TaxonomyChoices(forms.models.ModelChoiceIterator):
    """A taxonomy filter's options from the rows each process keeps (``portal.taxonomy``), not
    from a query per form."""

    def __init__(self, field, *args):
        super().__init__(field)

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for row in taxonomy.rows(self.queryset.model):
            yield self.choice(row)

    def __len__(self):
        extra = (self.field.empty_label is not None) + (self.field.null_label is not None)
        return len(taxonomy.rows(self.queryset.model)) + extra

    def __bool__(self):
        return self.field.empty_label is not None or bool(taxonomy.rows(self.queryset.model))


class TaxonomyChoiceField(django_filters.fields.ModelChoiceField):
    """One row of the taxonomy, chosen and checked among the rows each process keeps: a filter by
    country, body or topic costs no query to offer or to validate."""

    iterator = TaxonomyChoices

    def to_python(self, value):
        if self.null_label is not None and value == self.null_value:
            return value
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        key = self.to_field_name or "pk"
        if isinstance(value, self.queryset.model):
            value = getattr(value, key)
        # As the database compares (queryset.get(code=…)): exactly, case included.
        for row in taxonomy.rows(self.queryset.model):
            if str(getattr(row, key)) == str(value):
                return row
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})


class TaxonomyChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter by one row of a taxonomy model (every row of it: the queryset must be ``all()``)."""

    field_class = TaxonomyChoiceField

    def __init__(self, *args, **kwargs):
        queryset = kwargs.get("queryset")
        if queryset is None or callable(queryset) or queryset.query.has_filters():
            raise ValueError("A taxonomy filter offers every row: give it Model.objects.all().")
        kwargs.setdefault("widget", FilterSelect)
        super().__init__(*args, **kwargs)


def text_search(label: str) -> django_filters.CharFilter:
    """The search box of a list: words matched by the filterset's ``filter_text`` method."""
    return django_filters.CharFilter(
        label=label,
        method="filter_text",
        max_length=search.MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


def country_choice(field_name: str, label: str | None = None) -> TaxonomyChoiceFilter:
    """One member country, by its ISO code (``?country=CL``)."""
    return TaxonomyChoiceFilter(
        label=label or _("Country"),
        field_name=field_name,
        to_field_name="code",
        queryset=Country.objects.all(),
        empty_label=_("All countries"),
    )


def body_choice(field_name: str, label: str | None = None) -> TaxonomyChoiceFilter:
    """One of the bloc's bodies, by its slug (``?body=labour-technical-group``)."""
    return TaxonomyChoiceFilter(
        label=label or _("Body"),
        field_name=field_name,
        to_field_name="slug",
        queryset=Body.objects.all(),
        empty_label=_("All bodies"),
    )


def topic_choice(field_name: str, label: str | None = None) -> TaxonomyChoiceFilter:
    """One topic, by its slug (``?topic=trade``)."""
    return TaxonomyChoiceFilter(
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
        widget=FilterSelect,
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
