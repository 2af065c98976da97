"""The seminar journey: a participant registers for the room seat of a hybrid seminar and gets the QR pass; door
staff check her in on a phone; after the event she answers the survey and downloads her
certificate, which anyone can check. Every page is checked with axe and for CSP problems.

The camera cannot be simulated here: the door staff type the short code (the page's own flow
without a camera), and the QR code of the confirmation email is decoded in the door page by the
vendored jsQR (static/js/vendor/jsqr) and posted as the page's script would post a scan.
"""

import base64
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from events import emails, links
from events.models import Certificate, Event, FollowUp, Registration, SurveyQuestion, SurveyResponse
from tests import factories
from tests.browser.conftest import PHONE, check_page, click_and_check, goto, log_in
from tests.events.factories import OpenEventFactory

pytestmark = pytest.mark.browser


def link_in(message, pattern, site):
    match = re.search(pattern, message.body)
    assert match, f"No link like {pattern} in: {message.body}"
    return match.group(0).replace(settings.SITE_URL, site)


def email_with(subject_start):
    found = [message for message in mail.outbox if message.subject.startswith(subject_start)]
    assert found, [message.subject for message in mail.outbox]
    return found[-1]


def sign_in(page, user, next_path):
    goto(page, f"/accounts/login/?next={next_path}")
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    click_and_check(page, page.get_by_role("button", name="Sign in"))


