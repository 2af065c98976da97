"""The schema tells the truth: its errors are those the API answers, its filters those it checks.

Each case sends a query value to a list and asks the schema whether it allows that value:
the two must agree (a value the schema allows is accepted, one it refuses is refused with a
documented 400 or 404). Years and slugs that exist are used so that "allowed" can mean 200.
"""

import jsonschema
import pytest
from django.utils import timezone

from tests.events.factories import OpenEventFactory
from tests.factories import PublishedNewsFactory
from tests.observatory.factories import PublishedPublicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return Client().get("/api/schema/?format=json").json()


def parameter(schema, path, name):
    operation = schema["paths"][path]["get"]
    return next(item for item in operation["parameters"] if item["name"] == name)


def schema_allows(parameter, raw: str) -> bool:
    if raw == "":
        return bool(parameter.get("allowEmptyValue"))
    rules = parameter["schema"]
    value = raw
    if rules.get("type") == "integer":
        try:
            value = int(raw)
        except ValueError:
            return False
    try:
        jsonschema.validate(value, rules)
    except jsonschema.ValidationError:
        return False
    return True


THIS_YEAR = str(timezone.now().year)
CASES = [
    ("/api/v1/news/", "year", THIS_YEAR),
    ("/api/v1/news/", "year", ""),  # "any year", as the /news/ form sends it (schema refused it)
    ("/api/v1/news/", "year", "2000-01-01T00:00:00Z"),  # the schema allowed it, the server refused it
    ("/api/v1/news/", "year", "2020.5"),
    ("/api/v1/news/", "country", ""),
    ("/api/v1/news/", "q", "x" * 200),
    ("/api/v1/news/", "q", "x" * 201),
    ("/api/v1/publications/", "year", "2024"),
    ("/api/v1/publications/", "year", "2024.5"),  # NumberFilter took decimals; the schema said "number"
    ("/api/v1/publications/", "year", "1899"),
    ("/api/v1/publications/", "year", ""),
    ("/api/v1/publications/", "observatory", "no-such-observatory"),  # a slug: matches nothing, fine
    ("/api/v1/publications/", "observatory", "not a slug!"),
    ("/api/v1/publications/", "country", "CHL"),
    ("/api/v1/publications/", "kind", ""),
    ("/api/v1/publications/", "kind", "poem"),
    ("/api/v1/events/", "month", "2025-02"),
    ("/api/v1/events/", "month", "2025-13"),
    ("/api/v1/events/", "month", "1899-12"),
    ("/api/v1/events/", "month", "25-02"),
    ("/api/v1/events/", "month", ""),
    ("/api/v1/events/", "when", "soon"),
    ("/api/v1/events/", "ordering", ""),
    ("/api/v1/events/", "page", ""),
    ("/api/v1/events/", "page", "1"),
    ("/api/v1/events/", "page", "0"),
    ("/api/v1/events/", "page", "last"),
    ("/api/v1/events/", "page_size", "5"),
    ("/api/v1/events/", "page_size", "500"),  # more than the most: gives the most
    ("/api/v1/events/", "page_size", "0"),
    ("/api/v1/events/", "page_size", "abc"),  # was ignored, though the schema says integer
    ("/api/v1/events/", "page_size", ""),
    ("/api/v1/countries/", "status", "member"),
    ("/api/v1/countries/", "status", "empire"),
]


@pytest.mark.parametrize(("path", "name", "raw"), CASES)
def test_the_schema_and_the_server_agree_on_each_query_value(client, schema, path, name, raw):
    PublishedNewsFactory()
    PublishedPublicationFactory(publication_date=timezone.now().date().replace(year=2024))
    OpenEventFactory()
    response = client.get(path, {name: raw})
    allowed = schema_allows(parameter(schema, path, name), raw)
    assert (response.status_code == 200) == allowed, (response.status_code, response.content[:300])
    if not allowed:
        assert str(response.status_code) in schema["paths"][path]["get"]["responses"]
        assert response.json()["error"]["status"] == response.status_code


def test_every_operation_documents_the_errors_every_request_can_get(schema):
    error_shape = "#/components/schemas/ApiError"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for code in ("401", "406", "429", "503"):
                assert code in responses, (method, path, code)
                assert responses[code]["content"]["application/json"]["schema"]["$ref"] == error_shape
            if "{" in path:
                assert "404" in responses, (method, path)
            if operation.get("parameters") and any(p["in"] == "query" for p in operation["parameters"]):
                assert "400" in responses and "404" in responses, (method, path)  # a bad filter, a page too far
            if method in {"post", "patch", "delete"}:
                assert "403" in responses, (method, path)


def test_operations_keep_their_own_documented_refusals(schema):
    create = schema["paths"]["/api/v1/me/registrations/"]["post"]["responses"]
    assert "Refused" in create["409"]["description"]
    assert {"201", "400", "401", "403", "409", "415", "429", "503"} <= set(create)
