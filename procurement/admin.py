import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from observatory.imports import prune_stale_uploads
from observatory.models import Observatory
from procurement.imports import import_ocds
from procurement.models import ExchangeRate, ProcurementImport


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Editors keep the yearly rates; an import converts award values with the table as it stands then."""

    list_display = ("currency", "year", "units_per_usd", "source", "updated_at")
    list_filter = ("currency",)
    search_fields = ("currency", "source")
    ordering = ("currency", "-year")


class OcdsImportForm(forms.Form):
    observatory = forms.ModelChoiceField(label=_("Observatory"), queryset=Observatory.objects.all())
    country = forms.RegexField(
        label=_("Publisher's country"),
        regex=r"^[A-Za-z]{2}$",
        required=False,
        help_text=_("ISO 3166 code (CL, CO, MX, PE): the country of buyers whose address names none."),
    )
    source = forms.CharField(
        label=_("Source of the file"), max_length=300, required=False, help_text=_("e.g. ChileCompra, downloaded on …")
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    leave_out_rejected = forms.BooleanField(
        label=_("Import the valid releases and leave out the refused ones (they stay listed in the version's report)"),
        required=False,
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("An OCDS 1.1 release package or record package (.json), or JSON Lines (.jsonl). Larger files: "
                    "the import_ocds command."),
    )  # fmt: skip

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.OBSERVATORY_DATA_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext("The file is too large (%(size)s MB; at most %(limit)s MB here: use the import_ocds command).")
                % {"size": round(upload.size / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024, 1)}
            )
        if Path(upload.name).suffix.lower() not in {".json", ".jsonl", ".ndjson"}:
            raise forms.ValidationError(gettext("Send a .json or .jsonl file."))
        return upload

    def clean_country(self):
        return self.cleaned_data["country"].upper()


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


_SIGNER = signing.TimestampSigner(salt="procurement.ocds-import")
_MAX_AGE = 86400


@admin.register(ProcurementImport)
class ProcurementImportAdmin(admin.ModelAdmin):
    """The report of each OCDS import, and the upload (dry run, then confirm) for small files."""

    change_list_template = "procurement/admin/import_change_list.html"
    list_display = ("file_name", "dataset_link", "file_kind", "releases_read", "releases_rejected", "processes",
                    "processes_carried", "imported_at")  # fmt: skip
    list_select_related = ("dataset",)
    fields = ("dataset", "file_name", "file_kind", "schema_version", "imported_at", "imported_by", "seconds", "report")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # made by an import, never typed in

    def has_change_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return request.user.has_perm("observatory.add_dataset")

    @admin.display(description=_("dataset version"))
    def dataset_link(self, obj):
        if obj.dataset_id is None:
            return "—"
        url = reverse("admin:observatory_dataset_change", args=[obj.dataset_id])
        return format_html('<a href="{}">{}</a>', url, obj.dataset)

    @admin.display(description=_("report"))
    def report(self, obj):
        return render_to_string("procurement/includes/import_report.html", {"report": obj, "stored": True})

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="procurement_procurementimport_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload → dry run with its report → confirm → a new draft version (all or nothing)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        folder = Path(settings.OBSERVATORY_IMPORTS_ROOT)
        if request.method == "POST" and "token" in request.POST:
            return self._confirm(request, folder)
        form = OcdsImportForm(request.POST or None, request.FILES or None)
        report, confirm = None, None
        if request.method == "POST" and form.is_valid():
            prune_stale_uploads(folder, _MAX_AGE)
            folder.mkdir(parents=True, exist_ok=True)
            upload = form.cleaned_data["file"]
            stored = folder / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
            with stored.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            options = self._options(form.cleaned_data, upload.name)
            report = import_ocds(path=stored, actor=request.user, dry_run=True, **options)
            if report.is_valid:
                signed = {**options, "observatory": options["observatory"].pk, "file": stored.name}
                confirm = ConfirmForm(initial={"token": _SIGNER.sign_object(signed)})
            else:
                stored.unlink(missing_ok=True)
        return self._render(request, form=form, report=report, confirm=confirm)

    @staticmethod
    def _options(data, file_name):
        return {
            "observatory": data["observatory"], "default_country": data["country"], "source": data["source"],
            "notes": data["notes"], "leave_out_rejected": data["leave_out_rejected"], "file_name": file_name,
        }  # fmt: skip

    def _confirm(self, request, folder):
        form = ConfirmForm(request.POST)
        expired = gettext("This import has expired: upload the file again.")
        try:
            if not form.is_valid():
                raise signing.BadSignature
            signed = _SIGNER.unsign_object(form.cleaned_data["token"], max_age=_MAX_AGE)
            stored = folder / Path(signed.pop("file")).name
            observatory = Observatory.objects.get(pk=signed.pop("observatory"))
        except (signing.BadSignature, Observatory.DoesNotExist):
            self.message_user(request, expired, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:procurement_procurementimport_import"))
        if not stored.exists():
            self.message_user(request, expired, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:procurement_procurementimport_import"))
        report = import_ocds(path=stored, actor=request.user, observatory=observatory, **signed)
        stored.unlink(missing_ok=True)
        if not report.is_valid:
            self.message_user(request, gettext("Nothing was imported: the file has errors."), messages.ERROR)
            return self._render(request, form=OcdsImportForm(), report=report, confirm=None)
        self.message_user(
            request,
            gettext("Version %(version)s of the procurement data was imported as a draft: %(processes)s processes. "
                    "Submit it for review or publish it.")
            % {"version": report.version, "processes": report.processes + report.processes_carried},
            messages.SUCCESS,
        )  # fmt: skip
        return HttpResponseRedirect(reverse("admin:observatory_dataset_change", args=[report.dataset.pk]))

    def _render(self, request, *, form, report, confirm):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import OCDS data"),
            "form": form,
            "report": report,
            "confirm": confirm,
            "cancel_url": reverse("admin:procurement_procurementimport_import"),
        }
        return TemplateResponse(request, "procurement/admin/ocds_import.html", context)
