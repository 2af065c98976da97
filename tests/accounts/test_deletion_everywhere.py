"""Deleting an account leaves no personal data in any app, and every count stays right."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from knox.models import AuthToken

from accounts import services
from accounts.models import Profile, User
from events.models import Registration
from observatory.models import Comment
from tests.events.factories import ConfirmedRegistrationFactory
from tests.observatory.factories import ApprovedCommentFactory

pytestmark = pytest.mark.django_db


def test_deletion_erases_personal_data_in_every_app_and_keeps_the_counts(client, participant):
    registration = ConfirmedRegistrationFactory(participant=participant)
    event = registration.event
    comment = ApprovedCommentFactory(
        participant=participant,
        author_name=participant.full_name,
        author_organisation="Universidad de Lima",
        author_sector=Comment.Sector.ACADEMIA,
    )
    AuthToken.objects.create(user=participant)
    email, name = participant.email, participant.full_name

    services.delete_account(user=participant)

    user = User.objects.get(pk=participant.pk)
    assert (user.email, user.full_name, user.is_active) != (email, name, True)
    assert not user.has_usable_password()
    assert not Profile.objects.filter(user=user).exists()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not AuthToken.objects.filter(user=user).exists()
    # The registration row stays (the event's figures keep it), tied only to the anonymised
    # account; as the event is still to come, the seat goes back (cancelled), links revoked.
    assert event.registrations.count() == 1
    kept = Registration.objects.get(pk=registration.pk)
    assert kept.status == Registration.Status.CANCELLED
    assert not User.objects.get(pk=kept.participant_id).is_active
    # The comment still counts for its sector, without name, organisation or author.
    comment.refresh_from_db()
    assert comment.author_sector == Comment.Sector.ACADEMIA
    assert comment.participant_id is None
    assert name not in (comment.author_name or "")
    assert "Universidad de Lima" not in (comment.author_organisation or "")
    # Nothing the portal could still export names the person.
    assert email not in str(services.export_personal_data(user=user))
    assert name not in str(services.export_personal_data(user=user))
    assert client.get(reverse("accounts:my_account")).status_code == 302
