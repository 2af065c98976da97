import pytest

from tests.integrity.factories import OrganisationFactory, published_questionnaire, representative_of


@pytest.fixture
def questionnaire(db):
    return published_questionnaire()


@pytest.fixture
def organisation(db, privacy_policy):
    return OrganisationFactory()


@pytest.fixture
def representative(organisation):
    return representative_of(organisation)
