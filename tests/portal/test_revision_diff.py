"""The revision diff of the editorial admin: rich text compared as readable text per language,
with the field's label, insertions and deletions marked, one set of navigation, a correct
breadcrumb, and every related model the revisions need registered with django-reversion."""

import logging
import re

import pytest
import reversion
from django.apps import apps
from django.urls import reverse
from reversion.models import Version

from portal.models import Publishable
from portal.revisions import readable_text, rich_text_diff
from tests.factories import CountryFactory, DraftNewsFactory
from tests.portal.test_admin import change_url, news_form

pytestmark = pytest.mark.django_db

BEFORE = "<p>The report collects <strong>29 policies</strong> of the four countries.</p><ul><li>Documentary</li></ul>"
AFTER = (
    "<p>The report collects <strong>29 policies</strong> and programmes of the four countries.</p>"
    "<ul><li>Participative</li></ul>"
)


def test_rich_text_becomes_readable_paragraphs():
    assert readable_text(BEFORE) == "The report collects 29 policies of the four countries.\n\n• Documentary"
    assert readable_text("<p>Lima &amp; Bogotá<br>2019</p>") == "Lima & Bogotá\n2019"


def test_the_diff_marks_words_added_and_removed_in_readable_paragraphs():
    html = str(rich_text_diff(BEFORE, AFTER))
    assert (
        '<ins class="diff-ins">and programmes </ins>' in html or '<ins class="diff-ins"> and programmes</ins>' in html
    )
    assert '<del class="diff-del">Documentary</del>' in html and '<ins class="diff-ins">Participative</ins>' in html
    assert html.count("<p>") == 2
    assert "&lt;" not in html and "<strong>" not in html


def test_only_a_change_of_formatting_says_so():
    assert "only the formatting changed" in str(rich_text_diff("<p>Same words</p>", "<p><em>Same</em> words</p>"))


def compare_page(editor_client, news):
    versions = list(Version.objects.get_for_object(news))
    response = editor_client.get(
        reverse("admin:portal_news_compare", args=[news.pk]),
        {"version_id1": versions[1].pk, "version_id2": versions[0].pk},
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_compare_page_shows_readable_text_per_language_with_one_navigation(editor_client, editor, caplog):
    news = DraftNewsFactory()
    news.countries.add(CountryFactory(code="CL"))
    editor_client.post(change_url(news), news_form(slug=news.slug, body=BEFORE, body_es="<p>Informe.</p>"))
    editor_client.post(change_url(news), news_form(slug=news.slug, body=AFTER, body_es="<p>Informe nuevo.</p>"))

    with caplog.at_level(logging.INFO, logger="reversion_compare"):
        html = compare_page(editor_client, news)

    assert "<h2" in html and re.search(r">Text \[en\]</h2>", html) and re.search(r">Text \[es\]</h2>", html)
    assert '<ins class="diff-ins">nuevo' in html or 'diff-ins"> nuevo' in html
    assert "&lt;p&gt;" not in html and "&lt;strong&gt;" not in html  # no raw HTML
    assert html.count("Go back to history list") == 0 and html.count("All revisions") == 1
    breadcrumb = re.search(r'<ol class="breadcrumbs">(.*?)</ol>', html, re.DOTALL).group(1)
    assert reverse("admin:portal_news_change", args=[news.pk]) in breadcrumb
    assert reverse("admin:portal_news_history", args=[news.pk]) in breadcrumb
    assert reverse("admin:portal_news_changelist") in breadcrumb
    assert "has not been registered" not in caplog.text


def test_every_model_a_revision_links_to_is_registered_with_reversion():
    """reversion-compare cannot diff (and logs) a many-to-many to a model it has no history of."""
    missing = []
    for model in apps.get_models():
        if not (issubclass(model, Publishable) and reversion.is_registered(model)):
            continue
        for field in model._meta.many_to_many:
            if not reversion.is_registered(field.related_model):
                missing.append(f"{model._meta.label}.{field.name} → {field.related_model._meta.label}")
    assert not missing, missing


def test_a_revision_keeps_both_languages_and_restoring_it_brings_back_the_spanish(editor_client, editor):
    """Revisions were registered before the translations existed: they kept one language only."""
    from portal import services

    news = DraftNewsFactory()
    editor_client.post(change_url(news), news_form(slug=news.slug, body_es="<p>Primera versión.</p>"))
    editor_client.post(change_url(news), news_form(slug=news.slug, body_es="<p>Segunda versión.</p>"))
    first = list(Version.objects.get_for_object(news))[1]
    assert first.field_dict["body_es"] == "<p>Primera versión.</p>"

    services.restore_revision(item=news, version=first, actor=editor)

    news.refresh_from_db()
    assert news.body_es == "<p>Primera versión.</p>"
