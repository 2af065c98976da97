"""Nobody learns who has an account: sign-up, sign-in and password reset answer an address
with an account exactly as one without, and take about as long (with the real hasher)."""

import re
import statistics
import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.test_signup import SIGNUP_URL, signup_data
from tests.factories import CountryFactory, UserFactory

pytestmark = pytest.mark.django_db

#: The production hashers (the test profile uses MD5 for speed, which would hide the difference).
REAL_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
#: "About as long": generous, since the machine is shared; a missing hash is a factor of ~40.
MAX_RATIO = 3


@pytest.fixture
def peru(db):
    return CountryFactory(code="PE")


def answer(response, email):
    """What a visitor sees of an answer, with the address typed taken out."""
    cookies = {name: re.sub(r":.*", "", morsel.value) if name == "messages" else "…" for name, morsel in
               response.cookies.items()}  # fmt: skip
    return response.status_code, response.get("Location"), sorted(cookies)


def without_csrf_token(page):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def page_after(client, response, email):
    return without_csrf_token(client.get(response["Location"]).content.decode().replace(email, "EMAIL"))


def sign_up(peru, email):
    client = Client()
    response = client.post(SIGNUP_URL, signup_data(peru, email=email))
    return client, response


def test_signing_up_with_a_registered_address_looks_the_same(peru, privacy_policy):
    UserFactory(email="taken@example.org")
    new_client, new = sign_up(peru, "fresh@example.org")
    old_client, old = sign_up(peru, "taken@example.org")
    assert answer(new, "fresh@example.org") == answer(old, "taken@example.org")
    new_page, old_page = (
        page_after(new_client, new, "fresh@example.org"),
        page_after(old_client, old, "taken@example.org"),
    )
    assert "Confirmation email sent to EMAIL" in new_page
    assert new_page == old_page


def test_a_second_sign_up_in_a_few_minutes_still_says_the_email_was_sent(peru, privacy_policy):
    """The owner's "account already exists" email is rate-limited; the page must not say so."""
    first_client, first = sign_up(peru, "twice@example.org")  # a new account
    again_client, again = sign_up(peru, "twice@example.org")  # now an existing one, mailed a moment ago
    assert answer(first, "twice@example.org") == answer(again, "twice@example.org")
    assert page_after(first_client, first, "twice@example.org") == page_after(again_client, again, "twice@example.org")
    assert User.objects.filter(email="twice@example.org").count() == 1


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def assert_about_as_long(first, second, rounds=5):
    times_first, times_second = [], []
    for number in range(rounds):  # interleaved, so that a busy moment of the machine hits both
        times_first.append(timed(lambda n=number: first(n)))
        times_second.append(timed(lambda n=number: second(n)))
    a, b = statistics.median(times_first), statistics.median(times_second)
    assert max(a, b) / min(a, b) < MAX_RATIO, (times_first, times_second)


def test_signing_up_takes_as_long_for_a_registered_address(peru, privacy_policy, settings):
    settings.PASSWORD_HASHERS = REAL_HASHERS
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "100/m/ip"}
    taken = [UserFactory(email=f"taken{number}@example.org").email for number in range(5)]
    assert_about_as_long(
        lambda number: sign_up(peru, f"fresh{number}@example.org"), lambda number: sign_up(peru, taken[number])
    )
    assert User.objects.filter(email__startswith="fresh").count() == 5


def sign_in(email, password):
    return Client().post(reverse("account_login"), {"login": email, "password": password})


def test_a_wrong_password_and_an_unknown_address_look_the_same_and_take_as_long(settings):
    settings.PASSWORD_HASHERS = REAL_HASHERS
    UserFactory(email="known@example.org")
    wrong, unknown = sign_in("known@example.org", "not-the-password-1"), sign_in("nobody@example.org", "x-password-1")
    assert wrong.status_code == unknown.status_code == 200
    pages = [
        without_csrf_token(re.search(r"<main.*</main>", response.content.decode(), re.S).group(0).replace(email, "@"))
        for response, email in ((wrong, "known@example.org"), (unknown, "nobody@example.org"))
    ]
    assert "The email address and/or password you specified are not correct." in pages[0]
    assert pages[0] == pages[1]
    assert_about_as_long(
        lambda number: sign_in("known@example.org", f"wrong-{number}-password"),
        lambda number: sign_in(f"nobody{number}@example.org", f"wrong-{number}-password"),
    )


def reset(email):
    client = Client()
    return client, client.post(reverse("account_reset_password"), {"email": email})


def test_a_password_reset_for_an_unknown_address_looks_the_same_and_takes_as_long(settings, mailoutbox):
    settings.PASSWORD_HASHERS = REAL_HASHERS
    for number in range(5):
        UserFactory(email=f"known{number}@example.org")
    known_client, known = reset("known0@example.org")
    unknown_client, unknown = reset("nobody@example.org")
    assert answer(known, "") == answer(unknown, "")
    assert page_after(known_client, known, "known0@example.org") == page_after(
        unknown_client, unknown, "nobody@example.org"
    )
    assert_about_as_long(
        lambda number: reset(f"known{number}@example.org"), lambda number: reset(f"nobody{number}@example.org")
    )
