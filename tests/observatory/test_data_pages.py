"""The public data pages: landing, indicator page (chart, table, form, messages), downloads, visibility."""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from observatory.models import Indicator
from portal import services
from tests.factories import CountryFactory
from tests.observatory.factories import IndicatorFactory, PublishedPublicationFactory, import_rows, published_import

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
VALUES = {"CL": 8.0, "CO": 10.0, "MX": 3.5, "PE": 6.0, "DE": 3.0}


def _rows(years=range(2015, 2025), countries=VALUES, sexes=("_T", "F", "M")):
    rows = []
    for country, base in countries.items():
        for year in years:
            for sex in sexes:
                value = base + (year - 2015) * 0.1 + {"_T": 0, "F": 0.6, "M": -0.4}[sex]
                flag = "P" if year == 2024 and country == "CL" else ""
                note = "New survey design from 2020." if year == 2020 and country == "PE" else ""
                rows.append(["UNE", country, year, f"{value:.2f}", sex, "", "", flag, note, "PT"])
    return rows


@pytest.fixture
def members(db):
    return [CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")]


@pytest.fixture
def indicator(members):
    return IndicatorFactory(code="UNE", slug="unemployment-rate", decimals=1)


@pytest.fixture
def published(tmp_path, indicator, editor):
    return published_import(tmp_path, indicator, _rows(), editor=editor)


def _url(indicator, **query):
    from django.utils.http import urlencode

    base = indicator.get_absolute_url()
    return f"{base}?{urlencode(query, doseq=True)}" if query else base


def _chart(html):
    return re.search(r'<svg [^>]*class="chart"[^>]*>.*?</svg>', html, re.S).group(0)


def _text(cell):
    """A cell's text without its footnote number."""
    return re.sub(r"<[^>]+>", "", re.sub(r"<sup>.*?</sup>", "", cell)).strip()


def _table(html):
    """The data table as {period: [cell texts]} and its header."""
    table = re.search(r'<table class="table data-table".*?</table>', html, re.S).group(0)
    header = re.findall(r'<th scope="col" class="num">(.*?)</th>', table)
    body = {}
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", table, re.S):
        period = re.search(r">([^<]+)</time>", row).group(1)
        cells = [_text(cell) for cell in re.findall(r'<td class="num">(.*?)</td>', row)]
        body[period] = cells
    return header, body


def test_the_indicator_page_shows_chart_table_and_facts(client, indicator, published):
    response = client.get(_url(indicator))
    assert response.status_code == 200
    html = response.content.decode()
    header, body = _table(html)
    assert header == ["Chile", "Colombia", "Mexico", "Peru"]  # the member countries by default
    assert body["2015"] == ["8.0", "10.0", "3.5", "6.0"]
    assert body["2024"][0] == "8.9 p"  # provisional, flagged
    assert "New survey design from 2020." in html and 'href="#note-1"' in html
    svg = _chart(html)
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text.startswith("Unemployment rate")
    assert "Chile: 8.0% (2015) → 8.9% (2024)" in root.find(f"{SVG}desc").text
    assert "National statistical offices" in html and "CC BY 4.0" in html
    assert "Demo data" not in html  # a real import is not marked as demo


def test_values_in_the_chart_equal_the_table_and_the_downloads(client, indicator, published):
    query = {"country": ["CL", "PE"], "from": 2018, "to": 2020, "sex": "F"}
    html = client.get(_url(indicator, **query)).content.decode()
    _header, body = _table(html)
    assert body == {"2018": ["8.9", "6.9"], "2019": ["9.0", "7.0"], "2020": ["9.1", "7.1"]}
    description = ET.fromstring(_chart(html)).find(f"{SVG}desc").text
    assert "Chile: 8.9% (2018) → 9.1% (2020)" in description and "Peru: 6.9% (2018) → 7.1% (2020)" in description
    base = reverse(
        "observatory:indicator_download",
        kwargs={"slug": indicator.observatory.slug, "indicator": indicator.slug, "kind": "csv"},
    )
    from django.utils.http import urlencode

    qs = urlencode(query, doseq=True)
    text = client.get(f"{base}?{qs}").content.decode()
    lines = [line for line in text.splitlines() if not line.startswith("# ")]
    records = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert [(r["country"], r["period"], round(float(r["value"]), 1), r["sex"]) for r in records] == [
        ("CL", "2018", 8.9, "F"), ("PE", "2018", 6.9, "F"), ("CL", "2019", 9.0, "F"),
        ("PE", "2019", 7.0, "F"), ("CL", "2020", 9.1, "F"), ("PE", "2020", 7.1, "F"),
    ]  # fmt: skip
    assert "# Citation: National statistical offices" in text
    data = json.loads(client.get(base.replace("download.csv", "download.json") + f"?{qs}").content)
    assert [round(o["value"], 1) for o in data["observations"]] == [8.9, 6.9, 9.0, 7.0, 9.1, 7.1]
    assert data["is_demo"] is False and "National statistical offices" in data["citation"]
    response = client.get(base.replace("download.csv", "download.xlsx") + f"?{qs}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [row for row in sheet.iter_rows(values_only=True)]
    assert cells[1][0].startswith("Citation:")
    header_at = next(i for i, row in enumerate(cells) if row and row[0] == "indicator")
    assert [round(row[cells[header_at].index("value")], 1) for row in cells[header_at + 1 :]] == [
        8.9,
        6.9,
        9.0,
        7.0,
        9.1,
        7.1,
    ]


def test_bars_across_countries_for_the_latest_period(client, indicator, published):
    html = client.get(_url(indicator, chart="bar", to=2022)).content.decode()
    svg = _chart(html)
    assert "2022" in ET.fromstring(svg).find(f"{SVG}title").text
    assert ">8.7<" in svg  # Chile's 2022 value on its bar


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"country": ["ZZ"]}, "No data for ZZ in this indicator: left out."),
        ({"from": 2022, "to": 2016}, "The period was reversed: it is shown from 2016 to 2022."),
        ({"sex": "X"}, "“X” is not a value of “Sex” for this indicator: Total is shown."),
        ({"age": "Y15-24"}, "“Y15-24” is not a value of “Age group” for this indicator"),
        ({"chart": "pie"}, "There is no chart of that kind"),
        ({"from": "last year"}, "“last year” is not a year"),
        ({"from": 1990, "to": 2050}, "The data start in 2015 and end in 2024"),
    ],
)
def test_wrong_parameters_give_the_normal_page_with_a_message(client, indicator, published, query, message):
    response = client.get(_url(indicator, **query))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html.replace("&quot;", '"').replace("&#x27;", "'")
    assert "<svg" in html and "data-table" in html


