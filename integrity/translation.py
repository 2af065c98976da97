"""Which fields of initiatives, pledges and questionnaires exist in both languages (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from integrity.models import (
    Initiative,
    InitiativePartner,
    InitiativeSource,
    Option,
    PledgeVersion,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Section,
)


@register(Initiative)
class InitiativeTranslation(TranslationOptions):
    fields = ("name", "summary", "mission", "goals", "leading_organisation", "activities")


@register(InitiativePartner)
class InitiativePartnerTranslation(TranslationOptions):
    fields = ("name",)


@register(InitiativeSource)
class InitiativeSourceTranslation(TranslationOptions):
    fields = ("title",)


@register(PledgeVersion)
class PledgeVersionTranslation(TranslationOptions):
    fields = ("text",)


@register(Questionnaire)
class QuestionnaireTranslation(TranslationOptions):
    fields = ("title",)


@register(QuestionnaireVersion)
class QuestionnaireVersionTranslation(TranslationOptions):
    fields = ("title", "introduction")


@register(Section)
class SectionTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("text", "guidance")


@register(Option)
class OptionTranslation(TranslationOptions):
    fields = ("label",)
