"""After the event: the follow-up emails (attended / did not attend), once, and the survey with its results."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from events import emails, links, services
from events.models import FollowUp, Registration, SurveyAnswer, SurveyQuestion, SurveyResponse
from portal import registry
from tests.events.factories import (
    ConfirmedRegistrationFactory,
    DocumentFactory,
    PastEventFactory,
    RegistrationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

Status = Registration.Status


@pytest.fixture
def ended(members):
    """A seminar that ended two days ago, with a recording, an outcome document, a follow-up and a survey."""
    start = timezone.now() - timedelta(days=2, hours=3)
    event = PastEventFactory(start=start, end=start + timedelta(hours=3))
    SessionFactory(event=event, title="Opening panel", recording_url="https://video.example.org/opening")
    DocumentFactory(event=event, title="Exit document", url="https://example.org/exit.pdf")
    FollowUp.objects.create(
        event=event,
        hours_after=24,
        attended_text_en="Thank you for coming to Lima!",
        attended_text_es="¡Gracias por venir a Lima!",
    )
    SurveyQuestion.objects.create(event=event, text_en="How useful was it?", text_es="¿Qué tan útil fue?",
                                  is_required=True, position=1)  # fmt: skip
    SurveyQuestion.objects.create(event=event, kind=SurveyQuestion.Kind.TEXT, text_en="What should we change?",
                                  text_es="¿Qué deberíamos cambiar?", position=2)  # fmt: skip
    return event


def attended(event, **kwargs):
    return RegistrationFactory(event=event, status=Status.ATTENDED, attendance="online", **kwargs)


def sweep(committed, now=None):
    with committed():
        return emails.send_follow_ups(now=now)


def test_those_who_attended_and_those_who_did_not_get_different_emails_once(ended, committed, mailoutbox):
    came, missed = attended(ended), ConfirmedRegistrationFactory(event=ended)
    RegistrationFactory(event=ended, status=Status.CANCELLED)  # nothing
    RegistrationFactory(event=ended, status=Status.WAITLISTED)  # nothing
    assert sweep(committed) == 2
    assert sweep(committed) == 0  # the next sweep sends nothing again
    by_person = {message.to[0]: message for message in mailoutbox}
    thanks, catch_up = by_person[came.participant.email].body, by_person[missed.participant.email].body
    assert "Thank you for coming to Lima!" in thanks and "We missed you" not in thanks
    assert "We missed you" in catch_up and "Thank you for coming" not in catch_up
    for body in (thanks, catch_up):
        assert "https://video.example.org/opening" in body and "https://example.org/exit.pdf" in body
        assert f"/events/{ended.slug}/survey/" in body


def test_the_follow_up_waits_for_its_delay_after_the_end(ended, committed, mailoutbox):
    attended(ended)
    assert sweep(committed, now=ended.end + timedelta(hours=23)) == 0
    assert sweep(committed, now=ended.end + timedelta(hours=24, minutes=1)) == 1


def test_no_follow_up_without_one_set_up_nor_for_a_cancelled_event(members, ended, committed, mailoutbox, editor):
    other = PastEventFactory()
    attended(other)
    assert sweep(committed) == 0
    attended(ended)
    ended.state = ended.State.CANCELLED
    ended.save()
    assert sweep(committed) == 0


def test_the_follow_up_is_a_registered_sweep_of_the_workers():
    assert "events-follow-ups" in {sweep.key for sweep in registry.sweeps()}


def test_the_follow_up_is_in_the_participants_language(ended, committed, mailoutbox):
    registration = attended(ended)
    registration.participant.profile.preferred_language = "es"
    registration.participant.profile.save()
    sweep(committed)
    (message,) = mailoutbox
    assert "¡Gracias por venir a Lima!" in message.body and f"/es/events/{ended.slug}/survey/" in message.body


# --- The survey -------------------------------------------------------------------------------


def survey_url(registration):
    return reverse(
        "events:registration_survey",
        kwargs={"slug": registration.event.slug, "token": links.make_token(registration, links.SURVEY)},
    )


def answers_for(event, rating="4", text="More time for questions."):
    useful, change = event.survey_questions.order_by("position")
    return {f"q{useful.pk}": rating, f"q{change.pk}": text}


def test_a_participant_answers_the_survey_once(client, ended):
    registration = attended(ended)
    page = client.get(survey_url(registration))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "How useful was it?" in page.content.decode()
    done = client.post(survey_url(registration), answers_for(ended))
    assert "Thank you for your answers" in done.content.decode()
    response = SurveyResponse.objects.get(registration=registration)
    assert (response.country, response.sector, response.attended) == (
        registration.participant.profile.country, registration.participant.profile.sector, True,
    )  # fmt: skip
    assert set(response.answers.values_list("rating", "text")) == {(None, "More time for questions."), (4, "")}
    again = client.post(survey_url(registration), answers_for(ended, rating="1"))
    assert again.status_code == 409 and "already answered" in again.content.decode()
    assert SurveyAnswer.objects.filter(rating=1).count() == 0


def test_one_response_per_participant_in_the_database(ended):
    registration = attended(ended)
    SurveyResponse.objects.create(event=ended, registration=registration)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(event=ended, registration=registration)


def test_someone_who_did_not_register_cannot_answer(client, ended, participant):
    for status in (Status.CANCELLED, Status.PENDING, Status.WAITLISTED):
        registration = RegistrationFactory(event=ended, status=status)
        with pytest.raises(services.SurveyRefused, match="had a seat"):
            services.answer_survey(registration=registration, answers={})
    forged = client.get(reverse("events:registration_survey", kwargs={"slug": ended.slug, "token": "forged"}))
    assert forged.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_bad_answers_are_refused_and_nothing_is_recorded(ended):
    registration = attended(ended)
    useful, _change = ended.survey_questions.order_by("position")
    for answers, message in (
        ({}, "it is required"),
        ({useful.pk: "9"}, "from 1 to 5"),
        ({useful.pk: "good"}, "from 1 to 5"),
        ({useful.pk: 3, 999999: "?"}, "not for this event"),
    ):
        with pytest.raises(services.SurveyRefused, match=message):
            services.answer_survey(registration=registration, answers=answers)
    assert not SurveyResponse.objects.exists()


def test_the_survey_opens_when_the_event_has_ended(members):
    event = PastEventFactory(start=timezone.now() - timedelta(hours=1), end=timezone.now() + timedelta(hours=1))
    SurveyQuestion.objects.create(event=event, text="Useful?")
    with pytest.raises(services.SurveyRefused, match="when the event has ended"):
        services.answer_survey(registration=attended(event), answers={})


def test_organisers_see_the_results_per_country_and_sector_and_download_them(editor_client, ended, members):
    useful, change = ended.survey_questions.order_by("position")
    for country, sector, rating in (("PE", "academia", 5), ("PE", "academia", 3), ("CL", "public_sector", 2)):
        registration = attended(ended, participant__profile__country=members[country],
                                participant__profile__sector=sector)  # fmt: skip
        services.answer_survey(registration=registration, answers={useful.pk: rating, change.pk: f"From {country}"})
    url = reverse("admin:events_event_survey_results", args=[ended.pk])
    html = editor_client.get(url).content.decode()
    assert "3 responses." in html
    assert "Average 3.33 of 5 (3 answers)." in html
    assert '<th scope="row">Peru</th><td>2</td><td>4.00</td>' in html
    assert '<th scope="row">Chile</th><td>1</td><td>2.00</td>' in html
    assert "From CL" in html
    for registration in Registration.objects.filter(event=ended):
        assert registration.participant.email not in html  # anonymous: country and sector, no name

    download = editor_client.get(url, {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(download.content))["Ratings"]
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert ("How useful was it?", "All", None, 3, 3.33) in rows
    assert ("How useful was it?", "Country", "Peru", 2, 4.0) in rows


def test_the_results_are_for_staff_with_the_permission(author_client, ended):
    response = author_client.get(reverse("admin:events_event_survey_results", args=[ended.pk]))
    assert response.status_code == 403
