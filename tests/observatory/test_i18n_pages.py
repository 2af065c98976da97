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


def test_every_piece_of_an_observatory_page_shown_in_english_is_marked_on_the_spanish_page(client):
    """Objectives, focus topics, partners, the news and events listed: each English text has lang="en"."""
    from observatory.models import FocusArea, Partner
    from tests.events.factories import PublishedEventFactory
    from tests.factories import PublishedNewsFactory

    observatory = ObservatoryFactory(
        name_es="Observatorio Laboral",
        summary_es="Un resumen en español.",
        mission_es="Una misión en español.",
        objectives_en="<ul><li>Homogenise the methodologies.</li></ul>",
        objectives_es=None,
    )
    FocusArea.objects.create(observatory=observatory, title_en="Employability of graduates", description_en="Jobs.")
    Partner.objects.create(
        observatory=observatory, name_en="University of Bordeaux", kind="university", role_en="Member"
    )
    news = PublishedNewsFactory(title_en="The observatory was launched", title_es=None, lead_es=None)
    event = PublishedEventFactory(title_en="Launch of the observatory", title_es=None, summary_es=None)
    observatory.news.add(news)
    observatory.events.add(event)

    html = client.get(f"/es/observatories/{observatory.slug}/").content.decode()

    assert "<h1>Observatorio Laboral</h1>" in html
    assert '<div class="prose" lang="en"><ul><li>Homogenise the methodologies.' in html
    assert '<strong lang="en">Employability of graduates</strong>' in html
    assert '<span lang="en">Jobs.</span>' in html
    assert '<strong lang="en">University of Bordeaux</strong>' in html
    assert '<span class="partner-list__role" lang="en">Member</span>' in html
    assert f'<a href="/es/news/{news.slug}/" lang="en">The observatory was launched</a>' in html
    assert f'<a href="/es/events/{event.slug}/" lang="en">Launch of the observatory</a>' in html
    assert 'class="translation-note"' in html


def test_file_names_citations_related_links_title_and_description_are_marked(client):
    from observatory.models import PublicationFile
    from tests.factories import PublishedNewsFactory

    publication = PublishedPublicationFactory(
        title_en="Cyber readiness figures",
        title_es=None,
        abstract_en="Figures on digital security.",
        abstract_es=None,
        citation_en="IDB (2023). Cyber readiness figures.",
        citation_es=None,
    )
    PublicationFile.objects.create(
        publication=publication,
        title_en="Figures (demo file)",
        file="demo/x.csv",
        file_type="csv",
        size=10,
        is_demo=True,
    )
    news = PublishedNewsFactory(title_en="Workshop on business digital security", title_es=None)
    publication.news.add(news)

    html = client.get(f"/es/publications/{publication.slug}/").content.decode()

    assert '<title lang="en">Cyber readiness figures · Alianza del Pacífico</title>' in html
    assert '<meta name="description" lang="en" content="Figures on digital security.">' in html
    assert 'download lang="en">Figures (demo file)</a>' in html
    assert '<p class="citation" lang="en">IDB (2023). Cyber readiness figures.</p>' in html
    assert f'<a href="/es/news/{news.slug}/" lang="en">Workshop on business digital security</a>' in html


def test_a_spanish_publication_card_is_not_marked_by_its_document_language(client):
    """The card marked the title with the document's language even when it showed the Spanish title."""
    PublishedPublicationFactory(title_en="Procurement study", title_es="Estudio de compras", language="en")
    html = client.get("/es/publications/").content.decode()
    assert '">Estudio de compras</a>' in html
    assert 'lang="en">Estudio de compras' not in html
