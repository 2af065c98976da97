from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from accounts.models import Profile
from consultations import exports, services
from consultations.models import Comment, CommentReport, Consultation, Paragraph
from portal import services as workflow
from portal.admin import ModeratedCommentAdmin, ModeratedCommentReportInline, PublishableAdmin, QueueFilter


class ConsultationAdminForm(forms.ModelForm):
    eligible_sectors = forms.MultipleChoiceField(
        label=_("Sectors that may take part"),
        choices=Profile.Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every sector."),
    )

    class Meta:
        model = Consultation
        fields = (
            "title_en", "title_es", "slug", "summary_en", "summary_es", "question_en", "question_es",
            "publication", "document_en", "document_es", "opens_at", "closes_at", "eligible_sectors",
            "eligible_countries", "observatory", "bodies", "topics", "countries",
            "response_en", "response_es", "final_document_en", "final_document_es",
        )  # fmt: skip
        # Checkboxes rather than the filter_horizontal widget, whose markup fails axe (aria-label on a span).
        widgets = {
            "eligible_countries": forms.CheckboxSelectMultiple,
            "bodies": forms.CheckboxSelectMultiple,
            "topics": forms.CheckboxSelectMultiple,
            "countries": forms.CheckboxSelectMultiple,
        }


class ParagraphResponses(BaseInlineFormSet):
    """Saves only the responses. The rest of each row belongs to the draft: saving the consultation
    (just before its inlines) split it again, and a full save of the rows as they were read when the
    page was built would undo that."""

    def save_existing(self, form, obj, commit=True):
        if commit:
            fields = [name for name in form.cleaned_data if name.startswith("response")]
            Paragraph.objects.filter(pk=obj.pk).update(**{name: form.cleaned_data[name] for name in fields})
        return obj


