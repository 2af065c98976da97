"""A citizen's whole path through their account, as they would take it in a browser."""

import json
import re

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Profile, User
from tests import factories
from tests.browser.conftest import click_and_check, goto

pytestmark = pytest.mark.browser

PASSWORD = "Quinoa-and-coffee-2026"
EMAIL = "maria.quispe@example.org"


def fill_signup(page):
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label("Full name").fill("María Quispe")
    page.get_by_label("Organisation").fill("Cámara de Comercio de Lima")
    page.get_by_label("Position").fill("Trade analyst")
    page.get_by_label("Stakeholder sector").select_option(label="Business")
    page.get_by_label("Country").select_option(label="Peru")
    page.get_by_label("Preferred language").select_option(label="Spanish")
    page.get_by_label(re.compile("accept the privacy policy")).check()


def test_sign_up_verify_sign_in_edit_download_and_delete(page, site, tmp_path):
    from accounts.models import PrivacyPolicy

    PrivacyPolicy.objects.create(version="1.0", title="Privacy policy", body="<p>Your data stays with us.</p>")
    factories.CountryFactory(code="PE")
    factories.CountryFactory(code="CL")
    news = factories.PublishedNewsFactory(title="Webinar on digital competences")

    # A visitor reading a news item decides to create an account.
    goto(page, news.get_absolute_url())
    click_and_check(page, page.get_by_role("link", name="Create an account"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Sign Up", re.IGNORECASE))
    fill_signup(page)
    click_and_check(page, page.get_by_role("button", name=re.compile("Sign Up", re.IGNORECASE)))
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("Verify", re.IGNORECASE))
    assert not User.objects.get(email=EMAIL).emailaddress_set.get().verified

    # The verification email has a personal link; it brings them back to the news item.
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    goto(page, link.replace(settings.SITE_URL, site))  # the email's links are on SITE_URL
    click_and_check(page, page.get_by_role("button", name="Confirm"))
    expect(page).to_have_url(re.compile(re.escape(news.get_absolute_url()) + "$"))

    # Sign out, and in again.
    click_and_check(page, page.get_by_role("button", name="Sign out"))
    click_and_check(page, page.get_by_role("link", name="Sign in"))
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    click_and_check(page, page.get_by_role("button", name="Sign in"))
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    expect(page.get_by_text("Cámara de Comercio de Lima")).to_be_visible()

    # Edit the profile.
    click_and_check(page, page.get_by_role("link", name="Edit my profile"))
    page.get_by_label("Organisation").fill("ProChile")
    page.get_by_label("Country").select_option(label="Chile")
    click_and_check(page, page.get_by_role("button", name="Save"))
    expect(page.get_by_role("status").filter(has_text="Your profile has been saved.")).to_be_visible()
    expect(page.get_by_text("ProChile")).to_be_visible()
    assert Profile.objects.get(user__email=EMAIL).country.code == "CL"

    # Download my data.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data (JSON)").click()
    path = tmp_path / "my-data.json"
    download_info.value.save_as(path)
    data = json.loads(path.read_text())
    assert data["account"]["email"] == EMAIL
    assert data["profile"]["organisation"] == "ProChile"

    # Delete the account.
    click_and_check(page, page.get_by_role("link", name="Delete my account"))
    page.get_by_label("Your password").fill(PASSWORD)
    click_and_check(page, page.get_by_role("button", name="Delete my account"))
    expect(page.get_by_text("Your account has been deleted and your personal data erased.")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    assert not User.objects.filter(email__iexact=EMAIL).exists()
    assert not Profile.objects.exists()


def test_account_management_pages_and_two_factor_setup_for_an_editor(page, site):
    """Every allauth page a person manages their account with, in the site's style and
    accessible; an editor without two-factor authentication is sent to set it up first."""
    from allauth.mfa.models import Authenticator

    editor = factories.EditorFactory(two_factor=False)

    # Password reset, as a signed-out visitor.
    goto(page, "/accounts/password/reset/")
    page.get_by_label("Email", exact=True).fill("nobody@example.org")
    click_and_check(page, page.get_by_role("button", name=re.compile("reset", re.IGNORECASE)))
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("Password Reset", re.IGNORECASE))

    # The editor signs in and wants the admin: two-factor authentication comes first.
    goto(page, "/admin/login/")
    page.get_by_label("Email", exact=True).fill(editor.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    click_and_check(page, page.get_by_role("button", name="Sign in"))
    expect(page.get_by_text("Editors must set up two-factor authentication")).to_be_visible()
    if "/reauthenticate/" in page.url:  # allauth asks for the password again before changing security settings
        page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
        click_and_check(page, page.get_by_role("button", name="Confirm"))
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    secret = page.locator("#authenticator_secret, input[name='secret'], code").first
    secret_text = (
        secret.input_value() if secret.evaluate("e => e.tagName") == "INPUT" else secret.inner_text()
    ).strip()
    page.get_by_label(re.compile("code", re.IGNORECASE)).fill(factories.totp_code(secret_text))
    click_and_check(page, page.get_by_role("button", name=re.compile("activate", re.IGNORECASE)))
    assert Authenticator.objects.filter(user=editor, type=Authenticator.Type.TOTP).exists()

    goto(page, "/admin/")
    expect(page).to_have_url(re.compile(r"/admin/$"))

    # The other account pages.
    for path in ("/accounts/email/", "/accounts/password/change/", "/accounts/2fa/", "/account/"):
        goto(page, path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
