from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.middleware.csp import get_nonce
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.admin import ImportExportModelAdmin
from js_asset import Media as NonceMedia
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline
from modeltranslation.translator import NotRegistered, translator
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin

from portal import moderation, services, uploads
from portal.models import (
    Body,
    Country,
    KeyFigure,
    News,
    NewsLink,
    OutboundEmail,
    Topic,
    WorkerHeartbeat,
    WorkflowEvent,
)
from portal.revisions import rich_text_diff
from portal.richtext import RichTextField

Action = WorkflowEvent.Action

# --- Taxonomy -----------------------------------------------------------------------------


class CountryResource(resources.ModelResource):
    class Meta:
        model = Country
        import_id_fields = ("code",)
        fields = ("code", "name", "status", "time_zone")
        clean_model_instances = True
        skip_unchanged = True


class BodyResource(resources.ModelResource):
    class Meta:
        model = Body
        import_id_fields = ("slug",)
        fields = ("slug", "name", "kind", "description")
        clean_model_instances = True
        skip_unchanged = True


class TopicResource(resources.ModelResource):
    class Meta:
        model = Topic
        import_id_fields = ("slug",)
        fields = ("slug", "name", "description")
        clean_model_instances = True
        skip_unchanged = True


@admin.register(Country)
class CountryAdmin(TranslationAdmin, ImportExportModelAdmin):
    resource_classes = [CountryResource]
    list_display = ("name", "code", "status", "time_zone")
    list_filter = ("status",)
    search_fields = ("name", "code")


@admin.register(KeyFigure)
class KeyFigureAdmin(TranslationAdmin):
    """The figures beside the home's map; each names the document it is taken from."""

    list_display = ("value", "label", "source", "order", "is_shown")
    list_editable = ("order", "is_shown")
    list_filter = ("is_shown",)
    search_fields = ("value", "label", "source")
    autocomplete_fields = ("source_news",)


@admin.register(Body)
class BodyAdmin(TranslationAdmin, ImportExportModelAdmin):
    resource_classes = [BodyResource]
    list_display = ("name", "kind")
    list_filter = ("kind",)
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Topic)
class TopicAdmin(TranslationAdmin, ImportExportModelAdmin):
    resource_classes = [TopicResource]
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


# --- The editorial workflow, shared by every publishable type -------------------------------


