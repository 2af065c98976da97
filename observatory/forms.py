from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

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
