"""Passwords are hashed with Argon2; hashes made before (PBKDF2) still work and are upgraded."""

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def production_hashers():
    """The list portal.settings sets outside the test profile (which uses MD5 for speed)."""
    import ast
    from pathlib import Path

    import portal.settings

    tree = ast.parse(Path(portal.settings.__file__).read_text())
    assignment = next(
        node
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PASSWORD_HASHERS"
    )
    return ast.literal_eval(assignment.value)


def test_argon2_is_first_and_pbkdf2_still_reads_old_hashes():
    hashers = production_hashers()
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers


def test_an_old_pbkdf2_hash_signs_in_and_is_upgraded_to_argon2():
    with override_settings(PASSWORD_HASHERS=production_hashers()):
        user = UserFactory(email="old@example.org")
        user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
        user.save(update_fields=["password"])
        client = Client()
        response = client.post(reverse("account_login"), {"login": "old@example.org", "password": PASSWORD})
        assert response.status_code == 302 and "_auth_user_id" in client.session
        user.refresh_from_db()
        assert user.password.startswith("argon2$")
