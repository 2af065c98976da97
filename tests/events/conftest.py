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
