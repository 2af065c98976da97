import re

import pytest
from django.urls import reverse

from portal.models import News
from tests.factories import (
    ArchivedNewsFactory,
    BodyFactory,
    CountryFactory,
    DraftNewsFactory,
    InReviewNewsFactory,
    NewsLinkFactory,
    PublishedNewsFactory,
    ScheduledNewsFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 10


@pytest.fixture
def hidden_news():
    """One item in every state the public must never see."""
    return [
        DraftNewsFactory(title="Hidden draft zebra"),
        InReviewNewsFactory(title="Hidden review zebra"),
        ScheduledNewsFactory(title="Hidden scheduled zebra"),
        ArchivedNewsFactory(title="Hidden archived zebra"),
    ]


@pytest.fixture
def many_news():
    chile, peru = CountryFactory(code="CL"), CountryFactory(code="PE")
    topic, body = TopicFactory(), BodyFactory()
    items = PublishedNewsFactory.create_batch(65, title="Zebra crossing seminar news")
    for item in items:
        item.countries.set([chile, peru])
        item.topics.set([topic])
        item.bodies.set([body])
        NewsLinkFactory(news=item)
    return items


def test_home_lists_latest_published_news(client):
    visible = PublishedNewsFactory(title="Observatory launched")
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert visible.title in response.content.decode()


def test_news_detail_shows_a_published_item_with_open_graph(client):
    news = PublishedNewsFactory(title="Regional Labor Observatory launched")
    NewsLinkFactory(news=news, label="Day 1 recording")
    response = client.get(news.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert '<meta property="og:title" content="Regional Labor Observatory launched">' in html
    assert "Day 1 recording" in html


@pytest.mark.parametrize("index", range(4))
def test_unpublished_items_are_404_for_the_public(client, hidden_news, index):
    assert client.get(hidden_news[index].get_absolute_url()).status_code == 404


def test_unpublished_items_appear_on_no_public_surface(client, hidden_news):
    PublishedNewsFactory(title="Visible zebra")
    surfaces = [
        reverse("portal:home"),
        reverse("portal:news_list"),
        reverse("portal:news_list") + "?q=zebra",
        reverse("portal:news_feed"),
        "/sitemap.xml",
        reverse("portal:search") + "?q=zebra",
    ]
    for url in surfaces:
        html = client.get(url).content.decode()
        assert "Visible zebra" in html or "/news/" in html, url
        for item in hidden_news:
            assert item.title not in html, (url, item.title)
            assert item.get_absolute_url() not in html, (url, item.title)


def test_staff_preview_of_a_draft_is_never_cached(client, author):
    news = DraftNewsFactory(author=author)
    client.force_login(author)
    response = client.get(news.get_absolute_url())
    assert response.status_code == 200
    assert "Preview" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_preview_of_an_undated_draft_says_so_instead_of_a_dangling_separator(client, author):
    news = DraftNewsFactory(author=author)
    news.countries.add(CountryFactory(code="CL"))
    client.force_login(author)

    html = client.get(news.get_absolute_url()).content.decode()

    meta = re.search(r'<p class="article__meta">(.*?)</p>', html, re.DOTALL).group(1)
    text = " ".join(re.sub(r"<[^>]+>", "", meta).split())
    assert text == "Not published yet · Chile"


def test_a_non_staff_user_cannot_preview(client, django_user_model):
    news = DraftNewsFactory()
    client.force_login(django_user_model.objects.create_user(email="citizen@example.org", password="x"))
    assert client.get(news.get_absolute_url()).status_code == 404


def test_news_list_filters_by_country_body_topic_year_and_text(client):
    chile, mexico = CountryFactory(code="CL"), CountryFactory(code="MX")
    topic, body = TopicFactory(slug="gender-equality"), BodyFactory(slug="technical-labor-group")
    match = PublishedNewsFactory(title="Gender report presented")
    match.countries.set([chile])
    match.topics.set([topic])
    match.bodies.set([body])
    other = PublishedNewsFactory(title="Craft fair in Mexico")
    other.countries.set([mexico])
    year = match.published_at.year
    url = reverse("portal:news_list")
    query = f"?country=CL&topic=gender-equality&body=technical-labor-group&year={year}&q=gender"
    html = client.get(url + query).content.decode()
    assert match.title in html
    assert other.title not in html
    assert other.title in client.get(url + "?country=MX").content.decode()
    assert match.title not in client.get(url + "?country=MX").content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "?country=ZZ",
        "?year=abc",
        "?year=1800",
        "?topic=%00",
        "?page=abc",
        "?page=99999",
        "?q=" + "x" * 500,
        "?q=%27%22%3C%3E%28%29",
        "?q=foo:*%20%26%20|",
    ],
)
def test_malformed_filters_give_a_normal_page(client, query):
    PublishedNewsFactory()
    response = client.get(reverse("portal:news_list") + query)
    assert response.status_code == 200


