import pytest

from tests.consultations.factories import OpenConsultationFactory


@pytest.fixture
def consultation(db):
    return OpenConsultationFactory()


@pytest.fixture
def paragraphs(consultation):
    """The open consultation's numbered paragraphs, in order."""
    return list(consultation.paragraphs.filter(number__isnull=False).order_by("number"))
