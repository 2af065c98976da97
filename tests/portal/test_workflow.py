from datetime import timedelta

import pytest
import reversion
from django.core.exceptions import ValidationError
from django.utils import timezone
from reversion.models import Version

from portal import services
from portal.models import News, Status, WorkflowEvent
from tests.factories import (
    ArchivedNewsFactory,
    DraftNewsFactory,
    EditorFactory,
    InReviewNewsFactory,
    PublishedNewsFactory,
    ScheduledNewsFactory,
)

pytestmark = pytest.mark.django_db


def test_author_submits_own_draft_and_editors_are_told(author, editor, mailoutbox, django_capture_on_commit_callbacks):
    news = DraftNewsFactory(author=author)
    with django_capture_on_commit_callbacks(execute=True):
        event = services.submit_for_review(item=news, actor=author, comment="Ready")
    assert news.status == Status.IN_REVIEW
    assert (event.action, event.from_status, event.to_status, event.actor, event.comment) == (
        "submit",
        "draft",
        "in_review",
        author,
        "Ready",
    )
    assert [m.to for m in mailoutbox] == [[editor.email]]
    assert news.title in mailoutbox[0].subject
    assert mailoutbox[0].alternatives[0][1] == "text/html"


def test_author_cannot_submit_someone_elses_draft(author, other_author):
    news = DraftNewsFactory(author=other_author)
    with pytest.raises(services.NotAllowed):
        services.submit_for_review(item=news, actor=author)
    news.refresh_from_db()
    assert news.status == Status.DRAFT
    assert not WorkflowEvent.objects.exists()


@pytest.mark.parametrize("move", ["publish", "unpublish", "archive", "request_changes"])
def test_author_cannot_make_editor_moves(author, move):
    factory = PublishedNewsFactory if move in {"unpublish", "archive"} else InReviewNewsFactory
    news = factory(author=author)
    before = news.status
    kwargs = {"comment": "x"} if move == "request_changes" else {}
    with pytest.raises(services.NotAllowed):
        getattr(services, move)(item=news, actor=author, **kwargs)
    news.refresh_from_db()
    assert news.status == before


def test_editor_publishes_now_and_author_is_told(author, editor, mailoutbox, django_capture_on_commit_callbacks):
    news = InReviewNewsFactory(author=author)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(item=news, actor=editor)
    assert news.status == Status.PUBLISHED
    assert news.is_live
    assert news.first_published_at == news.published_at
    assert News.objects.published().filter(pk=news.pk).exists()
    assert [m.to for m in mailoutbox] == [[author.email]]
    assert "Published" in mailoutbox[0].subject


