"""/api/v1/indicators/, /api/v1/datasets/ and /api/v1/observations/: what the data pages show, JSON and CSV."""

import csv
import io

import pytest

from tests.observatory.factories import IndicatorFactory, import_rows, published_import
from tests.observatory.test_data_pages import _rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicator(db):
    return IndicatorFactory(code="UNE", slug="unemployment-rate")


@pytest.fixture
def published(tmp_path, indicator, editor):
    return published_import(tmp_path, indicator, _rows(), editor=editor)


def test_indicators_list_only_those_with_published_data(client, tmp_path, indicator, published, editor):
    draft_only = IndicatorFactory(code="EMP", observatory=indicator.observatory)
    import_rows(tmp_path, draft_only, [["EMP", "CL", 2024, "60", "", "", "", "", "", ""]], key="other", actor=editor)
    data = client.get("/api/v1/indicators/").json()
    assert [item["code"] for item in data["results"]] == ["UNE"]
    item = data["results"][0]
    assert (item["first_period"], item["last_period"], item["is_demo"]) == ("2015", "2024", False)
    assert item["url"].endswith(indicator.get_absolute_url())


def test_an_indicator_in_detail(client, indicator, published):
    data = client.get("/api/v1/indicators/unemployment-rate/").json()
    assert data["dataset"]["version"] == 1 and data["breakdowns"]["sex"] == ["_T", "F", "M"]
    chile = next(item for item in data["latest"] if item["country"] == "CL")
    assert chile == {"country": "CL", "period": "2024", "value": pytest.approx(8.9), "status": "P"}
    assert client.get("/api/v1/indicators/nothing-here/").json()["error"]["status"] == 404


def test_indicators_in_spanish(client, indicator, published):
    indicator.name_es = "Tasa de desempleo"
    indicator.save()
    data = client.get("/api/v1/indicators/", HTTP_ACCEPT_LANGUAGE="es").json()
    assert data["results"][0]["name"] == "Tasa de desempleo"


def test_datasets_are_the_versions_the_public_sees(client, tmp_path, indicator, published, editor):
    import_rows(tmp_path, indicator, _rows(years=range(2020, 2022)), actor=editor)  # version 2, a draft
    data = client.get("/api/v1/datasets/").json()
    assert [(item["key"], item["version"], item["indicators"]) for item in data["results"]] == [
        ("labour-demo", 1, ["UNE"])
    ]
    assert client.get("/api/v1/datasets/labour-demo/").json()["observation_count"] == 150


def test_observations_filtered_by_country_period_and_breakdown(client, indicator, published):
    response = client.get(
        "/api/v1/observations/",
        {"indicator": "UNE", "country": "CHL,PE", "period_from": "2018", "period_to": "2019", "sex": "F"},
    )
    data = response.json()
    assert data["count"] == 4
    assert [(o["country"], o["period"], round(o["value"], 1)) for o in data["results"]] == [
        ("CL", "2018", 8.9), ("CL", "2019", 9.0), ("PE", "2018", 6.9), ("PE", "2019", 7.0),
    ]  # fmt: skip
    assert data["results"][0]["dataset"] == "labour-demo" and data["results"][0]["is_demo"] is False


def test_observations_as_csv(client, indicator, published):
    response = client.get(
        "/api/v1/observations/", {"indicator": "unemployment-rate", "country": "MX", "sex": "_T", "format": "csv"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 10 and rows[0]["country"] == "MX" and rows[0]["period"] == "2015"
    by_accept = client.get("/api/v1/observations/", {"country": "MX", "sex": "_T"}, HTTP_ACCEPT="text/csv")
    assert by_accept["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"country": "XX"}, "country", "“XX” is not an ISO 3166-1 country code."),
        ({"period_from": "2024-13"}, "period_from", "Give a year (2024)"),
        ({"period_from": "2022", "period_to": "2016"}, "period_to", "The end of the period is before its start."),
        ({"page_size": "5000", "page": "99999"}, None, ""),
    ],
)
def test_bad_filters_get_the_error_shape_also_when_csv_is_asked(client, indicator, published, query, field, message):
    for extra in ({}, {"format": "csv"}):
        response = client.get("/api/v1/observations/", {**query, **extra})
        if field is None:
            assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
            continue
        assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
        error = response.json()["error"]
        assert error["status"] == 400 and message in error["fields"][field][0]


def test_unpublished_versions_are_not_in_the_api(client, tmp_path, indicator, editor):
    import_rows(tmp_path, indicator, _rows(), actor=editor)  # a draft
    assert client.get("/api/v1/observations/").json()["count"] == 0
    assert client.get("/api/v1/indicators/").json()["count"] == 0
    assert client.get("/api/v1/datasets/").json()["count"] == 0


def test_the_observations_endpoint_runs_a_constant_number_of_queries(
    client, indicator, published, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/observations/", {"page_size": 100}).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/indicators/").status_code == 200


def test_the_schema_documents_the_data_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    parameters = {p["name"] for p in schema["paths"]["/api/v1/observations/"]["get"]["parameters"]}
    assert {"indicator", "country", "period_from", "period_to", "sex", "age", "education", "dataset"} <= parameters
    assert "text/csv" in schema["paths"]["/api/v1/observations/"]["get"]["responses"]["200"]["content"]
    assert "/api/v1/indicators/{slug}/" in schema["paths"] and "/api/v1/datasets/{key}/" in schema["paths"]


def test_site_search_finds_indicators_with_published_data(client, tmp_path, indicator, published, editor):
    hidden = IndicatorFactory(code="EMP", name="Employment rate of graduates", observatory=indicator.observatory)
    import_rows(tmp_path, hidden, [["EMP", "CL", 2024, "80", "", "", "", "", "", ""]], key="drafts", actor=editor)
    html = client.get("/search/", {"q": "unemployment"}).content.decode()
    assert indicator.get_absolute_url() in html
    assert "Employment rate of graduates" not in client.get("/search/", {"q": "graduates"}).content.decode()
    spanish = client.get("/es/search/", {"q": "desempleo"}).content.decode()
    assert indicator.get_absolute_url() in spanish


def test_editing_an_indicator_refreshes_cached_pages(client, indicator, published, settings):
    from portal.cache import content_version

    before = content_version()
    indicator.name = "Unemployment rate (ILO definition)"
    indicator.save()
    assert content_version() != before


def test_a_dataset_turns_cached_pages_when_published_not_when_imported(tmp_path, indicator, editor):
    """observatory/apps.py watches datasets once published: a draft import changes no page."""
    from portal import services
    from portal.cache import content_version

    before = content_version()
    report = import_rows(tmp_path, indicator, _rows(), actor=editor)
    assert report.is_valid, report.errors
    assert content_version() == before
    services.publish(item=report.dataset, actor=editor)
    assert content_version() != before
