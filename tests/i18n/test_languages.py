import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from portal import search
from portal.models import News
from portal.roles import AUTHORS
from tests.factories import DraftNewsFactory, InReviewNewsFactory, PublishedNewsFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bilingual_news():
    return PublishedNewsFactory(
        title_en="Public procurement observatory launched",
        title_es="Se lanzó el observatorio de compras públicas",
        lead_en="A platform for business, academia and civil society.",
        lead_es="Una plataforma para empresas, academia y sociedad civil.",
        body_en="<p>The launch took place in Lima.</p>",
        body_es="<p>El lanzamiento tuvo lugar en Lima.</p>",
    )


def test_english_pages_have_no_prefix_and_spanish_ones_do():
    with translation.override("en"):
        assert reverse("portal:news_list") == "/news/"
    with translation.override("es"):
        assert reverse("portal:news_list") == "/es/news/"


@pytest.mark.parametrize(("prefix", "lang", "heading"), [("", "en", "News"), ("/es", "es", "Noticias")])
def test_pages_render_in_both_languages(client, bilingual_news, prefix, lang, heading):
    html = client.get(f"{prefix}/news/").content.decode()
    assert f'<html lang="{lang}">' in html
    assert f"<h1>{heading}</h1>" in html


def test_content_is_shown_in_the_page_language(client, bilingual_news):
    english = client.get(f"/news/{bilingual_news.slug}/").content.decode()
    spanish = client.get(f"/es/news/{bilingual_news.slug}/").content.decode()
    assert "Public procurement observatory launched" in english
    assert "Se lanzó el observatorio de compras públicas" in spanish
    assert "El lanzamiento tuvo lugar en Lima." in spanish
    assert "translation-note" not in spanish


def test_a_missing_translation_falls_back_and_the_page_says_so(client):
    news = PublishedNewsFactory(title_en="Only in English", title_es=None, lead_es=None, body_es=None)
    html = client.get(f"/es/news/{news.slug}/").content.decode()
    assert "Only in English" in html
    assert 'class="translation-note"' in html
    assert '<h1 lang="en">Only in English</h1>' in html


def test_language_switcher_keeps_the_visitor_on_the_same_page(client, bilingual_news):
    html = client.get(f"/news/{bilingual_news.slug}/?ref=1").content.decode()
    assert f'href="/es/news/{bilingual_news.slug}/?ref=1" hreflang="es" lang="es"' in html
    assert f'<link rel="alternate" hreflang="es" href="http://127.0.0.1:8000/es/news/{bilingual_news.slug}/' in html


def test_slugs_are_the_same_in_both_languages(client, bilingual_news):
    assert client.get(f"/es/news/{bilingual_news.slug}/").status_code == 200
    assert client.get(f"/news/{bilingual_news.slug}/").status_code == 200


def test_dates_are_formatted_per_locale(client, bilingual_news):
    # The page shows the date in the site's zone (TIME_ZONE): on the first of a month, at night in
    # UTC, the UTC date is a month ahead of it.
    published = timezone.localtime(bilingual_news.published_at)
    english = client.get(f"/news/{bilingual_news.slug}/").content.decode()
    spanish = client.get(f"/es/news/{bilingual_news.slug}/").content.decode()
    assert published.strftime("%B")[:3] in english
    assert f"de {published.year}" in spanish


def test_sitemap_lists_both_languages_with_alternates(client, bilingual_news):
    xml = client.get("/sitemap.xml").content.decode()
    assert f"/es/news/{bilingual_news.slug}/" in xml
    assert 'hreflang="es"' in xml


def test_workflow_emails_go_out_in_the_recipients_language(editor, mailoutbox, django_capture_on_commit_callbacks):
    from portal import services
    from tests.factories import ParticipantFactory

    author = ParticipantFactory(is_staff=True, profile__preferred_language="es")
    from django.contrib.auth.models import Group

    author.groups.add(Group.objects.get(name=AUTHORS))
    news = InReviewNewsFactory(author=author)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_changes(item=news, actor=editor, comment="Falta la fecha.")
    assert "Cambios solicitados" in mailoutbox[0].subject or "Se solicitan cambios" in mailoutbox[0].subject
    assert "Hola" in mailoutbox[0].body


def test_drafts_stay_hidden_in_spanish_too(client):
    draft = DraftNewsFactory()
    assert client.get(f"/es/news/{draft.slug}/").status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stemming needs PostgreSQL's text-search configurations")
def test_spanish_words_are_found_by_their_stem():
    PublishedNewsFactory(title_en="Procurement", title_es="Contratación pública en la región")
    PublishedNewsFactory(title_en="Unrelated", title_es="Feria artesanal")
    found = search.search(News.objects.published(), "contrataciones", fallback_fields=("title", "lead", "body"))
    assert [news.title_es for news in found] == ["Contratación pública en la región"]


def test_search_finds_spanish_text_on_every_database():
    PublishedNewsFactory(title_en="Procurement", title_es="Contratación pública en la región")
    found = search.search(News.objects.published(), "pública", fallback_fields=("title", "lead", "body"))
    assert found.count() == 1
