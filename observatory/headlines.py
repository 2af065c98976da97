"""The figure an observatory's card shows: its first indicator's latest value in each member
country, with the small trend computed at import (IndicatorSummary). Two small queries for any
number of observatories, plus the members' names (given by the caller, who has them)."""

from django.utils.translation import gettext as _

from observatory.models import Dataset, Indicator, IndicatorSummary, Observatory, Publication
from portal import cache as page_cache
from portal import taxonomy
from portal.charts import format_number, sparkline
from portal.models import Country

#: What a page of observatory cards shows (portal.cache tags): the observatories with their
#: publication counts and their headline figures (an indicator's, from the current dataset version).
CARD_TAGS = tuple(map(page_cache.kind, (Observatory, Publication, Indicator, Dataset)))


def headline_figures(observatories, *, members) -> dict[int, dict]:
    """``{observatory id: {"indicator", "period", "rows", "is_demo"}}`` for those with data.

    ``members``: the member countries (Country rows, in the order to show), whose values the card lists.
    """
    ids = [observatory.pk for observatory in observatories]
    if not ids:
        return {}
    # Which summary each card shows, read narrow (no joined rows, one small JSON column): the first
    # indicator, newest current version, with a value for a member. Then only those are read whole:
    # building every indicator's summary with its indicator, dataset and observatory rows was most
    # of the home's observatory block (~10 ms at the benchmark's 30 indicators).
    codes = [country.code for country in members]
    candidates = (
        IndicatorSummary.objects.filter(dataset__in=Dataset.objects.current(), indicator__observatory__in=ids)
        .order_by("indicator__observatory", "indicator__position", "indicator__code", "-dataset__published_at")
        .values_list("pk", "indicator__observatory_id", "latest")
    )
    chosen: dict[int, int] = {}
    for pk, observatory_id, latest in candidates:
        if observatory_id not in chosen and any((latest or {}).get(code) is not None for code in codes):
            chosen[observatory_id] = pk
    if not chosen:
        return {}
    summaries = IndicatorSummary.objects.filter(pk__in=chosen.values()).select_related("indicator", "dataset")
    figures: dict[int, dict] = {}
    for summary in summaries:
        indicator = summary.indicator
        rows = []
        for country in members:
            latest = summary.latest.get(country.code)
            if latest is None:
                continue
            trend = summary.trend.get(country.code, [])
            rows.append(
                {
                    "country": country,
                    "value": format_number(latest["value"], indicator.decimals),
                    "sparkline": sparkline(
                        trend,
                        label=_("%(country)s, the last values of %(indicator)s")
                        % {"country": country.name, "indicator": indicator.name},
                        width=64,
                        height=18,
                    )
                    if len([value for value in trend if value is not None]) > 1
                    else "",
                }
            )
        figures[indicator.observatory_id] = {  # rows has one at least: chosen for a member's value
            "indicator": indicator,
            "year": summary.last_period.year,
            "rows": rows,
            "is_demo": summary.dataset.is_demo,
        }
    return figures


def with_headlines(observatories: list) -> list:
    """``observatories``, each with its ``headline`` figure (or None): two queries, and the members
    from the taxonomy each process keeps (a read of the countries without it)."""
    members = [country for country in taxonomy.rows(Country) if country.status == Country.Status.MEMBER]
    figures = headline_figures(observatories, members=members)
    for observatory in observatories:
        observatory.headline = figures.get(observatory.pk)
    return observatories
