"""Factories per state for organisations, questionnaires and assessments (times relative to now)."""

import json

import factory
from django.utils import timezone

from integrity import questionnaires, scoring, services
from integrity.models import Answer, Assessment, Initiative, PledgeVersion, SectionScore
from organisations.models import Membership, Organisation
from portal.models import Status
from tests.factories import ParticipantFactory, yesterday


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Exportadora Andina {n} S.A.")
    slug = factory.Sequence(lambda n: f"exportadora-andina-{n}")
    country = "CL"
    size_class = "small"
    sector = "C"


def member_of(organisation, *, role=Membership.Role.MEMBER, person=None, **profile):
    """A participant who is an active member (or representative) of ``organisation``."""
    person = person or ParticipantFactory(**profile)
    Membership.objects.create(
        organisation=organisation, person=person, role=role, status=Membership.Status.ACTIVE, joined_at=timezone.now()
    )
    return person


def representative_of(organisation, **kwargs):
    return member_of(organisation, role=Membership.Role.REPRESENTATIVE, **kwargs)


def questionnaire_data(slug="integrity-test", *, sections=None):
    """A small questionnaire: two sections; question scores 0–3; one question allows "not applicable"."""
    labels = [("No", "No"), ("Partly", "En parte"), ("Mostly", "Casi"), ("Yes", "Sí")]
    levels = [{"label": {"en": en, "es": es}, "score": score} for score, (en, es) in enumerate(labels)]
    return {
        "format": questionnaires.FORMAT,
        "questionnaire": {
            "slug": slug,
            "title": {"en": "Integrity self-assessment", "es": "Autoevaluación de integridad"},
        },
        "version": {"title": {"en": "Edition one", "es": "Primera edición"}},
        "sections": sections
        or [
            {
                "code": "policies",
                "title": {"en": "Policies", "es": "Políticas"},
                "weight": 1,
                "questions": [
                    {
                        "code": "policies-1",
                        "text": {"en": "A written policy?", "es": "¿Una política escrita?"},
                        "guidance": {"en": "Write it down.", "es": "Escríbala."},
                        "weight": 2,
                        "options": levels,
                    },
                    {
                        "code": "policies-2",
                        "text": {"en": "Gifts rules?", "es": "¿Reglas de regalos?"},
                        "weight": 1,
                        "options": levels,
                    },
                ],
            },
            {
                "code": "reporting",
                "title": {"en": "Reporting channels", "es": "Canales de denuncia"},
                "weight": 1,
                "questions": [
                    {
                        "code": "reporting-1",
                        "text": {"en": "A hotline?", "es": "¿Una línea de denuncia?"},
                        "guidance": {"en": "Open one.", "es": "Abra una."},
                        "weight": 1,
                        "options": levels,
                    },
                    {
                        "code": "reporting-2",
                        "text": {"en": "Public officials?", "es": "¿Funcionarios públicos?"},
                        "weight": 1,
                        "not_applicable": True,
                        "options": levels,
                    },
                ],
            },
        ],  # fmt: skip
    }


def published_questionnaire(slug="integrity-test", *, actor=None, initiative=None):
    version = questionnaires.import_json(json.dumps(questionnaire_data(slug)))
    questionnaires.publish_version(version=version, actor=actor)
    questionnaire = version.questionnaire
    if initiative is not None:
        questionnaire.initiative = initiative
        questionnaire.save()
    return questionnaire


def submitted_assessment(questionnaire, organisation, *, cycle=None, level=2, not_applicable=False):
    """A submitted assessment of ``organisation`` with every question answered at ``level`` (0–3),
    written directly (as seed data is) and scored with integrity.scoring; no benchmark recompute."""
    version = questionnaire.current_version()
    cycle = cycle or services.current_cycle()
    assessment = Assessment.objects.create(
        questionnaire=questionnaire, version=version, organisation=organisation, cycle=cycle
    )
    answers = {}
    for question in version.questions.prefetch_related("options"):
        if not_applicable and question.allows_not_applicable:
            Answer.objects.create(assessment=assessment, question=question, is_not_applicable=True)
            answers[question.pk] = scoring.NOT_APPLICABLE
            continue
        option = next(option for option in question.options.all() if option.score == level)
        Answer.objects.create(assessment=assessment, question=question, option=option)
        answers[question.pk] = option.score
    result = scoring.score(services.structure(version), answers)
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = yesterday()
    assessment.score = result.overall
    assessment.country, assessment.size_class, assessment.sector = (
        organisation.country.code, organisation.size_class, organisation.sector,
    )  # fmt: skip
    assessment.save()
    SectionScore.objects.bulk_create(
        SectionScore(assessment=assessment, section_code=code, score=value) for code, value in result.sections.items()
    )
    return assessment


class PublishedInitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Collective Action Initiative {n}")
    slug = factory.Sequence(lambda n: f"collective-action-{n}")
    summary = "Companies commit together against corruption."
    mission = "Promote anti-corruption, integrity and compliance among businesses"
    leading_organisation = "Global Compact Network Mexico"
    status = Status.PUBLISHED
    published_at = factory.LazyFunction(yesterday)
    first_published_at = factory.SelfAttribute("published_at")

    @factory.post_generation
    def pledge(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            PledgeVersion.objects.create(initiative=obj, number=1, text="<p>We commit to fighting corruption.</p>")


class DraftInitiativeFactory(PublishedInitiativeFactory):
    status = Status.DRAFT
    published_at = None
    first_published_at = None
