"""Factories of the observatory app, per state. Dates are relative to today."""

from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from observatory import demo_files
from observatory.models import Collaborator, Comment, Indicator, Observatory, Publication, PublicationFile
from portal.models import Status
from tests.factories import AuthorFactory, BodyFactory, yesterday


def days_ago(days):
    return (timezone.now() - timedelta(days=days)).date()


def pdf_bytes(title="Demo report"):
    return demo_files.pdf(title, ["A paragraph of the report."])


def csv_bytes():
    return "country,share\nChile,29\nPerú,75\n".encode()


def xlsx_bytes():
    return demo_files.xlsx("Data", ["Subsector"], [["Roads"], ["Ports"]])


def docx_bytes():
    return demo_files.docx("Exit document", ["Lessons learned."])


class ObservatoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Observatory
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Observatory of trade topic {n}")
    slug = factory.Sequence(lambda n: f"observatory-{n}")
    summary = "A platform that shares knowledge with business, academia and civil society."
    mission = "To generate relevant knowledge on specific topics."
    objectives = "<ul><li>Generate knowledge.</li></ul>"
    launched_on = factory.LazyFunction(lambda: days_ago(400))
    body = factory.SubFactory(BodyFactory)


class DraftPublicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publication

    title = factory.Sequence(lambda n: f"Study on public procurement systems, part {n}")
    slug = factory.Sequence(lambda n: f"study-public-procurement-{n}")
    kind = Publication.Kind.STUDY
    abstract = "How the public procurement systems of the member countries behave."
    body = "<p>The study compares the four member countries.</p>"
    language = Publication.Language.ENGLISH
    publication_date = factory.LazyFunction(lambda: days_ago(30))
    status = Status.DRAFT
    author = factory.SubFactory(AuthorFactory)


class InReviewPublicationFactory(DraftPublicationFactory):
    status = Status.IN_REVIEW


class PublishedPublicationFactory(DraftPublicationFactory):
    status = Status.PUBLISHED
    published_at = factory.LazyFunction(yesterday)
    first_published_at = factory.SelfAttribute("published_at")


class ScheduledPublicationFactory(PublishedPublicationFactory):
    published_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))


class ArchivedPublicationFactory(PublishedPublicationFactory):
    status = Status.ARCHIVED


class CollaboratorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collaborator

    publication = factory.SubFactory(PublishedPublicationFactory)
    kind = Collaborator.Kind.PERSON
    name = "Ariel Nowerszrtern"
    affiliation = "Inter-American Development Bank"


class PublicationFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicationFile

    publication = factory.SubFactory(PublishedPublicationFactory)
    title = "Full report"
    file = factory.LazyFunction(lambda: ContentFile(pdf_bytes(), name="full-report.pdf"))


class PendingCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    publication = factory.SubFactory(PublishedPublicationFactory)
    participant = None
    text = "The study should also cover sustainable public purchases."
    status = Comment.Status.PENDING
    author_name = factory.Sequence(lambda n: f"Participant {n}")
    author_organisation = "Universidad de Lima"
    author_sector = Comment.Sector.ACADEMIA
    author_country = "PE"


class ApprovedCommentFactory(PendingCommentFactory):
    status = Comment.Status.APPROVED
    moderated_at = factory.LazyFunction(timezone.now)


# --- Indicators and data ---------------------------------------------------------------------


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator
        django_get_or_create = ("code",)

    observatory = factory.SubFactory(ObservatoryFactory)
    code = factory.Sequence(lambda n: f"UNE_RT_{n}")
    slug = factory.LazyAttribute(lambda o: o.code.lower().replace("_", "-"))
    name = "Unemployment rate"
    name_es = "Tasa de desempleo"
    definition = "Unemployed persons as a share of the labour force."
    unit = "% of the labour force"
    unit_symbol = "%"
    frequency = Indicator.Frequency.YEAR
    decimals = 1
    source = "National statistical offices"
    licence = "CC BY 4.0"


def template_csv(rows, header="indicator,country,period,value,sex,age,education,status,footnote,unit"):
    """A template file's text: ``rows`` are lists of cells in the header's order."""
    lines = [header] + [",".join(str(cell) for cell in row) for row in rows]
    return "\n".join(lines) + "\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def import_rows(tmp_path, indicator, rows, *, key="labour-demo", name="data.csv", actor=None, **kwargs):
    """Import template ``rows`` into ``indicator``'s observatory; returns the report."""
    from observatory.imports import import_dataset

    path = write(tmp_path, name, template_csv(rows))
    return import_dataset(
        path=path, observatory=indicator.observatory, key=key, title="Labour market indicators", actor=actor, **kwargs
    )


def published_import(tmp_path, indicator, rows, *, editor, **kwargs):
    """Import and publish a version (what the public then sees)."""
    from portal import services

    report = import_rows(tmp_path, indicator, rows, actor=editor, **kwargs)
    assert report.is_valid, report.errors
    services.publish(item=report.dataset, actor=editor, at=yesterday())
    return report.dataset
