"""Which fields of the portal's content exist in both languages (django-modeltranslation).

Slugs and codes are not translated: addresses stay the same in English and Spanish.
"""

from modeltranslation.translator import TranslationOptions, register

from portal.models import Body, Country, KeyFigure, News, NewsLink, Topic


@register(Country)
class CountryTranslation(TranslationOptions):
    fields = ("name",)


@register(Body)
class BodyTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Topic)
class TopicTranslation(TranslationOptions):
    fields = ("name", "description")


@register(News)
class NewsTranslation(TranslationOptions):
    fields = ("title", "lead", "body", "cover_alt")


@register(NewsLink)
class NewsLinkTranslation(TranslationOptions):
    fields = ("label",)


@register(KeyFigure)
class KeyFigureTranslation(TranslationOptions):
    fields = ("value", "label", "source", "as_of")
