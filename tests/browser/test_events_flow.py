"""The whole flow as a citizen takes it: event page → sign up → verify → register → confirm from
the email → "confirmed" on the page → the reminder's personal link opens the meeting.
Every page is checked with axe and for CSP problems (tests/browser/conftest.py)."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from events import links, services, tasks
from events.models import Registration
from tests import factories
from tests.browser.conftest import check_page, click_and_check, goto
from tests.events.factories import OpenEventFactory, RegistrationFactory

pytestmark = pytest.mark.browser

EMAIL = "lucia.fernandez@example.org"
PASSWORD = "Digital-teachers-2026"


def link_in(message, pattern, site):
    match = re.search(pattern, message.body)
    assert match, f"No link like {pattern} in: {message.body}"
    return match.group(0).replace(settings.SITE_URL, site)


def email_with(subject_start):
    found = [m for m in mail.outbox if m.subject.startswith(subject_start)]
    assert found, [m.subject for m in mail.outbox]
    return found[-1]


def test_a_citizen_signs_up_registers_confirms_and_joins(page, site):
    from accounts.models import PrivacyPolicy

    PrivacyPolicy.objects.create(version="1.0", title="Privacy policy", body="<p>Your data stays with us.</p>")
    for code in ("CL", "CO", "MX", "PE"):
        factories.CountryFactory(code=code)
    # Starts in 20 minutes: the reminder is due at once and the access window is open.
    event = OpenEventFactory(
        title="Competences to take advantage of the digital space at school",
        start=timezone.now() + timedelta(minutes=20),
        # The meeting platform is another site, out of reach here: a page of the live site stands in for it
        # (Playwright cannot answer for a host that is reached through a redirect).
        online_url=f"{site}/news/?meeting=pacific-webinar",
    )
    # The event page, times per member country; the visitor creates an account from it.
    goto(page, event.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(event.title)
    expect(page.get_by_text("Colombia, Peru").first).to_be_visible()
    expect(page.locator("[data-viewer-time] dd")).not_to_be_empty()  # the visitor's own time (JavaScript)
    click_and_check(page, page.get_by_role("link", name="Create an account to register"))
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label("Full name").fill("Lucía Fernández")
    page.get_by_label("Organisation").fill("Escuela Básica República de Chile")
    page.get_by_label("Position").fill("Teacher")
    page.get_by_label("Stakeholder sector").select_option(label="Academia")
    page.get_by_label("Country").select_option(label="Chile")
    page.get_by_label("Preferred language").select_option(label="English")
    page.get_by_label(re.compile("accept the privacy policy")).check()
    click_and_check(page, page.get_by_role("button", name=re.compile("Sign Up", re.IGNORECASE)))

    # Verify the email address: the link brings her back to the event.
    verify = link_in(mail.outbox[-1], r"https?://\S+/accounts/confirm-email/\S+/", site)
    goto(page, verify)
    click_and_check(page, page.get_by_role("button", name="Confirm"))
    expect(page).to_have_url(re.compile(re.escape(event.get_absolute_url()) + r"(#.*)?$"))

    # Register: pending until confirmed from the email.
    click_and_check(page, page.get_by_role("button", name="Register for this event"))
    expect(page.get_by_text("Almost there: confirm your participation.")).to_be_visible()
    registration = Registration.objects.get(event=event, participant__email=EMAIL)
    assert registration.status == Registration.Status.PENDING

    confirm = link_in(email_with("Confirm your participation"), r"https?://\S+/events/\S+/confirm/\S+/", site)
    goto(page, confirm)
    # The form goes in the background (static/js/confirmation.js); the page says the outcome where
    # she is, once decided (queued for a worker when the event has a waiting list), and links to it.
    page.get_by_role("button", name="Confirm my participation").click()
    expect(page.locator("[data-confirmation-live]")).to_contain_text("Your participation is confirmed")
    check_page(page)
    click_and_check(page, page.get_by_role("link", name="See my registration"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your participation is confirmed")

    # The event page says so.
    click_and_check(page, page.get_by_role("link", name=re.compile("Back to")))
    expect(page.get_by_text("You are registered: your participation is confirmed.")).to_be_visible()

    # The reminder (due at once, the event being this close) carries her personal link.
    reminder = email_with("Reminder")
    assert "Your time (Chile)" in reminder.body
    join = link_in(reminder, r"https?://\S+/events/\S+/join/\S+/", site)
    assert event.online_url not in reminder.body
    goto(page, join)  # opening the link records nothing (mail scanners open links too)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    page.get_by_role("button", name="Join now").click()
    expect(page).to_have_url(event.online_url)
    check_page(page)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ATTENDED

    # "My account" lists the registration.
    goto(page, "/account/")
    expect(page.get_by_role("link", name=event.title, exact=True)).to_be_visible()


def test_the_event_list_calendar_and_cancelling_from_my_account(page, site):
    from tests.events.factories import ConfirmedRegistrationFactory, PastEventFactory
    from tests.factories import PASSWORD as FACTORY_PASSWORD

    for code in ("CL", "CO", "MX", "PE"):
        factories.CountryFactory(code=code)
    upcoming = OpenEventFactory(title="Forum on quinoa trade")
    PastEventFactory(title="Colloquium on digital teaching")
    registration = ConfirmedRegistrationFactory(event=upcoming)

    goto(page, "/events/")
    expect(page.get_by_role("heading", name="Upcoming events")).to_be_visible()
    expect(page.get_by_role("heading", name="Past events")).to_be_visible()
    page.get_by_label("When").select_option(label="Past")
    click_and_check(page, page.get_by_role("button", name="Apply filters"))
    expect(page.get_by_role("link", name="Colloquium on digital teaching")).to_be_visible()
    expect(page.get_by_role("link", name="Forum on quinoa trade")).to_have_count(0)
    click_and_check(page, page.get_by_role("link", name="Month calendar"))
    expect(page.get_by_role("table")).to_be_visible()

    goto(page, "/accounts/login/")
    page.get_by_label("Email", exact=True).fill(registration.participant.email)
    page.get_by_label("Password", exact=True).fill(FACTORY_PASSWORD)
    click_and_check(page, page.get_by_role("button", name="Sign in"))
    goto(page, "/account/")
    click_and_check(page, page.get_by_role("link", name=re.compile("Cancel my registration")))
    click_and_check(page, page.get_by_role("button", name="Cancel my registration"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your registration is cancelled")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_an_editor_translates_an_event_and_a_visitor_reads_it_in_spanish(new_page, site):
    from tests.browser.conftest import log_in
    from tests.events.factories import SpeakerFactory

    for code in ("CL", "CO", "MX", "PE"):
        factories.CountryFactory(code=code)
    event = OpenEventFactory(
        title="Forum on quinoa trade",
        summary="Producers and buyers of the four countries.",
        description="<p>The forum closes with a tasting.</p>",
    )
    SpeakerFactory(event=event, name="Ana Pérez", role="Moderator")

    # Side by side in the admin: the English text is there, the Spanish fields are empty.
    editor = new_page("editor")
    log_in(editor, factories.EditorFactory())
    goto(editor, f"/admin/events/event/{event.pk}/change/")
    expect(editor.locator("#id_title_en")).to_have_value("Forum on quinoa trade")
    editor.locator("#id_title_es").fill("Foro sobre el comercio de la quinua")
    editor.locator("#id_summary_es").fill("Productores y compradores de los cuatro países.")
    editor.locator("#id_speakers-0-role_es").fill("Moderadora")
    click_and_check(editor, editor.get_by_role("button", name="Save", exact=True))
    expect(editor.locator(".messagelist .success")).to_be_visible()

    # A Spanish visitor: the same address under /es/; what is not translated yet is marked.
    visitor = new_page("visitor")
    goto(visitor, "/es/events/")
    click_and_check(visitor, visitor.get_by_role("link", name="Foro sobre el comercio de la quinua"))
    expect(visitor).to_have_url(re.compile(rf"/es/events/{event.slug}/$"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Foro sobre el comercio de la quinua")
    expect(visitor.get_by_text("Moderadora")).to_be_visible()
    expect(visitor.locator(".translation-note")).to_be_visible()  # the description is English only
    expect(visitor.locator('.prose[lang="en"]')).to_have_text("The forum closes with a tasting.")


def test_a_queued_confirmation_shows_its_outcome_when_the_worker_decides(page, site, monkeypatch):
    """A rush: the confirmation is queued (no worker has decided yet); the page says so and shows
    the outcome, with the waiting-list position, as soon as a worker decides it."""
    waiting = []
    monkeypatch.setattr(tasks, "decide_confirmations", SimpleNamespace(enqueue=waiting.append))
    event = OpenEventFactory(capacity=1, has_waiting_list=True)
    services.confirm(registration=RegistrationFactory(event=event))  # the one seat is taken
    registration = RegistrationFactory(event=event)

    link = links.personal_path(registration, links.CONFIRM)
    goto(page, link)
    page.get_by_role("button", name="Confirm my participation").click()
    live = page.locator("[data-confirmation-live]")
    expect(live).to_contain_text("We have your confirmation")
    check_page(page)
    assert waiting == [event.pk]
    # The link opened again meanwhile: the waiting page, which asks for the outcome by itself.
    goto(page, link)
    expect(page.get_by_role("heading", level=1)).to_have_text("We have your confirmation")

    services.decide_confirmations(event_id=event.pk)  # the worker's task

    expect(live).to_contain_text("Your position on the waiting list: 1.", timeout=15_000)
    check_page(page)
    click_and_check(page, page.get_by_role("link", name="See my registration"))
    expect(page.get_by_role("heading", level=1)).to_have_text("You are on the waiting list")
