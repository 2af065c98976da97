""" "Did you mean …?" on /search/, the library and the API, and capped counts on /search/.

Runs on both databases: PostgreSQL finds near words with pg_trgm, SQLite with difflib."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import cache as page_cache
from portal import views, vocabulary
from portal.models import News, SearchTerm
from portal.status import Status
from tests.factories import DraftNewsFactory, PublishedNewsFactory
from tests.observatory.factories import DraftPublicationFactory, PublishedPublicationFactory

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")

PUBLICATIONS_API = "/api/v1/publications/"


def site_search(client, text, prefix=""):
    return client.get(prefix + reverse("portal:search"), {"q": text}).content.decode()


def test_the_vocabulary_has_the_words_of_published_titles_only():
    PublishedNewsFactory(title="Harbour authorities meet in Callao")
    PublishedPublicationFactory(title="Study on harbour logistics")
    DraftNewsFactory(title="Quetzal negotiation mandate")
    DraftPublicationFactory(title="Confidential tariff schedule")

    vocabulary.rebuild()

    words = dict(SearchTerm.objects.values_list("word", "frequency"))
    assert words["harbour"] == 2  # in two published titles
    assert {"authorities", "callao", "logistics", "study"} <= set(words)
    assert not {"quetzal", "negotiation", "mandate", "confidential", "tariff"} & set(words)
    assert "in" not in words and "on" not in words  # fewer than three letters: nothing to correct


def test_a_rebuild_replaces_the_vocabulary():
    news = PublishedNewsFactory(title="Harbour authorities meet")
    vocabulary.rebuild()
    News.objects.filter(pk=news.pk).update(status=Status.DRAFT)
    PublishedNewsFactory(title="Fisheries agreement signed")
    vocabulary.rebuild()
    words = set(SearchTerm.objects.values_list("word", flat=True))
    assert {"fisheries", "agreement", "signed"} <= words
    assert not {"harbour", "authorities", "meet"} & words


def test_the_sweep_rebuilds_only_when_the_content_changed(monkeypatch):
    monkeypatch.setattr(vocabulary, "_versions_are_shared", lambda: True)  # as with Redis
    PublishedNewsFactory(title="Harbour authorities meet")
    assert vocabulary.refresh() == 1
    assert vocabulary.refresh() == 0  # same content version: nothing read
    PublishedNewsFactory(title="Fisheries agreement signed")
    page_cache.content_changed()
    assert vocabulary.refresh() == 1
    assert SearchTerm.objects.filter(word="fisheries").exists()


def test_the_sweep_rebuilds_every_time_where_each_process_has_its_own_cache(settings):
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert not vocabulary._versions_are_shared()
    PublishedNewsFactory(title="Harbour authorities meet")
    assert vocabulary.refresh() == 1
    PublishedNewsFactory(title="Fisheries agreement signed")  # a change another process would not see
    assert vocabulary.refresh() == 1
    assert SearchTerm.objects.filter(word="fisheries").exists()


def test_near_words_are_found_on_this_database_and_with_difflib():
    PublishedPublicationFactory(title="Public procurement systems")
    vocabulary.rebuild()
    # difflib is what SQLite uses; on PostgreSQL the same vocabulary is read through pg_trgm.
    assert vocabulary._nearest_in_python()("procurment")[0] == "procurement"
    nearest = vocabulary._nearest_in_database if connection.vendor == "postgresql" else vocabulary._nearest_in_python()
    assert nearest("procurment")[0] == "procurement"
    assert nearest("zzzzqqq") == []


@on_postgres
def test_postgres_has_a_trigram_index_on_the_vocabulary():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'portal_searchterm_word_trgm'")
        (definition,) = cursor.fetchone()
    assert "gin_trgm_ops" in definition


def test_phrases_change_one_unknown_word_at_a_time_and_never_repeat_the_query():
    words = ["publik", "procurment"]
    options = [["public", "publish"], ["procurement"]]
    assert vocabulary._phrases(words, options) == ["public procurement", "publish procurement"]
    assert vocabulary._phrases(["trade"], [["trade"]]) == []


def test_site_search_suggests_a_near_phrase_when_nothing_is_found(client):
    PublishedNewsFactory(title="Ministers agree on trade facilitation")
    vocabulary.rebuild()
    html = site_search(client, "trade faciltation")
    assert "0 results" in html
    assert "Did you mean:" in html
    assert f'href="{reverse("portal:search")}?q=trade+facilitation"' in html
    # Following it finds the news.
    assert "Ministers agree on trade facilitation" in site_search(client, "trade facilitation")


def test_site_search_suggests_in_spanish_too(client):
    PublishedNewsFactory(title="Public procurement reform", title_es="Reforma de la contratación pública")
    vocabulary.rebuild()
    html = site_search(client, "contratacón", prefix="/es")
    assert "Quizá quiso decir:" in html
    assert "?q=contrataci%C3%B3n" in html


def test_no_suggestion_when_something_is_found_or_nothing_is_near(client):
    PublishedNewsFactory(title="Ministers agree on trade facilitation")
    vocabulary.rebuild()
    assert "Did you mean" not in site_search(client, "trade")
    assert "Did you mean" not in site_search(client, "zzzzqqq")


def test_an_unpublished_title_is_never_suggested(client):
    PublishedNewsFactory(title="Ministers agree on trade facilitation")
    DraftNewsFactory(title="Quetzal negotiation mandate")
    DraftPublicationFactory(title="Quetzal negotiation annex")
    vocabulary.rebuild()
    assert "Did you mean" not in site_search(client, "quetzel negotiaton")
    assert "Did you mean" not in client.get(reverse("observatory:publication_list"), {"q": "quetzel"}).content.decode()
    assert client.get(PUBLICATIONS_API, {"search": "quetzel"}).json()["suggestions"] == []


def test_a_title_unpublished_since_the_last_build_is_not_suggested(client):
    """The vocabulary may be a sweep behind; a suggestion is shown only if it finds something."""
    news = PublishedNewsFactory(title="Quetzal negotiation mandate")
    publication = PublishedPublicationFactory(title="Quetzal negotiation annex")
    vocabulary.rebuild()
    assert "quetzal negotiation" in site_search(client, "quetzel negotiation")  # while published
    News.objects.filter(pk=news.pk).update(status=Status.DRAFT)
    type(publication).objects.filter(pk=publication.pk).update(status=Status.DRAFT)
    page_cache.content_changed()
    assert SearchTerm.objects.filter(word="quetzal").exists()  # not rebuilt yet
    assert "Did you mean" not in site_search(client, "quetzel negotiation")
    assert "Did you mean" not in client.get(reverse("observatory:publication_list"), {"q": "quetzel"}).content.decode()
    assert client.get(PUBLICATIONS_API, {"search": "quetzel"}).json()["suggestions"] == []


def test_the_library_suggests_with_the_same_filters(client):
    PublishedPublicationFactory(title="Public procurement systems", kind="report")
    vocabulary.rebuild()
    html = client.get(reverse("observatory:publication_list"), {"q": "procuremnet", "kind": "report"}).content.decode()
    assert "Did you mean:" in html
    assert "q=procurement" in html and "kind=report" in html
    # A filter that the near word cannot satisfy: nothing to suggest.
    html = client.get(reverse("observatory:publication_list"), {"q": "procuremnet", "kind": "guide"})
    assert "Did you mean" not in html.content.decode()


def test_the_api_lists_suggestions_for_a_search_only(client):
    PublishedPublicationFactory(title="Public procurement systems")
    vocabulary.rebuild()
    assert client.get(PUBLICATIONS_API, {"search": "procuremnet"}).json()["suggestions"] == ["procurement"]
    assert client.get(PUBLICATIONS_API, {"q": "procuremnet"}).json()["suggestions"] == ["procurement"]
    found = client.get(PUBLICATIONS_API, {"search": "procurement"}).json()
    assert found["count"] == 1 and found["suggestions"] == []
    assert "suggestions" not in client.get(PUBLICATIONS_API).json()


def test_a_search_that_finds_nothing_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for n in range(20):
        PublishedNewsFactory(title=f"Ministers agree on trade facilitation, round {n}")
    vocabulary.rebuild()
    with django_assert_max_num_queries(60):
        html = site_search(client, "trade faciltation minsters")
    assert "Did you mean:" in html


# --- Counts ---------------------------------------------------------------------------------


@pytest.fixture
def small_sections(monkeypatch):
    monkeypatch.setattr(views, "SEARCH_RESULTS_PER_SECTION", 2)
    monkeypatch.setattr(views, "SEARCH_COUNT_LIMIT", 3)


def lighthouse_news(count):
    for n in range(count):
        PublishedNewsFactory(title=f"Lighthouse keepers meet, round {n}")


def test_a_section_with_more_matches_than_the_limit_says_more_than(client, small_sections):
    lighthouse_news(5)
    with CaptureQueriesContext(connection) as queries:
        html = site_search(client, "lighthouse")
    assert "More than 3 results for “lighthouse”" in html
    assert "(more than 3)" in html
    assert "See all results in news" in html
    counts = [query["sql"] for query in queries if "COUNT(" in query["sql"].upper() and "portal_news" in query["sql"]]
    assert counts and all("LIMIT 4" in sql for sql in counts)  # stops one past the limit


def test_a_section_up_to_the_limit_is_counted_exactly(client, small_sections):
    lighthouse_news(3)
    html = site_search(client, "lighthouse")
    assert "3 results for “lighthouse”" in html and "More than" not in html
    assert "(3)" in html
    assert "See all 3 results in news" in html
