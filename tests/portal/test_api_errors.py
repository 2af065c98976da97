"""The API answers every error in its JSON shape: unknown addresses, absurd bodies, server errors."""

import pytest
from django.db import OperationalError
from django.test import Client
from knox.models import AuthToken

from tests.events.factories import OpenEventFactory
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

NESTED = "[" * 50_000 + "]" * 50_000


def assert_error_shape(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == status and error["message"] and isinstance(error["fields"], dict)
    return error


@pytest.fixture
def token_client(privacy_policy):
    _instance, key = AuthToken.objects.create(user=ParticipantFactory())
    return Client(HTTP_AUTHORIZATION=f"Token {key}", raise_request_exception=False)


@pytest.mark.parametrize("path", ["/api/nowhere/", "/api/v1/nowhere/", "/api/v1/news/a/b/c/", "/api/v2/news/"])
def test_an_unknown_api_address_is_a_json_404(client, path):
    assert assert_error_shape(client.get(path), 404)["code"] == "not_found"


def test_an_unknown_page_is_still_the_sites_html_404(client):
    response = client.get("/nowhere/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(("method", "path"), [("patch", "/api/v1/me/"), ("post", "/api/v1/me/registrations/")])
def test_a_deeply_nested_body_is_a_400_with_a_message(token_client, method, path):
    response = getattr(token_client, method)(path, NESTED, content_type="application/json")
    error = assert_error_shape(response, 400)
    assert "nested" in error["message"]


def test_nesting_within_the_bound_reaches_the_serializer(token_client):
    response = token_client.patch("/api/v1/me/", {"organisation": [[["x"]]]}, content_type="application/json")
    assert assert_error_shape(response, 400)["fields"]["organisation"]


def test_a_nested_body_beyond_the_bound_but_decodable_is_refused_too(token_client):
    body = '{"event": ' + "[" * 40 + "]" * 40 + "}"
    response = token_client.post("/api/v1/me/registrations/", body, content_type="application/json")
    assert "nested" in assert_error_shape(response, 400)["message"]


@pytest.mark.parametrize("body", ['{"event": "webinar\\u0000"}', '{"event\\u0000": "webinar"}'])
def test_a_null_character_in_a_body_is_a_400_not_a_database_error(token_client, body):
    """PostgreSQL refuses NUL in text: a lookup with one was a 500 (schemathesis found it)."""
    response = token_client.post("/api/v1/me/registrations/", body, content_type="application/json")
    assert "null character" in assert_error_shape(response, 400)["message"]


def test_ordinary_bodies_still_work(token_client):
    response = token_client.post(
        "/api/v1/me/registrations/", {"event": OpenEventFactory().slug}, content_type="application/json"
    )
    assert response.status_code == 201


def test_a_server_error_under_the_api_is_json(monkeypatch):
    from portal import api

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(api.CountryViewSet, "list", broken)
    response = Client(raise_request_exception=False).get("/api/v1/countries/")
    assert assert_error_shape(response, 500)["code"] == "server_error"


# --- An unreachable database, in this process (a real one is in test_database_down.py) --


@pytest.fixture
def database_down(monkeypatch):
    """Every query fails as it does while PostgreSQL restarts."""
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    monkeypatch.setattr(CursorWrapper, "executemany", refuse)


def test_while_the_database_is_down_a_page_is_a_styled_503(client, database_down):
    response = Client(raise_request_exception=False).get("/news/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "unavailable for a moment" in response.content.decode()
    assert 'href="/static/css/site.css"' in response.content.decode()


def test_while_the_database_is_down_the_api_is_a_json_503(database_down):
    response = Client(raise_request_exception=False).get("/api/v1/news/")
    assert assert_error_shape(response, 503)["code"] == "service_unavailable"
    assert response["Retry-After"] == "30"


def test_while_the_database_is_down_a_signed_in_visitor_gets_503_too(database_down):
    """The session is read by a middleware, before any view: server_error turns it into a 503."""
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a-session-the-database-would-know"
    response = client.get("/news/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    response = client.get("/api/v1/news/")
    assert assert_error_shape(response, 503)["code"] == "service_unavailable"


def test_the_503_page_is_in_spanish_on_spanish_pages(database_down):
    response = Client(raise_request_exception=False).get("/es/news/")
    assert response.status_code == 503
    assert 'lang="es"' in response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/api/v1/integrity/benchmarks/?questionnaire=a%00b", "/api/v1/news/?search=%00", "/api/v1/events/?q%00=x"],
)
def test_a_null_character_in_an_api_address_is_a_json_400(client, path):
    assert "null character" in assert_error_shape(client.get(path), 400)["message"]


def test_a_null_character_that_reaches_the_database_from_a_page_is_a_400_page(client, monkeypatch):
    """Pages read parameters through forms, which refuse it; a view that would not is caught."""
    from django.db import DataError

    from portal import views

    def careless_search(text):
        raise DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")

    monkeypatch.setattr(views, "_search_everything", careless_search)
    response = client.get("/search/?q=water")
    assert response.status_code == 400 and "null character" in response.content.decode()


def test_a_null_character_in_a_page_filter_gets_the_pages_own_message(client):
    response = client.get("/publications/?q=%00")
    assert response.status_code == 200 and "could not be applied" in response.content.decode()


MULTIPART_WITH_NULL = '--B\r\nContent-Disposition: form-data; name="event"\r\n\r\nde\x00mo\r\n--B--\r\n'


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "event=demo%00slug"),
        ("application/x-www-form-urlencoded", "ev%00ent=true&event=demo"),
        ("multipart/form-data; boundary=B", MULTIPART_WITH_NULL),
    ],
)
def test_a_form_body_with_the_null_character_is_a_400(token_client, content_type, body):
    """PostgreSQL refuses the null character in any query: the slug lookup was a 500 there."""
    response = token_client.post("/api/v1/me/registrations/", body, content_type=content_type)
    assert assert_error_shape(response, 400)["code"] == "parse_error"


def test_an_ordinary_form_body_still_works(token_client):
    event = OpenEventFactory()
    response = token_client.post(
        "/api/v1/me/registrations/", f"event={event.slug}", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 201
