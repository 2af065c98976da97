"""Admin of initiatives (editorial workflow), pledge texts, questionnaires and assessments.

Questionnaire versions are edited while they are drafts; once published they are read-only
(integrity.questionnaires). Assessments are read-only: their answers are shown only to staff
with ``integrity.view_assessment_answers``, and each showing is written to the audit log.
Reopening a submitted assessment asks for a reason and goes through the service.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline, TranslationTabularInline

from integrity import questionnaires, services
from integrity.models import (
    AnswerAccess,
    Assessment,
    AssessmentReopening,
    Initiative,
    InitiativePartner,
    InitiativeSource,
    Option,
    PledgeSignature,
    PledgeVersion,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Section,
)
from portal.admin import PublishableAdmin, QueueFilter

# --- Initiatives ----------------------------------------------------------------------------


class InitiativePartnerInline(TranslationTabularInline):
    model = InitiativePartner
    extra = 1
    fields = ("name", "kind", "website", "position")


class InitiativeSourceInline(TranslationTabularInline):
    model = InitiativeSource
    extra = 1
    fields = ("title", "url", "position")


class InitiativeAdminForm(forms.ModelForm):
    class Meta:
        model = Initiative
        fields = (
            "name_en", "name_es", "slug", "summary_en", "summary_es", "mission_en", "mission_es",
            "goals_en", "goals_es", "year_established", "leading_organisation_en", "leading_organisation_es",
            "contact_email", "contact_url",
            "activities_en", "activities_es", "countries", "topics", "is_from_open_sources",
        )  # fmt: skip
        widgets = {"countries": forms.CheckboxSelectMultiple, "topics": forms.CheckboxSelectMultiple}


@admin.register(Initiative)
class InitiativeAdmin(PublishableAdmin, TranslationAdmin):
    form = InitiativeAdminForm
    list_display = ("name", "year_established")
    list_filter = (QueueFilter, "status", "countries", "topics")
    search_fields = ("name", "summary", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [InitiativePartnerInline, InitiativeSourceInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "summary", "mission", "goals", "year_established")}),
        (_("Who"), {"fields": ("leading_organisation", "contact_email", "contact_url")}),
        (_("What it does"), {"fields": ("activities",)}),
        (_("Classification"), {"fields": ("countries", "topics")}),
        (_("Sources"), {"fields": ("is_from_open_sources",)}),
        (_("Workflow"), {"fields": ("status", "published_at", "author", "created_at", "updated_at")}),
    )


@admin.register(PledgeVersion)
class PledgeVersionAdmin(TranslationAdmin):
    """A new text of a pledge is a new version; a text that has been signed never changes."""

    list_display = ("initiative", "number", "created_at")
    list_filter = ("initiative",)
    fields = ("initiative", "number", "text")

    def has_change_permission(self, request, obj=None):
        if obj is not None and PledgeSignature.objects.filter(version=obj).exists():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj) and super().has_delete_permission(request, obj)


@admin.register(PledgeSignature)
class PledgeSignatureAdmin(admin.ModelAdmin):
    list_display = ("organisation", "initiative", "version", "signed_at", "withdrawn_at")
    list_filter = ("initiative", ("withdrawn_at", admin.EmptyFieldListFilter))
    list_select_related = ("organisation", "initiative", "version")
    search_fields = ("organisation__name",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Questionnaires -------------------------------------------------------------------------


class _DraftOnly:
    """Inlines and admins of a version's parts: editable only while the version is a draft."""

    def _version_of(self, obj):
        if obj is None:
            return None
        if isinstance(obj, QuestionnaireVersion):
            return obj
        if isinstance(obj, Section):
            return obj.version
        if isinstance(obj, Question):
            return obj.section.version
        return None

    def _is_draft(self, obj):
        version = self._version_of(obj)
        return version is None or version.is_editable

    def has_add_permission(self, request, obj=None):
        if not isinstance(self, admin.options.InlineModelAdmin):
            return super().has_add_permission(request)
        return self._is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._is_draft(obj) and super().has_delete_permission(request, obj)


class VersionInline(admin.TabularInline):
    model = QuestionnaireVersion
    extra = 0
    fields = ("number", "title", "status", "published_at")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Questionnaire)
class QuestionnaireAdmin(TranslationAdmin):
    list_display = ("title", "slug", "initiative")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [VersionInline]


