import pytest
from django.contrib.auth.models import Group

from portal.roles import AUTHORS, EDITORS, sync_roles

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
