import pytest
from django.core.files.base import ContentFile

from observatory.models import Publication
from tests.events.factories import DraftEventFactory, PublishedEventFactory
from tests.factories import BodyFactory, CountryFactory, TopicFactory
from tests.observatory.factories import (
    ApprovedCommentFactory,
    ArchivedPublicationFactory,
    CollaboratorFactory,
    DraftPublicationFactory,
    InReviewPublicationFactory,
    ObservatoryFactory,
    PublicationFileFactory,
    PublishedPublicationFactory,
    ScheduledPublicationFactory,
    csv_bytes,
    days_ago,
)

pytestmark = pytest.mark.django_db

PUBLICATIONS = "/api/v1/publications/"
OBSERVATORIES = "/api/v1/observatories/"


def titles(response):
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["results"]]


# --- Publications -------------------------------------------------------------------------


def test_publication_list_shows_published_publications_only(client):
    PublishedPublicationFactory(title="Procurement in figures")
    DraftPublicationFactory(title="Draft")
    InReviewPublicationFactory(title="In review")
    ScheduledPublicationFactory(title="Scheduled")
    ArchivedPublicationFactory(title="Archived")
    data = client.get(PUBLICATIONS).json()
    assert [item["title"] for item in data["results"]] == ["Procurement in figures"]
    assert "body" not in data["results"][0]


def test_unpublished_publication_detail_is_404_in_the_common_error_shape(client):
    draft = DraftPublicationFactory()
    response = client.get(f"{PUBLICATIONS}{draft.slug}/")
    assert response.status_code == 404
    error = response.json()["error"]
    assert (error["status"], error["code"], error["fields"]) == (404, "not_found", {})


def test_publication_detail_has_authors_files_and_links(client, django_user_model):
    observatory = ObservatoryFactory(slug="procurement")
    publication = PublishedPublicationFactory(
        title="Sustainable purchasing", observatory=observatory, body="<p>Four countries compared.</p>"
    )
    body, chile, topic = BodyFactory(slug="gtcp"), CountryFactory(code="CL"), TopicFactory(slug="trade")
    publication.bodies.set([body])
    publication.countries.set([chile])
    publication.topics.set([topic])
    CollaboratorFactory(publication=publication, name="Ana Pérez", affiliation="Universidad de Chile")
    report = PublicationFileFactory(publication=publication, title="Full report")
    PublicationFileFactory(
        publication=publication, title="Data", file=ContentFile(csv_bytes(), name="data.csv"), position=1
    )
    ApprovedCommentFactory(publication=publication, text="A comment")

    data = client.get(f"{PUBLICATIONS}{publication.slug}/").json()

    assert data["body"] == "<p>Four countries compared.</p>"
    assert data["observatory"] == "procurement"
    assert data["bodies"] == ["gtcp"]
    assert data["collaborators"] == [{"kind": "person", "name": "Ana Pérez", "affiliation": "Universidad de Chile"}]
    assert (data["countries"], data["topics"]) == (["CL"], ["trade"])
    assert data["url"].endswith(publication.get_absolute_url())
    assert "Sustainable purchasing" in data["citation"]
    assert [(file["name"], file["type"], file["download_count"]) for file in data["files"]] == [
        ("Full report", "pdf", 0),
        ("Data", "csv", 0),
    ]
    assert data["files"][0]["size"] == report.size > 0
    assert "comments" not in data
    assert "A comment" not in str(data)


def test_a_file_download_url_goes_through_the_counting_view(client):
    file = PublicationFileFactory()
    data = client.get(f"{PUBLICATIONS}{file.publication.slug}/").json()
    download_url = data["files"][0]["download_url"]
    assert download_url == f"http://testserver{file.get_absolute_url()}"
    response = client.get(download_url.removeprefix("http://testserver"))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    again = client.get(f"{PUBLICATIONS}{file.publication.slug}/").json()
    assert again["files"][0]["download_count"] == 1


def test_only_published_events_are_listed(client):
    publication = PublishedPublicationFactory()
    shown = PublishedEventFactory(slug="presentation")
    hidden = DraftEventFactory(slug="draft-event")
    publication.events.set([shown, hidden])
    data = client.get(f"{PUBLICATIONS}{publication.slug}/").json()
    assert data["events"] == ["presentation"]


def test_a_hidden_observatory_is_not_named(client):
    publication = PublishedPublicationFactory(observatory=ObservatoryFactory(is_public=False))
    assert client.get(f"{PUBLICATIONS}{publication.slug}/").json()["observatory"] is None


def test_publication_filters_are_those_of_the_library(client):
    chile, peru = CountryFactory(code="CL"), CountryFactory(code="PE")
    observatory = ObservatoryFactory(slug="procurement")
    match = PublishedPublicationFactory(
        title="Chilean statistics", kind=Publication.Kind.STATISTICS, observatory=observatory,
        language=Publication.Language.SPANISH,
    )  # fmt: skip
    match.countries.set([chile])
    other = PublishedPublicationFactory(title="Peruvian study", observatory=observatory)
    other.countries.set([peru])
    query = {
        "country": "CL",
        "kind": "statistics",
        "observatory": "procurement",
        "language": "es",
        "year": match.publication_date.year,
    }
    assert titles(client.get(PUBLICATIONS, query)) == ["Chilean statistics"]


