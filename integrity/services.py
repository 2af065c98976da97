"""Rules of the pledge and the self-assessment: one function per change.

- Only a representative of an organisation signs or withdraws its pledge, and starts its
  assessment of a cycle; any active member answers; only a representative submits.
- Answers are checked against the assessment's own version: a question of another version
  or an option of another question is refused, and nothing is saved.
- A submitted assessment is locked: answers and a second submit are refused. Staff with
  ``integrity.reopen_assessment`` reopen it with a reason (recorded).
- Submitting and reopening recompute the cycle's benchmarks in the same transaction.
Each change locks the assessment's row, so two members saving at once, or a save racing
a submit, cannot leave an answer on a locked assessment.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrity import benchmarks, scoring
from integrity.models import (
    Answer,
    AnswerAccess,
    Assessment,
    AssessmentReopening,
    Initiative,
    Option,
    PledgeSignature,
    PledgeVersion,
    Question,
    Questionnaire,
    SectionScore,
)
from organisations.models import Organisation
from organisations.services import is_representative, membership_of


class AssessmentError(Exception):
    """A refused change; ``str(error)`` is the message to show."""


class NotAllowed(AssessmentError):
    pass


class Locked(AssessmentError):
    pass


class Incomplete(AssessmentError):
    pass


class InvalidAnswer(AssessmentError):
    pass


# --- The pledge -----------------------------------------------------------------------------


def current_pledge(initiative) -> PledgeVersion | None:
    return initiative.pledge_versions.order_by("-number").first()


def sign_pledge(
    *, initiative: Initiative, organisation: Organisation, actor, version: PledgeVersion
) -> PledgeSignature:
    """A representative signs the initiative's current pledge text on behalf of the organisation."""
    if not initiative.is_live:
        raise NotAllowed(_("This initiative is not open for signatures."))
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        if not is_representative(actor, organisation):
            raise NotAllowed(_("Only a representative of the organisation can sign on its behalf."))
        current = current_pledge(initiative)
        if current is None or version.pk != current.pk:
            raise InvalidAnswer(_("The text of the pledge has changed: read the current text and sign again."))
        if PledgeSignature.objects.standing().filter(initiative=initiative, organisation=organisation).exists():
            raise InvalidAnswer(_("“%(name)s” has already signed this pledge.") % {"name": organisation.name})
        signature = PledgeSignature.objects.create(
            initiative=initiative, organisation=organisation, version=current, signed_by=actor
        )
        return signature


def withdraw_pledge(*, signature: PledgeSignature, actor, reason: str = "") -> PledgeSignature:
    """A representative withdraws the organisation's signature; the record stays, with when and why."""
    with transaction.atomic():
        locked = PledgeSignature.objects.select_for_update().get(pk=signature.pk)
        if not is_representative(actor, locked.organisation):
            raise NotAllowed(_("Only a representative of the organisation can withdraw its signature."))
        if locked.withdrawn_at is not None:
            raise InvalidAnswer(_("This signature has already been withdrawn."))
        locked.withdrawn_at, locked.withdrawn_by = timezone.now(), actor
        locked.withdrawal_reason = (reason or "").strip()[:2000]
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    return locked


# --- Assessments ----------------------------------------------------------------------------


def current_cycle() -> int:
    return timezone.localdate().year


def start_assessment(
    *, questionnaire: Questionnaire, organisation: Organisation, actor, cycle: int | None = None
) -> Assessment:
    """A representative starts the organisation's assessment of a cycle, on the current version.

    One per organisation and cycle: a second one is refused (and the database refuses it too).
    """
    cycle = cycle or current_cycle()
    version = questionnaire.current_version()
    if version is None:
        raise NotAllowed(_("This questionnaire is not open yet."))
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        if not is_representative(actor, organisation):
            raise NotAllowed(_("Only a representative of the organisation can start its self-assessment."))
        if Assessment.objects.filter(questionnaire=questionnaire, organisation=organisation, cycle=cycle).exists():
            raise InvalidAnswer(
                _("“%(name)s” already has a self-assessment for %(cycle)s.")
                % {"name": organisation.name, "cycle": cycle}
            )
        try:
            with transaction.atomic():
                return Assessment.objects.create(
                    questionnaire=questionnaire,
                    version=version,
                    organisation=organisation,
                    cycle=cycle,
                    started_by=actor,
                )
        except IntegrityError:
            raise InvalidAnswer(
                _("“%(name)s” already has a self-assessment for %(cycle)s.")
                % {"name": organisation.name, "cycle": cycle}
            ) from None


