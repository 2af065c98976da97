"""The newsletter without an account (double opt-in, no enumeration) and one-click unsubscribe (RFC 8058)."""

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from following import services, tokens
from following.models import Follow, Subscriber
from portal.models import OutboundEmail
from tests.factories import ParticipantFactory
from tests.observatory.factories import ObservatoryFactory

pytestmark = pytest.mark.django_db

SUBSCRIBE = reverse("following:subscribe")


def link(message, name):
    return re.search(rf"https?://[^\s\"<]+/digest/{name}/[^\s\"<]+/", message.body).group(0)


def path_of(url):
    return re.sub(r"^https?://[^/]+", "", url)


def test_a_visitor_subscribes_with_an_address_and_confirms_it(client, committed):
    with committed():
        response = client.post(SUBSCRIBE, {"email": "Reader@Example.org", "language": "es"}, follow=True)
    assert "We have sent a message to Reader@Example.org" in response.content.decode()
    assert not Subscriber.objects.exists()  # nothing is kept before the owner confirms
    confirm = path_of(link(mail.outbox[0], "confirm"))
    page = client.get(confirm)  # opening the link (a mail scanner does) changes nothing
    assert page.status_code == 200 and not Subscriber.objects.exists()
    assert "no-store" in page["Cache-Control"]
    client.post(confirm)
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.language, subscriber.follows_everything) == ("Reader@example.org", "es", True)
    # Confirming again: a clear message, nothing changed.
    again = client.post(confirm)
    assert again.status_code == 400 and "ya recibe el resumen" in again.content.decode()  # the link is Spanish
    assert Subscriber.objects.count() == 1


def test_no_page_tells_whether_an_address_is_subscribed(committed, privacy_policy):
    Subscriber.objects.create(email="known@example.org", confirmed_at=timezone.now(), follows_everything=True)
    participant = ParticipantFactory()
    answers = []
    for address in ("known@example.org", "new@example.org", participant.email):
        client = Client()
        with committed():
            response = client.post(SUBSCRIBE, {"email": address, "language": "en"}, follow=True)
        html = response.content.decode().replace(address, "ADDRESS")
        answers.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html))
    assert answers[0] == answers[1] == answers[2]
    assert [len(message.to) for message in mail.outbox] == [1, 1, 1]  # one email each, whatever the address
    known, new, account = mail.outbox
    assert "already receives it" in known.body and "/digest/leave/" in known.body
    assert "/digest/confirm/" in new.body
    assert "has an account" in account.body and "/digest/confirm/" not in account.body
    assert Subscriber.objects.count() == 1


def test_known_and_new_addresses_take_about_as_long(privacy_policy, settings):
    settings.DIGEST_SUBSCRIBE_RATE = "100000/h"
    Subscriber.objects.create(email="known@example.org", confirmed_at=timezone.now(), follows_everything=True)

    def timed(address):
        started = time.perf_counter()
        for _ in range(15):
            services.subscribe_newsletter(email=address, language="en", client_address="198.51.100.7")
        return time.perf_counter() - started

    timed("warm-up@example.org")
    known, new = min(timed("known@example.org") for _ in range(3)), min(timed("new@example.org") for _ in range(3))
    assert 0.5 < known / new < 2, (known, new)


def test_subscribing_is_rate_limited_per_address(client, settings):
    settings.DIGEST_SUBSCRIBE_RATE = "2/h"
    for number in range(2):
        client.post(SUBSCRIBE, {"email": f"person{number}@example.org", "language": "en"})
    response = client.post(SUBSCRIBE, {"email": "third@example.org", "language": "en"}, follow=True)
    assert "Too many requests" in response.content.decode()
    assert OutboundEmail.objects.count() == 2


def test_a_bad_address_or_a_forged_or_expired_confirmation_changes_nothing(client, settings):
    response = client.post(SUBSCRIBE, {"email": "not an address", "language": "en"})
    assert response.status_code == 400 and not OutboundEmail.objects.exists()
    forged = reverse("following:confirm", args=["eyJlIjoieEB4LmNvIn0:forged"])
    assert client.post(forged).status_code == 400
    assert "not valid" in client.get(forged).content.decode()
    settings.DIGEST_CONFIRM_MAX_AGE = -1
    expired = reverse("following:confirm", args=[tokens.confirmation_token("late@example.org", "en")])
    assert "expired" in client.post(expired).content.decode()
    assert not Subscriber.objects.exists()


def test_one_click_unsubscribe_deletes_a_newsletter_address_without_session_or_csrf_token(committed):
    subscriber = Subscriber.objects.create(email="reader@example.org", confirmed_at=timezone.now(),
                                           follows_everything=True)  # fmt: skip
    OutboundEmail.objects.create(kind="following.digest", recipients=["reader@example.org"], subject="x", message={})
    url = reverse("following:unsubscribe", args=[tokens.subscriber_token(subscriber)])
    mail_provider = Client(enforce_csrf_checks=True)  # no cookie, no token: as RFC 8058 says it comes
    response = mail_provider.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not Subscriber.objects.exists()
    assert not OutboundEmail.objects.filter(recipients__icontains="reader@example.org").exists()
    # The link again: a clear message, nothing else happens.
    again = mail_provider.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert again.status_code == 400 and "no longer valid" in again.content.decode()


def test_unsubscribing_a_participant_stops_the_digest_and_keeps_their_follows(privacy_policy):
    participant = ParticipantFactory()
    services.follow(user=participant, item=ObservatoryFactory())
    subscriber = participant.digest_subscription
    url = reverse("following:unsubscribe", args=[tokens.subscriber_token(subscriber)])
    page = Client().get(url)  # opening the link shows a button; it changes nothing
    assert page.status_code == 200 and "Stop the digest" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.frequency == "weekly"
    Client(enforce_csrf_checks=True).post(url)
    subscriber.refresh_from_db()
    assert subscriber.frequency == "none" and Follow.objects.filter(user=participant).exists()


def test_a_forged_unsubscribe_token_changes_nothing(privacy_policy):
    participant = ParticipantFactory()
    services.follow(user=participant, item=ObservatoryFactory())
    subscriber = participant.digest_subscription
    good = tokens.subscriber_token(subscriber)
    for token in (good[:-3] + "abc", f"{subscriber.pk}.guess:signature", "nonsense", good.replace(".", "x.", 1)):
        response = Client(enforce_csrf_checks=True).post(reverse("following:unsubscribe", args=[token]))
        assert response.status_code == 400 and "not valid" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.frequency == "weekly"
    # A token of before a new secret (an address that left and came back) no longer works.
    subscriber.secret = "renewed"
    subscriber.save()
    assert Client().post(reverse("following:unsubscribe", args=[good])).status_code == 400
