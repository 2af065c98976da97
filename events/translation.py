"""Which texts of an event exist in English and in Spanish (django-modeltranslation, as in
portal/translation.py).

Only what a visitor reads is translated. Slugs (addresses stay the same in both languages),
people's names, web addresses, times and choices (translated by the interface catalogue) are not.
"""

from modeltranslation.translator import TranslationOptions, register

from events.models import Event, EventDocument, EventPartner, FollowUp, ReminderRule, Session, Speaker, SurveyQuestion


@register(Event)
class EventTranslation(TranslationOptions):
    fields = ("title", "summary", "description", "venue", "city", "state_note", "cover_alt")


@register(EventPartner)
class EventPartnerTranslation(TranslationOptions):
    fields = ("name",)


@register(Speaker)
class SpeakerTranslation(TranslationOptions):
    fields = ("role", "organisation", "bio", "photo_alt")


@register(Session)
class SessionTranslation(TranslationOptions):
    fields = ("title", "description")


@register(EventDocument)
class EventDocumentTranslation(TranslationOptions):
    fields = ("title",)


@register(ReminderRule)
class ReminderRuleTranslation(TranslationOptions):
    fields = ("lead",)


@register(FollowUp)
class FollowUpTranslation(TranslationOptions):
    fields = ("attended_text", "absent_text")


@register(SurveyQuestion)
class SurveyQuestionTranslation(TranslationOptions):
    fields = ("text",)
