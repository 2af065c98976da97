import json

import pytest

from procurement.models import ExchangeRate
from tests.factories import CountryFactory
from tests.observatory.factories import ObservatoryFactory


@pytest.fixture(autouse=True)
def _staging_in_tmp(settings, tmp_path):
    settings.PROCUREMENT_STAGING_DIR = str(tmp_path)
    settings.OBSERVATORY_IMPORTS_ROOT = tmp_path / "imports"


@pytest.fixture
def members(db):
    return [CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")]


@pytest.fixture
def observatory(db):
    return ObservatoryFactory(slug="public-procurement-observatory", name="Public Procurement Observatory")


@pytest.fixture
def rates(db):
    rows = {"CLP": 800, "COP": 4000, "MXN": 20, "PEN": 4}
    return [
        ExchangeRate.objects.create(currency=currency, year=year, units_per_usd=rate, source="Test rates")
        for currency, rate in rows.items()
        for year in range(2015, 2027)
    ]


def write_lines(tmp_path, releases, name="releases.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(release) for release in releases) + "\n", encoding="utf-8")
    return path
