"""The procurement indicators and the coverage of each input field, computed from the store.

Run once per import (``procurement.imports``), in a few grouped queries over one version's
processes and awards: the results become the version's observations (with their coverage)
and its FieldCoverage rows. The rules are written out in ``procurement.definitions`` (and
docs/procurement.md); each function here says which.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Q, Sum

from procurement.definitions import COMPETITIVE, MIN_RECORDS, SHORT_TENDER_DAYS, SPECS, currency_spec
from procurement.models import Award, ExchangeRate, FieldCoverage, Process, ProcurementImport
from procurement.ocds import AWARD_FIELDS, PROCESS_FIELDS, SME_SCALES


@dataclass
class Value:
    code: str
    country: str
    year: int
    value: float
    coverage: float | None
    unit: str

    def as_row(self) -> dict:
        """The row in the shape of the framework's import template."""
        return {
            "indicator": self.code, "country": self.country, "period": str(self.year), "value": self.value,
            "coverage": "" if self.coverage is None else self.coverage, "unit": self.unit,
        }  # fmt: skip


def _share(part, whole) -> float | None:
    return round(100 * part / whole, 4) if whole else None


def rates() -> dict[tuple[str, int], float]:
    """Units per US dollar by (currency, year): the file's awards are converted as they are written."""
    return {
        (currency, year): float(rate)
        for currency, year, rate in ExchangeRate.objects.values_list("currency", "year", "units_per_usd")
    }


def apply_exchange_rates(run: ProcurementImport) -> None:
    """Each award's value in US dollars at its year's rate (USD as it is); none where there is no rate."""
    awards = Award.objects.filter(run=run)
    awards.update(amount_usd=None)
    awards.filter(currency="USD", amount__isnull=False).update(amount_usd=F("amount"))
    for currency, year, rate in ExchangeRate.objects.exclude(currency="USD").values_list(
        "currency", "year", "units_per_usd"
    ):
        awards.filter(currency=currency, year=year, amount__isnull=False).update(amount_usd=F("amount") / float(rate))


def missing_rates(run: ProcurementImport) -> list[tuple[str, int, int]]:
    """``(currency, year, awards)`` of the awards that have a value but no rate to convert it."""
    rows = (
        Award.objects.filter(run=run, amount__isnull=False, amount_usd__isnull=True)
        .exclude(currency="")
        .values("currency", "year")
        .annotate(total=Count("*"))
        .order_by("currency", "year")
    )
    return [(row["currency"], row["year"], row["total"]) for row in rows]


def compute(run: ProcurementImport, *, members: set[str]) -> tuple[list[Value], list[FieldCoverage]]:
    """Every indicator's value per buyer country and year, and the coverage of every input field."""
    values: list[Value] = []
    coverage: list[FieldCoverage] = []
    _process_figures(run, values, coverage)
    _award_figures(run, members, values, coverage)
    return values, coverage


def _add(values, code, country, year, value, coverage, *, records, minimum=MIN_RECORDS, unit=None):
    if value is None or records < minimum:
        return
    spec = SPECS.get(code) or currency_spec(code.rsplit("_", 1)[-1])
    values.append(Value(code, country, year, round(value, 6), coverage, unit or spec.unit_code))


def _process_figures(run, values, coverage):
    competitive = Q(procurement_method__in=COMPETITIVE)
    counted = Q(tenderers__isnull=False)
    aggregates = {
        "total": Count("id"),
        "has_buyer_country": Count("id", filter=Q(buyer_country_published=True)),
        "has_procurement_method": Count("id", filter=~Q(procurement_method="")),
        "has_main_category": Count("id", filter=~Q(main_category="")),
        "has_tender_period": Count("id", filter=Q(tender_days__isnull=False)),
        "has_value": Count("id", filter=Q(value_amount__isnull=False)),
        "has_tenderers": Count("id", filter=counted),
        "open": Count("id", filter=Q(procurement_method="open")),
        "competitive": Count("id", filter=competitive),
        "competitive_counted": Count("id", filter=competitive & counted),
        "tenderer_sum": Sum("tenderers", filter=competitive & counted),
        "single": Count("id", filter=competitive & Q(tenderers=1)),
    }
    for method, days in SHORT_TENDER_DAYS.items():
        aggregates[f"{method}_all"] = Count("id", filter=Q(procurement_method=method))
        aggregates[f"{method}_dated"] = Count("id", filter=Q(procurement_method=method, tender_days__isnull=False))
        aggregates[f"{method}_short"] = Count("id", filter=Q(procurement_method=method, tender_days__lt=days))
    rows = (
        Process.objects.filter(run=run, year__isnull=False)
        .exclude(buyer_country="")
        .values("buyer_country", "year")
        .annotate(**aggregates)
        .order_by("buyer_country", "year")
    )
    for row in rows:
        country, year, total = row["buyer_country"], row["year"], row["total"]
        for name in PROCESS_FIELDS:
            coverage.append(FieldCoverage(run=run, country=country, year=year, field=name,
                                          present=row[f"has_{name}"], total=total))  # fmt: skip
        _add(values, "PP_OCDS_PROCESSES", country, year, total, None, records=total, minimum=1)
        method_known = row["has_procurement_method"]
        _add(values, "PP_OCDS_OPEN_SH", country, year, _share(row["open"], method_known),
             _share(method_known, total), records=method_known)  # fmt: skip
        counted_total = row["competitive_counted"]
        average = row["tenderer_sum"] / counted_total if counted_total else None
        counted_coverage = _share(counted_total, row["competitive"])
        _add(values, "PP_OCDS_TENDERERS_AVG", country, year, average, counted_coverage, records=counted_total)
        _add(values, "PP_OCDS_SINGLE_SH", country, year, _share(row["single"], counted_total), counted_coverage,
             records=counted_total)  # fmt: skip
        for method in SHORT_TENDER_DAYS:
            dated = row[f"{method}_dated"]
            _add(values, f"PP_OCDS_SHORT_{method.upper()}_SH", country, year, _share(row[f"{method}_short"], dated),
                 _share(dated, row[f"{method}_all"]), records=dated)  # fmt: skip


