"""A stakeholder as they would do it: follow an observatory, comment on a paragraph of the draft exit
document, get the response by email, and leave the digest in one click. An editor moderates, closes
the consultation and publishes the response in the admin. Every page is checked with axe-core and
for Content-Security-Policy problems (conftest.check_page)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from consultations.models import Comment
from following import digests, schedule
from following.models import Subscriber
from following.registry import Period
from tests import factories
from tests.browser.conftest import PHONE, click_and_check, goto, log_in
from tests.consultations.factories import OpenConsultationFactory
from tests.observatory.factories import ObservatoryFactory, PublishedPublicationFactory

pytestmark = pytest.mark.browser

COMMENT = "Name the trade unions among the actors the NCPs should involve."


@pytest.fixture
def draft():
    observatory = ObservatoryFactory(name="Regional Labor Observatory", slug="regional-labor-observatory")
    consultation = OpenConsultationFactory(title="Mexico 2025 Exit Document (draft for comments)", is_demo=True)
    return observatory, consultation


def test_a_stakeholder_follows_comments_gets_the_response_and_leaves_the_digest(new_page, site, draft):
    observatory, consultation = draft
    participant = factories.ParticipantFactory(full_name="Lucía Fernández", profile__preferred_language="en")
    editor = factories.EditorFactory()
    person = new_page("stakeholder")

    # --- Sign in, and follow the labour observatory -----------------------------------------
    goto(person, observatory.get_absolute_url())
    click_and_check(person, person.get_by_role("link", name="Follow Regional Labor Observatory"))
    person.get_by_label("Email", exact=True).fill(participant.email)
    person.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    click_and_check(person, person.get_by_role("button", name="Sign in"))
    expect(person).to_have_url(re.compile(observatory.get_absolute_url() + "$"))
    click_and_check(person, person.get_by_role("button", name="Follow Regional Labor Observatory"))
    expect(person.get_by_role("status").first).to_contain_text("You follow “Regional Labor Observatory”")
    expect(person.get_by_role("button", name=re.compile("Following"))).to_have_attribute("aria-pressed", "true")

    # --- Comment on paragraph 2 of the draft ---------------------------------------------------
    goto(person, "/consultations/")
    click_and_check(person, person.get_by_role("link", name=consultation.title))
    expect(person.locator(".consultation-status")).to_contain_text("Open for comments")
    expect(person.locator(".consultation-status__local")).to_be_visible()  # the times in the visitor's zone
    second = consultation.paragraphs.get(number=2)
    paragraph = person.locator(f"#p-{second.key}")
    paragraph.get_by_text("Comment on paragraph 2", exact=True).click()
    paragraph.get_by_label("Your comment on paragraph 2").fill(COMMENT)
    click_and_check(person, paragraph.get_by_role("button", name="Send my comment"))
    expect(person.get_by_role("status").first).to_contain_text("once a moderator has approved it")
    comment = Comment.objects.get()
    assert (comment.paragraph, comment.status) == (second, "pending")

    # --- The editor approves it, closes the consultation and publishes the response -------------
    editor_page = new_page("editor")
    log_in(editor_page, editor)
    goto(editor_page, f"/admin/consultations/comment/{comment.pk}/change/")
    click_and_check(editor_page, editor_page.get_by_role("link", name="Approve", exact=True))
    click_and_check(editor_page, editor_page.get_by_role("button", name="Approve the comment"))
    comment.refresh_from_db()
    assert comment.status == "approved"
    goto(editor_page, f"/admin/consultations/consultation/{consultation.pk}/change/")
    click_and_check(editor_page, editor_page.get_by_role("link", name="Close the consultation now"))
    click_and_check(editor_page, editor_page.get_by_role("button", name="Close it now"))
    expect(editor_page.locator(".messagelist .success")).to_contain_text("takes no more comments")
    consultation.refresh_from_db()
    consultation.response = "<p>Paragraph 2 now names the trade unions, as several participants asked.</p>"
    consultation.final_document = "<p>The final Mexico 2025 Exit Document.</p>"
    consultation.save()
    goto(editor_page, f"/admin/consultations/consultation/{consultation.pk}/change/")
    click_and_check(editor_page, editor_page.get_by_role("link", name="Publish the response"))
    click_and_check(editor_page, editor_page.get_by_role("button", name="Publish the response"))
    expect(editor_page.locator(".messagelist .success")).to_contain_text("everyone who took part")

    # --- The response by email, and on the page ---------------------------------------------------
    response_mail = [message for message in mail.outbox if "response to the consultation" in message.subject]
    assert [message.to for message in response_mail] == [[participant.email]]
    link = re.search(r"https?://[^\s]+#response", response_mail[0].body).group(0)
    reader = new_page("stakeholder reading the email")  # the email's links work in any browser
    goto(reader, re.sub(r"^https?://[^/]+", "", link))
    expect(reader.locator("#response")).to_contain_text("now names the trade unions")
    expect(reader.locator("#final-document")).to_contain_text("The final Mexico 2025 Exit Document.")
    expect(reader.locator(f"#p-{second.key} .paragraph__counts")).to_contain_text("1 comment")
    expect(reader.locator(".comment-list")).to_contain_text(COMMENT)

    # --- The weekly digest, and leaving it in one click ---------------------------------------------
    PublishedPublicationFactory(title="Labour informality in the member countries", observatory=observatory,
                                published_at=timezone.now() - timedelta(hours=3))  # fmt: skip
    digests.forget_contents()
    schedule.start_run(Period(start=timezone.now() - timedelta(days=7), end=timezone.now(), frequency="weekly"))
    digest = [message for message in mail.outbox if "digest" in message.subject]
    assert [message.to for message in digest] == [[participant.email]]
    assert "Labour informality in the member countries" in digest[0].body
    unsubscribe = re.fullmatch(r"<https?://[^/]+(/[^>]+)>", digest[0].extra_headers["List-Unsubscribe"]).group(1)
    goto(reader, unsubscribe)  # no session in this browser: the signed link is enough
    click_and_check(reader, reader.get_by_role("button", name="Stop the digest"))
    expect(reader.get_by_role("heading", level=1)).to_have_text("The digest is off")
    assert Subscriber.objects.get(user=participant).frequency == "none"


def test_the_draft_on_a_phone_and_in_spanish(new_page, site, draft):
    _observatory, consultation = draft
    phone = new_page("phone visitor", viewport=PHONE)
    goto(phone, "/es" + consultation.get_absolute_url())
    expect(phone.locator(".paragraph").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    goto(phone, "/es/digest/")
    phone.get_by_label("Su dirección de correo electrónico").fill("lector@example.org")
    click_and_check(phone, phone.get_by_role("button", name="Suscribirme"))
    expect(phone.get_by_role("status").first).to_contain_text("lector@example.org")
