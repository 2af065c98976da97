"""The library (/publications/): filters, facet counts, sorting, bad input, query budget; querysets."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from observatory.filters import PublicationFilter
from observatory.models import Publication
from tests.factories import CountryFactory, TopicFactory
from tests.observatory.factories import (
    ArchivedPublicationFactory,
    DraftPublicationFactory,
    InReviewPublicationFactory,
    ObservatoryFactory,
    PublishedPublicationFactory,
    ScheduledPublicationFactory,
)

pytestmark = pytest.mark.django_db

LIBRARY = reverse("observatory:publication_list")
LIBRARY_QUERY_BUDGET = 12


@pytest.fixture
def hidden_publications():
    """One publication in every state the public must never see."""
    return [
        DraftPublicationFactory(title="Hidden draft zebra"),
        InReviewPublicationFactory(title="Hidden review zebra"),
        ScheduledPublicationFactory(title="Hidden scheduled zebra"),
        ArchivedPublicationFactory(title="Hidden archived zebra"),
    ]


@pytest.fixture
def library():
    """A small library whose facet counts are known."""
    procurement, labour = ObservatoryFactory(name="Procurement observatory"), ObservatoryFactory(name="Labour one")
    chile, mexico, peru = CountryFactory(code="CL"), CountryFactory(code="MX"), CountryFactory(code="PE")
    gender, investment = TopicFactory(name="Gender equality"), TopicFactory(name="Investment")
    items = {
        "a": PublishedPublicationFactory(
            title="Alpha", kind="study", observatory=procurement, publication_date=date(2023, 5, 1)
        ),
        "b": PublishedPublicationFactory(
            title="Beta", kind="report", observatory=procurement, publication_date=date(2022, 7, 6), language="es"
        ),
        "c": PublishedPublicationFactory(
            title="Gamma", kind="report", observatory=labour, publication_date=date(2022, 1, 10)
        ),
        "d": PublishedPublicationFactory(title="Delta", kind="portfolio", publication_date=date(2021, 8, 10)),
    }
    items["a"].countries.set([chile, mexico])
    items["b"].countries.set([chile])
    items["c"].countries.set([peru])
    items["a"].topics.set([gender])
    items["b"].topics.set([gender, investment])
    items["d"].topics.set([investment])
    return items


def facets_of(data):
    filterset = PublicationFilter(data, queryset=Publication.objects.published())
    assert filterset.is_valid(), filterset.errors
    return {name: {f.value: f.count for f in values} for name, values in filterset.facets().items()}


def titles(response):
    return [p.title for p in response.context["publications"]]


# --- Querysets ----------------------------------------------------------------------------


def test_published_is_live_only(hidden_publications):
    visible = PublishedPublicationFactory()
    assert list(Publication.objects.published()) == [visible]
    assert list(Publication.objects.for_listing()) == [visible]


def test_visible_to_staff_includes_drafts(editor, participant, hidden_publications):
    PublishedPublicationFactory()
    assert Publication.objects.visible_to(editor).count() == 5
    assert Publication.objects.visible_to(participant).count() == 1


def test_home_puts_featured_first_then_newest():
    old_featured = PublishedPublicationFactory(is_featured=True, publication_date=date(2015, 1, 1))
    newest = PublishedPublicationFactory(publication_date=timezone.now().date())
    PublishedPublicationFactory(publication_date=date(2010, 1, 1))
    DraftPublicationFactory(is_featured=True)
    assert list(Publication.objects.for_home(limit=2)) == [old_featured, newest]


def test_observatory_counts_only_live_publications(hidden_publications):
    observatory = ObservatoryFactory()
    PublishedPublicationFactory.create_batch(2, observatory=observatory)
    for item in hidden_publications:
        item.observatory = observatory
        item.save()
    from observatory.models import Observatory

    assert Observatory.objects.with_publication_count().get(pk=observatory.pk).publication_count == 2


# --- Facets -------------------------------------------------------------------------------


def test_facet_counts_without_filters(library):
    facets = facets_of({})
    assert facets["kind"] == {"study": 1, "report": 2, "portfolio": 1}
    assert facets["country"] == {"CL": 2, "MX": 1, "PE": 1}
    assert facets["topic"] == {library["a"].topics.get().slug: 2, library["d"].topics.get().slug: 2}
    assert facets["year"] == {"2023": 1, "2022": 2, "2021": 1}
    assert facets["language"] == {"en": 3, "es": 1}
    assert facets["observatory"] == {library["a"].observatory.slug: 2, library["c"].observatory.slug: 1}


def test_each_facet_counts_with_the_other_filters_but_not_its_own(library):
    facets = facets_of({"kind": "report", "country": "CL"})
    # Kinds among Chilean publications (its own filter left out): a study and a report.
    assert facets["kind"] == {"study": 1, "report": 1}
    # Countries among reports: Chile (b) and Peru (c).
    assert facets["country"] == {"CL": 1, "PE": 1}
    # Everything else among Chilean reports: only b.
    assert facets["year"] == {"2022": 1}
    assert facets["language"] == {"es": 1}


def test_facets_apply_the_text_search_too(library):
    facets = facets_of({"q": "Gamma"})
    assert facets["kind"] == {"report": 1}
    assert facets["country"] == {"PE": 1}


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"kind": "report"},
        {"country": "CL"},
        {"kind": "report", "country": "CL"},
        {"year": "2022", "language": "en"},
        {"topic": "a", "observatory": "a"},
        {"topic": "a", "country": "MX"},
        {"country": "ZZ"},
    ],
)
def test_a_search_counts_its_facets_in_python_exactly_as_the_database_does(library, filters):
    for item in library.values():
        item.abstract = "A shared word: lighthouse."
        item.save()
    library["d"].topics.add(library["a"].topics.get())
    if filters.get("topic") == "a":  # the slugs of publication a's topic and observatory
        filters["topic"] = library["a"].topics.get().slug
    if filters.get("observatory") == "a":
        filters["observatory"] = library["a"].observatory.slug
    filterset = PublicationFilter({"q": "lighthouse", **filters}, queryset=Publication.objects.published())
    assert filterset.is_valid(), filterset.errors
    in_python = filterset._facets_of_matches()
    assert in_python is not None
    assert in_python == filterset._facets_in_database()
    assert sum(len(values) for values in in_python.values()) > 0


def test_a_search_matching_too_much_is_counted_by_the_database(library, monkeypatch):
    monkeypatch.setattr(PublicationFilter, "MAX_MATCHES_COUNTED_IN_PYTHON", 1)
    for item in library.values():
        item.abstract = "A shared word: lighthouse."
        item.save()
    filterset = PublicationFilter({"q": "lighthouse"}, queryset=Publication.objects.published())
    assert filterset.is_valid()
    assert filterset._facets_of_matches() is None
    assert filterset.facets()["kind"] == filterset._facets_in_database()["kind"]
    assert sum(facet.count for facet in filterset.facets()["kind"]) == 4


def test_the_number_of_results_is_read_from_the_facets(client, library, django_assert_max_num_queries):
    response = client.get(LIBRARY, {"kind": "report"})
    assert response.context["page_obj"].paginator.count == 2
    assert client.get(LIBRARY, {"country": "CL", "kind": "study"}).context["page_obj"].paginator.count == 1
    assert client.get(LIBRARY).context["page_obj"].paginator.count == 4


def test_facets_are_kept_until_the_content_changes(
    client, library, content_cache, editor, django_assert_max_num_queries
):
    from portal import services

    with django_assert_max_num_queries(LIBRARY_QUERY_BUDGET):
        first = client.get(LIBRARY, {"kind": "report"})
    assert ">Report (2)</option>" in first.content.decode()
    # The same filters again (another page, another order): the facets come from the cache.
    with django_assert_max_num_queries(3):
        client.get(LIBRARY, {"kind": "report", "sort": "oldest"})
    services.unpublish(item=library["b"], actor=editor)
    assert ">Report (1)</option>" in client.get(LIBRARY, {"kind": "report"}).content.decode()


def test_the_page_shows_counts_in_the_options(client, library):
    html = client.get(LIBRARY).content.decode()
    assert ">Report (2)</option>" in html
    assert ">Chile (2)</option>" in html
    assert ">2022 (2)</option>" in html
    assert ">Spanish (1)</option>" in html


# --- Filters, sorting, pagination -----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Alpha", "Beta", "Gamma", "Delta"]),
        ({"kind": "report"}, ["Beta", "Gamma"]),
        ({"country": "CL"}, ["Alpha", "Beta"]),
        ({"year": "2022"}, ["Beta", "Gamma"]),
        ({"language": "es"}, ["Beta"]),
        ({"kind": "report", "year": "2022", "country": "PE"}, ["Gamma"]),
        ({"sort": "oldest"}, ["Delta", "Gamma", "Beta", "Alpha"]),
    ],
)
def test_filters_and_sorting(client, library, query, expected):
    assert titles(client.get(LIBRARY, query)) == expected


def test_filter_by_observatory_and_topic(client, library):
    observatory = library["a"].observatory
    assert titles(client.get(LIBRARY, {"observatory": observatory.slug})) == ["Alpha", "Beta"]
    topic = library["d"].topics.get()
    assert titles(client.get(LIBRARY, {"topic": topic.slug})) == ["Beta", "Delta"]


def test_search_then_sort_by_date(client, library):
    library["c"].abstract = "Alpha is cited here."
    library["c"].save()
    assert set(titles(client.get(LIBRARY, {"q": "alpha"}))) == {"Alpha", "Gamma"}
    assert titles(client.get(LIBRARY, {"q": "alpha", "sort": "oldest"})) == ["Gamma", "Alpha"]


def test_pagination_keeps_the_filters(client, settings):
    settings.OBSERVATORY_PAGE_SIZE = 2
    PublishedPublicationFactory.create_batch(5, kind="report")
    response = client.get(LIBRARY, {"kind": "report", "page": "2"})
    assert len(response.context["publications"]) == 2
    assert "kind=report&amp;page=3" in response.content.decode()
    # A page out of range or malformed gives the nearest page, not an error.
    assert client.get(LIBRARY, {"page": "999"}).status_code == 200
    assert client.get(LIBRARY, {"page": "abc"}).status_code == 200


def test_unpublished_publications_appear_on_no_public_surface(client, hidden_publications):
    PublishedPublicationFactory(title="Visible zebra")
    for url in [
        LIBRARY,
        LIBRARY + "?q=zebra",
        reverse("portal:home"),
        reverse("portal:search") + "?q=zebra",
        "/sitemap.xml",
        reverse("observatory:observatory_list"),
    ]:
        html = client.get(url).content.decode()
        assert "Hidden" not in html, url
    assert "Visible zebra" in client.get(LIBRARY + "?q=zebra").content.decode()


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"q": "x" * 5000},
        {"q": "trade\x00"},
        {"q": '"unbalanced quote'},
        {"q": "trade -"},
        {"q": "or or or"},
        {"q": "!!&&||:*()<>"},
        {"q": "'; DROP TABLE observatory_publication; --"},
        {"year": "abc"},
        {"year": "99999999999999999999"},
        {"kind": "novel"},
        {"language": "klingon"},
        {"country": "../../etc/passwd"},
        {"observatory": "<script>alert(1)</script>"},
        {"topic": "x" * 500},
        {"sort": "random"},
        {"page": "-1"},
    ],
)
def test_bad_input_never_breaks_the_library(client, library, query):
    response = client.get(LIBRARY, query)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_an_invalid_filter_is_named_and_the_others_still_apply(client, library):
    response = client.get(LIBRARY, {"q": "x" * 500, "kind": "report"})
    html = response.content.decode()
    assert "Some filters could not be applied" in html
    assert titles(response) == ["Beta", "Gamma"]


def test_an_unknown_value_matches_nothing_and_stays_selected(client, library):
    response = client.get(LIBRARY, {"country": "JP"})
    assert titles(response) == []
    assert '<option value="JP" selected>JP (0)</option>' in response.content.decode()


# --- Performance --------------------------------------------------------------------------


def test_library_page_with_all_facets_stays_within_its_query_budget(client, django_assert_max_num_queries):
    observatory = ObservatoryFactory()
    countries = [CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")]
    topics = TopicFactory.create_batch(3)
    for number, publication in enumerate(PublishedPublicationFactory.create_batch(65, observatory=observatory)):
        publication.countries.set(countries[: 1 + number % 4])
        publication.topics.set(topics[: 1 + number % 3])
    query = {
        "q": "procurement",
        "kind": "study",
        "country": "CL",
        "topic": topics[0].slug,
        "year": "",
        "sort": "newest",
    }
    for params in ({}, query, {"page": "3"}):
        with django_assert_max_num_queries(LIBRARY_QUERY_BUDGET):
            response = client.get(LIBRARY, params)
        assert response.status_code == 200


def test_facet_labels_follow_the_language_of_the_page(client, library):
    from portal.models import Country

    Country.objects.filter(code="MX").update(name_es="México")
    assert ">Mexico (1)</option>" in client.get(LIBRARY).content.decode()
    assert ">México (1)</option>" in client.get("/es" + LIBRARY).content.decode()
