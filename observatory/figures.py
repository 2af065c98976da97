"""What an indicator page shows: the reader's selection, the table, the chart and the downloads.

One ``Figure`` is built per request from the query string; the table, the chart and every
download are made from its ``rows``, so they always hold the same numbers. A wrong
parameter (an unknown country, a reversed range, an unknown breakdown or chart type) never
fails: it is left out or corrected, and ``messages`` says what was done.
"""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from observatory.imports import country_code
from observatory.models import Indicator, IndicatorSummary, Observation
from portal.charts import Series, bar_chart, format_number, line_chart

MAX_COUNTRIES = 8  # one colour, marker and dash each (portal.charts.PALETTE)
CHART_TYPES = ("line", "bar")
DIMENSIONS = ("sex", "age", "education")
DEMO_NOTICE_EN = "Demo data, not official statistics"


#: Labels of the breakdown codes the observatories use; other codes are shown as they are.
def breakdown_labels() -> dict[str, dict[str, str]]:
    return {
        "sex": {"_T": _("Total"), "F": _("Women"), "M": _("Men")},
        "age": {"_T": _("All ages"), "Y15-24": _("15 to 24 years"), "Y25-54": _("25 to 54 years"),
                "Y55-64": _("55 to 64 years"), "Y15-64": _("15 to 64 years"), "Y_GE15": _("15 years and over"),
                "Y_GE25": _("25 years and over")},
        "education": {"_T": _("All levels"), "ISCED11_0T2": _("Basic or less (ISCED 0–2)"),
                      "ISCED11_3T4": _("Secondary (ISCED 3–4)"), "ISCED11_5T8": _("Tertiary (ISCED 5–8)")},
    }  # fmt: skip


def dimension_names() -> dict[str, str]:
    return {"sex": _("Sex"), "age": _("Age group"), "education": _("Education level")}


def flag_labels() -> dict[str, str]:
    return {"P": _("provisional"), "B": _("break in series"), "E": _("estimate")}


def demo_notice() -> str:
    return _("Demo data, not official statistics")


