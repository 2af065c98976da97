"""Benchmark groups, their statistics, and which of them may be shown (docs/integrity.md).

A group is a combination of country, size class and sector, each fixed or "any": the whole
cycle, each dimension alone, each pair, and all three (8 kinds). Its statistics (count,
mean, median, quartiles) are computed once per change of the cycle (a submit or a reopen)
and stored in BenchmarkStat; pages and the API only read them.

**Which groups are shown.** No figure may let anyone work out the answers of fewer than
``MIN_GROUP_SIZE`` organisations, whether read alone or by subtracting one shown group
from another. Per metric:

1. A group of fewer than MIN_GROUP_SIZE organisations is withheld (primary suppression).
2. What a visitor can know: the shown groups, and any group that follows from them — a
   group whose children along one dimension (its split by country, size or sector) are
   all known is known (their sum); a known group all of whose children but one are known
   makes that one known (the difference).
3. For every known group and every dimension it can be split by, the children that are not
   known must together hold either no organisation or at least MIN_GROUP_SIZE: otherwise the
   known group minus its known children would give the figures of 1–4 organisations. (Two
   shown nested groups differing by 1–4 organisations are the simplest case.) Where this
   fails, the smallest shown child is withheld too (secondary suppression), and the check
   runs again until it passes.

The whole set of statistics of a cycle is replaced in one transaction, under a lock of the
cycle's BenchmarkCycle row, so two submits at once cannot interleave.
"""

import itertools
import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from integrity.models import Assessment, BenchmarkCycle, BenchmarkStat, SectionScore
from portal.cache import bump_content_version

MIN_GROUP_SIZE = 5
DIMENSIONS = ("country", "size_class", "sector")
ANY = ""
#: The 8 kinds of group, from the whole cycle to the three dimensions combined.
KINDS = [combo for size in range(4) for combo in itertools.combinations(DIMENSIONS, size)]

GroupKey = tuple[str, str, str]


def group_key(attributes: dict, kind) -> GroupKey:
    """The key of the group of ``kind`` (a tuple of dimension names) that an organisation with ``attributes`` is in."""
    return tuple(attributes[name] if name in kind else ANY for name in DIMENSIONS)


def kind_of(key: GroupKey) -> tuple:
    return tuple(name for name, value in zip(DIMENSIONS, key, strict=True) if value != ANY)


# --- Which groups may be shown --------------------------------------------------------------


def shown_groups(counts: dict[GroupKey, int], minimum: int = MIN_GROUP_SIZE) -> set[GroupKey]:
    """The groups whose figures may be shown, given every group's number of organisations.

    ``counts`` holds every non-empty group of the 8 kinds (as ``group_counts`` builds it).
    """
    children = _children(counts)
    shown = {key for key, count in counts.items() if count >= minimum}
    while True:
        known = _known(shown, children, counts, minimum)
        to_withhold = set()
        for parent in known:
            for kids in children[parent].values():
                hidden = [kid for kid in kids if kid not in known]
                hidden_count = sum(counts[kid] for kid in hidden)
                if 0 < hidden_count < minimum:
                    to_withhold.add(_withhold_for(parent, kids, shown, counts, children))
        to_withhold.discard(None)
        if not to_withhold:
            return shown
        shown -= to_withhold


def _children(counts) -> dict[GroupKey, dict[int, list[GroupKey]]]:
    """parent → {dimension index: the non-empty groups splitting it along that dimension}."""
    children: dict[GroupKey, dict[int, list[GroupKey]]] = {key: {} for key in counts}
    for key in counts:
        for index, value in enumerate(key):
            if value == ANY:
                continue
            parent = (*key[:index], ANY, *key[index + 1 :])
            children[parent].setdefault(index, []).append(key)
    return children


def _known(shown: set, children, counts, minimum) -> set:
    """The shown groups and every group of at least ``minimum`` that follows from them by sums
    and differences. (A smaller group that would follow is left out: the check that follows
    finds it as a parent's hidden remainder.)"""
    known = set(shown)
    changed = True
    while changed:
        changed = False
        for parent, splits in children.items():
            for kids in splits.values():
                if parent not in known and all(kid in known for kid in kids):
                    known.add(parent)
                    changed = True
                if parent in known:
                    hidden = [kid for kid in kids if kid not in known]
                    if len(hidden) == 1 and counts[hidden[0]] >= minimum:
                        known.add(hidden[0])
                        changed = True
    return known


