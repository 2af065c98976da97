from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from organisations.models import Sector, SizeClass

ANY_CHOICE = ("", _("Any"))


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the organisation withdrawing? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DashboardForm(forms.Form):
    """The dashboard's filters: a cycle and a group (each dimension fixed or any)."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    country = forms.CharField(label=_("Country"), required=False, max_length=2, widget=forms.Select)
    size_class = forms.ChoiceField(label=_("Size"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)

    def __init__(self, *args, cycles, choices, metrics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(cycle, str(cycle)) for cycle in cycles]
        # Every value is accepted, not only those of the shown groups: a group that is not
        # shown gets the same message as an empty one, so the list of choices reveals nothing.
        self.fields["country"].widget.choices = [ANY_CHOICE, *choices["country"]]
        self.fields["size_class"].choices = [ANY_CHOICE, *SizeClass.choices]
        self.fields["sector"].choices = [ANY_CHOICE, *[(v, f"{v} — {label}") for v, label in Sector.choices]]
        if metrics is not None:
            self.fields["metric"] = forms.ChoiceField(label=_("Score"), choices=metrics, required=False)

    def clean_country(self):
        value = (self.cleaned_data.get("country") or "").upper()
        if value and value not in dict(countries):
            raise forms.ValidationError(_("Choose a country from the list."))
        return value
