"""A search's page read in two steps (portal.search.ranked_rows): the ranked keys first, then those
rows whole; the same results in the same order as one read, on /search/, the library and the API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from observatory import search as library_search
from observatory.filters import PublicationFilter
from observatory.models import Publication
from portal import search
from portal.models import News
from tests.factories import PublishedNewsFactory
from tests.observatory.factories import DraftPublicationFactory, PublishedPublicationFactory

pytestmark = pytest.mark.django_db


POSTGRESQL_ONLY_REASON = "the ranking's SQL is PostgreSQL's"


@pytest.fixture
def lighthouses():
    """Publications that all match "lighthouse", each with a different rank (title, abstract, body;
    once or several times) and dates, so that the order is the ranking's, not the insertion's."""
    items = []
    for number in range(30):
        in_title = number % 3 == 0
        items.append(
            PublishedPublicationFactory(
                title=f"Lighthouse report {number}" if in_title else f"Report {number}",
                abstract="The lighthouse keeper. " * (1 + number % 4) if not in_title else "A study.",
                body="<p>About a lighthouse.</p>" if number % 2 else "<p>Coastal trade.</p>",
            )
        )
    DraftPublicationFactory(title="Lighthouse draft")  # never shown
    return items


def ranked_library():
    filterset = PublicationFilter({"q": "lighthouse"}, queryset=Publication.objects.published())
    assert filterset.is_valid()
    return filterset.qs.select_related("observatory").prefetch_related("countries")


def test_a_ranked_page_read_in_two_steps_is_the_same_as_one_read(lighthouses):
    queryset = ranked_library()
    assert search.is_ranked(queryset)
    everything = list(queryset)
    assert len(everything) == 30
    for start, stop in ((0, 10), (10, 20), (25, 40), (29, 30), (40, 50)):
        assert search.ranked_rows(queryset, start, stop) == everything[start:stop]
    rows = search.ranked_rows(queryset, 0, 5)
    assert all("observatory" in row._state.fields_cache for row in rows)  # the joins are kept
    assert all("countries" in row._prefetched_objects_cache for row in rows)  # and the prefetches


def test_a_list_that_is_not_ranked_is_read_as_before():
    PublishedNewsFactory.create_batch(3)
    newest = News.objects.published().order_by("-published_at")
    assert not search.is_ranked(newest)
    paginator = search.SearchPaginator(newest, 2)
    assert paginator.object_list is newest
    assert len(paginator.page(1)) == 2


def test_the_paginator_pages_ranked_results_in_two_steps(lighthouses, django_assert_num_queries):
    queryset = ranked_library()
    everything = list(queryset)
    paginator = search.SearchPaginator(queryset, 12)
    assert isinstance(paginator.object_list, search.RankedResults)
    assert paginator.count == 30
    assert list(paginator.page(3)) == everything[24:]
    results = search.RankedResults(queryset)
    assert results[0] == everything[0]
    with pytest.raises(IndexError):
        results[30]
    with pytest.raises(ValueError):
        results[0:10:2]


def test_the_first_step_sorts_only_the_keys(postgresql_only, lighthouses):
    """What the two steps are for: PostgreSQL's sort carries every selected column of every match,
    so the ranking read selects the primary key alone (the rank is computed in its ORDER BY)."""
    queryset = ranked_library()
    with CaptureQueriesContext(connection) as captured:
        search.ranked_rows(queryset, 0, 12)
    ranking, rows = captured.captured_queries[0]["sql"], captured.captured_queries[1]["sql"]
    select_list = ranking.split(" FROM ", 1)[0]
    assert select_list == 'SELECT "observatory_publication"."id" AS "pk"'
    assert "ORDER BY ts_rank(" in ranking and "LIMIT 12" in ranking
    assert '"observatory_publication"."id" IN (' in rows and "LIMIT" not in rows


def test_site_search_and_the_api_give_the_full_ranking_first_page(client, lighthouses):
    best = [p.title for p in list(library_search.search(Publication.objects.published(), "lighthouse"))]
    page = client.get(reverse("portal:search"), {"q": "lighthouse"})
    section = next(s for s in page.context["sections"] if s["provider"].key == "publications")
    assert [p.title for p in section["results"]] == best[:10]
    assert section["count"] == 30

    answer = client.get("/api/v1/publications/", {"search": "lighthouse", "page_size": 12, "page": 2}).json()
    assert answer["count"] == 30
    assert [item["title"] for item in answer["results"]] == best[12:24]
    assert "Lighthouse draft" not in best


def test_a_searchs_facets_read_its_matches_once(postgresql_only, lighthouses):
    """The library's facets of a search: each match with its countries' and topics' ids in one read
    of the matches (it was three: the matches, their countries, their topics)."""
    filterset = PublicationFilter({"q": "lighthouse"}, queryset=Publication.objects.published())
    assert filterset.is_valid()
    with CaptureQueriesContext(connection) as captured:
        facets = filterset._facets_of_matches()
    matching = [query["sql"] for query in captured.captured_queries if "@@" in query["sql"]]
    assert len(matching) == 1
    assert matching[0].count("ARRAY(SELECT") == 2
    assert sum(value.count for value in facets["kind"]) == 30
