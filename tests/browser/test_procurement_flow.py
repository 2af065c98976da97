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
from tests.browser.conftest import PHONE, click_and_check, goto
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
    goto(phone, "/observatories/public-procurement-observatory/procurement/cl/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
