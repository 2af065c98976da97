"""Which fields of the accounts' content exist in both languages (django-modeltranslation).

The privacy policy: Spanish speakers must accept it to sign up, so it is written in both
languages; a version without its Spanish text is shown in English, and the page says so.
"""

from modeltranslation.translator import TranslationOptions, register

from accounts.models import PrivacyPolicy


@register(PrivacyPolicy)
class PrivacyPolicyTranslation(TranslationOptions):
    fields = ("title", "body")
