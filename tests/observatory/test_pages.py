"""Public pages: observatories, a publication with its files and links, downloads, home, sitemap."""

import pytest
from django.test import Client
from django.urls import reverse

from observatory.models import Partner, PublicationFile
from tests.factories import CountryFactory, PublishedNewsFactory, TopicFactory
from tests.observatory.factories import (
    ApprovedCommentFactory,
    CollaboratorFactory,
    DraftPublicationFactory,
    ObservatoryFactory,
    PublicationFileFactory,
    PublishedPublicationFactory,
    ScheduledPublicationFactory,
    csv_bytes,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db

PAGE_QUERY_BUDGET = 11  # + the indicators a publication draws on (issue 15)


def download(client, file, **headers):
    return client.get(file.get_absolute_url(), **headers)


def content_of(response):
    return b"".join(response.streaming_content)


# --- Publication page ---------------------------------------------------------------------


def test_publication_page_shows_what_a_reader_needs(client):
    observatory = ObservatoryFactory(name="Public Procurement Observatory")
    publication = PublishedPublicationFactory(
        title="Behaviour of public procurement systems",
        observatory=observatory,
        external_url="https://example.org/full-text",
        citation="Public Procurement Committee (2024). Behaviour of public procurement systems.",
    )
    publication.countries.set([CountryFactory(code="MX")])
    publication.topics.set([TopicFactory(name="Public procurement")])
    CollaboratorFactory(publication=publication, name="María Quispe", affiliation="Universidad de Lima")
    PublicationFileFactory(publication=publication, title="Full report")
    news = PublishedNewsFactory(title="The observatory was launched")
    publication.news.add(news)
    html = client.get(publication.get_absolute_url()).content.decode()
    for expected in (
        "Behaviour of public procurement systems",
        "Public Procurement Observatory",
        "María Quispe (Universidad de Lima)",
        "Mexico",
        "Public procurement",
        "Full report",
        "https://example.org/full-text",
        "Public Procurement Committee (2024).",
        "The observatory was launched",
        'property="og:title"',
    ):
        assert expected in html, expected


def test_a_citation_is_composed_when_none_is_given():
    publication = PublishedPublicationFactory(title="Portfolio", citation="")
    CollaboratorFactory(publication=publication, kind="organisation", name="PromPerú", affiliation="")
    assert publication.suggested_citation.startswith(f"PromPerú ({publication.publication_date:%Y}). Portfolio.")
    assert publication.get_absolute_url() in publication.suggested_citation


@pytest.mark.parametrize("factory", [DraftPublicationFactory, ScheduledPublicationFactory])
def test_unpublished_publications_are_404_for_the_public(client, factory):
    assert client.get(factory().get_absolute_url()).status_code == 404


def test_staff_preview_a_draft_with_a_banner_and_no_caching(editor_client):
    publication = DraftPublicationFactory(title="Draft study")
    response = editor_client.get(publication.get_absolute_url())
    assert response.status_code == 200
    assert "This item is not public (Draft)" in response.content.decode()
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


def test_publication_page_stays_within_its_query_budget(client, django_assert_max_num_queries):
    def make():
        publication = PublishedPublicationFactory()
        publication.countries.set([CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")])
        publication.topics.set(TopicFactory.create_batch(3))
        CollaboratorFactory.create_batch(3, publication=publication)
        PublicationFileFactory.create_batch(3, publication=publication)
        publication.news.set(PublishedNewsFactory.create_batch(3))
        ApprovedCommentFactory.create_batch(20, publication=publication)
        return publication

    for publication in (make(), make()):
        with django_assert_max_num_queries(PAGE_QUERY_BUDGET):
            assert client.get(publication.get_absolute_url()).status_code == 200


# --- Downloads ----------------------------------------------------------------------------


def test_download_serves_the_file_and_counts_it(client):
    file = PublicationFileFactory()
    response = download(client, file)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{file.download_name}"'
    assert content_of(response).startswith(b"%PDF-")
    download(client, file)
    file.refresh_from_db()
    assert file.download_count == 2
    assert "2 downloads" in client.get(file.publication.get_absolute_url()).content.decode()


def test_a_head_request_does_not_count(client):
    file = PublicationFileFactory()
    assert client.head(file.get_absolute_url()).status_code == 200
    file.refresh_from_db()
    assert file.download_count == 0


def test_files_of_unpublished_publications_are_not_served(editor_client):
    file = PublicationFileFactory(publication=DraftPublicationFactory())
    assert download(Client(), file).status_code == 404
    # Staff may fetch it while previewing; it is not counted.
    response = download(editor_client, file)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    file.refresh_from_db()
    assert file.download_count == 0


def test_a_file_is_found_only_under_its_own_publication(client):
    file = PublicationFileFactory()
    other = PublishedPublicationFactory()
    url = reverse("observatory:publication_file", kwargs={"slug": other.slug, "file_id": file.pk})
    assert client.get(url).status_code == 404


def test_a_missing_stored_file_is_a_404_not_an_error(client):
    file = PublicationFileFactory()
    file.file.storage.delete(file.file.name)
    assert download(client, file).status_code == 404


def test_a_csv_is_served_as_utf8_text(client):
    from django.core.files.base import ContentFile

    file = PublicationFileFactory(file=ContentFile(csv_bytes(), name="data.csv"))
    response = download(client, file)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "Perú" in content_of(response).decode()


# --- Observatories ------------------------------------------------------------------------


def test_observatory_pages_show_partners_publications_and_news(client):
    observatory = ObservatoryFactory(name="Regional Labor Observatory", funding="Erasmus+")
    Partner.objects.create(observatory=observatory, name="Universidad de Valparaíso", acronym="UV", location="Chile")
    observatory.focus_areas.create(title="Labour market dynamics")
    PublishedPublicationFactory(observatory=observatory, title="Graduates and employment")
    DraftPublicationFactory(observatory=observatory, title="Unfinished draft")
    news = PublishedNewsFactory(title="The labour observatory was launched")
    observatory.news.add(news, PublishedNewsFactory(title="Hidden", status="draft", published_at=None))
    listing = client.get(reverse("observatory:observatory_list")).content.decode()
    assert "Regional Labor Observatory" in listing and "1 publication" in listing
    html = client.get(observatory.get_absolute_url()).content.decode()
    for expected in ("Erasmus+", "Universidad de Valparaíso", "Labour market dynamics", "Graduates and employment",
                     "The labour observatory was launched", f"?observatory={observatory.slug}"):  # fmt: skip
        assert expected in html, expected
    assert "Unfinished draft" not in html and "Hidden" not in html


def test_a_hidden_observatory_is_not_public(client):
    observatory = ObservatoryFactory(is_public=False)
    assert client.get(observatory.get_absolute_url()).status_code == 404
    assert observatory.name not in client.get(reverse("observatory:observatory_list")).content.decode()


def test_observatory_pages_stay_within_their_query_budget(client, django_assert_max_num_queries):
    observatories = ObservatoryFactory.create_batch(3)
    for observatory in observatories:
        PublishedPublicationFactory.create_batch(8, observatory=observatory)
        for number in range(5):
            Partner.objects.create(observatory=observatory, name=f"University {number}")
        observatory.news.set(PublishedNewsFactory.create_batch(5))
    with django_assert_max_num_queries(PAGE_QUERY_BUDGET):
        assert client.get(reverse("observatory:observatory_list")).status_code == 200
    for observatory in observatories:
        with django_assert_max_num_queries(PAGE_QUERY_BUDGET):
            assert client.get(observatory.get_absolute_url()).status_code == 200


# --- Site-wide pages ----------------------------------------------------------------------


def test_home_shows_observatories_and_featured_publications(client, django_assert_max_num_queries):
    ObservatoryFactory(name="Public Procurement Observatory")
    PublishedPublicationFactory(title="Featured portfolio", is_featured=True)
    PublishedPublicationFactory.create_batch(5)
    with django_assert_max_num_queries(PAGE_QUERY_BUDGET + 2):  # the home page also lists news and events
        html = client.get(reverse("portal:home")).content.decode()
    assert "Public Procurement Observatory" in html
    assert "Featured portfolio" in html


def test_sitemap_lists_live_publications_and_observatories(client):
    live = PublishedPublicationFactory()
    draft = DraftPublicationFactory()
    observatory = ObservatoryFactory()
    xml = client.get("/sitemap.xml").content.decode()
    assert live.get_absolute_url() in xml and observatory.get_absolute_url() in xml
    assert draft.get_absolute_url() not in xml
    assert reverse("observatory:publication_list") in xml


def test_site_search_links_to_the_filtered_library(client, settings):
    for number in range(12):
        PublishedPublicationFactory(title=f"Procurement study {number}")
    html = client.get(reverse("portal:search"), {"q": "procurement"}).content.decode()
    assert "Procurement study" in html
    assert reverse("observatory:publication_list") + "?q=procurement" in html


def test_publication_files_are_stored_outside_media_and_have_no_public_url(settings):
    file = PublicationFileFactory()
    path = file.file.path
    assert str(settings.OBSERVATORY_FILES_ROOT) in path
    assert str(settings.MEDIA_ROOT) not in path
    with pytest.raises(ValueError, match="no public URL"):
        file.file.url  # noqa: B018


def test_demo_pdf_is_a_pdf():
    assert pdf_bytes().startswith(b"%PDF-1.4") and pdf_bytes().rstrip().endswith(b"%%EOF")
    assert PublicationFile.FileType.PDF == "pdf"


# --- Events -------------------------------------------------------------------------------


def test_a_publication_shows_the_published_events_that_presented_it(client):
    from tests.events.factories import DraftEventFactory, PastEventFactory

    publication = PublishedPublicationFactory(kind="outcome_document")
    presented = PastEventFactory(title="NCP meeting in Mexico City")
    publication.events.add(presented, DraftEventFactory(title="Unannounced event"))
    html = client.get(publication.get_absolute_url()).content.decode()
    assert "Presented at" in html and "NCP meeting in Mexico City" in html
    assert "Unannounced event" not in html
    # The link runs both ways: the event knows the publications that came out of it.
    assert list(presented.publications.all()) == [publication]


def test_an_observatory_page_shows_its_published_events(client):
    from tests.events.factories import DraftEventFactory, PastEventFactory

    observatory = ObservatoryFactory()
    observatory.events.add(PastEventFactory(title="Launch of the observatory"), DraftEventFactory(title="Draft event"))
    html = client.get(observatory.get_absolute_url()).content.decode()
    assert "Launch of the observatory" in html and "Draft event" not in html


def test_editors_link_an_event_to_an_observatory_from_the_event_form(editor_client):
    from tests.events.factories import PastEventFactory

    event = PastEventFactory()
    html = editor_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert "Observatory_events-TOTAL_FORMS" in html


def test_a_malformed_rate_setting_fails_the_system_checks(settings):
    from observatory.checks import observatory_settings

    assert observatory_settings(None) == []
    settings.OBSERVATORY_COMMENT_RATE = "lots"
    settings.OBSERVATORY_REPORTS_TO_HIDE = 0
    assert {error.id for error in observatory_settings(None)} == {"observatory.E001", "observatory.E002"}


def test_changes_to_observatories_invalidate_cached_pages():
    from portal.cache import content_version

    observatory = ObservatoryFactory()
    news = PublishedNewsFactory()
    before = content_version()
    Partner.objects.create(observatory=observatory, name="Universidad de Antioquia")
    after_partner = content_version()
    observatory.news.add(news)
    assert before < after_partner < content_version()
