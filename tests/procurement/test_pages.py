"""The procurement pages, the framework's indicator page, downloads and API with procurement data."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal import services
from procurement.imports import import_ocds
from tests.factories import EditorFactory
from tests.procurement.builders import award, tender
from tests.procurement.conftest import write_lines

SLUG = "public-procurement-observatory"


def releases(country, count, *, supplier, currency, prefix=""):
    items = []
    for number in range(count):
        ocid = f"ocds-{prefix}{country.lower()}-{number}"
        items += [tender(ocid, country=country, currency=currency, tenderers=3),
                  award(ocid, country=country, supplier_country=supplier, currency=currency)]  # fmt: skip
    return items


def publish_import(tmp_path, observatory, items, *, is_demo=True, name="data.jsonl"):
    report = import_ocds(path=write_lines(tmp_path, items, name), observatory=observatory, is_demo=is_demo)
    assert report.is_valid, (report.problems, report.rejected[:2])
    services.publish(item=report.dataset, actor=EditorFactory(), at=timezone.now() - timedelta(minutes=1))
    return report.dataset


@pytest.fixture
def published(members, observatory, rates, tmp_path):
    # Chile buys 2 of 10 from Peru; Colombia 1 of 5 from Mexico, the rest at home.
    items = releases("CL", 8, supplier="CL", currency="CLP")
    items += releases("CL", 2, supplier="PE", currency="CLP", prefix="x")
    items += releases("CO", 4, supplier="CO", currency="COP")
    items += releases("CO", 1, supplier="MX", currency="COP", prefix="x")
    return publish_import(tmp_path, observatory, items)


def country_url(code):
    return reverse("procurement:country_detail", kwargs={"slug": SLUG, "code": code})


def test_the_country_page_sets_its_figures_beside_the_other_members(client, published):
    html = client.get(country_url("cl")).content.decode()
    assert "Public procurement in Chile" in html
    assert "Demo data, not official statistics" in html
    table = html[html.index('class="table data-table comparison-table"') :]
    heads = table[: table.index("</thead>")]
    assert heads.index("Chile") < heads.index("Colombia")  # the country first, then the others
    row = table[table.index("Awards won by suppliers from another member country<") :]
    row = row[: row.index("</tr>")]
    assert "20.0" in row and "coverage 100 %" in row  # Chile: 2 of 10
    assert row.index("20.0") < row.index("20.0", row.index("20.0") + 1) or row.count("20.0") == 2  # and Colombia's
    assert "<svg" in html and "headline-lines" in html
    assert "What the data of Chile publishes" in html


def test_the_country_page_in_spanish(client, published):
    html = client.get("/es" + country_url("co")).content.decode()
    assert "Compras públicas en Colombia" in html
    assert "Datos de demostración" in html
    assert "Adjudicaciones ganadas por proveedores de otro país miembro" in html


def test_a_member_country_can_be_followed_from_its_procurement_page(client, published, participant):
    page = country_url("pe")
    html = client.get(page).content.decode()
    assert "Follow Peru" in html and reverse("account_login") in html  # a visitor signs in first
    client.force_login(participant)
    html = client.get(page).content.decode()
    assert "Follow Peru" in html and 'name="kind" value="country"' in html


def test_a_country_that_is_not_a_member_has_no_procurement_page(client, published):
    assert client.get(country_url("us")).status_code == 404
    assert client.get(country_url("xx")).status_code == 404


def test_the_pages_say_so_when_nothing_is_published(client, members, observatory):
    assert "No procurement data has been published yet" in client.get(country_url("cl")).content.decode()
    about = reverse("procurement:about", kwargs={"slug": SLUG})
    assert "No procurement data has been published yet" in client.get(about).content.decode()


def test_the_data_page_explains_sources_coverage_method_and_limits(client, published):
    html = client.get(reverse("procurement:about", kwargs={"slug": SLUG})).content.decode()
    for text in ("Sources and licences", "Coverage: what each country", "How each figure is computed",
                 "Known limits", "shorter than 30 days", "OCDS 1.1.5 release schema", "Demo data"):  # fmt: skip
        assert text in html, text


def test_the_indicator_page_download_and_api_carry_the_coverage(client, published):
    indicator = "procurement-awards-member-suppliers"
    url = reverse("observatory:indicator_detail", kwargs={"slug": SLUG, "indicator": indicator})
    html = client.get(url).content.decode()
    assert "coverage 100 %" in html and "Demo data" in html
    download = reverse("observatory:indicator_download", kwargs={"slug": SLUG, "indicator":
                       "procurement-awards-member-suppliers", "kind": "csv"})  # fmt: skip
    csv = client.get(download).content.decode()
    assert csv.startswith("# DEMO DATA") and "coverage_percent" in csv
    data = client.get("/api/v1/observations/", {"indicator": "procurement-awards-member-suppliers"}).json()
    assert {row["coverage"] for row in data["results"]} == {100.0}
    assert all(row["is_demo"] for row in data["results"])


def test_query_budget_whatever_the_size_of_the_store(client, published, observatory, tmp_path,
                                                     django_assert_max_num_queries):  # fmt: skip
    big = []
    for code, currency in (("CL", "CLP"), ("CO", "COP"), ("MX", "MXN"), ("PE", "PEN")):
        for year in (2022, 2023, 2024):
            for number in range(60):
                ocid = f"ocds-big-{code}-{year}-{number}"
                big += [tender(ocid, country=code, currency=currency, year=year, tenderers=2),
                        award(ocid, country=code, supplier_country="US", currency=currency, year=year)]  # fmt: skip
    publish_import(tmp_path, observatory, big, name="big.jsonl")
    pages = [country_url("pe"), "/es" + country_url("mx"), reverse("procurement:about", kwargs={"slug": SLUG}),
             reverse("observatory:indicator_detail", kwargs={"slug": SLUG, "indicator": "procurement-processes"}),
             reverse("observatory:data_landing", kwargs={"slug": SLUG})]  # fmt: skip
    for page in pages:
        with django_assert_max_num_queries(10):
            assert client.get(page).status_code == 200, page


def test_the_sitemap_lists_the_procurement_pages_once_data_is_published(client, members, observatory, rates, tmp_path):
    about = reverse("procurement:about", kwargs={"slug": SLUG})
    report = import_ocds(path=write_lines(tmp_path, releases("CL", 6, supplier="PE", currency="CLP")),
                         observatory=observatory)  # fmt: skip
    assert about not in client.get("/sitemap.xml").content.decode()  # a draft: not yet
    services.publish(item=report.dataset, actor=EditorFactory(), at=timezone.now() - timedelta(minutes=1))
    xml = client.get("/sitemap.xml").content.decode()
    assert about in xml and country_url("pe") in xml and country_url("us") not in xml


def test_a_year_is_chosen_from_those_with_data_and_a_wrong_one_gives_the_latest(client, members, observatory, rates,
                                                                                tmp_path):  # fmt: skip
    items = []
    for year, foreign in ((2023, 1), (2024, 3)):
        for number in range(6):
            ocid, supplier = f"ocds-y-{year}-{number}", "PE" if number < foreign else "CL"
            items += [tender(ocid, country="CL", year=year, tenderers=2),
                      award(ocid, country="CL", supplier_country=supplier, year=year)]  # fmt: skip
    publish_import(tmp_path, observatory, items)

    def headline(query):
        response = client.get(country_url("cl"), query)
        assert response.status_code == 200
        html = response.content.decode()
        table = html[html.index('class="table data-table comparison-table"') :]
        row = table[table.index("Awards won by suppliers from another member country<") :]
        return response.context["year"], row[: row.index("</tr>")]

    year, row = headline({"year": "2023"})
    assert year == 2023 and "16.7" in row  # 1 of 6
    for wrong in ("1900", "abc", "<script>", ""):
        year, row = headline({"year": wrong})
        assert year == 2024 and "50.0" in row  # 3 of 6, the latest year
