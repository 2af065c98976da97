"""Factories of consultations, per state. Times are relative to now."""

from datetime import timedelta

import factory
from django.utils import timezone

from consultations.models import Comment, Consultation
from portal.models import Status
from tests.factories import CountryFactory, EditorFactory

#: The draft of the demo, shortened: real sentences of the report on the Mexico City meeting.
DRAFT = (
    "<h2>The meeting</h2>"
    "<p>The meeting included outreach and awareness-raising sessions with the business and public sectors, "
    "bringing together more than 80 people.</p>"
    "<p>The varied exchanges and presentations gave way to a reflective dialogue that allowed the NCPs to identify "
    "lessons learned, good practices and possibilities for improvement.</p>"
    "<h2>Meeting with the public and business sectors</h2>"
    "<p>In order to improve the operation and broaden the impact of the NCP’s work, spaces were provided for "
    "awareness-raising and involvement with public agencies and companies located in Mexico.</p>"
    "<ul><li>Important elements on CER, due diligence and the NCPs were shared with both groups.</li>"
    "<li>This meeting marks the milestone of the completion of Chile’s coordination of the SGCER-AP.</li></ul>"
)


def ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


def ahead(**kwargs):
    return timezone.now() + timedelta(**kwargs)


class DraftConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    title = factory.Sequence(lambda n: f"Mexico 2025 Exit Document, draft {n}")
    slug = factory.Sequence(lambda n: f"exit-document-draft-{n}")
    summary = "The lessons learned and main conclusions of the meeting, as a draft."
    question = "Do the conclusions reflect your experience of the National Contact Points?"
    document = DRAFT
    opens_at = factory.LazyFunction(lambda: ago(days=2))
    closes_at = factory.LazyFunction(lambda: ahead(days=5))
    status = Status.DRAFT
    author = factory.SubFactory(EditorFactory)


class OpenConsultationFactory(DraftConsultationFactory):
    status = Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: ago(days=3))
    first_published_at = factory.SelfAttribute("published_at")


class UpcomingConsultationFactory(OpenConsultationFactory):
    opens_at = factory.LazyFunction(lambda: ahead(days=1))
    closes_at = factory.LazyFunction(lambda: ahead(days=8))


class ClosedConsultationFactory(OpenConsultationFactory):
    opens_at = factory.LazyFunction(lambda: ago(days=10))
    closes_at = factory.LazyFunction(lambda: ago(days=1))


class PendingCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    consultation = factory.SubFactory(OpenConsultationFactory)
    paragraph = factory.LazyAttribute(lambda o: o.consultation.paragraphs.filter(number=1).first())
    participant = None
    text = "Add the role of trade unions in the dialogue with the NCPs."
    status = Comment.Status.PENDING
    author_name = factory.Sequence(lambda n: f"Participant {n}")
    author_organisation = "Red de Sociedad Civil"
    author_sector = Comment.Sector.CIVIL_SOCIETY
    author_country = factory.LazyFunction(lambda: CountryFactory(code="MX"))
    created_at = factory.LazyFunction(lambda: ago(hours=1))


class ApprovedCommentFactory(PendingCommentFactory):
    status = Comment.Status.APPROVED
    moderated_at = factory.LazyFunction(timezone.now)
