"""The client's address behind proxies: one setting, one function, every rate limit."""

import pytest
from django.test import Client, RequestFactory

from accounts.adapter import AccountAdapter
from portal.api_base import AnonRateThrottle
from portal.http import client_address

PROXY = "10.0.0.2"  # the TLS proxy, as gunicorn sees it
ALICE, BOB = "203.0.113.7", "198.51.100.23"


def request_from(remote=PROXY, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_a_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request_from(remote=ALICE, forwarded="1.2.3.4")) == ALICE


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, ALICE, ALICE),  # the proxy appended the address it received the request from
        (1, f"1.2.3.4, {ALICE}", ALICE),  # what the client wrote is to the left: ignored
        (1, f"1.2.3.4,5.6.7.8 , {ALICE}", ALICE),
        (2, f"{ALICE}, 10.0.0.9", ALICE),  # a CDN, then our proxy
        (2, f"6.6.6.6, {ALICE}, 10.0.0.9", ALICE),
        (2, ALICE, ALICE),  # fewer entries than proxies: the outermost one's view
        (1, "", PROXY),
        (1, "203.0.113.7:51234", ALICE),  # a port some proxies add
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "2001:DB8:0:0::1", "2001:db8::1"),
        (1, "not-an-address", PROXY),  # never a value a client wrote
        (1, f"{ALICE}, <script>", PROXY),
    ],
)
def test_behind_proxies_the_client_is_counted_from_the_right(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_address(request_from(forwarded=forwarded)) == expected


def test_a_client_cannot_choose_its_address_by_spoofing_the_header(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # Whatever Alice sends, her proxy appends her real address last.
    for spoofed in ("1.1.1.1", "1.1.1.1, 2.2.2.2", BOB):
        assert client_address(request_from(forwarded=f"{spoofed}, {ALICE}")) == ALICE


def test_allauth_and_the_api_throttles_read_the_same_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = request_from(forwarded=f"9.9.9.9, {ALICE}")
    assert AccountAdapter(request).get_client_ip(request) == ALICE
    assert AnonRateThrottle().get_ident(request) == ALICE
    settings.TRUSTED_PROXY_COUNT = 0
    assert AccountAdapter(request).get_client_ip(request) == PROXY
    assert AnonRateThrottle().get_ident(request) == PROXY


def test_a_short_chain_does_not_break_allauth(settings):
    """allauth's own reading raises ImproperlyConfigured (a 500) on a chain shorter than the count."""
    settings.TRUSTED_PROXY_COUNT = 3
    request = request_from(forwarded=ALICE)
    assert AccountAdapter(request).get_client_ip(request) == ALICE


# --- The API's throttles ------------------------------------------------------------------


@pytest.fixture
def two_requests_a_minute(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "1000/minute"})


def api_get(client, forwarded):
    return client.get("/api/v1/countries/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


@pytest.mark.django_db
def test_behind_the_proxy_each_api_client_has_its_own_allowance(settings, two_requests_a_minute):
    settings.TRUSTED_PROXY_COUNT = 1
    alice, bob = Client(), Client()
    assert [api_get(alice, ALICE).status_code for _ in range(3)] == [200, 200, 429]
    assert api_get(bob, BOB).status_code == 200
    # Alice's own X-Forwarded-For entries do not give her a fresh allowance.
    assert api_get(alice, f"1.2.3.4, {ALICE}").status_code == 429


@pytest.mark.django_db
def test_without_the_setting_every_client_behind_the_proxy_is_one(settings, two_requests_a_minute):
    settings.TRUSTED_PROXY_COUNT = 0
    assert [api_get(Client(), ALICE).status_code for _ in range(2)] == [200, 200]
    assert api_get(Client(), BOB).status_code == 429
    # And a spoofed header is no way out of it.
    assert api_get(Client(), "8.8.8.8").status_code == 429
