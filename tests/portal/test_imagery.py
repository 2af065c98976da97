"""Imagery from real data: the vendored flags, the bloc's map from Natural Earth, the home's
key figures with their sources."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from portal import maps
from portal.models import Country, KeyFigure
from tests.factories import CountryFactory, PublishedNewsFactory

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
ONE_OF_EACH = [
    ("CL", "Chile", Country.Status.MEMBER),
    ("CR", "Costa Rica", Country.Status.CANDIDATE),
    ("SG", "Singapore", Country.Status.ASSOCIATED_STATE),
    ("JP", "Japan", Country.Status.OBSERVER),
]


def render(source, **context):
    return Template("{% load imagery %}" + source).render(Context(context))


@pytest.fixture
def bloc(db):
    return [CountryFactory(code=code, name=name, status=status, time_zone="UTC") for code, name, status in ONE_OF_EACH]


def test_every_country_of_the_table_has_a_vendored_flag_and_a_shape_on_the_map():
    codes = [row["code"] for row in json.loads((FIXTURES / "taxonomy.json").read_text())["countries"]]
    flags = Path(settings.BASE_DIR) / "static" / "flags"
    assert (flags / "LICENSE").read_text().startswith("The MIT License")
    for code in codes:
        svg = (flags / f"{code.lower()}.svg").read_text()
        assert svg.startswith("<svg") and "<script" not in svg.lower()
        assert code in maps.world()["countries"], f"{code} is not on the map"


def test_small_states_get_a_marker_large_ones_do_not():
    countries = maps.world()["countries"]
    assert "marker" in countries["SG"] and "marker" in countries["MT"]
    assert "marker" not in countries["MX"] and "marker" not in countries["CL"]


def test_the_projection_puts_the_members_where_they_are():
    """Chile is west of Mexico's east and south of it; Japan is east of everything in the bloc."""
    frame = maps.Frame.world()
    santiago, mexico_city, tokyo = frame.point(-70.6, -33.4), frame.point(-99.1, 19.4), frame.point(139.7, 35.7)
    assert santiago[1] > mexico_city[1]  # south is down
    assert santiago[0] > mexico_city[0]  # Santiago lies east of Mexico City
    assert tokyo[0] > 800 and 0 < tokyo[1] < maps.world()["height"]


def test_the_map_draws_every_status_with_its_class_legend_and_text_alternative(bloc):
    html = render("{% bloc_map countries %}", countries=bloc)
    for _code, name, status in ONE_OF_EACH:
        assert f"bloc-map__country--{status}" in html
        assert f"<title>{name}</title>" in html
    legend = html[html.index("<figcaption") :]
    for _code, name, status in ONE_OF_EACH:
        label = Country.Status(status).label
        assert re.search(rf"<strong>{label}</strong> <span class=\"bloc-map__count\">\(1\)</span>:\s*{name}", legend)
    assert html.count('class="bloc-map__marker') == 1  # Singapore, too small to see
    assert 'role="img"' in html and "Natural Earth" in html


def test_the_map_keeps_dots_in_its_numbers_in_spanish(bloc):
    with translation.override("es"):
        html = render("{% bloc_map countries %}", countries=bloc)
    view_box = re.search(r'viewBox="([^"]+)"', html).group(1)
    assert "," not in view_box and "." in view_box
    assert "<strong>Miembro</strong>" in html  # the statuses in the page's language


def test_a_status_without_countries_is_left_out_of_the_legend(bloc):
    html = render("{% bloc_map countries %}", countries=bloc[:1])
    assert "bloc-map__country--observer" not in html
    assert "<strong>Observer</strong>" not in html


def test_flag_row_shows_each_flag_with_the_name_as_text(bloc):
    html = render("{% flag_row countries %}", countries=bloc)
    assert html.count('<img class="flag flag--small"') == 4
    assert 'src="/static/flags/cl.svg"' in html and 'alt=""' in html
    assert '<span class="visually-hidden">Costa Rica</span>' in html
    assert 'aria-label="Countries"' in html


def test_flag_row_of_no_country_is_empty_and_an_unknown_flag_shows_the_code(db):
    assert render("{% flag_row countries %}", countries=[]) == ""
    html = render("{% flag_row countries %}", countries=[Country(code="ZZ", name="Nowhere")])
    assert "flag--missing" in html and "ZZ" in html and "Nowhere" in html


def test_news_cards_show_flags_instead_of_country_chips(client, bloc):
    news = PublishedNewsFactory()
    news.countries.set(bloc[:2])
    html = client.get(reverse("portal:news_list")).content.decode()
    assert 'src="/static/flags/cl.svg"' in html and 'src="/static/flags/cr.svg"' in html
    assert '<span class="tag">Chile</span>' not in html


def test_home_shows_the_map_and_the_key_figures_with_their_source(client, bloc):
    source = PublishedNewsFactory(title="The Pacific Alliance celebrates its eleventh anniversary")
    KeyFigure.objects.create(
        key="observer-states",
        value="61",
        label="Observer States",
        source="The Pacific Alliance celebrates its eleventh anniversary",
        source_news=source,
        as_of="2022",
    )
    KeyFigure.objects.create(key="hidden", value="1", label="Hidden figure", source="Nowhere", is_shown=False)
    html = client.get(reverse("portal:home")).content.decode()
    assert 'class="bloc-map"' in html and "bloc-map__country--observer" in html
    assert '<p class="key-figure__value">61</p>' in html
    assert f'<a href="{source.get_absolute_url()}">The Pacific Alliance celebrates its eleventh anniversary</a>' in html
    assert "Hidden figure" not in html


def test_a_figure_whose_source_is_not_public_names_it_without_a_link(client, bloc):
    from tests.factories import DraftNewsFactory

    draft = DraftNewsFactory()
    KeyFigure.objects.create(key="gdp", value="42.9%", label="of the GDP", source="A draft", source_news=draft)
    html = client.get(reverse("portal:home")).content.decode()
    assert "Source: A draft" in html and draft.get_absolute_url() not in html


def test_seeded_key_figures_come_from_the_seed_documents():
    """Each figure of the fixture is said, in those words, by the news item it names."""
    rows = json.loads((FIXTURES / "key_figures.json").read_text())
    news = {
        path.read_text().split("slug: ")[1].split("\n")[0]: path.read_text()
        for path in (FIXTURES / "news").glob("*.txt")
    }
    for row in rows:
        text = news[row["news"]]
        assert row["value"].rstrip("%") in text, row["key"]
        assert row["value_es"] and row["label_es"] and row["source_es"]
