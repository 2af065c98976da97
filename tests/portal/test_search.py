import pytest
from django.db import connection
from django.urls import reverse

from portal import search
from portal.models import News
from tests.factories import DraftNewsFactory, PublishedNewsFactory

pytestmark = pytest.mark.django_db


def search_titles(text):
    return [n.title for n in search.search(News.objects.published(), text, fallback_fields=("title", "lead", "body"))]


def test_search_matches_title_lead_and_body():
    PublishedNewsFactory(title="Observatory launched", lead="A platform.", body="<p>Procurement.</p>")
    PublishedNewsFactory(title="Craft fair", lead="Artisans of the observatory region.", body="")
    PublishedNewsFactory(title="Finance ministers", lead="Meeting.", body="<p>The observatory was cited.</p>")
    PublishedNewsFactory(title="Unrelated", lead="Nothing here.", body="")
    assert set(search_titles("observatory")) == {"Observatory launched", "Craft fair", "Finance ministers"}


def test_every_word_must_match():
    PublishedNewsFactory(title="Labor observatory launched")
    PublishedNewsFactory(title="Procurement observatory launched")
    assert search_titles("labor observatory") == ["Labor observatory launched"]


def test_empty_query_returns_everything():
    PublishedNewsFactory.create_batch(2)
    assert len(search_titles("   ")) == 2


def test_drafts_are_not_found_by_the_site_search(client):
    DraftNewsFactory(title="Secret negotiation draft")
    html = client.get(reverse("portal:search"), {"q": "secret negotiation"}).content.decode()
    assert "Secret negotiation draft" not in html
    assert "0 results" in html


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking and stemming need PostgreSQL full-text search")
def test_postgres_ranks_title_above_lead_above_body_and_stems_words():
    PublishedNewsFactory(title="Annual report", lead="Nothing.", body="<p>The workshops were recorded.</p>")
    PublishedNewsFactory(title="Workshop on security", lead="Nothing.", body="")
    PublishedNewsFactory(title="Annual meeting", lead="Two workshops took place.", body="")
    assert search_titles("workshop") == ["Workshop on security", "Annual meeting", "Annual report"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL only")
def test_postgres_has_a_gin_index_on_the_search_document():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'portal_news_search_gin'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition.lower()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="websearch syntax is PostgreSQL's")
def test_postgres_accepts_any_user_input_as_a_query():
    PublishedNewsFactory(title="Trade facilitation")
    for text in ['"trade', "trade -", "or or or", "!!&&||", "trade:*", "'"]:
        search_titles(text)  # must not raise


def test_site_search_results_are_kept_until_content_changes(
    client, content_cache, editor, django_assert_max_num_queries
):
    from portal import services

    PublishedNewsFactory(title="Lighthouse keepers meet")
    draft = DraftNewsFactory(title="Lighthouse report")
    url = reverse("portal:search") + "?q=lighthouse"
    assert "Lighthouse keepers meet" in client.get(url).content.decode()
    with django_assert_max_num_queries(1):  # each section's count and best results are kept
        client.get(url)
    services.publish(item=draft, actor=editor)
    assert "Lighthouse report" in client.get(url).content.decode()
