from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from organisations.models import Membership, Sector, SizeClass

LED_BY_WOMEN_CHOICES = [("", _("Prefer not to say")), ("yes", _("Yes")), ("no", _("No"))]


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name of the organisation"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=[("", "—")])
    size_class = forms.ChoiceField(label=_("How many people does it employ?"), choices=[("", "—"), *SizeClass.choices])
    sector = forms.ChoiceField(
        label=_("Main economic activity"),
        choices=[("", "—"), *[(value, f"{value} — {label}") for value, label in Sector.choices]],
        help_text=_("The section of the International Standard Industrial Classification (ISIC Rev.4)."),
    )
    is_led_by_women = forms.ChoiceField(
        label=_("Is it led by women?"),
        choices=LED_BY_WOMEN_CHOICES,
        required=False,
        help_text=_("Majority-owned or directed by women. Optional; never shown publicly."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every ISO country, in the page's language; the bloc's four first.
        members = ["CL", "CO", "MX", "PE"]
        names = dict(countries)
        self.fields["country"].choices = [
            ("", "—"),
            (_("Pacific Alliance"), [(code, names[code]) for code in members]),
            (_("Other countries"), [(code, name) for code, name in countries if code not in members]),
        ]

    def clean_is_led_by_women(self):
        return {"yes": True, "no": False}.get(self.cleaned_data.get("is_led_by_women"))

    @staticmethod
    def initial_for(organisation) -> dict:
        return {
            "name": organisation.name,
            "country": organisation.country.code,
            "size_class": organisation.size_class,
            "sector": organisation.sector,
            "is_led_by_women": {True: "yes", False: "no"}.get(organisation.is_led_by_women, ""),
        }


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address of your colleague"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class JoinSearchForm(forms.Form):
    q = forms.CharField(label=_("Name of the organisation"), min_length=3, max_length=100, required=False)
