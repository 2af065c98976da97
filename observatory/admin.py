import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from events.admin import EventAdmin
from events.models import Event
from observatory import imports, services
from observatory.models import (
    Collaborator,
    Comment,
    CommentReport,
    Dataset,
    FocusArea,
    Indicator,
    Observatory,
    Partner,
    Publication,
    PublicationFile,
)
from observatory.resources import PublicationResource
from portal import services as workflow
from portal.admin import (
    CoverImageFormMixin,
    ModeratedCommentAdmin,
    ModeratedCommentReportInline,
    NewsAdmin,
    PublishableAdmin,
    QueueFilter,
)
from portal.models import News

# --- Observatories ------------------------------------------------------------------------


class PartnerInline(TranslationStackedInline):
    model = Partner
    extra = 0
    fields = ("name", "acronym", "kind", "location", "role", "website", "position")


class FocusAreaInline(TranslationStackedInline):
    model = FocusArea
    extra = 0
    fields = ("title", "description", "position")


class ObservatoryAdminForm(forms.ModelForm):
    class Meta:
        model = Observatory
        fields = (
            "name_en", "name_es", "slug", "summary_en", "summary_es", "mission_en", "mission_es",
            "objectives_en", "objectives_es", "launched_on", "body", "funding_en", "funding_es", "website",
            "topics", "news", "events", "is_public", "position",
        )  # fmt: skip
        widgets = {"topics": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _order_link_choices(self)


def _order_link_choices(form):
    """News and events to link, newest first (the select lists their titles)."""
    if "news" in form.fields:
        form.fields["news"].queryset = News.objects.order_by("-published_at", "-pk").only("title")
    if "events" in form.fields:
        form.fields["events"].queryset = Event.objects.order_by("-start", "-pk").only("title")


@admin.register(Observatory)
class ObservatoryAdmin(TranslationAdmin):
    """English and Spanish side by side: each translated field appears once per language."""

    form = ObservatoryAdminForm
    list_display = ("name", "body", "launched_on", "is_public", "position")
    list_filter = ("is_public", "body")
    search_fields = ("name_en", "name_es", "summary_en", "summary_es")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [FocusAreaInline, PartnerInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "summary", "mission", "objectives", "launched_on", "body")}),
        (_("Funding and links"), {"fields": ("funding", "website")}),
        (_("Classification, related news and events"), {"fields": ("topics", "news", "events")}),
        (_("On the site"), {"fields": ("is_public", "position")}),
    )


# --- Links from news to observatories (on the news form) ----------------------------------


class LinksLeftAloneFormSet(BaseInlineFormSet):
    """A formset that leaves the links unchanged when the posted form does not carry it.

    The news form belongs to portal; a post built without this inline (a script, an older
    page, portal's own tests) must still save the news item instead of failing on a
    missing management form. When the inline's fields are posted, it works as usual.
    """

    def _is_posted(self):
        return not self.is_bound or f"{self.prefix}-TOTAL_FORMS" in self.data

    def is_valid(self):
        return True if not self._is_posted() else super().is_valid()

    def save(self, commit=True):
        if not self._is_posted():
            self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
            return []
        return super().save(commit)


