"""The admin: roles, the workflow on publications, import and export, moderation, links from news."""

import io

import pytest
import tablib
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from observatory.models import Comment, Observatory, Publication
from observatory.resources import PublicationResource
from portal import services as workflow
from portal.models import Status
from portal.roles import AUTHORS, EDITORS
from tests.factories import BodyFactory, CountryFactory, DraftNewsFactory, TopicFactory
from tests.observatory.factories import (
    ApprovedCommentFactory,
    DraftPublicationFactory,
    ObservatoryFactory,
    PendingCommentFactory,
    PublishedPublicationFactory,
)

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:observatory_publication_import")
PROCESS_IMPORT_URL = reverse("admin:observatory_publication_process_import")
EXPORT_URL = reverse("admin:observatory_publication_export")
COMMENTS_URL = reverse("admin:observatory_comment_changelist")


# --- Roles and the workflow ---------------------------------------------------------------


def test_roles_get_their_permissions():
    authors = set(Group.objects.get(name=AUTHORS).permissions.values_list("codename", flat=True))
    editors = set(Group.objects.get(name=EDITORS).permissions.values_list("codename", flat=True))
    assert {"add_publication", "change_publication", "add_publicationfile"} <= authors
    assert not {"publish_publication", "moderate_comment", "change_observatory"} & authors
    assert {"publish_publication", "moderate_comment", "change_observatory", "view_comment"} <= editors


def test_author_submits_and_editor_publishes_a_publication(author, editor):
    publication = DraftPublicationFactory(author=author)
    workflow.submit_for_review(item=publication, actor=author)
    with pytest.raises(workflow.NotAllowed):
        workflow.publish(item=publication, actor=author)
    workflow.publish(item=publication, actor=editor)
    assert publication.is_live


def test_admin_pages_open_for_editors(editor_client):
    publication = PublishedPublicationFactory()
    observatory = ObservatoryFactory()
    comment = PendingCommentFactory()
    for url in (
        reverse("admin:observatory_publication_changelist") + "?queue=review",
        reverse("admin:observatory_publication_add"),
        reverse("admin:observatory_publication_change", args=[publication.pk]),
        reverse("admin:observatory_observatory_change", args=[observatory.pk]),
        COMMENTS_URL + "?status__exact=pending",
        reverse("admin:observatory_comment_change", args=[comment.pk]),
        IMPORT_URL,
        EXPORT_URL,
    ):
        assert editor_client.get(url).status_code == 200, url


# --- Import and export --------------------------------------------------------------------


@pytest.fixture
def taxonomy():
    return {
        "observatory": ObservatoryFactory(slug="public-procurement-observatory"),
        "chile": CountryFactory(code="CL"),
        "peru": CountryFactory(code="PE"),
        "topic": TopicFactory(slug="public-procurement"),
        "body": BodyFactory(slug="public-procurement-committee"),
    }


HEADER = ["slug", "title", "kind", "language", "publication_date", "observatory", "bodies", "countries", "topics",
          "abstract", "body", "external_url", "citation", "is_featured", "accepts_comments"]  # fmt: skip


def row(slug="procurement-statistics-2024", **overrides):
    values = {
        "slug": slug,
        "title": "Public procurement statistics 2024",
        "kind": "statistics",
        "language": "es",
        "publication_date": "2024-03-01",
        "observatory": "public-procurement-observatory",
        "bodies": "public-procurement-committee",
        "countries": "CL,PE",
        "topics": "public-procurement",
        "abstract": "Cifras de contratación pública de los países miembros.",
        "body": "<p>Datos.</p><script>alert(1)</script>",
        "external_url": "",
        "citation": "",
        "is_featured": "0",
        "accepts_comments": "1",
    }
    values.update(overrides)
    return [values[column] for column in HEADER]


def csv_upload(*rows):
    dataset = tablib.Dataset(*rows, headers=HEADER)
    return SimpleUploadedFile("publications.csv", dataset.export("csv").encode(), content_type="text/csv")


def xlsx_upload(*rows):
    dataset = tablib.Dataset(*rows, headers=HEADER)
    return SimpleUploadedFile("publications.xlsx", dataset.export("xlsx"), content_type="application/octet-stream")


def dry_run(client, upload, format_index):
    return client.post(IMPORT_URL, {"import_file": upload, "format": format_index, "resource": 0})


def format_index(client, extension):
    form = client.get(IMPORT_URL).context["form"]
    choices = dict((label.lower(), value) for value, label in form.fields["format"].choices if value != "")
    return next(value for label, value in choices.items() if extension in label)


