"""Forms of the event pages (the admin's are in events/admin.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import SurveyQuestion

RATINGS = [(str(value), str(value)) for value in range(1, 6)]


class SurveyForm(forms.Form):
    """The event's survey questions, a field each (``q<id>``); the rules are the service's
    (events.services.survey.answer_survey), which this form only shapes the input for."""

    def __init__(self, *args, questions: list[SurveyQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            if question.kind == SurveyQuestion.Kind.RATING:
                field = forms.ChoiceField(
                    label=question.text,
                    choices=RATINGS,
                    widget=forms.RadioSelect,
                    required=question.is_required,
                    help_text=_("1 = poor, 5 = excellent"),
                )
            else:
                field = forms.CharField(
                    label=question.text,
                    required=question.is_required,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 4}),
                )
            self.fields[f"q{question.pk}"] = field

    def answers(self) -> dict[int, object]:
        return {question.pk: self.cleaned_data.get(f"q{question.pk}") for question in self.questions}
