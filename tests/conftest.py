import pytest
from django.test import Client

from tests import factories


@pytest.fixture
def author(db):
    return factories.AuthorFactory()


@pytest.fixture
def other_author(db):
    return factories.AuthorFactory()


@pytest.fixture
def editor(db):
    return factories.EditorFactory()


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def author_client(author):
    # A client of its own, so a test can hold an editor's and an author's session at once.
    author_client = Client()
    author_client.force_login(author)
    return author_client
