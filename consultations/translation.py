"""Which fields of consultations exist in both languages (django-modeltranslation).

A paragraph's text comes from the draft of its language (consultations.paragraphs aligns the
Spanish draft with the English one); its response is written per language like the rest.
"""

from modeltranslation.translator import TranslationOptions, register

from consultations.models import Consultation, Paragraph


@register(Consultation)
class ConsultationTranslation(TranslationOptions):
    fields = ("title", "summary", "question", "document", "response", "final_document")


@register(Paragraph)
class ParagraphTranslation(TranslationOptions):
    fields = ("html", "response")
