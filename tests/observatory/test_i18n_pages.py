import pytest

from tests.observatory.factories import ObservatoryFactory, PublishedPublicationFactory

pytestmark = pytest.mark.django_db


def test_publication_in_spanish_and_fallback_marked(client):
    both = PublishedPublicationFactory(
        title_en="Gender equality report",
        title_es="Informe de igualdad de género",
        abstract_en="Policies and good practices.",
        abstract_es="Políticas y buenas prácticas.",
    )
    only_english = PublishedPublicationFactory(title_en="Procurement statistics", title_es=None, abstract_es=None)
    spanish = client.get(f"/es/publications/{both.slug}/").content.decode()
    assert "Informe de igualdad de género" in spanish
    assert "translation-note" not in spanish
    fallback = client.get(f"/es/publications/{only_english.slug}/").content.decode()
    assert '<h1 lang="en">Procurement statistics</h1>' in fallback
    assert 'class="translation-note"' in fallback


def test_observatory_page_marks_untranslated_text(client):
    observatory = ObservatoryFactory(summary_es=None, mission_es=None)
    html = client.get(f"/es/observatories/{observatory.slug}/").content.decode()
    assert 'class="translation-note"' in html