def _lock_for_answers(assessment, actor) -> Assessment:
    locked = Assessment.objects.select_for_update().select_related("organisation").get(pk=assessment.pk)
    if membership_of(actor, locked.organisation) is None:
        raise NotAllowed(_("Only members of the organisation can answer its self-assessment."))
    if locked.is_submitted:
        raise Locked(_("This self-assessment has been submitted: its answers can no longer change."))
    return locked


@dataclass(frozen=True)
class AnswerInput:
    """One answer as given: an option's id, or ``not_applicable``; neither clears the answer."""

    question_id: int
    option_id: int | None = None
    not_applicable: bool = False


def save_answers(*, assessment: Assessment, actor, answers: list[AnswerInput]) -> int:
    """Save some answers of an assessment (all checked first; any bad one saves none). Returns how many changed."""
    with transaction.atomic():
        locked = _lock_for_answers(assessment, actor)
        question_ids = {answer.question_id for answer in answers}
        questions = {q.pk: q for q in Question.objects.filter(pk__in=question_ids, version_id=locked.version_id)}
        if len(questions) != len(question_ids):
            raise InvalidAnswer(_("Some answers are for questions that are not part of this questionnaire."))
        option_ids = {answer.option_id for answer in answers if answer.option_id is not None}
        options = {o.pk: o for o in Option.objects.filter(pk__in=option_ids)}
        for answer in answers:
            question = questions[answer.question_id]
            if answer.option_id is not None:
                option = options.get(answer.option_id)
                if option is None or option.question_id != question.pk:
                    raise InvalidAnswer(
                        _("Question %(code)s was given an answer that is not one of its options.")
                        % {"code": question.code}
                    )
                if answer.not_applicable:
                    raise InvalidAnswer(
                        _("Question %(code)s cannot be both answered and not applicable.") % {"code": question.code}
                    )
            elif answer.not_applicable and not question.allows_not_applicable:
                raise InvalidAnswer(_("Question %(code)s cannot be marked not applicable.") % {"code": question.code})
        existing = {a.question_id: a for a in Answer.objects.filter(assessment=locked, question_id__in=question_ids)}
        changed = 0
        now = timezone.now()
        for answer in answers:
            current = existing.get(answer.question_id)
            if answer.option_id is None and not answer.not_applicable:
                if current is not None:
                    current.delete()
                    changed += 1
                continue
            if (
                current is not None
                and current.option_id == answer.option_id
                and current.is_not_applicable == answer.not_applicable
            ):
                continue
            Answer.objects.update_or_create(
                assessment=locked,
                question_id=answer.question_id,
                defaults={
                    "option_id": answer.option_id,
                    "is_not_applicable": answer.not_applicable,
                    "answered_by": actor,
                    "answered_at": now,
                },
            )
            changed += 1
        if changed:
            Assessment.objects.filter(pk=locked.pk).update(updated_at=now)
    return changed


def structure(version) -> list[scoring.SectionSpec]:
    """The version's sections and questions as the scoring needs them (two queries)."""
    sections = list(version.sections.prefetch_related("questions__options"))
    return [
        scoring.SectionSpec(
            code=section.code,
            weight=section.weight,
            questions=[
                scoring.QuestionSpec(
                    id=question.pk,
                    weight=question.weight,
                    best_score=max((option.score for option in question.options.all()), default=0),
                )
                for question in section.questions.all()
            ],
        )
        for section in sections
    ]


def answers_for_scoring(assessment) -> dict:
    return {
        question_id: scoring.NOT_APPLICABLE if not_applicable else option_score
        for question_id, not_applicable, option_score in assessment.answers.values_list(
            "question_id", "is_not_applicable", "option__score"
        )
    }


def missing_required(assessment) -> list[Question]:
    answered = set(assessment.answers.values_list("question_id", flat=True))
    return [
        question
        for question in Question.objects.filter(version_id=assessment.version_id, is_required=True).order_by(
            "section__position", "position", "pk"
        )
        if question.pk not in answered
    ]


