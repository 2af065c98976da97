from decimal import Decimal

from integrity import scoring
from integrity.scoring import NOT_APPLICABLE, QuestionSpec, SectionSpec

SECTIONS = [
    SectionSpec("policies", 1, [QuestionSpec(1, 2, 3), QuestionSpec(2, 1, 3)]),
    SectionSpec("reporting", 1, [QuestionSpec(3, 1, 3), QuestionSpec(4, 1, 3)]),
]


def test_a_section_is_the_weighted_mean_of_its_questions():
    result = scoring.score(SECTIONS, {1: 3, 2: 0, 3: 3, 4: 3})
    # policies: (2×1 + 1×0) / 3 = 66.67; reporting: 100; overall: mean of both sections.
    assert result.sections == {"policies": Decimal("66.67"), "reporting": Decimal("100.00")}
    assert result.overall == Decimal("83.33")


def test_not_applicable_and_unanswered_questions_are_left_out_of_both_sides():
    result = scoring.score(SECTIONS, {1: 3, 2: 3, 3: 0, 4: NOT_APPLICABLE})
    assert result.sections["reporting"] == Decimal("0.00")
    assert 4 not in result.questions
    assert scoring.score(SECTIONS, {1: 3, 3: 3}).sections == {
        "policies": Decimal("100.00"),
        "reporting": Decimal("100.00"),
    }


def test_section_weights_weigh_the_overall_score():
    weighted = [SectionSpec("policies", 3, SECTIONS[0].questions), SectionSpec("reporting", 1, SECTIONS[1].questions)]
    result = scoring.score(weighted, {1: 3, 2: 3, 3: 0, 4: 0})
    assert result.overall == Decimal("75.00")


def test_a_section_with_no_applicable_answer_has_no_score_and_is_left_out_overall():
    result = scoring.score(SECTIONS, {1: 3, 2: 3, 3: NOT_APPLICABLE, 4: NOT_APPLICABLE})
    assert "reporting" not in result.sections
    assert result.overall == Decimal("100.00")
    assert scoring.score(SECTIONS, {}).overall is None
