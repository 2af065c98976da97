"""A person prints each kind of page they would print: a news item, a publication, an event, an
indicator, an initiative, a consultation and a procurement country page. The printed page (the
browser emulating print media at an A4 sheet's width) keeps the content, charts and their tables,
shows an outside link's address after its text, and leaves out what only works on a screen: the
navigation, the footer, share buttons, filters and forms. Nothing runs past the sheet's edge.
Each page is printed to test-results/print/ to look at."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from portal import services
from procurement.imports import import_ocds
from procurement.models import ExchangeRate
from tests import factories
from tests.browser.conftest import check_page
from tests.consultations.factories import OpenConsultationFactory
from tests.events.factories import OpenEventFactory
from tests.integrity.factories import PublishedInitiativeFactory
from tests.observatory.factories import (
    IndicatorFactory,
    ObservatoryFactory,
    PublishedPublicationFactory,
    published_import,
)
from tests.observatory.test_data_pages import _rows
from tests.procurement.builders import award, tender
from tests.procurement.conftest import write_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: An A4 sheet less print.css's margins (21 cm - 2 × 1.4 cm) at 96 px per inch.
SHEET = {"width": 688, "height": 1000}
PDFS = Path(settings.BASE_DIR) / "test-results" / "print"
#: Never on paper, on any page that has them.
SCREEN_ONLY = (
    ".skip-link",
    ".top-bar",
    ".site-nav",
    ".nav-toggle",
    ".site-search",
    ".site-footer",
    ".breadcrumb",
    ".breadcrumbs",
    ".share",
    ".filters",
    ".consultation-filters",
    ".follow-button",
    "main form",
    "main .button",
)
#: Elements of main whose right edge is past the sheet's (a table or a chart cut off).
CUT_OFF = """
() => {
  const edge = document.documentElement.clientWidth + 1;
  return [...document.querySelectorAll("main *")]
    .filter(el => el.getClientRects().length && el.getBoundingClientRect().right > edge)
    .filter(el => !el.closest(".visually-hidden"))
    .map(el => `${el.tagName.toLowerCase()}.${el.getAttribute("class") || ""}`).slice(0, 8);
}
"""
VISIBLE_COUNT = "elements => elements.filter(element => element.getClientRects().length > 0).length"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.PROCUREMENT_STAGING_DIR = str(tmp_path / "staging")
    settings.OBSERVATORY_IMPORTS_ROOT = tmp_path / "imports"
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "staging").mkdir()


def _news():
    return factories.PublishedNewsFactory(
        title="Ministers of the Pacific Alliance meet in Lima",
        body='<p>The ministers met in Lima. <a href="https://example.org/declaration">Read the declaration</a>.</p>',
    ).get_absolute_url()


def _indicator(tmp_path):
    observatory = ObservatoryFactory(name="Regional Labor Observatory", slug="regional-labor-observatory")
    indicator = IndicatorFactory(
        observatory=observatory, code="UNE", slug="unemployment-rate", name="Unemployment rate by level of education"
    )
    published_import(tmp_path, indicator, _rows(), editor=factories.EditorFactory(), is_demo=True)
    return indicator.get_absolute_url()


def _procurement(tmp_path):
    observatory = ObservatoryFactory(name="Public Procurement Observatory", slug="public-procurement-observatory")
    ExchangeRate.objects.create(currency="CLP", year=2024, units_per_usd=800, source="Test")
    releases = []
    for number in range(12):
        ocid = f"ocds-b-CL-{number}"
        supplier = "MX" if number < 3 else "CL"
        releases += [tender(ocid, country="CL", currency="CLP", tenderers=3),
                     award(ocid, country="CL", supplier_country=supplier, currency="CLP")]  # fmt: skip
    report = import_ocds(path=write_lines(tmp_path, releases), observatory=observatory, is_demo=True)
    assert report.is_valid, report.problems
    services.publish(item=report.dataset, actor=factories.EditorFactory(), at=timezone.now() - timedelta(minutes=1))
    return f"/observatories/{observatory.slug}/procurement/CL/"


#: Each page and how to make it (only the page a test prints is made).
MAKE = {
    "news": lambda tmp_path: _news(),
    "publication": lambda tmp_path: PublishedPublicationFactory().get_absolute_url(),
    "event": lambda tmp_path: OpenEventFactory(title="Forum on digital trade in the Pacific").get_absolute_url(),
    "indicator": _indicator,
    "initiative": lambda tmp_path: PublishedInitiativeFactory().get_absolute_url(),
    "consultation": lambda tmp_path: OpenConsultationFactory().get_absolute_url(),
    "procurement": _procurement,
}


@pytest.fixture
def members():
    for code in ("CL", "CO", "MX", "PE"):
        factories.CountryFactory(code=code)


#: Per page: what it shows on a screen and not on paper, and what paper keeps.
PAGES = {
    "news": {"screen": [".share", ".site-footer"], "kept": [".article__body"]},
    "publication": {"screen": [".share"], "kept": [".article__header"]},
    "event": {"screen": [".share"], "kept": [".event-page__main", ".event-page__aside .panel"]},
    "indicator": {"screen": [".filters", "main form"], "kept": [".chart-figure svg", "#data-table tbody tr"]},
    "initiative": {"screen": [".site-footer"], "kept": [".facts", "main h2"]},
    "consultation": {"screen": [".consultation-filters"], "kept": ["#draft .paragraph__text"]},
    "procurement": {"screen": [".filters"], "kept": [".chart-figure svg", ".data-table tbody tr"]},
}


@pytest.mark.parametrize("kind", list(PAGES))
def test_a_page_prints_its_content_not_the_site_around_it(new_page, members, tmp_path, kind):
    path = MAKE[kind](tmp_path)
    page = new_page(name=f"reader of the {kind} page", viewport=SHEET)
    response = page.goto(path)
    assert response.status == 200
    check_page(page)
    for selector in PAGES[kind]["screen"]:
        assert page.locator(selector).evaluate_all(VISIBLE_COUNT), f"{selector} is not on the {kind} page's screen"

    page.emulate_media(media="print")
    for selector in SCREEN_ONLY + tuple(PAGES[kind]["screen"]):
        shown = page.locator(selector).evaluate_all(VISIBLE_COUNT)
        assert shown == 0, f"{shown} × {selector} printed on the {kind} page"
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for selector in PAGES[kind]["kept"]:
        expect(page.locator(selector).first).to_be_visible()
    assert page.evaluate(CUT_OFF) == [], f"the {kind} page runs past the sheet's edge"
    PDFS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=PDFS / f"{kind}.pdf", format="A4")

    page.emulate_media(media="screen")
    expect(page.locator(PAGES[kind]["screen"][0]).first).to_be_visible()


def test_an_outside_link_prints_its_address_and_an_inside_one_does_not(new_page, members):
    page = new_page(name="reader", viewport=SHEET)
    page.goto(_news())
    check_page(page)
    page.emulate_media(media="print")
    outside = page.locator('.article__body a[href^="http"]')
    assert (
        outside.evaluate("link => getComputedStyle(link, '::after').content") == '" (https://example.org/declaration)"'
    )
    inside = page.locator('main a[href^="/"]').first
    assert inside.evaluate("link => getComputedStyle(link, '::after').content") in ("none", "normal")
