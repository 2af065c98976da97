"""A stakeholder compares countries in the labour observatory's data and downloads what they see;
an editor imports a new version of the data, checks the dry run and publishes it.

Every page visited is checked with axe-core and for Content-Security-Policy violations
(see conftest.check_page).
"""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from observatory.models import Dataset
from tests import factories
from tests.browser.conftest import PHONE, click_and_check, goto, log_in
from tests.observatory.factories import IndicatorFactory, ObservatoryFactory, published_import, template_csv
from tests.observatory.test_data_pages import _rows

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _imports_in_tmp(settings, tmp_path):
    settings.OBSERVATORY_IMPORTS_ROOT = tmp_path / "imports"


@pytest.fixture
def labour_data(tmp_path):
    for code in ("CL", "CO", "MX", "PE"):
        factories.CountryFactory(code=code)
    observatory = ObservatoryFactory(name="Regional Labor Observatory", slug="regional-labor-observatory")
    indicator = IndicatorFactory(
        observatory=observatory, code="UNE", slug="unemployment-rate", name="Unemployment rate by level of education"
    )
    published_import(tmp_path, indicator, _rows(), editor=factories.EditorFactory(), is_demo=True)
    return indicator


def test_a_stakeholder_compares_two_countries_and_downloads_the_csv(new_page, site, labour_data):
    visitor = new_page("stakeholder")
    goto(visitor, "/observatories/")
    click_and_check(visitor, visitor.get_by_role("link", name="Regional Labor Observatory"))
    click_and_check(visitor, visitor.get_by_role("link", name="Indicators: charts, tables and downloads"))
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("Data of the Regional Labor Observatory")
    expect(visitor.get_by_role("note").first).to_contain_text("Demo data, not official statistics")
    click_and_check(visitor, visitor.get_by_role("link", name="Unemployment rate by level of education"))

    # Two countries and a period, with the plain form (no script needed).
    for country in ("Colombia", "Mexico"):
        visitor.get_by_label(country, exact=True).uncheck()
    visitor.get_by_label("From", exact=True).select_option("2018")
    visitor.get_by_label("To", exact=True).select_option("2020")
    click_and_check(visitor, visitor.get_by_role("button", name="Show"))
    expect(visitor).to_have_url(re.compile(r"country=CL&country=PE"))

    table = visitor.locator("#data-table")
    expect(table.locator("thead th")).to_have_text(["Period", "Chile", "Peru"])
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tbody tr").first).to_have_text(re.compile(r"2018\s*8\.3\s*6\.3"))
    chart = visitor.locator("svg.chart")
    expect(chart).to_be_visible()
    expect(chart.locator("desc")).to_have_text(re.compile(r"Chile: 8\.3% \(2018\) → 8\.5% \(2020\)"))

    with visitor.expect_download() as download_info:
        visitor.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "unemployment-rate-2018-2020-demo.csv"
    with open(download.path(), encoding="utf-8") as handle:
        text = handle.read()
    assert text.startswith("# DEMO DATA, NOT OFFICIAL STATISTICS")
    records = list(
        csv.DictReader(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#"))))
    )
    assert [(r["country"], r["period"], f"{float(r['value']):.1f}") for r in records] == [
        ("CL", "2018", "8.3"), ("PE", "2018", "6.3"), ("CL", "2019", "8.4"),
        ("PE", "2019", "6.4"), ("CL", "2020", "8.5"), ("PE", "2020", "6.5"),
    ]  # fmt: skip

    # A wrong address gives the page with a message, never an error.
    goto(visitor, f"{labour_data.get_absolute_url()}?country=ZZ&from=2022&to=2016")
    expect(visitor.get_by_role("status")).to_contain_text("The period was reversed")

    # In Spanish, with the same numbers written the Spanish way.
    click_and_check(visitor, visitor.get_by_role("link", name="Español"))
    expect(visitor.locator("#data-table tbody tr").first).to_contain_text(",")

    # On a phone the page does not scroll sideways.
    phone = new_page("phone", viewport=PHONE)
    goto(phone, labour_data.get_absolute_url())
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_editor_imports_a_new_version_checks_the_dry_run_and_publishes_it(new_page, site, labour_data, tmp_path):
    editor = factories.EditorFactory()
    page = new_page("editor")
    log_in(page, editor)
    goto(page, "/admin/observatory/dataset/")
    click_and_check(page, page.get_by_role("link", name="Import a dataset"))
    page.get_by_label("Observatory", exact=True).select_option(label="Regional Labor Observatory")
    page.get_by_label("Dataset", exact=True).fill("labour-demo")
    page.get_by_label("Title [en]").fill("Labour market indicators, 2025 revision")
    upload = tmp_path / "revision.csv"
    upload.write_text(template_csv([["UNE", "CL", 2015, "7.9", "_T", "", "", "", "", "PT"], *_rows()[1:]]))
    page.get_by_label("File", exact=True).set_input_files(str(upload))
    click_and_check(page, page.get_by_role("button", name="Check the file (dry run)"))
    expect(page.get_by_role("heading", name="Dry run: what this import would change")).to_be_visible()
    expect(page.locator(".import-report")).to_contain_text("It would become version 2")
    assert Dataset.objects.count() == 1  # the dry run kept nothing
    click_and_check(page, page.get_by_role("button", name="Import it as a draft version"))
    expect(page.locator(".messagelist .success")).to_contain_text("Version 2 of “labour-demo” was imported as a draft")
    click_and_check(page, page.get_by_role("link", name="Publish or schedule"))
    click_and_check(page, page.get_by_role("button", name="Publish or schedule"))
    expect(page.locator(".messagelist .success")).to_contain_text("is now published")

    visitor = new_page("visitor")
    goto(visitor, f"{labour_data.get_absolute_url()}?country=CL&from=2015&to=2015")
    expect(visitor.locator("#data-table tbody tr").first).to_have_text(re.compile(r"2015\s*7\.9"))
