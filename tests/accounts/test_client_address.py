"""Sign-in behind the TLS proxy: one visitor's failures never lock the others out."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
LOGIN_URL = reverse("account_login")
LOCKED = "Too many failed login attempts"


def sign_in(address, email, password, *, forwarded=None):
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded or address)
    response = client.post(LOGIN_URL, {"login": email, "password": password})
    return response, "_auth_user_id" in client.session


def test_one_visitors_failed_sign_ins_do_not_lock_out_the_others(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker, maria = "203.0.113.66", UserFactory(email="maria@example.org")
    for number in range(12):  # more than login_failed's 10 a minute per address
        sign_in(attacker, f"guess{number}@example.org", "wrong-password-123")
    assert LOCKED in sign_in(attacker, maria.email, PASSWORD)[0].content.decode()
    response, signed_in = sign_in("198.51.100.23", maria.email, PASSWORD)
    assert response.status_code == 302 and signed_in


def test_without_the_setting_the_whole_proxy_is_locked_out(settings):
    """What the setting prevents: behind a proxy, everybody shares the proxy's address."""
    settings.TRUSTED_PROXY_COUNT = 0
    maria = UserFactory(email="maria@example.org")
    for number in range(10):
        sign_in("203.0.113.66", f"guess{number}@example.org", "wrong-password-123")
    response, signed_in = sign_in("198.51.100.23", maria.email, PASSWORD)
    assert LOCKED in response.content.decode() and not signed_in


def test_a_rush_of_sign_ins_through_one_proxy_is_not_one_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    people = UserFactory.create_batch(32)  # more than login's 30 a minute per address
    results = [sign_in(f"198.51.100.{number}", person.email, PASSWORD) for number, person in enumerate(people)]
    assert all(response.status_code == 302 and signed_in for response, signed_in in results)


def test_an_attacker_cannot_escape_the_limit_by_spoofing_the_header(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = "203.0.113.66"
    for number in range(10):
        sign_in(attacker, f"guess{number}@example.org", "x-wrong-123", forwarded=f"10.9.{number}.1, {attacker}")
    response, _signed_in = sign_in(attacker, "guess@example.org", "x-wrong-123", forwarded=f"1.2.3.4, {attacker}")
    assert LOCKED in response.content.decode()
