"""The taxonomy is read once per process and language and kept until it changes (portal.taxonomy)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from portal import cache, taxonomy
from portal.models import Body, Country, News, Topic
from tests.factories import BodyFactory, CountryFactory, PublishedNewsFactory, TopicFactory

pytestmark = pytest.mark.django_db

TAXONOMY_TABLES = ('"portal_country"', '"portal_body"', '"portal_topic"')


@pytest.fixture
def in_memory(settings):
    settings.TAXONOMY_IN_MEMORY = True
    taxonomy.forget()
    yield
    taxonomy.forget()


@pytest.fixture
def news_site():
    for code in ("CL", "CO", "MX", "PE"):
        CountryFactory(code=code)
    trade = TopicFactory(name="Trade", name_es="Comercio", slug="trade")
    TopicFactory(name="Agriculture", name_es="Zonas rurales", slug="agriculture")
    BodyFactory()
    for index in range(3):
        news = PublishedNewsFactory(title=f"Tariffs fall across the bloc, part {index}")
        news.topics.set([trade])
    return trade


def queries_of(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def taxonomy_reads(queries) -> list[str]:
    """Queries that read a taxonomy table on its own (not joined to the cards' links)."""
    return [
        sql for sql in queries if "INNER JOIN" not in sql and any(f"FROM {table}" in sql for table in TAXONOMY_TABLES)
    ]


def test_the_second_request_reads_no_taxonomy(client, news_site, in_memory, settings):
    url = reverse("portal:news_list")
    settings.TAXONOMY_IN_MEMORY = False
    each_time = queries_of(client, url)
    assert len(taxonomy_reads(each_time)) == 3  # the country, body and topic filters
    settings.TAXONOMY_IN_MEMORY = True
    queries_of(client, url)  # reads them once (and the content version's soonest scheduled item)
    second = queries_of(client, url)
    assert taxonomy_reads(second) == []
    # The three filters' reads, and the cards' links: one query of the link tables instead of two.
    assert len(second) == len(each_time) - 4
    # Filtering by a country and a topic checks them in memory too.
    filtered = queries_of(client, f"{url}?country=CL&topic=trade&body=")
    assert taxonomy_reads(filtered) == []


def test_the_home_reads_no_countries_twice(client, news_site, in_memory):
    queries_of(client, reverse("portal:home"))
    assert taxonomy_reads(queries_of(client, reverse("portal:home"))) == []


def test_a_renamed_topic_shows_at_once_in_both_languages(client, news_site, in_memory):
    url = reverse("portal:news_list")
    assert '<option value="trade">Trade</option>' in client.get(url).content.decode()
    assert '<option value="trade">Comercio</option>' in client.get("/es" + url).content.decode()
    news_site.name_en, news_site.name_es = "Trade in services", "Comercio de servicios"
    news_site.save()
    assert '<option value="trade">Trade in services</option>' in client.get(url).content.decode()
    assert '<option value="trade">Comercio de servicios</option>' in client.get("/es" + url).content.decode()
    # A new topic too, in its place in each language's order.
    with translation.override("en"):  # the /es/ request left Spanish active
        TopicFactory(name="Customs", name_es="Aduanas", slug="customs")
    english = client.get(url).content.decode()
    spanish = client.get("/es" + url).content.decode()
    assert english.index(">Agriculture<") < english.index(">Customs<") < english.index(">Trade in services<")
    assert spanish.index(">Aduanas<") < spanish.index(">Comercio de servicios<") < spanish.index(">Zonas rurales<")


def test_what_is_kept_follows_the_taxonomys_tag(client, news_site, in_memory):
    """A change another process made reaches this one through the tag's version, not a reread."""
    url = reverse("portal:news_list")
    client.get(url)
    Topic.objects.filter(pk=news_site.pk).update(name_en="Renamed elsewhere")  # no signal: the tag holds
    assert ">Trade<" in client.get(url).content.decode()
    cache.bump({cache.EVERY_PAGE})  # what the other process's save does to the shared cache
    assert '<option value="trade">Renamed elsewhere</option>' in client.get(url).content.decode()


def test_a_deleted_topic_is_no_longer_offered_nor_accepted(client, news_site, in_memory):
    url = reverse("portal:news_list")
    client.get(url)
    TopicFactory(name="Fisheries", slug="fisheries").delete()
    Topic.objects.get(slug="agriculture").delete()
    html = client.get(url + "?topic=agriculture").content.decode()
    assert 'value="agriculture"' not in html
    assert "Some filters could not be applied" in html


def test_without_it_each_form_reads_the_table(client, news_site, settings):
    settings.TAXONOMY_IN_MEMORY = False
    url = reverse("portal:news_list")
    client.get(url)
    assert len(taxonomy_reads(queries_of(client, url))) == 3


def same_page(html: str) -> str:
    """The page without what differs between any two requests (CSP nonces, CSRF tokens)."""
    html = re.sub(r'nonce="[^"]*"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


@pytest.fixture
def linked_news(news_site):
    """News with several countries, bodies and topics, linked in an order unlike the names'."""
    countries = {country.code: country for country in Country.objects.all()}
    topics = list(Topic.objects.all())
    body = Body.objects.get()
    for index, news in enumerate(News.objects.all()):
        news.countries.set([countries[code] for code in ("PE", "CL", "MX")[: index + 1]])
        news.topics.set(topics[::-1])
        news.bodies.set([body])
    return News.objects.order_by("pk").first()


@pytest.mark.parametrize("language", ["", "/es"])
def test_cards_and_pages_are_the_same_from_memory(client, linked_news, in_memory, settings, language):
    addresses = [reverse("portal:home"), reverse("portal:news_list"), linked_news.get_absolute_url()]
    settings.TAXONOMY_IN_MEMORY = False
    read_each_time = [same_page(client.get(language + url).content.decode()) for url in addresses]
    settings.TAXONOMY_IN_MEMORY = True
    for _twice in range(2):
        assert [same_page(client.get(language + url).content.decode()) for url in addresses] == read_each_time
    assert "Comercio" in read_each_time[1] if language else "Trade" in read_each_time[1]


def test_the_news_pages_read_the_links_in_one_query(client, linked_news, in_memory, django_assert_max_num_queries):
    for url in (reverse("portal:news_list"), linked_news.get_absolute_url(), reverse("portal:home")):
        client.get(url)
    # The count, the page of news, the links of its countries and topics, the years.
    with django_assert_max_num_queries(4):
        client.get(reverse("portal:news_list"))
    # The item, its links (web), its taxonomy links, the related news and their taxonomy links.
    with django_assert_max_num_queries(5):
        client.get(linked_news.get_absolute_url())


def test_a_renamed_topic_shows_at_once_on_the_cards(client, linked_news, in_memory):
    client.get(reverse("portal:news_list"))
    topic = Topic.objects.get(slug="trade")
    topic.name_es = "Comercio exterior"
    topic.save()
    assert "<li>Comercio exterior</li>" in client.get("/es" + reverse("portal:news_list")).content.decode()
