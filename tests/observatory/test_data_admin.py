"""The admin for indicator data: upload, dry run, confirm; datasets under the workflow; indicators and links."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from observatory.imports import import_dataset
from observatory.models import Dataset, Indicator, Observation
from portal import services
from portal.models import Status
from portal.roles import AUTHORS, EDITORS
from tests.observatory.factories import IndicatorFactory, PublishedPublicationFactory, template_csv

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:observatory_dataset_import")
ROWS = [["UNE", "CL", 2023, "8.7", "", "", "", "", "", "PT"], ["UNE", "PE", 2023, "6.1", "", "", "", "", "", "PT"]]


@pytest.fixture(autouse=True)
def _imports_in_tmp(settings, tmp_path):
    settings.OBSERVATORY_IMPORTS_ROOT = tmp_path / "imports"


@pytest.fixture
def indicator(db):
    return IndicatorFactory(code="UNE")


def _upload(client, indicator, rows=ROWS, name="une.csv", content=None):
    file = SimpleUploadedFile(name, content if content is not None else template_csv(rows).encode(), "text/csv")
    data = {"observatory": indicator.observatory.pk, "key": "une", "title": "Unemployment", "file": file}
    return client.post(IMPORT_URL, data)


def test_the_roles_get_the_data_permissions():
    authors = set(Group.objects.get(name=AUTHORS).permissions.values_list("codename", flat=True))
    editors = set(Group.objects.get(name=EDITORS).permissions.values_list("codename", flat=True))
    assert {"add_dataset", "change_dataset", "view_indicator"} <= authors
    assert not {"publish_dataset", "change_indicator"} & authors
    assert {"publish_dataset", "add_indicator", "change_indicator", "delete_dataset"} <= editors


def test_upload_shows_the_dry_run_then_confirming_imports_a_draft(editor_client, indicator, settings):
    response = _upload(editor_client, indicator)
    html = response.content.decode()
    assert response.status_code == 200 and "Dry run: what this import would change" in html
    assert f'<a href="{reverse("admin:observatory_dataset_import")}" class="closelink">Cancel</a>' in html
    assert not Dataset.objects.exists()  # nothing kept by the dry run
    token = response.context["confirm"]["token"].value()
    assert len(list(Path(settings.OBSERVATORY_IMPORTS_ROOT).iterdir())) == 1
    response = editor_client.post(IMPORT_URL, {"token": token})
    dataset = Dataset.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:observatory_dataset_change", args=[dataset.pk]
    )
    assert dataset.status == Status.DRAFT and dataset.observation_count == 2
    assert not list(Path(settings.OBSERVATORY_IMPORTS_ROOT).iterdir())  # the upload is removed
    assert editor_client.post(IMPORT_URL, {"token": token}).status_code == 302  # used: it has expired
    assert Dataset.objects.count() == 1


def test_a_tampered_token_is_refused(editor_client, indicator):
    response = editor_client.post(IMPORT_URL, {"token": "../../etc/passwd:abc"}, follow=True)
    assert "This import has expired" in response.content.decode()
    assert not Dataset.objects.exists()


def test_row_errors_are_listed_and_nothing_is_imported(editor_client, indicator):
    response = _upload(editor_client, indicator, rows=[*ROWS, ["UNE", "ZZ", 2023, "abc", "", "", "", "", "", ""]])
    html = response.content.decode()
    assert "The file has errors: nothing was imported" in html
    assert "Row 4:" in html and "“ZZ” is not an ISO 3166-1 country code" in html and "is not a number" in html
    assert response.context["confirm"] is None and not Dataset.objects.exists()


def test_a_file_over_the_limit_is_refused_with_a_clear_message(editor_client, indicator, settings):
    settings.OBSERVATORY_DATA_MAX_BYTES = 100
    response = _upload(editor_client, indicator, rows=ROWS * 5)
    assert "The file is too large" in response.content.decode()
    assert not Dataset.objects.exists()


def test_a_200_mb_file_gets_a_clear_report_and_nothing_is_imported(tmp_path, indicator):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(b"indicator,country,period,value\n")
        handle.truncate(200 * 1024 * 1024)  # a sparse file: 200 MB on paper, nothing read
    report = import_dataset(path=path, observatory=indicator.observatory, key="huge", title="Huge")
    assert not report.is_valid and "The file is too large (200.0 MB; at most 100.0 MB" in report.errors[0].message
    assert not Dataset.objects.exists() and not Observation.objects.exists()


def test_an_author_imports_and_submits_an_editor_publishes(author_client, author, editor, indicator):
    response = _upload(author_client, indicator)
    author_client.post(IMPORT_URL, {"token": response.context["confirm"]["token"].value()})
    dataset = Dataset.objects.get()
    assert dataset.author == author
    with pytest.raises(services.NotAllowed):
        services.publish(item=dataset, actor=author)
    services.submit_for_review(item=dataset, actor=author)
    services.publish(item=dataset, actor=editor)
    assert list(Dataset.objects.current()) == [dataset]


def test_the_dataset_admin_has_the_workflow_queues_and_revisions(editor_client, editor, tmp_path, indicator):
    path = tmp_path / "une.csv"
    path.write_text(template_csv(ROWS))
    dataset = import_dataset(path=path, observatory=indicator.observatory, key="une", title="UNE", actor=editor).dataset
    services.submit_for_review(item=dataset, actor=editor)
    changelist = editor_client.get(reverse("admin:observatory_dataset_changelist") + "?queue=review")
    assert changelist.status_code == 200 and "UNE" in changelist.content.decode()
    assert "Import a dataset" in changelist.content.decode()
    change = editor_client.get(reverse("admin:observatory_dataset_change", args=[dataset.pk]))
    html = change.content.decode()
    assert "Editorial workflow" in html and f"?dataset={dataset.pk}" in html  # preview link
    assert editor_client.get(reverse("admin:observatory_dataset_history", args=[dataset.pk])).status_code == 200
    assert editor_client.get(reverse("admin:observatory_dataset_add")).status_code == 403  # only by import


def test_the_indicator_admin_and_its_unit_code_once_set(editor_client, indicator):
    url = reverse("admin:observatory_indicator_change", args=[indicator.pk])
    assert 'name="unit_code"' in editor_client.get(url).content.decode()
    Indicator.objects.filter(pk=indicator.pk).update(unit_code="PT")
    assert 'name="unit_code"' not in editor_client.get(url).content.decode()
    assert editor_client.get(reverse("admin:observatory_indicator_add")).status_code == 200


def test_an_editor_links_a_publication_to_indicators_from_the_publication_form(editor_client, indicator):
    publication = PublishedPublicationFactory()
    html = editor_client.get(reverse("admin:observatory_publication_change", args=[publication.pk])).content.decode()
    assert "Indicators it draws on" in html or "indicators it draws on" in html
    indicator.publications.add(publication)
    assert list(publication.indicators.all()) == [indicator]


def test_the_import_page_opens(editor_client, indicator):
    response = editor_client.get(IMPORT_URL)
    assert response.status_code == 200 and "Check the file (dry run)" in response.content.decode()


def test_someone_without_the_permission_cannot_import(client, db):
    from tests.factories import UserFactory

    user = UserFactory(is_staff=True)
    client.force_login(user)
    assert client.get(IMPORT_URL).status_code == 403
