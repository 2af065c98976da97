"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

What every browser test gets from here:

- ``browser``: one Chromium for the whole session: Debian's, never a browser downloaded by Playwright.
- ``new_page(name, viewport)``: a page in a fresh browser context (its own cookies), so two
  people can act side by side; ``page`` is a first one at the desktop viewport (1280x900).
- ``site``: the live server's URL. Its tests are transactional; the Authors and Editors
  groups that a flush removes come back through portal.roles.sync_roles (post_migrate).
- ``check_page(page)``: called after every navigation. It runs axe (as ``check_accessibility``
  does, serious and critical violations) and looks at what the browser reported:
  Content-Security-Policy violations, uncaught page errors, failed CSS/JS/font/image loads.
  It also measures what axe does not: the layout shift of the page's first load (cumulative,
  at most ``MAX_LAYOUT_SHIFT``), the keyboard focus ring of every focusable element (a visible
  outline of at least ``MIN_FOCUS_CONTRAST`` against what surrounds it, WCAG 1.4.11), and that
  the page does not scroll sideways at the phone's width (``PHONE``, 390 px).
  Problems are collected, so one test walks
  its whole flow, and the test then FAILS with the full list (see pytest_runtest_call).
  A page that was loaded but never checked also fails the test.

The site runs under its real, strict CSP: nothing here bypasses it (no ``bypass_csp``, no
``add_script_tag``, which the CSP refuses anyway). axe-playwright-python puts axe-core into
the page with ``page.evaluate()``, which goes through the DevTools protocol and is not
governed by the page's CSP; the page's own scripts and styles stay under the policy.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio event loop running in the test thread; Django's ORM
# refuses to run there unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: How long Playwright's auto-waiting and expect() wait, in milliseconds.
TIMEOUT_MS = 5_000
#: axe impacts that fail a test ("moderate" and "minor" do not).
FAILING_IMPACTS = ("critical", "serious")
#: Sub-resources whose failure to load is a problem (a page without its CSS or JS is broken).
CHECKED_RESOURCES = ("stylesheet", "script", "font", "image")
#: Cumulative layout shift of a first load that fails a page (Core Web Vitals' "good" is < 0.1).
MAX_LAYOUT_SHIFT = 0.1
#: Contrast of a focus ring against the colours around it (WCAG 2.2, 1.4.11 non-text contrast).
MIN_FOCUS_CONTRAST = 3.0
#: How many focusable elements of a page have their focus ring measured (in document order).
FOCUS_CHECKED = 80

PAGES_KEY = pytest.StashKey[list]()


# --- Browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        reason = (
            f"no Chromium executable at {CHROMIUM}: install Debian's chromium package or set PORTAL_CHROMIUM "
            "(Playwright's own browser download is not used)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"Browser tests cannot run: {reason}. Under CI=true this is a failure.", pytrace=False)
        pytest.skip(f"Browser tests skipped: {reason}.")

    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# --- Live site ----------------------------------------------------------------------------


@pytest.fixture
def site(live_server):
    """The live server's base URL, e.g. ``http://localhost:40123``."""
    return live_server.url


# --- Watched pages ------------------------------------------------------------------------


@dataclass
class Watch:
    """What the browser reported for one page, and which loaded documents were checked."""

    name: str
    loads: list = field(default_factory=list)
    checked_loads: int = 0
    reported: list = field(default_factory=list)  # since the last check_page()
    problems: list = field(default_factory=list)  # (url, text) found by check_page(): they fail the test

    def on_console(self, message):
        if message.type == "error" and "content security policy" in message.text.lower():
            where = (message.location or {}).get("url") or "?"
            self.reported.append(f"CSP violation (from {where}): {message.text}")

    def on_page_error(self, error):
        self.reported.append(f"uncaught JavaScript error: {error}")

    def on_response(self, response):
        request = response.request
        if response.status >= 400 and request.resource_type in CHECKED_RESOURCES:
            self.reported.append(f"{request.resource_type} failed to load: HTTP {response.status} {response.url}")

    def on_request_failed(self, request):
        if request.resource_type in CHECKED_RESOURCES:
            self.reported.append(f"{request.resource_type} failed to load: {request.failure} {request.url}")


def _watch(page) -> Watch:
    watch = getattr(page, "_portal_watch", None)
    assert watch is not None, "This page was not made by the new_page fixture, so nothing watches it."
    return watch


