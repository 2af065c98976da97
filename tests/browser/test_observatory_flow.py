"""A stakeholder in the library, as they would use it in a browser, and an editor moderating their input.

Every page visited is checked with axe-core and for Content-Security-Policy violations
(see conftest.check_page).
"""

import re
from datetime import date

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from observatory.models import Comment, Partner, Publication, PublicationFile
from tests import factories
from tests.browser.conftest import PHONE, click_and_check, goto, log_in
from tests.observatory.factories import (
    ObservatoryFactory,
    PublicationFileFactory,
    PublishedPublicationFactory,
    csv_bytes,
)

# Transactional (live server); the Authors and Editors groups come back after each flush (portal.roles.sync_roles).
pytestmark = pytest.mark.browser

TITLE = "Behaviour of public procurement systems in the Pacific Alliance"
COMMENT = "Please add figures on the participation of SMEs in public purchases."


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.OBSERVATORY_FILES_ROOT = tmp_path / "publication-files"


@pytest.fixture
def library():
    observatory = ObservatoryFactory(
        name="Public Procurement Observatory", slug="public-procurement-observatory", launched_on=date(2023, 12, 4)
    )
    Partner.objects.create(observatory=observatory, name="Universidad de Valparaíso", acronym="UV", location="Chile")
    observatory.focus_areas.create(title="Sustainable public purchases")
    mexico, peru = factories.CountryFactory(code="MX"), factories.CountryFactory(code="PE")
    report = PublishedPublicationFactory(
        title=TITLE, kind="report", observatory=observatory, publication_date=date(2024, 5, 2)
    )
    report.countries.set([mexico, peru])
    PublicationFileFactory(publication=report, title="Full report")
    PublicationFileFactory(publication=report, title="Data", file=ContentFile(csv_bytes(), name="data.csv"))
    for number in range(3):
        PublishedPublicationFactory(title=f"Statistics of purchases {number}", kind="statistics").countries.set([peru])
    return report


