"""Every kind of card is the one card of templates/includes/card.html: an article whose title,
at the level the page asks for, is its only link (the page of the item)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories
from tests.consultations.factories import OpenConsultationFactory
from tests.events.factories import OpenEventFactory
from tests.integrity.factories import PublishedInitiativeFactory
from tests.observatory.factories import ObservatoryFactory, PublishedPublicationFactory

pytestmark = pytest.mark.django_db

CARD = re.compile(r'<article class="card[ "].*?</article>', re.DOTALL)


def cards(html):
    return CARD.findall(html)


@pytest.mark.parametrize(
    ("url_name", "make", "level"),
    [
        ("portal:news_list", lambda: factories.PublishedNewsFactory(), 3),
        ("events:event_list", lambda: OpenEventFactory(), 4),
        ("observatory:publication_list", lambda: PublishedPublicationFactory(), 3),
        ("observatory:observatory_list", lambda: ObservatoryFactory(), 2),
        ("integrity:initiative_list", lambda: PublishedInitiativeFactory(), 3),
        ("consultations:consultation_list", lambda: OpenConsultationFactory(), 2),
    ],
)
def test_each_card_has_one_link_its_title_at_the_page_s_level(client, url_name, make, level):
    item = make()
    found = cards(client.get(reverse(url_name)).content.decode())
    assert len(found) == 1, found
    card = found[0]
    assert card.count("<a ") == 1
    assert re.search(rf'<h{level} class="card__title"><a href="{re.escape(item.get_absolute_url())}"', card)


def test_the_home_s_cards_follow_the_same_pattern(client):
    factories.PublishedNewsFactory.create_batch(3)
    OpenEventFactory()
    OpenConsultationFactory()
    found = cards(client.get(reverse("portal:home")).content.decode())
    assert len(found) == 4  # two news after the featured one, an event, a consultation
    assert all(card.count("<a ") == 1 and '<h3 class="card__title">' in card for card in found)
    event_card = next(card for card in found if "event-card" in card)
    assert "card--dated" in event_card and 'class="date-block"' in event_card


def test_a_title_shown_in_the_other_language_says_so(client):
    factories.PublishedNewsFactory(title_en="Ministers meet in Lima", title_es="")
    with translation.override("es"):
        url = reverse("portal:news_list")
    with_tag = cards(client.get(url).content.decode())
    assert len(with_tag) == 1
    tagged = r'lang="en">Ministers meet in Lima</a> <span class="tag tag--language"[^>]*>EN</span>'
    assert re.search(tagged, with_tag[0])