@pytest.fixture
def new_page(request, browser, site):
    """``new_page(name="editor", viewport=PHONE)``: a page in a new, empty browser context (its
    device in Bogotá's time zone unless ``timezone_id`` says otherwise)."""
    contexts = []
    watched = request.node.stash.setdefault(PAGES_KEY, [])

    def make(name="visitor", viewport=DESKTOP, timezone_id="America/Bogota"):
        context = browser.new_context(viewport=viewport, base_url=site, locale="en-US", timezone_id=timezone_id)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watch = Watch(name=name)
        page.on("console", watch.on_console)
        page.on("pageerror", watch.on_page_error)
        page.on("response", watch.on_response)
        page.on("requestfailed", watch.on_request_failed)
        page.on("load", lambda loaded: watch.loads.append(loaded.url))
        page._portal_watch = watch
        watched.append(watch)
        return page

    yield make

    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a browser test that met CSP, JavaScript or accessibility problems on its way.

    The problems are collected by check_page() while the test runs; a test that fails for
    another reason shows them in a "browser problems" section of its report.
    """
    try:
        result = yield
    except BaseException:
        report = _problem_report(item)
        if report:
            item.add_report_section("call", "browser problems", report)
        raise
    watches = item.stash.get(PAGES_KEY, [])
    for watch in watches:  # reported after the last check_page()
        watch.problems.extend(
            (f"{watch.loads[-1] if watch.loads else '?'} (after its check)", p) for p in watch.reported
        )
        watch.reported.clear()
    # A mistake in the test itself, not a finding about the site: every loaded page must be checked.
    unchecked = [f"{watch.name}: {url}" for watch in watches for url in watch.loads[watch.checked_loads :]]
    assert not unchecked, "Pages were loaded but never checked with check_page():\n" + "\n".join(unchecked)
    report = _problem_report(item)
    if report:
        pytest.fail(report, pytrace=False)
    return result


def _problem_report(item):
    """Every problem once, with the pages (and the person) it was seen on."""
    pages_by_problem = {}
    for watch in item.stash.get(PAGES_KEY, []):
        for url, problem in watch.problems:
            seen = pages_by_problem.setdefault(problem, [])
            if f"{watch.name}: {url}" not in seen:
                seen.append(f"{watch.name}: {url}")
    if not pages_by_problem:
        return ""
    lines = [f"{len(pages_by_problem)} distinct problem(s) found in the browser:"]
    for number, (problem, pages) in enumerate(pages_by_problem.items(), start=1):
        lines.append(f"\n{number}. {problem}\n   seen on: " + "\n            ".join(pages))
    return "\n".join(lines)


# --- Checks -------------------------------------------------------------------------------


def check_page(page):
    """After each navigation: wait for the load, then record CSP/JS problems and axe violations.

    The test goes on, and fails at its end with everything found (so one run shows every
    problem of a flow, not only the first).
    """
    page.wait_for_load_state("load")
    watch = _watch(page)
    watch.problems.extend((page.url, problem) for problem in watch.reported)
    watch.reported.clear()
    violations = axe_violations(page)
    if violations:
        watch.problems.append((page.url, format_violations(violations)))
    shift, moved = layout_shift(page)
    if shift >= MAX_LAYOUT_SHIFT:
        watch.problems.append(
            (page.url, f"cumulative layout shift {shift:.3f} on load (at most {MAX_LAYOUT_SHIFT}); moved: {moved}")
        )
    watch.problems.extend((page.url, problem) for problem in focus_ring_problems(page))
    overflow = sideways_scroll_at_phone_width(page)
    if overflow:
        watch.problems.append((page.url, overflow))
    watch.checked_loads = len(watch.loads)


def layout_shift(page) -> tuple[float, str]:
    """The page's cumulative layout shift since it loaded (shifts right after an input excluded),
    and what moved (the elements that shifted, so a failure says where to look)."""
    return page.evaluate(
        """() => new Promise((resolve) => {
            let total = 0;
            const moved = new Set();
            const describe = (node) => {
                if (!node || !node.tagName) return "";
                const id = node.id ? "#" + node.id : "";
                const cls = node.classList && node.classList.length ? "." + [...node.classList].join(".") : "";
                return node.tagName.toLowerCase() + id + cls;
            };
            const observer = new PerformanceObserver((list) => {
                for (const entry of list.getEntries()) {
                    if (entry.hadRecentInput) continue;
                    total += entry.value;
                    for (const source of entry.sources || []) {
                        const [was, now] = [source.previousRect, source.currentRect];
                        const box = (r) => `${r.x},${r.y} ${r.width}x${r.height}`;
                        moved.add(`${describe(source.node)} (${box(was)} → ${box(now)})`);
                    }
                }
            });
            observer.observe({ type: "layout-shift", buffered: true });
            setTimeout(() => { observer.disconnect(); resolve([total, [...moved].filter(Boolean).join(", ")]); }, 150);
        })"""
    )


#: The focus-ring measurement run in the page (its own file: it is JavaScript).
FOCUS_RING_SCRIPT = (Path(__file__).with_name("focus_ring.js")).read_text(encoding="utf-8")


def focus_ring_problems(page) -> list[str]:
    """Each focusable element focused as from the keyboard: its outline must show, with enough contrast."""
    page.keyboard.press("Shift")  # keyboard modality: the focus that follows is :focus-visible
    return page.evaluate(FOCUS_RING_SCRIPT, [MIN_FOCUS_CONTRAST, FOCUS_CHECKED])


def sideways_scroll_at_phone_width(page) -> str:
    """'' if the page fits the phone's width (390 px) with no horizontal scroll, else what sticks out."""
    viewport = page.viewport_size
    if viewport and viewport["width"] != PHONE["width"]:
        page.set_viewport_size(PHONE)
    try:
        widths = page.evaluate(
            """() => ({
                scroll: document.documentElement.scrollWidth,
                inner: window.innerWidth,
                wide: [...document.querySelectorAll("body *")]
                    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
                    .slice(0, 5)
                    .map((e) => e.tagName.toLowerCase() + (e.className ? "." + e.getAttribute("class") : "")),
            })"""
        )
    finally:
        if viewport and viewport["width"] != PHONE["width"]:
            page.set_viewport_size(viewport)
    if widths["scroll"] <= widths["inner"]:
        return ""
    return (
        f"scrolls sideways at {widths['inner']} px (scrollWidth {widths['scroll']} px); "
        f"wider than the screen: {', '.join(widths['wide']) or '?'}"
    )


