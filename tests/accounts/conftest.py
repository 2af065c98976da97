import pytest
from django.db import DEFAULT_DB_ALIAS
from django.test import Client, TestCase


class CommittingClient(Client):
    """A test client whose every request commits, as in production: what the request defers
    to after commit (an email handed to the outbox's worker) runs before the response returns.

    Tests run inside one transaction that is never committed, so without this the emails of
    allauth's flows (sign-up, password reset) would never leave the outbox.
    """

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(using=DEFAULT_DB_ALIAS, execute=True):
            return super().request(**request)


@pytest.fixture
def client():
    return CommittingClient()
