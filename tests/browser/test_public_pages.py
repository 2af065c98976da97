"""The public portal as visitors use it: pages, filters, search, errors, keyboard and phone."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from portal import vocabulary
from tests import factories
from tests.browser.conftest import PHONE, check_page, click_and_check, goto

# Transactional (live server) with the migrations' data restored each test.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def news_items(site):
    """Two published items (Chile, two days ago; Peru, yesterday) and a draft, all about quinoa."""
    chile = factories.CountryFactory(code="CL")
    peru = factories.CountryFactory(code="PE")
    in_chile = factories.PublishedNewsFactory(
        title="Quinoa exporters of Chile meet in Santiago",
        slug="quinoa-exporters-chile",
        lead="Producers and the customs services discussed the new certificate of origin.",
        body="<p>The certificate will be <strong>digital</strong> from next year.</p>",
        published_at=timezone.now() - timedelta(days=2),
    )
    in_chile.countries.add(chile)
    in_peru = factories.PublishedNewsFactory(
        title="Peru hosts the committee on services trade",
        slug="peru-services-committee",
        lead="The committee reviewed the chapter on cross-border services.",
    )
    in_peru.countries.add(peru)
    draft = factories.DraftNewsFactory(
        title="Quinoa quotas: an unfinished draft",
        slug="quinoa-quotas-draft",
        lead="Not ready.",
    )
    return {"chile": in_chile, "peru": in_peru, "draft": draft}


def results_count(page):
    return page.locator(".results-count")


def test_home_page_shows_the_latest_published_news(page, news_items):
    response = goto(page, "/")

    assert response.status == 200
    expect(page).to_have_title(re.compile(r"^Home · Pacific Alliance"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Deep integration for growth, development and competitiveness"
    )
    expect(page.get_by_role("list", name="Member countries")).to_contain_text("Chile")
    # The newest item is featured, the others follow; drafts never show.
    expect(page.locator(".feature__title")).to_have_text(news_items["peru"].title)
    expect(page.get_by_role("link", name=news_items["chile"].title)).to_be_visible()
    expect(page.get_by_text(news_items["draft"].title)).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="News")).to_be_visible()


def test_news_list_filters_by_country(page, news_items):
    goto(page, "/news/")
    expect(results_count(page)).to_have_text("2 articles")
    expect(page.get_by_text(news_items["draft"].title)).to_have_count(0)

    page.get_by_label("Country").select_option(label="Chile")
    click_and_check(page, page.get_by_role("button", name="Apply filters"))

    expect(page).to_have_url(re.compile(r"[?&]country=CL(&|$)"))
    expect(results_count(page)).to_have_text("1 article")
    expect(page.get_by_role("link", name=news_items["chile"].title)).to_be_visible()
    expect(page.get_by_role("link", name=news_items["peru"].title)).to_have_count(0)
    expect(page.get_by_label("Country")).to_have_value("CL")
    expect(page.get_by_role("link", name="Clear")).to_be_visible()


def test_news_list_with_a_bogus_year_explains_instead_of_failing(page, news_items):
    response = goto(page, "/news/?year=abc")

    assert response.status == 200
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Some filters could not be applied, so all news is shown")
    expect(alert).to_contain_text("Year")
    expect(results_count(page)).to_have_text("2 articles")


def test_news_detail_page(page, news_items):
    news = news_items["chile"]
    goto(page, "/news/")
    response = click_and_check(page, page.get_by_role("link", name=news.title))
    assert response.status == 200

    expect(page).to_have_url(re.compile(rf"/news/{news.slug}/$"))
    expect(page).to_have_title(f"{news.title} · Pacific Alliance")
    expect(page.get_by_role("heading", level=1)).to_have_text(news.title)
    expect(page.locator(".article__lead")).to_have_text(news.lead)
    expect(page.locator(".article__body")).to_contain_text("The certificate will be digital from next year.")
    expect(page.locator(".article__meta").get_by_role("link", name="Chile")).to_have_attribute(
        "href", "/news/?country=CL"
    )
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text(news.title)
    expect(page.locator(".preview-banner")).to_have_count(0)
    # Only previews are kept out of caches; a public article may be cached.
    assert "no-store" not in response.headers.get("cache-control", "")


def test_search_finds_published_news_but_not_drafts(page, news_items):
    goto(page, "/search/?q=quinoa")

    expect(results_count(page)).to_have_text("1 result for “quinoa”")
    results = page.locator(".result-list")
    expect(results.get_by_role("link", name=news_items["chile"].title)).to_be_visible()
    expect(page.get_by_text(news_items["draft"].title)).to_have_count(0)

    # The same search from the header's search box, as visitors do it.
    goto(page, "/")
    page.get_by_role("search").get_by_label("Search the portal").fill("quinoa")
    click_and_check(page, page.get_by_role("search").get_by_role("button", name="Search"))
    expect(page).to_have_url(re.compile(r"/search/\?q=quinoa$"))
    expect(results_count(page)).to_have_text("1 result for “quinoa”")


def test_a_mistyped_search_offers_the_published_word(page, news_items):
    """ "Did you mean:" leads from a typo to the published news, and never to the draft's words."""
    vocabulary.rebuild()  # what the workers' sweep does after a change
    goto(page, "/search/?q=quinao")
    expect(results_count(page)).to_have_text("0 results for “quinao”")
    suggestions = page.locator(".search-suggestions")
    expect(suggestions).to_contain_text("Did you mean:")
    expect(suggestions.get_by_role("link")).to_have_count(1)
    click_and_check(page, suggestions.get_by_role("link", name="quinoa"))
    expect(results_count(page)).to_have_text("1 result for “quinoa”")
    goto(page, "/search/?q=quotass")  # a word of the draft's title only
    expect(page.locator(".search-suggestions")).to_have_count(0)