def test_scheduled_item_goes_live_by_itself_when_its_time_comes(editor):
    news = DraftNewsFactory()
    soon = timezone.now() + timedelta(hours=1)
    event = services.publish(item=news, actor=editor, at=soon)
    assert event.action == WorkflowEvent.Action.SCHEDULE
    assert news.is_scheduled and not news.is_live
    assert not News.objects.published().filter(pk=news.pk).exists()
    # No job runs: visibility is computed from the time.
    News.objects.filter(pk=news.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    assert News.objects.published().filter(pk=news.pk).exists()


def test_publish_rejects_a_naive_time(editor):
    news = DraftNewsFactory()
    with pytest.raises(services.InvalidTransition):
        services.publish(item=news, actor=editor, at=timezone.now().replace(tzinfo=None))
    news.refresh_from_db()
    assert news.status == Status.DRAFT


def test_request_changes_needs_a_comment_and_tells_the_author(
    author, editor, mailoutbox, django_capture_on_commit_callbacks
):
    news = InReviewNewsFactory(author=author)
    with pytest.raises(services.InvalidTransition):
        services.request_changes(item=news, actor=editor, comment="  ")
    news.refresh_from_db()
    assert news.status == Status.IN_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        services.request_changes(item=news, actor=editor, comment="Add the date of the meeting.")
    assert news.status == Status.DRAFT
    assert [m.to for m in mailoutbox] == [[author.email]]
    assert "Add the date of the meeting." in mailoutbox[0].body


@pytest.mark.parametrize(
    ("factory", "move"),
    [
        (PublishedNewsFactory, "publish"),
        (DraftNewsFactory, "unpublish"),
        (DraftNewsFactory, "reopen"),
        (ArchivedNewsFactory, "archive"),
        (PublishedNewsFactory, "submit_for_review"),
        (DraftNewsFactory, "request_changes"),
    ],
)
def test_moves_from_the_wrong_state_are_refused(editor, factory, move):
    news = factory()
    before = (news.status, news.published_at)
    kwargs = {"comment": "why"} if move == "request_changes" else {}
    with pytest.raises(services.InvalidTransition):
        getattr(services, move)(item=news, actor=editor, **kwargs)
    news.refresh_from_db()
    assert (news.status, news.published_at) == before
    assert not WorkflowEvent.objects.exists()


def test_unpublish_archive_and_reopen(editor):
    news = PublishedNewsFactory()
    services.unpublish(item=news, actor=editor)
    assert news.status == Status.DRAFT
    assert not News.objects.published().filter(pk=news.pk).exists()
    services.archive(item=news, actor=editor)
    assert news.status == Status.ARCHIVED
    services.reopen(item=news, actor=editor)
    assert news.status == Status.DRAFT
    actions = list(WorkflowEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["unpublish", "archive", "reopen"]


def test_unpublishing_a_scheduled_item_cancels_it(editor):
    news = ScheduledNewsFactory()
    services.unpublish(item=news, actor=editor)
    assert news.status == Status.DRAFT


def test_each_move_saves_a_revision(editor):
    news = DraftNewsFactory()
    services.publish(item=news, actor=editor)
    versions = Version.objects.get_for_object(news)
    assert versions.count() == 1
    assert versions[0].revision.user == editor
    assert versions[0].field_dict["status"] == Status.PUBLISHED


def test_restore_brings_back_content_but_keeps_the_workflow_state(editor):
    news = DraftNewsFactory(title="First title")
    services.publish(item=news, actor=editor)
    first = Version.objects.get_for_object(news).first()
    news.title = "Second title"
    news.save()
    services.restore_revision(item=news, version=first, actor=editor, comment="Back")
    assert news.title == "First title"
    assert news.status == Status.PUBLISHED
    assert WorkflowEvent.objects.filter(action="restore", comment="Back").exists()
    assert Version.objects.get_for_object(news).count() == 2


def test_restoring_a_revision_from_before_publication_keeps_the_public_address(editor):
    news = DraftNewsFactory(title="Working title", slug="working-title")
    with reversion.create_revision():
        news.save()
    before_publication = Version.objects.get_for_object(news).first()
    news.slug = "final-title"
    news.save()
    services.publish(item=news, actor=editor)
    services.restore_revision(item=news, version=before_publication, actor=editor)
    news.refresh_from_db()
    assert (news.title, news.slug) == ("Working title", "final-title")
    assert Version.objects.get_for_object(news).first().field_dict["slug"] == "final-title"


def test_no_writer_can_change_the_address_of_an_item_that_has_been_public(editor):
    from tests.events.factories import PublishedEventFactory

    for item in (PublishedNewsFactory(), PublishedEventFactory()):
        services.unpublish(item=item, actor=editor)  # a draft again, but it has been public
        item.refresh_from_db()
        item.slug = "another-address"
        with pytest.raises(ValidationError, match="has been public"):
            item.full_clean()
        with pytest.raises(ValidationError, match="has been public"):
            item.save()
        item.title = "Only the title"
        item.save(update_fields=["title"])  # a save that leaves the address alone needs no check


def test_restore_is_refused_to_an_author_for_a_published_item(author, editor):
    news = DraftNewsFactory(author=author)
    services.publish(item=news, actor=editor)
    version = Version.objects.get_for_object(news).first()
    with pytest.raises(services.NotAllowed):
        services.restore_revision(item=news, version=version, actor=author)


def test_restore_refuses_a_version_of_another_item(editor):
    news, other = DraftNewsFactory(), DraftNewsFactory()
    services.publish(item=other, actor=editor)
    with pytest.raises(services.InvalidTransition):
        services.restore_revision(item=news, version=Version.objects.get_for_object(other).first(), actor=editor)


def test_notifications_are_sent_once_even_if_the_task_runs_twice(author, editor, committed, mailoutbox):
    news = DraftNewsFactory(author=author)
    event = services.submit_for_review(item=news, actor=author)
    from portal.emails import notify_workflow_event

    with committed():
        assert notify_workflow_event(event.pk) == 1
        assert notify_workflow_event(event.pk) == 0
    assert len(mailoutbox) == 1


def test_no_email_leaves_before_the_transaction_commits(author, editor, mailoutbox, django_capture_on_commit_callbacks):
    news = DraftNewsFactory(author=author)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.submit_for_review(item=news, actor=author)
    assert mailoutbox == []
    assert len(callbacks) == 1


def test_available_actions_by_role(author):
    editor = EditorFactory()
    draft = DraftNewsFactory(author=author)
    assert services.available_actions(author, draft) == ["submit"]
    assert services.available_actions(editor, draft) == ["submit", "publish", "archive"]
    published = PublishedNewsFactory(author=author)
    assert services.available_actions(author, published) == []
    assert services.available_actions(editor, published) == ["unpublish", "archive"]


def test_the_database_refuses_a_published_item_without_a_date():
    from django.db import IntegrityError, transaction

    news = DraftNewsFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        News.objects.filter(pk=news.pk).update(status=Status.PUBLISHED, published_at=None)
