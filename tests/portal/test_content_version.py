"""What turns the content version (every cached public page is then stale), and what does not.

Each app declares in its apps.py what public pages show (portal.cache.watch); a change that no
page shows leaves the cached pages alone.
"""

import pytest

from events import emails as event_emails
from events import services as event_services
from observatory import services as observatory_services
from observatory.models import Partner
from portal import cache, services
from portal.models import Country
from tests.events.factories import (
    ConfirmedRegistrationFactory,
    OpenEventFactory,
    RegistrationFactory,
    SpeakerFactory,
    WaitlistedRegistrationFactory,
    in_days,
)
from tests.factories import CountryFactory, DraftNewsFactory, ParticipantFactory, PublishedNewsFactory, TopicFactory
from tests.observatory.factories import (
    ApprovedCommentFactory,
    ObservatoryFactory,
    PendingCommentFactory,
    PublishedPublicationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def moves():
    """``with moves(True): …`` asserts that the block turns the version; ``moves(False)`` that it does not."""

    class Expect:
        def __init__(self, expected):
            self.expected = expected

        def __enter__(self):
            self.before = cache.content_version()

        def __exit__(self, *exc):
            if exc[0] is None:
                assert (cache.content_version() != self.before) is self.expected

    return Expect


@pytest.fixture
def members(db):
    return {code: CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")}


@pytest.fixture
def event(members):
    return OpenEventFactory(capacity=1, start=in_days(0, hours=10))


# --- Changes no page shows ------------------------------------------------------------------


def test_registrations_that_take_no_seat_and_their_email_stamps_change_no_page(event, moves):
    person = ParticipantFactory()
    with moves(False):
        registration = event_services.register(event=event, participant=person)  # pending
    with moves(False):
        event_emails.queue_registration_email(registration.pk)  # status_notified_at
    ConfirmedRegistrationFactory(event=event)  # the one seat is taken
    with moves(False):
        event_services.confirm(registration=registration)  # → the waiting list
    with moves(False):
        event_services.cancel(registration=WaitlistedRegistrationFactory(event=event))
    with moves(False):
        event_services.cancel(registration=RegistrationFactory(event=event))  # a pending one


def test_attending_after_confirming_and_the_reminder_stamp_change_no_page(members, moves):
    event = OpenEventFactory(start=in_days(0, hours=1), join_opens_minutes_before=120)
    registration = ConfirmedRegistrationFactory(event=event)
    with moves(False):
        assert event_services.send_due_reminders() == 1  # a ReminderSent row
    with moves(False):
        event_services.join(registration=registration)  # confirmed → attended: the same seat


def test_a_comment_waiting_for_moderation_or_rejected_changes_no_page(moves, editor):
    publication = PublishedPublicationFactory(accepts_comments=True)
    person = ParticipantFactory()
    with moves(False):
        pending = observatory_services.post_comment(
            publication=publication, participant=person, text="A careful remark on method."
        )
    with moves(False):
        observatory_services.reject_comment(comment=pending, moderator=editor, reason="Off topic.")


def test_a_drafts_edit_changes_no_page(moves):
    draft, topic = DraftNewsFactory(), TopicFactory()
    with moves(False):
        draft.title_en = "Still working on it"
        draft.save()
    with moves(False):
        draft.topics.add(topic)


def test_a_participants_profile_changes_no_page(moves):
    person = ParticipantFactory()
    with moves(False):
        person.profile.position = "Professor"
        person.profile.save()


# --- Changes public pages show ----------------------------------------------------------------


def test_publishing_and_editing_published_content_turn_the_version(moves, editor):
    news = DraftNewsFactory()
    with moves(True):
        services.publish(item=news, actor=editor)
    news.refresh_from_db()
    with moves(True):
        news.title_es = "Nuevo título"  # the other language counts too
        news.save()
    topic = TopicFactory()
    with moves(True):
        news.topics.add(topic)
    with moves(True):
        services.unpublish(item=news, actor=editor)


def test_the_parts_of_a_published_event_and_the_seats_turn_the_version(event, moves, editor):
    speaker = SpeakerFactory(event=event)
    with moves(True):
        speaker.bio = "Director of the observatory."
        speaker.save()
    registration = RegistrationFactory(event=event)
    with moves(True):
        event_services.confirm(registration=registration)  # takes the seat: seats_left changes
    with moves(True):
        event_services.cancel(registration=registration)  # frees it
    with moves(True):
        event_services.update_event(event=event, actor=editor, changes={"capacity": 5})


def test_taxonomy_changes_turn_the_version(moves):
    with moves(True):
        Country.objects.create(code="EC", name="Ecuador", time_zone="America/Guayaquil")
    with moves(True):
        TopicFactory().delete()


def test_an_approved_comment_and_an_observatory_edit_turn_the_version(moves, editor):
    comment = PendingCommentFactory()
    with moves(True):
        observatory_services.approve_comment(comment=comment, moderator=editor)
    observatory, news = ObservatoryFactory(), PublishedNewsFactory()
    with moves(True):
        observatory.summary_en = "Labour market figures of the four countries."
        observatory.save()
    with moves(True):
        Partner.objects.create(observatory=observatory, name="Universidad de Antioquia")
    with moves(True):
        observatory.news.add(news)


def test_every_app_declares_what_its_public_pages_show():
    declared = {model._meta.label for model in cache.watched()}
    assert {
        "portal.News", "portal.NewsLink", "portal.Country", "portal.Body", "portal.Topic",
        "events.Event", "events.Speaker", "events.Session", "events.EventDocument", "events.EventPartner",
        "events.Registration", "observatory.Observatory", "observatory.Publication", "observatory.Comment",
        "integrity.Initiative", "integrity.PledgeSignature",
    } <= declared  # fmt: skip
    assert "accounts.Profile" not in declared
    # What no page shows is not watched: the online access address, the reminders' bookkeeping.
    event_columns = {name for name, _attname in cache.watched()[type(OpenEventFactory.build())].columns}
    assert not event_columns & {"online_url", "reminders_enqueued_for", "search_document", "updated_at"}


def test_erasing_an_account_drops_its_name_from_the_cached_pages(moves):
    from accounts import services as accounts

    person = ParticipantFactory()
    ApprovedCommentFactory(participant=person, author_name=person.full_name)
    with moves(True):
        accounts.delete_account(user=person)