def period_label(kind: str, start: date) -> str:
    """2024, 2024 Q2 or May 2024, in the active language."""
    if kind == "Q":
        return _("%(year)s Q%(quarter)s") % {"year": start.year, "quarter": (start.month - 1) // 3 + 1}
    if kind == "M":
        return format_date(start, "M Y")
    return str(start.year)


@dataclass
class Row:
    country: str
    period_start: date
    value: float
    flag: str
    footnote: str
    coverage: float | None = None


def coverage_text(coverage: float | None) -> str:
    """“87 %” in the page's locale (the share of records with the value's inputs), empty when not given."""
    return "" if coverage is None else f"{format_number(coverage, 0)} %"


@dataclass
class Figure:
    indicator: Indicator
    summary: IndicatorSummary
    country_names: dict[str, str]
    countries: list[str] = field(default_factory=list)
    breakdown: dict[str, str] = field(default_factory=dict)
    first_year: int = 0
    last_year: int = 0
    chart_type: str = "line"
    messages: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    # -- The selection ---------------------------------------------------------------------

    @classmethod
    def from_query(cls, query, *, indicator, summary, country_names, members) -> "Figure":
        figure = cls(indicator=indicator, summary=summary, country_names=country_names)
        figure._choose_countries(query.getlist("country"), members)
        figure._choose_breakdown(query)
        figure._choose_years(query.get("from", ""), query.get("to", ""))
        chart_type = query.get("chart", "line")
        if chart_type not in CHART_TYPES:
            figure.messages.append(_("There is no chart of that kind: the lines over time are shown."))
            chart_type = "line"
        figure.chart_type = chart_type
        return figure

    def _choose_countries(self, asked, members):
        available = self.summary.countries
        chosen, unknown = [], []
        for text in asked:
            code = country_code(text or "")
            if code in available and code not in chosen:
                chosen.append(code)
            elif code not in chosen:
                unknown.append(text)
        if unknown:
            self.messages.append(
                _("No data for %(codes)s in this indicator: left out.") % {"codes": ", ".join(unknown[:5])}
            )
        if not chosen:
            chosen = [code for code in available if code in members] or available[:4]
        if len(chosen) > MAX_COUNTRIES:
            self.messages.append(
                _("At most %(count)s countries at once: the first ones are shown.") % {"count": MAX_COUNTRIES}
            )
            chosen = chosen[:MAX_COUNTRIES]
        order = {code: index for index, code in enumerate(available)}
        self.countries = sorted(chosen, key=lambda code: (code not in members, order.get(code, 0)))

    def _choose_breakdown(self, query):
        names = dimension_names()
        for dimension in DIMENSIONS:
            codes = self.summary.breakdowns.get(dimension) or [Observation.TOTAL]
            asked = query.get(dimension)
            if asked is not None and asked not in codes:
                self.messages.append(
                    _("“%(code)s” is not a value of “%(dimension)s” for this indicator: %(default)s is shown.")
                    % {"code": asked, "dimension": names[dimension],
                       "default": self.breakdown_label(dimension, self.summary.headline.get(dimension, codes[0]))}
                )  # fmt: skip
                asked = None
            self.breakdown[dimension] = asked or self.summary.headline.get(dimension, codes[0])

    def _choose_years(self, first, last):
        low, high = self.summary.first_period.year, self.summary.last_period.year
        years = []
        for text in (first, last):
            try:
                years.append(int(text) if text else None)
            except ValueError:
                years.append(None)
                self.messages.append(_("“%(value)s” is not a year: the whole period is shown.") % {"value": text[:20]})
        start, end = years[0] or low, years[1] or high
        if start > end:
            start, end = end, start
            reversed_text = _("The period was reversed: it is shown from %(start)s to %(end)s.")
            self.messages.append(reversed_text % {"start": start, "end": end})
        if start < low or end > high:
            outside = _("The data start in %(low)s and end in %(high)s: the period shown is within them.")
            self.messages.append(outside % {"low": low, "high": high})
        self.first_year, self.last_year = max(start, low), min(end, high)
        if self.first_year > self.last_year:
            self.first_year, self.last_year = low, high

    # -- The numbers -----------------------------------------------------------------------

    def load(self) -> "Figure":
        """One query: the observations of the selection, in table order."""
        rows = (
            Observation.objects.filter(
                dataset_id=self.summary.dataset_id,
                indicator=self.indicator,
                country__in=self.countries,
                period_type=self.summary.period_type,
                period_start__gte=date(self.first_year, 1, 1),
                period_start__lte=date(self.last_year, 12, 31),
                **self.breakdown,
            )
            .order_by("period_start", "country")
            .values_list("country", "period_start", "value", "flag", "footnote", "coverage")
        )
        self.rows = [Row(*row) for row in rows]
        return self

    @property
    def periods(self) -> list[date]:
        return sorted({row.period_start for row in self.rows})

    @property
    def shown_countries(self) -> list[str]:
        present = {row.country for row in self.rows}
        return [code for code in self.countries if code in present]

    @property
    def bar_period(self) -> date | None:
        return self.periods[-1] if self.periods else None

    def value_at(self) -> dict[tuple[str, date], Row]:
        return {(row.country, row.period_start): row for row in self.rows}

    def label(self, start: date) -> str:
        return period_label(self.summary.period_type, start)

    def breakdown_label(self, dimension: str, code: str) -> str:
        return breakdown_labels()[dimension].get(code, code)

    def footnotes(self) -> list[str]:
        seen = []
        for row in self.rows:
            if row.footnote and row.footnote not in seen:
                seen.append(row.footnote)
        return seen

    def table(self) -> dict:
        """Rows of periods, a column per country; each cell its formatted value, flag and footnote number."""
        notes = {text: index for index, text in enumerate(self.footnotes(), start=1)}
        at = self.value_at()
        flags = flag_labels()
        countries = self.shown_countries  # each a pass over every row: once, not once per period
        body = []
        for period in self.periods:
            cells = []
            for country in countries:
                row = at.get((country, period))
                cells.append(
                    {
                        "text": format_number(row.value, self.indicator.decimals) if row else "",
                        "flag": row.flag if row else "",
                        "flag_label": flags.get(row.flag, "") if row else "",
                        "note": notes.get(row.footnote) if row and row.footnote else None,
                        "coverage": coverage_text(row.coverage) if row else "",
                    }
                )
            body.append({"period": self.label(period), "iso": period.isoformat(), "cells": cells})
        return {
            "countries": [(code, self.country_names.get(code, code)) for code in countries],
            "rows": body,
            "has_coverage": self.has_coverage,
        }

    @property
    def has_coverage(self) -> bool:
        return any(row.coverage is not None for row in self.rows)

    def chart(self, *, is_demo: bool):
        title = self.title()
        note = demo_notice() if is_demo else ""
        at = self.value_at()
        unit = self.indicator.unit_symbol
        if self.chart_type == "bar" and self.bar_period:
            period = self.bar_period
            countries = [code for code in self.shown_countries if (code, period) in at]
            return bar_chart(
                title=f"{title}, {self.label(period)}",
                categories=[self.country_names.get(code, code) for code in countries],
                series=[Series(self.label(period), [at[(code, period)].value for code in countries])],
                unit=unit, decimals=self.indicator.decimals, note=note, chart_id="indicator-chart",
            )  # fmt: skip
        periods = self.periods
        return line_chart(
            title=title,
            x_labels=[self.label(period) for period in periods],
            series=[
                Series(
                    self.country_names.get(code, code),
                    [at[(code, period)].value if (code, period) in at else None for period in periods],
                )
                for code in self.shown_countries
            ],
            unit=unit, decimals=self.indicator.decimals, note=note, chart_id="indicator-chart",
        )  # fmt: skip

    def title(self) -> str:
        parts = [self.indicator.name]
        for dimension in DIMENSIONS:
            code = self.breakdown[dimension]
            if code != Observation.TOTAL:
                parts.append(self.breakdown_label(dimension, code))
        return " — ".join(parts) + f" ({self.indicator.unit})"

    # -- Downloads -------------------------------------------------------------------------

    def query(self) -> dict:
        return {
            "country": self.countries, "from": self.first_year, "to": self.last_year, "chart": self.chart_type,
            **{dimension: code for dimension, code in self.breakdown.items() if code != Observation.TOTAL},
        }  # fmt: skip

    def query_string(self) -> str:
        return urlencode(self.query(), doseq=True)

    def citation(self, *, page_url: str) -> str:
        dataset = self.summary.dataset
        year = (dataset.published_at or dataset.imported_at).year
        countries = ", ".join(self.country_names.get(code, code) for code in self.shown_countries)
        return _(
            "%(source)s (%(year)s). %(indicator)s, %(countries)s, %(start)s–%(end)s. %(observatory)s, %(site)s. "
            "%(url)s (accessed %(today)s)."
        ) % {
            "source": self.indicator.source, "year": year, "indicator": self.title(), "countries": countries,
            "start": self.first_year, "end": self.last_year, "observatory": self.indicator.observatory.name,
            "site": settings.SITE_NAME, "url": page_url, "today": timezone.localdate().isoformat(),
        }  # fmt: skip

    def records(self) -> list[dict]:
        """The rows as downloads give them: one observation per record, codes and labels."""
        flags = flag_labels()
        return [
            {
                "indicator": self.indicator.code,
                "country": row.country,
                "country_name": self.country_names.get(row.country, row.country),
                "period": self.label(row.period_start),
                "period_start": row.period_start.isoformat(),
                **self.breakdown,
                "value": row.value,
                "unit": self.indicator.unit_code or self.indicator.unit,
                "status": flags.get(row.flag, ""),
                "footnote": row.footnote,
                **({"coverage_percent": row.coverage} if self.has_coverage else {}),
            }
            for row in self.rows
        ]

    def header_lines(self, *, page_url: str, is_demo: bool) -> list[str]:
        lines = [self.title(), _("Citation: %(citation)s") % {"citation": self.citation(page_url=page_url)}]
        lines.append(_("Licence: %(licence)s") % {"licence": self.indicator.licence})
        if is_demo:
            lines.insert(0, f"{demo_notice().upper()} ({DEMO_NOTICE_EN})")
        return lines

    def as_csv(self, *, page_url: str, is_demo: bool) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        # Comment lines first (pandas: comment="#"), then the header and one observation per row.
        for line in self.header_lines(page_url=page_url, is_demo=is_demo):
            out.write("# " + " ".join(line.split()) + "\n")
        records = self.records()
        columns = list(records[0]) if records else ["indicator", "country", "period", "value"]
        writer.writerow(columns)
        for record in records:
            writer.writerow([spreadsheet_safe(record[name]) for name in columns])
        return out.getvalue()

    def as_xlsx(self, *, page_url: str, is_demo: bool) -> bytes:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(pgettext("sheet name", "Data"))
        for line in self.header_lines(page_url=page_url, is_demo=is_demo):
            sheet.append([spreadsheet_safe(line)])
        sheet.append([])
        records = self.records()
        columns = list(records[0]) if records else ["indicator", "country", "period", "value"]
        sheet.append(columns)
        for record in records:
            sheet.append([spreadsheet_safe(record[name]) for name in columns])
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()

    def as_json(self, *, page_url: str, is_demo: bool) -> str:
        data = {
            "indicator": {
                "code": self.indicator.code, "name": self.indicator.name, "unit": self.indicator.unit,
                "definition": self.indicator.definition, "source": self.indicator.source,
                "licence": self.indicator.licence,
            },
            "dataset": {"key": self.summary.dataset.key, "version": self.summary.dataset.version},
            "is_demo": is_demo,
            "notice": demo_notice() if is_demo else "",
            "citation": self.citation(page_url=page_url),
            "selection": self.query(),
            "observations": self.records(),
        }  # fmt: skip
        return json.dumps(data, ensure_ascii=False, indent=2)


def spreadsheet_safe(value):
    """A cell a spreadsheet would run as a formula is prefixed with ' (as the publication export does)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