class ObservatoryLinkInline(admin.StackedInline):
    """ "Observatories" on a news or event form: the observatories whose page shows the item.

    Only those who may change observatories (editors) see it, so an author's form is unchanged.
    """

    formset = LinksLeftAloneFormSet
    extra = 0
    verbose_name = _("observatory")
    verbose_name_plural = _("observatories")

    def _may_link(self, request):
        return request.user.has_perm("observatory.change_observatory")

    def has_view_permission(self, request, obj=None):
        return self._may_link(request)

    def has_add_permission(self, request, obj=None):
        return self._may_link(request)

    def has_change_permission(self, request, obj=None):
        return self._may_link(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_link(request)


class NewsObservatoryInline(ObservatoryLinkInline):
    model = Observatory.news.through
    fk_name = "news"


class EventObservatoryInline(ObservatoryLinkInline):
    model = Observatory.events.through
    fk_name = "event"


NewsAdmin.inlines = [*NewsAdmin.inlines, NewsObservatoryInline]
EventAdmin.inlines = [*EventAdmin.inlines, EventObservatoryInline]


# --- Publications -------------------------------------------------------------------------


class UploadOnlyFileInput(forms.ClearableFileInput):
    """Publication files have no public URL: show no link, only the input (the stored file is listed beside)."""

    def is_initial(self, value):
        return False


class PublicationFileForm(forms.ModelForm):
    class Meta:
        model = PublicationFile
        fields = ("title", "file", "position")
        widgets = {"file": UploadOnlyFileInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The stored name is rebuilt from scratch, so a long original name is not an error.
        self.fields["file"].max_length = None
        if self.instance.pk:
            self.fields["file"].required = False
            self.fields["file"].help_text = _("Choose a file only to replace the stored one.")


class CollaboratorInline(TranslationStackedInline):
    model = Collaborator
    extra = 0
    fields = ("kind", "name", "affiliation", "position")


class PublicationFileInline(TranslationStackedInline):
    model = PublicationFile
    form = PublicationFileForm
    extra = 0
    fields = ("title", "file", "position", "stored_file", "file_type", "size", "download_count", "is_demo")
    readonly_fields = ("stored_file", "file_type", "size", "download_count", "is_demo")

    @admin.display(description=_("stored file"))
    def stored_file(self, obj):
        if not obj or not obj.pk or not obj.file:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.download_name)


class PublicationAdminForm(CoverImageFormMixin, forms.ModelForm):
    class Meta:
        model = Publication
        fields = (
            "title_en", "title_es", "slug", "kind", "abstract_en", "abstract_es", "body_en", "body_es",
            "observatory", "bodies", "countries", "topics", "language", "publication_date", "cover_image",
            "cover_alt_en", "cover_alt_es", "cover_focus", "cover_is_illustration", "external_url", "citation_en",
            "citation_es",
            "is_featured", "accepts_comments", "news", "events",
        )  # fmt: skip
        # Checkboxes rather than the filter_horizontal widget, whose markup fails axe (aria-label on a span).
        widgets = {
            "bodies": forms.CheckboxSelectMultiple,
            "countries": forms.CheckboxSelectMultiple,
            "topics": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _order_link_choices(self)


@admin.register(Publication)
class PublicationAdmin(ImportExportMixin, PublishableAdmin, TranslationAdmin):
    """English and Spanish side by side. TranslationAdmin comes last so that the workflow's
    read-only fields and form handling (PublishableAdmin) take precedence, as for news."""

    form = PublicationAdminForm
    resource_classes = [PublicationResource]
    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX]
    list_display = ("title", "kind", "observatory", "language", "publication_date")
    list_filter = (QueueFilter, "status", "kind", "observatory", "language", "is_featured", "countries", "topics")
    search_fields = ("title_en", "title_es", "abstract_en", "abstract_es", "slug")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [CollaboratorInline, PublicationFileInline]
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "abstract", "body")}),
        (_("Authors and origin"), {"fields": ("observatory", "bodies")}),
        (_("Classification"), {"fields": ("countries", "topics", "language", "publication_date")}),
        (_("Cover image"), {"fields": ("cover_image", "cover_alt", "cover_focus", "cover_is_illustration")}),
        (_("Links and citation"), {"fields": ("external_url", "citation")}),
        (_("Related news and events"), {"fields": ("news", "events")}),
        (_("On the site"), {"fields": ("is_featured", "accepts_comments")}),
        (_("Workflow"), {"fields": ("status", "published_at", "author", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "observatory")

    def has_import_permission(self, request):
        # An import can change published items: editors only.
        return workflow.is_editor(request.user, Publication)


# --- Stakeholder input --------------------------------------------------------------------


class CommentReportInline(ModeratedCommentReportInline):
    model = CommentReport


@admin.register(Comment)
class CommentAdmin(ModeratedCommentAdmin):
    """The moderation queue of comments on publications (portal.admin.ModeratedCommentAdmin)."""

    list_display = ("excerpt", "publication", "author_name", "author_sector", "status", "report_count", "created_at")
    list_select_related = ("publication",)
    search_fields = ("text", "author_name", "author_organisation", "publication__title")
    inlines = [CommentReportInline]
    fields = ("publication", *ModeratedCommentAdmin.fields)
    readonly_fields = fields
    approve_service = staticmethod(services.approve_comment)
    reject_service = staticmethod(services.reject_comment)


# --- Indicators and datasets ----------------------------------------------------------------


class IndicatorAdminForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = (
            "observatory", "code", "slug", "name_en", "name_es", "definition_en", "definition_es",
            "unit_en", "unit_es", "unit_symbol", "unit_code", "frequency", "decimals",
            "methodology_en", "methodology_es", "source_en", "source_es", "source_url",
            "licence_en", "licence_es", "licence_url", "topic", "higher_is_better", "publications", "news", "position",
        )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "publications" in self.fields:
            self.fields["publications"].queryset = Publication.objects.newest_first().only("title")
        if "news" in self.fields:
            self.fields["news"].queryset = News.objects.order_by("-published_at", "-pk").only("title")


@admin.register(Indicator)
class IndicatorAdmin(TranslationAdmin):
    """An indicator's description, bilingual; its numbers come in datasets (Datasets → Import)."""

    form = IndicatorAdminForm
    list_display = ("name", "code", "observatory", "frequency", "unit_code", "position")
    list_filter = ("observatory", "frequency", "topic")
    search_fields = ("code", "name_en", "name_es")
    prepopulated_fields = {"slug": ("code",)}
    fieldsets = (
        (None, {"fields": ("observatory", "code", "slug", "name", "definition")}),
        (_("Unit and presentation"),
         {"fields": ("unit", "unit_symbol", "unit_code", "frequency", "decimals", "higher_is_better")}),
        (_("Method, source and licence"),
         {"fields": ("methodology", "source", "source_url", "licence", "licence_url", "topic")}),
        (_("Studies and news that use it"), {"fields": ("publications", "news")}),
        (_("On the site"), {"fields": ("position",)}),
    )  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        # The unit code is the import's guard against a change of unit: set by the first import.
        if obj is not None and obj.unit_code:
            return ("unit_code",)
        return ()


class IndicatorLinkInline(ObservatoryLinkInline):
    """ "Indicators" on a publication or news form: the indicators it draws on (both pages link)."""

    verbose_name = _("indicator it draws on")
    verbose_name_plural = _("indicators it draws on")

    def _may_link(self, request):
        return request.user.has_perm("observatory.change_indicator")


class PublicationIndicatorInline(IndicatorLinkInline):
    model = Indicator.publications.through
    fk_name = "publication"


class NewsIndicatorInline(IndicatorLinkInline):
    model = Indicator.news.through
    fk_name = "news"


PublicationAdmin.inlines = [*PublicationAdmin.inlines, PublicationIndicatorInline]
NewsAdmin.inlines = [*NewsAdmin.inlines, NewsIndicatorInline]


class DatasetImportForm(forms.Form):
    observatory = forms.ModelChoiceField(label=_("Observatory"), queryset=Observatory.objects.all())
    key = forms.SlugField(
        label=_("Dataset"),
        max_length=80,
        help_text=_("A short name such as “labour-market-indicators”. The same name again makes a new version."),
    )
    title = forms.CharField(label=_("Title [en]"), max_length=250)
    title_es = forms.CharField(label=_("Title [es]"), max_length=250, required=False)
    source = forms.CharField(
        label=_("Source of the file"), max_length=300, required=False, help_text=_("e.g. ILOSTAT, downloaded on …")
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "The template as CSV (UTF-8) or XLSX, with the columns indicator, country, period, value and optionally "
            "sex, age, education, status, footnote, unit; or SDMX-ML (.xml) or SDMX-CSV (.csv) as the ILO and the "
            "OECD publish them."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.OBSERVATORY_DATA_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext("The file is too large (%(size)s MB; at most %(limit)s MB). Nothing was imported.")
                % {"size": round(upload.size / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024, 1)}
            )
        if Path(upload.name).suffix.lower() not in {".csv", ".xlsx", ".xml"}:
            raise forms.ValidationError(gettext("Send a .csv, .xlsx or .xml file."))
        return upload

    def clean(self):
        data = super().clean()
        key, observatory = data.get("key"), data.get("observatory")
        if key and observatory and Dataset.objects.filter(key=key).exclude(observatory=observatory).exists():
            self.add_error("key", gettext("This dataset belongs to another observatory."))
        return data


class ConfirmImportForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


_IMPORT_SIGNER = signing.TimestampSigner(salt="observatory.dataset-import")
_IMPORT_MAX_AGE = 86400


@admin.register(Dataset)
class DatasetAdmin(PublishableAdmin, TranslationAdmin):
    """Dataset versions under the workflow. New versions come only from an import (with a dry run first)."""

    change_list_template = "observatory/admin/dataset_change_list.html"
    list_display = ("title", "key", "version", "observatory", "observation_count", "file_format", "is_demo")
    list_filter = (QueueFilter, "status", "observatory", "key", "is_demo")
    search_fields = ("title_en", "title_es", "key", "file_name")
    fieldsets = (
        (None, {"fields": ("title", "notes", "source")}),
        (_("The import"), {"fields": ("observatory", "key", "version", "file_name", "file_format", "observation_count",
                                      "is_demo", "imported_at", "imported_by", "indicators_in_version")}),
        (_("Workflow"), {"fields": ("status", "published_at", "author", "created_at", "updated_at")}),
    )  # fmt: skip
    readonly_fields = (
        "observatory", "key", "version", "file_name", "file_format", "observation_count", "is_demo",
        "imported_at", "imported_by", "indicators_in_version",
    )  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("observatory", "author")

    def has_add_permission(self, request):
        return False  # a version is made by an import, never typed in

    def has_import_permission(self, request):
        return request.user.has_perm("observatory.add_dataset")

    @admin.display(description=_("indicators in this version"))
    def indicators_in_version(self, obj):
        summaries = obj.summaries.select_related("indicator__observatory").order_by("indicator__position")
        return (
            format_html_join(
                mark_safe("<br>"),
                '<a href="{}?dataset={}">{}</a> — {}',
                (
                    (summary.indicator.get_absolute_url(), obj.pk, summary.indicator, summary.observation_count)
                    for summary in summaries
                ),
            )
            or "—"
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="observatory_dataset_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload → dry run with its report → confirm → a new draft version (all or nothing)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        folder = Path(settings.OBSERVATORY_IMPORTS_ROOT)
        report, confirm = None, None
        form = DatasetImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and "token" in request.POST:
            return self._confirm_import(request, folder)
        if request.method == "POST" and form.is_valid():
            imports.prune_stale_uploads(folder, _IMPORT_MAX_AGE)
            folder.mkdir(parents=True, exist_ok=True)
            upload = form.cleaned_data["file"]
            stored = folder / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
            with stored.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            options = self._import_options(form.cleaned_data, upload.name)
            report = imports.import_dataset(path=stored, actor=request.user, dry_run=True, **options)
            if report.is_valid:
                token = _IMPORT_SIGNER.sign_object({"file": stored.name, **self._signable(options)})
                confirm = ConfirmImportForm(initial={"token": token})
            else:
                stored.unlink(missing_ok=True)
        return self._render_import(request, form=form, report=report, confirm=confirm)

    def _import_options(self, data, file_name):
        return {
            "observatory": data["observatory"], "key": data["key"], "title": data["title"],
            "title_es": data["title_es"], "source": data["source"], "notes": data["notes"], "file_name": file_name,
        }  # fmt: skip

    @staticmethod
    def _signable(options):
        return {**options, "observatory": options["observatory"].pk}

    def _confirm_import(self, request, folder):
        form = ConfirmImportForm(request.POST)
        try:
            if not form.is_valid():
                raise signing.BadSignature
            signed = _IMPORT_SIGNER.unsign_object(form.cleaned_data["token"], max_age=_IMPORT_MAX_AGE)
            stored = folder / Path(signed.pop("file")).name
            observatory = Observatory.objects.get(pk=signed.pop("observatory"))
        except (signing.BadSignature, Observatory.DoesNotExist):
            self.message_user(request, gettext("This import has expired: upload the file again."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:observatory_dataset_import"))
        if not stored.exists():
            self.message_user(request, gettext("This import has expired: upload the file again."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:observatory_dataset_import"))
        report = imports.import_dataset(path=stored, actor=request.user, observatory=observatory, **signed)
        stored.unlink(missing_ok=True)
        if not report.is_valid:
            self.message_user(request, gettext("Nothing was imported: the file has errors."), messages.ERROR)
            return self._render_import(request, form=DatasetImportForm(), report=report, confirm=None)
        self.message_user(
            request,
            gettext("Version %(version)s of “%(key)s” was imported as a draft: %(count)s observations. "
                    "Submit it for review or publish it.")
            % {"version": report.version, "key": report.dataset.key, "count": report.rows},
            messages.SUCCESS,
        )  # fmt: skip
        return HttpResponseRedirect(reverse("admin:observatory_dataset_change", args=[report.dataset.pk]))

    def _render_import(self, request, *, form, report, confirm):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import a dataset"),
            "form": form,
            "report": report,
            "confirm": confirm,
            "cancel_url": reverse("admin:observatory_dataset_import"),
            "keys": list(Dataset.objects.order_by("key").values_list("key", flat=True).distinct()),
            "template_columns": imports.TEMPLATE_COLUMNS,
        }
        return TemplateResponse(request, "observatory/admin/dataset_import.html", context)