def test_search_results_pages_keep_the_query(page, site):
    """From the site search to the full list and its page 2: the same search all the way,
    whatever characters the query has."""
    query = "quinoa & trade"
    total = settings.NEWS_PAGE_SIZE + 1
    for number in range(total):
        factories.PublishedNewsFactory(title=f"Quinoa & trade bulletin {number}", slug=f"quinoa-trade-{number}")

    goto(page, "/search/?" + urlencode({"q": query}))
    expect(results_count(page)).to_have_text(f"{total} results for “{query}”")
    expect(page.locator(".result-list > li")).to_have_count(10)

    click_and_check(page, page.get_by_role("link", name=f"See all {total} results in news"))
    expect(page.get_by_role("searchbox", name="Search the news")).to_have_value(query)
    expect(page.locator(".card")).to_have_count(settings.NEWS_PAGE_SIZE)
    click_and_check(page, page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next"))
    expect(page).to_have_url(re.compile(r"[?&]page=2$"))
    expect(page.get_by_role("searchbox", name="Search the news")).to_have_value(query)
    expect(page.locator(".card")).to_have_count(1)


def test_not_found_page(page, site):
    response = goto(page, "/this-page-does-not-exist/")

    assert response.status == 404
    expect(page).to_have_title(re.compile(r"^Page not found"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("link", name="Go to the home page")).to_be_visible()


def test_first_tab_reaches_the_skip_link(page, site):
    goto(page, "/")
    skip_link = page.get_by_role("link", name="Skip to main content")

    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main#main")).to_be_focused()


def test_phone_menu_toggles_navigation_without_horizontal_scroll(new_page, news_items):
    page = new_page("phone visitor", viewport=PHONE)
    goto(page, "/")
    menu = page.get_by_role("button", name="Menu")
    navigation = page.get_by_role("navigation", name="Main")

    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(navigation).to_be_hidden()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(navigation).to_be_visible()
    expect(navigation.get_by_role("link", name="News")).to_be_visible()
    check_page(page)  # axe again, with the menu open
    assert_no_horizontal_overflow(page)

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(navigation).to_be_hidden()

    # Escape closes an open menu and gives the focus back to its button.
    menu.click()
    expect(navigation).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(navigation).to_be_hidden()
    expect(menu).to_be_focused()

    for path in ("/", "/news/", news_items["chile"].get_absolute_url(), "/search/?q=quinoa", "/nowhere/"):
        goto(page, path)
        assert_no_horizontal_overflow(page)


def assert_no_horizontal_overflow(page):
    widths = page.evaluate(
        """() => ({
            scroll: document.documentElement.scrollWidth,
            inner: window.innerWidth,
            wide: [...document.querySelectorAll("body *")]
                .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 5)
                .map((e) => e.tagName.toLowerCase() + (e.getAttribute("class") ? "." + e.getAttribute("class") : "")),
        })"""
    )
    assert widths["scroll"] <= widths["inner"], (
        f"{page.url} scrolls sideways at {widths['inner']}px: scrollWidth is {widths['scroll']}px "
        f"(wider elements: {widths['wide']})"
    )
