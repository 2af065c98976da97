"""Public event pages, calendar files and the personal-link pages, as a visitor gets them."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from events import links
from events.models import Event, Registration
from tests.events.factories import (
    ConfirmedRegistrationFactory,
    DocumentFactory,
    DraftEventFactory,
    OpenEventFactory,
    PartnerFactory,
    PastEventFactory,
    PublishedEventFactory,
    RegistrationFactory,
    SessionFactory,
    SpeakerFactory,
    in_days,
)
from tests.factories import BodyFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 10


def webinar_of_24_november_2022(**kwargs):
    start = datetime(2022, 11, 24, 12, 0, tzinfo=ZoneInfo("America/Mexico_City"))
    return PublishedEventFactory(
        title="Competences to take advantage of the digital space at school",
        slug="webinar-digital-space-at-school",
        start=start,
        end=start + timedelta(hours=1, minutes=30),
        published_at=start - timedelta(days=9),
        **kwargs,
    )


def test_event_page_shows_times_per_member_country_grouped(client, members):
    event = webinar_of_24_november_2022()
    html = client.get(event.get_absolute_url()).content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    assert "Thursday 24 November 2022" in text
    # The dots between groups are drawn by CSS (no dangling one at a line start); a screen reader
    # hears the hidden "; " between them.
    assert "12:00 Mexico; 13:00 Colombia, Peru; 15:00 Chile" in " ".join(text.split())
    # The viewer's own time is filled in by static/js/events.js from this machine-readable time.
    assert 'data-viewer-time data-start="2022-11-24T12:00:00-06:00"' in html


def test_event_page_shows_agenda_speakers_recordings_documents_and_never_the_access_address(client, members):
    event = OpenEventFactory(title="Workshop on Business Digital Security")
    speaker = SpeakerFactory(event=event, name="Peter Stephens", organisation="OECD")
    session = SessionFactory(event=event, title="Day 1", recording_url="https://youtu.be/KUuGmLnQ-ew")
    session.speakers.add(speaker)
    SessionFactory(
        event=event, title="Day 2", start=event.start + timedelta(days=1), recording_url="https://youtu.be/x"
    )
    DocumentFactory(event=event, title="Mexico 2025 Exit Document")
    PartnerFactory(event=event, name="ILO")
    body = BodyFactory(name="Subcommittee on Digital Economy")
    event.organising_bodies.add(body)

    response = client.get(event.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Agenda", "Peter Stephens", "https://youtu.be/KUuGmLnQ-ew", "Mexico 2025 Exit Document", "ILO"):
        assert text in html
    assert "Subcommittee on Digital Economy" in html
    assert event.online_url not in html
    assert "Create an account to register" in html


def test_cancelled_and_postponed_events_say_so_on_the_page_and_in_lists(client, members):
    cancelled = PublishedEventFactory(title="Cancelled forum", state=Event.State.CANCELLED, state_note="Sorry.")
    postponed = PublishedEventFactory(title="Postponed fair", state=Event.State.POSTPONED)
    assert "This event has been cancelled." in client.get(cancelled.get_absolute_url()).content.decode()
    assert "This event has been postponed." in client.get(postponed.get_absolute_url()).content.decode()
    listing = client.get(reverse("events:event_list")).content.decode()
    assert 'event-badge--cancelled">Cancelled' in listing
    assert 'event-badge--postponed">Postponed' in listing


@pytest.mark.parametrize("factory", [DraftEventFactory])
def test_unpublished_events_are_hidden_everywhere(client, members, factory):
    hidden = factory(title="Hidden zebra event")
    scheduled = PublishedEventFactory(title="Scheduled zebra event", published_at=in_days(2))
    PublishedEventFactory(title="Visible zebra event")
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(scheduled.get_absolute_url()).status_code == 404
    assert client.get(reverse("events:event_ics", args=[hidden.slug])).status_code == 404
    surfaces = [
        reverse("events:event_list"),
        reverse("events:event_list") + "?q=zebra",
        reverse("events:feed_ics"),
        reverse("events:calendar_month", args=[hidden.start.year, hidden.start.month]),
    ]
    for url in surfaces:
        html = client.get(url).content.decode()
        assert "Visible zebra event" in html, url
        assert "Hidden zebra event" not in html and "Scheduled zebra event" not in html, url


def test_event_list_puts_upcoming_first_soonest_first_then_past_newest_first(client, members):
    past_old = PastEventFactory(title="Past old", start=in_days(-60))
    past_new = PastEventFactory(title="Past new", start=in_days(-10))
    soon = PublishedEventFactory(title="Soon", start=in_days(3))
    later = PublishedEventFactory(title="Later", start=in_days(30))
    html = client.get(reverse("events:event_list")).content.decode()
    positions = [html.index(event.title + "<") for event in (soon, later, past_new, past_old)]
    assert positions == sorted(positions)
    assert html.index("Upcoming events") < html.index("Past events")


def test_event_list_filters_by_kind_format_country_body_month_and_text(client, members):
    body = BodyFactory(slug="subgroup-rbc")
    match = PublishedEventFactory(
        title="Meeting of the National Contact Points",
        kind=Event.Kind.MEETING,
        format=Event.Format.HYBRID,
        city="Mexico City",
        country=members["MX"],
        start=datetime(2025, 2, 25, 9, tzinfo=ZoneInfo("America/Mexico_City")),
        end=datetime(2025, 2, 27, 18, tzinfo=ZoneInfo("America/Mexico_City")),
    )
    match.organising_bodies.add(body)
    other = PublishedEventFactory(title="Webinar on teaching", kind=Event.Kind.WEBINAR)
    url = reverse("events:event_list")
    query = "?kind=meeting&format=hybrid&country=MX&body=subgroup-rbc&month=2025-02&q=contact&when=past"
    html = client.get(url + query).content.decode()
    assert match.title in html and other.title not in html
    assert "1 event" in html
    assert other.title in client.get(url + "?kind=webinar").content.decode()
    assert match.title not in client.get(url + "?month=2025-03").content.decode()


def test_a_bad_filter_value_shows_a_message_not_an_error(client, members):
    PublishedEventFactory(title="Any event")
    response = client.get(reverse("events:event_list") + "?month=2025-13&kind=party&page=abc")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Some filters could not be applied" in html
    assert "Any event" in html


def test_month_calendar_shows_each_event_on_its_days(client, members):
    start = datetime(2023, 9, 26, 9, tzinfo=ZoneInfo("America/Bogota"))
    PublishedEventFactory(
        title="Workshop on Business Digital Security", start=start, end=start + timedelta(days=1, hours=4)
    )
    response = client.get(reverse("events:calendar_month", args=[2023, 9]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Events in September 2023" in html
    assert html.count("Workshop on Business Digital Security") == 2  # 26 and 27 September
    assert client.get(reverse("events:calendar_month", args=[2023, 13])).status_code == 404
    assert client.get(reverse("events:calendar")).status_code == 302


def test_event_ics_and_feed_are_valid_icalendar_in_the_events_zone(client, members):
    event = webinar_of_24_november_2022()
    response = client.get(reverse("events:event_ics", args=[event.slug]))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    vevent = calendar.walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == event.title
    assert vevent.decoded("DTSTART") == event.start
    assert str(vevent["DTSTART"].params["TZID"]) == "America/Mexico_City"
    assert calendar.walk("VTIMEZONE")
    assert event.online_url not in response.content.decode()

    PastEventFactory(title="Another")
    feed = icalendar.Calendar.from_ical(client.get(reverse("events:feed_ics")).content)
    assert len(feed.walk("VEVENT")) == 2


def test_home_search_and_sitemap_include_published_events(client, members):
    upcoming = PublishedEventFactory(title="Forum on quinoa trade", start=in_days(4))
    assert upcoming.title in client.get(reverse("portal:home")).content.decode()
    assert upcoming.title in client.get(reverse("portal:search") + "?q=quinoa").content.decode()
    assert upcoming.get_absolute_url() in client.get("/sitemap.xml").content.decode()


# --- Query budget -------------------------------------------------------------------------


@pytest.fixture
def many_events(members):
    bodies = [BodyFactory() for _ in range(3)]
    events = []
    for index in range(65):
        factory = PastEventFactory if index % 2 else OpenEventFactory
        event = factory(country=members["MX"], city="Mexico City", format=Event.Format.HYBRID)
        event.organising_bodies.set(bodies)
        events.append(event)
    target = events[0]
    speakers = [SpeakerFactory(event=target) for _ in range(5)]
    for day in range(6):
        session = SessionFactory(event=target, start=target.start + timedelta(hours=day))
        session.speakers.set(speakers)
    for _ in range(4):
        DocumentFactory(event=target)
        PartnerFactory(event=target)
    return events


def test_event_pages_stay_within_the_query_budget(client, many_events, django_assert_max_num_queries):
    target = many_events[0]
    urls = [
        reverse("events:event_list"),
        reverse("events:event_list") + "?kind=webinar&country=MX&when=upcoming&page=2",
        target.get_absolute_url(),
        reverse("events:calendar_month", args=[target.start.year, target.start.month]),
        reverse("events:feed_ics"),
        reverse("events:event_ics", args=[target.slug]),
    ]
    for url in urls:
        with django_assert_max_num_queries(QUERY_BUDGET):
            assert client.get(url).status_code == 200, url


def test_event_page_for_a_signed_in_participant_stays_within_the_budget(
    client, many_events, django_assert_max_num_queries
):
    target = many_events[0]
    registration = ConfirmedRegistrationFactory(event=target)
    client.force_login(registration.participant)
    client.get(target.get_absolute_url())  # warm the member-zone cache, as any earlier page would
    # One more than a visitor's page: when the access link arrives (the event's last reminder
    # rule), read only for a confirmed participant.
    with django_assert_max_num_queries(QUERY_BUDGET + 1):
        html = client.get(target.get_absolute_url()).content.decode()
    assert "You are registered" in html


# --- Registration through the pages -------------------------------------------------------


def test_a_visitor_is_sent_to_sign_in_then_back_to_the_event(client, members):
    event = OpenEventFactory()
    response = client.post(reverse("events:register", args=[event.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]


def test_a_participant_registers_from_the_event_page(client, members, committed, mailoutbox):
    event = OpenEventFactory()
    person = ParticipantFactory()
    client.force_login(person)
    with committed():
        response = client.post(reverse("events:register", args=[event.slug]), follow=True)
    html = response.content.decode()
    assert "Almost there" in html
    assert "Send the confirmation link again" in html
    assert Registration.objects.get(event=event, participant=person).status == Registration.Status.PENDING
    assert len(mailoutbox) == 1

    # A second registration is refused with a clear message, nothing changed.
    response = client.post(reverse("events:register", args=[event.slug]), follow=True)
    assert "already registered" in response.content.decode()
    assert Registration.objects.count() == 1


def test_an_unverified_participant_is_told_what_to_do(client, members):
    event = OpenEventFactory()
    client.force_login(ParticipantFactory(verified_email=False))
    response = client.post(reverse("events:register", args=[event.slug]), follow=True)
    assert "Confirm your email address" in response.content.decode()
    assert not Registration.objects.exists()


def test_confirm_link_asks_then_confirms_and_cannot_be_reused(client, members, committed, mailoutbox):
    registration = RegistrationFactory()
    url = reverse(
        "events:registration_confirm",
        args=[registration.event.slug, links.make_token(registration, links.CONFIRM)],
    )
    response = client.get(url)
    assert response.status_code == 200
    assert "Confirm my participation" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"  # the token goes to no other site
    registration.refresh_from_db()
    assert registration.status == Registration.Status.PENDING  # a GET changes nothing

    with committed():
        response = client.post(url)
        # The event has a waiting list: the POST queues the confirmation, a worker decides it.
        assert response.status_code == 202
        assert "We have your confirmation" in response.content.decode()
        assert "no-store" in response["Cache-Control"]
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    response = client.get(url)  # the page's "See the outcome", or the link opened again
    assert response.status_code == 200
    assert "Your participation is confirmed" in response.content.decode()

    again = client.post(url)
    assert again.status_code == 400
    assert "already been used" in again.content.decode()


@pytest.mark.parametrize("purpose", ["confirm", "cancel", "join"])
def test_tampered_and_foreign_links_get_a_clear_page_and_change_nothing(client, members, purpose):
    registration = ConfirmedRegistrationFactory(event=OpenEventFactory(start=in_days(0, hours=0.2)))
    if purpose == "confirm":
        Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.PENDING)
        registration.refresh_from_db()
    token = links.make_token(registration, purpose)
    name = f"events:registration_{purpose}"
    slug = registration.event.slug

    for bad in (token[:-3] + "xyz", "garbage", "a:b:c"):
        response = client.get(reverse(name, args=[slug, bad]))
        assert response.status_code == 400
        assert "This link cannot be used" in response.content.decode()

    other_event = OpenEventFactory()
    assert client.get(reverse(name, args=[other_event.slug, token])).status_code == 400

    client.force_login(ParticipantFactory())  # someone else
    response = client.get(reverse(name, args=[slug, token]))
    assert response.status_code == 403
    assert "belongs to another participant" in response.content.decode()
    assert client.post(reverse(name, args=[slug, token])).status_code in (403, 405)

    before = registration.status
    registration.refresh_from_db()
    assert registration.status == before
    assert registration.attended_at is None


def test_cancel_link_asks_then_cancels(client, members, committed, mailoutbox):
    registration = ConfirmedRegistrationFactory()
    url = reverse(
        "events:registration_cancel", args=[registration.event.slug, links.make_token(registration, "cancel")]
    )
    assert "Cancel my registration" in client.get(url).content.decode()
    with committed():
        response = client.post(url)
    assert "Your registration is cancelled" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    # The link is revoked by the cancellation itself.
    assert client.get(url).status_code == 400


def test_join_link_opens_the_access_address_only_inside_its_window(client, members):
    early = ConfirmedRegistrationFactory(event=OpenEventFactory(start=in_days(2)))
    url = reverse("events:registration_join", args=[early.event.slug, links.make_token(early, "join")])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The access opens soon" in html
    assert "your time, Peru" in html
    assert early.event.online_url not in html

    now = ConfirmedRegistrationFactory(event=OpenEventFactory(start=in_days(0, hours=0.2)))
    url = reverse("events:registration_join", args=[now.event.slug, links.make_token(now, "join")])
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == now.event.online_url
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    now.refresh_from_db()
    assert now.status == Registration.Status.ATTENDED
    assert now.attendance == Registration.Attendance.ONLINE


def test_opening_the_join_link_records_nothing_and_reveals_nothing_as_a_mail_scanner_would(client, members):
    """Mail security scanners open the links of emails: a GET shows a "Join now" button, and only
    the participant's press of it (a POST) records attendance and leads to the meeting."""
    registration = ConfirmedRegistrationFactory(event=OpenEventFactory(start=in_days(0, hours=0.2)))
    url = reverse("events:registration_join", args=[registration.event.slug, links.make_token(registration, "join")])
    for _scanner_visit in range(3):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Join now" in html and '<form method="post">' in html
        assert registration.event.online_url not in html
        assert "no-store" in response["Cache-Control"]
    assert client.head(url).status_code == 200
    registration.refresh_from_db()
    assert (registration.status, registration.attended_at) == (Registration.Status.CONFIRMED, None)


