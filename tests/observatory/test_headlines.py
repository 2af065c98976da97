"""An observatory's card shows its first indicator's latest value per member country (on the
home and the list of observatories), with a constant number of queries."""

import pytest
from django.urls import reverse

from tests.factories import CountryFactory
from tests.observatory.factories import IndicatorFactory, ObservatoryFactory, published_import
from tests.observatory.test_data_pages import _rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(db):
    return [CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")]


@pytest.fixture
def observatory_with_data(tmp_path, members, editor):
    indicator = IndicatorFactory(code="UNE", slug="unemployment-rate", name="Unemployment rate")
    published_import(tmp_path, indicator, _rows(), editor=editor)
    return indicator.observatory


@pytest.mark.parametrize("url_name", ["portal:home", "observatory:observatory_list"])
def test_the_card_shows_the_latest_figure_per_member_with_its_flag(client, observatory_with_data, url_name):
    html = client.get(reverse(url_name)).content.decode()
    card = html[html.index('class="headline-figure"') :]
    card = card[: card.index("</ul>")]
    assert "Unemployment rate</span>, 2024 (%)" in card  # the card's one link is its title
    assert card.count("<li>") == 4 and 'src="/static/flags/cl.svg"' in card
    assert 'class="sparkline"' in card
    assert "Demo data" not in card


def test_demo_data_says_so_on_the_card(client, tmp_path, members, editor):
    indicator = IndicatorFactory(code="UNE", slug="unemployment-rate")
    published_import(tmp_path, indicator, _rows(), editor=editor, is_demo=True)
    html = client.get(reverse("observatory:observatory_list")).content.decode()
    assert '<span class="tag tag--demo">Demo data</span>' in html


def test_an_observatory_without_data_has_no_figure(client, members):
    ObservatoryFactory()
    assert 'class="headline-figure"' not in client.get(reverse("observatory:observatory_list")).content.decode()


def test_the_figures_cost_two_queries_whatever_the_number_of_observatories(
    client, tmp_path, observatory_with_data, editor, django_assert_max_num_queries
):
    for number in range(3):
        indicator = IndicatorFactory(code=f"EMP{number}", observatory=ObservatoryFactory())
        rows = [[indicator.code, row[1], row[2], row[3], row[4], *row[5:]] for row in _rows(years=range(2020, 2025))]
        published_import(tmp_path, indicator, rows, editor=editor, key=f"more-{number}", name=f"more-{number}.csv")
    with django_assert_max_num_queries(8):
        html = client.get(reverse("observatory:observatory_list")).content.decode()
    assert html.count('class="headline-figure"') == 4


def _rows_of(indicator, **kwargs):
    return [[indicator.code, *row[1:]] for row in _rows(**kwargs)]


def test_the_card_shows_the_observatorys_first_indicator(client, tmp_path, members, editor):
    observatory = ObservatoryFactory()
    second = IndicatorFactory(code="EMP", observatory=observatory, position=1, name="Employment rate")
    first = IndicatorFactory(code="UNE", observatory=observatory, position=0, name="Unemployment rate")
    for number, indicator in enumerate((second, first)):  # the second imported first: order is by position
        rows = _rows_of(indicator)
        published_import(tmp_path, indicator, rows, editor=editor, key=f"k{number}", name=f"{number}.csv")
    html = client.get(reverse("observatory:observatory_list")).content.decode()
    card = html[html.index('class="headline-figure"') :]
    assert "Unemployment rate</span>" in card[: card.index("</ul>")]
    assert "Employment rate</span>" not in html


def test_an_indicator_without_a_member_value_gives_way_to_the_next(client, tmp_path, members, editor):
    observatory = ObservatoryFactory()
    outside = IndicatorFactory(code="OUT", observatory=observatory, position=0, name="Only outside the bloc")
    inside = IndicatorFactory(code="UNE", observatory=observatory, position=1, name="Unemployment rate")
    published_import(tmp_path, outside, _rows_of(outside, countries={"DE": 3.0}), editor=editor, key="o", name="o.csv")
    published_import(tmp_path, inside, _rows_of(inside), editor=editor, key="i", name="i.csv")
    html = client.get(reverse("observatory:observatory_list")).content.decode()
    assert "Unemployment rate</span>, 2024 (%)" in html
    assert "Only outside the bloc" not in html
