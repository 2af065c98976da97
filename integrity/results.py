"""Reads for the results page, the dashboards, the report and the API: each a fixed number of queries.

Figures come from BenchmarkStat (computed on submit and reopen, integrity.benchmarks); a group
that is not shown there is reported as withheld, with the same message whether it is empty,
too small or withheld to protect a smaller group, so that the message itself reveals nothing.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from integrity.benchmarks import ANY, DIMENSIONS, KINDS, MIN_GROUP_SIZE, group_key, percentile_rank
from integrity.models import Answer, Assessment, BenchmarkStat, Option, SectionScore
from organisations.models import Sector, SizeClass

OVERALL = BenchmarkStat.OVERALL
WITHHELD_MESSAGE = gettext_lazy(
    "Not shown: fewer than %(minimum)s organisations submitted in this group, or its figures would let "
    "someone work out those of a smaller group."
)


def withheld_message() -> str:
    return str(WITHHELD_MESSAGE) % {"minimum": MIN_GROUP_SIZE}


def group_label(key) -> str:
    """“Chile · Small (11–50 employees) · Manufacturing”, or “All organisations”."""
    country, size_class, sector = key
    parts = []
    if country:
        parts.append(str(dict(countries).get(country, country)))
    if size_class:
        parts.append(str(SizeClass(size_class).label) if size_class in SizeClass.values else size_class)
    if sector:
        parts.append(f"{sector} — {Sector(sector).label}" if sector in Sector.values else sector)
    return " · ".join(parts) if parts else _("All organisations")


KIND_LABELS = {
    (): gettext_lazy("All organisations"),
    ("country",): gettext_lazy("Same country"),
    ("size_class",): gettext_lazy("Same size"),
    ("sector",): gettext_lazy("Same sector"),
    ("country", "size_class"): gettext_lazy("Same country and size"),
    ("country", "sector"): gettext_lazy("Same country and sector"),
    ("size_class", "sector"): gettext_lazy("Same size and sector"),
    ("country", "size_class", "sector"): gettext_lazy("Same country, size and sector"),
}
KIND_PARAMS = {kind: "-".join(kind) or "all" for kind in KINDS}


def kind_of_key(key) -> tuple:
    return tuple(name for name, value in zip(DIMENSIONS, key, strict=True) if value != ANY)


@dataclass
class GroupFigures:
    key: tuple
    label: str
    kind_label: str = ""
    stat: BenchmarkStat | None = None
    percentile: float | None = None

    @property
    def is_shown(self) -> bool:
        return self.stat is not None and self.stat.is_shown


def _stats_for(questionnaire_id, cycle, keys, metrics=None) -> dict:
    """{(metric, key): stat} of the shown rows among ``keys`` (one query)."""
    condition = Q()
    for country, size_class, sector in keys:
        condition |= Q(country=country, size_class=size_class, sector=sector)
    queryset = BenchmarkStat.objects.shown().filter(condition, questionnaire_id=questionnaire_id, cycle=cycle)
    if metrics is not None:
        queryset = queryset.filter(metric__in=metrics)
    return {(stat.metric, stat.group_key): stat for stat in queryset}


# --- The organisation's results --------------------------------------------------------------


@dataclass
class Results:
    assessment: Assessment
    sections: list
    section_scores: dict
    groups: list[GroupFigures]
    chosen_kind: tuple
    section_comparison: list
    history: list
    weakest: list
    has_demo_data: bool = False
    withheld: str = field(default_factory=withheld_message)


def attributes_of(assessment) -> dict:
    return {"country": assessment.country, "size_class": assessment.size_class, "sector": assessment.sector}


def results_for(assessment: Assessment, *, chosen_kind=()) -> Results:
    """Everything the results page and the report show (about 8 queries, whatever the number of organisations)."""
    attributes = attributes_of(assessment)
    keys = {kind: group_key(attributes, kind) for kind in KINDS}
    sections = list(assessment.version.sections.all())
    section_scores = {
        code: value
        for code, value in SectionScore.objects.filter(assessment=assessment).values_list("section_code", "score")
    }
    stats = _stats_for(assessment.questionnaire_id, assessment.cycle, keys.values())
    percentiles = _percentiles(assessment, {kind: key for kind, key in keys.items() if (OVERALL, key) in stats})
    groups = [
        GroupFigures(
            key=key,
            label=group_label(key) if kind else "",  # the whole cycle: its kind says it all
            kind_label=str(KIND_LABELS[kind]),
            stat=stats.get((OVERALL, key)),
            percentile=percentiles.get(kind),
        )
        for kind, key in keys.items()
    ]
    chosen_key = keys[chosen_kind]
    section_comparison = [
        {
            "section": section,
            "score": section_scores.get(section.code),
            "stat": stats.get((section.code, chosen_key)),
        }
        for section in sections
    ]
    return Results(
        assessment=assessment,
        sections=sections,
        section_scores=section_scores,
        groups=groups,
        chosen_kind=chosen_kind,
        section_comparison=section_comparison,
        history=history_of(assessment),
        weakest=weakest_questions(assessment),
        has_demo_data=any(stat.has_demo_data for stat in stats.values()) or assessment.organisation.is_demo,
    )


def _percentiles(assessment, keys_by_kind) -> dict:
    """The organisation's percentile rank in each shown group (one aggregate query)."""
    if not keys_by_kind or assessment.score is None:
        return {}
    score = assessment.score
    aggregates = {}
    for kind, key in keys_by_kind.items():
        condition = Q(**{name: value for name, value in zip(DIMENSIONS, key, strict=True) if value != ANY})
        name = KIND_PARAMS[kind].replace("-", "_")
        aggregates[f"{name}__n"] = Count("pk", filter=condition)
        aggregates[f"{name}__below"] = Count("pk", filter=condition & Q(score__lt=score))
        aggregates[f"{name}__equal"] = Count("pk", filter=condition & Q(score=score))
    row = (
        Assessment.objects.submitted()
        .filter(questionnaire_id=assessment.questionnaire_id, cycle=assessment.cycle)
        .aggregate(**aggregates)
    )
    found = {}
    for kind in keys_by_kind:
        name = KIND_PARAMS[kind].replace("-", "_")
        found[kind] = percentile_rank(float(score), row[f"{name}__below"], row[f"{name}__equal"], row[f"{name}__n"])
    return found


