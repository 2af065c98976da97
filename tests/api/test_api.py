import pytest
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import Profile
from tests.factories import (
    BodyFactory,
    CountryFactory,
    DraftNewsFactory,
    InReviewNewsFactory,
    NewsLinkFactory,
    ParticipantFactory,
    PublishedNewsFactory,
    ScheduledNewsFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

NEWS = "/api/v1/news/"


def test_news_list_shows_published_news_only(client):
    visible = PublishedNewsFactory(title="Craft fair")
    DraftNewsFactory(title="Draft")
    InReviewNewsFactory(title="Review")
    ScheduledNewsFactory(title="Scheduled")
    data = client.get(NEWS).json()
    assert [item["title"] for item in data["results"]] == ["Craft fair"]
    assert data["results"][0]["url"].endswith(visible.get_absolute_url())
    assert "body" not in data["results"][0]


def test_news_detail(client):
    news = PublishedNewsFactory(body="<p>Body text</p>")
    NewsLinkFactory(news=news, label="Recording", url="https://example.org/rec")
    data = client.get(f"{NEWS}{news.slug}/").json()
    assert data["body"] == "<p>Body text</p>"
    assert data["links"] == [{"label": "Recording", "url": "https://example.org/rec"}]


def test_unpublished_news_detail_is_404_in_the_common_error_shape(client):
    draft = DraftNewsFactory()
    response = client.get(f"{NEWS}{draft.slug}/")
    assert response.status_code == 404
    error = response.json()["error"]
    assert (error["status"], error["code"], error["fields"]) == (404, "not_found", {})
    assert error["message"]


def test_news_filters_are_those_of_the_news_page(client):
    chile, peru = CountryFactory(code="CL"), CountryFactory(code="PE")
    topic, body = TopicFactory(slug="trade"), BodyFactory(slug="gtap")
    match = PublishedNewsFactory(title="Export promotion")
    match.countries.set([chile])
    match.topics.set([topic])
    match.bodies.set([body])
    other = PublishedNewsFactory(title="Peru news")
    other.countries.set([peru])
    data = client.get(
        NEWS, {"country": "CL", "topic": "trade", "body": "gtap", "year": timezone.localtime(match.published_at).year}
    ).json()
    assert [item["slug"] for item in data["results"]] == [match.slug]
    assert data["results"][0]["countries"] == ["CL"]


def test_bad_filter_values_give_a_400_with_a_message_per_field(client):
    response = client.get(NEWS, {"country": "ZZ", "year": "abc"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert set(error["fields"]) == {"country", "year"}
    assert "valid choice" in error["fields"]["country"][0]


def test_search_parameter(client):
    PublishedNewsFactory(title="Digital security workshop")
    PublishedNewsFactory(title="Craft fair")
    data = client.get(NEWS, {"search": "security"}).json()
    assert [item["title"] for item in data["results"]] == ["Digital security workshop"]


def test_ordering_is_stable_and_validated(client):
    for title in ["B", "A", "C"]:
        PublishedNewsFactory(title=title)
    data = client.get(NEWS, {"ordering": "title"}).json()
    assert [item["title"] for item in data["results"]] == ["A", "B", "C"]
    assert client.get(NEWS, {"ordering": "author__email"}).status_code == 200  # unknown fields are ignored


def test_pagination(client):
    PublishedNewsFactory.create_batch(25)
    first = client.get(NEWS).json()
    assert first["count"] == 25 and len(first["results"]) == 20
    second = client.get(first["next"].replace("http://testserver", "")).json()
    assert len(second["results"]) == 5
    assert not {item["slug"] for item in first["results"]} & {item["slug"] for item in second["results"]}
    assert client.get(NEWS, {"page": 99}).status_code == 404


def test_etag_gives_304_when_nothing_changed(client):
    PublishedNewsFactory()
    first = client.get(NEWS)
    etag = first["ETag"]
    assert etag
    again = client.get(NEWS, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    PublishedNewsFactory()
    assert client.get(NEWS, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_news_list_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    chile, topic, body = CountryFactory(code="CL"), TopicFactory(), BodyFactory()
    for news in PublishedNewsFactory.create_batch(65):
        news.countries.set([chile])
        news.topics.set([topic])
        news.bodies.set([body])
    with django_assert_max_num_queries(8):
        response = client.get(NEWS, {"page_size": 100, "country": "CL"})
    assert len(response.json()["results"]) == 65


@pytest.mark.parametrize("url", ["/api/v1/countries/", "/api/v1/bodies/", "/api/v1/topics/"])
def test_taxonomy_endpoints(client, url, django_assert_max_num_queries):
    CountryFactory(code="CL")
    BodyFactory.create_batch(3)
    TopicFactory.create_batch(3)
    with django_assert_max_num_queries(4):
        response = client.get(url)
    assert response.status_code == 200
    assert response.json()["count"] >= 1


def test_country_detail_by_code(client):
    CountryFactory(code="MX")
    assert client.get("/api/v1/countries/MX/").json()["time_zone"] == "America/Mexico_City"


def test_read_endpoints_refuse_writes(client, participant):
    client.force_login(participant)
    response = client.post(NEWS, {"title": "x"})
    assert response.status_code == 405
    assert response.json()["error"]["status"] == 405


# --- /me/ ---------------------------------------------------------------------------------


def test_me_requires_authentication(client):
    response = client.get("/api/v1/me/")
    assert response.status_code in {401, 403}
    assert "error" in response.json()


def test_me_shows_my_own_data_with_my_email(client, participant):
    client.force_login(participant)
    data = client.get("/api/v1/me/").json()
    assert data["email"] == participant.email
    assert data["email_verified"] is True
    assert data["country"] == "PE"


def test_me_patch_goes_through_the_profile_service(client, participant):
    CountryFactory(code="CL")
    client.force_login(participant)
    response = client.patch(
        "/api/v1/me/", {"organisation": "ProChile", "country": "CL"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    profile = Profile.objects.get(user=participant)
    assert (profile.organisation, profile.country.code) == ("ProChile", "CL")


def test_me_patch_with_bad_input_changes_nothing(client, participant):
    client.force_login(participant)
    response = client.patch("/api/v1/me/", {"sector": "lobby", "country": "ZZ"}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"sector", "country"}
    assert Profile.objects.get(user=participant).sector == "academia"


def test_token_authentication_and_revocation(client, participant):
    client.force_login(participant)
    page = client.post(reverse("accounts:api_tokens"), {"create": "1"})
    token = page.context["new_token"]
    assert token
    client.logout()
    from django.test import Client

    api = Client()
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").json()["email"] == participant.email
    key = AuthToken.objects.get(user=participant).token_key
    client.force_login(participant)
    client.post(reverse("accounts:api_tokens"), {"revoke": key})
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401


def test_someone_elses_token_cannot_be_revoked(client, participant):
    other = ParticipantFactory()
    AuthToken.objects.create(user=other)
    key = AuthToken.objects.get(user=other).token_key
    client.force_login(participant)
    client.post(reverse("accounts:api_tokens"), {"revoke": key})
    assert AuthToken.objects.filter(user=other).exists()


def test_no_email_in_public_endpoints(client):
    news = PublishedNewsFactory()
    text = client.get(NEWS).content.decode() + client.get(f"{NEWS}{news.slug}/").content.decode()
    assert news.author.email not in text
    assert "@" not in text


def test_schema_and_docs(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/news/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


# --- Content cache --------------------------------------------------------------------------


def test_anonymous_reads_come_from_the_content_cache_until_content_changes(
    client, content_cache, editor, django_assert_num_queries
):
    from portal import services

    news = PublishedNewsFactory(title="Craft fair")
    first = client.get(NEWS, {"search": "craft"})
    assert [item["title"] for item in first.json()["results"]] == ["Craft fair"]
    with django_assert_num_queries(0):
        again = client.get(NEWS, {"search": "craft"})
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]
    assert client.get(NEWS, {"search": "craft"}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # An edit or an unpublish shows at once, on lists and items.
    client.get(f"{NEWS}{news.slug}/")
    news.title_en = "Craft fair, new date"
    news.save()
    assert client.get(f"{NEWS}{news.slug}/").json()["title"] == "Craft fair, new date"
    services.unpublish(item=news, actor=editor)
    assert client.get(NEWS, {"search": "craft"}).json()["results"] == []
    assert client.get(f"{NEWS}{news.slug}/").status_code == 404


def test_errors_are_not_kept_and_signed_in_clients_read_fresh(client, content_cache, django_assert_max_num_queries):
    assert client.get(NEWS, {"year": "abc"}).status_code == 400
    assert client.get(NEWS, {"year": "abc"}).status_code == 400
    assert client.get(f"{NEWS}missing/").status_code == 404
    PublishedNewsFactory(title="Made later")
    assert client.get(f"{NEWS}missing/").status_code == 404
    participant = ParticipantFactory()
    client.get(NEWS)
    client.force_login(participant)
    with django_assert_max_num_queries(20) as captured:
        client.get(NEWS)
    assert any("portal_news" in query["sql"] for query in captured.captured_queries)


def test_news_and_taxonomy_answer_in_the_language_asked_for(client, content_cache):
    news = PublishedNewsFactory(title_en="Craft fair", title_es="Feria artesanal")
    CountryFactory(code="CL", name_en="Chile", name_es="Chile")
    TopicFactory(slug="trade", name_en="Trade", name_es="Comercio")
    spanish = client.get(f"{NEWS}{news.slug}/", HTTP_ACCEPT_LANGUAGE="es")
    assert spanish.json()["title"] == "Feria artesanal"
    assert spanish["Content-Language"] == "es"
    assert "Accept-Language" in spanish["Vary"]
    assert client.get(f"{NEWS}{news.slug}/", HTTP_ACCEPT_LANGUAGE="en").json()["title"] == "Craft fair"
    assert client.get(f"{NEWS}{news.slug}/").json()["title"] == "Craft fair"
    topics = client.get("/api/v1/topics/", HTTP_ACCEPT_LANGUAGE="es").json()["results"]
    assert [topic["name"] for topic in topics] == ["Comercio"]
