"""The editorial workflow in the admin, driven as authors and editors use it, seen by the public.

Every page visited, the rich-text editor's included, is checked with axe-core and for
Content-Security-Policy violations (see conftest.check_page).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import News, Status, WorkflowEvent
from tests import factories
from tests.browser.conftest import click_and_check, goto, log_in

# Transactional (live server) with the migrations' data (Authors/Editors groups) restored each test.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Pacific Alliance ministers agree on a single digital trade window"
EXPECTED_SLUG = "pacific-alliance-ministers-agree-on-a-single-digital-trade-window"
LEAD = "Chile, Colombia, Mexico and Peru will share one window for customs paperwork."
BODY_TEXT = "The ministers met in Valparaíso and signed the roadmap for interoperable customs."


def workflow_badge(page):
    return page.locator(".workflow-panel .workflow-badge")


def success_message(page):
    return page.locator(".messagelist .success")


def open_workflow_action(page, label):
    """From an item's change form, follow one workflow link to its confirmation page."""
    click_and_check(page, page.locator(".workflow-panel").get_by_role("link", name=label, exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(label)


def confirm(page, label):
    click_and_check(page, page.get_by_role("button", name=label, exact=True))


def test_author_writes_submits_and_editor_publishes(new_page, site):
    author = factories.AuthorFactory()
    editor = factories.EditorFactory()
    author_page = new_page("author")
    visitor = new_page("visitor")

    # --- The author writes a news item in the admin ---------------------------------------
    log_in(author_page, author)
    click_and_check(author_page, author_page.locator("#content-main").get_by_role("link", name="News", exact=True))
    click_and_check(author_page, author_page.get_by_role("link", name=re.compile(r"^Add news item")))

    author_page.get_by_label("Title [en]:").press_sequentially(TITLE)
    # prepopulate.js builds the slug from the title as it is typed.
    expect(author_page.get_by_label("Slug:")).to_have_value(EXPECTED_SLUG)
    author_page.get_by_label("Lead [en]:").fill(LEAD)
    editor_area = author_page.locator(".field-body_en .ProseMirror[contenteditable='true']")
    editor_area.click()
    editor_area.press_sequentially(BODY_TEXT)
    expect(editor_area).to_contain_text(BODY_TEXT)
    click_and_check(author_page, author_page.get_by_role("button", name="Save", exact=True))

    expect(success_message(author_page)).to_contain_text("was added successfully")
    news = News.objects.get(slug=EXPECTED_SLUG)
    assert news.status == Status.DRAFT
    assert news.author == author
    assert news.title == TITLE and news.lead == LEAD
    assert BODY_TEXT in news.body
    row = author_page.locator("#result_list tbody tr", has_text=TITLE)
    expect(row.locator(".workflow-badge")).to_have_text("Draft")

    # --- A draft is not public ---------------------------------------------------------------
    assert goto(visitor, f"/news/{EXPECTED_SLUG}/").status == 404
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert goto(visitor, "/news/").status == 200
    expect(visitor.get_by_role("heading", level=1)).to_have_text("News")
    expect(visitor.get_by_text(TITLE)).to_have_count(0)

    # --- The author submits it for review ---------------------------------------------------
    click_and_check(author_page, row.get_by_role("link", name=TITLE))
    expect(workflow_badge(author_page)).to_have_text("Draft")
    open_workflow_action(author_page, "Submit for review")
    author_page.get_by_label("Comment").fill("Ready for review; figures checked with the customs team.")
    confirm(author_page, "Submit for review")

    expect(success_message(author_page)).to_have_text(f"“{TITLE}” is now in review.")
    expect(workflow_badge(author_page)).to_have_text("In review")
    # Only editors publish: the author is not offered the move.
    expect(author_page.get_by_role("link", name="Publish or schedule")).to_have_count(0)
    news.refresh_from_db()
    assert news.status == Status.IN_REVIEW

    # --- An editor finds it in the review queue and publishes it -----------------------------
    editor_page = new_page("editor")
    log_in(editor_page, editor)
    goto(editor_page, "/admin/portal/news/")
    click_and_check(editor_page, editor_page.locator("#changelist-filter").get_by_role("link", name="Awaiting review"))
    expect(editor_page).to_have_url(re.compile(r"[?&]queue=review"))
    results = editor_page.locator("#result_list tbody tr")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(TITLE)
    click_and_check(editor_page, results.first.get_by_role("link", name=TITLE))
    expect(workflow_badge(editor_page)).to_have_text("In review")

    open_workflow_action(editor_page, "Publish or schedule")
    expect(editor_page.get_by_label("Publication time")).to_have_value("")
    confirm(editor_page, "Publish or schedule")

    expect(success_message(editor_page)).to_have_text(f"“{TITLE}” is now published.")
    expect(workflow_badge(editor_page)).to_have_text("Published")
    news.refresh_from_db()
    assert news.status == Status.PUBLISHED
    assert news.published_at is not None and news.published_at <= timezone.now()
    assert news.is_live
    events = list(WorkflowEvent.objects.filter(object_id=news.pk).order_by("created_at", "pk"))
    assert [(e.action, e.actor) for e in events] == [
        (WorkflowEvent.Action.SUBMIT, author),
        (WorkflowEvent.Action.PUBLISH, editor),
    ]
    assert events[0].comment == "Ready for review; figures checked with the customs team."

    # --- The public now finds and reads it -------------------------------------------------
    goto(visitor, "/news/")
    link = visitor.get_by_role("link", name=TITLE)
    expect(link).to_be_visible()
    response = click_and_check(visitor, link)
    assert response.status == 200
    expect(visitor).to_have_url(re.compile(rf"/news/{EXPECTED_SLUG}/$"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.locator(".article__body")).to_contain_text(BODY_TEXT)
    expect(visitor.locator(".preview-banner")).to_have_count(0)


def test_editor_schedules_a_draft_for_later(new_page, site):
    editor = factories.EditorFactory()
    news = factories.DraftNewsFactory()
    editor_page = new_page("editor")
    visitor = new_page("visitor")
    # datetime-local is read in the site's time zone (TIME_ZONE); a whole minute, three days ahead.
    go_live = timezone.localtime(timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)

    log_in(editor_page, editor)
    goto(editor_page, f"/admin/portal/news/{news.pk}/change/")
    expect(workflow_badge(editor_page)).to_have_text("Draft")
    open_workflow_action(editor_page, "Publish or schedule")
    editor_page.get_by_label("Publication time").fill(go_live.strftime("%Y-%m-%dT%H:%M"))
    confirm(editor_page, "Publish or schedule")

    expect(success_message(editor_page)).to_contain_text(f"“{news.title}” is scheduled: it goes live on")
    expect(success_message(editor_page)).to_contain_text(go_live.strftime("%Y-%m-%d %H:%M"))
    expect(workflow_badge(editor_page)).to_have_text("Scheduled")
    news.refresh_from_db()
    assert news.status == Status.PUBLISHED
    assert news.published_at == go_live
    assert news.is_scheduled and not news.is_live

    # Listed under the "Scheduled" queue, and not public yet.
    goto(editor_page, "/admin/portal/news/?queue=scheduled")
    expect(editor_page.locator("#result_list tbody tr", has_text=news.title).locator(".workflow-badge")).to_have_text(
        "Scheduled"
    )
    assert goto(visitor, news.get_absolute_url()).status == 404
    goto(visitor, "/news/")
    expect(visitor.get_by_text(news.title)).to_have_count(0)


def test_request_changes_requires_a_comment(new_page, site):
    editor = factories.EditorFactory()
    news = factories.InReviewNewsFactory()
    editor_page = new_page("editor")

    log_in(editor_page, editor)
    goto(editor_page, f"/admin/portal/news/{news.pk}/change/")
    expect(workflow_badge(editor_page)).to_have_text("In review")
    open_workflow_action(editor_page, "Request changes")

    # Without a comment: the form says what is missing and nothing moves.
    confirm(editor_page, "Request changes")
    expect(editor_page).to_have_url(re.compile(rf"/{news.pk}/workflow/request_changes/$"))
    expect(editor_page.locator(".errorlist")).to_contain_text("This field is required.")
    expect(editor_page.locator(".workflow-transition")).to_contain_text("is currently In review")
    news.refresh_from_db()
    assert news.status == Status.IN_REVIEW
    assert not WorkflowEvent.objects.filter(object_id=news.pk).exists()

    # With a comment: back to the author as a draft.
    comment = "Please add the date of the next meeting."
    editor_page.get_by_label("Comment").fill(comment)
    confirm(editor_page, "Request changes")
    expect(success_message(editor_page)).to_have_text(f"“{news.title}” is now draft.")
    expect(workflow_badge(editor_page)).to_have_text("Draft")
    news.refresh_from_db()
    assert news.status == Status.DRAFT
    event = WorkflowEvent.objects.get(object_id=news.pk)
    assert (event.action, event.actor, event.comment) == (WorkflowEvent.Action.REQUEST_CHANGES, editor, comment)


def test_author_previews_own_draft(new_page, site):
    author = factories.AuthorFactory()
    news = factories.DraftNewsFactory(author=author)
    author_page = new_page("author")

    log_in(author_page, author)
    goto(author_page, f"/admin/portal/news/{news.pk}/change/")
    preview_link = author_page.get_by_role("link", name="Preview", exact=True)
    expect(preview_link).to_have_attribute("href", news.get_absolute_url())
    response = click_and_check(author_page, preview_link)

    assert response.status == 200
    assert response.url.endswith(news.get_absolute_url())
    cache_control = response.headers.get("cache-control", "")
    assert "no-store" in cache_control or "no-cache" in cache_control, cache_control
    assert "private" in cache_control, cache_control
    assert "noindex" in response.headers.get("x-robots-tag", "")
    banner = author_page.get_by_role("note")
    expect(banner).to_contain_text("Preview")
    expect(banner).to_contain_text("This item is not public (Draft)")
    expect(author_page.get_by_role("heading", level=1)).to_have_text(news.title)
    expect(author_page.locator('meta[name="robots"]')).to_have_attribute("content", re.compile("noindex"))

    # The banner leads back to the editor.
    click_and_check(author_page, banner.get_by_role("link", name="Back to the editor"))
    expect(author_page).to_have_url(re.compile(rf"/admin/portal/news/{news.pk}/change/$"))


def test_a_change_lists_filter_panel_stands_where_it_ends_up_before_the_results_arrive(new_page, site):
    """The filter panel precedes the results in Django's markup: painted half-parsed, it must
    already stand in its own column on the right (it jumped there, a layout shift of 0.14)."""
    editor = factories.EditorFactory()
    factories.InReviewNewsFactory()
    page = new_page("editor")
    log_in(page, editor)
    goto(page, "/admin/portal/news/")
    panel = page.locator("#changelist-filter")
    settled = panel.bounding_box()
    results = page.locator("#changelist .changelist-form-container > div").bounding_box()
    assert settled["x"] > results["x"] + results["width"], "the filter panel is not to the right of the results"

    page.evaluate("() => document.querySelector('#changelist .changelist-form-container > div').remove()")
    alone = panel.bounding_box()
    assert (alone["x"], alone["y"]) == (settled["x"], settled["y"])
