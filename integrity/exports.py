"""Downloads: the organisation's report (PDF, fpdf2) and the staff dashboard (XLSX, openpyxl).

Both show only what the pages show: withheld groups are written as withheld, and data
generated for the demo says so on the first line.
"""

import io

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook

from integrity.benchmarks import KINDS, kind_of
from integrity.models import BenchmarkStat
from integrity.results import KIND_LABELS, as_number, group_label, withheld_message
from portal.charts import Series, line_chart
from portal.pdf import Document


def _figure(value) -> str:
    return "—" if value is None else number_format(round(float(value)), 0)


def _score(value) -> str:
    return "—" if value is None else number_format(float(value), 1)


def report_pdf(data) -> bytes:
    """The results of one assessment, as the results page shows them."""
    assessment = data.assessment
    pdf = Document(title=_("Self-assessment report"))
    if data.has_demo_data:
        pdf.notice(_("Demo data: generated for the demonstration, not real organisations' answers."))
    pdf.heading(f"{assessment.organisation.name} — {assessment.cycle}", level=1)
    pdf.paragraph(f"{assessment.questionnaire.title} · v{assessment.version.number}")
    pdf.paragraph(_("Overall score: %(score)s out of 100") % {"score": _score(assessment.score)})
    pdf.heading(_("Scores by section"), level=2)
    pdf.table(
        [_("Section"), _("Your score"), _("Average"), _("Median")],
        [
            [row["section"].title, _score(row["score"]), _figure(row["stat"] and row["stat"].mean),
             _figure(row["stat"] and row["stat"].median)]
            for row in data.section_comparison
        ],
        widths=[90, 30, 30, 30],
    )  # fmt: skip
    pdf.heading(_("Your overall score beside your peers"), level=2)
    rows = []
    for group in data.groups:
        name = ": ".join(part for part in (group.kind_label, group.label) if part)
        if group.is_shown:
            stat = group.stat
            rows.append(
                [name, str(stat.count), _figure(stat.mean), _figure(stat.median),
                 f"{_figure(stat.q1)}–{_figure(stat.q3)}",
                 f"{group.percentile:.0f}" if group.percentile is not None else "—"]
            )  # fmt: skip
        else:
            rows.append([name, _("withheld"), "", "", "", ""])
    pdf.table(
        [_("Group"), _("Organisations"), _("Average"), _("Median"), _("Middle half"), _("Your percentile")],
        rows,
        widths=[70, 24, 20, 20, 26, 24],
    )
    pdf.small(withheld_message())
    if data.history:
        pdf.heading(_("Progress year by year"), level=2)
        pdf.table(
            [_("Year"), _("Overall"), *[section.title for section in data.sections]],
            [
                [str(row["cycle"]), _score(row["score"]), *[_score(row["sections"].get(s.code)) for s in data.sections]]
                for row in data.history
            ],
        )
    if data.weakest:
        pdf.heading(_("Where you score lowest"), level=2)
        for row in data.weakest:
            pdf.paragraph(f"{row['question'].code} — {row['question'].text}", bold=True)
            pdf.paragraph(_("Your answer: %(answer)s") % {"answer": row["answer"].label})
            if row["question"].guidance:
                pdf.paragraph(_("Guidance: %(text)s") % {"text": row["question"].guidance})
    pdf.small(_("Produced on %(date)s from the Pacific Alliance portal.") % {"date": timezone.localdate().isoformat()})
    return pdf.output()


def all_groups(questionnaire, cycle, metric) -> list[dict]:
    """Every shown group of the cycle for one metric, by kind (the staff dashboard's full table)."""
    stats = list(
        BenchmarkStat.objects.shown()
        .filter(questionnaire=questionnaire, cycle=cycle, metric=metric)
        .order_by("country", "size_class", "sector")
    )
    by_kind = {kind: [] for kind in KINDS}
    for stat in stats:
        stat.label = group_label(stat.group_key)
        by_kind[kind_of(stat.group_key)].append(stat)
    return [{"kind": kind, "label": KIND_LABELS[kind], "rows": rows} for kind, rows in by_kind.items() if rows]


def dashboard_xlsx(questionnaire, cycle) -> bytes:
    """Every shown group and metric of a cycle; withheld groups are not in the file at all."""
    stats = list(
        BenchmarkStat.objects.shown()
        .filter(questionnaire=questionnaire, cycle=cycle)
        .order_by("metric", "country", "size_class", "sector")
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(cycle)
    if any(stat.has_demo_data for stat in stats):
        sheet.append([_("Demo data: generated for the demonstration, not real organisations' answers.")])
    sheet.append([f"{questionnaire.title} — {cycle}"])
    sheet.append([withheld_message()])
    sheet.append(
        [_("Score"), _("Country"), _("Size"), _("Sector"), _("Group"), _("Organisations"), _("Average"), _("Median"),
         _("First quartile"), _("Third quartile"), _("Includes demo data")]
    )  # fmt: skip
    for stat in stats:
        sheet.append(
            [stat.metric, stat.country or _("Any"), stat.size_class or _("Any"), stat.sector or _("Any"),
             group_label(stat.group_key), stat.count, float(stat.mean), float(stat.median), float(stat.q1),
             float(stat.q3), _("yes") if stat.has_demo_data else _("no")]
        )  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def progress_chart(data):
    """The organisation's overall score and section scores year by year (the page has the same numbers in a table)."""
    if not data.history:
        return None
    series = [Series(_("Overall score"), [float(row["score"]) for row in data.history])]
    series += [
        Series(section.title, [as_number(row["sections"].get(section.code)) for row in data.history])
        for section in data.sections
    ]
    return line_chart(
        title=_("Progress year by year"),
        x_labels=[str(row["cycle"]) for row in data.history],
        series=series,
        unit="",
        decimals=0,
        description=_("Scores from 0 to 100 of each cycle the organisation submitted."),
        note=_("Demo data") if data.has_demo_data else "",
        chart_id="progress-chart",
        start_at_zero=True,
    )
