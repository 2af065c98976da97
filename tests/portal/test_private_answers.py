"""Personal answers are never cached: every surface sends ``Cache-Control: private, no-store``.

Each case is one answer about the person who asked (or a preview, or a personal link); a
public page for an anonymous visitor is the counter-check that stays cacheable.
"""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken

from events import links
from tests.events.factories import OpenEventFactory, RegistrationFactory
from tests.factories import DraftNewsFactory, ParticipantFactory, PublishedNewsFactory
from tests.observatory.factories import DraftPublicationFactory, PublicationFileFactory

pytestmark = pytest.mark.django_db


def assert_private(response):
    cache_control = response.get("Cache-Control", "")
    assert "private" in cache_control and "no-store" in cache_control, (response.status_code, cache_control)


@pytest.fixture
def person(privacy_policy):
    return ParticipantFactory()


@pytest.fixture
def signed_in(person):
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def token_client(person):
    _instance, key = AuthToken.objects.create(user=person)
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


# --- The API ------------------------------------------------------------------------------


def test_me_is_private_by_session_and_by_token(signed_in, token_client):
    for client in (signed_in, token_client):
        response = client.get("/api/v1/me/")
        assert response.status_code == 200 and "email" in response.json()
        assert_private(response)


def test_changing_me_and_its_errors_are_private(token_client):
    assert_private(token_client.patch("/api/v1/me/", {"organisation": "ProChile"}, content_type="application/json"))
    assert_private(token_client.patch("/api/v1/me/", {"sector": "nope"}, content_type="application/json"))
    assert_private(Client().get("/api/v1/me/"))  # 401


def test_my_registrations_are_private(token_client, person):
    registration = RegistrationFactory(participant=person)
    assert_private(token_client.get("/api/v1/me/registrations/"))
    assert_private(token_client.get(f"/api/v1/me/registrations/{registration.pk}/"))
    created = token_client.post(
        "/api/v1/me/registrations/", {"event": OpenEventFactory().slug}, content_type="application/json"
    )
    assert created.status_code == 201
    assert_private(created)


def test_any_api_answer_to_a_signed_in_client_is_private(token_client):
    assert_private(token_client.get("/api/v1/countries/"))


# --- The site -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    [
        "accounts:my_account",
        "accounts:edit_profile",
        "accounts:download_my_data",
        "accounts:delete_account",
        "accounts:api_tokens",
        "account_email",
        "account_change_password",
        "mfa_index",
        "portal:home",  # a public page, with the person's name in the header
    ],
)
def test_every_page_for_a_signed_in_person_is_private(signed_in, url_name):
    response = signed_in.get(reverse(url_name))
    assert response.status_code == 200
    assert_private(response)


def test_a_new_api_token_page_is_private(signed_in):
    response = signed_in.post(reverse("accounts:api_tokens"))
    assert response.status_code == 200 and "pa_" in response.content.decode()
    assert_private(response)


def test_the_event_page_with_my_registration_is_private(signed_in, person):
    registration = RegistrationFactory(participant=person)
    assert_private(signed_in.get(registration.event.get_absolute_url()))


@pytest.mark.parametrize("purpose", [links.CONFIRM, links.CANCEL])
def test_personal_link_pages_are_private_without_signing_in(purpose):
    registration = RegistrationFactory()
    token = links.make_token(registration, purpose)
    url = reverse(f"events:registration_{purpose}", args=[registration.event.slug, token])
    response = Client().get(url)
    assert response.status_code == 200
    assert_private(response)
    broken = Client().get(url[:-4] + "xx/")  # the link problem page
    assert broken.status_code >= 400
    assert_private(broken)


def test_previews_are_private(editor_client, settings, tmp_path):
    settings.OBSERVATORY_FILES_ROOT = tmp_path
    draft = DraftPublicationFactory()
    file = PublicationFileFactory(publication=draft)
    for url in (DraftNewsFactory().get_absolute_url(), draft.get_absolute_url(), file.get_absolute_url()):
        response = editor_client.get(url)
        assert response.status_code == 200
        assert_private(response)
        assert response["X-Robots-Tag"] == "noindex"


def test_a_public_page_for_an_anonymous_visitor_stays_cacheable():
    response = Client().get(PublishedNewsFactory().get_absolute_url())
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_no_code_sets_the_private_headers_but_keep_private():
    """One helper for personal answers (portal.http.keep_private): nothing else writes them."""
    by_hand = re.compile(r"patch_cache_control\(|add_never_cache_headers\(|X-Robots-Tag|never_cache\b")
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.glob("*/**/*.py"):
        relative = path.relative_to(root)
        if relative.parts[0] in {".venv", "tests", "scripts", "var", "staticfiles"} or "migrations" in relative.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if by_hand.search(line) and not line.lstrip().startswith(("#", '"""')):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    # The helper itself, and the 503 page, which no cache may keep (it is nobody's personal answer).
    allowed = {"portal/http.py", "portal/errors.py"}
    assert [line for line in offenders if line.split(":")[0] not in allowed] == []