class QueueFilter(admin.SimpleListFilter):
    """The editor's and the author's work queues."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("review", _("Awaiting review")),
            ("mine", _("My drafts")),
            ("scheduled", _("Scheduled")),
            ("live", _("Live on the site")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "review":
                return queryset.awaiting_review()
            case "mine":
                return queryset.drafts_of(request.user)
            case "scheduled":
                return queryset.scheduled()
            case "live":
                return queryset.published()
        return queryset


class WorkflowEventInline(GenericTabularInline):
    """The audit trail: every move with who, when and why. Read-only."""

    model = WorkflowEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "actor", "comment")
    readonly_fields = fields
    verbose_name = _("workflow event")
    verbose_name_plural = _("workflow history")
    ordering = ("-created_at", "-pk")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Whoever may open the item in the admin may read its audit trail.
        return True


class TransitionForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))
    publish_at = forms.DateTimeField(
        label=_("Publication time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    def __init__(self, *args, action, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        if action == Action.REQUEST_CHANGES:
            self.fields["comment"].required = True
            self.fields["comment"].help_text = _("Tell the author what to change.")
        if action == Action.PUBLISH:
            self.fields["publish_at"].help_text = _(
                "Leave empty to publish now. A future time schedules the item: it goes live by itself then. "
                "Times are in %(zone)s."
            ) % {"zone": timezone.get_current_timezone_name()}
        else:
            del self.fields["publish_at"]


ACTION_BUTTONS = {
    Action.SUBMIT: _("Submit for review"),
    Action.REQUEST_CHANGES: _("Request changes"),
    Action.PUBLISH: _("Publish or schedule"),
    Action.UNPUBLISH: _("Unpublish"),
    Action.ARCHIVE: _("Archive"),
    Action.REOPEN: _("Reopen as draft"),
}


class PublishableAdmin(CompareVersionAdmin):
    """Admin for any type under the editorial workflow (news, events, publications, initiatives).

    Status and publication time are read-only: they change only through the workflow
    buttons, which call portal.services. Revisions come from django-reversion, with
    diffs from django-reversion-compare; restoring one also goes through a service.
    """

    change_form_template = "admin/portal/publishable_change_form.html"
    change_list_template = "admin/change_list.html"
    compare_template = "admin/portal/compare.html"
    workflow_readonly_fields = ("status", "published_at", "author", "created_at", "updated_at")
    list_filter = (QueueFilter, "status")
    date_hierarchy = "published_at"
    history_latest_first = True

    def get_list_display(self, request):
        return (*self.list_display, "workflow_state", "published_at", "author", "updated_at")

    @property
    def compare_exclude(self):
        """In a revision diff, a translated field once per language ("Text [en]", "Text [es]"), not
        also as its untranslated original; and never the search index."""
        try:
            translated = tuple(translator.get_options_for_model(self.model).fields)
        except NotRegistered:
            translated = ()
        return (*translated, "search_document")

    def compare_TextField(self, obj_compare):
        """Rich text compared as the text an editor reads (portal.revisions), not as raw HTML."""
        if isinstance(obj_compare.field, RichTextField):
            return rich_text_diff(obj_compare.value1 or "", obj_compare.value2 or "")
        return self.fallback_compare(obj_compare)

    @admin.display(description=_("status"), ordering="status")
    def workflow_state(self, obj):
        return format_html('<span class="workflow-badge workflow-{}">{}</span>', obj.status, obj.workflow_label)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.workflow_readonly_fields]

    def get_prepopulated_fields(self, request, obj=None):
        # Once public the address is frozen (Publishable.clean refuses a change with a message):
        # the title no longer rewrites it as one types.
        if obj is not None and obj.first_published_at is not None:
            return {}
        return super().get_prepopulated_fields(request, obj)

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        return [*inlines, WorkflowEventInline] if obj is not None else inlines

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request, obj)
        return services.can_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or services.is_editor(request.user, type(obj)) or services.can_edit(request.user, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The rich-text editor needs an inline import map; give every asset the CSP nonce.
        context["media"] = NonceMedia.from_media(context["media"], nonce=get_nonce(request))
        if obj is not None:
            context["workflow_actions"] = [
                (action, ACTION_BUTTONS[action], reverse(self._url_name("workflow"), args=[obj.pk, action]))
                for action in services.available_actions(request.user, obj)
            ]
            context["workflow_item"] = obj
        return super().render_change_form(request, context, add, change, form_url, obj)

    # -- Workflow views ---------------------------------------------------------------------

    def _url_name(self, suffix):
        opts = self.model._meta
        return f"admin:{opts.app_label}_{opts.model_name}_{suffix}"

    def get_urls(self):
        opts = self.model._meta
        info = f"{opts.app_label}_{opts.model_name}"
        return [
            path(
                "<path:object_id>/workflow/<str:action>/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{info}_workflow",
            ),
            path(
                "<path:object_id>/restore/<int:version_id>/",
                self.admin_site.admin_view(self.restore_view),
                name=f"{info}_restore",
            ),
            *super().get_urls(),
        ]

    def _get_item(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(gettext("This item does not exist."))
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def transition_view(self, request, object_id, action):
        obj = self._get_item(request, object_id)
        if action not in services.MOVES:
            raise Http404(gettext("Unknown workflow action."))
        form = TransitionForm(request.POST or None, action=action)
        if request.method == "POST" and form.is_valid():
            comment = form.cleaned_data["comment"]
            try:
                match action:
                    case Action.SUBMIT:
                        services.submit_for_review(item=obj, actor=request.user, comment=comment)
                    case Action.REQUEST_CHANGES:
                        services.request_changes(item=obj, actor=request.user, comment=comment)
                    case Action.PUBLISH:
                        services.publish(
                            item=obj, actor=request.user, at=form.cleaned_data.get("publish_at"), comment=comment
                        )
                    case Action.UNPUBLISH:
                        services.unpublish(item=obj, actor=request.user, comment=comment)
                    case Action.ARCHIVE:
                        services.archive(item=obj, actor=request.user, comment=comment)
                    case Action.REOPEN:
                        services.reopen(item=obj, actor=request.user, comment=comment)
            except services.WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                obj.refresh_from_db()
                if obj.is_scheduled:
                    text = gettext("“%(item)s” is scheduled: it goes live on %(when)s.") % {
                        "item": obj,
                        "when": timezone.localtime(obj.published_at).strftime("%Y-%m-%d %H:%M %Z"),
                    }
                else:
                    text = gettext("“%(item)s” is now %(status)s.") % {
                        "item": obj,
                        "status": obj.get_status_display().lower(),
                    }
                self.message_user(request, text, messages.SUCCESS)
                return HttpResponseRedirect(reverse(self._url_name("change"), args=[obj.pk]))
        elif request.method == "GET" and not services.can_move(request.user, obj, action):
            self.message_user(
                request,
                gettext("This move is not available to you for an item that is %(status)s.")
                % {"status": obj.get_status_display().lower()},
                messages.WARNING,
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": ACTION_BUTTONS[action],
            "form": form,
            "action_label": ACTION_BUTTONS[action],
            "change_url": reverse(self._url_name("change"), args=[obj.pk]),
        }
        return TemplateResponse(request, "admin/portal/workflow_transition.html", context)

    def restore_view(self, request, object_id, version_id):
        obj = self._get_item(request, object_id)
        version = Version.objects.get_for_object(obj).filter(pk=version_id).select_related("revision").first()
        if version is None:
            raise Http404(gettext("This revision does not exist."))
        if not services.can_edit(request.user, obj):
            raise PermissionDenied
        if request.method == "POST":
            try:
                services.restore_revision(item=obj, version=version, actor=request.user)
            except services.WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("The revision of %(date)s has been restored.")
                    % {"date": timezone.localtime(version.revision.date_created).strftime("%Y-%m-%d %H:%M")},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(reverse(self._url_name("change"), args=[obj.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": gettext("Restore an earlier revision"),
            "version": version,
            "fields": sorted(
                (name, value) for name, value in version.field_dict.items() if name not in self.model.WORKFLOW_FIELDS
            ),
            "change_url": reverse(self._url_name("change"), args=[obj.pk]),
            "history_url": reverse(self._url_name("history"), args=[obj.pk]),
        }
        return TemplateResponse(request, "admin/portal/restore_revision.html", context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # django-reversion's own revert would also put back the old status; go through the service.
        return HttpResponseRedirect(reverse(self._url_name("restore"), args=[object_id, version_id]))

    def recover_view(self, request, version_id, extra_context=None):
        raise PermissionDenied

    def recoverlist_view(self, request, extra_context=None):
        raise PermissionDenied


# --- News ---------------------------------------------------------------------------------


class NewsLinkInline(TranslationStackedInline):
    model = NewsLink
    extra = 1
    fields = ("label", "url", "position")


class TranslatedFieldErrorsMixin:
    """For a form with translated fields side by side (``city_en``, ``city_es``): an error the
    model's ``clean`` raises on the field's own name (``city``) goes to its field in the site's
    language, then in the others', instead of failing the request (Django refuses an error for a
    field the form does not have)."""

    def add_error(self, field, error):
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            moved = {}
            for name, errors in error.error_dict.items():
                moved.setdefault(self._translated_field(name), []).extend(errors)
            error = ValidationError(moved)
        elif field is not None:
            field = self._translated_field(field)
        super().add_error(field, error)

    def _translated_field(self, name: str) -> str:
        if name == NON_FIELD_ERRORS or name in self.fields:
            return name
        languages = [settings.LANGUAGE_CODE, *(code for code, _name in settings.LANGUAGES)]
        return next((f"{name}_{code}" for code in languages if f"{name}_{code}" in self.fields), NON_FIELD_ERRORS)


class CoverImageFormMixin:
    """For the form of every type with a cover image (portal.models.CoverImage): the upload is
    checked by content (portal.uploads), and the file input gets the label the admin gives it none of."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "cover_image" in self.fields:  # absent when the form is read-only for this user
            self.fields["cover_image"].widget.attrs["aria-label"] = gettext("Cover image")

    def clean_cover_image(self):
        return uploads.validate_image(self.cleaned_data.get("cover_image"), max_bytes=settings.IMAGE_UPLOAD_MAX_BYTES)


