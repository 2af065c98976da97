"""The admin: the OCDS upload (dry run, then confirm), each import's report, the exchange rates."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from observatory.models import Dataset
from portal.models import Status
from procurement.models import ExchangeRate, ProcurementImport
from tests.factories import UserFactory

FIXTURES = Path(__file__).parent / "fixtures"
IMPORT_URL = reverse("admin:procurement_procurementimport_import")


def upload(client, observatory, name="release-package-1-2.json", content=None, **extra):
    content = content if content is not None else (FIXTURES / name).read_bytes()
    data = {"observatory": observatory.pk, "country": "mx", "file": SimpleUploadedFile(name, content), **extra}
    return client.post(IMPORT_URL, data)


def test_an_upload_shows_the_dry_run_then_confirming_imports_a_draft(editor_client, members, observatory, settings):
    response = upload(editor_client, observatory)
    html = response.content.decode()
    assert response.status_code == 200 and "Dry run: what this import would do" in html
    assert "Fields missing per country" in html and "supplier_country" in html
    assert f'<a href="{IMPORT_URL}" class="closelink">Cancel</a>' in html  # back to an empty upload form
    assert not Dataset.objects.exists()
    token = response.context["confirm"]["token"].value()
    response = editor_client.post(IMPORT_URL, {"token": token})
    dataset = Dataset.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:observatory_dataset_change", args=[dataset.pk])
    assert dataset.status == Status.DRAFT and dataset.file_format == Dataset.Format.OCDS
    assert dataset.procurement_import.processes == 2 and dataset.procurement_import.imported_by is not None
    assert not list(Path(settings.OBSERVATORY_IMPORTS_ROOT).iterdir())  # the upload is removed
    assert editor_client.post(IMPORT_URL, {"token": token}).status_code == 302  # used: expired
    assert Dataset.objects.count() == 1


def test_a_file_with_refused_releases_shows_why_and_keeps_nothing(editor_client, members, observatory):
    response = upload(editor_client, observatory, "record-package-1.json")
    html = response.content.decode()
    assert "The file has errors: nothing was imported" in html
    assert "tender/submissionMethod/0" in html and "OCDS 1.1 release schema" in html
    assert response.context["confirm"] is None and not Dataset.objects.exists()


def test_invalid_json_and_wrong_files_are_refused(editor_client, members, observatory):
    html = upload(editor_client, observatory, "broken.json", b'{"releases": [').content.decode()
    assert "The file is not valid JSON" in html and not Dataset.objects.exists()
    html = upload(editor_client, observatory, "data.csv", b"a,b\n").content.decode()
    assert "Send a .json or .jsonl file." in html


def test_the_report_of_an_import_stays_readable(editor_client, members, observatory):
    token = upload(editor_client, observatory).context["confirm"]["token"].value()
    editor_client.post(IMPORT_URL, {"token": token})
    run = ProcurementImport.objects.get()
    html = editor_client.get(reverse("admin:procurement_procurementimport_change", args=[run.pk])).content.decode()
    assert "What the file held" in html and "supplier_country" in html
    changelist = editor_client.get(reverse("admin:procurement_procurementimport_changelist")).content.decode()
    assert "Import OCDS data" in changelist


def test_editors_keep_the_exchange_rates(editor_client):
    response = editor_client.post(
        reverse("admin:procurement_exchangerate_add"),
        {"currency": "CLP", "year": 2024, "units_per_usd": "944.5", "source": "Banco Central de Chile"},
    )
    assert response.status_code == 302
    assert ExchangeRate.objects.get(currency="CLP", year=2024).units_per_usd == pytest.approx(944.5)
    response = editor_client.post(
        reverse("admin:procurement_exchangerate_add"),
        {"currency": "clp", "year": 2024, "units_per_usd": "-1", "source": "x"},
    )
    assert response.status_code == 200 and ExchangeRate.objects.count() == 1


def test_authors_import_and_read_the_rates_but_only_editors_change_them(author_client, members, observatory):
    assert author_client.get(IMPORT_URL).status_code == 200  # an import makes a draft: authors may
    assert author_client.get(reverse("admin:procurement_exchangerate_changelist")).status_code == 200
    assert author_client.get(reverse("admin:procurement_exchangerate_add")).status_code == 403


def test_the_upload_needs_the_right_to_make_a_dataset_version(client, members, observatory):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_procurementimport"))
    client.force_login(staff)
    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, observatory).status_code == 403 and not Dataset.objects.exists()
