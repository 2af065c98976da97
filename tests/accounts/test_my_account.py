import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts import registry, services
from accounts.models import Profile, User
from tests.factories import CountryFactory, EditorFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def participant_client(client, participant):
    client.force_login(participant)
    return client


def test_my_account_requires_sign_in(client):
    response = client.get(reverse("accounts:my_account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_my_account_shows_the_profile(participant_client, participant):
    html = participant_client.get(reverse("accounts:my_account")).content.decode()
    assert participant.full_name in html
    assert "Universidad de Lima" in html
    assert reverse("accounts:download_my_data") in html


def test_edit_profile(participant_client, participant):
    chile = CountryFactory(code="CL")
    response = participant_client.post(
        reverse("accounts:edit_profile"),
        {"full_name": "Ana Pérez", "organisation": "CEPAL", "position": "", "sector": "international_organisation",
         "country": chile.code, "preferred_language": "en", "news_opt_in": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    participant.refresh_from_db()
    profile = participant.profile
    assert participant.full_name == "Ana Pérez"
    assert (profile.organisation, profile.sector, profile.country, profile.preferred_language) == (
        "CEPAL", "international_organisation", "CL", "en",
    )  # fmt: skip
    assert profile.news_opt_in and profile.news_opt_in_at


def test_edit_profile_with_bad_input_changes_nothing(participant_client, participant):
    response = participant_client.post(
        reverse("accounts:edit_profile"),
        {"full_name": "X", "sector": "business", "country": "XX", "preferred_language": "en"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    participant.refresh_from_db()
    assert participant.full_name != "X"


def test_download_my_data(participant_client, participant):
    response = participant_client.get(reverse("accounts:download_my_data"))
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == participant.email
    assert data["profile"]["organisation"] == "Universidad de Lima"
    assert data["profile"]["privacy_policy_version"] == "1.0"


def test_delete_account_erases_every_piece_of_personal_data(participant_client, participant):
    erased = []
    registry.register(
        registry.PersonalData(
            key="test-source", label="Test", export=lambda user: [], erase=lambda user: erased.append(user.pk)
        )
    )
    try:
        response = participant_client.post(
            reverse("accounts:delete_account"), {"password": "a-strong-test-password-42"}
        )
    finally:
        registry._sources.pop("test-source")
    assert response.status_code == 302
    user = User.objects.get(pk=participant.pk)
    assert user.email.endswith("@invalid") and participant.email not in user.email
    assert user.full_name == ""
    assert not user.is_active
    assert not user.has_usable_password()
    assert not Profile.objects.filter(user=user).exists()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    assert erased == [participant.pk]
    assert SESSION_KEY not in participant_client.session
    # Every model that holds personal data of a participant has been checked above.
    assert not User.objects.filter(email__iexact=participant.email).exists()


def test_delete_account_needs_the_password(participant_client, participant):
    response = participant_client.post(reverse("accounts:delete_account"), {"password": "wrong"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert User.objects.get(pk=participant.pk).is_active


def test_staff_cannot_delete_themselves_here(client):
    editor = EditorFactory()
    with pytest.raises(services.AccountError):
        services.delete_account(user=editor)
    client.force_login(editor)
    response = client.post(reverse("accounts:delete_account"), {"password": "a-strong-test-password-42"})
    assert response.status_code == 302
    assert User.objects.get(pk=editor.pk).is_active


def test_change_email_must_be_verified_again(participant_client, participant):
    response = participant_client.post(reverse("account_email"), {"action_add": "", "email": "new.address@example.org"})
    assert response.status_code == 302
    participant.refresh_from_db()
    new = EmailAddress.objects.get(user=participant, email="new.address@example.org")
    assert not new.verified
    assert participant.email != "new.address@example.org"


def test_can_participate_needs_a_verified_email_and_a_profile(privacy_policy):
    assert services.can_participate(ParticipantFactory())
    assert not services.can_participate(ParticipantFactory(verified_email=False))
    from tests.factories import UserFactory

    assert not services.can_participate(UserFactory())


def test_privacy_policy_page(client, privacy_policy):
    response = client.get(reverse("accounts:privacy_policy"))
    assert response.status_code == 200
    assert "We keep your data safe." in response.content.decode()


def test_privacy_policy_page_is_404_before_one_is_published(client, db):
    assert client.get(reverse("accounts:privacy_policy")).status_code == 404


def test_editors_must_set_up_two_factor_before_using_the_admin(client):
    editor = EditorFactory(two_factor=False)
    client.force_login(editor)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    with_totp = EditorFactory()
    client.force_login(with_totp)
    assert client.get(reverse("admin:index")).status_code == 200


def test_authors_are_offered_but_not_forced_two_factor(author_client):
    assert author_client.get(reverse("admin:index")).status_code == 200


def test_admin_login_goes_through_the_site_sign_in(client):
    response = client.get(reverse("admin:login") + "?next=/admin/portal/news/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2Fportal%2Fnews%2F"


def test_admin_login_ignores_an_external_next(client):
    response = client.get(reverse("admin:login") + "?next=https://evil.example/")
    assert "evil.example" not in response["Location"]


def test_editors_can_edit_the_privacy_policy(client, privacy_policy):
    client.force_login(EditorFactory())
    assert client.get(reverse("admin:accounts_privacypolicy_change", args=[privacy_policy.pk])).status_code == 200
