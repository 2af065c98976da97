"""Following: the Follow button, "What I follow", and the sign-up's news opt-in as "follow everything"."""

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from accounts import services as accounts
from accounts.models import Profile
from following import registry, services
from following.models import Follow, Subscriber
from tests.factories import BodyFactory, CountryFactory, ParticipantFactory, PublishedNewsFactory, TopicFactory
from tests.observatory.factories import ObservatoryFactory

pytestmark = pytest.mark.django_db


def test_every_kind_the_issue_names_can_be_followed():
    assert {followable.key for followable in registry.followables()} >= {
        "observatory", "topic", "country", "body", "initiative",
    }  # fmt: skip


def test_the_follow_button_of_an_observatory(client, participant):
    observatory = ObservatoryFactory()
    html = client.get(observatory.get_absolute_url()).content.decode()
    assert f"Follow {observatory.name}" in html and reverse("account_login") in html  # a visitor signs in first
    client.force_login(participant)
    page = observatory.get_absolute_url()
    response = client.post(
        reverse("following:follow"), {"kind": "observatory", "id": observatory.pk, "action": "follow", "next": page}
    )
    assert response.status_code == 302 and response["Location"] == page
    assert Follow.objects.filter(user=participant, object_id=observatory.pk).exists()
    assert Subscriber.objects.get(user=participant).frequency == "weekly"
    html = client.get(page).content.decode()
    assert 'aria-pressed="true"' in html and "Following" in html
    client.post(reverse("following:follow"), {"kind": "observatory", "id": observatory.pk, "action": "unfollow"})
    assert not Follow.objects.exists()


def test_what_is_not_public_or_not_followable_cannot_be_followed(client, participant):
    hidden = ObservatoryFactory(is_public=False)
    client.force_login(participant)
    for data in (
        {"kind": "observatory", "id": hidden.pk},
        {"kind": "news", "id": 1},
        {"kind": "observatory", "id": "x"},
    ):
        response = client.post(reverse("following:follow"), data, follow=True)
        assert "This cannot be followed." in response.content.decode()
    with pytest.raises(services.NotFollowable):
        services.follow(user=participant, item=hidden)
    assert not Follow.objects.exists()


def test_what_i_follow_is_chosen_on_one_page_and_listed_in_my_account(client, participant):
    observatory, topic = ObservatoryFactory(), TopicFactory(name="Labour market")
    client.force_login(participant)
    response = client.post(
        reverse("following:manage"),
        {"frequency": "daily", "follow_observatory": [observatory.pk], "follow_topic": [topic.pk]},
    )
    assert response.status_code == 302
    subscriber = Subscriber.objects.get(user=participant)
    assert (subscriber.frequency, subscriber.follows_everything) == ("daily", False)
    assert Follow.objects.filter(user=participant).count() == 2
    html = client.get(reverse("accounts:my_account")).content.decode()
    assert "What I follow" in html and "Labour market" in html and "daily digest" in html
    response = client.get(reverse("following:manage"))
    assert "no-store" in response["Cache-Control"]
    client.post(reverse("following:manage"), {"frequency": "none", "follow_topic": [topic.pk]})
    assert list(Follow.objects.filter(user=participant).values_list("object_id", flat=True)) == [topic.pk]
    assert Subscriber.objects.get(user=participant).frequency == "none"


