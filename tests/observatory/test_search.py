"""Full-text search of publications: PostgreSQL (weights, English and Spanish, GIN) and the SQLite fallback."""

import pytest
from django.db import connection
from django.urls import reverse

from observatory import search
from observatory.models import Publication
from tests.observatory.factories import DraftPublicationFactory, PublishedPublicationFactory

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL full-text search")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the fallback runs on SQLite")


def found(text):
    return [p.title for p in search.search(Publication.objects.published(), text)]


def test_search_matches_title_abstract_and_body():
    PublishedPublicationFactory(title="Observatory report", abstract="A platform.", body="<p>Procurement.</p>")
    PublishedPublicationFactory(title="Craft fair", abstract="Artisans of the observatory region.", body="")
    PublishedPublicationFactory(
        title="Finance ministers", abstract="Meeting.", body="<p>The observatory was cited.</p>"
    )
    PublishedPublicationFactory(title="Unrelated", abstract="Nothing here.", body="")
    assert set(found("observatory")) == {"Observatory report", "Craft fair", "Finance ministers"}


def test_every_word_must_match():
    PublishedPublicationFactory(title="Labour observatory report")
    PublishedPublicationFactory(title="Procurement observatory report")
    assert found("labour observatory") == ["Labour observatory report"]


def test_a_title_match_ranks_above_a_body_match():
    PublishedPublicationFactory(title="Annual report", abstract="Nothing.", body="<p>Notes on portfolio projects.</p>")
    PublishedPublicationFactory(title="Investment portfolio", abstract="Nothing.", body="")
    assert found("portfolio") == ["Investment portfolio", "Annual report"]


def test_drafts_are_not_found_by_the_site_search(client):
    DraftPublicationFactory(title="Secret negotiation study")
    PublishedPublicationFactory(title="Public negotiation study")
    html = client.get(reverse("portal:search"), {"q": "negotiation"}).content.decode()
    assert "Secret negotiation study" not in html
    assert "Public negotiation study" in html
    assert "/publications/?q=negotiation" in html or "Publications" in html


def test_empty_or_control_character_queries_return_everything():
    PublishedPublicationFactory.create_batch(2)
    assert len(found("   ")) == 2
    assert len(found("\x00\x01")) == 2


def test_clean_query_bounds_and_strips():
    assert search.clean_query("  trade\x00 \n facilitation ") == "trade facilitation"
    assert len(search.clean_query("a" * 5000)) == 200


@on_sqlite
def test_sqlite_falls_back_to_a_case_insensitive_match():
    PublishedPublicationFactory(title="TRADE facilitation", abstract="x", body="")
    PublishedPublicationFactory(title="Other", abstract="About trade agreements.", body="")
    assert found("trade") == ["TRADE facilitation", "Other"]  # title matches first


@on_postgres
def test_postgres_ranks_title_above_abstract_above_body():
    PublishedPublicationFactory(title="Annual report", abstract="Nothing.", body="<p>The workshops were recorded.</p>")
    PublishedPublicationFactory(title="Workshop on security", abstract="Nothing.", body="")
    PublishedPublicationFactory(title="Annual meeting", abstract="Two workshops took place.", body="")
    assert found("workshop") == ["Workshop on security", "Annual meeting", "Annual report"]


@on_postgres
def test_postgres_stems_spanish_publications_as_spanish():
    PublishedPublicationFactory(
        title="Observatorio de contratación pública",
        abstract="Estudio sobre los sistemas de compras del Estado.",
        language=Publication.Language.SPANISH,
    )
    PublishedPublicationFactory(title="Unrelated English study", abstract="Trade.")
    assert found("contrataciones") == ["Observatorio de contratación pública"]
    assert found("compra") == ["Observatorio de contratación pública"]


@on_postgres
def test_postgres_stems_english_publications_as_english():
    PublishedPublicationFactory(title="Procurement systems", abstract="Behaviour of purchasing.")
    assert found("system") == ["Procurement systems"]


@on_postgres
def test_postgres_changing_the_language_rebuilds_the_document():
    publication = PublishedPublicationFactory(title="Contrataciones públicas", abstract="x")
    publication.language = Publication.Language.SPANISH
    publication.save()
    assert found("contratación") == ["Contrataciones públicas"]


@on_postgres
def test_postgres_has_a_gin_index_on_the_search_document():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'observatory_publication_search_gin'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition.lower()


@on_postgres
def test_postgres_accepts_any_user_input_as_a_query():
    PublishedPublicationFactory(title="Trade facilitation")
    for text in ['"trade', "trade -", "or or or", "!!&&||", "trade:*", "'", "<->", "a & (b", "\\"]:
        found(text)  # must not raise


@on_postgres
def test_postgres_only_stop_words_get_an_explanation(client):
    PublishedPublicationFactory(title="The trade of the region")
    assert search.has_searchable_words("trade") is True
    assert search.has_searchable_words("the of and") is False
    assert search.has_searchable_words("de la los") is False
    response = client.get(reverse("observatory:publication_list"), {"q": "the of and"})
    assert response.status_code == 200
    assert "only very common words" in response.content.decode()
