"""What a phone and a keyboard show: the first load does not shift even when the script is slow,
the Spanish header keeps "Menú" on the brand's row, filter panels are folded with the results
first, an event's registration box comes before its long description, times wrap without a
dangling separator, sign-in shows that it is busy, the API reference passes axe, and the event
form states one rule about time zones. Every page is also checked by check_page (axe, focus
rings, layout shift, sideways scroll at 390 px)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal import api_docs
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE, check_page, goto, layout_shift, log_in
from tests.events.factories import OpenEventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def members(site):
    return {code: factories.CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")}


def box(locator):
    found = locator.bounding_box()
    assert found, f"{locator} is not rendered"
    return found


def test_the_first_load_on_a_phone_does_not_shift_while_the_script_is_on_its_way(new_page, members):
    """The menu folded only once site.js had run (a shift of about 0.35): now CSS folds it."""
    page = new_page("phone visitor", viewport=PHONE)
    held = []
    page.route("**/static/js/site.js", lambda route: held.append(route))
    page.goto("/", wait_until="commit")
    page.wait_for_function("document.readyState !== 'loading' && document.querySelector('.site-footer')")
    page.evaluate("() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))")
    assert held, "site.js was not requested"
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation).to_be_hidden()  # folded before any script ran
    expect(page.get_by_role("link", name="Menu")).to_be_visible()

    held[0].continue_()
    page.wait_for_load_state("load")
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
    shift, moved = layout_shift(page)
    assert shift < 0.1, moved
    check_page(page)


def test_without_javascript_the_menu_link_unfolds_the_navigation(new_page, members):
    page = new_page("phone visitor", viewport=PHONE)
    page.route("**/static/js/site.js", lambda route: route.fulfill(status=200, body="", content_type="text/javascript"))
    goto(page, "/")
    page.get_by_role("link", name="Menu").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="News")).to_be_visible()


def test_the_spanish_phone_header_keeps_menu_on_the_brand_s_row(new_page, members):
    page = new_page("phone visitor", viewport=PHONE)
    goto(page, "/es/")
    brand, toggle = box(page.locator(".brand")), box(page.get_by_role("button", name="Menú"))
    assert toggle["y"] < brand["y"] + brand["height"], (brand, toggle)
    assert toggle["x"] + toggle["width"] <= PHONE["width"]


def test_filter_panels_are_folded_on_a_phone_with_the_results_first(new_page, members):
    for number in range(3):
        factories.PublishedNewsFactory(title=f"Ministers of the bloc meet, session {number}")
    phone = new_page("phone visitor", viewport=PHONE)
    for path in ("/news/", "/events/", "/publications/"):
        goto(phone, path)
        panel = phone.locator("details.filters")
        expect(panel).not_to_have_attribute("open", "")
        expect(phone.get_by_label("Country")).to_be_hidden()
        assert box(phone.locator(".results-count"))["y"] < PHONE["height"] / 2, path
    goto(phone, "/news/")
    phone.locator("summary.filters__summary").click()
    expect(phone.get_by_label("Country")).to_be_visible()
    expect(phone.get_by_role("link", name=re.compile("Ministers of the bloc meet")).first).to_be_attached()

    desktop = new_page("desktop visitor", viewport=DESKTOP)
    goto(desktop, "/news/")
    expect(desktop.get_by_label("Country")).to_be_visible()  # wider, the fields are always shown


def test_on_a_phone_the_registration_box_comes_before_the_long_description(new_page, members):
    long_text = "".join(f"<p>Paragraph {number} of a long programme of the day.</p>" for number in range(30))
    event = OpenEventFactory(description=long_text, start=timezone.now() + timedelta(days=5))
    phone = new_page("phone visitor", viewport=PHONE)
    goto(phone, event.get_absolute_url())
    registration, description = box(phone.locator("#registration")), box(phone.locator(".event-page__main .prose"))
    assert registration["y"] < description["y"]

    desktop = new_page("desktop visitor", viewport=DESKTOP)
    goto(desktop, event.get_absolute_url())
    registration, description = box(desktop.locator("#registration")), box(desktop.locator(".event-page__main .prose"))
    assert registration["x"] > description["x"] + description["width"] - 1  # still the right column


def test_times_per_country_wrap_without_a_dangling_separator(new_page, members):
    event = OpenEventFactory(time_zone="America/Mexico_City")
    page = new_page("phone visitor", viewport={"width": 320, "height": 800})
    goto(page, event.get_absolute_url())
    lines = page.evaluate(
        """() => {
            const outer = document.querySelector(".event-when .country-times");
            const clip = outer.getBoundingClientRect();
            return [...outer.querySelectorAll(".country-times__group")].map((group) => {
                const box = group.getBoundingClientRect();
                const separator = parseFloat(getComputedStyle(group).paddingLeft);
                return { top: Math.round(box.top), separatorVisible: box.left + separator / 2 > clip.left };
            });
        }"""
    )
    assert len({line["top"] for line in lines}) > 1, "the times did not wrap at 320 px: nothing is checked"
    starts = {}
    for line in lines:
        starts.setdefault(line["top"], line)
    for index, line in enumerate(lines):
        first_on_its_line = starts[line["top"]] is line
        assert line["separatorVisible"] is not first_on_its_line, (index, lines)


def test_signing_in_shows_that_it_is_busy(page, site):
    """The press is held in the page (a later submit listener cancels it and counts what would
    have been sent): a request held at the network layer blocks Playwright's evaluation."""
    user = factories.UserFactory()
    goto(page, "/accounts/login/")
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.evaluate(
        """() => {
            window.sent = 0;
            const form = document.querySelector("button[data-busy-label]").form;
            form.addEventListener("submit", (event) => {
                if (!event.defaultPrevented) window.sent += 1;
                event.preventDefault();
            });
        }"""
    )
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("form[aria-busy='true']")).to_have_count(1)
    busy = page.get_by_role("button", name="Signing in…")
    expect(busy).to_have_attribute("aria-disabled", "true")
    expect(busy).to_have_class(re.compile(r"\bis-busy\b"))
    expect(page.get_by_role("status").filter(has_text="Signing in…")).to_be_attached()
    busy.click(force=True)  # a second press sends nothing more
    assert page.evaluate("window.sent") == 1
    with page.expect_navigation():
        page.evaluate("document.querySelector('form[aria-busy]').submit()")
    check_page(page)
    expect(page).to_have_url(re.compile(r"/account/$"))


