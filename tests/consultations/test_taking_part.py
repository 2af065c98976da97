"""Taking part: who may comment, when (by the clock, no job), on what; bad input changes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations import services
from consultations.models import Comment
from tests.consultations.factories import (
    ClosedConsultationFactory,
    DraftConsultationFactory,
    OpenConsultationFactory,
    UpcomingConsultationFactory,
)
from tests.factories import CountryFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


def post_url(consultation):
    return reverse("consultations:post_comment", kwargs={"slug": consultation.slug})


def test_a_participant_comments_on_a_paragraph_pending_moderation(client, participant, consultation, paragraphs):
    client.force_login(participant)
    response = client.post(post_url(consultation), {"paragraph": paragraphs[1].key, "text": " Add the ILO's view. "})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#p-{paragraphs[1].key}")
    comment = Comment.objects.get()
    assert (comment.paragraph, comment.text, comment.status) == (paragraphs[1], "Add the ILO's view.", "pending")
    assert (comment.author_sector, comment.author_country) == (participant.profile.sector, participant.profile.country)


def test_a_comment_on_the_whole_draft_has_no_paragraph(client, participant, consultation):
    client.force_login(participant)
    client.post(post_url(consultation), {"paragraph": "", "text": "The draft should name the trade unions."})
    assert Comment.objects.get().paragraph is None


def test_the_clock_opens_and_closes_the_consultation_with_no_job(participant, consultation):
    services.post_comment(consultation=consultation, participant=participant, text="Within the time.")
    with pytest.raises(services.NotOpen, match="opens on"):
        services.post_comment(
            consultation=consultation,
            participant=participant,
            text="Too early.",
            now=consultation.opens_at - timedelta(seconds=1),
        )
    with pytest.raises(services.NotOpen, match="closed on"):
        services.post_comment(
            consultation=consultation, participant=participant, text="Too late.", now=consultation.closes_at
        )
    # The last moment before the closing time still counts, and the comment bears that time.
    last = consultation.closes_at - timedelta(microseconds=1)
    comment = services.post_comment(consultation=consultation, participant=participant, text="Just in.", now=last)
    assert comment.created_at == last
    assert Comment.objects.count() == 2


@pytest.mark.parametrize("factory", [UpcomingConsultationFactory, ClosedConsultationFactory, DraftConsultationFactory])
def test_outside_its_time_or_unpublished_a_consultation_takes_nothing(client, participant, factory):
    consultation = factory()
    client.force_login(participant)
    if consultation.is_live:
        response = client.post(post_url(consultation), {"paragraph": "", "text": "Out of time."}, follow=True)
        assert response.status_code == 200
        assert "This consultation" in response.content.decode()
    else:
        assert client.post(post_url(consultation), {"paragraph": "", "text": "Out of time."}).status_code == 404
    assert not Comment.objects.exists()


def test_a_paragraph_that_is_not_in_the_draft_is_refused(client, participant, consultation):
    other = OpenConsultationFactory()
    heading = consultation.paragraphs.get(kind="heading", position=0)
    client.force_login(participant)
    for key in ("nothere", other.paragraphs.filter(number=1).get().key, heading.key):
        response = client.post(post_url(consultation), {"paragraph": key, "text": "On what?"}, follow=True)
        assert "That paragraph is not part of the draft" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_removed_paragraph_takes_no_new_comment(participant, consultation, paragraphs):
    from tests.consultations.factories import ApprovedCommentFactory

    ApprovedCommentFactory(consultation=consultation, paragraph=paragraphs[0])
    consultation.document = consultation.document.replace(paragraphs[0].html, "")
    consultation.save()
    paragraphs[0].refresh_from_db()
    assert paragraphs[0].is_removed
    with pytest.raises(services.UnknownParagraph):
        services.post_comment(
            consultation=consultation, participant=participant, text="Still?", paragraph_key=paragraphs[0].key
        )


def test_only_the_chosen_sectors_and_countries_may_take_part(client, privacy_policy):
    consultation = OpenConsultationFactory(eligible_sectors=["business", "civil_society"])
    consultation.eligible_countries.set([CountryFactory(code="MX"), CountryFactory(code="CO")])
    academic = ParticipantFactory(profile__sector="academia", profile__country=CountryFactory(code="MX"))
    peruvian = ParticipantFactory(profile__sector="business", profile__country=CountryFactory(code="PE"))
    admitted = ParticipantFactory(profile__sector="business", profile__country=CountryFactory(code="MX"))
    with pytest.raises(services.NotEligible, match="these sectors only: Business, Civil society"):
        services.post_comment(consultation=consultation, participant=academic, text="From academia.")
    with pytest.raises(services.NotEligible, match="these countries only"):
        services.post_comment(consultation=consultation, participant=peruvian, text="From Peru.")
    services.post_comment(consultation=consultation, participant=admitted, text="From a Mexican company.")
    assert Comment.objects.count() == 1
    # The page says so to those outside, instead of showing a form.
    client.force_login(academic)
    html = client.get(consultation.get_absolute_url()).content.decode()
    assert "takes comments from these sectors only" in html
    assert 'name="text"' not in html


def test_people_who_are_not_participants_cannot_comment(client, consultation, privacy_policy):
    unverified = ParticipantFactory(verified_email=False)
    without_profile = UserFactory()
    for person in (unverified, without_profile):
        with pytest.raises(services.NotAllowed):
            services.post_comment(consultation=consultation, participant=person, text="Me too.")
    response = client.post(post_url(consultation), {"paragraph": "", "text": "Anonymous."})
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert not Comment.objects.exists()


def test_empty_or_too_long_text_is_refused_and_kept_in_the_form(
    client, participant, consultation, paragraphs, settings
):
    settings.CONSULTATIONS_COMMENT_MAX_LENGTH = 20
    client.force_login(participant)
    response = client.post(post_url(consultation), {"paragraph": paragraphs[0].key, "text": "x" * 25})
    assert response.status_code == 400
    html = response.content.decode()
    assert "at most 20 characters" in html
    assert "x" * 25 in html  # to send again, shortened
    assert f'id="p-{paragraphs[0].key}"' in html
    response = client.post(post_url(consultation), {"paragraph": "", "text": "   "})
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_the_rate_limit_stops_a_flood(client, participant, consultation, settings):
    settings.CONSULTATIONS_COMMENT_RATE = "2/h"
    client.force_login(participant)
    for number in range(2):
        assert client.post(post_url(consultation), {"paragraph": "", "text": f"Comment {number}"}).status_code == 302
    response = client.post(post_url(consultation), {"paragraph": "", "text": "One too many"})
    assert response.status_code == 400
    assert "Please wait a while" in response.content.decode()
    assert Comment.objects.count() == 2


def test_a_closed_consultation_page_has_no_comment_form(client, participant):
    consultation = ClosedConsultationFactory()
    client.force_login(participant)
    html = client.get(consultation.get_absolute_url()).content.decode()
    assert "it no longer takes comments" in html
    assert 'name="text"' not in html


def test_eligibility_is_checked_with_the_profile_of_now(participant, consultation):
    consultation.eligible_sectors = ["business"]
    consultation.save()
    with pytest.raises(services.NotEligible):
        services.post_comment(consultation=consultation, participant=participant, text="Academia here.")
    participant.profile.sector = "business"
    participant.profile.save()
    comment = services.post_comment(consultation=consultation, participant=participant, text="Now a business.")
    assert comment.author_sector == "business"
    assert timezone.now() - comment.created_at < timedelta(minutes=1)
