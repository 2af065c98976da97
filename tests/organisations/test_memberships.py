import re

import pytest
from django.core import mail
from django.test import Client

from accounts import services as accounts
from organisations import services
from organisations.models import Membership, Organisation
from tests import factories
from tests.integrity.factories import OrganisationFactory, member_of, representative_of

pytestmark = pytest.mark.django_db
Status = Membership.Status


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_participant_creates_an_organisation_and_becomes_its_representative(participant):
    organisation = services.create_organisation(
        creator=participant, name="  Café de Altura  S.A.S. ", country="CO", size_class="micro", sector="A"
    )
    assert organisation.name == "Café de Altura S.A.S." and organisation.slug == "cafe-de-altura-sas"
    assert not organisation.is_verified and organisation.country.code == "CO"
    assert services.is_representative(participant, organisation)


def test_someone_without_a_verified_address_cannot_create_or_join(privacy_policy):
    unverified = factories.ParticipantFactory(verified_email=False)
    with pytest.raises(services.NotAllowed):
        services.create_organisation(creator=unverified, name="X S.A.", country="CL", size_class="small", sector="C")
    with pytest.raises(services.NotAllowed):
        services.request_to_join(organisation=OrganisationFactory(), person=unverified)


def test_ask_to_join_then_a_representative_approves_or_declines(privacy_policy):
    organisation = OrganisationFactory()
    representative = representative_of(organisation)
    asker, other = factories.ParticipantFactory(), factories.ParticipantFactory()
    request = services.request_to_join(organisation=organisation, person=asker)
    with pytest.raises(services.InvalidMove):
        services.request_to_join(organisation=organisation, person=asker)
    with pytest.raises(services.NotAllowed):
        services.approve_request(membership=request, actor=other)
    services.approve_request(membership=request, actor=representative)
    request.refresh_from_db()
    assert request.status == Status.ACTIVE and request.decided_by == representative
    declined = services.request_to_join(organisation=organisation, person=other)
    services.decline_request(membership=declined, actor=representative)
    declined.refresh_from_db()
    assert declined.status == Status.DECLINED
    with pytest.raises(services.InvalidMove):
        services.approve_request(membership=declined, actor=representative)


def test_an_invitation_is_emailed_once_and_works_only_for_that_address(
    privacy_policy, django_capture_on_commit_callbacks
):
    organisation = OrganisationFactory(name="Textiles del Pacífico")
    representative = representative_of(organisation, profile__preferred_language="es")
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.invite(
            organisation=organisation, email="Ana@Example.org", role="member", actor=representative
        )
    assert len(mail.outbox) == 1 and "Textiles del Pacífico" in mail.outbox[0].subject
    from organisations import emails

    assert emails.send_invitation(membership.pk) == 0  # stamped: never twice
    link = re.search(r"https?://\S+/organisations/invitations/\S+/", mail.outbox[0].body).group(0)
    path = link.split("8000", 1)[-1] if "8000" in link else "/" + link.split("/", 3)[3]
    anonymous = Client().get(path)
    # In the inviter's language (Spanish here), with a way to sign in that comes back to the link.
    assert anonymous.status_code == 200 and "/es/accounts/login/?next=" in anonymous.content.decode()
    stranger = factories.ParticipantFactory(email="someone.else@example.org", profile__preferred_language="es")
    assert "se envió a otra dirección" in client_of(stranger).get(path).content.decode()
    with pytest.raises(services.NotAllowed):
        services.accept_invitation(membership=membership, person=stranger)
    ana = factories.ParticipantFactory(email="ana@example.org")
    response = client_of(ana).post(path)
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE and membership.person == ana
    assert Client().get(path).status_code == 404  # used


def test_inviting_again_makes_the_old_link_useless(privacy_policy):
    organisation = OrganisationFactory()
    representative = representative_of(organisation)
    first = services.invite(organisation=organisation, email="luis@example.org", role="member", actor=representative)
    old = services.invitation_token(first)
    again = services.invite(
        organisation=organisation, email="luis@example.org", role="representative", actor=representative
    )
    assert again.pk == first.pk
    assert services.invitation_from_token(old) is None
    assert services.invitation_from_token(services.invitation_token(again)) == again
    assert services.invitation_from_token("forged") is None


