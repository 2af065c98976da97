"""The survey's results for organisers (the admin's results page and its XLSX file): per
question, the ratings' average overall, per country and per stakeholder sector, and the free
texts with the respondent's country and sector (never a name). A few queries per event."""

import io

from django.db.models import Avg, Count
from django.utils.translation import gettext as _
from django_countries import countries as iso_countries
from openpyxl import Workbook

from accounts.models import Profile
from events.models import Event, SurveyAnswer, SurveyQuestion

SECTORS = dict(Profile.Sector.choices)


def survey_results(event: Event) -> dict:
    questions = list(event.survey_questions.all())
    ratings = SurveyAnswer.objects.filter(question__event=event, rating__isnull=False).order_by()
    stats = {"average": Avg("rating"), "count": Count("pk")}
    overall = {row["question"]: row for row in ratings.values("question").annotate(**stats)}
    by_country = ratings.values("question", "response__country").annotate(**stats)
    by_sector = ratings.values("question", "response__sector").annotate(**stats)
    texts = (
        SurveyAnswer.objects.filter(question__event=event, question__kind=SurveyQuestion.Kind.TEXT)
        .exclude(text="")
        .values("question", "text", "response__country", "response__sector")
        .order_by("question", "pk")
    )
    texts = list(texts)

    def country_name(code):
        return iso_countries.name(code) if code else _("Unknown")

    rows = []
    for question in questions:
        entry = {"question": question, "overall": overall.get(question.pk), "countries": [], "sectors": [], "texts": []}
        if question.kind == SurveyQuestion.Kind.RATING:
            entry["countries"] = sorted(
                (country_name(row["response__country"]), row["average"], row["count"])
                for row in by_country
                if row["question"] == question.pk
            )
            entry["sectors"] = sorted(
                (_sector(row["response__sector"]), row["average"], row["count"])
                for row in by_sector
                if row["question"] == question.pk
            )
        else:
            entry["texts"] = [
                (
                    row["text"],
                    country_name(row["response__country"]),
                    _sector(row["response__sector"]),
                )
                for row in texts
                if row["question"] == question.pk
            ]
        rows.append(entry)
    return {"questions": rows, "responses": event.survey_responses.count(), "is_demo": event.is_demo}


def results_xlsx(event: Event) -> bytes:
    results = survey_results(event)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Ratings")[:31]
    if results["is_demo"]:
        sheet.append([_("Demo data: answers to a demo event of the portal.")])
    sheet.append([_("Question"), _("Group"), _("Value"), _("Answers"), _("Average (1–5)")])
    for entry in results["questions"]:
        if entry["question"].kind != SurveyQuestion.Kind.RATING:
            continue
        overall = entry["overall"] or {"count": 0, "average": None}
        sheet.append([entry["question"].text, _("All"), "", overall["count"], _round(overall["average"])])
        for group, label in (("countries", _("Country")), ("sectors", _("Sector"))):
            for name, average, count in entry[group]:
                sheet.append([entry["question"].text, label, name, count, _round(average)])
    comments = book.create_sheet(_("Comments")[:31])
    if results["is_demo"]:
        comments.append([_("Demo data: answers to a demo event of the portal.")])
    comments.append([_("Question"), _("Country"), _("Sector"), _("Answer")])
    for entry in results["questions"]:
        for text, country, sector in entry["texts"]:
            comments.append([entry["question"].text, country, sector, text])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sector(value: str) -> str:
    return str(SECTORS.get(value, _("Unknown")))


def _round(value):
    return round(value, 2) if value is not None else None
