"""A stakeholder compares the cross-border share of two member countries' public procurement.

Every page visited is checked with axe-core and for Content-Security-Policy violations
(see conftest.check_page).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal import services
from procurement.imports import import_ocds
from procurement.models import ExchangeRate
from tests import factories
from tests.browser.conftest import PHONE, click_and_check, goto, log_in
from tests.observatory.factories import ObservatoryFactory
from tests.procurement.builders import award, tender
from tests.procurement.conftest import write_lines

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _staging_in_tmp(settings, tmp_path):
    settings.PROCUREMENT_STAGING_DIR = str(tmp_path)


@pytest.fixture
def procurement_data(tmp_path):
    for code in ("CL", "CO", "MX", "PE"):
        factories.CountryFactory(code=code)
    observatory = ObservatoryFactory(name="Public Procurement Observatory", slug="public-procurement-observatory")
    for currency in ("CLP", "PEN"):
        ExchangeRate.objects.create(currency=currency, year=2024, units_per_usd=800 if currency == "CLP" else 4,
                                    source="Test")  # fmt: skip
    releases = []
    # Chile: 3 of 20 awards to suppliers of other members; Peru: 1 of 10.
    for country, currency, total, foreign in (("CL", "CLP", 20, 3), ("PE", "PEN", 10, 1)):
        for number in range(total):
            ocid = f"ocds-b-{country}-{number}"
            supplier = ("MX" if country == "CL" else "CO") if number < foreign else country
            releases += [tender(ocid, country=country, currency=currency, tenderers=3),
                         award(ocid, country=country, supplier_country=supplier, currency=currency)]  # fmt: skip
    report = import_ocds(path=write_lines(tmp_path, releases), observatory=observatory, is_demo=True)
    assert report.is_valid, report.problems
    services.publish(item=report.dataset, actor=factories.EditorFactory(), at=timezone.now() - timedelta(minutes=1))
    return observatory


def test_a_stakeholder_compares_the_cross_border_share_of_two_countries(new_page, site, procurement_data):
    visitor = new_page("stakeholder")
    goto(visitor, "/observatories/public-procurement-observatory/data/")
    click_and_check(visitor, visitor.get_by_role("link", name="Public procurement per member country"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text("About the procurement data")
    expect(visitor.get_by_role("heading", name="How each figure is computed")).to_be_visible()
    click_and_check(visitor, visitor.get_by_role("link", name="Public procurement in Chile"))

    expect(visitor.get_by_role("heading", level=1)).to_have_text("Public procurement in Chile")
    expect(visitor.get_by_role("note").first).to_contain_text("Demo data, not official statistics")
    table = visitor.locator("table.comparison-table")
    expect(table.locator("thead th")).to_have_text(["Indicator", "Chile", "Colombia", "Mexico", "Peru"])
    row = table.locator("tbody tr", has_text="Awards won by suppliers from another member country")
    # Chile 15.0 % (3 of 20), Peru 10.0 % (1 of 10), each with its coverage; Colombia and Mexico have no data.
    expect(row.first.locator("td").nth(0)).to_have_text(re.compile(r"15\.0\s*coverage 100 %"))
    expect(row.first.locator("td").nth(3)).to_have_text(re.compile(r"10\.0\s*coverage 100 %"))
    expect(row.first.locator("td").nth(1)).to_have_text("—")
    expect(visitor.locator("#headline-bars-desc")).to_contain_text("Chile")

    # Peru's page puts Peru first, the same figures beside it.
    click_and_check(visitor, visitor.get_by_role("link", name="Peru", exact=True))
    expect(visitor.locator("table.comparison-table thead th").nth(1)).to_have_text("Peru")
    row = visitor.locator("table.comparison-table tbody tr", has_text="Awards won by suppliers from another member")
    expect(row.first.locator("td").nth(0)).to_have_text(re.compile(r"10\.0"))

    # The indicator's own page: both countries over time, coverage beside each value.
    click_and_check(visitor, row.first.get_by_role("link"))
    expect(visitor.locator("#data-table")).to_contain_text("coverage 100 %")

    # In Spanish.
    goto(visitor, "/es/observatories/public-procurement-observatory/procurement/cl/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Compras públicas en Chile")
    expect(visitor.locator("table.comparison-table")).to_contain_text("15,0")

    # On a phone the page does not scroll sideways.
    phone = new_page("phone", viewport=PHONE)
    for path in ("procurement/cl/", "procurement/"):
        goto(phone, f"/observatories/public-procurement-observatory/{path}")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path


def test_an_editor_imports_an_ocds_file_checks_the_dry_run_and_publishes_it(new_page, site, procurement_data, tmp_path,
                                                                          settings):  # fmt: skip
    settings.OBSERVATORY_IMPORTS_ROOT = tmp_path / "imports"
    # Colombia's publisher sends its file: 2 of 8 awards to suppliers from Peru.
    releases = []
    for number in range(8):
        ocid, supplier = f"ocds-e-co-{number}", "PE" if number < 2 else "CO"
        releases += [tender(ocid, country="CO", currency="COP", tenderers=2),
                     award(ocid, country="CO", supplier_country=supplier, currency="COP")]  # fmt: skip
    upload = write_lines(tmp_path, releases, "colombia.jsonl")

    page = new_page("editor")
    log_in(page, factories.EditorFactory())
    goto(page, "/admin/procurement/procurementimport/")
    click_and_check(page, page.get_by_role("link", name="Import OCDS data"))
    page.get_by_label("Observatory", exact=True).select_option(label="Public Procurement Observatory")
    page.get_by_label("Publisher's country").fill("CO")
    page.get_by_label("File", exact=True).set_input_files(str(upload))
    click_and_check(page, page.get_by_role("button", name="Check the file (dry run)"))
    report = page.locator(".import-report")
    expect(page.get_by_role("heading", name="Dry run: what this import would do")).to_be_visible()
    expect(report).to_contain_text("It would become version 2, a draft; the public keeps seeing version 1")
    expect(report).to_contain_text("Countries carried over from the published version: CL, PE")
    click_and_check(page, page.get_by_role("button", name="Import it as a draft version"))
    expect(page.locator(".messagelist .success")).to_contain_text("Version 2 of the procurement data was imported")
    click_and_check(page, page.get_by_role("link", name="Publish or schedule"))
    click_and_check(page, page.get_by_role("button", name="Publish or schedule"))
    expect(page.locator(".messagelist .success")).to_contain_text("is now published")

    visitor = new_page("visitor")
    goto(visitor, "/observatories/public-procurement-observatory/procurement/co/")
    row = visitor.locator("table.comparison-table tbody tr", has_text="Awards won by suppliers from another member")
    # Colombia 25.0 % (its new file), Chile 15.0 % (carried over), beside each other.
    expect(row.first.locator("td").nth(0)).to_have_text(re.compile(r"25\.0\s*coverage 100 %"))
    expect(row.first.locator("td").nth(1)).to_have_text(re.compile(r"15\.0"))
