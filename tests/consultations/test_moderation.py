"""Comments on consultations are moderated by the rules every comment follows (portal.moderation)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from consultations import services
from consultations.models import Comment, CommentReport
from portal import moderation
from tests.consultations.factories import ApprovedCommentFactory, PendingCommentFactory, ago
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def test_a_pending_comment_is_shown_once_approved_and_its_author_told_once(client, editor, committed, privacy_policy):
    author = ParticipantFactory(profile__preferred_language="en")
    comment = PendingCommentFactory(participant=author, text="Mention the OHCHR's guidance.")
    url = comment.consultation.get_absolute_url()
    assert "the OHCHR" not in client.get(url).content.decode()
    with committed():
        services.approve_comment(comment=comment, moderator=editor)
    assert comment.status == "approved"
    assert "the OHCHR" in client.get(url).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [author.email] and "published" in message.subject
    assert f"#p-{comment.paragraph.key}" in message.body and "paragraph 1" in message.body
    with committed():
        from consultations import emails

        assert emails.notify_comment_decision(comment.pk) == 0
    assert len(mail.outbox) == 1


def test_a_rejection_needs_a_reason_and_only_moderators_decide(editor, author):
    comment = PendingCommentFactory()
    with pytest.raises(services.NotAllowed):
        services.approve_comment(comment=comment, moderator=author)
    with pytest.raises(services.InvalidMove, match="Give the reason"):
        services.reject_comment(comment=comment, moderator=editor, reason=" ")
    services.reject_comment(comment=comment, moderator=editor, reason="Advertising.")
    assert comment.status == "rejected"
    with pytest.raises(services.InvalidMove, match="cannot be approved"):
        services.approve_comment(comment=comment, moderator=editor)


def test_reports_hide_a_comment_until_a_moderator_decides(settings, editor):
    settings.OBSERVATORY_REPORTS_TO_HIDE = 2
    comment = ApprovedCommentFactory(created_at=ago(days=1))
    url = reverse("consultations:report_comment", kwargs={"slug": comment.consultation.slug, "comment_id": comment.pk})
    first, second = Client(), Client()
    first.post(url, {"reason": "spam"})
    response = first.post(url, {"reason": "spam"}, follow=True)
    assert "already reported" in response.content.decode()
    second.post(url, {"reason": "offensive"}, REMOTE_ADDR="203.0.113.7")
    comment.refresh_from_db()
    assert comment.status == "hidden" and CommentReport.objects.filter(comment=comment).count() == 2
    assert comment.text not in Client().get(comment.consultation.get_absolute_url()).content.decode()
    services.approve_comment(comment=comment, moderator=editor)
    assert comment.status == "approved" and comment.report_count == 0
    assert not CommentReport.objects.filter(comment=comment, is_reviewed=False).exists()


def test_the_moderation_queue_in_the_admin_is_the_shared_one(editor_client, committed):
    comment = PendingCommentFactory(participant=ParticipantFactory())
    changelist = reverse("admin:consultations_comment_changelist")
    assert comment.text[:40] in editor_client.get(changelist + "?status__exact=pending").content.decode()
    with committed():
        response = editor_client.post(reverse("admin:consultations_comment_moderate", args=[comment.pk, "approve"]))
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == "approved" and len(mail.outbox) == 1
    response = editor_client.post(
        changelist,
        {"action": "reject_selected", "_selected_action": [comment.pk], "apply": "1", "reason": "Off topic."},
    )
    comment.refresh_from_db()
    assert comment.status == "rejected" and comment.rejection_reason == "Off topic."


def test_both_kinds_of_comment_share_one_state_machine_and_one_permission_name():
    from observatory.models import Comment as PublicationComment

    assert issubclass(Comment, moderation.ModeratedComment) and issubclass(
        PublicationComment, moderation.ModeratedComment
    )
    assert Comment.moderate_permission() == "consultations.moderate_comment"
    assert PublicationComment.moderate_permission() == "observatory.moderate_comment"
    assert Comment.Status is PublicationComment.Status


def test_my_account_lists_exports_and_erases_my_consultation_comments(client, participant):
    from accounts import services as accounts

    comment = PendingCommentFactory(participant=participant, author_name=participant.full_name)
    client.force_login(participant)
    html = client.get(reverse("accounts:my_account")).content.decode()
    assert "My comments on consultations" in html and "paragraph 1" in html
    exported = accounts.export_personal_data(user=participant)["consultation_comments"]
    assert exported[0]["paragraph"] == 1 and exported[0]["text"] == comment.text
    accounts.delete_account(user=participant)
    comment.refresh_from_db()
    assert comment.participant is None and comment.author_name == "" and comment.author_sector == "civil_society"


def test_cached_pages_turn_when_a_comment_is_approved_not_when_it_waits(editor):
    """consultations/apps.py declares what pages show (portal.cache.watch)."""
    from portal.cache import content_version

    before = content_version()
    comment = PendingCommentFactory()  # a published, open consultation and a comment waiting
    after_posting = content_version()
    assert after_posting != before  # the consultation (published) and its paragraphs are new
    comment.report_count = 3
    comment.save(update_fields=["report_count"])
    PendingCommentFactory(consultation=comment.consultation, paragraph=comment.paragraph)
    assert content_version() == after_posting
    services.approve_comment(comment=comment, moderator=editor)
    assert content_version() != after_posting
