"""The one definition of how the publication library is filtered (the /publications/ page; the API reuses it).

Facets are counted by the database, one grouped query per facet. A facet's counts apply
every filter except its own, so the options of a chosen facet still say how many
results each other value would give. Filters take plain values (slugs, codes, years),
so validating them costs no query; an unknown value simply matches nothing.

The many-to-many filters (country, topic) are EXISTS subqueries, not joins: a publication
is never repeated, so counts need no DISTINCT and the text match is not evaluated once per
joined row. Counting a large library still reads every row, so the facets are kept in the
content cache per filter combination (``portal.cache.remember``) until the content changes,
and the number of results is read from them instead of being counted again.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

import django_filters
from django import forms
from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import RegexValidator
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, ExtractYear, NullIf
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from observatory import search
from observatory.imports import country_code, parse_period
from observatory.models import Indicator, Observation, Observatory, Publication
from portal import taxonomy, vocabulary
from portal.cache import remember
from portal.filters import FilterSelect, text_search
from portal.models import Country, Topic

SLUG = RegexValidator(r"^[-a-zA-Z0-9_]+$", _("Unknown value."))


def _name_in_current_language(relation: str, model):
    """The related row's name in the active language (a translated ``name_<code>``), else its ``name``."""
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    prefix = f"{relation}__" if relation else ""
    try:
        model._meta.get_field(f"name_{language}")
    except FieldDoesNotExist:
        return F(f"{prefix}name")
    return Coalesce(NullIf(F(f"{prefix}name_{language}"), Value("")), F(f"{prefix}name"))


def _by_label(model, key: str, values) -> list[tuple[str, str]]:
    """``(key, name in the active language)`` of the rows whose ``key`` is in ``values``, by name."""
    return list(
        model.objects.filter(**{f"{key}__in": list(values)})
        .annotate(label=_name_in_current_language("", model))
        .order_by("label")
        .values_list(key, "label")
    )


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (``?year=2020``), never a decimal one: NumberFilter's form field takes 2020.5."""

    field_class = forms.IntegerField


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int


