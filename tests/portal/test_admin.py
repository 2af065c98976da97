import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from reversion.models import Version

from portal import services
from portal.models import News, Status, WorkflowEvent
from tests.factories import DraftNewsFactory, InReviewNewsFactory, PublishedNewsFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:portal_news_add")


def change_url(news):
    return reverse("admin:portal_news_change", args=[news.pk])


def workflow_url(news, action):
    return reverse("admin:portal_news_workflow", args=[news.pk, action])


def news_form(**overrides):
    data = {
        "title_en": "Craft Fair of the Pacific Alliance",
        "title_es": "Feria Artesanal de la Alianza del Pacífico",
        "slug": "craft-fair",
        "lead_en": "The first craft fair promoted the creative economy of the four countries.",
        "lead_es": "",
        "body_en": "<p>It had a physical exhibition and a virtual showroom.</p>",
        "body_es": "",
        "cover_alt_en": "",
        "cover_alt_es": "",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "1000",
        # The read-only workflow history inline on the change form.
        "portal-workflowevent-content_type-object_id-TOTAL_FORMS": "0",
        "portal-workflowevent-content_type-object_id-INITIAL_FORMS": "0",
    }
    for name in ("title", "lead", "body", "cover_alt"):
        if name in overrides:
            overrides[f"{name}_en"] = overrides.pop(name)
    data.update(overrides)
    return data


