from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from observatory.figures import breakdown_labels, dimension_names
from observatory.models import CommentReport


class CommentForm(forms.Form):
    """Plain text only: what is typed is stored as text and always shown escaped."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.OBSERVATORY_COMMENT_MAX_LENGTH  # read per form, so it can be changed without a restart
        self.fields["text"] = forms.CharField(
            label=_("Your comment"),
            max_length=limit,
            widget=forms.Textarea(attrs={"rows": 6}),
            help_text=_(
                "Plain text, at most %(max)s characters. Comments are published after a moderator has read them."
            )
            % {"max": limit},
        )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why should a moderator look at it?"), choices=CommentReport.Reason.choices)


class DataSelectionForm(forms.Form):
    """The indicator page's choices (countries, breakdown, years, chart), a plain GET form.

    Never bound: the page parses the query itself (observatory.figures.Figure, which corrects
    wrong values with a message) and shows the result as this form's initial values.
    """

    def __init__(self, figure, *, members):
        super().__init__(
            initial={
                "country": figure.countries, "from": figure.first_year, "to": figure.last_year,
                "chart": figure.chart_type, **figure.breakdown,
            }
        )  # fmt: skip
        summary = figure.summary
        names = figure.country_names
        countries = sorted(summary.countries, key=lambda code: (code not in members, names.get(code, code)))
        self.fields["country"] = forms.MultipleChoiceField(
            label=_("Countries"),
            choices=[(code, names.get(code, code)) for code in countries],
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
        labels = breakdown_labels()
        for dimension, label in dimension_names().items():
            codes = summary.breakdowns.get(dimension) or []
            if len(codes) > 1:
                self.fields[dimension] = forms.ChoiceField(
                    label=label, choices=[(code, labels[dimension].get(code, code)) for code in codes]
                )
        years = [(year, str(year)) for year in range(summary.first_period.year, summary.last_period.year + 1)]
        self.fields["from"] = forms.ChoiceField(label=_("From"), choices=years)
        self.fields["to"] = forms.ChoiceField(label=_("To"), choices=years)
        self.fields["chart"] = forms.ChoiceField(
            label=_("Chart"),
            choices=[("line", _("Lines over time")), ("bar", _("Bars across countries (latest period shown)"))],
            widget=forms.RadioSelect,
        )

    def selects(self):
        """The drop-down fields, in the order of the form (the breakdowns the indicator has, then the years)."""
        return [self[name] for name in ("sex", "age", "education", "from", "to") if name in self.fields]
