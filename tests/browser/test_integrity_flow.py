"""A company representative's self-assessment, as it is done in a browser: join the organisation
from an invitation, answer part of the assessment (saved as you go), a colleague who asked to
join completes it, the representative submits and reads the benchmarks and the progress chart.
Every page is checked with axe and for CSP problems (tests/browser/conftest.py)."""

import re

import pytest
from django.core import mail
from django.db import transaction
from playwright.sync_api import expect

from integrity import benchmarks, services
from integrity.models import Assessment
from organisations import services as organisations
from tests import factories
from tests.browser.conftest import PHONE, check_page, click_and_check, goto
from tests.integrity.factories import (
    OrganisationFactory,
    published_questionnaire,
    representative_of,
    submitted_assessment,
)

pytestmark = pytest.mark.browser


def sign_in(page, user, next_path):
    goto(page, f"/accounts/login/?next={next_path}")
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    click_and_check(page, page.get_by_role("button", name="Sign in"))


def choose(page, question_code, label):
    """Choose an answer and wait for its autosave (static/js/integrity.js): a Save pressed while
    the autosave is still writing is a second writer, which SQLite's live server refuses (503)."""
    page.locator(f"#question-{question_code}").get_by_label(label, exact=True).check()
    expect(page.locator("[data-autosave-status]")).to_contain_text(re.compile(r"^(Saved at|Guardado a las) "))


def test_a_representative_and_a_colleague_complete_and_compare_a_self_assessment(new_page, site):
    from accounts.models import PrivacyPolicy

    PrivacyPolicy.objects.create(version="1.0", title="Privacy policy", body="<p>Your data stays with us.</p>")
    questionnaire = published_questionnaire()
    cycle = services.current_cycle()
    company = OrganisationFactory(name="Exportadora Andina S.A.", country="CL", size_class="small", sector="C")
    founder = representative_of(company, profile__preferred_language="en")
    # Last year's assessment (for the progress chart) and six peers this year (for the benchmarks).
    submitted_assessment(questionnaire, company, cycle=cycle - 1, level=1)
    for level in (0, 1, 2, 3, 2, 1):
        submitted_assessment(
            questionnaire, OrganisationFactory(country="CL", size_class="small", sector="C"), level=level
        )
    benchmarks.recompute(questionnaire=questionnaire, cycle=cycle)
    representative = factories.ParticipantFactory(email="ines.rojas@example.org", profile__preferred_language="en")
    colleague = factories.ParticipantFactory(email="tomas.vera@example.org", profile__preferred_language="en")
    with transaction.atomic():
        organisations.invite(organisation=company, email=representative.email, role="representative", actor=founder)
    invitation = next(m for m in mail.outbox if representative.email in m.to)
    link = re.search(r"https?://\S+/organisations/invitations/\S+/", invitation.body).group(0)
    path = "/" + link.split("/", 3)[3]

    # The representative opens the invitation, signs in and joins.
    page = new_page("representative")
    goto(page, path)
    click_and_check(page, page.get_by_role("main").get_by_role("link", name="Sign in"))
    page.get_by_label("Email", exact=True).fill(representative.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    click_and_check(page, page.get_by_role("button", name="Sign in"))
    click_and_check(page, page.get_by_role("button", name="Join Exportadora Andina S.A."))
    expect(page.get_by_role("heading", level=1)).to_have_text("Exportadora Andina S.A.")

    # She starts this year's self-assessment and answers the first question: saved at once.
    click_and_check(page, page.get_by_role("button", name=f"Start the {cycle} self-assessment"))
    click_and_check(page, page.get_by_role("link", name="Answer the questions"))
    choose(page, "policies-1", "Yes")
    expect(page.locator("[data-autosave-status]")).to_contain_text("Saved at")
    click_and_check(page, page.get_by_role("button", name="Save and return to the overview"))
    expect(page.get_by_text("1 of 2")).to_be_visible()
    assessment = Assessment.objects.get(organisation=company, cycle=cycle)
    assert assessment.answers.count() == 1

    # A colleague asks to join; she approves him.
    other = new_page("colleague", viewport=PHONE)
    sign_in(other, colleague, "/organisations/join/")
    other.get_by_label("Name of the organisation").fill("Exportadora Andina")
    click_and_check(other, other.get_by_role("button", name="Find"))
    click_and_check(other, other.get_by_role("button", name="Ask to join Exportadora Andina S.A."))
    goto(page, company.get_absolute_url())
    click_and_check(page, page.get_by_role("button", name=re.compile("^Approve")))

    # He completes the assessment, section by section, on his phone.
    goto(other, assessment.get_absolute_url())
    click_and_check(other, other.get_by_role("link", name="Policies"))
    choose(other, "policies-2", "Mostly")
    click_and_check(other, other.get_by_role("button", name="Save and go to the next section"))
    choose(other, "reporting-1", "Partly")
    choose(other, "reporting-2", "Not applicable to our organisation")
    click_and_check(other, other.get_by_role("button", name="Save and return to the overview"))
    expect(other.get_by_text("A representative of the organisation submits")).to_be_visible()

    # She submits and reads the results beside her peers, and the progress since last year.
    goto(page, assessment.get_absolute_url())
    click_and_check(page, page.get_by_role("button", name="Submit the self-assessment"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Results {cycle}")
    peers = page.get_by_role("table").first
    expect(peers).to_contain_text("Same country, size and sector")
    expect(peers.get_by_role("row").nth(1)).to_contain_text("7")
    expect(page.locator("figure.chart svg")).to_be_visible()
    expect(page.get_by_text("Where you score lowest")).to_be_visible()
    page.get_by_label("Compare with").select_option(label="Same country")
    click_and_check(page, page.get_by_role("button", name="Show"))
    assessment.refresh_from_db()
    assert assessment.is_submitted and assessment.submitted_by == representative

    # Anyone reads the public dashboard, in Spanish too.
    visitor = new_page("visitor")
    goto(visitor, "/es/integrity/dashboard/")
    expect(visitor.get_by_text("Organizaciones que enviaron", exact=True)).to_be_visible()
    visitor.get_by_label("Tamaño").select_option(label="Grande (251 personas empleadas o más)")
    click_and_check(visitor, visitor.get_by_role("button", name="Mostrar"))
    expect(visitor.get_by_role("status").last).to_contain_text("No se muestra")
    check_page(visitor)
