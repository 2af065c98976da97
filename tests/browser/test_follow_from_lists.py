"""A participant follows a topic from the news it filters, and a country from the library: the
visitor's link signs in and comes back to the same list, the button follows and unfollows. Every
page is checked with axe-core and for Content-Security-Policy problems (conftest.check_page)."""

import re

import pytest
from playwright.sync_api import expect

from following.models import Follow
from tests import factories
from tests.browser.conftest import check_page, click_and_check, goto

pytestmark = pytest.mark.browser


def test_a_participant_follows_a_topic_from_the_news_and_a_country_from_the_library(new_page, site):
    topic = factories.TopicFactory(name="Digital trade", slug="digital-trade")
    country = factories.CountryFactory(code="CO")
    news = factories.PublishedNewsFactory(title="Ministers agree on a digital trade roadmap")
    news.topics.add(topic)
    participant = factories.ParticipantFactory(full_name="Lucía Fernández", profile__preferred_language="en")
    person = new_page("participant")

    news_page = "/news/?topic=digital-trade"
    goto(person, news_page)
    click_and_check(person, person.get_by_role("link", name="Follow Digital trade"))
    person.get_by_label("Email", exact=True).fill(participant.email)
    person.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    click_and_check(person, person.get_by_role("button", name="Sign in"))
    expect(person).to_have_url(re.compile(re.escape(news_page) + "$"))
    click_and_check(person, person.get_by_role("button", name="Follow Digital trade"))
    expect(person).to_have_url(re.compile(re.escape(news_page) + "$"))
    expect(person.get_by_role("status").first).to_contain_text("Digital trade")
    following = person.get_by_role("button", name=re.compile("Following"))
    expect(following).to_have_attribute("aria-pressed", "true")
    assert Follow.objects.filter(user=participant, object_id=topic.pk, content_type__model="topic").exists()

    goto(person, "/publications/?country=CO")
    click_and_check(person, person.get_by_role("button", name="Follow Colombia"))
    expect(person.get_by_role("button", name=re.compile("Following"))).to_have_attribute("aria-pressed", "true")
    assert Follow.objects.filter(user=participant, object_id=country.pk, content_type__model="country").count() == 1

    # The keyboard alone: unfollow the topic again.
    goto(person, news_page)
    button = person.get_by_role("button", name=re.compile("Following"))
    button.focus()
    with person.expect_navigation():
        person.keyboard.press("Enter")
    check_page(person)
    expect(person.get_by_role("button", name="Follow Digital trade")).to_be_visible()
    assert not Follow.objects.filter(user=participant, object_id=topic.pk, content_type__model="topic").exists()