def _withhold_for(parent, kids, shown, counts, children):
    """The group to withhold to mend a parent whose hidden children hold 1–4 organisations.

    In order: the smallest shown child; the smallest shown group inside a child that is
    known without being shown (what makes it known); the parent itself; the smallest shown
    sibling of the parent (the parent then no longer follows from its own parent by
    difference); the smallest shown group inside it; and last the smallest shown group above it.
    The larger groups are kept where possible: the whole cycle is the most useful figure.
    """
    shown_kids = sorted((kid for kid in kids if kid in shown), key=lambda kid: (counts[kid], kid))
    if shown_kids:
        return shown_kids[0]
    inside_kids = [key for key in shown for kid in kids if key != kid and _contains(kid, key)]
    if inside_kids:
        return min(inside_kids, key=lambda key: (counts[key], key))
    if parent in shown:
        return parent
    siblings = []
    for index, value in enumerate(parent):
        if value == ANY:
            continue
        grandparent = (*parent[:index], ANY, *parent[index + 1 :])
        siblings += [key for key in children.get(grandparent, {}).get(index, []) if key in shown and key != parent]
    for candidates in (
        siblings,
        [key for key in shown if _contains(parent, key)],
        [key for key in shown if _contains(key, parent)],
    ):
        if candidates:
            return min(candidates, key=lambda key: (counts[key], key))
    return None


def _contains(outer: GroupKey, inner: GroupKey) -> bool:
    return all(o in (ANY, i) for o, i in zip(outer, inner, strict=True))


# --- Statistics -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    count: int
    mean: Decimal
    median: Decimal
    q1: Decimal
    q3: Decimal


def describe(values: list[float]) -> Stats:
    """Count, mean, median and quartiles (inclusive method: the quartiles of the values themselves)."""
    values = sorted(float(value) for value in values)
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
    two = Decimal("0.01")
    return Stats(
        count=len(values),
        mean=Decimal(str(statistics.fmean(values))).quantize(two),
        median=Decimal(str(median)).quantize(two),
        q1=Decimal(str(q1)).quantize(two),
        q3=Decimal(str(q3)).quantize(two),
    )


def group_values(rows: list[dict], metric: str) -> dict[GroupKey, list[float]]:
    """Every non-empty group of the 8 kinds → the organisations' values of ``metric``."""
    groups: dict[GroupKey, list[float]] = defaultdict(list)
    for row in rows:
        value = row["scores"].get(metric)
        if value is None:
            continue
        for kind in KINDS:
            groups[group_key(row, kind)].append(value)
    return groups


def percentile_rank(value: float, below: int, equal: int, count: int) -> float:
    """The share of the group scoring below ``value``, counting ties as half (0–100)."""
    return round(100.0 * (below + 0.5 * equal) / count, 1) if count else 0.0


# --- Recomputing a cycle ----------------------------------------------------------------------


def recompute(*, questionnaire, cycle: int) -> int:
    """Replace the cycle's statistics with ones computed from its submitted assessments.

    Called inside the submit and reopen transactions (and by seed and bench data); returns
    how many groups are shown.
    """
    with transaction.atomic():
        BenchmarkCycle.objects.get_or_create(questionnaire=questionnaire, cycle=cycle)
        state = BenchmarkCycle.objects.select_for_update().get(questionnaire=questionnaire, cycle=cycle)
        assessments = list(
            Assessment.objects.submitted()
            .filter(questionnaire=questionnaire, cycle=cycle)
            .values_list("pk", "country", "size_class", "sector", "score", "organisation__is_demo")
        )
        sections = defaultdict(dict)
        for assessment_id, code, value in SectionScore.objects.filter(
            assessment__questionnaire=questionnaire, assessment__cycle=cycle, assessment__status="submitted"
        ).values_list("assessment_id", "section_code", "score"):
            sections[assessment_id][code] = float(value)
        rows = [
            {
                "country": country,
                "size_class": size_class,
                "sector": sector,
                "is_demo": is_demo,
                "scores": {"overall": float(score), **sections[pk]},
            }
            for pk, country, size_class, sector, score, is_demo in assessments
        ]
        demo_groups = set()
        for row in rows:
            if row["is_demo"]:
                demo_groups.update(group_key(row, kind) for kind in KINDS)
        metrics = sorted({metric for row in rows for metric in row["scores"]})
        stats = []
        decided: dict[tuple, set] = {}
        shown_total = 0
        for metric in metrics:
            groups = group_values(rows, metric)
            counts = {key: len(values) for key, values in groups.items()}
            signature = tuple(sorted(counts.items()))
            if signature not in decided:  # sections answered by everyone share the overall decision
                decided[signature] = shown_groups(counts)
            shown = decided[signature]
            for key, values in groups.items():
                row = BenchmarkStat(
                    questionnaire=questionnaire,
                    cycle=cycle,
                    metric=metric,
                    country=key[0],
                    size_class=key[1],
                    sector=key[2],
                    has_demo_data=key in demo_groups,
                )
                if key in shown:
                    figures = describe(values)
                    row.is_shown = True
                    row.count, row.mean, row.median = figures.count, figures.mean, figures.median
                    row.q1, row.q3 = figures.q1, figures.q3
                    shown_total += metric == "overall"
                stats.append(row)
        BenchmarkStat.objects.filter(questionnaire=questionnaire, cycle=cycle).delete()
        BenchmarkStat.objects.bulk_create(stats, batch_size=1000)
        state.submitted_count = len(rows)
        state.computed_at = timezone.now()
        state.save(update_fields=["submitted_count", "computed_at"])
        # The public dashboard and API are cached for anonymous visitors under the content version.
        transaction.on_commit(bump_content_version)
    return shown_total
