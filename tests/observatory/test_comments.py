"""Stakeholder input: posting, moderation with emails, reports that hide, sector counts, personal data."""

import pytest
from django.urls import reverse

from accounts import services as account_services
from accounts.models import Profile
from observatory import services
from observatory.models import Comment, CommentReport
from portal import cache as page_cache
from portal.ratelimit import Rate
from tests.factories import ParticipantFactory
from tests.observatory.factories import (
    ApprovedCommentFactory,
    DraftPublicationFactory,
    PendingCommentFactory,
    PublishedPublicationFactory,
)

pytestmark = pytest.mark.django_db


def post_url(publication):
    return reverse("observatory:post_comment", kwargs={"slug": publication.slug})


def report_url(comment):
    return reverse("observatory:report_comment", kwargs={"slug": comment.publication.slug, "comment_id": comment.pk})


# --- Posting ------------------------------------------------------------------------------


def test_participant_posts_a_pending_comment_with_a_snapshot_of_the_profile(client, participant):
    publication = PublishedPublicationFactory()
    client.force_login(participant)
    response = client.post(post_url(publication), {"text": "  Please add data on SMEs.  "})
    assert response.status_code == 302
    assert response["Location"].endswith("#comments")
    comment = Comment.objects.get()
    profile = participant.profile
    assert (comment.status, comment.text, comment.participant) == ("pending", "Please add data on SMEs.", participant)
    assert (comment.author_name, comment.author_organisation, comment.author_sector, comment.author_country) == (
        participant.full_name,
        profile.organisation,
        profile.sector,
        profile.country,
    )
    # A later profile change does not rewrite what the comment says.
    Profile.objects.filter(pk=profile.pk).update(organisation="Another organisation")
    comment.refresh_from_db()
    assert comment.author_organisation == "Universidad de Lima"


def test_a_pending_comment_is_not_shown_but_its_author_is_told_it_waits(client, participant):
    publication = PublishedPublicationFactory()
    client.force_login(participant)
    client.post(post_url(publication), {"text": "Waiting for the moderator."})
    html = client.get(publication.get_absolute_url()).content.decode()
    assert "Waiting for the moderator." not in html
    assert "Your comment is waiting for a moderator" in html


