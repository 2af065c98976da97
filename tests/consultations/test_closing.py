"""Closing: the editors told once, the response published once, everyone who took part emailed once."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consultations import emails, services
from consultations.models import Comment, Consultation
from portal.models import OutboundEmail
from tests.consultations.factories import (
    ApprovedCommentFactory,
    ClosedConsultationFactory,
    OpenConsultationFactory,
    PendingCommentFactory,
)
from tests.factories import AuthorFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def with_response(consultation, **fields):
    for name, value in {"response": "<p>Paragraph 2 now names the trade unions.</p>", **fields}.items():
        setattr(consultation, name, value)
    consultation.save()
    return consultation


# --- Closing ------------------------------------------------------------------------------------


def test_an_editor_closes_a_consultation_now(editor, consultation, participant):
    services.close_now(consultation=consultation, actor=editor)
    assert consultation.is_closed
    with pytest.raises(services.NotOpen):
        services.post_comment(consultation=consultation, participant=participant, text="After the close.")
    with pytest.raises(services.InvalidMove):
        services.close_now(consultation=consultation, actor=editor)


def test_only_editors_close_or_publish_a_response(author):
    consultation = with_response(ClosedConsultationFactory())
    with pytest.raises(services.NotAllowed):
        services.publish_response(consultation=consultation, actor=author)
    with pytest.raises(services.NotAllowed):
        services.close_now(consultation=OpenConsultationFactory(), actor=author)
    consultation.refresh_from_db()
    assert not consultation.has_response


def test_the_editors_are_told_once_when_a_consultation_closes_by_the_clock(editor, committed):
    consultation = ClosedConsultationFactory(author=editor)
    ApprovedCommentFactory(consultation=consultation)
    PendingCommentFactory(consultation=consultation)
    OpenConsultationFactory(author=editor)  # still open: nothing to say
    with committed():
        assert emails.queue_owed_emails() == 1
        assert emails.queue_owed_emails() == 0
    assert [message.to for message in mail.outbox] == [[editor.email]]
    body = mail.outbox[0].body
    assert "has closed" in body and "2 from 0 participant(s); 1 published, 1 waiting for moderation" in body


# --- The response ---------------------------------------------------------------------------------


def test_the_response_waits_for_the_closing_and_needs_text(editor):
    open_one = with_response(OpenConsultationFactory())
    with pytest.raises(services.InvalidMove, match="still open"):
        services.publish_response(consultation=open_one, actor=editor)
    empty = ClosedConsultationFactory()
    with pytest.raises(services.InvalidMove, match="Write the response"):
        services.publish_response(consultation=empty, actor=editor)
    assert not Consultation.objects.filter(response_published_at__isnull=False).exists()


def test_everyone_who_took_part_is_emailed_once_in_their_language(editor, committed, privacy_policy):
    consultation = with_response(
        ClosedConsultationFactory(closing_notified_at=timezone.now()),  # the editors were told of the closing
        response_es="<p>El párrafo 2 nombra ahora a los sindicatos.</p>",
    )
    spanish = ParticipantFactory(profile__preferred_language="es")
    english = ParticipantFactory(profile__preferred_language="en")
    bystander = ParticipantFactory()
    for person, count in ((spanish, 2), (english, 1)):
        for _ in range(count):
            ApprovedCommentFactory(consultation=consultation, participant=person)
    PendingCommentFactory(consultation=consultation, participant=english)  # still took part
    with committed():
        services.publish_response(consultation=consultation, actor=editor)
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {spanish.email, english.email}
    assert bystander.email not in by_address
    assert "respuesta" in by_address[spanish.email].subject.lower()
    assert "sindicatos" in by_address[spanish.email].body
    assert "/es/consultations/" in by_address[spanish.email].body
    assert "trade unions" in by_address[english.email].body and "2 comments" in by_address[english.email].body
    # Told once: the task again, the sweep, a second press.
    with committed():
        assert emails.notify_participants(consultation.pk) == 0
        emails.queue_owed_emails()
    with pytest.raises(services.InvalidMove, match="published already"):
        services.publish_response(consultation=consultation, actor=editor)
    assert len(mail.outbox) == 2
    assert OutboundEmail.objects.filter(kind="consultations.response").count() == 2


def test_a_lost_response_task_is_done_by_the_sweep(editor, settings, privacy_policy, committed):
    consultation = with_response(ClosedConsultationFactory(closing_notified_at=timezone.now()))
    ApprovedCommentFactory(consultation=consultation, participant=ParticipantFactory())
    services.publish_response(consultation=consultation, actor=editor)  # its task never ran (no commit)
    Consultation.objects.filter(pk=consultation.pk).update(response_published_at=timezone.now() - timedelta(hours=1))
    with committed():
        assert emails.queue_owed_emails() == 1
    assert len(mail.outbox) == 1


def test_the_response_and_the_final_document_show_once_published(client, editor):
    consultation = with_response(ClosedConsultationFactory(), final_document="<p>The final text.</p>")
    paragraph = consultation.paragraphs.get(number=1)
    paragraph.response = "We added the figure of 80 participants."
    paragraph.save()
    html = client.get(consultation.get_absolute_url()).content.decode()
    assert "trade unions" not in html and "The final text." not in html and "80 participants." not in html
    services.publish_response(consultation=consultation, actor=editor)
    html = client.get(consultation.get_absolute_url()).content.decode()
    assert "The response" in html and "trade unions" in html
    assert "The final text." in html and "We added the figure of 80 participants." in html


# --- The admin ------------------------------------------------------------------------------------


def test_the_admin_closes_exports_and_publishes_the_response(editor_client, editor, committed):
    consultation = OpenConsultationFactory()
    change_url = reverse("admin:consultations_consultation_change", args=[consultation.pk])
    respond_url = reverse("admin:consultations_consultation_respond", args=[consultation.pk])
    html = editor_client.get(change_url).content.decode()
    assert "Close the consultation now" in html and respond_url not in html
    editor_client.post(reverse("admin:consultations_consultation_close", args=[consultation.pk]))
    consultation.refresh_from_db()
    assert consultation.is_closed
    with_response(consultation)
    assert respond_url in editor_client.get(change_url).content.decode()
    with committed():
        editor_client.post(reverse("admin:consultations_consultation_respond", args=[consultation.pk]))
    consultation.refresh_from_db()
    assert consultation.has_response


def test_an_author_sees_no_close_nor_response_button_and_is_refused(author_client, author):
    consultation = OpenConsultationFactory(author=author, status="draft", published_at=None, first_published_at=None)
    html = author_client.get(reverse("admin:consultations_consultation_change", args=[consultation.pk])).content
    assert b"Close the consultation now" not in html
    author_client.post(reverse("admin:consultations_consultation_close", args=[consultation.pk]))
    consultation.refresh_from_db()
    assert consultation.is_open


def test_saving_the_draft_in_the_admin_splits_it_and_keeps_the_comments(editor_client, consultation, paragraphs):
    comment = ApprovedCommentFactory(consultation=consultation, paragraph=paragraphs[0])
    change_url = reverse("admin:consultations_consultation_change", args=[consultation.pk])
    form = editor_client.get(change_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and not isinstance(value, list)}
    data.update(
        {
            "title_en": consultation.title,
            "slug": consultation.slug,
            "summary_en": consultation.summary,
            "question_en": consultation.question,
            "document_en": "<p>A new first paragraph.</p>" + consultation.document_en,
            "opens_at_0": timezone.localtime(consultation.opens_at).strftime("%Y-%m-%d"),
            "opens_at_1": timezone.localtime(consultation.opens_at).strftime("%H:%M:%S"),
            "closes_at_0": timezone.localtime(consultation.closes_at).strftime("%Y-%m-%d"),
            "closes_at_1": timezone.localtime(consultation.closes_at).strftime("%H:%M:%S"),
            "eligible_sectors": ["business"],
        }
    )
    inline = consultation.paragraphs.exclude(kind="heading").order_by("is_removed", "position", "pk")
    data.update({"paragraphs-TOTAL_FORMS": str(inline.count()), "paragraphs-INITIAL_FORMS": str(inline.count()),
                 "paragraphs-MIN_NUM_FORMS": "0", "paragraphs-MAX_NUM_FORMS": "1000",
                 "portal-workflowevent-content_type-object_id-TOTAL_FORMS": "0",
                 "portal-workflowevent-content_type-object_id-INITIAL_FORMS": "0"})  # fmt: skip
    for index, paragraph in enumerate(inline):
        data[f"paragraphs-{index}-id"] = str(paragraph.pk)
        data[f"paragraphs-{index}-consultation"] = str(consultation.pk)
        data[f"paragraphs-{index}-response_en"] = "Kept as it was." if paragraph == paragraphs[0] else ""
    response = editor_client.post(change_url, data)
    if response.status_code != 302:
        errors = [formset.formset.errors for formset in response.context["inline_admin_formsets"]]
        pytest.fail(f"{response.context['adminform'].form.errors} {errors} {response.context['errors']}")
    consultation.refresh_from_db()
    comment.refresh_from_db()
    assert consultation.eligible_sectors == ["business"]
    assert comment.paragraph.number == 2 and comment.paragraph.response == "Kept as it was."


# --- The export -----------------------------------------------------------------------------------


def test_editors_export_every_comment_with_its_paragraph_and_status(editor_client, consultation, paragraphs):
    ApprovedCommentFactory(consultation=consultation, paragraph=paragraphs[1], text="=HYPERLINK(\"x\")",
                           author_organisation="ProMéxico", author_sector="business")  # fmt: skip
    PendingCommentFactory(consultation=consultation, paragraph=None, text="On the whole.")
    Comment.objects.create(consultation=consultation, paragraph=paragraphs[0], text="Spam", status="rejected",
                           rejection_reason="Advertising", author_sector="other")  # fmt: skip
    response = editor_client.get(reverse("admin:consultations_consultation_export", args=[consultation.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Paragraph", "Paragraph text", "Comment", "Sector", "Country", "Organisation", "Date",
                       "Moderation status", "Paragraph edited since"]  # fmt: skip
    assert [row[0] for row in rows[1:]] == ["Whole draft", "1", "2"]  # in the order of the draft
    assert rows[3][2] == '\'=HYPERLINK("x")'  # written as text, never run
    assert (rows[3][3], rows[3][4], rows[3][5], rows[3][7]) == ("Business", "Mexico", "ProMéxico", "Approved")
    assert rows[2][7] == "Rejected" and rows[1][7] == "Awaiting moderation"


def test_who_cannot_see_comments_cannot_export_them(author_client, consultation):
    AuthorFactory()
    response = author_client.get(reverse("admin:consultations_consultation_export", args=[consultation.pk]))
    assert response.status_code in {403, 302}
