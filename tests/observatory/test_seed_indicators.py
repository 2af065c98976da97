"""The demo data: both observatories get generated series, marked as demo data, quickly the second time."""

import pytest
from django.core.management import call_command

from observatory.models import Dataset, Indicator, Observation
from tests.factories import EditorFactory
from tests.observatory.factories import ObservatoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def observatories(db, settings):
    from portal.management.commands.seed_demo import DEMO_USERS

    EditorFactory(email=DEMO_USERS[0][0])
    for slug in ("regional-labor-observatory", "public-procurement-observatory"):
        ObservatoryFactory(slug=slug)


def test_the_demo_series_cover_the_member_countries_2010_to_2025_by_sex(observatories, django_assert_max_num_queries):
    call_command("seed_indicators", force=True, verbosity=0)
    labour = Dataset.objects.current().get(key="labour-market-indicators-demo")
    assert labour.is_demo and labour.is_live
    unemployment = Indicator.objects.get(code="UNE_EDU_RT")
    observations = Observation.objects.filter(dataset=labour, indicator=unemployment)
    assert set(observations.values_list("country", flat=True)) == {"CL", "CO", "MX", "PE"}
    years = sorted({day.year for day in observations.values_list("period_start", flat=True)})
    assert years[0] == 2010 and years[-1] == 2025
    assert set(observations.values_list("sex", flat=True)) == {"_T", "F", "M"}
    assert set(observations.values_list("education", flat=True)) == {"_T", "ISCED11_0T2", "ISCED11_3T4", "ISCED11_5T8"}
    # Realistic shapes: Colombia above Mexico every year, the 2020 shock, women above men in Colombia.
    total = dict(observations.filter(sex="_T", education="_T", country="CO").values_list("period_start__year", "value"))
    mexico = dict(
        observations.filter(sex="_T", education="_T", country="MX").values_list("period_start__year", "value")
    )
    assert all(total[year] > mexico[year] for year in total)
    assert total[2020] > total[2019] + 3
    women = observations.get(sex="F", education="_T", country="CO", period_start__year=2019).value
    men = observations.get(sex="M", education="_T", country="CO", period_start__year=2019).value
    assert women > men + 3
    assert observations.filter(period_start__year=2025).exclude(flag="P").count() == 0  # the latest year is provisional
    assert Indicator.objects.get(code="UNE_Q_RT").frequency == "Q"
    assert Dataset.objects.current().filter(key="public-procurement-indicators-demo", is_demo=True).exists()
    with django_assert_max_num_queries(60):  # a second run imports nothing again (~8 queries per indicator)
        call_command("seed_indicators", force=True, verbosity=0)
    assert Dataset.objects.count() == 2
