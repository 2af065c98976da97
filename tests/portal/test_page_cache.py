import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal import services
from tests.factories import DraftNewsFactory, PublishedNewsFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.ANONYMOUS_PAGE_CACHE = True


def test_anonymous_visitors_get_the_cached_page(client, django_assert_max_num_queries):
    PublishedNewsFactory(title="Craft fair")
    first = client.get(reverse("portal:news_list"))
    assert first["X-Cache"] == "miss"
    with django_assert_max_num_queries(0):
        second = client.get(reverse("portal:news_list"))
    assert second["X-Cache"] == "hit"
    assert second.content == first.content


def test_publishing_shows_at_once(client, editor):
    draft = DraftNewsFactory(title="Fresh announcement")
    assert "Fresh announcement" not in client.get(reverse("portal:news_list")).content.decode()
    services.publish(item=draft, actor=editor)
    response = client.get(reverse("portal:news_list"))
    assert response["X-Cache"] == "miss"
    assert "Fresh announcement" in response.content.decode()


def test_unpublishing_and_editing_show_at_once(client, editor):
    news = PublishedNewsFactory(title="Old title")
    client.get(news.get_absolute_url())
    news.title_en = "New title"
    news.save()
    assert "New title" in client.get(news.get_absolute_url()).content.decode()
    services.unpublish(item=news, actor=editor)
    assert client.get(news.get_absolute_url()).status_code == 404


def test_signed_in_people_and_previews_are_never_served_from_the_cache(author):
    news = DraftNewsFactory(author=author)
    staff = Client()
    staff.force_login(author)
    preview = staff.get(news.get_absolute_url())
    assert preview.status_code == 200
    assert "X-Cache" not in preview
    assert Client().get(news.get_absolute_url()).status_code == 404


def test_each_language_has_its_own_cached_page(client):
    PublishedNewsFactory()
    english = client.get("/news/")
    spanish = client.get("/es/news/")
    assert english.content != spanish.content
    assert '<html lang="es">' in client.get("/es/news/").content.decode()


def test_a_scheduled_item_appears_when_its_time_comes(client, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from portal import cache as page_cache
    from tests.factories import ScheduledNewsFactory

    scheduled = ScheduledNewsFactory(title="Embargoed report")
    PublishedNewsFactory(title="Already out")
    before = client.get(reverse("portal:news_list"))
    assert "Embargoed report" not in before.content.decode()
    assert client.get(reverse("portal:news_list"))["X-Cache"] == "hit"
    # Time passes beyond the scheduled moment; nothing is saved.
    later = scheduled.published_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(page_cache.time, "time", later.timestamp)
    after = client.get(reverse("portal:news_list"))
    assert after["X-Cache"] == "miss"
    assert "Embargoed report" in after.content.decode()


def test_remember_computes_once_per_content_version(content_cache):
    from portal.cache import remember

    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert remember("answer", compute, "en") == 1
    assert remember("answer", compute, "en") == 1
    assert remember("answer", compute, "es") == 2  # another variant, its own entry
    news = PublishedNewsFactory()
    news.save()  # any change of published content: a new version
    assert remember("answer", compute, "en") == 3


def test_remember_without_a_content_cache_always_computes(settings):
    from portal.cache import remember

    settings.CONTENT_CACHE = False
    calls = []
    remember("answer", lambda: calls.append(1))
    remember("answer", lambda: calls.append(1))
    assert len(calls) == 2


def test_each_process_reuses_the_version_briefly_and_sees_its_own_changes_at_once(settings, monkeypatch):
    from django.core.cache import cache

    from portal import cache as page_cache

    settings.CONTENT_VERSION_REUSE_SECONDS = 1.0
    monkeypatch.setattr(page_cache, "_recent", [None, 0.0])
    clock = [1000.0]
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: clock[0])
    first = page_cache.content_version()
    cache.incr(page_cache.VERSION_KEY)  # a publish in another process
    assert page_cache.content_version() == first  # within the second: this process's last read
    clock[0] += 1.5
    second = page_cache.content_version()
    assert second == first + 1  # the other process's change, a second later at most
    page_cache.bump_content_version()  # a change made here
    assert page_cache.content_version() == second + 1


def test_healthz_never_touches_the_cache(client, django_assert_num_queries, monkeypatch):
    from portal import cache as page_cache

    monkeypatch.setattr(page_cache, "content_version", lambda: pytest.fail("looked up the content version"))
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert "X-Cache" not in response


def test_a_hit_carries_the_same_headers_as_the_page_it_was_made_from(client):
    PublishedNewsFactory()
    first = client.get("/es/news/")
    hit = client.get("/es/news/")
    assert (first["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    for header in ("Content-Language", "X-Frame-Options", "Content-Type"):
        assert hit[header] == first[header]
    assert hit["Content-Language"] == "es"
    assert "default-src 'self'" in hit["Content-Security-Policy"]  # added on every answer, hits included


def test_the_news_years_are_computed_once_per_content_version(client, content_cache, settings):
    settings.ANONYMOUS_PAGE_CACHE = False  # every request renders the page
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    PublishedNewsFactory()
    client.get(reverse("portal:news_list"))
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("portal:news_list"))
    assert not any("distinct" in q["sql"].lower() and "extract" in q["sql"].lower() for q in captured.captured_queries)
    news = PublishedNewsFactory(published_at=timezone.now().replace(year=2019))
    assert (
        f'<option value="{timezone.localtime(news.published_at).year}">'
        in client.get(reverse("portal:news_list")).content.decode()
    )