def test_csv_import_previews_then_creates_drafts_of_the_importer(editor_client, editor, taxonomy):
    response = dry_run(
        editor_client, csv_upload(row(), row(slug="second-statistics")), format_index(editor_client, "csv")
    )
    assert response.status_code == 200
    assert not Publication.objects.exists()  # a dry run saves nothing
    confirm = response.context["confirm_form"]
    assert confirm is not None
    response = editor_client.post(PROCESS_IMPORT_URL, confirm.initial, follow=True)
    assert response.status_code == 200
    publication = Publication.objects.get(slug="procurement-statistics-2024")
    assert (publication.status, publication.author, publication.language) == (Status.DRAFT, editor, "es")
    assert publication.observatory == taxonomy["observatory"]
    assert set(publication.countries.values_list("code", flat=True)) == {"CL", "PE"}
    assert "<script>" not in publication.body  # sanitised on save
    assert Publication.objects.count() == 2


def test_xlsx_import_works_too(editor_client, taxonomy):
    response = dry_run(editor_client, xlsx_upload(row()), format_index(editor_client, "xlsx"))
    assert response.context["confirm_form"] is not None
    editor_client.post(PROCESS_IMPORT_URL, response.context["confirm_form"].initial)
    assert Publication.objects.get().title == "Public procurement statistics 2024"


def test_bad_rows_are_reported_per_row_and_nothing_is_imported(editor_client, taxonomy):
    rows = [
        row(),
        row(slug="bad-kind", kind="novel"),
        row(slug="bad-country", countries="CL,XX"),
        row(slug="bad-observatory", observatory="no-such-observatory"),
        row(slug="bad date", publication_date="yesterday"),
    ]
    response = dry_run(editor_client, csv_upload(*rows), format_index(editor_client, "csv"))
    assert response.status_code == 200
    result = response.context["result"]
    assert result.has_validation_errors()
    invalid = {r.number for r in result.invalid_rows}
    assert invalid == {2, 3, 4, 5}
    html = response.content.decode()
    assert "Unknown country: XX." in html
    assert "Unknown observatory: no-such-observatory." in html
    assert "is not a valid choice" in html
    assert response.context.get("confirm_form") is None
    assert not Publication.objects.exists()


def test_an_import_is_all_or_nothing_even_when_confirmed(editor, taxonomy):
    dataset = tablib.Dataset(row(), row(slug="bad-kind", kind="novel"), headers=HEADER)
    result = PublicationResource().import_data(dataset, dry_run=False, user=editor)
    assert result.has_validation_errors()
    assert not Publication.objects.exists()


def test_an_import_updates_rows_matched_on_the_slug(editor, taxonomy):
    existing = PublishedPublicationFactory(slug="procurement-statistics-2024", title="Old title")
    PublicationResource().import_data(tablib.Dataset(row(), headers=HEADER), dry_run=False, user=editor)
    existing.refresh_from_db()
    assert existing.title == "Public procurement statistics 2024"
    assert existing.status == Status.PUBLISHED  # the workflow is not importable


def test_only_editors_may_import(author_client, editor_client):
    assert author_client.get(IMPORT_URL).status_code == 403
    assert editor_client.get(IMPORT_URL).status_code == 200


def test_export_csv_and_xlsx_defuse_formulas(editor_client):
    PublishedPublicationFactory(title='=HYPERLINK("http://evil.example")', slug="formula")
    form = editor_client.get(EXPORT_URL).context["form"]
    fields = {name: "on" for name in form.fields if name.startswith("publicationresource_")}
    formats = {label.lower(): value for value, label in form.fields["format"].choices if value != ""}
    csv_format = next(value for label, value in formats.items() if "csv" in label)
    response = editor_client.post(EXPORT_URL, {"format": csv_format, "resource": 0, **fields})
    assert response.status_code == 200
    text = response.content.decode()
    assert "'=HYPERLINK" in text
    assert "/publications/formula/" in text
    xlsx_format = next(value for label, value in formats.items() if "xlsx" in label)
    response = editor_client.post(EXPORT_URL, {"format": xlsx_format, "resource": 0, **fields})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    titles = [cell.value for cell in sheet["B"]]
    assert '\'=HYPERLINK("http://evil.example")' in titles


def test_a_re_imported_export_restores_the_text(editor, taxonomy):
    publication = PublishedPublicationFactory(title="-5% in purchases", slug="minus-five")
    exported = PublicationResource().export()
    publication.title = "changed"
    publication.save()
    PublicationResource().import_data(exported, dry_run=False, user=editor)
    publication.refresh_from_db()
    assert publication.title == "-5% in purchases"


# --- Moderation in the admin --------------------------------------------------------------