def test_the_api_reference_passes_axe_on_desktop_and_phone(new_page, site):
    api_docs.reference()  # built once per process (the schema): not within the page's first load here
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(name, viewport=viewport)
        goto(page, "/api/docs/")
        expect(page.get_by_role("heading", level=1)).to_have_text("API reference")
        expect(page.get_by_role("heading", name="GET /api/v1/news/", exact=True)).to_be_visible()
        expect(page.get_by_role("link", name=re.compile("Swagger UI"))).to_be_visible()


def test_the_event_form_states_one_rule_about_time_zones(new_page, members):
    """Django added "Note: Enter times in the America/Bogota timezone" beside the event's own zone
    when the editor's device was elsewhere: here the device is in Tokyo."""
    editor = factories.EditorFactory()
    event = OpenEventFactory(time_zone="America/Mexico_City")
    tokyo = new_page("editor in Tokyo", timezone_id="Asia/Tokyo")
    log_in(tokyo, editor)
    goto(tokyo, f"/admin/events/event/{event.pk}/change/")
    for field in ("start", "end", "registration_opens_at", "registration_closes_at"):
        notes = tokyo.locator(f"#id_{field}_timezone_warning_helptext")
        expect(notes).to_have_count(1)
        expect(notes).to_contain_text("America/Mexico_City")
    expect(tokyo.get_by_text("America/Bogota")).to_have_count(0)  # Django's own note was not added
