"""The demo (`make run`): the Mexico 2025 Exit Document as a draft that can be commented paragraph by
paragraph and closed with a response, and a demo participant who gets a digest of what they follow."""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from consultations import services
from consultations.models import Consultation
from following.models import Follow
from portal.management.commands.seed_demo import DEMO_PARTICIPANT
from tests.factories import EditorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def demo_participant(django_user_model):
    return django_user_model.objects.get(email=DEMO_PARTICIPANT[0])


def test_the_demo_draft_is_open_and_marked_as_a_demo(seeded, client):
    consultation = Consultation.objects.get(slug="mexico-2025-exit-document-draft")
    assert consultation.is_live and consultation.is_demo and consultation.phase == "open"
    assert consultation.paragraphs.filter(is_removed=False, number__isnull=False).count() >= 10
    first = consultation.paragraphs.get(number=1)
    assert first.plain_text.startswith("February 28, 2025.- Between February 25 and 27")  # the report, word for word
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert "Demo consultation" in page and f'id="p-{first.key}"' in page


def test_the_demo_participant_comments_and_an_editor_closes_it_with_a_response(seeded, django_user_model):
    consultation = Consultation.objects.get(slug="mexico-2025-exit-document-draft")
    second = consultation.paragraphs.get(number=2)
    comment = services.post_comment(
        consultation=consultation,
        participant=demo_participant(django_user_model),
        text="Name the trade unions among the actors.",
        paragraph_key=second.key,
    )
    editor = EditorFactory()
    services.approve_comment(comment=comment, moderator=editor)
    services.close_now(consultation=consultation, actor=editor)
    consultation.response_en = "<p>Paragraph 2 now names the trade unions.</p>"
    consultation.save()
    services.publish_response(consultation=consultation, actor=editor)
    consultation.refresh_from_db()
    assert consultation.has_response and consultation.phase == "closed"


def test_the_demo_participant_receives_a_digest_of_what_they_follow(seeded, django_user_model, committed):
    participant = demo_participant(django_user_model)
    assert Follow.objects.filter(user=participant).count() == 2
    with committed():
        call_command("send_digests", "--now", "--days", "30", "--frequency", "weekly", stdout=io.StringIO())
    digest = [message for message in mail.outbox if message.to == [participant.email]]
    assert len(digest) == 1
    assert "Mexico 2025 Exit Document (draft for comments)" in digest[0].body  # the consultation they follow


def test_seeding_twice_duplicates_nothing(seeded, settings, django_user_model):
    counts = (Consultation.objects.count(), Follow.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Consultation.objects.count(), Follow.objects.count()) == counts
    assert Consultation.objects.get(slug="mexico-2025-exit-document-draft").phase == "open"