def test_malformed_filter_shows_a_message(client):
    response = client.get(reverse("portal:news_list") + "?country=ZZ")
    assert "Some filters could not be applied" in response.content.decode()


def test_news_list_is_paginated(client, many_news):
    response = client.get(reverse("portal:news_list"))
    assert len(response.context["news_list"]) == 12
    assert response.context["page_obj"].paginator.count == 65


@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("portal:home", ""),
        ("portal:news_list", ""),
        ("portal:news_list", "?country=CL&page=3"),
        ("portal:news_list", "?q=zebra"),
        ("portal:news_feed", ""),
        ("django.contrib.sitemaps.views.sitemap", ""),
    ],
)
def test_public_lists_run_a_constant_number_of_queries(
    client, many_news, url_name, query, django_assert_max_num_queries
):
    url = reverse(url_name) + query  # when the test runs, in its language
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(url)
    assert response.status_code == 200


def test_site_search_runs_two_queries_per_section_whatever_the_content(
    client, many_news, django_assert_max_num_queries
):
    """/search/ counts and lists each registered section (news, events, publications, indicators,
    initiatives…): a fixed number per section, plus the news cards' countries and topics."""
    from portal import registry

    with django_assert_max_num_queries(2 * len(registry.search_providers()) + 2):
        response = client.get(reverse("portal:search") + "?q=zebra")
    assert response.status_code == 200


def test_news_detail_runs_a_constant_number_of_queries(client, many_news, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(many_news[0].get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["related_news"]) == 3


def test_related_news_share_a_topic_or_body(client):
    topic = TopicFactory()
    news, related, unrelated = PublishedNewsFactory(), PublishedNewsFactory(), PublishedNewsFactory()
    news.topics.set([topic])
    related.topics.set([topic])
    response = client.get(news.get_absolute_url())
    assert list(response.context["related_news"]) == [related]
    assert unrelated not in response.context["related_news"]


def test_feed_sitemap_and_robots(client):
    news = PublishedNewsFactory(title="Eleventh anniversary")
    feed = client.get(reverse("portal:news_feed"))
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "Eleventh anniversary" in feed.content.decode()
    sitemap = client.get("/sitemap.xml").content.decode()
    assert news.get_absolute_url() in sitemap
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in robots.content.decode()


def test_styled_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert 'class="site-header"' in response.content.decode()


def test_500_page_renders_without_a_database():
    from django.test import RequestFactory

    from portal.errors import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_content_security_policy_is_strict(client):
    response = client.get(reverse("portal:home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "default-src 'self'" in policy
    html = response.content.decode()
    assert "<script>" not in html
    # Every script and stylesheet comes from this site.
    assert not re.search(r'<script[^>]+src="(https?:)?//', html)
    assert not re.search(r'<link[^>]+rel="stylesheet"[^>]+href="(https?:)?//', html)


def test_search_finds_published_news_only(client, hidden_news):
    PublishedNewsFactory(title="Digital security workshop", lead="Two recorded days.")
    html = client.get(reverse("portal:search") + "?q=workshop").content.decode()
    assert "Digital security workshop" in html
    assert client.get(reverse("portal:search") + "?q=" + "y" * 300).status_code == 200


def test_pages_only_answer_safe_methods(client):
    assert client.post(reverse("portal:news_list")).status_code in {403, 405}


def test_news_count_per_state_is_what_the_public_lists_use(hidden_news):
    PublishedNewsFactory()
    assert News.objects.published().count() == 1