def test_editor_approves_from_the_comment_page(
    editor_client, mailoutbox, participant, django_capture_on_commit_callbacks
):
    comment = PendingCommentFactory(participant=participant)
    page = editor_client.get(reverse("admin:observatory_comment_change", args=[comment.pk])).content.decode()
    approve_url = reverse("admin:observatory_comment_moderate", args=[comment.pk, "approve"])
    assert approve_url in page
    assert editor_client.get(approve_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(approve_url)
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == "approved"
    assert len(mailoutbox) == 1


def test_rejecting_from_the_comment_page_requires_a_reason(editor_client):
    comment = PendingCommentFactory()
    reject_url = reverse("admin:observatory_comment_moderate", args=[comment.pk, "reject"])
    response = editor_client.post(reject_url, {"reason": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == "pending"
    editor_client.post(reject_url, {"reason": "Personal attacks are not input."})
    comment.refresh_from_db()
    assert (comment.status, comment.rejection_reason) == ("rejected", "Personal attacks are not input.")


def test_bulk_actions_approve_and_reject_with_a_reason(editor_client):
    first, second = PendingCommentFactory(), PendingCommentFactory()
    decided = ApprovedCommentFactory()
    editor_client.post(COMMENTS_URL, {"action": "approve_selected", "_selected_action": [first.pk, decided.pk]})
    first.refresh_from_db()
    assert first.status == "approved"
    page = editor_client.post(COMMENTS_URL, {"action": "reject_selected", "_selected_action": [second.pk]})
    assert page.status_code == 200 and "Reason for rejection" in page.content.decode()
    editor_client.post(
        COMMENTS_URL,
        {"action": "reject_selected", "_selected_action": [second.pk], "apply": "1", "reason": "Off topic."},
    )
    second.refresh_from_db()
    assert (second.status, second.rejection_reason) == ("rejected", "Off topic.")


def test_the_status_filter_gives_the_moderation_queues(editor_client):
    PendingCommentFactory(text="Pending one")
    ApprovedCommentFactory(text="Approved one")
    PendingCommentFactory(text="Hidden one", status=Comment.Status.HIDDEN)
    pending = editor_client.get(COMMENTS_URL + "?status__exact=pending").content.decode()
    assert "Pending one" in pending and "Approved one" not in pending
    reported = editor_client.get(COMMENTS_URL + "?status__exact=hidden").content.decode()
    assert "Hidden one" in reported and "Pending one" not in reported


def test_authors_cannot_moderate(author_client):
    comment = PendingCommentFactory()
    assert author_client.get(COMMENTS_URL).status_code == 403
    url = reverse("admin:observatory_comment_moderate", args=[comment.pk, "approve"])
    assert author_client.post(url).status_code in {302, 403}
    comment.refresh_from_db()
    assert comment.status == "pending"


def test_comments_are_read_only_in_the_admin(editor_client):
    comment = PendingCommentFactory(text="Original words")
    editor_client.post(reverse("admin:observatory_comment_change", args=[comment.pk]), {"text": "Edited words"})
    comment.refresh_from_db()
    assert comment.text == "Original words"


# --- Links from news ----------------------------------------------------------------------


def news_form(news, **extra):
    data = {
        "slug": news.slug,
        "title": news.title,
        "title_en": news.title,
        "lead": news.lead,
        "lead_en": news.lead,
        "body": news.body,
        "body_en": news.body,
        "cover_alt": "",
        "cover_alt_en": "",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        "portal-workflowevent-content_type-object_id-TOTAL_FORMS": "0",
        "portal-workflowevent-content_type-object_id-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_editor_links_a_news_item_to_an_observatory_from_the_news_form(editor_client):
    news = DraftNewsFactory()
    observatory = ObservatoryFactory()
    prefix = "Observatory_news"
    response = editor_client.post(
        reverse("admin:portal_news_change", args=[news.pk]),
        news_form(
            news,
            **{
                f"{prefix}-TOTAL_FORMS": "1",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-0-observatory": observatory.pk,
            },
        ),
    )
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert list(news.observatories.all()) == [observatory]


def test_a_news_form_posted_without_the_observatory_links_still_saves_and_keeps_them(editor_client):
    news = DraftNewsFactory(title="Before")
    observatory = ObservatoryFactory()
    observatory.news.add(news)
    form = news_form(news, title="After", title_en="After")
    response = editor_client.post(reverse("admin:portal_news_change", args=[news.pk]), form)
    assert response.status_code == 302
    assert list(Observatory.objects.filter(news=news)) == [observatory]


def test_authors_do_not_see_the_observatory_links(author_client, author):
    news = DraftNewsFactory(author=author)
    html = author_client.get(reverse("admin:portal_news_change", args=[news.pk])).content.decode()
    assert "Observatory_news-TOTAL_FORMS" not in html