def test_register_get_the_pass_be_checked_in_answer_the_survey_and_download_the_certificate(new_page, site):
    from accounts.models import PrivacyPolicy

    PrivacyPolicy.objects.create(version="1.0", title="Privacy policy", body="<p>Your data stays with us.</p>")
    countries = {code: factories.CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")}
    event = OpenEventFactory(
        title="Regional seminar on public procurement",
        format=Event.Format.HYBRID,
        venue="Centro de Convenciones",
        city="Lima",
        country=countries["PE"],
        start=timezone.now() + timedelta(days=3),
        reminders=[168, 24, 1],
    )
    FollowUp.objects.create(event=event, hours_after=0, attended_text_en="Thank you for coming to Lima!")
    useful = SurveyQuestion.objects.create(event=event, text_en="How useful was the seminar?", is_required=True)
    SurveyQuestion.objects.create(event=event, kind=SurveyQuestion.Kind.TEXT, text_en="What should we change?")
    lucia = factories.ParticipantFactory(full_name="Lucía Fernández", profile__preferred_language="en")
    editor = factories.EditorFactory()
    person = new_page("participant", PHONE)
    door = new_page("door", PHONE)

    # --- She registers and confirms; the confirmation carries the QR pass and its code -------
    sign_in(person, lucia, event.get_absolute_url())
    expect(person.get_by_role("link", name="Google Calendar")).to_be_visible()
    person.get_by_role("group", name="How will you take part?").get_by_label("In person, in the room").check()
    click_and_check(person, person.get_by_role("button", name="Register for this event"))
    confirm = link_in(email_with("Confirm your participation"), r"https?://\S+/events/\S+/confirm/\S+/", site)
    goto(person, confirm)
    person.get_by_role("button", name="Confirm my participation").click()
    expect(person.locator("[data-confirmation-live]")).to_contain_text("Your participation is confirmed")
    registration = Registration.objects.get(event=event, participant=lucia)
    assert (registration.status, registration.mode) == (Registration.Status.CONFIRMED, "in_person")
    confirmation = email_with("You are registered")
    assert registration.door_code_shown in confirmation.body
    png = next(content for name, content, _kind in confirmation.attachments if name == "door-pass.png")

    goto(person, "/account/")
    expect(person.get_by_role("img", name=re.compile("Your QR code to check in"))).to_be_visible()
    expect(person.get_by_text(registration.door_code_shown)).to_be_visible()

    # --- At the door, on a phone: the code typed checks her in ---------------------------------
    log_in(door, editor)
    goto(door, f"/events/{event.slug}/door/")
    expect(door.get_by_text("0 of 1 confirmed participants checked in.")).to_be_visible()
    door.get_by_label("The participant's code").fill(registration.door_code_shown.lower())
    door.get_by_role("button", name="Check in").click()
    expect(door.get_by_role("status").filter(has_text="Lucía Fernández is checked in.")).to_contain_text("In person")
    expect(door.get_by_text("1 of 1 confirmed participants checked in.")).to_be_visible()
    check_page(door)
    registration.refresh_from_db()
    assert (registration.status, registration.attendance) == (Registration.Status.ATTENDED, "in_person")

    # The QR code of her email, decoded by the page's own jsQR, is her signed pass; scanned
    # again, it says "already checked in".
    decoded = door.evaluate(
        """async (png) => {
            const image = new Image();
            image.src = "data:image/png;base64," + png;
            await image.decode();
            const canvas = document.createElement("canvas");
            canvas.width = image.width; canvas.height = image.height;
            const context = canvas.getContext("2d");
            context.drawImage(image, 0, 0);
            const data = context.getImageData(0, 0, canvas.width, canvas.height);
            return window.jsQR(data.data, data.width, data.height).data;
        }""",
        base64.b64encode(png).decode("ascii"),
    )
    assert links.read_door_token(decoded, event=event).pk == registration.pk  # signed, for her and this event
    answer = door.evaluate(
        """async (token) => {
            const body = new FormData(document.querySelector("[data-door-form]"));
            body.set("token", token); body.set("code", "");
            const response = await fetch(location.href, {method: "POST", body, headers: {Accept: "application/json"}});
            return response.json();
        }""",
        decoded,
    )
    assert answer["already"] is True and answer["message"] == "Lucía Fernández was already checked in."

    # --- After the event: the follow-up email and its survey -------------------------------------
    Event.objects.filter(pk=event.pk).update(
        start=timezone.now() - timedelta(hours=3), end=timezone.now() - timedelta(minutes=5)
    )
    assert emails.send_follow_ups() == 1
    follow_up = email_with("After “Regional seminar")
    assert "Thank you for coming to Lima!" in follow_up.body
    goto(person, link_in(follow_up, r"https?://\S+/events/\S+/survey/\S+/", site))
    person.get_by_role("group", name=re.compile("How useful was the seminar")).get_by_label("5").check()
    person.get_by_label("What should we change?").fill("More time for questions from the floor.")
    click_and_check(person, person.get_by_role("button", name="Send my answers"))
    expect(person.get_by_role("heading", level=1)).to_have_text("Thank you for your answers")
    response = SurveyResponse.objects.get(registration=registration)
    assert response.answers.get(question=useful).rating == 5

    # --- Her certificate, and anyone checks it -----------------------------------------------------
    goto(person, "/account/")
    with person.expect_download() as download:
        person.get_by_role("link", name=re.compile("Download my certificate of attendance")).click()
    certificate = Certificate.objects.get(registration=registration)
    assert download.value.suggested_filename == f"certificate-{certificate.code_shown}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    visitor = new_page("visitor")
    goto(visitor, "/certificates/")
    visitor.get_by_label("Verification code").fill(certificate.code_shown)
    click_and_check(visitor, visitor.get_by_role("button", name="Check"))
    expect(visitor.get_by_text("Valid.")).to_be_visible()
    expect(visitor.get_by_text("Lucía Fernández")).to_be_visible()
    expect(visitor.get_by_text("Regional seminar on public procurement")).to_be_visible()


def test_the_door_page_refuses_someone_without_the_permission(new_page, site):
    peru = factories.CountryFactory(code="PE")
    event = OpenEventFactory(format=Event.Format.IN_PERSON, online_url="", city="Lima", country=peru)
    author = factories.AuthorFactory()
    page = new_page("author", PHONE)
    log_in(page, author)
    response = goto(page, f"/events/{event.slug}/door/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-in is for event staff")
