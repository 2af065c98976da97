"""/api/v1/events/ and /api/v1/me/registrations/: what the site shows, with the same rules."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from knox.models import AuthToken

from events.api import EventViewSet
from events.filters import EventFilter
from events.models import Event, Registration
from portal.models import Status
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
    WaitlistedRegistrationFactory,
    in_days,
)
from tests.factories import BodyFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events/"
MINE = "/api/v1/me/registrations/"


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def slugs(response):
    return [item["slug"] for item in results(response)]


def api_client(user) -> Client:
    """A client of an integration: a knox token, no session, CSRF checks on."""
    _instance, token = AuthToken.objects.create(user=user)
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token}")


def post_json(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def person(members):
    return ParticipantFactory()


@pytest.fixture
def person_client(client, person):
    client.force_login(person)
    return client


# --- Public events ------------------------------------------------------------------------


def test_the_list_shows_only_what_the_site_shows(client, members):
    live = OpenEventFactory(title="Forum on quinoa trade")
    DraftEventFactory(title="Draft")
    PublishedEventFactory(title="Scheduled", published_at=in_days(2))  # not public yet
    PublishedEventFactory(title="Archived", status=Status.ARCHIVED)
    data = client.get(EVENTS).json()
    assert [item["title"] for item in data["results"]] == ["Forum on quinoa trade"]
    item = data["results"][0]
    assert item["url"] == f"http://testserver/events/{live.slug}/"
    assert "description" not in item and "sessions" not in item


def test_the_access_address_and_participants_never_appear(client, members):
    event = OpenEventFactory(online_url="https://meet.example.org/secret-room")
    registration = ConfirmedRegistrationFactory(event=event)
    SessionFactory(event=event)
    text = client.get(EVENTS).content.decode() + client.get(f"{EVENTS}{event.slug}/").content.decode()
    assert "secret-room" not in text and "online_url" not in text
    assert registration.participant.email not in text and "@" not in text
    assert registration.key not in text


def test_the_event_in_detail_with_agenda_speakers_partners_and_documents(client, members, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    event = OpenEventFactory(
        title="Workshop on Business Digital Security",
        time_zone="America/Mexico_City",
        start=in_days(10),
        capacity=3,
    )
    speaker = SpeakerFactory(event=event, name="Peter Stephens", role="Moderator", organisation="OECD")
    session = SessionFactory(event=event, title="Day 1", recording_url="https://youtu.be/KUuGmLnQ-ew")
    session.speakers.add(speaker)
    PartnerFactory(event=event, name="ILO", url="https://www.ilo.org/")
    DocumentFactory(event=event, title="Agenda", kind="agenda", url="https://example.org/agenda.pdf")
    uploaded = DocumentFactory(
        event=event, title="Slides", url="", file=SimpleUploadedFile("slides.pdf", b"%PDF-1.4 slides")
    )
    ConfirmedRegistrationFactory(event=event)
    event.organising_bodies.add(BodyFactory(slug="gtap"))

    data = client.get(f"{EVENTS}{event.slug}/").json()

    assert data["title"] == "Workshop on Business Digital Security"
    assert data["start"] == event.local_start.isoformat()  # in the event's zone, with its offset
    assert data["start"].endswith(("-06:00", "-05:00"))
    assert data["organising_bodies"] == ["gtap"]
    assert (data["capacity"], data["seats_left"], data["is_registration_open"]) == (3, 2, True)
    assert data["speakers"] == [
        {
            "id": speaker.pk,
            "name": "Peter Stephens",
            "role": "Moderator",
            "organisation": "OECD",
            "bio": "",
            "photo": None,
            "photo_alt": "",
        }
    ]
    assert data["sessions"][0]["title"] == "Day 1"
    assert data["sessions"][0]["speakers"] == [speaker.pk]
    assert data["sessions"][0]["recording_url"] == "https://youtu.be/KUuGmLnQ-ew"
    assert data["partners"] == [{"name": "ILO", "url": "https://www.ilo.org/"}]
    assert [(d["title"], d["url"]) for d in data["documents"]] == [
        ("Agenda", "https://example.org/agenda.pdf"),
        ("Slides", f"http://testserver{uploaded.file.url}"),
    ]


@pytest.mark.parametrize(
    "factory", [DraftEventFactory, lambda: PublishedEventFactory(published_at=in_days(1))], ids=["draft", "scheduled"]
)
def test_an_unpublished_event_is_404_in_the_common_error_shape(client, members, factory):
    event = factory()
    response = client.get(f"{EVENTS}{event.slug}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_filters_are_the_event_pages_filterset(client, members):
    assert issubclass(EventViewSet.filterset_class, EventFilter)
    body = BodyFactory(slug="subgroup-rbc")
    match = OpenEventFactory(kind=Event.Kind.MEETING, format=Event.Format.HYBRID, city="Lima", country=members["PE"])
    match.organising_bodies.add(body)
    OpenEventFactory(kind=Event.Kind.MEETING, format=Event.Format.VIRTUAL)
    OpenEventFactory(kind=Event.Kind.WEBINAR)
    PastEventFactory(kind=Event.Kind.MEETING, format=Event.Format.HYBRID, city="Lima", country=members["PE"])
    month = match.local_start.strftime("%Y-%m")
    query = {"kind": "meeting", "format": "hybrid", "country": "PE", "body": "subgroup-rbc", "when": "upcoming"}
    assert slugs(client.get(EVENTS, query)) == [match.slug]
    assert match.slug in slugs(client.get(EVENTS, {"month": month}))


def test_bad_filter_values_are_a_400_with_a_message_per_field(client, members):
    response = client.get(EVENTS, {"month": "2025-13", "kind": "party", "country": "ZZ"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert set(error["fields"]) == {"month", "kind", "country"}
    assert "YYYY-MM" in error["fields"]["month"][0]


def test_search_and_q_find_the_same_events(client, members):
    OpenEventFactory(title="Workshop on business digital security")
    OpenEventFactory(title="Craft fair")
    assert [item["title"] for item in results(client.get(EVENTS, {"search": "security"}))] == [
        "Workshop on business digital security"
    ]
    assert slugs(client.get(EVENTS, {"q": "security"})) == slugs(client.get(EVENTS, {"search": "security"}))


def test_upcoming_first_by_default_and_a_stable_ordering_on_request(client, members):
    later = OpenEventFactory(start=in_days(20))
    sooner = OpenEventFactory(start=in_days(3))
    old = PastEventFactory(start=in_days(-100))
    recent = PastEventFactory(start=in_days(-10))
    assert slugs(client.get(EVENTS)) == [sooner.slug, later.slug, recent.slug, old.slug]
    assert slugs(client.get(EVENTS, {"ordering": "-start"})) == [later.slug, sooner.slug, recent.slug, old.slug]
    # Ties are broken by id, so pages never overlap.
    same = [OpenEventFactory(start=in_days(30), title="Quinoa forum") for _ in range(3)]
    ordered = slugs(client.get(EVENTS, {"ordering": "title", "search": "quinoa"}))
    assert ordered == [event.slug for event in same]


def test_pages_do_not_overlap(client, members):
    PublishedEventFactory.create_batch(25)
    first = client.get(EVENTS).json()
    second = client.get(first["next"].replace("http://testserver", "")).json()
    assert first["count"] == 25 and len(first["results"]) == 20 and len(second["results"]) == 5
    assert not {e["slug"] for e in first["results"]} & {e["slug"] for e in second["results"]}


def test_etag_gives_304_until_something_changes(client, members):
    event = OpenEventFactory()
    etag = client.get(EVENTS)["ETag"]
    assert client.get(EVENTS, HTTP_IF_NONE_MATCH=etag).status_code == 304
    ConfirmedRegistrationFactory(event=event)  # one seat fewer
    assert client.get(EVENTS, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_read_endpoints_refuse_writes(person_client, members):
    event = OpenEventFactory()
    assert post_json(person_client, EVENTS, {"title": "x"}).status_code == 405
    assert person_client.delete(f"{EVENTS}{event.slug}/").status_code == 405


def _rich_event(members, **kwargs):
    event = PublishedEventFactory(country=members["MX"], city="Mexico City", format=Event.Format.HYBRID, **kwargs)
    event.organising_bodies.add(BodyFactory())
    speakers = [SpeakerFactory(event=event) for _ in range(2)]
    for _ in range(2):
        SessionFactory(event=event).speakers.set(speakers)
    PartnerFactory(event=event)
    DocumentFactory(event=event)
    ConfirmedRegistrationFactory(event=event)
    return event


def test_the_list_runs_a_constant_number_of_queries(client, members, django_assert_max_num_queries):
    for days in range(65):
        _rich_event(members, start=in_days(days - 30))
    with django_assert_max_num_queries(3):  # count, page, organising bodies
        response = client.get(EVENTS, {"page_size": 100})
    assert len(response.json()["results"]) == 65
    # and the country of the filter; on PostgreSQL a ranked search reads its keys first (search.ranked_rows)
    with django_assert_max_num_queries(5 if connection.vendor == "postgresql" else 4):
        response = client.get(EVENTS, {"page_size": 100, "search": "digital", "country": "MX"})
    assert len(response.json()["results"]) == 65


def test_the_detail_runs_a_constant_number_of_queries(client, members, django_assert_max_num_queries):
    event = _rich_event(members)
    for _ in range(10):
        SessionFactory(event=event).speakers.set(event.speakers.all())
    with django_assert_max_num_queries(7):  # the event, bodies, partners, speakers, documents, sessions, their speakers
        response = client.get(f"{EVENTS}{event.slug}/")
    assert len(response.json()["sessions"]) == 12


def test_the_schema_documents_the_endpoints_and_not_the_access_address(client):
    schema = client.get("/api/schema/?format=json").json()
    assert {"/api/v1/events/", "/api/v1/events/{slug}/"} <= set(schema["paths"])
    assert {"/api/v1/me/registrations/", "/api/v1/me/registrations/{id}/cancel/"} <= set(schema["paths"])
    assert "online_url" not in str(schema)


# --- My registrations ---------------------------------------------------------------------


def test_my_registrations_need_authentication(client, members):
    event = OpenEventFactory()
    for response in (client.get(MINE), post_json(client, MINE, {"event": event.slug})):
        assert response.status_code == 401
        assert response.json()["error"]["status"] == 401
    assert not Registration.objects.exists()


def test_registering_goes_through_the_service_and_sends_the_same_email(
    person_client, person, members, committed, mailoutbox
):
    event = OpenEventFactory(title="Competences for the digital school")
    with committed():
        response = post_json(person_client, MINE, {"event": event.slug})
    assert response.status_code == 201, response.json()
    data = response.json()
    registration = Registration.objects.get(event=event, participant=person)
    assert response["Location"] == f"{MINE}{registration.pk}/"
    assert (data["id"], data["status"], data["event"]["slug"], data["can_cancel"]) == (
        registration.pk,
        "pending",
        event.slug,
        True,
    )
    assert [m.subject for m in mailoutbox] == ["Confirm your participation: Competences for the digital school"]
    assert f"/events/{event.slug}/confirm/" in mailoutbox[0].body
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_a_token_registers_without_a_session_and_stops_working_when_revoked(members, committed, mailoutbox):
    person = ParticipantFactory()
    event = OpenEventFactory()
    integration = api_client(person)
    with committed():
        response = post_json(integration, MINE, {"event": event.slug})  # no CSRF token needed with a token
    assert response.status_code == 201
    assert len(mailoutbox) == 1
    assert [r["event"]["slug"] for r in results(integration.get(MINE))] == [event.slug]
    AuthToken.objects.filter(user=person).delete()
    assert integration.get(MINE).status_code == 401


def test_a_session_post_needs_the_csrf_token(members):
    person = ParticipantFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    response = post_json(browser, MINE, {"event": OpenEventFactory().slug})
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    ("event_kwargs", "code", "message"),
    [
        # Times are made when the test runs (a lambda), not when the suite is collected.
        (lambda: {"registration_enabled": False}, "registration_closed", "takes no registrations"),
        (lambda: {"registration_closes_at": in_days(-1, hours=1)}, "registration_closed", "Registration has closed"),
        (lambda: {"registration_opens_at": in_days(2)}, "registration_closed", "Registration opens on"),
        (lambda: {"state": Event.State.CANCELLED}, "registration_closed", "has been cancelled"),
    ],
    ids=["no-registration", "closed", "not-open-yet", "cancelled"],
)
def test_registration_that_is_not_open_is_a_409_with_the_reason(
    person_client, members, mailoutbox, event_kwargs, code, message
):
    event = OpenEventFactory(**event_kwargs())
    response = post_json(person_client, MINE, {"event": event.slug})
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (409, code)
    assert message in error["message"]
    assert not Registration.objects.exists() and not mailoutbox


def test_a_second_registration_is_a_409(person_client, person, members):
    event = OpenEventFactory()
    RegistrationFactory(event=event, participant=person)
    response = post_json(person_client, MINE, {"event": event.slug})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_registered"
    assert "already registered" in response.json()["error"]["message"]


def test_a_full_event_without_waiting_list_is_a_409(person_client, members):
    event = OpenEventFactory(capacity=1, has_waiting_list=False)
    ConfirmedRegistrationFactory(event=event)
    response = post_json(person_client, MINE, {"event": event.slug})
    assert (response.status_code, response.json()["error"]["code"]) == (409, "event_full")


def test_without_a_verified_email_registering_is_a_400(client, members):
    unverified = UserFactory(verified_email=False)
    client.force_login(unverified)
    response = post_json(client, MINE, {"event": OpenEventFactory().slug})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "cannot_participate"
    assert "Confirm your email address" in error["message"]


@pytest.mark.parametrize("body", [{}, {"event": "no-such-event"}, {"event": ["x"]}])
def test_a_missing_or_unknown_event_is_a_400_on_the_field(person_client, members, body):
    response = post_json(person_client, MINE, body)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"event"}


def test_a_draft_event_cannot_be_registered_for(person_client, members):
    draft = DraftEventFactory(registration_enabled=True)
    response = post_json(person_client, MINE, {"event": draft.slug})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"event"}
    assert not Registration.objects.exists()


def test_i_see_only_my_own_registrations(person_client, person, members):
    mine = ConfirmedRegistrationFactory(participant=person)
    theirs = ConfirmedRegistrationFactory()
    assert [item["id"] for item in results(person_client.get(MINE))] == [mine.pk]
    assert person_client.get(f"{MINE}{mine.pk}/").json()["status"] == "confirmed"
    for response in (
        person_client.get(f"{MINE}{theirs.pk}/"),
        post_json(person_client, f"{MINE}{theirs.pk}/cancel/"),
        person_client.delete(f"{MINE}{theirs.pk}/"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.status == Registration.Status.CONFIRMED
    text = person_client.get(MINE).content.decode()
    assert theirs.participant.email not in text and mine.key not in text and mine.event.online_url not in text


def test_my_registrations_say_where_i_am_on_the_waiting_list(person_client, person, members):
    event = OpenEventFactory(capacity=1)
    ConfirmedRegistrationFactory(event=event)
    WaitlistedRegistrationFactory(event=event, waitlisted_at=in_days(-2))
    mine = WaitlistedRegistrationFactory(event=event, participant=person, waitlisted_at=in_days(-1))
    [item] = results(person_client.get(MINE))
    assert (item["id"], item["status"], item["waiting_list_position"]) == (mine.pk, "waitlisted", 2)
    assert [i["id"] for i in results(person_client.get(MINE, {"status": "confirmed"}))] == []
    assert [i["id"] for i in results(person_client.get(MINE, {"status": "waitlisted"}))] == [mine.pk]


def test_cancelling_frees_the_seat_for_the_waiting_list_and_sends_the_emails(
    person_client, person, members, committed, mailoutbox
):
    event = OpenEventFactory(capacity=1)
    mine = ConfirmedRegistrationFactory(event=event, participant=person)
    waiting = WaitlistedRegistrationFactory(event=event)
    with committed():
        response = post_json(person_client, f"{MINE}{mine.pk}/cancel/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["can_cancel"]) == ("cancelled", False)
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert sorted(m.to[0] for m in mailoutbox) == sorted([person.email, waiting.participant.email])
    assert any(m.subject.startswith("Registration cancelled") for m in mailoutbox)

    again = post_json(person_client, f"{MINE}{mine.pk}/cancel/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_transition"


def test_delete_cancels_too(members, committed, mailoutbox):
    person = ParticipantFactory()
    mine = RegistrationFactory(participant=person)
    with committed():
        response = api_client(person).delete(f"{MINE}{mine.pk}/")
    assert response.status_code == 204
    mine.refresh_from_db()
    assert mine.status == Registration.Status.CANCELLED
    assert [m.to for m in mailoutbox] == [[person.email]]


def test_a_registration_for_an_event_that_is_over_cannot_be_cancelled(person_client, person, members):
    mine = ConfirmedRegistrationFactory(participant=person, event=PastEventFactory(registration_enabled=True))
    response = post_json(person_client, f"{MINE}{mine.pk}/cancel/")
    assert response.status_code == 409
    assert "has ended" in response.json()["error"]["message"]


def test_registering_again_after_cancelling_renews_the_registration(person_client, person, members, committed):
    event = OpenEventFactory()
    mine = RegistrationFactory(event=event, participant=person, status=Registration.Status.CANCELLED)
    with committed():
        response = post_json(person_client, MINE, {"event": event.slug})
    assert (response.status_code, response.json()["id"], response.json()["status"]) == (201, mine.pk, "pending")


def test_my_registrations_run_a_constant_number_of_queries(members, django_assert_max_num_queries):
    person = ParticipantFactory()
    for days in range(62):
        WaitlistedRegistrationFactory(participant=person, event=OpenEventFactory(start=in_days(days + 2)))
    integration = api_client(person)
    with django_assert_max_num_queries(4):  # token and user, count, page (positions in the same query)
        response = integration.get(MINE, {"page_size": 100})
    assert len(response.json()["results"]) == 62
    assert {item["waiting_list_position"] for item in response.json()["results"]} == {1}


def test_times_stay_in_the_events_zone(person_client, person, members):
    event = OpenEventFactory(time_zone="America/Santiago", start=in_days(12), end=in_days(12) + timedelta(hours=2))
    RegistrationFactory(event=event, participant=person)
    [item] = results(person_client.get(MINE))
    assert item["event"]["start"] == event.local_start.isoformat()
    assert item["event"]["time_zone"] == "America/Santiago"
