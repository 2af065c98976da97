"""Event factories per state. Times are relative to now; nothing here is a fixed date that rots."""

from datetime import timedelta

import factory
from django.utils import timezone

from events.models import Event, EventDocument, EventPartner, Registration, ReminderRule, Session, Speaker
from portal.models import Status
from tests.factories import ParticipantFactory, yesterday


def in_days(days, hours=0):
    return timezone.now() + timedelta(days=days, hours=hours)


class DraftEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Webinar on digital skills for teachers, edition {n}")
    slug = factory.Sequence(lambda n: f"webinar-digital-skills-{n}")
    kind = Event.Kind.WEBINAR
    format = Event.Format.VIRTUAL
    summary = "Competences to take advantage of the digital space at school."
    description = "<p>The speaker will be Mariana Maggio.</p>"
    time_zone = "America/Mexico_City"
    start = factory.LazyFunction(lambda: in_days(10))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(hours=2))
    online_url = "https://meet.example.org/pacific-webinar"
    status = Status.DRAFT

    @factory.post_generation
    def reminders(obj, create, extracted, **kwargs):
        """Hours before the start of each reminder (``reminders=[168, 24, 1]``); one a day before by default."""
        if not create:
            return
        hours = [ReminderRule.DEFAULT_HOURS_BEFORE] if extracted is None else extracted
        ReminderRule.objects.bulk_create(ReminderRule(event=obj, hours_before=value) for value in hours)


class PublishedEventFactory(DraftEventFactory):
    status = Status.PUBLISHED
    published_at = factory.LazyFunction(yesterday)
    first_published_at = factory.SelfAttribute("published_at")


class OpenEventFactory(PublishedEventFactory):
    """Published, taking registrations now, ten seats and a waiting list."""

    registration_enabled = True
    capacity = 10
    has_waiting_list = True


class PastEventFactory(PublishedEventFactory):
    start = factory.LazyFunction(lambda: in_days(-30))
    published_at = factory.LazyFunction(lambda: in_days(-60))


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    event = factory.SubFactory(PublishedEventFactory)
    name = factory.Sequence(lambda n: f"Speaker {n}")
    role = "Keynote speaker"
    organisation = "University of Buenos Aires"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    event = factory.SubFactory(PublishedEventFactory)
    title = factory.Sequence(lambda n: f"Session {n}")
    start = factory.LazyAttribute(lambda o: o.event.start)
    end = factory.LazyAttribute(lambda o: o.start + timedelta(hours=1))


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventPartner

    event = factory.SubFactory(PublishedEventFactory)
    name = "OECD"
    url = "https://www.oecd.org/"


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventDocument

    event = factory.SubFactory(PublishedEventFactory)
    title = "Exit document"
    kind = EventDocument.Kind.OUTCOME
    url = "https://example.org/exit-document.pdf"


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    event = factory.SubFactory(OpenEventFactory)
    participant = factory.SubFactory(ParticipantFactory)
    status = Registration.Status.PENDING
    status_changed_at = factory.LazyFunction(timezone.now)


class ConfirmedRegistrationFactory(RegistrationFactory):
    """Confirmed, and told so (its email is not owed any more)."""

    status = Registration.Status.CONFIRMED
    confirmed_at = factory.SelfAttribute("status_changed_at")
    status_notified_at = factory.SelfAttribute("status_changed_at")


class WaitlistedRegistrationFactory(RegistrationFactory):
    status = Registration.Status.WAITLISTED
    waitlisted_at = factory.SelfAttribute("status_changed_at")
    status_notified_at = factory.SelfAttribute("status_changed_at")


def reminder_at(event):
    """When the event's one reminder goes (events made with the default ``reminders``)."""
    return event.reminder_rules.get().at(event)