def test_a_visitor_is_sent_to_sign_in_and_nothing_is_saved(client):
    publication = PublishedPublicationFactory()
    response = client.post(post_url(publication), {"text": "Anonymous input"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
    assert not Comment.objects.exists()
    html = client.get(publication.get_absolute_url()).content.decode()
    assert "To comment, sign in with a participant account." in html


def test_a_user_without_a_verified_email_cannot_comment(client, privacy_policy):
    user = ParticipantFactory(verified_email=False)
    publication = PublishedPublicationFactory()
    client.force_login(user)
    response = client.post(post_url(publication), {"text": "Unverified input"}, follow=True)
    assert "Only participants with a verified email address" in response.content.decode()
    assert not Comment.objects.exists()
    assert "confirm your email address" in client.get(publication.get_absolute_url()).content.decode()


def test_comments_only_on_live_publications_open_to_input(client, participant):
    client.force_login(participant)
    draft = DraftPublicationFactory()
    assert client.post(post_url(draft), {"text": "On a draft"}).status_code == 404
    closed = PublishedPublicationFactory(accepts_comments=False)
    response = client.post(post_url(closed), {"text": "On a closed one"}, follow=True)
    assert "This publication does not take comments." in response.content.decode()
    assert not Comment.objects.exists()


def test_html_is_kept_as_plain_text_and_shown_escaped(client, participant, editor):
    publication = PublishedPublicationFactory()
    comment = services.post_comment(
        publication=publication, participant=participant, text='<script>alert("x")</script> <b>bold</b>\x07'
    )
    assert comment.text == '<script>alert("x")</script> <b>bold</b>'
    services.approve_comment(comment=comment, moderator=editor)
    html = client.get(publication.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in html
    assert '<script>alert("x")' not in html


def test_too_long_and_empty_comments_are_refused_with_a_message(client, participant, settings):
    settings.OBSERVATORY_COMMENT_MAX_LENGTH = 50
    publication = PublishedPublicationFactory()
    client.force_login(participant)
    response = client.post(post_url(publication), {"text": "x" * 51})
    assert response.status_code == 400
    assert "at most 50 characters" in response.content.decode()
    response = client.post(post_url(publication), {"text": "   "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Comment.objects.exists()


def test_the_rate_limit_refuses_a_burst_with_a_message(client, participant, settings):
    settings.OBSERVATORY_COMMENT_RATE = "2/h"
    publication = PublishedPublicationFactory()
    client.force_login(participant)
    for number in range(2):
        assert client.post(post_url(publication), {"text": f"Comment {number}"}).status_code == 302
    response = client.post(post_url(publication), {"text": "One too many"})
    assert response.status_code == 400
    assert "Please wait a while" in response.content.decode()
    assert Comment.objects.count() == 2


@pytest.mark.parametrize("rate", ["5/h", "20/10m", "1/d", " 3 / s "])
def test_rates_are_parsed(rate):
    assert Rate.parse(rate).amount > 0


def test_a_malformed_rate_is_a_clear_error():
    with pytest.raises(ValueError, match="Not a rate"):
        Rate.parse("five per hour")


# --- Moderation ---------------------------------------------------------------------------


def test_editor_approves_and_the_author_is_emailed(
    client, participant, editor, mailoutbox, django_capture_on_commit_callbacks
):
    participant.profile.preferred_language = "en"  # the email goes out in the participant's language
    participant.profile.save()
    publication = PublishedPublicationFactory(title="Public procurement systems")
    comment = services.post_comment(publication=publication, participant=participant, text="Useful study.")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_comment(comment=comment, moderator=editor)
    assert comment.status == "approved"
    assert (comment.moderated_by, comment.report_count) == (editor, 0)
    assert [m.to for m in mailoutbox] == [[participant.email]]
    assert "Your comment is published: Public procurement systems" in mailoutbox[0].subject
    assert mailoutbox[0].alternatives[0][1] == "text/html"
    html = client.get(publication.get_absolute_url()).content.decode()
    assert "Useful study." in html
    assert participant.full_name in html and "Universidad de Lima" in html and "Academia" in html


def test_editor_rejects_with_a_reason_the_author_receives(
    participant, editor, mailoutbox, django_capture_on_commit_callbacks
):
    participant.profile.preferred_language = "en"  # the email goes out in the participant's language
    participant.profile.save()
    comment = services.post_comment(
        publication=PublishedPublicationFactory(), participant=participant, text="Buy my product!"
    )
    with pytest.raises(services.InvalidMove, match="reason"):
        services.reject_comment(comment=comment, moderator=editor, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_comment(comment=comment, moderator=editor, reason="Advertising is not input.")
    assert (comment.status, comment.rejection_reason) == ("rejected", "Advertising is not input.")
    assert len(mailoutbox) == 1
    assert "was not published" in mailoutbox[0].subject
    assert "Advertising is not input." in mailoutbox[0].body


def test_decision_email_is_sent_once_even_if_the_task_runs_twice(participant, editor, committed, mailoutbox):
    from observatory.emails import notify_comment_decision

    comment = services.post_comment(publication=PublishedPublicationFactory(), participant=participant, text="Hi")
    services.approve_comment(comment=comment, moderator=editor)
    with committed():
        assert notify_comment_decision(comment.pk) == 1
        assert notify_comment_decision(comment.pk) == 0
    assert len(mailoutbox) == 1


def test_no_email_leaves_before_the_decision_commits(
    participant, editor, mailoutbox, django_capture_on_commit_callbacks
):
    comment = services.post_comment(publication=PublishedPublicationFactory(), participant=participant, text="Hi")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.approve_comment(comment=comment, moderator=editor)
    assert mailoutbox == []
    # After commit: the decision email's task (and the cached pages' second turn, portal.cache).
    assert len([callback for callback in callbacks if getattr(callback, "func", None) is not page_cache.bump]) == 1


def test_only_moderators_decide(participant, author):
    comment = PendingCommentFactory()
    for person in (participant, author):
        with pytest.raises(services.NotAllowed):
            services.approve_comment(comment=comment, moderator=person)
    comment.refresh_from_db()
    assert comment.status == "pending"


def test_a_decided_comment_cannot_be_approved_again(editor):
    comment = PendingCommentFactory()
    services.reject_comment(comment=comment, moderator=editor, reason="Off topic")
    with pytest.raises(services.InvalidMove, match="rejected"):
        services.approve_comment(comment=comment, moderator=editor)


# --- Reports ------------------------------------------------------------------------------


def test_reports_from_enough_visitors_hide_the_comment_until_reviewed(settings, editor):
    settings.OBSERVATORY_REPORTS_TO_HIDE = 2
    comment = ApprovedCommentFactory(text="A contested remark")
    assert services.report_comment(comment=comment, reporter_key="session:a", reason="spam") is False
    assert comment.status == "approved" and comment.report_count == 1
    assert services.report_comment(comment=comment, reporter_key="session:b", reason="offensive") is True
    assert comment.status == "hidden"
    # The moderator reinstates it: reports so far are set aside.
    services.approve_comment(comment=comment, moderator=editor)
    assert (comment.status, comment.report_count) == ("approved", 0)
    assert not CommentReport.objects.filter(is_reviewed=False).exists()


def test_a_visitor_reports_a_comment_only_once(client):
    comment = ApprovedCommentFactory()
    first = client.post(report_url(comment), {"reason": "spam"}, follow=True)
    assert "A moderator will look at this comment." in first.content.decode()
    second = client.post(report_url(comment), {"reason": "spam"}, follow=True)
    assert "You have already reported this comment." in second.content.decode()
    comment.refresh_from_db()
    assert comment.report_count == 1


def test_a_hidden_comment_leaves_the_page(client, settings):
    settings.OBSERVATORY_REPORTS_TO_HIDE = 1
    comment = ApprovedCommentFactory(text="Soon hidden text")
    assert "Soon hidden text" in client.get(comment.publication.get_absolute_url()).content.decode()
    client.post(report_url(comment), {"reason": "offensive"})
    comment.refresh_from_db()
    assert comment.status == "hidden"
    assert "Soon hidden text" not in client.get(comment.publication.get_absolute_url()).content.decode()
    # Nothing more to report on a hidden comment.
    assert client.post(report_url(comment), {"reason": "spam"}).status_code == 404


def test_reports_are_rate_limited_per_address(client, settings):
    settings.OBSERVATORY_REPORT_RATE = "1/h"
    first, second = ApprovedCommentFactory(), ApprovedCommentFactory()
    client.post(report_url(first), {"reason": "spam"})
    response = client.post(report_url(second), {"reason": "spam"}, follow=True)
    assert "many reports in a short time" in response.content.decode()
    second.refresh_from_db()
    assert second.report_count == 0


def test_an_unknown_reason_counts_as_other(client):
    comment = ApprovedCommentFactory()
    client.post(report_url(comment), {"reason": "<script>"})
    assert CommentReport.objects.get().reason == "other"


# --- Sectors ------------------------------------------------------------------------------


def test_the_page_counts_input_per_sector_and_filters_by_sector(client):
    publication = PublishedPublicationFactory()
    ApprovedCommentFactory.create_batch(2, publication=publication, author_sector="academia", text="From academia")
    ApprovedCommentFactory(publication=publication, author_sector="business", text="From business")
    PendingCommentFactory(publication=publication, author_sector="business", text="Not yet approved")
    assert publication.comments.public().count_by_sector() == {"academia": 2, "business": 1}
    html = client.get(publication.get_absolute_url()).content.decode()
    assert "All sectors (3)" in html and "Academia (2)" in html and "Business (1)" in html
    filtered = client.get(publication.get_absolute_url(), {"sector": "business"}).content.decode()
    assert "From business" in filtered and "From academia" not in filtered
    assert "Not yet approved" not in filtered
    unknown = client.get(publication.get_absolute_url(), {"sector": "<b>x</b>"})
    assert unknown.status_code == 200 and "From academia" in unknown.content.decode()


# --- My account ---------------------------------------------------------------------------


def test_my_account_lists_my_comments_with_their_status(client, participant, editor):
    publication = PublishedPublicationFactory(title="Portfolio of projects")
    approved = services.post_comment(publication=publication, participant=participant, text="First input")
    services.approve_comment(comment=approved, moderator=editor)
    rejected = services.post_comment(publication=publication, participant=participant, text="Second input")
    services.reject_comment(comment=rejected, moderator=editor, reason="Duplicate of your first comment")
    services.post_comment(publication=publication, participant=participant, text="Third input")
    ApprovedCommentFactory(publication=publication, text="Someone else's input")
    client.force_login(participant)
    html = client.get(reverse("accounts:my_account")).content.decode()
    assert "My comments on publications" in html
    for text in ("First input", "Second input", "Third input", "Approved", "Awaiting moderation", "Rejected"):
        assert text in html
    assert "Duplicate of your first comment" in html
    assert "Someone else" not in html


def test_data_export_contains_my_comments(participant):
    services.post_comment(publication=PublishedPublicationFactory(), participant=participant, text="Exported input")
    data = account_services.export_personal_data(user=participant)
    assert data["comments"][0]["text"] == "Exported input"
    assert data["comments"][0]["status"] == "pending"


def test_deleting_the_account_anonymises_comments_but_keeps_the_sector_counts(client, participant, editor):
    publication = PublishedPublicationFactory()
    comment = services.post_comment(publication=publication, participant=participant, text="Kept input")
    services.approve_comment(comment=comment, moderator=editor)
    services.report_comment(comment=ApprovedCommentFactory(), reporter_key=f"user:{participant.pk}", reason="spam",
                            user=participant)  # fmt: skip
    account_services.delete_account(user=participant)
    comment.refresh_from_db()
    assert comment.participant is None
    assert (comment.author_name, comment.author_organisation) == ("", "")
    assert (comment.author_sector, comment.author_country) == ("academia", "PE")
    assert not CommentReport.objects.filter(reporter__isnull=False).exists()
    html = client.get(publication.get_absolute_url()).content.decode()
    assert "Former participant" in html and "Kept input" in html
    assert publication.comments.public().count_by_sector() == {"academia": 1}


def test_behind_the_proxy_each_visitor_has_its_own_report_allowance(settings):
    from django.test import Client

    settings.OBSERVATORY_REPORT_RATE = "1/h"
    settings.TRUSTED_PROXY_COUNT = 1
    first, second = ApprovedCommentFactory(), ApprovedCommentFactory()
    alice = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    bob = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.23")
    alice.post(report_url(first), {"reason": "spam"})
    bob.post(report_url(second), {"reason": "spam"})
    second.refresh_from_db()
    assert second.report_count == 1
    # Alice's own X-Forwarded-For entries do not give her a new allowance.
    spoofing = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    response = spoofing.post(report_url(second), {"reason": "spam"}, follow=True)
    assert "many reports in a short time" in response.content.decode()
