import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_email_is_the_login_identifier_and_ignores_case():
    User.objects.create_user(email="Ana@Example.org", password="a-long-password-1")
    assert authenticate(username="ana@example.org", password="a-long-password-1") is not None
    assert authenticate(username="ANA@EXAMPLE.ORG", password="a-long-password-1") is not None


def test_the_same_email_in_another_case_is_refused_by_the_database():
    User.objects.create_user(email="ana@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="ANA@example.org")


def test_custom_user_is_in_the_first_migration():
    from pathlib import Path

    from accounts.migrations import __path__ as path

    first = (Path(path[0]) / "0001_initial.py").read_text()
    assert "name='User'" in first or 'name="User"' in first


def test_admin_refuses_a_duplicate_email_with_a_message(admin_client):
    User.objects.create_user(email="ana@example.org")
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "ANA@example.org",
            "full_name": "Ana",
            "usable_password": "true",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email__iexact="ana@example.org").count() == 1