class NewsAdminForm(CoverImageFormMixin, forms.ModelForm):
    class Meta:
        model = News
        fields = (
            "title_en", "title_es", "slug", "lead_en", "lead_es", "body_en", "body_es",
            "cover_image", "cover_alt_en", "cover_alt_es", "cover_focus", "cover_is_illustration",
            "countries", "bodies", "topics",
        )  # fmt: skip
        # Checkboxes rather than the filter_horizontal widget, whose markup fails axe (aria-label on a span).
        widgets = {
            "countries": forms.CheckboxSelectMultiple,
            "bodies": forms.CheckboxSelectMultiple,
            "topics": forms.CheckboxSelectMultiple,
        }


@admin.register(News)
class NewsAdmin(PublishableAdmin, TranslationAdmin):
    """English and Spanish side by side: each translated field appears once per language."""

    form = NewsAdminForm
    list_display = ("title",)
    list_filter = (QueueFilter, "status", "countries", "bodies", "topics", "published_at")
    search_fields = ("title", "lead", "slug")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [NewsLinkInline]
    fieldsets = (
        (None, {"fields": ("title", "slug", "lead", "body")}),
        (_("Cover image"), {"fields": ("cover_image", "cover_alt", "cover_focus", "cover_is_illustration")}),
        (_("Classification"), {"fields": ("countries", "bodies", "topics")}),
        (_("Workflow"), {"fields": ("status", "published_at", "author", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


admin.site.site_header = _("Pacific Alliance portal")
admin.site.site_title = _("Pacific Alliance portal")
admin.site.index_title = _("Editorial administration")
# Django's collapsible navigation sidebar opens by script after the page is drawn, moving the
# whole form sideways (a layout shift of 0.19 on every change form); the breadcrumbs and the
# index lead everywhere it does.
admin.site.enable_nav_sidebar = False


# --- Outgoing email and workers (superusers only: they hold personal data) --------------------


class SuperusersOnlyMixin:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(SuperusersOnlyMixin, admin.ModelAdmin):
    """What the outbox holds (portal.outbox): waiting, sent, failed; failed ones can be sent again."""

    list_display = ("subject", "recipient_list", "kind", "state", "attempts", "created_at", "sent_at")
    list_filter = ("state", "kind")
    search_fields = ("subject", "kind", "topic")
    date_hierarchy = "created_at"
    readonly_fields = ("kind", "topic", "state", "recipients", "subject", "language", "created_at",
                       "next_attempt_at", "attempts", "last_error", "sent_at")  # fmt: skip
    fields = readonly_fields
    actions = ["send_again"]

    @admin.display(description=_("to"))
    def recipient_list(self, obj):
        return ", ".join(obj.recipients)

    @admin.action(description=_("Send the selected failed emails again"))
    def send_again(self, request, queryset):
        count = queryset.filter(state=OutboundEmail.State.FAILED).update(
            state=OutboundEmail.State.QUEUED, next_attempt_at=timezone.now(), claimed_until=None
        )
        self.message_user(
            request, gettext("%(count)d email(s) will be sent again by the workers.") % {"count": count}, messages.INFO
        )


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(SuperusersOnlyMixin, admin.ModelAdmin):
    list_display = ("worker_id", "host", "pid", "started_at", "seen_at")


# --- Moderated comments, shared by every kind (portal.moderation) ----------------------------


class ModeratedCommentReportInline(admin.TabularInline):
    """The reports of one comment (the subclass names the report model). Read-only."""

    extra = 0
    can_delete = False
    fields = ("created_at", "reason", "is_reviewed")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("The author receives it by email."),
    )


class ModeratedCommentAdmin(admin.ModelAdmin):
    """A moderation queue. Comments are the participants' words: moderators decide, never edit.

    A subclass names its model's services: ``approve_service(comment=, moderator=)`` and
    ``reject_service(comment=, moderator=, reason=)`` (each app's services add its own rules to
    portal.moderation's); every decision, one by one or in bulk, goes through them.
    """

    list_filter = ("status", "author_sector")
    date_hierarchy = "created_at"
    actions = ["approve_selected", "reject_selected"]
    change_form_template = "admin/portal/comment_change_form.html"
    fields = (
        "text", "status", "author_name", "author_organisation", "author_sector", "author_country",
        "created_at", "moderated_at", "moderated_by", "rejection_reason", "report_count",
    )  # fmt: skip
    readonly_fields = fields
    approve_service = None
    reject_service = None

    @admin.display(description=_("comment"))
    def excerpt(self, obj):
        return obj.text if len(obj.text) <= 90 else obj.text[:90] + "…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_moderate_permission(self, request):
        return moderation.can_moderate(request.user, self.model)

    def _moderate_url_name(self):
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_moderate"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_moderate_permission(request):
            context["moderation_actions"] = [
                (decision, label, reverse(f"admin:{self._moderate_url_name()}", args=[obj.pk, decision]))
                for decision, label in (("approve", _("Approve")), ("reject", _("Reject")))
                if obj.status in moderation.MOVES[decision][0]
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/moderate/<str:decision>/",
                self.admin_site.admin_view(self.moderate_view),
                name=self._moderate_url_name(),
            ),
            *super().get_urls(),
        ]

    def _decide(self, request, comment, decision, reason=""):
        if decision == "approve":
            self.approve_service(comment=comment, moderator=request.user)
        else:
            self.reject_service(comment=comment, moderator=request.user, reason=reason)

    def moderate_view(self, request, object_id, decision):
        if decision not in moderation.MOVES:
            raise Http404(gettext("Unknown decision."))
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        comment = self.get_object(request, unquote(object_id))
        if comment is None:
            raise Http404(gettext("This comment does not exist."))
        data = request.POST if request.method == "POST" else None
        form = RejectionForm(data) if decision == "reject" else forms.Form(data)
        opts = self.model._meta
        if request.method == "POST" and form.is_valid():
            try:
                self._decide(request, comment, decision, form.cleaned_data.get("reason", ""))
            except moderation.InputError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("The comment is approved and shown on the site; its author has been told.")
                    if decision == "approve"
                    else gettext("The comment is rejected; its author has been told why."),
                    messages.SUCCESS,
                )
                changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                return HttpResponseRedirect(changelist + "?status__exact=pending")
        label = gettext("Approve the comment") if decision == "approve" else gettext("Reject the comment")
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "original": comment,
            "title": label,
            "action_label": label,
            "form": form,
            "change_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[comment.pk]),
        }
        return TemplateResponse(request, "admin/portal/comment_moderate.html", context)

    @admin.action(description=_("Approve the selected comments"), permissions=["moderate"])
    def approve_selected(self, request, queryset):
        done, refused = 0, 0
        for comment in queryset:
            try:
                self._decide(request, comment, "approve")
                done += 1
            except moderation.InputError:
                refused += 1
        self._report(request, done, refused)

    @admin.action(description=_("Reject the selected comments…"), permissions=["moderate"])
    def reject_selected(self, request, queryset):
        form = RejectionForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done, refused = 0, 0
            for comment in queryset:
                try:
                    self._decide(request, comment, "reject", form.cleaned_data["reason"])
                    done += 1
                except moderation.InputError:
                    refused += 1
            self._report(request, done, refused)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Reject the selected comments"),
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/portal/comment_reject_selected.html", context)

    def _report(self, request, done, refused):
        if done:
            self.message_user(
                request,
                ngettext("%(count)d comment decided; its author has been told.",
                         "%(count)d comments decided; their authors have been told.", done) % {"count": done},
                messages.SUCCESS,
            )  # fmt: skip
        if refused:
            self.message_user(
                request,
                ngettext("%(count)d comment was left as it was: that decision is not open for it.",
                         "%(count)d comments were left as they were: that decision is not open for them.", refused)
                % {"count": refused},
                messages.WARNING,
            )  # fmt: skip
