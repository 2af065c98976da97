"""The survey after the event: one response per participant, anonymous to the other participants.

Who may answer: a registration that attended, or had a seat and did not come (the follow-up
emails carry the personal survey link, events.links SURVEY), once the event has ended. One
response per registration (a database constraint, and the row locked while it is written).
The response keeps the respondent's country and sector as their profile said, for the results
per country and sector; staff see the answers with those, never with the name.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.errors import SurveyRefused
from events.models import Registration, SurveyAnswer, SurveyQuestion, SurveyResponse

ANSWERING = (Registration.Status.ATTENDED, Registration.Status.CONFIRMED)
TEXT_MAX = 2000


def survey_refusal(registration: Registration) -> str | None:
    """Why ``registration`` cannot answer the event's survey now, or None."""
    event = registration.event
    if registration.status not in ANSWERING:
        return _("Only participants who had a seat at the event can answer its survey.")
    if not event.survey_questions.exists():
        return _("This event has no survey.")
    if timezone.now() < event.end:
        return _("The survey opens when the event has ended.")
    if SurveyResponse.objects.filter(registration=registration).exists():
        return _("You have already answered this survey. Thank you!")
    return None


@dataclass(frozen=True)
class Answer:
    question: SurveyQuestion
    rating: int | None = None
    text: str = ""


def answer_survey(*, registration: Registration, answers: dict[int, object]) -> SurveyResponse:
    """Record ``answers`` (question id → a rating 1–5 or a text) as the registration's response.

    Refused (SurveyRefused), nothing recorded: someone without a seat, before the end, a
    second response, a required question left empty, a rating outside 1–5, an answer to a
    question of another event.
    """
    refusal = survey_refusal(registration)
    if refusal:
        raise SurveyRefused(refusal)
    questions = {question.pk: question for question in registration.event.survey_questions.all()}
    unknown = set(answers) - set(questions)
    if unknown:
        raise SurveyRefused(_("These answers are not for this event's survey."))
    cleaned = []
    for question in questions.values():
        value = answers.get(question.pk)
        if value in (None, ""):
            if question.is_required:
                raise SurveyRefused(_("Answer “%(question)s”: it is required.") % {"question": question.text})
            continue
        if question.kind == SurveyQuestion.Kind.RATING:
            try:
                rating = int(value)
            except (TypeError, ValueError):
                rating = 0
            if not 1 <= rating <= 5:
                raise SurveyRefused(_("A rating is a whole number from 1 to 5."))
            cleaned.append(Answer(question, rating=rating))
        else:
            cleaned.append(Answer(question, text=str(value).strip()[:TEXT_MAX]))
    profile = getattr(registration.participant, "profile", None)
    try:
        with transaction.atomic():
            locked = Registration.objects.select_for_update().get(pk=registration.pk)
            if SurveyResponse.objects.filter(registration=locked).exists():
                raise SurveyRefused(_("You have already answered this survey. Thank you!"))
            response = SurveyResponse.objects.create(
                event_id=locked.event_id,
                registration=locked,
                country=profile.country.code if profile else "",
                sector=profile.sector if profile else "",
                attended=locked.status == Registration.Status.ATTENDED,
            )
            SurveyAnswer.objects.bulk_create(
                SurveyAnswer(response=response, question=answer.question, rating=answer.rating, text=answer.text)
                for answer in cleaned
            )
    except IntegrityError as error:  # the same person, twice at once
        raise SurveyRefused(_("You have already answered this survey. Thank you!")) from error
    return response
