"""The events endpoints against their own OpenAPI schema, with data and signed in.

tests/api/test_schemathesis.py runs the whole API anonymously with no events; this run adds
events in every shape (with and without country, seats, agenda, Spanish text) and a
participant's token, so that the list, the detail and /me/registrations/ answer with real
content, and checks that no answer is a server error or breaks the schema (30 examples each).
"""

from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from events.models import Event
from tests.events.factories import (
    ConfirmedRegistrationFactory,
    DocumentFactory,
    OpenEventFactory,
    PartnerFactory,
    PastEventFactory,
    PublishedEventFactory,
    RegistrationFactory,
    SessionFactory,
    SpeakerFactory,
    WaitlistedRegistrationFactory,
)
from tests.factories import BodyFactory, CountryFactory, ParticipantFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application()).include(
    path_regex=r"^/api/v1/(events|me/registrations)/"
)


@pytest.fixture
def token(db):
    # Requests go to the WSGI app directly: keep Django from closing the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    members = {code: CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")}
    person = ParticipantFactory()
    hybrid = OpenEventFactory(
        format=Event.Format.HYBRID,
        city="Lima",
        country=members["PE"],
        capacity=1,
        title_es="Reunión híbrida",
        registration_opens_at=None,
    )
    hybrid.organising_bodies.add(BodyFactory(slug="gtap"))
    speaker = SpeakerFactory(event=hybrid, role_es="Moderadora")
    SessionFactory(event=hybrid, start=hybrid.start + timedelta(hours=1)).speakers.add(speaker)
    PartnerFactory(event=hybrid)
    DocumentFactory(event=hybrid)
    ConfirmedRegistrationFactory(event=hybrid)
    WaitlistedRegistrationFactory(event=hybrid, participant=person)
    unlimited = OpenEventFactory(capacity=None)
    RegistrationFactory(event=unlimited, participant=person, status="cancelled")
    ConfirmedRegistrationFactory(event=PastEventFactory(state=Event.State.CANCELLED), participant=person)
    PublishedEventFactory(state=Event.State.POSTPONED, state_note="New date to be announced")
    _instance, key = AuthToken.objects.create(user=person)
    yield key
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_events_endpoints_conform_to_their_schema(case, token):
    from schemathesis.checks import not_a_server_error

    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance],
    )