def test_a_wrong_download_format_brings_back_the_page_with_a_message(client, indicator, published):
    url = reverse(
        "observatory:indicator_download",
        kwargs={"slug": indicator.observatory.slug, "indicator": indicator.slug, "kind": "pdf"},
    )
    response = client.get(url + "?country=CL", follow=True)
    assert response.status_code == 200
    assert "Downloads are in CSV, XLSX or JSON" in response.content.decode()


def test_the_form_works_without_javascript_and_keeps_the_choice(client, indicator, published):
    html = client.get(_url(indicator, country=["CO", "MX"], sex="M", **{"from": 2016, "to": 2019})).content.decode()
    assert '<form method="get"' in html
    assert re.search(r'value="CO"[^>]*checked', html) and not re.search(r'value="CL"[^>]*checked', html)
    assert re.search(r'<option value="M" selected>Men</option>', html)
    assert re.search(r'<option value="2016" selected>2016</option>', html)
    assert "Germany" in html  # a country outside the bloc can be chosen


def test_the_landing_page_lists_latest_values_and_trends(client, indicator, published):
    response = client.get(reverse("observatory:data_landing", kwargs={"slug": indicator.observatory.slug}))
    html = response.content.decode()
    assert response.status_code == 200
    assert indicator.get_absolute_url() in html
    assert re.search(r"Chile</th>\s*<td class=\"num\">8.9", html)
    assert "2015 to 2024: from 8.0 to 8.9" in html  # the sparkline's text alternative
    assert 'class="sparkline"' in html


def test_only_the_latest_published_version_is_public(client, tmp_path, indicator, published, editor):
    draft = import_rows(
        tmp_path, indicator, [["UNE", "CL", 2015, "99", "", "", "", "", "", "PT"]], actor=editor
    ).dataset
    html = client.get(_url(indicator, country="CL")).content.decode()
    assert ">99.0<" not in html and ">8.0<" in html
    client.force_login(editor)
    preview = client.get(_url(indicator, country="CL", dataset=draft.pk))
    assert ">99.0<" in preview.content.decode() and "no-store" in preview["Cache-Control"]
    client.logout()
    assert ">99.0<" not in client.get(_url(indicator, country="CL", dataset=draft.pk)).content.decode()
    services.publish(item=draft, actor=editor)
    assert ">99.0<" in client.get(_url(indicator, country="CL")).content.decode()