def submit_assessment(*, assessment: Assessment, actor) -> Assessment:
    """A representative submits: every required question must be answered. Locks it, scores it,
    records the organisation's country, size and sector, and recomputes the cycle's benchmarks."""
    with transaction.atomic():
        locked = _lock_for_answers(assessment, actor)
        if not is_representative(actor, locked.organisation):
            raise NotAllowed(_("Only a representative of the organisation can submit its self-assessment."))
        missing = missing_required(locked)
        if missing:
            raise Incomplete(
                _("%(count)s required questions are not answered yet: %(codes)s.")
                % {"count": len(missing), "codes": ", ".join(question.code for question in missing[:10])}
            )
        result = scoring.score(structure(locked.version), answers_for_scoring(locked))
        if result.overall is None:
            raise Incomplete(_("At least one question must have an answer other than “not applicable”."))
        organisation = locked.organisation
        locked.status = Assessment.Status.SUBMITTED
        locked.submitted_by, locked.submitted_at, locked.score = actor, timezone.now(), result.overall
        locked.country, locked.size_class, locked.sector = (
            organisation.country.code,
            organisation.size_class,
            organisation.sector,
        )
        locked.save()
        SectionScore.objects.filter(assessment=locked).delete()
        SectionScore.objects.bulk_create(
            SectionScore(assessment=locked, section_code=code, score=value) for code, value in result.sections.items()
        )
        benchmarks.recompute(questionnaire=locked.questionnaire, cycle=locked.cycle)
    assessment.refresh_from_db()
    return locked


def reopen_assessment(*, assessment: Assessment, actor, reason: str) -> AssessmentReopening:
    """Staff reopen a submitted assessment so the organisation can correct it; the reason is recorded
    and the assessment leaves the benchmarks until it is submitted again."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidAnswer(_("Say why the self-assessment is reopened: a reason is required."))
    if not (actor.is_active and actor.is_staff and actor.has_perm("integrity.reopen_assessment")):
        raise NotAllowed(_("Only staff who may reopen self-assessments can do this."))
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if not locked.is_submitted:
            raise InvalidAnswer(_("This self-assessment is not submitted, so it cannot be reopened."))
        reopening = AssessmentReopening.objects.create(
            assessment=locked, actor=actor, reason=reason[:4000], previous_score=locked.score
        )
        locked.status, locked.submitted_at, locked.submitted_by, locked.score = (
            Assessment.Status.DRAFT,
            None,
            None,
            None,
        )
        locked.save()
        SectionScore.objects.filter(assessment=locked).delete()
        benchmarks.recompute(questionnaire=locked.questionnaire, cycle=locked.cycle)
    assessment.refresh_from_db()
    return reopening


# --- Reads ----------------------------------------------------------------------------------


def progress(assessment) -> list[dict]:
    """Per section: how many questions, how many answered, and how many required are left (two queries)."""
    answered = set(assessment.answers.values_list("question_id", flat=True))
    rows = []
    for section in assessment.version.sections.prefetch_related("questions"):
        questions = list(section.questions.all())
        done = sum(1 for question in questions if question.pk in answered)
        rows.append(
            {
                "section": section,
                "total": len(questions),
                "answered": done,
                "required_left": sum(1 for q in questions if q.is_required and q.pk not in answered),
                "percent": round(100 * done / len(questions)) if questions else 100,
            }
        )
    return rows


def record_access(*, assessment: Assessment, viewer, action: str, surface: str) -> AnswerAccess:
    """Audit log: ``viewer`` saw or exported ``assessment``'s answers."""
    return AnswerAccess.objects.create(
        organisation_id=assessment.organisation_id,
        assessment=assessment,
        viewer=viewer if viewer and viewer.is_authenticated else None,
        is_staff_access=bool(viewer and viewer.is_authenticated and viewer.is_staff),
        action=action,
        surface=surface,
    )


# --- Personal data ---------------------------------------------------------------------------


def export_my_answers(user) -> list[dict]:
    """The answers a person recorded (their part of the organisations' assessments)."""
    return [
        {
            "organisation": answer.assessment.organisation.name,
            "cycle": answer.assessment.cycle,
            "question": answer.question.code,
            "answer": "not applicable" if answer.is_not_applicable else answer.option.label,
            "answered_at": answer.answered_at.isoformat(),
        }
        for answer in Answer.objects.filter(answered_by=user)
        .select_related("assessment__organisation", "question", "option")
        .order_by("assessment__cycle", "question__code")
    ] + [
        {
            "organisation": signature.organisation.name,
            "pledge_signed": signature.initiative.name,
            "signed_at": signature.signed_at.isoformat(),
            "withdrawn_at": signature.withdrawn_at.isoformat() if signature.withdrawn_at else None,
        }
        for signature in PledgeSignature.objects.filter(signed_by=user).select_related("organisation", "initiative")
    ]


def erase_my_answers(user) -> None:
    """On account deletion: the answers and signatures stay the organisation's, no longer tied to the person."""
    Answer.objects.filter(answered_by=user).update(answered_by=None)
    PledgeSignature.objects.filter(signed_by=user).update(signed_by=None)
    PledgeSignature.objects.filter(withdrawn_by=user).update(withdrawn_by=None)
    Assessment.objects.filter(started_by=user).update(started_by=None)
    Assessment.objects.filter(submitted_by=user).update(submitted_by=None)