def check_accessibility(page):
    """Run axe on the page as it is now; fail with a readable list of serious and critical violations."""
    violations = axe_violations(page)
    assert not violations, f"On {page.url}: " + format_violations(violations)


def axe_violations(page):
    """axe-core's serious and critical violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    # Axe.run() injects axe-core with page.evaluate(), which runs through the DevTools protocol
    # and is not subject to the page's CSP; the page itself stays under its policy.
    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in FAILING_IMPACTS]


def format_violations(violations):
    lines = [f"{len(violations)} serious/critical accessibility violation(s) (axe-core):"]
    for violation in violations:
        nodes = violation["nodes"]
        targets = " | ".join(" ".join(node["target"]) for node in nodes[:3])
        more = f" (and {len(nodes) - 3} more)" if len(nodes) > 3 else ""
        lines.append(
            f"  - {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"      at: {targets}{more}\n"
            f"      see {violation['helpUrl']}"
        )
    return "\n".join(lines)


def goto(page, path):
    """Open ``path`` on the live server, check the page, and return the main response."""
    response = page.goto(path)
    check_page(page)
    return response


def click_and_check(page, locator):
    """Click something that loads a new page; check that page; return its main response."""
    with page.expect_navigation() as navigation:
        locator.click()
    check_page(page)
    return navigation.value


# --- People -------------------------------------------------------------------------------


def log_in(page, user, password=None, *, expect_path=r"/admin/$"):
    """Sign in as a person does: /admin/login/ sends staff to the site's sign-in page (allauth);
    editors then give the code of their authenticator app (two-factor authentication)."""
    from playwright.sync_api import expect

    from tests import factories

    goto(page, "/admin/login/")
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_label("Password", exact=True).fill(password or factories.PASSWORD)
    click_and_check(page, page.get_by_role("button", name="Sign in"))
    if "/2fa/authenticate/" in page.url:
        page.get_by_label(re.compile("code", re.IGNORECASE)).fill(factories.totp_code())
        click_and_check(page, page.get_by_role("button", name=re.compile("sign in", re.IGNORECASE)))
    expect(page).to_have_url(re.compile(expect_path))
