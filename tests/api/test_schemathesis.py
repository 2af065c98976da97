"""A bounded property-based run of the whole API against its own OpenAPI schema.

Schemathesis generates requests from /api/schema/ (30 examples per operation) and checks
that no response is a server error or breaks the schema.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import BodyFactory, CountryFactory, PublishedNewsFactory, TopicFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def api_data(db):
    # Requests go to the WSGI app directly, not through Django's test client: keep Django
    # from closing the test's database connection at the end of each request, as the client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    chile = CountryFactory(code="CL")
    topic, body = TopicFactory(slug="trade"), BodyFactory(slug="gtap")
    for news in PublishedNewsFactory.create_batch(3):
        news.countries.set([chile])
        news.topics.set([topic])
        news.bodies.set([body])
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, api_data):
    from schemathesis.checks import not_a_server_error

    case.call_and_validate(
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
    )
