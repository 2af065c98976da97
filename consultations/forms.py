from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.moderation import ModeratedCommentReport


class CommentForm(forms.Form):
    """Plain text on one paragraph (its key) or on the whole draft (no key)."""

    paragraph = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.CONSULTATIONS_COMMENT_MAX_LENGTH
        self.fields["text"] = forms.CharField(
            label=_("Your comment"),
            max_length=limit,
            widget=forms.Textarea(attrs={"rows": 5}),
            help_text=_(
                "Plain text, at most %(max)s characters. Comments are published after a moderator has read them."
            )
            % {"max": limit},
        )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why should a moderator look at it?"), choices=ModeratedCommentReport.Reason.choices
    )
