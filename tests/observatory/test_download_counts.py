"""The download count an anonymous visitor sees is at most a couple of minutes old, on the page
and in the API, although both come from caches that only a publish invalidates."""

import time

import pytest

from observatory.services import DOWNLOAD_COUNTS_FRESH_SECONDS
from tests.observatory.factories import PublicationFileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache_on(settings):
    settings.ANONYMOUS_PAGE_CACHE = True


def later(monkeypatch, seconds):
    """The clock of the caches (and of the API's periods) ``seconds`` ahead."""
    now = time.time() + seconds
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: now)
    monkeypatch.setattr("portal.api.time.time", lambda: now)


def test_the_page_shows_a_new_download_within_minutes(client, page_cache_on, monkeypatch):
    file = PublicationFileFactory()
    page = file.publication.get_absolute_url()
    assert "0 downloads" in client.get(page).content.decode()
    client.get(file.get_absolute_url())

    cached = client.get(page)
    assert cached["X-Cache"] == "hit"  # still the cached page, a moment later

    later(monkeypatch, DOWNLOAD_COUNTS_FRESH_SECONDS + 10)
    fresh = client.get(page)
    assert fresh["X-Cache"] == "miss"
    assert "1 download" in fresh.content.decode()


def test_the_api_shows_a_new_download_within_minutes(client, content_cache, monkeypatch):
    file = PublicationFileFactory()
    url = f"/api/v1/publications/{file.publication.slug}/"
    assert client.get(url).json()["files"][0]["download_count"] == 0
    client.get(file.get_absolute_url())

    later(monkeypatch, DOWNLOAD_COUNTS_FRESH_SECONDS + 10)
    assert client.get(url).json()["files"][0]["download_count"] == 1


def test_other_pages_keep_the_page_cache_s_own_time(client, page_cache_on, monkeypatch):
    from tests.factories import PublishedNewsFactory

    news = PublishedNewsFactory()
    client.get(news.get_absolute_url())
    later(monkeypatch, DOWNLOAD_COUNTS_FRESH_SECONDS + 10)
    assert client.get(news.get_absolute_url())["X-Cache"] == "hit"