class SectionInline(_DraftOnly, TranslationTabularInline):
    model = Section
    extra = 0
    fields = ("code", "position", "title", "weight")
    show_change_link = True


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Questionnaire file (JSON)"))


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(_DraftOnly, TranslationAdmin):
    list_display = ("questionnaire", "number", "title", "status", "published_at")
    list_filter = ("questionnaire", "status")
    fields = ("questionnaire", "number", "title", "introduction", "status", "published_at", "published_by")
    readonly_fields = ("status", "published_at", "published_by")
    inlines = [SectionInline]
    actions = ["publish_selected", "copy_selected"]
    change_list_template = "integrity/admin/version_change_list.html"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="integrity_questionnaireversion_import"),
            path(
                "<path:object_id>/export/",
                self.admin_site.admin_view(self.export_view),
                name="integrity_questionnaireversion_export",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > 2 * 1024 * 1024:
                problems = [gettext("The file is too large (at most 2 MB).")]
            else:
                try:
                    version = questionnaires.import_json(upload.read())
                except questionnaires.QuestionnaireError as error:
                    problems = error.messages
                else:
                    self.message_user(
                        request,
                        gettext("Imported as draft version %(number)s of “%(title)s”.")
                        % {"number": version.number, "title": version.questionnaire},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:integrity_questionnaireversion_change", args=[version.pk])
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import a questionnaire version"),
            "form": form,
            "problems": problems,
            "format": questionnaires.FORMAT,
        }
        return TemplateResponse(request, "integrity/admin/version_import.html", context)

    def export_view(self, request, object_id):
        version = self.get_object(request, unquote(object_id))
        if version is None or not self.has_view_or_change_permission(request, version):
            raise Http404(gettext("This version does not exist."))
        response = HttpResponse(questionnaires.export_json(version), content_type="application/json; charset=utf-8")
        filename = f"{version.questionnaire.slug}-v{version.number}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @admin.action(description=_("Publish the selected draft (the published one is retired)"))
    def publish_selected(self, request, queryset):
        for version in queryset:
            try:
                questionnaires.publish_version(version=version, actor=request.user)
            except questionnaires.QuestionnaireError as error:
                for message in error.messages:
                    self.message_user(request, f"{version}: {message}", messages.ERROR)
            else:
                self.message_user(
                    request, gettext("%(version)s is published.") % {"version": version}, messages.SUCCESS
                )

    @admin.action(description=_("Copy the selected versions into new drafts"))
    def copy_selected(self, request, queryset):
        for version in queryset:
            copy = questionnaires.copy_version(version=version)
            self.message_user(
                request,
                gettext("Draft version %(number)s made from %(version)s.")
                % {"number": copy.number, "version": version},
            )


class QuestionInline(_DraftOnly, TranslationStackedInline):
    model = Question
    extra = 0
    fields = ("code", "position", "text", "guidance", "weight", "is_required", "allows_not_applicable")
    show_change_link = True


@admin.register(Section)
class SectionAdmin(_DraftOnly, TranslationAdmin):
    list_display = ("title", "code", "version", "position", "weight")
    list_filter = ("version",)
    fields = ("version", "code", "position", "title", "description", "weight")
    inlines = [QuestionInline]


class OptionInline(_DraftOnly, TranslationTabularInline):
    model = Option
    extra = 0
    fields = ("position", "label", "score")


@admin.register(Question)
class QuestionAdmin(_DraftOnly, TranslationAdmin):
    list_display = ("code", "text", "section", "weight", "is_required", "allows_not_applicable")
    list_filter = ("version",)
    search_fields = ("code", "text")
    fields = ("section", "code", "position", "text", "guidance", "weight", "is_required", "allows_not_applicable")
    inlines = [OptionInline]


# --- Assessments ----------------------------------------------------------------------------


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Recorded with the reopening and shown to the organisation's members."),
    )


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("organisation", "cycle", "questionnaire", "status", "score", "submitted_at")
    list_filter = ("status", "cycle", "questionnaire", "country", "size_class", "sector")
    search_fields = ("organisation__name",)
    list_select_related = ("organisation", "questionnaire")
    change_form_template = "integrity/admin/assessment_change_form.html"
    fields = (
        "organisation", "questionnaire", "version", "cycle", "status", "score", "submitted_at", "submitted_by",
        "country", "size_class", "sector", "created_at", "updated_at",
    )  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/reopen/",
                self.admin_site.admin_view(self.reopen_view),
                name="integrity_assessment_reopen",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        assessment = self.get_object(request, unquote(object_id))
        extra_context = extra_context or {}
        if assessment is not None:
            may_see = request.user.has_perm("integrity.view_assessment_answers")
            extra_context["may_see_answers"] = may_see
            extra_context["may_reopen"] = (
                request.user.has_perm("integrity.reopen_assessment") and assessment.is_submitted
            )
            extra_context["reopenings"] = list(assessment.reopenings.select_related("actor"))
            if may_see:
                extra_context["answers"] = list(
                    assessment.answers.select_related("question", "option", "question__section").order_by(
                        "question__section__position", "question__position"
                    )
                )
                services.record_access(
                    assessment=assessment, viewer=request.user, action=AnswerAccess.Action.VIEWED, surface="admin"
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def reopen_view(self, request, object_id):
        if not request.user.has_perm("integrity.reopen_assessment"):
            raise PermissionDenied
        assessment = self.get_object(request, unquote(object_id))
        if assessment is None:
            raise Http404(gettext("This self-assessment does not exist."))
        form = ReopenForm(request.POST or None)
        change_url = reverse("admin:integrity_assessment_change", args=[assessment.pk])
        if request.method == "POST" and form.is_valid():
            try:
                services.reopen_assessment(
                    assessment=assessment, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except services.AssessmentError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, gettext("The self-assessment is reopened; the organisation can correct it."))
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": assessment,
            "title": gettext("Reopen the self-assessment"),
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "integrity/admin/assessment_reopen.html", context)


@admin.register(AnswerAccess)
class AnswerAccessAdmin(admin.ModelAdmin):
    """The audit log: who viewed or exported which organisation's answers. Read-only."""

    list_display = ("created_at", "organisation", "assessment", "viewer", "is_staff_access", "action", "surface")
    list_filter = ("action", "surface", "is_staff_access")
    search_fields = ("organisation__name", "viewer__email")
    list_select_related = ("organisation", "assessment", "viewer")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AssessmentReopening)
class AssessmentReopeningAdmin(AnswerAccessAdmin):
    list_display = ("created_at", "assessment", "actor", "reason")
    list_filter = ()
    search_fields = ("assessment__organisation__name", "reason")
    list_select_related = ("assessment__organisation", "actor")