def test_an_indicator_without_published_data_is_not_found(client, tmp_path, indicator, editor):
    import_rows(tmp_path, indicator, _rows(), actor=editor)  # a draft only
    assert client.get(_url(indicator)).status_code == 404
    landing = client.get(reverse("observatory:data_landing", kwargs={"slug": indicator.observatory.slug}))
    assert indicator.get_absolute_url() not in landing.content.decode()


def test_demo_data_is_marked_on_the_page_the_chart_and_every_download(client, tmp_path, indicator, editor):
    published_import(tmp_path, indicator, _rows(), editor=editor, is_demo=True)
    html = client.get(_url(indicator)).content.decode()
    assert "Demo data, not official statistics." in html
    svg = _chart(html)
    assert "Demo data, not official statistics" in svg
    assert (
        "Demo data"
        in client.get(reverse("observatory:data_landing", kwargs={"slug": indicator.observatory.slug})).content.decode()
    )
    for kind in ("csv", "xlsx", "json"):
        url = reverse(
            "observatory:indicator_download",
            kwargs={"slug": indicator.observatory.slug, "indicator": indicator.slug, "kind": kind},
        )
        response = client.get(url)
        assert "-demo." in response["Content-Disposition"]
        if kind == "xlsx":
            first = load_workbook(io.BytesIO(response.content)).active["A1"].value
            assert first.startswith("DEMO DATA, NOT OFFICIAL STATISTICS")
        else:
            assert (
                "DEMO DATA, NOT OFFICIAL STATISTICS" in response.content.decode()
                or json.loads(response.content)["is_demo"]
            )


def test_the_pages_in_spanish_format_numbers_and_periods_per_locale(client, indicator, published):
    Indicator.objects.filter(pk=indicator.pk).update(name_es="Tasa de desempleo")
    html = client.get("/es" + _url(indicator, country="CL")).content.decode()
    _header, body = _table(html)
    assert body["2015"] == ["8,0"]
    assert "Tasa de desempleo" in html


def test_query_budget_of_the_pages_whatever_the_number_of_observations(
    client, tmp_path, indicator, published, editor, django_assert_max_num_queries
):
    publication = PublishedPublicationFactory()
    indicator.publications.add(publication)
    for code in ("EMP", "INF", "UNE_Q"):  # more indicators and observations: the same number of queries
        other = IndicatorFactory(code=code, observatory=indicator.observatory)
        rows = [[code, *row[1:]] for row in _rows()]
        published_import(tmp_path, other, rows, editor=editor, key=f"more-{code.lower()}")
    with django_assert_max_num_queries(10):
        assert client.get(_url(indicator)).status_code == 200
    landing = reverse("observatory:data_landing", kwargs={"slug": indicator.observatory.slug})
    with django_assert_max_num_queries(4):  # observatory, countries, summaries (a query per indicator would be 7+)
        assert client.get(landing).status_code == 200
    with django_assert_max_num_queries(10):
        url = reverse(
            "observatory:indicator_download",
            kwargs={"slug": indicator.observatory.slug, "indicator": indicator.slug, "kind": "csv"},
        )
        assert client.get(url).status_code == 200


def test_the_indicator_page_links_the_studies_that_use_it_and_the_publication_links_back(client, indicator, published):
    publication = PublishedPublicationFactory(title="Youth unemployment in the Pacific Alliance")
    indicator.publications.add(publication)
    html = client.get(_url(indicator)).content.decode()
    assert "Studies that use this indicator" in html and publication.get_absolute_url() in html
    page = client.get(publication.get_absolute_url()).content.decode()
    assert indicator.get_absolute_url() in page and "Indicators it draws on" in page


def test_the_observatory_page_links_to_its_data(client, indicator, published):
    html = client.get(indicator.observatory.get_absolute_url()).content.decode()
    assert reverse("observatory:data_landing", kwargs={"slug": indicator.observatory.slug}) in html


def test_periods_are_labelled_per_frequency(db):
    from observatory.figures import period_label

    assert period_label("Y", date(2024, 1, 1)) == "2024"
    assert period_label("Q", date(2024, 4, 1)) == "2024 Q2"
    assert period_label("M", date(2024, 5, 1)) == "May 2024"


def test_the_sitemap_lists_indicators_with_published_data_only(client, tmp_path, indicator, published, editor):
    hidden = IndicatorFactory(code="EMP", observatory=indicator.observatory)
    import_rows(tmp_path, hidden, [["EMP", "CL", 2024, "60", "", "", "", "", "", ""]], key="drafts", actor=editor)
    xml = client.get("/sitemap.xml").content.decode()
    assert indicator.get_absolute_url() in xml and hidden.get_absolute_url() not in xml
    assert reverse("observatory:data_landing", kwargs={"slug": indicator.observatory.slug}) in xml
