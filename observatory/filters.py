"""The one definition of how the publication library is filtered (the /publications/ page; the API reuses it).

Facets are counted by the database, one grouped query per facet. A facet's counts apply
every filter except its own, so the options of a chosen facet still say how many
results each other value would give. Filters take plain values (slugs, codes, years),
so validating them costs no query; an unknown value simply matches nothing.
"""

from dataclasses import dataclass

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import RegexValidator
from django.db.models import Count, F, Value
from django.db.models.functions import Coalesce, ExtractYear, NullIf
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from observatory import search
from observatory.models import Publication
from portal.models import Country, Topic
from portal.search import MAX_QUERY_LENGTH

SLUG = RegexValidator(r"^[-a-zA-Z0-9_]+$", _("Unknown value."))


def _name_in_current_language(relation: str, model):
    """The related row's name in the active language (a translated ``name_<code>``), else its ``name``."""
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    try:
        model._meta.get_field(f"name_{language}")
    except FieldDoesNotExist:
        return F(f"{relation}__name")
    return Coalesce(NullIf(F(f"{relation}__name_{language}"), Value("")), F(f"{relation}__name"))


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int


class PublicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search the library"),
        method="filter_text",
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=Publication.Kind.choices, empty_label=_("All types"))
    observatory = django_filters.CharFilter(
        label=_("Observatory"), field_name="observatory__slug", max_length=100, validators=[SLUG], widget=forms.Select
    )
    country = django_filters.CharFilter(
        label=_("Country"), field_name="countries__code", max_length=2, validators=[SLUG], widget=forms.Select
    )
    topic = django_filters.CharFilter(
        label=_("Topic"), field_name="topics__slug", max_length=100, validators=[SLUG], widget=forms.Select
    )
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="publication_date", lookup_expr="year", min_value=1900, max_value=2999,
        widget=forms.Select,
    )  # fmt: skip
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=Publication.Language.choices, empty_label=_("All languages")
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=[("relevance", _("Relevance")), ("newest", _("Newest first")), ("oldest", _("Oldest first"))],
        empty_label=None,
        method="keep",
    )

    #: The facets, in the order of the form, with the label of their "any" option.
    FACETS = {
        "kind": _("All types"),
        "observatory": _("All observatories"),
        "country": _("All countries"),
        "topic": _("All topics"),
        "year": _("All years"),
        "language": _("All languages"),
    }

    class Meta:
        model = Publication
        fields = ["q", "kind", "observatory", "country", "topic", "year", "language", "sort"]

    # -- Filtering --------------------------------------------------------------------------

    def filter_text(self, queryset, name, value):
        return search.filter_by_text(queryset, value)

    def keep(self, queryset, name, value):
        return queryset  # the order is applied last, in filter_queryset

    @property
    def text(self) -> str:
        data = getattr(self.form, "cleaned_data", {}) if self.is_bound else {}
        return search.clean_query(data.get("q") or "")

    @property
    def sort_order(self) -> str:
        data = getattr(self.form, "cleaned_data", {}) if self.is_bound else {}
        chosen = data.get("sort") or ""
        if chosen == "relevance" and not self.text:
            chosen = ""
        return chosen or ("relevance" if self.text else "newest")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        match self.sort_order:
            case "relevance":
                return queryset.order_by("-rank", "-publication_date", "-pk")
            case "oldest":
                return queryset.order_by("publication_date", "pk")
        return queryset.order_by("-publication_date", "-pk")

    # -- Facets -----------------------------------------------------------------------------

    def _without(self, name):
        """The same filters without facet ``name``, applied to the unsorted base queryset."""
        data = self.data.copy()
        data.pop(name, None)
        data.pop("sort", None)
        return type(self)(data, queryset=self.queryset).qs.order_by()

    def facets(self) -> dict[str, list[FacetValue]]:
        """Every facet's values with their number of results, computed by the database."""
        result = {}
        kinds = dict(Publication.Kind.choices)
        rows = self._without("kind").values("kind").annotate(total=Count("pk", distinct=True))
        counts = {row["kind"]: row["total"] for row in rows}
        result["kind"] = [FacetValue(value, label, counts[value]) for value, label in kinds.items() if value in counts]

        rows = (
            self._without("observatory")
            .filter(observatory__isnull=False)
            .values("observatory__slug", "observatory__name", "observatory__position")
            .annotate(total=Count("pk", distinct=True))
            .order_by("observatory__position", "observatory__name")
        )
        result["observatory"] = [
            FacetValue(row["observatory__slug"], row["observatory__name"], row["total"]) for row in rows
        ]

        rows = (
            self._without("country")
            .filter(countries__isnull=False)
            .values("countries__code", label=_name_in_current_language("countries", Country))
            .annotate(total=Count("pk", distinct=True))
            .order_by("label")
        )
        result["country"] = [FacetValue(row["countries__code"], row["label"], row["total"]) for row in rows]

        rows = (
            self._without("topic")
            .filter(topics__isnull=False)
            .values("topics__slug", label=_name_in_current_language("topics", Topic))
            .annotate(total=Count("pk", distinct=True))
            .order_by("label")
        )
        result["topic"] = [FacetValue(row["topics__slug"], row["label"], row["total"]) for row in rows]

        rows = (
            self._without("year")
            .annotate(year_of=ExtractYear("publication_date"))
            .values("year_of")
            .annotate(total=Count("pk", distinct=True))
            .order_by("-year_of")
        )
        result["year"] = [FacetValue(str(row["year_of"]), str(row["year_of"]), row["total"]) for row in rows]

        languages = dict(Publication.Language.choices)
        rows = self._without("language").values("language").annotate(total=Count("pk", distinct=True))
        counts = {row["language"]: row["total"] for row in rows}
        result["language"] = [
            FacetValue(value, label, counts[value]) for value, label in languages.items() if value in counts
        ]
        return result

    def show_facets(self, facets: dict[str, list[FacetValue]]) -> None:
        """Give each facet's select its values with their counts, e.g. “Chile (4)”."""
        chosen = getattr(self.form, "cleaned_data", {}) if self.is_bound else {}
        for name, any_label in self.FACETS.items():
            field = self.form.fields[name]
            choices = [("", any_label)]
            values = facets.get(name, [])
            choices += [(facet.value, f"{facet.label} ({facet.count})") for facet in values]
            current = chosen.get(name)
            current = "" if current in (None, "") else str(int(current) if name == "year" else current)
            if current and current not in {facet.value for facet in values}:
                label = dict(field.choices).get(current, current) if isinstance(field, forms.ChoiceField) else current
                choices.append((current, f"{label} (0)"))
            if isinstance(field, forms.ChoiceField):
                field.choices = choices
            field.widget.choices = choices