def history_of(assessment) -> list[dict]:
    """The organisation's submitted cycles of this questionnaire, oldest first, with section scores (two queries)."""
    assessments = list(
        Assessment.objects.submitted()
        .filter(organisation_id=assessment.organisation_id, questionnaire_id=assessment.questionnaire_id)
        .order_by("cycle")
        .prefetch_related("section_scores")
    )
    return [
        {
            "cycle": item.cycle,
            "score": item.score,
            "sections": {row.section_code: row.score for row in item.section_scores.all()},
            "assessment": item,
        }
        for item in assessments
    ]


WEAKEST_COUNT = 5


def weakest_questions(assessment, limit=WEAKEST_COUNT) -> list[dict]:
    """The questions where the organisation scores lowest (below the best answer), with the guidance (two queries)."""
    answers = list(
        Answer.objects.filter(assessment=assessment, is_not_applicable=False)
        .select_related("question__section", "option")
        .order_by("pk")
    )
    best = _best_scores(assessment.version_id)
    rows = []
    for answer in answers:
        top = best.get(answer.question_id) or 0
        if top <= 0 or answer.option.score >= top:
            continue
        rows.append(
            {
                "question": answer.question,
                "answer": answer.option,
                "result": answer.option.score / top,
                "weighted_gap": answer.question.weight * (1 - answer.option.score / top),
            }
        )
    rows.sort(key=lambda row: (-row["weighted_gap"], row["question"].section.position, row["question"].position))
    return rows[:limit]


def _best_scores(version_id) -> dict:
    return dict(
        Option.objects.filter(question__version_id=version_id)
        .values("question_id")
        .annotate(best=Max("score"))
        .values_list("question_id", "best")
    )


# --- Dashboards -------------------------------------------------------------------------------


def cycles_with_figures(questionnaire) -> list[int]:
    return list(
        BenchmarkStat.objects.shown()
        .filter(questionnaire=questionnaire, metric=OVERALL, country=ANY, size_class=ANY, sector=ANY)
        .order_by("-cycle")
        .values_list("cycle", flat=True)
    )