def test_stakeholder_filters_downloads_comments_and_an_editor_approves(new_page, site, library):
    # Spanish: her emails are in Spanish.
    participant = factories.ParticipantFactory(full_name="María Quispe", profile__preferred_language="es")
    editor = factories.EditorFactory()
    visitor = new_page("stakeholder")

    # --- The observatory and the library ------------------------------------------------
    goto(visitor, "/observatories/")
    click_and_check(visitor, visitor.get_by_role("link", name="Public Procurement Observatory"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Public Procurement Observatory")
    expect(visitor.get_by_text("Universidad de Valparaíso")).to_be_visible()
    click_and_check(visitor, visitor.get_by_role("link", name=TITLE))
    goto(visitor, "/publications/")
    expect(visitor.locator(".results-count")).to_have_text("4 publications")
    # Each option says how many publications it would show.
    expect(visitor.get_by_label("Type", exact=True).locator("option", has_text="Report (1)")).to_have_count(1)
    visitor.get_by_label("Type", exact=True).select_option("report")
    visitor.get_by_label("Country", exact=True).select_option("MX")
    click_and_check(visitor, visitor.get_by_role("button", name="Apply"))
    expect(visitor).to_have_url(re.compile(r"kind=report"))
    expect(visitor.locator(".results-count")).to_have_text("1 publication")

    # --- The publication and its file ---------------------------------------------------
    click_and_check(visitor, visitor.get_by_role("link", name=TITLE))
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    with visitor.expect_download() as download_info:
        visitor.get_by_role("link", name="Full report").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert PublicationFile.objects.get(title="Full report").download_count == 1

    # --- Signing in to comment, then commenting ------------------------------------------
    click_and_check(visitor, visitor.locator("#comments").get_by_role("link", name="Sign in"))
    visitor.get_by_label("Email", exact=True).fill(participant.email)
    visitor.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    click_and_check(visitor, visitor.get_by_role("button", name="Sign in"))
    expect(visitor).to_have_url(re.compile(rf"{library.get_absolute_url()}(#comments)?$"))
    visitor.get_by_label("Your comment").fill(COMMENT)
    click_and_check(visitor, visitor.get_by_role("button", name="Send my comment"))
    expect(visitor.get_by_role("status").first).to_contain_text("once a moderator has approved it")
    expect(visitor.locator(".comment-list")).to_have_count(0)
    comment = Comment.objects.get()
    assert (comment.status, comment.author_name) == ("pending", "María Quispe")

    # --- An editor approves it in the admin --------------------------------------------
    editor_page = new_page("editor")
    log_in(editor_page, editor)
    goto(editor_page, "/admin/observatory/comment/")
    click_and_check(
        editor_page, editor_page.locator("#changelist-filter").get_by_role("link", name="Awaiting moderation")
    )
    row = editor_page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    click_and_check(editor_page, row.first.get_by_role("link", name=re.compile("Please add figures")))
    click_and_check(editor_page, editor_page.get_by_role("link", name="Approve", exact=True))
    click_and_check(editor_page, editor_page.get_by_role("button", name="Approve the comment"))
    expect(editor_page.locator(".messagelist .success")).to_contain_text("The comment is approved")
    comment.refresh_from_db()
    assert comment.status == "approved"
    assert [message.to for message in mail.outbox] == [[participant.email]]
    assert "Se publicó su comentario" in mail.outbox[0].subject

    # --- It appears on the page, with who wrote it ---------------------------------------
    goto(visitor, library.get_absolute_url())
    published = visitor.locator(".comment-list .comment")
    expect(published).to_have_count(1)
    expect(published).to_contain_text(COMMENT)
    expect(published).to_contain_text("María Quispe")
    expect(published).to_contain_text("Universidad de Lima")
    expect(published).to_contain_text("Academia")
    expect(visitor.locator(".sector-counts")).to_contain_text("Academia (1)")

    # --- "My account" lists it with its status --------------------------------------------
    goto(visitor, "/account/")
    expect(visitor.locator("#section-comments").locator("xpath=..")).to_contain_text("Approved")


def test_a_visitor_reports_a_comment_and_the_library_works_on_a_phone(new_page, site, library, settings):
    settings.OBSERVATORY_REPORTS_TO_HIDE = 1
    Comment.objects.create(
        publication=library,
        text="An approved remark someone finds offensive.",
        status=Comment.Status.APPROVED,
        author_name="Someone",
        author_sector="business",
    )
    phone = new_page("phone visitor", viewport=PHONE)
    goto(phone, "/publications/?q=procurement")
    expect(phone.locator(".results-count")).to_contain_text("for “procurement”")
    goto(phone, library.get_absolute_url())
    phone.get_by_text("Report this comment").click()
    phone.get_by_label("Why should a moderator look at it?").select_option("offensive")
    click_and_check(phone, phone.get_by_role("button", name="Send the report"))
    expect(phone.get_by_role("status").first).to_contain_text("A moderator will look at this comment.")
    expect(phone.locator(".comment-list .comment")).to_have_count(0)
    assert Comment.objects.get().status == "hidden"
    goto(phone, "/")
    expect(phone.get_by_role("heading", name="Observatories")).to_be_visible()


def test_editor_adds_a_publication_with_a_file_and_previews_an_import(new_page, site, tmp_path):
    editor = factories.EditorFactory()
    factories.CountryFactory(code="CL")
    page = new_page("editor")
    log_in(page, editor)
    goto(page, "/admin/observatory/publication/add/")
    page.locator("#id_title_en").press_sequentially("Sustainable public purchases")
    expect(page.get_by_label("Slug:")).to_have_value("sustainable-public-purchases")
    page.get_by_label("Type:").select_option("study")
    page.locator("#id_abstract_en").fill("How the member countries buy sustainably.")
    page.get_by_label("Date of the publication:").fill("2024-05-02")
    page.locator("#files-group .add-row a").click()
    page.locator("#id_files-0-title_en").fill("Full study")
    pdf = tmp_path / "Informe final (versión 2).pdf"
    pdf.write_bytes(factories_pdf())
    page.locator("#id_files-0-file").set_input_files(str(pdf))
    click_and_check(page, page.get_by_role("button", name="Save", exact=True))
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    stored = PublicationFile.objects.get()
    assert stored.file_type == "pdf" and stored.file.name.endswith(".pdf") and "versi" in stored.file.name
    # The change form (workflow panel, files with their download counts) and an observatory's form.
    goto(page, f"/admin/observatory/publication/{stored.publication_id}/change/")
    expect(page.locator(".workflow-panel")).to_contain_text("Draft")
    expect(page.locator("#files-group")).to_contain_text(stored.download_name)
    observatory = ObservatoryFactory()
    goto(page, f"/admin/observatory/observatory/{observatory.pk}/change/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Change observatory")

    # An import with a bad row: a preview with the row's error, and no way to confirm it.
    goto(page, "/admin/observatory/publication/import/")
    bad = tmp_path / "publications.csv"
    bad.write_text(
        "slug,title,kind,language,publication_date,abstract\n"
        "good-row,A good row,study,en,2024-01-02,Fine.\n"
        "bad-row,A bad row,novel,en,2024-01-02,Unknown type.\n",
        encoding="utf-8",
    )
    page.get_by_label("File to import").set_input_files(str(bad))
    page.get_by_label("Format").select_option(label="csv")
    click_and_check(page, page.get_by_role("button", name="Submit"))
    expect(page.locator("body")).to_contain_text("is not a valid choice")
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)
    assert not Publication.objects.filter(slug__in=["good-row", "bad-row"]).exists()


def factories_pdf():
    from tests.observatory.factories import pdf_bytes

    return pdf_bytes("Sustainable public purchases")
