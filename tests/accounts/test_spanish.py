"""Spanish where it matters to a participant: the privacy policy they accept, and allauth's emails."""

import re

import pytest
from django.core import mail

from accounts.models import PrivacyPolicy
from tests.accounts.test_signup import SIGNUP_URL, signup_data
from tests.factories import CountryFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bilingual_policy(db):
    return PrivacyPolicy.objects.create(
        version="2.0",
        title_en="Privacy policy",
        body_en="<p>We keep your data safe.</p>",
        title_es="Política de privacidad",
        body_es="<p>Protegemos sus datos.</p>",
    )


def test_the_privacy_policy_is_in_spanish_on_the_spanish_page(client, bilingual_policy):
    html = client.get("/es/privacy/").content.decode()
    assert "<h1>Política de privacidad</h1>" in html
    assert '<div class="prose"><p>Protegemos sus datos.</p></div>' in html
    assert "translation-note" not in html
    assert "<h1>Privacy policy</h1>" in client.get("/privacy/").content.decode()


def test_a_version_without_spanish_is_shown_in_english_marked_and_with_the_notice(client):
    PrivacyPolicy.objects.create(version="3.0", title_en="Privacy policy", body_en="<p>We keep your data safe.</p>")
    html = client.get("/es/privacy/").content.decode()
    assert '<h1 lang="en">Privacy policy</h1>' in html
    assert '<div class="prose" lang="en"><p>We keep your data safe.</p></div>' in html
    assert 'class="translation-note"' in html


def test_the_demo_policy_is_in_both_languages(settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    policy = PrivacyPolicy.current()
    assert policy.title_es == "Política de privacidad"
    assert "Qué recogemos" in policy.body_es and "What we collect" in policy.body_en


def test_allauth_s_email_to_a_spanish_speaker_is_in_spanish_with_spanish_links(client, bilingual_policy, settings):
    """Signed up on the English page, with Spanish as preferred language: the email is theirs."""
    settings.SITE_URL = "http://127.0.0.1:8101"
    peru = CountryFactory(code="PE")

    client.post(SIGNUP_URL, signup_data(peru, preferred_language="es"))

    message = mail.outbox[-1]
    assert message.subject == "[Alianza del Pacífico] Confirme su dirección de correo electrónico"
    link = re.search(r"http://127\.0\.0\.1:8101/es/accounts/confirm-email/[^\s/]+/", message.body)
    assert link, message.body
    html = message.alternatives[0][0]
    assert link.group(0) in html and '<html lang="es">' in html
    assert "Confirme que esta dirección de correo electrónico es suya" in message.body  # formal "usted"
    assert not re.search(r"\b(tu|tú|vete|Estás)\b", message.body + html)
    assert "Alianza del Pacífico" in message.body and "127.0.0.1:8101" not in message.body.split("\n")[0]


def test_allauth_s_email_to_an_english_speaker_keeps_english(client, bilingual_policy):
    client.post(SIGNUP_URL, signup_data(CountryFactory(code="PE"), preferred_language="en"))
    message = mail.outbox[-1]
    assert message.subject == "[Pacific Alliance] Confirm your email address"
    assert "/accounts/confirm-email/" in message.body and "/es/accounts/" not in message.body


def test_a_password_reset_for_a_spanish_speaker_links_to_the_spanish_page(client, db):
    participant = ParticipantFactory(profile__preferred_language="es")
    client.post("/accounts/password/reset/", {"email": participant.email})
    message = mail.outbox[-1]
    assert message.subject.startswith("[Alianza del Pacífico] ")
    assert re.search(r"/es/accounts/password/reset/key/[^\s]+", message.body), message.body
