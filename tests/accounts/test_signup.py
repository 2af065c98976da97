import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import Profile, User
from tests.factories import CountryFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = reverse("account_signup")
STRONG = "Quinoa-and-coffee-2026"


@pytest.fixture
def peru(db):
    return CountryFactory(code="PE")


def signup_data(peru, **overrides):
    data = {
        "email": "maria.quispe@example.org",
        "password1": STRONG,
        "password2": STRONG,
        "full_name": "María Quispe",
        "organisation": "Cámara de Comercio de Lima",
        "position": "Analyst",
        "sector": "business",
        "country": peru.code,
        "preferred_language": "es",
        "privacy_consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def confirmation_link(message):
    """The path of the email's verification link (the link itself is on SITE_URL, in the
    participant's language)."""
    return urlsplit(re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s/]+/", message.body).group(0)).path


def test_signup_creates_user_profile_and_consent_and_sends_a_verification_email(client, peru, privacy_policy):
    response = client.post(SIGNUP_URL, signup_data(peru))
    assert response.status_code == 302
    user = User.objects.get(email="maria.quispe@example.org")
    profile = user.profile
    assert user.full_name == "María Quispe"
    assert (profile.sector, profile.country, profile.preferred_language) == ("business", "PE", "es")
    assert profile.privacy_policy_version == privacy_policy.version
    assert profile.privacy_consented_at is not None
    assert profile.news_opt_in is False and profile.news_opt_in_at is None
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].alternatives[0][1] == "text/html"
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_news_opt_in_is_separate_and_recorded_with_its_time(client, peru, privacy_policy):
    client.post(SIGNUP_URL, signup_data(peru, news_opt_in="on"))
    profile = Profile.objects.get()
    assert profile.news_opt_in is True
    assert profile.news_opt_in_at is not None


def test_the_news_opt_in_is_never_pre_ticked(client, peru, privacy_policy):
    html = client.get(SIGNUP_URL).content.decode()
    checkbox = re.search(r'<input[^>]*name="news_opt_in"[^>]*>', html).group(0)
    assert "checked" not in checkbox
    assert reverse("accounts:privacy_policy") in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"privacy_consent": None}, "You must accept the privacy policy"),
        ({"password1": "password", "password2": "password"}, "too common"),
        ({"password2": "something-else-2026"}, "same password"),
        ({"country": "XX"}, "Select a valid choice"),
        ({"sector": "lobbyist"}, "Select a valid choice"),
        ({"email": "not-an-email"}, "valid email"),
        ({"full_name": ""}, "This field is required"),
    ],
)
def test_bad_signup_input_gets_a_message_and_creates_nothing(client, peru, privacy_policy, overrides, message):
    response = client.post(SIGNUP_URL, signup_data(peru, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert not Profile.objects.exists()
    assert mail.outbox == []


def test_signup_with_a_registered_email_reveals_nothing_and_creates_nothing(client, peru, privacy_policy):
    UserFactory(email="maria.quispe@example.org")
    response = client.post(SIGNUP_URL, signup_data(peru, email="MARIA.QUISPE@example.org"), follow=True)
    # The page is the same as for a new address; the owner of the address is told by email.
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact="maria.quispe@example.org").count() == 1
    assert not Profile.objects.exists()
    assert len(mail.outbox) == 1
    assert "already exists" in mail.outbox[0].body


def test_signup_is_closed_without_a_privacy_policy(client, peru):
    response = client.post(SIGNUP_URL, signup_data(peru))
    assert response.status_code == 200
    assert "until a privacy policy is published" in response.content.decode()
    assert not User.objects.exists()


def test_verification_link_verifies_and_returns_to_the_page_the_visitor_came_from(client, peru, privacy_policy):
    from tests.factories import PublishedNewsFactory

    news_url = PublishedNewsFactory().get_absolute_url()  # before a Spanish page activates Spanish
    client.post(f"{SIGNUP_URL}?next={news_url}", signup_data(peru, next=news_url))
    link = confirmation_link(mail.outbox[0])
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == news_url
    user = User.objects.get(email="maria.quispe@example.org")
    assert EmailAddress.objects.get(user=user).verified


def test_an_open_redirect_next_is_ignored(client, peru, privacy_policy):
    client.post(SIGNUP_URL, signup_data(peru, next="https://evil.example/phish"))
    link = confirmation_link(mail.outbox[0])
    response = client.post(link)
    assert "evil.example" not in response.get("Location", "")


def test_a_tampered_verification_link_changes_nothing(client, peru, privacy_policy):
    client.post(SIGNUP_URL, signup_data(peru, preferred_language="en"))
    link = confirmation_link(mail.outbox[0])
    tampered = link[:-3] + "xx/"
    response = client.get(tampered)
    assert response.status_code == 200
    assert "expired or is invalid" in response.content.decode()
    client.post(tampered)
    assert not EmailAddress.objects.get().verified


def test_an_expired_verification_link_changes_nothing(client, peru, privacy_policy, settings):
    settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 0
    client.post(SIGNUP_URL, signup_data(peru, preferred_language="en"))
    link = confirmation_link(mail.outbox[0])
    assert "expired or is invalid" in client.get(link).content.decode()
    client.post(link)
    assert not EmailAddress.objects.get().verified


def test_an_unverified_user_cannot_sign_in(client):
    UserFactory(email="new@example.org", verified_email=False)
    from tests.factories import PASSWORD

    response = client.post(reverse("account_login"), {"login": "new@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_password_reset_does_not_reveal_whether_an_email_is_registered(client):
    UserFactory(email="known@example.org")
    known = client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "unknown@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_failed_logins_are_rate_limited(client):
    UserFactory(email="target@example.org")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "target@example.org", "password": "wrong-password"})
    from tests.factories import PASSWORD

    response = client.post(reverse("account_login"), {"login": "target@example.org", "password": PASSWORD})
    assert response.status_code in {200, 429}
    assert "_auth_user_id" not in client.session


def test_signups_are_rate_limited(client, peru, privacy_policy, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}
    for number in range(2):
        client.post(SIGNUP_URL, signup_data(peru, email=f"person{number}@example.org"))
    response = client.post(SIGNUP_URL, signup_data(peru, email="third@example.org"))
    assert response.status_code == 429
    assert not User.objects.filter(email="third@example.org").exists()