def test_joining_again_after_attending_leads_to_the_meeting_without_a_second_record(client, members):
    registration = ConfirmedRegistrationFactory(event=OpenEventFactory(start=in_days(0, hours=0.2)))
    url = reverse("events:registration_join", args=[registration.event.slug, links.make_token(registration, "join")])
    assert client.post(url)["Location"] == registration.event.online_url
    registration.refresh_from_db()
    first = registration.attended_at
    assert client.post(url)["Location"] == registration.event.online_url
    registration.refresh_from_db()
    assert registration.attended_at == first


def test_my_account_lists_registrations_with_cancel_links(client, members):
    registration = ConfirmedRegistrationFactory()
    PastEventFactory()
    client.force_login(registration.participant)
    html = client.get(reverse("accounts:my_account")).content.decode()
    assert "My event registrations" in html
    assert registration.event.title in html
    assert f"/events/{registration.event.slug}/cancel/" in html


def test_event_page_shows_the_participants_own_status(client, members):
    event = OpenEventFactory(capacity=1)
    ConfirmedRegistrationFactory(event=event)
    waiting = RegistrationFactory(event=event, status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now())
    client.force_login(waiting.participant)
    html = client.get(event.get_absolute_url()).content.decode()
    assert "You are on the waiting list, in position 1." in html
    assert "0 seats left" in html