def _award_figures(run, members, values, coverage):
    known = ~Q(supplier_country="")
    member = known & Q(supplier_country__in=members) & ~Q(supplier_country=F("process__buyer_country"))
    outside = known & ~Q(supplier_country__in=members)
    in_usd = Q(amount_usd__isnull=False)
    base = Award.objects.filter(run=run, year__isnull=False).exclude(process__buyer_country="")
    rows = (
        base.values("process__buyer_country", "year")
        .annotate(
            total=Count("id"),
            has_supplier_country=Count("id", filter=known),
            has_supplier_scale=Count("id", filter=~Q(supplier_scale="")),
            has_award_value=Count("id", filter=Q(amount__isnull=False)),
            has_award_date=Count("id", filter=Q(date__isnull=False)),
            member=Count("id", filter=member),
            outside=Count("id", filter=outside),
            sme=Count("id", filter=Q(supplier_scale__in=SME_SCALES)),
            usd=Count("id", filter=in_usd),
            usd_sum=Sum("amount_usd", filter=in_usd),
            known_usd=Count("id", filter=known & in_usd),
            known_usd_sum=Sum("amount_usd", filter=known & in_usd),
            member_usd=Sum("amount_usd", filter=member & in_usd),
            outside_usd=Sum("amount_usd", filter=outside & in_usd),
        )
        .order_by("process__buyer_country", "year")
    )
    for row in rows:
        country, year, total = row["process__buyer_country"], row["year"], row["total"]
        for name in AWARD_FIELDS:
            coverage.append(FieldCoverage(run=run, country=country, year=year, field=name,
                                          present=row[f"has_{name}"], total=total))  # fmt: skip
        if row["usd"]:
            _add(values, "PP_OCDS_AWARDED_USD", country, year, row["usd_sum"] / 1e6, _share(row["usd"], total),
                 records=row["usd"], minimum=1)  # fmt: skip
        known_total = row["has_supplier_country"]
        known_coverage = _share(known_total, total)
        _add(values, "PP_OCDS_MEMBER_SUPPLIER_SH", country, year, _share(row["member"], known_total), known_coverage,
             records=known_total)  # fmt: skip
        _add(values, "PP_OCDS_OUTSIDE_SUPPLIER_SH", country, year, _share(row["outside"], known_total),
             known_coverage, records=known_total)  # fmt: skip
        value_coverage = _share(row["known_usd"], total)
        if row["known_usd_sum"]:
            _add(
                values,
                "PP_OCDS_MEMBER_SUPPLIER_VAL_SH",
                country,
                year,
                _share(row["member_usd"] or 0, row["known_usd_sum"]),
                value_coverage,
                records=row["known_usd"],
            )
            _add(
                values,
                "PP_OCDS_OUTSIDE_SUPPLIER_VAL_SH",
                country,
                year,
                _share(row["outside_usd"] or 0, row["known_usd_sum"]),
                value_coverage,
                records=row["known_usd"],
            )
        scaled = row["has_supplier_scale"]
        _add(values, "PP_OCDS_SME_SH", country, year, _share(row["sme"], scaled), _share(scaled, total),
             records=scaled)  # fmt: skip
    totals = {(row["process__buyer_country"], row["year"]): row["total"] for row in rows}
    _per_currency(base, totals, values)
    _per_category(base, member, known, values)


def _per_currency(base, totals, values):
    """Total awarded value in each currency, not converted; coverage is of every award of the country and year."""
    with_value = defaultdict(int)
    rows = list(
        base.filter(amount__isnull=False)
        .exclude(currency="")
        .values("process__buyer_country", "year", "currency")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    for row in rows:
        with_value[(row["process__buyer_country"], row["year"])] += row["count"]
    for row in rows:
        key = (row["process__buyer_country"], row["year"])
        _add(
            values,
            f"PP_OCDS_AWARDED_IN_{row['currency']}",
            *key,
            row["amount"] / 1e6,
            _share(with_value[key], totals.get(key, 0)),
            records=row["count"],
            minimum=1,
            unit=row["currency"],
        )


def _per_category(base, member, known, values):
    rows = (
        base.filter(process__main_category__in=("goods", "services", "works"))
        .values("process__buyer_country", "year", "process__main_category")
        .annotate(total=Count("id"), known=Count("id", filter=known), member=Count("id", filter=member))
        .order_by()
    )
    for row in rows:
        code = f"PP_OCDS_MEMBER_SUPPLIER_{row['process__main_category'].upper()}_SH"
        _add(values, code, row["process__buyer_country"], row["year"], _share(row["member"], row["known"]),
             _share(row["known"], row["total"]), records=row["known"])  # fmt: skip


def currencies_in(run: ProcurementImport) -> list[str]:
    return sorted(
        Award.objects.filter(run=run, amount__isnull=False)
        .exclude(currency="")
        .order_by()
        .values_list("currency", flat=True)
        .distinct()
    )


def analyse_store() -> None:
    """Fresh planner statistics on PostgreSQL after rows were copied in (the figures' queries use them)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Process._meta.db_table}, {Award._meta.db_table}")