class ParagraphResponseForm(forms.ModelForm):
    class Meta:
        model = Paragraph
        fields = ("response",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A tabular inline gives its fields no <label>: each says what it answers.
        number = self.instance.number if self.instance.pk else None
        for code, language in settings.LANGUAGES:
            field = self.fields.get(f"response_{code}")
            if field is not None:
                field.widget.attrs.update(
                    rows=3,
                    **{
                        "aria-label": gettext("Response to paragraph %(number)s (%(language)s)")
                        % {"number": number or "—", "language": language}
                    },
                )


class ParagraphInline(TranslationTabularInline):
    """The paragraphs as the draft's last save split them; editors answer them one by one here."""

    model = Paragraph
    form = ParagraphResponseForm
    formset = ParagraphResponses
    extra = 0
    can_delete = False
    fields = ("number", "excerpt", "changed_at", "is_removed", "response")
    readonly_fields = ("number", "excerpt", "changed_at", "is_removed")
    verbose_name_plural = _("paragraphs and their responses")

    @admin.display(description=_("text"))
    def excerpt(self, obj):
        text = obj.plain_text
        return text if len(text) <= 160 else text[:160] + "…"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(kind=Paragraph.Kind.HEADING)


@admin.register(Consultation)
class ConsultationAdmin(PublishableAdmin, TranslationAdmin):
    """A consultation under the editorial workflow. The draft is split into paragraphs on save
    (the model's rule); the response is published, after closing, with its own button."""

    form = ConsultationAdminForm
    change_form_template = "consultations/admin/consultation_change_form.html"
    list_display = ("title", "opens_at", "closes_at", "phase_label")
    list_filter = (QueueFilter, "status", "observatory", "topics")
    search_fields = ("title_en", "title_es", "summary_en", "summary_es", "slug")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [ParagraphInline]
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "question")}),
        (_("The draft"), {"fields": ("publication", "document")}),
        (_("When and who"), {"fields": ("opens_at", "closes_at", "eligible_sectors", "eligible_countries")}),
        (_("What it is about"), {"fields": ("observatory", "bodies", "topics", "countries")}),
        (_("The response"), {"fields": ("response", "final_document", "response_published_at")}),
        (_("Workflow"), {"fields": ("status", "published_at", "author", "created_at", "updated_at")}),
    )
    workflow_readonly_fields = (*PublishableAdmin.workflow_readonly_fields, "response_published_at")

    @admin.display(description=_("phase"))
    def phase_label(self, obj):
        return Consultation.Phase(obj.phase).label

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            info = "admin:consultations_consultation"
            context["consultation_tools"] = {
                "export_url": reverse(f"{info}_export", args=[obj.pk]),
                "respond_url": reverse(f"{info}_respond", args=[obj.pk])
                if workflow.is_editor(request.user, Consultation) and obj.is_closed and not obj.has_response
                else "",
                "retake_url": reverse(f"{info}_retake", args=[obj.pk]) if obj.publication_id else "",
                "close_url": reverse(f"{info}_close", args=[obj.pk])
                if workflow.is_editor(request.user, Consultation) and obj.is_open
                else "",
                "comments_url": reverse("admin:consultations_comment_changelist")
                + f"?consultation__id__exact={obj.pk}",
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/export/",
                self.admin_site.admin_view(self.export_view),
                name="consultations_consultation_export",
            ),
            path(
                "<path:object_id>/respond/",
                self.admin_site.admin_view(self.respond_view),
                name="consultations_consultation_respond",
            ),
            path(
                "<path:object_id>/close/",
                self.admin_site.admin_view(self.close_view),
                name="consultations_consultation_close",
            ),
            path(
                "<path:object_id>/retake/",
                self.admin_site.admin_view(self.retake_view),
                name="consultations_consultation_retake",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request, object_id):
        """Every comment, whatever its status, as XLSX: for editors (those who see the comments)."""
        consultation = self._get_item(request, object_id)
        if not request.user.has_perm("consultations.view_comment"):
            raise PermissionDenied
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(exports.comments_xlsx(consultation), content_type=exports.XLSX)
        response["Content-Disposition"] = f'attachment; filename="{slugify(consultation.slug)}-comments-{stamp}.xlsx"'
        return response

    def _confirm(self, request, consultation, *, title, text, button):
        return TemplateResponse(
            request,
            "consultations/admin/confirm.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": consultation,
                "title": title,
                "text": text,
                "action_label": button,
                "change_url": reverse("admin:consultations_consultation_change", args=[consultation.pk]),
            },
        )

    def respond_view(self, request, object_id):
        consultation = self._get_item(request, object_id)
        change_url = reverse("admin:consultations_consultation_change", args=[consultation.pk])
        if request.method == "POST":
            try:
                services.publish_response(consultation=consultation, actor=request.user)
            except services.InputError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("The response is published; everyone who took part is being told by email."),
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(change_url)
        return self._confirm(
            request,
            consultation,
            title=gettext("Publish the response"),
            text=gettext(
                "The response, the responses per paragraph and the final document become public on the "
                "consultation's page, and everyone who took part is emailed once, in their language. Save the "
                "consultation first if you have just edited them."
            ),
            button=gettext("Publish the response"),
        )

    def close_view(self, request, object_id):
        consultation = self._get_item(request, object_id)
        change_url = reverse("admin:consultations_consultation_change", args=[consultation.pk])
        if request.method == "POST":
            try:
                services.close_now(consultation=consultation, actor=request.user)
            except services.InputError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request, gettext("The consultation is closed: it takes no more comments."), messages.SUCCESS
                )
            return HttpResponseRedirect(change_url)
        return self._confirm(
            request,
            consultation,
            title=gettext("Close the consultation now"),
            text=gettext(
                "The closing time becomes now: the consultation takes no more comments. Then write the response "
                "and publish it."
            ),
            button=gettext("Close it now"),
        )

    def retake_view(self, request, object_id):
        consultation = self._get_item(request, object_id)
        change_url = reverse("admin:consultations_consultation_change", args=[consultation.pk])
        if request.method == "POST":
            try:
                services.retake_publication_text(consultation=consultation, actor=request.user)
            except services.InputError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("The draft is the publication's text again; comments stay with their paragraphs."),
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(change_url)
        return self._confirm(
            request,
            consultation,
            title=gettext("Take the text again from the publication"),
            text=gettext(
                "The draft is replaced by the publication's current text, in both languages. Paragraphs that "
                "stay the same, or change a little, keep their comments; those that go are kept as removed while "
                "they have comments."
            ),
            button=gettext("Take the text again"),
        )


class CommentReportInline(ModeratedCommentReportInline):
    model = CommentReport


@admin.register(Comment)
class CommentAdmin(ModeratedCommentAdmin):
    """The moderation queue of comments on consultations (portal.admin.ModeratedCommentAdmin)."""

    list_display = (
        "excerpt", "consultation", "paragraph", "author_name", "author_sector", "status", "report_count", "created_at",
    )  # fmt: skip
    list_filter = ("status", "consultation", "author_sector")
    list_select_related = ("consultation", "paragraph")
    search_fields = ("text", "author_name", "author_organisation", "consultation__title")
    inlines = [CommentReportInline]
    fields = ("consultation", "paragraph", *ModeratedCommentAdmin.fields)
    readonly_fields = fields
    approve_service = staticmethod(services.approve_comment)
    reject_service = staticmethod(services.reject_comment)