def test_a_bad_frequency_changes_nothing(client, participant):
    client.force_login(participant)
    response = client.post(reverse("following:manage"), {"frequency": "hourly"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_the_news_opt_in_at_sign_up_is_follow_everything(privacy_policy):
    from tests.factories import CountryFactory, UserFactory

    user = UserFactory()
    data = {"full_name": "Ana Pérez", "sector": "business", "country": CountryFactory(code="CL"),
            "preferred_language": "es", "privacy_consent": True, "news_opt_in": True}  # fmt: skip
    accounts.create_profile(user=user, data=data)
    subscriber = Subscriber.objects.get(user=user)
    assert subscriber.follows_everything and subscriber.frequency == "weekly"
    # Unticked in "Edit my profile": no longer everything; ticked "everything" here: the profile says so.
    accounts.update_profile(user=user, data={**data, "news_opt_in": False})
    assert not Subscriber.objects.get(user=user).follows_everything
    services.set_preferences(user=user, frequency="weekly", follows_everything=True)
    profile = Profile.objects.get(user=user)
    assert profile.news_opt_in and profile.news_opt_in_at is not None


def test_no_opt_in_no_subscription(privacy_policy):
    participant = ParticipantFactory()
    assert not Subscriber.objects.filter(user=participant).exists()


def test_the_migration_gives_existing_opted_in_profiles_the_digest_of_everything(privacy_policy):
    opted_in, other = ParticipantFactory(), ParticipantFactory()
    Profile.objects.filter(user=opted_in).update(news_opt_in=True)
    migration = importlib.import_module("following.migrations.0002_news_opt_in_follows_everything")
    migration.forwards(apps, None)
    migration.forwards(apps, None)  # twice: nothing doubles
    assert list(Subscriber.objects.values_list("user_id", "follows_everything", "frequency")) == [
        (opted_in.pk, True, "weekly")
    ]
    assert not Subscriber.objects.filter(user=other).exists()


def test_my_follows_are_exported_and_erased_with_the_account(participant):
    services.follow(user=participant, item=ObservatoryFactory(name="Regional Labor Observatory"))
    exported = accounts.export_personal_data(user=participant)["following"]
    assert exported["follows"] == [{"kind": "observatory", "items": ["Regional Labor Observatory"]}]
    accounts.delete_account(user=participant)
    assert not Follow.objects.exists() and not Subscriber.objects.exists()


# --- Following a topic, a country or a body from the lists they filter ----------------------------


def test_a_topic_country_and_body_are_followed_from_the_news_they_filter(client, participant):
    country, body, topic = CountryFactory(code="PE"), BodyFactory(name="Technical Group on SMEs"), TopicFactory()
    news = PublishedNewsFactory()
    news.countries.add(country)
    news.bodies.add(body)
    news.topics.add(topic)
    page = f"{reverse('portal:news_list')}?country={country.code}&body={body.slug}&topic={topic.slug}"
    html = client.get(page).content.decode()
    # A visitor gets links to sign in that come back to this very list.
    for name in (country.name, body.name, topic.name):
        assert f"Follow {name}" in html
    assert f"{reverse('account_login')}?{urlencode({'next': page})}".replace("&", "&amp;") in html
    assert "<form" not in html.split('class="follow-filters"')[1].split("</div>")[0]
    client.force_login(participant)
    for kind, obj in (("country", country), ("body", body), ("topic", topic)):
        response = client.post(
            reverse("following:follow"), {"kind": kind, "id": obj.pk, "action": "follow", "next": page}
        )
        assert response.status_code == 302 and response["Location"] == page
    assert Follow.objects.filter(user=participant).count() == 3
    html = client.get(page).content.decode()
    assert html.count('aria-pressed="true"') == 3
    client.post(reverse("following:follow"), {"kind": "topic", "id": topic.pk, "action": "unfollow", "next": page})
    assert Follow.objects.filter(user=participant).count() == 2


def test_the_library_filtered_by_a_country_and_a_topic_offers_to_follow_them(client, participant):
    country, topic = CountryFactory(code="CL"), TopicFactory(name="Gender equality")
    client.force_login(participant)
    page = f"{reverse('observatory:publication_list')}?country={country.code}&topic={topic.slug}"
    html = client.get(page).content.decode()
    assert "Follow Chile" in html and "Follow Gender equality" in html
    assert 'name="csrfmiddlewaretoken"' in html.split('class="follow-filters"')[1]
    response = client.post(
        reverse("following:follow"), {"kind": "country", "id": country.pk, "action": "follow", "next": page}
    )
    assert response["Location"] == page
    assert Follow.objects.filter(user=participant, object_id=country.pk).exists()


def test_no_follow_button_on_an_unfiltered_list_or_for_a_bad_filter(client):
    for page in (reverse("portal:news_list"), reverse("observatory:publication_list")):
        assert 'class="follow-filters"' not in client.get(page).content.decode()
    html = client.get(reverse("observatory:publication_list") + "?topic=no-such-topic&country=zz").content.decode()
    assert 'class="follow-filters"' not in html
    html = client.get(reverse("portal:news_list") + "?topic=no-such-topic").content.decode()
    assert 'class="follow-filters"' not in html


def test_following_from_a_list_needs_the_csrf_token(participant):
    topic = TopicFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(participant)
    response = client.post(reverse("following:follow"), {"kind": "topic", "id": topic.pk, "action": "follow"})
    assert response.status_code == 403 and not Follow.objects.exists()
