import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from portal.roles import AUTHORS, EDITORS, sync_roles
from tests import factories

pytestmark = pytest.mark.django_db


def test_migrations_create_the_two_roles_with_their_permissions():
    editors = set(Group.objects.get(name=EDITORS).permissions.values_list("codename", flat=True))
    authors = set(Group.objects.get(name=AUTHORS).permissions.values_list("codename", flat=True))
    assert "publish_news" in editors
    assert "publish_news" not in authors
    assert {"add_news", "change_news"} <= authors
    assert "delete_news" not in authors


def test_sync_roles_brings_the_roles_back_after_a_flush():
    Group.objects.all().delete()
    sync_roles()
    assert Group.objects.get(name=EDITORS).permissions.filter(codename="publish_news").exists()
    assert Group.objects.get(name=AUTHORS).permissions.filter(codename="add_news").exists()


# --- One definition of an editor: the publish permission ----------------------------------


def _staff_with(*codenames):
    user = factories.UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_an_editor_is_whoever_may_publish_not_a_group_name(client):
    from portal.editors import is_editor
    from portal.models import News

    publisher = _staff_with("publish_event", "change_event", "view_event")  # in no group
    renamed = factories.UserFactory(is_staff=True)
    renamed.groups.add(Group.objects.create(name="Editors (old)"))  # a name, no permission
    assert is_editor(publisher) and not is_editor(publisher, News)
    assert not is_editor(renamed)
    assert not is_editor(factories.AuthorFactory())

    # The admin's two-factor gate asks the same question.
    client.force_login(publisher)
    response = client.get(reverse("admin:index"))
    assert (response.status_code, response["Location"]) == (302, reverse("mfa_activate_totp"))
    client.force_login(renamed)
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_submission_is_told_to_those_who_may_publish_that_type(author, editor, committed, mailoutbox):
    from events.models import Event
    from portal import editors, services
    from tests.events.factories import DraftEventFactory

    events_only = _staff_with("publish_event", "change_event", "view_event")
    with committed():
        services.submit_for_review(item=factories.DraftNewsFactory(author=author), actor=author)
    assert sorted(message.to[0] for message in mailoutbox) == [editor.email]
    mailoutbox.clear()
    with committed():
        services.submit_for_review(item=DraftEventFactory(author=author), actor=author)
    assert sorted(message.to[0] for message in mailoutbox) == sorted([editor.email, events_only.email])
    assert set(editors.editors_of(Event)) == {editor, events_only}
