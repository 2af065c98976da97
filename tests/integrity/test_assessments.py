import pytest
from django.db import IntegrityError, transaction

from integrity import services
from integrity.models import Answer, Assessment, AssessmentReopening, BenchmarkStat
from organisations.models import Membership
from organisations.roles import ANALYSTS
from tests import factories
from tests.integrity.factories import OrganisationFactory, member_of, published_questionnaire, submitted_assessment

pytestmark = pytest.mark.django_db
Input = services.AnswerInput


def option(assessment, code, score):
    return assessment.version.questions.get(code=code).options.get(score=score)


def answer_all(assessment, person, score=3):
    services.save_answers(
        assessment=assessment,
        actor=person,
        answers=[
            Input(question_id=q.pk, option_id=q.options.get(score=score).pk) for q in assessment.version.questions.all()
        ],
    )


@pytest.fixture
def assessment(questionnaire, organisation, representative):
    return services.start_assessment(questionnaire=questionnaire, organisation=organisation, actor=representative)


def test_only_a_representative_starts_and_only_once_per_cycle(questionnaire, organisation, representative):
    colleague = member_of(organisation)
    with pytest.raises(services.NotAllowed):
        services.start_assessment(questionnaire=questionnaire, organisation=organisation, actor=colleague)
    assessment = services.start_assessment(questionnaire=questionnaire, organisation=organisation, actor=representative)
    assert assessment.cycle == services.current_cycle() and assessment.version == questionnaire.current_version()
    with pytest.raises(services.InvalidAnswer, match="already has a self-assessment"):
        services.start_assessment(questionnaire=questionnaire, organisation=organisation, actor=representative)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            questionnaire=questionnaire, version=assessment.version, organisation=organisation, cycle=assessment.cycle
        )


def test_several_members_answer_and_each_answer_records_who(assessment, organisation, representative):
    colleague = member_of(organisation)
    services.save_answers(assessment=assessment, actor=representative,
                          answers=[Input(question_id=option(assessment, "policies-1", 2).question_id,
                                         option_id=option(assessment, "policies-1", 2).pk)])  # fmt: skip
    na = assessment.version.questions.get(code="reporting-2")
    services.save_answers(
        assessment=assessment, actor=colleague, answers=[Input(question_id=na.pk, not_applicable=True)]
    )
    assert Answer.objects.get(question__code="policies-1").answered_by == representative
    assert Answer.objects.get(question=na).answered_by == colleague
    rows = {row["section"].code: row for row in services.progress(assessment)}
    assert (rows["policies"]["answered"], rows["policies"]["total"], rows["reporting"]["answered"]) == (1, 2, 1)


def test_bad_answers_change_nothing(assessment, representative, organisation):
    other = published_questionnaire("another")
    foreign_question = other.current_version().questions.first()
    good = option(assessment, "policies-1", 3)
    with pytest.raises(services.InvalidAnswer, match="not part of this questionnaire"):
        services.save_answers(assessment=assessment, actor=representative, answers=[
            Input(question_id=good.question_id, option_id=good.pk),
            Input(question_id=foreign_question.pk, option_id=foreign_question.options.first().pk),
        ])  # fmt: skip
    wrong_option = option(assessment, "policies-2", 3)
    with pytest.raises(services.InvalidAnswer, match="not one of its options"):
        services.save_answers(assessment=assessment, actor=representative,
                              answers=[Input(question_id=good.question_id, option_id=wrong_option.pk)])  # fmt: skip
    with pytest.raises(services.InvalidAnswer, match="not applicable"):
        services.save_answers(assessment=assessment, actor=representative,
                              answers=[Input(question_id=good.question_id, not_applicable=True)])  # fmt: skip
    outsider = factories.ParticipantFactory()
    with pytest.raises(services.NotAllowed):
        services.save_answers(assessment=assessment, actor=outsider,
                              answers=[Input(question_id=good.question_id, option_id=good.pk)])  # fmt: skip
    assert not Answer.objects.exists()


def test_submit_needs_a_representative_and_every_required_answer(assessment, organisation, representative):
    colleague = member_of(organisation)
    with pytest.raises(services.Incomplete, match="4 required questions"):
        services.submit_assessment(assessment=assessment, actor=representative)
    answer_all(assessment, colleague)
    with pytest.raises(services.NotAllowed):
        services.submit_assessment(assessment=assessment, actor=colleague)
    services.submit_assessment(assessment=assessment, actor=representative)
    assessment.refresh_from_db()
    assert assessment.is_submitted and float(assessment.score) == 100.0
    assert (assessment.country, assessment.size_class, assessment.sector) == ("CL", "small", "C")
    assert {row.section_code: float(row.score) for row in assessment.section_scores.all()} == {
        "policies": 100.0, "reporting": 100.0,
    }  # fmt: skip


def test_a_submitted_assessment_is_locked(assessment, representative):
    answer_all(assessment, representative, score=1)
    services.submit_assessment(assessment=assessment, actor=representative)
    first = option(assessment, "policies-1", 3)
    with pytest.raises(services.Locked):
        services.save_answers(assessment=assessment, actor=representative,
                              answers=[Input(question_id=first.question_id, option_id=first.pk)])  # fmt: skip
    with pytest.raises(services.Locked):
        services.submit_assessment(assessment=assessment, actor=representative)
    assert Answer.objects.get(question=first.question).option.score == 1


def test_staff_reopen_with_a_reason_which_is_recorded(assessment, representative, editor):
    answer_all(assessment, representative)
    services.submit_assessment(assessment=assessment, actor=representative)
    analyst = factories.UserFactory(is_staff=True)
    from django.contrib.auth.models import Group

    analyst.groups.add(Group.objects.get(name=ANALYSTS))
    with pytest.raises(services.NotAllowed):
        services.reopen_assessment(assessment=assessment, actor=editor, reason="A typo")
    with pytest.raises(services.InvalidAnswer):
        services.reopen_assessment(assessment=assessment, actor=analyst, reason="  ")
    services.reopen_assessment(assessment=assessment, actor=analyst, reason="The company asked to correct section 2.")
    assessment.refresh_from_db()
    assert not assessment.is_submitted and assessment.score is None
    reopening = AssessmentReopening.objects.get()
    assert reopening.actor == analyst and float(reopening.previous_score) == 100.0
    answer_all(assessment, representative, score=2)
    services.submit_assessment(assessment=assessment, actor=representative)


def test_submit_and_reopen_recompute_the_benchmarks(questionnaire, organisation, representative):
    for level in (0, 1, 2, 3):
        submitted_assessment(questionnaire, OrganisationFactory(), level=level)
    assessment = services.start_assessment(questionnaire=questionnaire, organisation=organisation, actor=representative)
    answer_all(assessment, representative)
    services.submit_assessment(assessment=assessment, actor=representative)
    whole = BenchmarkStat.objects.get(metric="overall", country="", size_class="", sector="")
    assert whole.is_shown and whole.count == 5
    analyst = factories.UserFactory(is_staff=True, is_superuser=True)
    services.reopen_assessment(assessment=assessment, actor=analyst, reason="Correction")
    assert not BenchmarkStat.objects.get(metric="overall", country="", size_class="", sector="").is_shown


def test_a_removed_member_can_no_longer_answer(assessment, organisation):
    colleague = member_of(organisation)
    Membership.objects.filter(person=colleague).update(status=Membership.Status.REMOVED)
    first = option(assessment, "policies-1", 3)
    with pytest.raises(services.NotAllowed):
        services.save_answers(assessment=assessment, actor=colleague,
                              answers=[Input(question_id=first.question_id, option_id=first.pk)])  # fmt: skip
