"""Factories of the observatory app, per state. Dates are relative to today."""

from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from observatory import demo_files
from observatory.models import Collaborator, Comment, Observatory, Publication, PublicationFile
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
