"""Which benchmark groups are shown: fewer than 5 organisations never, and never a pair or a
split that would let someone subtract their way to fewer than 5 (integrity.benchmarks)."""

import random
from collections import Counter

import pytest

from integrity import benchmarks
from integrity.benchmarks import ANY, KINDS, MIN_GROUP_SIZE, group_key, shown_groups
from integrity.models import BenchmarkStat
from tests.integrity.factories import OrganisationFactory, submitted_assessment


def org(country, size, sector):
    return {"country": country, "size_class": size, "sector": sector}


def counts_of(orgs):
    counts = Counter()
    for attributes in orgs:
        for kind in KINDS:
            counts[group_key(attributes, kind)] += 1
    return dict(counts)


def contains(outer, inner):
    return all(o in (ANY, i) for o, i in zip(outer, inner, strict=True))


def disclosures(counts, shown):
    """An independent check of the rule: every way to subtract shown groups down to 1–4 organisations."""
    found = []
    for outer in shown:
        for inner in shown:
            if outer != inner and contains(outer, inner) and 0 < counts[outer] - counts[inner] < MIN_GROUP_SIZE:
                found.append(("pair", outer, inner))
        for index, value in enumerate(outer):
            if value != ANY:
                continue
            children = [key for key in counts if key[index] != ANY and contains(outer, key)
                        and all(key[i] == outer[i] for i in range(3) if i != index)]  # fmt: skip
            hidden = sum(counts[key] for key in children if key not in shown)
            if 0 < hidden < MIN_GROUP_SIZE:
                found.append(("split", outer, index))
    return found + [("small", key) for key in shown if counts[key] < MIN_GROUP_SIZE]


def test_a_group_of_fewer_than_five_organisations_is_never_shown():
    counts = counts_of([org("CL", "small", "C")] * 4)
    assert shown_groups(counts) == set()


def test_two_nested_groups_differing_by_fewer_than_five_are_not_both_shown():
    # 6 small manufacturers and 1 large one in Chile: "Chile" minus "Chile, small" is the large one.
    counts = counts_of([org("CL", "small", "C")] * 6 + [org("CL", "large", "C")])
    shown = shown_groups(counts)
    assert ("CL", ANY, ANY) in shown
    assert ("CL", "small", ANY) not in shown and ("CL", "small", "C") not in shown
    assert disclosures(counts, shown) == []


def test_a_small_remainder_of_a_split_is_protected_by_withholding_a_sibling():
    # 20 in Chile: manufacturing 12, construction 5, trade 3. Shown "Chile", manufacturing and
    # construction would give trade's 3 by subtraction: construction is withheld too.
    counts = counts_of([org("CL", "small", "C")] * 12 + [org("CL", "small", "F")] * 5 + [org("CL", "small", "G")] * 3)
    shown = shown_groups(counts)
    assert (ANY, ANY, "C") in shown
    assert (ANY, ANY, "F") not in shown and (ANY, ANY, "G") not in shown
    assert disclosures(counts, shown) == []


def test_a_group_that_follows_from_shown_ones_counts_as_known():
    # Sizes split Chile into 10 + 10 (both shown); sectors split each size into 7 + 3 (the 3s withheld).
    orgs = ([org("CL", "small", "C")] * 7 + [org("CL", "small", "F")] * 3
            + [org("CL", "large", "C")] * 7 + [org("CL", "large", "F")] * 3)  # fmt: skip
    counts = counts_of(orgs)
    shown = shown_groups(counts)
    assert disclosures(counts, shown) == []
    assert ("CL", "small", "C") not in shown  # 10 − 7 would reveal the 3 small builders


@pytest.mark.parametrize("seed", range(40))
def test_random_populations_never_disclose_a_small_group(seed):
    rng = random.Random(seed)
    countries, sizes, sectors = ["CL", "CO", "MX", "PE", "ES"], ["micro", "small", "medium", "large"], list("ABCFGJK")
    orgs = [org(rng.choice(countries[: rng.randint(1, 5)]), rng.choice(sizes), rng.choice(sectors[: rng.randint(1, 7)]))
            for _ in range(rng.randint(3, 160))]  # fmt: skip
    counts = counts_of(orgs)
    shown = shown_groups(counts)
    assert disclosures(counts, shown) == []
    if len(orgs) >= MIN_GROUP_SIZE:
        assert (ANY, ANY, ANY) in shown  # the whole cycle is always worth showing


def test_describe_gives_the_quartiles_of_the_values():
    figures = benchmarks.describe([10, 20, 30, 40, 50])
    assert (figures.count, float(figures.mean), float(figures.median)) == (5, 30.0, 30.0)
    assert (float(figures.q1), float(figures.q3)) == (20.0, 40.0)


def test_percentile_rank_counts_ties_as_half():
    assert benchmarks.percentile_rank(50, below=2, equal=2, count=8) == 37.5


@pytest.mark.django_db
def test_recompute_stores_figures_only_for_shown_groups(questionnaire):
    for index in range(6):
        submitted_assessment(questionnaire, OrganisationFactory(country="PE", sector="B"), level=index % 4)
    submitted_assessment(questionnaire, OrganisationFactory(country="PE", sector="C"), level=3)
    year = questionnaire.assessments.first().cycle
    benchmarks.recompute(questionnaire=questionnaire, cycle=year)
    whole = BenchmarkStat.objects.get(
        questionnaire=questionnaire, cycle=year, metric="overall", country="", size_class="", sector=""
    )
    assert whole.is_shown and whole.count == 7
    mining = BenchmarkStat.objects.get(
        questionnaire=questionnaire, cycle=year, metric="overall", country="", size_class="", sector="B"
    )
    assert not mining.is_shown  # 7 − 6 = the one manufacturer
    assert mining.count is None and mining.mean is None
    lone = BenchmarkStat.objects.get(
        questionnaire=questionnaire, cycle=year, metric="overall", country="PE", size_class="small", sector="C"
    )
    assert not lone.is_shown and lone.mean is None