def test_the_last_representative_can_neither_leave_nor_be_removed_nor_demoted(privacy_policy):
    organisation = OrganisationFactory()
    representative = representative_of(organisation)
    colleague = member_of(organisation)
    own = Membership.objects.get(person=representative)
    with pytest.raises(services.InvalidMove):
        services.leave(organisation=organisation, person=representative)
    with pytest.raises(services.InvalidMove):
        services.change_role(membership=own, role="member", actor=representative)
    with pytest.raises(services.NotAllowed):
        services.remove_member(membership=own, actor=colleague)
    services.change_role(
        membership=Membership.objects.get(person=colleague), role="representative", actor=representative
    )
    services.leave(organisation=organisation, person=representative)
    own.refresh_from_db()
    assert own.status == Status.REMOVED and own.ended_at is not None


def test_staff_with_the_permission_verify(privacy_policy):
    organisation = OrganisationFactory()
    with pytest.raises(services.NotAllowed):
        services.verify(organisation=organisation, actor=factories.AuthorFactory())
    editor = factories.EditorFactory()
    services.verify(organisation=organisation, actor=editor)
    assert organisation.is_verified and organisation.verified_by == editor
    with pytest.raises(services.InvalidMove):
        services.verify(organisation=organisation, actor=editor)


def test_an_organisation_is_visible_only_to_its_members_and_staff_with_the_permission(privacy_policy):
    organisation = OrganisationFactory()
    member = member_of(organisation)
    assert client_of(member).get(organisation.get_absolute_url()).status_code == 200
    for outsider in (factories.ParticipantFactory(), factories.AuthorFactory()):
        assert client_of(outsider).get(organisation.get_absolute_url()).status_code == 404
    assert Organisation.objects.visible_to(factories.EditorFactory()).filter(pk=organisation.pk).exists()
    Membership.objects.filter(person=member).update(status=Status.REMOVED)
    assert client_of(member).get(organisation.get_absolute_url()).status_code == 404


def test_the_pages_create_find_and_join(participant):
    client = client_of(participant)
    response = client.post(
        "/organisations/new/",
        {"name": "Agroindustrias del Sur", "country": "PE", "size_class": "medium", "sector": "A"},
    )
    organisation = Organisation.objects.get()
    assert response.status_code == 302 and response["Location"] == organisation.get_absolute_url()
    assert "no-store" in client.get(organisation.get_absolute_url())["Cache-Control"]
    other = factories.ParticipantFactory()
    found = client_of(other).get("/organisations/join/?q=agroindustrias").content.decode()
    assert "Agroindustrias del Sur" in found
    client_of(other).post(f"/organisations/{organisation.slug}/join/")
    page = client.get(organisation.get_absolute_url()).content.decode()
    assert "Asking to join" in page and other.email in page
    assert "Agroindustrias del Sur" in client.get("/account/").content.decode()  # "My organisations" on My account


def test_a_representative_cannot_act_on_another_organisations_members(privacy_policy):
    mine, theirs = OrganisationFactory(), OrganisationFactory()
    representative = representative_of(mine)
    member_of(theirs)
    target = Membership.objects.get(organisation=theirs)
    url = f"/organisations/{theirs.slug}/members/{target.pk}/remove/"
    assert client_of(representative).post(url).status_code == 404
    assert client_of(representative).post(f"/organisations/{mine.slug}/members/{target.pk}/remove/").status_code == 404
    target.refresh_from_db()
    assert target.status == Status.ACTIVE


def test_deleting_an_account_leaves_the_organisations(privacy_policy):
    organisation = OrganisationFactory()
    representative = representative_of(organisation)
    colleague = member_of(organisation)
    with pytest.raises(accounts.AccountError, match="last representative"):
        accounts.delete_account(user=representative)
    assert Membership.objects.get(person=representative).status == Status.ACTIVE  # nothing changed
    accounts.delete_account(user=colleague)
    assert Membership.objects.get(person=colleague).status == Status.REMOVED
    accounts.delete_account(user=representative)  # alone now: the organisation stays, memberless
    assert Organisation.objects.filter(pk=organisation.pk).exists()
    data = accounts.export_personal_data(user=factories.ParticipantFactory())
    assert data["organisations"] == []


def test_an_invitation_whose_task_was_lost_is_sent_by_the_workers_sweep_once(privacy_policy, settings):
    from datetime import timedelta

    from django.utils import timezone

    from portal import workers

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}  # the task is lost
    organisation = OrganisationFactory()
    membership = services.invite(
        organisation=organisation, email="ana@example.org", role="member", actor=representative_of(organisation)
    )
    assert mail.outbox == []
    Membership.objects.filter(pk=membership.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.WORKER_SWEEP_GRACE_SECONDS + 1)
    )
    workers.run_sweeps()
    workers.run_sweeps()
    assert [message.to for message in mail.outbox] == [["ana@example.org"]]
