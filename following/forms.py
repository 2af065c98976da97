from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from following import registry
from following.models import Subscriber


class PreferencesForm(forms.Form):
    """ "What I follow": how often, everything or a choice, and the choice, one field per followable kind."""

    frequency = forms.ChoiceField(
        label=_("Send me the digest"), choices=Subscriber.Frequency.choices, widget=forms.RadioSelect
    )
    follows_everything = forms.BooleanField(
        label=_("Everything the portal publishes (the Pacific Alliance's news by email)"),
        required=False,
        help_text=_("Leave it unticked to receive only what matches what you follow below."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.followables = registry.followables()
        for followable in self.followables:
            self.fields[f"follow_{followable.key}"] = forms.ModelMultipleChoiceField(
                label=followable.label,
                queryset=followable.choices(),
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def follow_fields(self):
        return [(followable, self[f"follow_{followable.key}"]) for followable in self.followables]


class NewsletterForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"), max_length=254)
    language = forms.ChoiceField(label=_("Language of the digest"), choices=settings.LANGUAGES)
