import pytest
from django.core.cache import cache

from tests.factories import CountryFactory


@pytest.fixture(autouse=True)
def fresh_member_zones():
    """The member countries' zones are cached across requests; a test starts without them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def members(db):
    """The four member countries with their IANA zones."""
    return {code: CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs what the code defers to after commit (the email tasks)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