def test_bad_filter_values_give_a_400_with_a_message_per_field(client):
    response = client.get(PUBLICATIONS, {"kind": "novel", "year": "abc", "observatory": "no slug!"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (400, "invalid")
    assert set(error["fields"]) == {"kind", "year", "observatory"}


def test_search_parameter_finds_by_title_and_abstract(client):
    PublishedPublicationFactory(title="Port logistics", abstract="Container terminals.")
    PublishedPublicationFactory(title="Sustainable purchasing", abstract="Green criteria in tenders.")
    assert titles(client.get(PUBLICATIONS, {"search": "green"})) == ["Sustainable purchasing"]
    assert titles(client.get(PUBLICATIONS, {"search": "logistics"})) == ["Port logistics"]


def test_newest_first_by_default_and_ordering_is_validated(client):
    PublishedPublicationFactory(title="B", publication_date=days_ago(10))
    PublishedPublicationFactory(title="A", publication_date=days_ago(5))
    PublishedPublicationFactory(title="C", publication_date=days_ago(20))
    assert titles(client.get(PUBLICATIONS)) == ["A", "B", "C"]
    assert titles(client.get(PUBLICATIONS, {"ordering": "title"})) == ["A", "B", "C"]
    assert titles(client.get(PUBLICATIONS, {"ordering": "-title"})) == ["C", "B", "A"]
    assert titles(client.get(PUBLICATIONS, {"sort": "oldest"})) == ["C", "B", "A"]
    assert titles(client.get(PUBLICATIONS, {"ordering": "status"})) == ["A", "B", "C"]  # unknown: ignored


def test_pagination_is_stable_when_dates_are_equal(client):
    PublishedPublicationFactory.create_batch(25, publication_date=days_ago(3))
    first = client.get(PUBLICATIONS).json()
    assert first["count"] == 25 and len(first["results"]) == 20
    second = client.get(first["next"].replace("http://testserver", "")).json()
    assert len(second["results"]) == 5
    assert not {item["slug"] for item in first["results"]} & {item["slug"] for item in second["results"]}


def test_publication_list_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    chile, topic, body = CountryFactory(code="CL"), TopicFactory(), BodyFactory()
    observatory = ObservatoryFactory()
    for publication in PublishedPublicationFactory.create_batch(62, observatory=observatory):
        publication.countries.set([chile])
        publication.topics.set([topic])
        publication.bodies.set([body])
        CollaboratorFactory(publication=publication)
    for publication in Publication.objects.all()[:3]:
        PublicationFileFactory(publication=publication)
    with django_assert_max_num_queries(12):
        response = client.get(PUBLICATIONS, {"page_size": 100, "country": "CL"})
    assert len(response.json()["results"]) == 62


def test_etag_gives_304_when_nothing_changed(client):
    PublishedPublicationFactory()
    etag = client.get(PUBLICATIONS)["ETag"]
    assert client.get(PUBLICATIONS, HTTP_IF_NONE_MATCH=etag).status_code == 304


# --- Observatories ------------------------------------------------------------------------


def test_observatory_list_shows_public_observatories_with_their_publication_count(client):
    shown = ObservatoryFactory(name="Public Procurement Observatory", position=1)
    ObservatoryFactory(name="In preparation", is_public=False)
    PublishedPublicationFactory(observatory=shown)
    DraftPublicationFactory(observatory=shown)
    data = client.get(OBSERVATORIES).json()
    assert [(item["name"], item["publication_count"]) for item in data["results"]] == [
        ("Public Procurement Observatory", 1)
    ]
    assert "mission" not in data["results"][0]


def test_observatory_detail_has_partners_and_focus_topics(client):
    observatory = ObservatoryFactory(slug="procurement", mission="To share knowledge.")
    observatory.partners.create(name="Universidad de Lima", acronym="UL", kind="university")
    observatory.focus_areas.create(title="Sustainable purchasing", description="Green criteria.")
    data = client.get(f"{OBSERVATORIES}procurement/").json()
    assert data["mission"] == "To share knowledge."
    assert data["body"] == observatory.body.slug
    assert [partner["acronym"] for partner in data["partners"]] == ["UL"]
    assert data["focus_areas"] == [{"title": "Sustainable purchasing", "description": "Green criteria."}]


def test_hidden_observatory_detail_is_404(client):
    ObservatoryFactory(slug="secret", is_public=False)
    response = client.get(f"{OBSERVATORIES}secret/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_observatory_list_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    topic = TopicFactory()
    for observatory in ObservatoryFactory.create_batch(12):
        observatory.topics.set([topic])
    with django_assert_max_num_queries(5):
        response = client.get(OBSERVATORIES)
    assert response.json()["count"] == 12
