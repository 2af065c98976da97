"""Which fields of observatories and publications exist in both languages (django-modeltranslation).

Slugs, acronyms and people's names are not translated. A publication's ``language`` still
says which language the document itself is written in; its display text (title, abstract…)
is what exists in English and Spanish.
"""

from modeltranslation.translator import TranslationOptions, register

from observatory.models import (
    Collaborator,
    Dataset,
    FocusArea,
    Indicator,
    Observatory,
    Partner,
    Publication,
    PublicationFile,
)


@register(Observatory)
class ObservatoryTranslation(TranslationOptions):
    fields = ("name", "summary", "mission", "objectives", "funding")


@register(Partner)
class PartnerTranslation(TranslationOptions):
    fields = ("name", "location", "role")


@register(FocusArea)
class FocusAreaTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Publication)
class PublicationTranslation(TranslationOptions):
    fields = ("title", "abstract", "body", "citation", "cover_alt")


@register(Collaborator)
class CollaboratorTranslation(TranslationOptions):
    fields = ("affiliation",)


@register(PublicationFile)
class PublicationFileTranslation(TranslationOptions):
    fields = ("title",)


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name", "definition", "unit", "methodology", "source", "licence")


@register(Dataset)
class DatasetTranslation(TranslationOptions):
    fields = ("title", "notes")