def choices_for(questionnaire, cycle) -> dict:
    """The countries, sizes and sectors that have a shown group of their own in the cycle (one query)."""
    rows = (
        BenchmarkStat.objects.shown()
        .filter(questionnaire=questionnaire, cycle=cycle, metric=OVERALL)
        .filter(Q(country=ANY, size_class=ANY) | Q(country=ANY, sector=ANY) | Q(size_class=ANY, sector=ANY))
        .values_list("country", "size_class", "sector")
    )
    found = {"country": set(), "size_class": set(), "sector": set()}
    for country, size_class, sector in rows:
        for name, value in zip(DIMENSIONS, (country, size_class, sector), strict=True):
            if value:
                found[name].add(value)
    names = dict(countries)
    return {
        "country": sorted(((code, names.get(code, code)) for code in found["country"]), key=lambda item: str(item[1])),
        "size_class": [(value, label) for value, label in SizeClass.choices if value in found["size_class"]],
        "sector": [(value, f"{value} — {label}") for value, label in Sector.choices if value in found["sector"]],
    }


@dataclass
class Dashboard:
    cycle: int | None
    key: tuple
    label: str
    stats: dict  # metric → stat, for the chosen group
    is_shown: bool
    breakdowns: list  # [{"dimension", "label", "rows": [stat…]}]
    trend: list  # [stat…] of the chosen group, one per cycle
    has_demo_data: bool
    withheld: str = field(default_factory=withheld_message)


DIMENSION_LABELS = {
    "country": gettext_lazy("By country"),
    "size_class": gettext_lazy("By size"),
    "sector": gettext_lazy("By sector"),
}


def dashboard_for(questionnaire, cycle, key, *, metric=OVERALL) -> Dashboard:
    """The chosen group's figures, its breakdown by each free dimension, and its trend (three queries)."""
    key = tuple(key)
    own = {
        stat.metric: stat
        for stat in BenchmarkStat.objects.shown().filter(
            questionnaire=questionnaire, cycle=cycle, country=key[0], size_class=key[1], sector=key[2]
        )
    }
    free = [index for index, value in enumerate(key) if value == ANY]
    breakdowns = []
    if free:
        condition = Q()
        for index in free:
            fixed = {name: key[i] for i, name in enumerate(DIMENSIONS) if i != index}
            condition |= Q(**fixed) & ~Q(**{DIMENSIONS[index]: ANY})
        rows = list(
            BenchmarkStat.objects.shown()
            .filter(condition, questionnaire=questionnaire, cycle=cycle, metric=metric)
            .order_by("country", "size_class", "sector")
        )
        for index in free:
            name = DIMENSIONS[index]
            matching = [
                stat
                for stat in rows
                if getattr(stat, name) != ANY
                and all(getattr(stat, other) == key[i] for i, other in enumerate(DIMENSIONS) if i != index)
            ]
            matching.sort(key=lambda stat: _sort_key(name, getattr(stat, name)))
            for stat in matching:
                stat.label = group_label(stat.group_key)
            breakdowns.append({"dimension": name, "label": DIMENSION_LABELS[name], "rows": matching})
    trend = list(
        BenchmarkStat.objects.shown()
        .filter(questionnaire=questionnaire, metric=metric, country=key[0], size_class=key[1], sector=key[2])
        .order_by("cycle")
    )
    has_demo = any(stat.has_demo_data for stat in own.values()) or any(
        stat.has_demo_data for part in breakdowns for stat in part["rows"]
    )
    return Dashboard(
        cycle=cycle,
        key=key,
        label=group_label(key),
        stats=own,
        is_shown=metric in own,
        breakdowns=breakdowns,
        trend=trend,
        has_demo_data=has_demo or any(stat.has_demo_data for stat in trend),
    )


def _sort_key(name, value):
    if name == "size_class":
        return SizeClass.values.index(value) if value in SizeClass.values else 99
    if name == "country":
        return str(dict(countries).get(value, value))
    return value


def as_number(value) -> float | None:
    return float(value) if isinstance(value, Decimal) else value
