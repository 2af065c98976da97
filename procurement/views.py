"""The procurement pages: a member country's figures beside the other members', and the data explained.

Both read what the import computed (the current version's observations and field coverage),
never the store's processes: a fixed, small number of queries whatever the size of the store.
The indicator pages, downloads and API are the framework's (observatory.views, observatory.api).
"""

from datetime import date

from django.db.models import Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from iso3166 import countries_by_alpha2

from observatory.figures import coverage_text
from observatory.models import Dataset, Indicator, Observation, Observatory
from portal import cache as page_cache
from portal.charts import Series, bar_chart, format_number, line_chart
from portal.models import Country
from procurement.imports import DATASET_KEY
from procurement.models import FieldCoverage

#: The trade-barrier figure: the chart of every country page.
HEADLINE = "PP_OCDS_MEMBER_SUPPLIER_SH"


def field_labels() -> dict[str, str]:
    return {
        "buyer_country": _("Buyer's country"),
        "procurement_method": _("Procurement method"),
        "main_category": _("Main procurement category"),
        "tender_period": _("Tender period (both dates)"),
        "value": _("Estimated value"),
        "tenderers": _("Number of tenderers"),
        "supplier_country": _("Supplier's country (awards)"),
        "supplier_scale": _("Supplier's scale (awards)"),
        "award_value": _("Award value (awards)"),
        "award_date": _("Award date (awards)"),
    }


def _shows_data(response, observatory):
    """What a procurement page shows (portal.cache tags): its observatory, the current dataset
    version (its observations and coverage come with it) and the indicators' names and methods."""
    return page_cache.shows(
        response, page_cache.item(observatory), page_cache.kind(Dataset), page_cache.kind(Indicator)
    )


def _context(slug):
    """The observatory, the version the public sees, and the member countries by code, by name (3 queries)."""
    observatory = get_object_or_404(Observatory.objects.public(), slug=slug)
    dataset = (
        Dataset.objects.current()
        .filter(key=DATASET_KEY, observatory=observatory)
        .select_related("procurement_import")
        .first()
    )
    members = {country.code: country for country in Country.objects.filter(status=Country.Status.MEMBER)}
    return observatory, dataset, dict(sorted(members.items(), key=lambda item: item[1].name))


@require_safe
def country_detail(request, slug, code):
    """/observatories/<slug>/procurement/<code>/: the country's figures beside the other members'."""
    code = code.upper()
    observatory, dataset, countries = _context(slug)
    if code not in countries:
        raise Http404(_("Procurement pages are for the member countries."))
    members = {other: country.name for other, country in countries.items()}
    columns = [code, *(other for other in members if other != code)]
    context = {"observatory": observatory, "dataset": dataset, "country": code, "country_name": members[code],
               "country_object": countries[code],  # its Follow button
               "members": members, "columns": [(other, members[other]) for other in columns]}  # fmt: skip
    if dataset is None:
        return _shows_data(render(request, "procurement/country_detail.html", context), observatory)
    indicators = list(
        Indicator.objects.filter(summaries__dataset=dataset).select_related("observatory").order_by("position", "code")
    )
    observations = list(
        Observation.objects.filter(dataset=dataset, country__in=columns, period_type="Y")
        .order_by()
        .values_list("indicator_id", "country", "period_start", "value", "coverage")
    )
    years = sorted({period.year for _indicator, country, period, *_rest in observations if country == code})
    year = _chosen_year(request.GET.get("year", ""), years)
    at = {(indicator, country, period.year): (value, coverage)
          for indicator, country, period, value, coverage in observations}  # fmt: skip
    rows = []
    for indicator in indicators:
        cells = []
        for other in columns:
            value, coverage = at.get((indicator.pk, other, year), (None, None))
            cells.append({"text": format_number(value, indicator.decimals) if value is not None else "",
                          "coverage": coverage_text(coverage), "is_country": other == code})  # fmt: skip
        rows.append({"indicator": indicator, "cells": cells})
    headline = next((indicator for indicator in indicators if indicator.code == HEADLINE), None)
    coverage = list(FieldCoverage.objects.filter(run=dataset.procurement_import, country=code).order_by("year"))
    context.update(
        years=years,
        year=year,
        rows=rows,
        headline=headline,
        charts=_headline_charts(headline, at, columns, members, years, year, dataset.is_demo) if headline else [],
        coverage=_coverage_table(coverage),
    )
    return _shows_data(render(request, "procurement/country_detail.html", context), observatory)


def _chosen_year(text, years):
    if text.isdigit() and int(text) in years:
        return int(text)
    return years[-1] if years else date.today().year


def _headline_charts(headline, at, columns, members, years, year, is_demo):
    note = _("Demo data, not official statistics") if is_demo else ""
    in_year = [other for other in columns if (headline.pk, other, year) in at]
    bars = bar_chart(
        title=f"{headline.name}, {year} ({headline.unit})",
        categories=[members[other] for other in in_year],
        series=[Series(str(year), [at[(headline.pk, other, year)][0] for other in in_year])],
        unit=headline.unit_symbol, decimals=headline.decimals, note=note, chart_id="headline-bars",
    )  # fmt: skip
    lines = line_chart(
        title=f"{headline.name} ({headline.unit})",
        x_labels=[str(each) for each in years],
        series=[
            Series(members[other], [at.get((headline.pk, other, each), (None, None))[0] for each in years])
            for other in columns
        ],
        unit=headline.unit_symbol, decimals=headline.decimals, note=note, chart_id="headline-lines",
    )  # fmt: skip
    return [bars, lines]


def _coverage_table(rows):
    labels = field_labels()
    years = sorted({row.year for row in rows})
    shares = {(row.field, row.year): row.share for row in rows}
    return {
        "years": years,
        "rows": [
            {"label": label, "cells": [coverage_text(shares.get((name, year))) or "—" for year in years]}
            for name, label in labels.items()
            if any((name, year) in shares for year in years)
        ],
    }


@require_safe
def about(request, slug):
    """/observatories/<slug>/procurement/: sources, licences, coverage, how each figure is computed, limits."""
    observatory, dataset, countries = _context(slug)
    members = {code: country.name for code, country in countries.items()}
    context = {"observatory": observatory, "dataset": dataset, "members": members}
    if dataset is not None:
        run = dataset.procurement_import
        indicators = list(
            Indicator.objects.filter(summaries__dataset=dataset)
            .select_related("observatory")
            .order_by("position", "code")
        )
        totals = (
            FieldCoverage.objects.filter(run=run)
            .values("country", "field")
            .annotate(present=Sum("present"), total=Sum("total"))
            .order_by("country", "field")
        )
        shares = {(row["country"], row["field"]): 100 * row["present"] / row["total"] for row in totals if row["total"]}
        countries = sorted({country for country, _field in shares}, key=lambda c: members.get(c, c))
        labels = field_labels()
        context.update(
            run=run,
            indicators=indicators,
            coverage_countries=[(country, members.get(country) or _iso_name(country)) for country in countries],
            coverage_rows=[
                {"label": label, "cells": [coverage_text(shares.get((country, name))) or "—" for country in countries]}
                for name, label in labels.items()
            ],
        )
    return _shows_data(render(request, "procurement/about.html", context), observatory)


def _iso_name(code):
    country = countries_by_alpha2.get(code)
    return country.apolitical_name if country else code