def png_file(name="cover.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_author_creates_a_draft_they_own(author_client, author):
    response = author_client.post(ADD_URL, news_form())
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    news = News.objects.get(slug="craft-fair")
    assert news.status == Status.DRAFT
    assert news.author == author


def test_status_cannot_be_set_through_the_form(author_client):
    author_client.post(ADD_URL, news_form(status="published", published_at="2020-01-01 00:00"))
    news = News.objects.get(slug="craft-fair")
    assert news.status == Status.DRAFT
    assert news.published_at is None


def test_body_html_is_sanitised_on_save(author_client):
    author_client.post(
        ADD_URL,
        news_form(body='<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:alert(1)">x</a></p>'),
    )
    body = News.objects.get(slug="craft-fair").body
    assert "script" not in body
    assert "onclick" not in body
    assert "javascript:" not in body


def test_duplicate_slug_is_refused_with_a_message(author_client):
    PublishedNewsFactory(slug="craft-fair")
    response = author_client.post(ADD_URL, news_form())
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert News.objects.filter(slug="craft-fair").count() == 1


def test_cover_image_needs_a_text_alternative(author_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = author_client.post(ADD_URL, news_form(cover_image=png_file()))
    assert response.status_code == 200
    assert "text alternative is required" in response.content.decode()
    assert not News.objects.exists()
    response = author_client.post(ADD_URL, news_form(cover_image=png_file(), cover_alt="Artisans at the fair"))
    assert response.status_code == 302
    assert News.objects.get().cover_alt == "Artisans at the fair"


def test_a_non_image_upload_is_refused(author_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("cover.png", b"not an image", content_type="image/png")
    response = author_client.post(ADD_URL, news_form(cover_image=fake, cover_alt="x"))
    assert response.status_code == 200
    assert not News.objects.exists()


def test_author_cannot_edit_published_or_others_items(author_client, author, other_author):
    published = PublishedNewsFactory(author=author, title="Original")
    response = author_client.post(change_url(published), news_form(title="Changed", slug=published.slug))
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.title == "Original"
    someone_elses = DraftNewsFactory(author=other_author, title="Theirs")
    response = author_client.post(change_url(someone_elses), news_form(title="Mine now", slug=someone_elses.slug))
    assert response.status_code == 403
    someone_elses.refresh_from_db()
    assert someone_elses.title == "Theirs"


def test_author_trying_to_publish_gets_a_message_and_nothing_changes(author_client, author):
    news = InReviewNewsFactory(author=author)
    response = author_client.post(workflow_url(news, "publish"), {"comment": ""}, follow=True)
    assert "only editors can publish" in response.content.decode()
    news.refresh_from_db()
    assert news.status == Status.IN_REVIEW
    assert not WorkflowEvent.objects.exists()


def test_workflow_buttons_depend_on_the_role(author_client, author, client, editor):
    news = DraftNewsFactory(author=author)
    html = author_client.get(change_url(news)).content.decode()
    assert workflow_url(news, "submit") in html
    assert workflow_url(news, "publish") not in html
    client.force_login(editor)
    html = client.get(change_url(news)).content.decode()
    assert workflow_url(news, "publish") in html


def test_submit_then_publish_through_the_admin(author_client, author, client, editor):
    news = DraftNewsFactory(author=author)
    response = author_client.post(workflow_url(news, "submit"), {"comment": "Ready"})
    assert response.status_code == 302
    news.refresh_from_db()
    assert news.status == Status.IN_REVIEW
    client.force_login(editor)
    response = client.post(workflow_url(news, "publish"), {"comment": "", "publish_at": ""}, follow=True)
    news.refresh_from_db()
    assert news.status == Status.PUBLISHED
    assert "is now published" in response.content.decode()


def test_editor_schedules_with_a_future_time(editor_client):
    news = DraftNewsFactory()
    response = editor_client.post(workflow_url(news, "publish"), {"publish_at": "2099-05-01T09:30"}, follow=True)
    news.refresh_from_db()
    assert news.is_scheduled
    assert "is scheduled" in response.content.decode()


def test_a_malformed_publish_time_changes_nothing(editor_client):
    news = DraftNewsFactory()
    response = editor_client.post(workflow_url(news, "publish"), {"publish_at": "next tuesday"})
    assert response.status_code == 200
    assert "Enter a valid date/time" in response.content.decode()
    news.refresh_from_db()
    assert news.status == Status.DRAFT


def test_request_changes_requires_a_comment_in_the_admin(editor_client):
    news = InReviewNewsFactory()
    response = editor_client.post(workflow_url(news, "request_changes"), {"comment": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    news.refresh_from_db()
    assert news.status == Status.IN_REVIEW


def test_unknown_workflow_action_is_404(editor_client):
    news = DraftNewsFactory()
    assert editor_client.get(workflow_url(news, "explode")).status_code == 404


def test_queue_filters(editor_client, editor, author):
    waiting = InReviewNewsFactory(title="Waiting for review")
    mine = DraftNewsFactory(title="My own draft", author=editor)
    DraftNewsFactory(title="Someone else's draft", author=author)
    changelist = reverse("admin:portal_news_changelist")
    html = editor_client.get(changelist + "?queue=review").content.decode()
    assert waiting.title in html and mine.title not in html
    html = editor_client.get(changelist + "?queue=mine").content.decode()
    assert mine.title in html and "Someone else" not in html


def test_a_public_address_cannot_be_edited_and_the_form_says_why(editor_client):
    news = PublishedNewsFactory(slug="stable-address", title="Old title")
    response = editor_client.post(change_url(news), news_form(title="New title", slug="new-address"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["slug"] == [
        "This address has been public: it cannot change (links to it would break)."
    ]
    news.refresh_from_db()
    assert (news.slug, news.title) == ("stable-address", "Old title")  # nothing saved
    # The same form with the address as it is saves.
    response = editor_client.post(change_url(news), news_form(title="New title", slug="stable-address"))
    assert response.status_code == 302
    news.refresh_from_db()
    assert news.title == "New title"


def test_a_draft_that_was_never_public_may_change_its_address(editor_client):
    news = DraftNewsFactory(slug="working-title")
    assert editor_client.post(change_url(news), news_form(slug="final-title")).status_code == 302
    news.refresh_from_db()
    assert news.slug == "final-title"


def test_history_shows_revisions_and_a_diff(editor_client, editor):
    news = DraftNewsFactory(title="First")
    editor_client.post(change_url(news), news_form(title="First", slug=news.slug))
    editor_client.post(change_url(news), news_form(title="Second", slug=news.slug))
    versions = list(Version.objects.get_for_object(news))
    assert len(versions) == 2
    history = editor_client.get(reverse("admin:portal_news_history", args=[news.pk]))
    assert history.status_code == 200
    compare = editor_client.get(
        reverse("admin:portal_news_compare", args=[news.pk]),
        {"version_id1": versions[1].pk, "version_id2": versions[0].pk},
    )
    assert compare.status_code == 200
    html = compare.content.decode()
    assert "First" in html and "Second" in html


def test_restore_through_the_admin_keeps_the_status(editor_client, editor):
    news = DraftNewsFactory(title="Before")
    services.publish(item=news, actor=editor)
    old = Version.objects.get_for_object(news).first()
    editor_client.post(change_url(news), news_form(title="After", slug=news.slug))
    # django-reversion's own revert view is routed to the service's confirmation page.
    revert = editor_client.get(reverse("admin:portal_news_revision", args=[news.pk, old.pk]))
    assert revert.status_code == 302
    assert revert["Location"] == reverse("admin:portal_news_restore", args=[news.pk, old.pk])
    assert editor_client.get(revert["Location"]).status_code == 200
    editor_client.post(revert["Location"])
    news.refresh_from_db()
    assert news.title == "Before"
    assert news.status == Status.PUBLISHED


def test_workflow_history_is_shown_on_the_change_form(editor_client, editor):
    news = InReviewNewsFactory()
    services.request_changes(item=news, actor=editor, comment="Please add the venue")
    html = editor_client.get(change_url(news)).content.decode()
    assert "Please add the venue" in html
    assert "Changes requested" in html


def test_rich_text_editor_assets_carry_the_csp_nonce(editor_client):
    response = editor_client.get(ADD_URL)
    html = response.content.decode()
    nonce = response.wsgi_request._csp_nonce
    assert f'<script type="importmap" nonce="{nonce}">' in html
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_deleted_items_cannot_be_recovered_around_the_workflow(editor_client):
    assert editor_client.get(reverse("admin:portal_news_recoverlist")).status_code == 403


def test_taxonomy_is_editable_by_editors_only(editor_client, author_client):
    url = reverse("admin:portal_country_add")
    assert editor_client.get(url).status_code == 200
    assert author_client.get(url).status_code == 403