class PublicationFilter(django_filters.FilterSet):
    q = text_search(_("Search the library"))
    kind = django_filters.ChoiceFilter(
        label=_("Type"),
        choices=Publication.Kind.choices,
        empty_label=_("All types"),
        widget=FilterSelect,
    )
    observatory = django_filters.CharFilter(
        label=_("Observatory"), field_name="observatory__slug", max_length=100, validators=[SLUG], widget=FilterSelect
    )
    country = django_filters.CharFilter(
        label=_("Country"), method="filter_country", max_length=2, validators=[SLUG], widget=FilterSelect
    )
    topic = django_filters.CharFilter(
        label=_("Topic"), method="filter_topic", max_length=100, validators=[SLUG], widget=FilterSelect
    )
    year = IntegerFilter(
        label=_("Year"), field_name="publication_date", lookup_expr="year", min_value=1900, max_value=2999,
        widget=FilterSelect,
    )  # fmt: skip
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=Publication.Language.choices, empty_label=_("All languages"), widget=FilterSelect
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=[("relevance", _("Relevance")), ("newest", _("Newest first")), ("oldest", _("Oldest first"))],
        empty_label=None,
        method="keep",
        widget=FilterSelect,
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

    #: Above this many matches, a search's facets are counted by the database, not in Python.
    MAX_MATCHES_COUNTED_IN_PYTHON = 10_000

    class Meta:
        model = Publication
        fields = ["q", "kind", "observatory", "country", "topic", "year", "language", "sort"]

    # -- Filtering --------------------------------------------------------------------------

    def filter_text(self, queryset, name, value):
        return search.filter_by_text(queryset, value)

    def filter_country(self, queryset, name, value):
        through = Publication.countries.through.objects.filter(publication=OuterRef("pk"), country__code=value)
        return queryset.filter(Exists(through))

    def filter_topic(self, queryset, name, value):
        through = Publication.topics.through.objects.filter(publication=OuterRef("pk"), topic__slug=value)
        return queryset.filter(Exists(through))

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

    def suggestions(self) -> list[str]:
        """Phrases near a search that found nothing which, with the same other filters, find something."""
        if not self.text:
            return []
        chosen = getattr(self.form, "cleaned_data", {})
        data = self.data.copy()
        for name in ("q", "search", "page", "sort"):
            data.pop(name, None)
        others = type(self)(data, queryset=self.queryset).qs.order_by()  # every filter but the text

        def finds(phrase: str) -> bool:
            return search.filter_by_text(others, phrase).exists()

        vary_on = ["library", *(f"{name}={chosen.get(name) or ''}" for name in self.FACETS)]
        return vocabulary.suggestions(self.text, finds=finds, vary_on=vary_on)

    # -- Facets -----------------------------------------------------------------------------

    def _without(self, name):
        """The same filters without facet ``name``, applied to the unsorted base queryset."""
        data = self.data.copy()
        data.pop(name, None)
        data.pop("sort", None)
        data.pop("page", None)
        return type(self)(data, queryset=self.queryset).qs.order_by()

    def facets(self) -> dict[str, list[FacetValue]]:
        """Every facet's values with their number of results (kept per content version and filters)."""
        chosen = getattr(self.form, "cleaned_data", {}) if self.is_bound else {}
        vary_on = [f"{name}={chosen.get(name) or ''}" for name in ("q", "search", *self.FACETS)]
        return remember("publication-facets", self._count_facets, get_language(), *vary_on)

    def result_count(self, facets: dict[str, list[FacetValue]]) -> int:
        """How many publications match every filter, read from the facets (each has one type)."""
        return sum(
            facet.count
            for facet in facets["kind"]
            if facet.value == (self.form.cleaned_data.get("kind") or facet.value)
        )

    def _count_facets(self) -> dict[str, list[FacetValue]]:
        if self.text:
            facets = self._facets_of_matches()
            if facets is not None:
                return facets
        return self._facets_in_database()

    def _facets_of_matches(self) -> dict[str, list[FacetValue]] | None:
        """A search's facets from one read of its matches, counted in Python.

        The text match is the expensive part (every candidate's search document), and each
        grouped query would repeat it: here it runs once. On PostgreSQL each match comes with
        its countries' and topics' ids in the same read (``ArraySubquery``), three reads of the
        matches before; elsewhere the matches' countries and topics are read by primary key.
        Gives up (None) when the words match too much of the library for that to pay; the
        database counts those.
        """
        matches = search.filter_by_text(self.queryset.order_by(), self.text)
        read = ("pk", "kind", "observatory__slug", "language", "year_of")
        matches_with_year = matches.annotate(year_of=ExtractYear("publication_date"))
        limit = self.MAX_MATCHES_COUNTED_IN_PYTHON
        if connection.vendor == "postgresql":
            # One read: each match with its countries' and topics' ids (an index-only look-up
            # each); ids are counted, and named from the taxonomy in memory at the end.
            rows = list(
                matches_with_year.annotate(
                    country_ids=ArraySubquery(
                        Publication.countries.through.objects.filter(publication_id=OuterRef("pk")).values("country_id")
                    ),
                    topic_ids=ArraySubquery(
                        Publication.topics.through.objects.filter(publication_id=OuterRef("pk")).values("topic_id")
                    ),
                ).values_list(*read, "country_ids", "topic_ids")[: limit + 1]
            )
            if len(rows) > limit:
                return None
            names = {
                "country": {country.pk: country.code for country in taxonomy.rows(Country)},
                "topic": {topic.pk: topic.slug for topic in taxonomy.rows(Topic)},
            }
        else:
            found = list(matches_with_year.values_list(*read)[: limit + 1])
            if len(found) > limit:
                return None
            # The matches again as a subquery, not as a list of thousands of ids (slow to build and parse).
            pks = matches.values("pk")
            countries, topics = defaultdict(list), defaultdict(list)
            for pk, code in Publication.countries.through.objects.filter(publication_id__in=pks).values_list(
                "publication_id", "country__code"
            ):
                countries[pk].append(code)
            for pk, slug in Publication.topics.through.objects.filter(publication_id__in=pks).values_list(
                "publication_id", "topic__slug"
            ):
                topics[pk].append(slug)
            rows = [(*row, countries.get(row[0], ()), topics.get(row[0], ())) for row in found]
            names = None

        chosen = self.form.cleaned_data
        wanted = {name: chosen.get(name) for name in self.FACETS if chosen.get(name) not in (None, "")}
        if "year" in wanted:
            wanted["year"] = int(wanted["year"])
        columns = {"kind": 1, "observatory": 2, "language": 3, "year": 4, "country": 5, "topic": 6}
        many = ("country", "topic")
        if names:  # a chosen country or topic as its id (an unknown one matches nothing)
            for name in many:
                if name in wanted:
                    ids = {value: pk for pk, value in names[name].items()}
                    wanted[name] = ids.get(wanted[name], object())
        # A facet counts the matches that pass every filter but its own: those that fail none,
        # and those that fail only its own. Each match is tested once.
        tests = [(name, columns[name], value, name in many) for name, value in wanted.items()]
        passing, failing_only = [], defaultdict(list)
        for row in rows:
            failed, failures = None, 0
            for name, column, value, is_many in tests:
                if (value not in row[column]) if is_many else (row[column] != value):
                    failed, failures = name, failures + 1
                    if failures > 1:
                        break
            if not failures:
                passing.append(row)
            elif failures == 1:
                failing_only[failed].append(row)
        counts = {}
        for name in self.FACETS:
            column = columns[name]
            counted = passing + failing_only[name] if name in failing_only else passing
            if name in many:
                counter = Counter(value for row in counted for value in row[column])
                if names:
                    known = names[name]
                    counter = Counter({known[pk]: count for pk, count in counter.items() if pk in known})
            else:
                counter = Counter(row[column] for row in counted if row[column] is not None)
            counts[name] = counter

        def listed(name, labels):
            return [
                FacetValue(str(value), str(label), counts[name][value])
                for value, label in labels
                if value in counts[name]
            ]

        return {
            "kind": listed("kind", Publication.Kind.choices),
            "observatory": listed(
                "observatory",
                Observatory.objects.filter(slug__in=list(counts["observatory"]))
                .order_by("position", "name")
                .values_list("slug", _name_in_current_language("", Observatory)),
            ),
            "country": listed("country", _by_label(Country, "code", counts["country"])),
            "topic": listed("topic", _by_label(Topic, "slug", counts["topic"])),
            "year": listed("year", [(year, year) for year in sorted(counts["year"], reverse=True)]),
            "language": listed("language", Publication.Language.choices),
        }

    def _facets_in_database(self) -> dict[str, list[FacetValue]]:
        """Every facet's counts by a grouped query each (a facet applies every filter but its own)."""
        result = {}
        kinds = dict(Publication.Kind.choices)
        rows = self._without("kind").values("kind").annotate(total=Count("*"))
        counts = {row["kind"]: row["total"] for row in rows}
        result["kind"] = [
            FacetValue(value, str(label), counts[value]) for value, label in kinds.items() if value in counts
        ]

        rows = (
            self._without("observatory")
            .filter(observatory__isnull=False)
            .values(
                "observatory__slug",
                "observatory__position",
                label=_name_in_current_language("observatory", Observatory),
            )
            .annotate(total=Count("*"))
            .order_by("observatory__position", "label")
        )
        result["observatory"] = [FacetValue(row["observatory__slug"], row["label"], row["total"]) for row in rows]

        # One row per (publication, country) of the matching publications: no DISTINCT needed.
        rows = (
            Publication.countries.through.objects.filter(publication__in=self._without("country").values("pk"))
            .values("country__code", label=_name_in_current_language("country", Country))
            .annotate(total=Count("*"))
            .order_by("label")
        )
        result["country"] = [FacetValue(row["country__code"], row["label"], row["total"]) for row in rows]

        rows = (
            Publication.topics.through.objects.filter(publication__in=self._without("topic").values("pk"))
            .values("topic__slug", label=_name_in_current_language("topic", Topic))
            .annotate(total=Count("*"))
            .order_by("label")
        )
        result["topic"] = [FacetValue(row["topic__slug"], row["label"], row["total"]) for row in rows]

        rows = (
            self._without("year")
            .annotate(year_of=ExtractYear("publication_date"))
            .values("year_of")
            .annotate(total=Count("*"))
            .order_by("-year_of")
        )
        result["year"] = [FacetValue(str(row["year_of"]), str(row["year_of"]), row["total"]) for row in rows]

        languages = dict(Publication.Language.choices)
        rows = self._without("language").values("language").annotate(total=Count("*"))
        counts = {row["language"]: row["total"] for row in rows}
        result["language"] = [
            FacetValue(value, str(label), counts[value]) for value, label in languages.items() if value in counts
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


# --- Indicator data (the API; the indicator page parses its own query, see observatory.figures) --


class IndicatorFilter(django_filters.FilterSet):
    observatory = django_filters.CharFilter(
        field_name="observatory__slug", validators=[SLUG], label="Observatory (slug)"
    )
    topic = django_filters.CharFilter(field_name="topic__slug", validators=[SLUG], label="Topic (slug)")
    q = django_filters.CharFilter(method="filter_text", max_length=200, label="Words in the name or definition")

    class Meta:
        model = Indicator
        fields = ["observatory", "topic", "q"]

    def filter_text(self, queryset, name, value):
        condition = Q()
        for word in value.split()[:10]:
            condition &= (
                Q(name_en__icontains=word) | Q(name_es__icontains=word) | Q(definition_en__icontains=word)
                | Q(definition_es__icontains=word) | Q(code__iexact=word)
            )  # fmt: skip
        return queryset.filter(condition)


class CountryCodesField(forms.CharField):
    """``CL,PE`` or ``CHL`` (ISO 3166-1 alpha-2 or alpha-3), repeated or comma-separated → alpha-2 codes."""

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return []
        codes = []
        for part in text.replace(";", ",").split(","):
            if not part.strip():
                continue
            code = country_code(part)
            if code is None:
                raise forms.ValidationError(
                    _("“%(code)s” is not an ISO 3166-1 country code."), params={"code": part.strip()[:10]}
                )
            codes.append(code)
        return codes


@extend_schema_field(OpenApiTypes.STR)
class CountryCodesFilter(django_filters.Filter):
    field_class = CountryCodesField

    def filter(self, queryset, value):
        return queryset.filter(country__in=value) if value else queryset


class PeriodField(forms.CharField):
    """A year (2024), a quarter (2024-Q2) or a month (2024-05) → its first day."""

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        period = parse_period(text)
        if period is None:
            raise forms.ValidationError(_("Give a year (2024), a quarter (2024-Q2) or a month (2024-05)."))
        return period


@extend_schema_field(OpenApiTypes.STR)
class PeriodFilter(django_filters.Filter):
    field_class = PeriodField

    def filter(self, queryset, value):
        if not value:
            return queryset
        kind, start = value
        if self.lookup_expr == "gte":
            return queryset.filter(period_start__gte=start)
        # The end of a year or quarter is its last month: everything that starts before the next period.
        months = {"Y": 12, "Q": 3, "M": 1}[kind]
        year, month = divmod(start.month - 1 + months, 12)
        return queryset.filter(period_start__lt=start.replace(year=start.year + year, month=month + 1))


class ObservationFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and start[1] > end[1]:
            self.add_error("period_to", _("The end of the period is before its start."))
        return data


class ObservationFilter(django_filters.FilterSet):
    indicator = django_filters.CharFilter(method="filter_indicator", max_length=80, label="Indicator (slug or code)")
    dataset = django_filters.CharFilter(field_name="dataset__key", validators=[SLUG], label="Dataset (key)")
    country = CountryCodesFilter(label="Countries: ISO 3166-1 codes, comma-separated (CL,PE or CHL,PER)")
    period_from = PeriodFilter(lookup_expr="gte", label="From this period on (2015, 2015-Q1 or 2015-01)")
    period_to = PeriodFilter(lookup_expr="lte", label="Up to this period (2024, 2024-Q4 or 2024-12)")
    sex = django_filters.CharFilter(max_length=20, label="Sex: _T (total), F or M")
    age = django_filters.CharFilter(max_length=20, label="Age group code, _T for all ages")
    education = django_filters.CharFilter(max_length=20, label="Education level code, _T for all levels")

    class Meta:
        model = Observation
        form = ObservationFilterForm
        fields = ["indicator", "dataset", "country", "period_from", "period_to", "sex", "age", "education"]

    def filter_indicator(self, queryset, name, value):
        return queryset.filter(Q(indicator__slug=value) | Q(indicator__code=value))
