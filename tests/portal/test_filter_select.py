"""The filter forms' <select>s are written in Python (portal.filters.FilterSelect): the same HTML
as Django's own Select widget, rendered through its templates."""

import re

import pytest
from django import forms
from django.urls import reverse
from django.utils.safestring import mark_safe

from observatory.filters import PublicationFilter
from portal.filters import FilterSelect, NewsFilter
from portal.models import News
from tests.factories import BodyFactory, CountryFactory, PublishedNewsFactory, TopicFactory

CHOICES = [
    ("", "All topics"),
    ("trade", "Trade & <services>"),
    ("quote", 'A "quoted" label'),
    (2024, 2024),
    ("safe", mark_safe("<em>kept</em>")),
    ("Regions", [("north", "North <1>"), ("south", "South")]),
]


def as_django_renders(widget: forms.Select, name, value, attrs=None) -> str:
    """The same select through Django's templates (select.html, select_option.html)."""
    plain = forms.Select(attrs=widget.attrs, choices=widget.choices)
    return plain.render(name, value, attrs=attrs)


def same(html: str) -> str:
    """Django's select.html leaves a blank line after each option (select_option.html ends with a
    newline); FilterSelect does not. Whitespace between a select's tags means nothing."""
    return re.sub(r">\n+(\s*)<", r">\n\1<", html)


@pytest.mark.parametrize("value", [None, "", "trade", "2024", "south", "unknown"])
def test_the_html_is_djangos_own(value):
    widget = FilterSelect(attrs={"class": "wide", "data-x": 'a"b'}, choices=CHOICES)
    attrs = {"id": "id_topic", "required": True, "disabled": False, "aria-describedby": "help"}
    html = widget.render("topic", value, attrs=attrs)
    assert html == same(as_django_renders(widget, "topic", value, attrs))
    assert "\n\n" not in html


def test_labels_are_escaped_and_the_selected_value_kept():
    html = FilterSelect(choices=CHOICES).render("topic", "trade", attrs={"id": "id_topic"})
    assert '<option value="trade" selected>Trade &amp; &lt;services&gt;</option>' in html
    assert html.count(" selected") == 1
    assert '<option value="quote">A &quot;quoted&quot; label</option>' in html
    assert '<optgroup label="Regions">' in html and "North &lt;1&gt;" in html
    assert "<em>kept</em>" in html  # a label marked safe is not escaped twice, as Django does
    assert "<services>" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?topic=trade&country=CL&year=2020", "?country=XX&body=nobody"])
def test_every_select_of_the_news_filters_matches_djangos(query):
    for code in ("CL", "PE"):
        CountryFactory(code=code)
    TopicFactory(name="Trade <& services>", slug="trade")
    BodyFactory()
    PublishedNewsFactory()
    data = dict(pair.split("=") for pair in query.lstrip("?").split("&")) if query else None
    form = NewsFilter(data, queryset=News.objects.for_listing()).form
    selects = [field for field in form if isinstance(field.field.widget, FilterSelect)]
    assert {field.name for field in selects} == {"country", "body", "topic", "year"}
    for field in selects:
        django_widget = forms.Select(attrs=field.field.widget.attrs, choices=field.field.widget.choices)
        assert str(field) == same(field.as_widget(widget=django_widget))


@pytest.mark.django_db
def test_the_library_selects_match_djangos():
    filterset = PublicationFilter({"kind": "report", "year": "2020"})
    filterset.is_valid()
    filterset.show_facets({"kind": [], "observatory": [], "country": [], "topic": [], "year": [], "language": []})
    for field in filterset.form:
        if isinstance(field.field.widget, FilterSelect):
            django_widget = forms.Select(attrs=field.field.widget.attrs, choices=field.field.widget.choices)
            assert str(field) == same(field.as_widget(widget=django_widget)), field.name


@pytest.mark.django_db
def test_the_news_page_filters_with_its_selects(client):
    CountryFactory(code="CL")
    trade = TopicFactory(name="Trade & services <2025>", slug="trade")
    TopicFactory(name="Labour", slug="labour")
    shown = PublishedNewsFactory(title="Tariffs fall across the bloc")
    shown.topics.set([trade])
    PublishedNewsFactory(title="A seminar on pensions")
    response = client.get(reverse("portal:news_list") + "?topic=trade")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="trade" selected>Trade &amp; services &lt;2025&gt;</option>' in html
    assert '<option value="labour">Labour</option>' in html
    assert re.search(r'<select name="topic" id="id_topic">\s*<option value="">All topics</option>', html)
    assert "Tariffs fall across the bloc" in html and "A seminar on pensions" not in html
    # A value that is not a topic: the message and the unfiltered list, as before.
    response = client.get(reverse("portal:news_list") + "?topic=nothing-like-it")
    assert "Some filters could not be applied" in response.content.decode()
    assert "A seminar on pensions" in response.content.decode()
