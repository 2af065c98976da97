"""The procurement demo: generated OCDS data of the four members, imported, published and marked as demo."""

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from observatory.models import Dataset, Observation
from procurement import demo
from procurement.imports import DATASET_KEY
from procurement.models import ExchangeRate

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    settings.PROCUREMENT_DEMO_PROCESSES = 1_600
    call_command("seed_demo", stdout=io.StringIO())


def test_the_demo_covers_the_four_members_from_2018_to_last_year_as_demo_data(seeded, client):
    dataset = Dataset.objects.current().get(key=DATASET_KEY)
    assert dataset.is_demo and "demo data" in dataset.source
    processes = Observation.objects.filter(dataset=dataset, indicator__code="PP_OCDS_PROCESSES")
    assert set(processes.values_list("country", flat=True)) == {"CL", "CO", "MX", "PE"}
    years = {period.year for period in processes.values_list("period_start", flat=True)}
    assert years == set(range(2018, date.today().year))
    # Every currency and year of the demo has a rate, so the figures in dollars cover every year.
    assert ExchangeRate.objects.count() == 4 * len(demo.YEARS)
    dollars = Observation.objects.filter(dataset=dataset, indicator__code="PP_OCDS_AWARDED_USD")
    assert dollars.count() == 4 * len(demo.YEARS)
    assert Observation.objects.filter(dataset=dataset, indicator__code="PP_OCDS_MEMBER_SUPPLIER_SH").exists()
    url = reverse("procurement:country_detail", kwargs={"slug": "public-procurement-observatory", "code": "mx"})
    assert "Demo data, not official statistics" in client.get(url).content.decode()


def test_a_second_run_imports_nothing_and_keeps_the_editors_rates(seeded):
    versions = Dataset.objects.filter(key=DATASET_KEY).count()
    call_command("seed_procurement", stdout=io.StringIO())
    assert Dataset.objects.filter(key=DATASET_KEY).count() == versions == 1
    ExchangeRate.objects.filter(currency="CLP", year=2020).update(units_per_usd=777, source="Banco Central")
    call_command("seed_procurement", stdout=io.StringIO())  # an editor's rate is never replaced
    assert ExchangeRate.objects.get(currency="CLP", year=2020).source == "Banco Central"


def test_it_refuses_to_run_without_debug(settings, db):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run without DEBUG"):
        call_command("seed_procurement")
