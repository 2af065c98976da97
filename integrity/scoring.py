"""How a self-assessment is scored (docs/integrity.md, "Scoring"). Pure functions, no database.

- A question's result is the chosen option's score divided by the best score among the
  question's options: 0 to 1. "Not applicable" (where allowed) and an unanswered optional
  question leave the question out of both sides of the sums.
- A section's score is the weighted mean of its questions' results, × 100 (0–100): the sum
  of weight × result over the answered applicable questions, divided by the sum of their
  weights. A section with no applicable answer has no score.
- The overall score is the weighted mean of the section scores (section weights), over the
  sections that have a score.

Scores are rounded to two decimals when stored.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

NOT_APPLICABLE = object()

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class QuestionSpec:
    id: int
    weight: int
    best_score: int


@dataclass(frozen=True)
class SectionSpec:
    code: str
    weight: int
    questions: list[QuestionSpec] = field(default_factory=list)


@dataclass(frozen=True)
class Result:
    overall: Decimal | None
    sections: dict[str, Decimal]
    #: question id → its result (0–1), for the "where you score lowest" list.
    questions: dict[int, float]


def _round(value: float) -> Decimal:
    return Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def score(sections: list[SectionSpec], answers: dict) -> Result:
    """``answers``: question id → the chosen option's score, or NOT_APPLICABLE; missing = unanswered."""
    section_scores: dict[str, float] = {}
    question_results: dict[int, float] = {}
    for section in sections:
        points = weights = 0.0
        for question in section.questions:
            answer = answers.get(question.id)
            if answer is None or answer is NOT_APPLICABLE:
                continue
            result = (answer / question.best_score) if question.best_score > 0 else 0.0
            result = min(max(result, 0.0), 1.0)
            question_results[question.id] = result
            points += question.weight * result
            weights += question.weight
        if weights:
            section_scores[section.code] = 100.0 * points / weights
    total = sum(section.weight for section in sections if section.code in section_scores)
    overall = (
        sum(section.weight * section_scores[section.code] for section in sections if section.code in section_scores)
        / total
        if total
        else None
    )
    return Result(
        overall=_round(overall) if overall is not None else None,
        sections={code: _round(value) for code, value in section_scores.items()},
        questions=question_results,
    )
