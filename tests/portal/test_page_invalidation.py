"""A change turns only the cached pages that show it (portal.cache: tags per item, type and link).

Each test caches the detail pages of many other items (news, publications, events,
indicators) and the pages where a change should appear, makes one change, and counts: the
other items' pages are still hits (≥ 95%, and exactly those that relate to the change are
not), and every page that shows the changed item shows it at once. The list pages declare the
types they list (and the term they are filtered by): a change of one type keeps the other
types' lists cached, and a page that declares nothing is turned by a change of any type.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from consultations.models import Consultation
from events import services as event_services
from events.models import Event, Registration
from integrity.models import Initiative
from observatory import services as observatory_services
from observatory.models import Dataset, Publication
from portal import cache as page_cache
from portal import services
from portal.models import News
from tests.consultations.factories import OpenConsultationFactory
from tests.events.factories import (
    DraftEventFactory,
    OpenEventFactory,
    PublishedEventFactory,
    RegistrationFactory,
    in_days,
)
from tests.factories import (
    CountryFactory,
    DraftNewsFactory,
    ParticipantFactory,
    PublishedNewsFactory,
    ScheduledNewsFactory,
    TopicFactory,
)
from tests.integrity.factories import PublishedInitiativeFactory
from tests.observatory.factories import (
    DraftPublicationFactory,
    IndicatorFactory,
    ObservatoryFactory,
    PendingCommentFactory,
    PublishedPublicationFactory,
    published_import,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.ANONYMOUS_PAGE_CACHE = True


def _rows(codes, countries=("CL", "CO", "MX", "PE")):
    return [
        [code, country, year, f"{5 + index + year % 7 / 10:.2f}", "_T", "", "", "", "", "PT"]
        for index, code in enumerate(codes)
        for country in countries
        for year in range(2019, 2025)
    ]


@dataclass
class Site:
    members: dict
    topics: list
    observatory: object
    news: list = field(default_factory=list)
    publications: list = field(default_factory=list)
    events: list = field(default_factory=list)
    indicators: list = field(default_factory=list)

    def detail_urls(self) -> list[str]:
        items = [*self.news, *self.publications, *self.events, *self.indicators]
        return [item.get_absolute_url() for item in items]


@pytest.fixture
def site(tmp_path, editor):
    """48 published items over 12 topics and the four members, each on its own page."""
    members = {code: CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")}
    topics = [TopicFactory() for _ in range(12)]
    observatory = ObservatoryFactory()
    site = Site(members, topics, observatory)
    codes = list(members)
    for index in range(24):
        news = PublishedNewsFactory(published_at=timezone.now() - timedelta(days=index + 2))
        news.topics.add(topics[index % 12])
        news.countries.add(members[codes[index % 4]])
        site.news.append(news)
    for index in range(8):
        publication = PublishedPublicationFactory(observatory=observatory)
        publication.topics.add(topics[(index + 3) % 12])
        site.publications.append(publication)
    site.events = [PublishedEventFactory() for _ in range(8)]
    site.indicators = [
        IndicatorFactory(observatory=observatory, code=f"IND{index}", slug=f"indicator-{index}") for index in range(8)
    ]
    published_import(tmp_path, site.indicators[0], _rows([f"IND{index}" for index in range(8)]), editor=editor)
    return site


def _cache(client, urls):
    for url in urls:
        assert client.get(url).status_code == 200, url
        assert client.get(url)["X-Cache"] == "hit", url


def _still_cached(client, urls) -> set[str]:
    return {url for url in urls if client.get(url).get("X-Cache") == "hit"}


def _shows(client, url, text) -> bool:
    response = client.get(url)
    assert response.status_code == 200, url
    return text in response.content.decode()


def _assert_only(client, pages, *, missed):
    """Of ``pages`` (cached before the change), exactly ``missed`` are not hits any more; ≥ 95% are."""
    hits = _still_cached(client, pages)
    assert set(pages) - hits == set(missed)
    assert len(hits) / len(pages) >= 0.95


def test_publishing_a_news_item_turns_its_lists_and_related_pages_only(client, site, editor):
    title = "Ministers sign the maritime transport protocol"
    topic = site.topics[0]
    draft = DraftNewsFactory(title=title)
    draft.topics.add(topic)
    draft.countries.add(site.members["PE"])
    pages = site.detail_urls()
    lists = [
        reverse("portal:home"),
        reverse("portal:news_list"),
        f"{reverse('portal:news_list')}?topic={topic.slug}",
        f"{reverse('portal:news_list')}?country=PE",
        f"{reverse('portal:search')}?q=maritime",
    ]
    _cache(client, pages + lists)
    services.publish(item=draft, actor=editor)
    # The news that share its topic show it among their related news: those pages turn, no other.
    sharing = [news.get_absolute_url() for news in site.news if topic in news.topics.all()]
    assert len(sharing) == 2
    _assert_only(client, pages, missed=sharing)
    for url in [*sharing, *lists, reverse("portal:news_feed")]:
        assert _shows(client, url, title), url
    assert _shows(client, draft.get_absolute_url(), title)


def test_publishing_an_event_turns_its_lists_and_the_publication_it_belongs_to(client, site, editor):
    title = "Regional forum on export financing"
    draft = DraftEventFactory(title=title, start=in_days(3))  # sooner than the others: first on the home
    publication = site.publications[0]
    publication.events.add(draft)
    pages = site.detail_urls()
    start = draft.start
    lists = [
        reverse("portal:home"),
        reverse("events:event_list"),
        reverse("events:calendar_month", args=[start.year, start.month]),
        f"{reverse('portal:search')}?q=financing",
    ]
    _cache(client, pages + lists)
    services.publish(item=draft, actor=editor)
    _assert_only(client, pages, missed=[publication.get_absolute_url()])
    for url in [publication.get_absolute_url(), *lists]:
        assert _shows(client, url, title), url


def test_publishing_a_publication_turns_its_lists_and_the_indicator_it_explains(client, site, editor):
    title = "Labour informality in the Pacific Alliance"
    topic = site.topics[1]
    draft = DraftPublicationFactory(title=title, observatory=site.observatory)
    draft.topics.add(topic)
    draft.countries.add(site.members["CL"])
    indicator = site.indicators[0]
    indicator.publications.add(draft)
    pages = site.detail_urls()
    library = reverse("observatory:publication_list")
    lists = [
        reverse("portal:home"),
        library,
        f"{library}?topic={topic.slug}",
        f"{library}?country=CL",
        f"{reverse('portal:search')}?q=informality",
        site.observatory.get_absolute_url(),
    ]
    _cache(client, pages + lists)
    services.publish(item=draft, actor=editor)
    _assert_only(client, pages, missed=[indicator.get_absolute_url()])
    for url in [indicator.get_absolute_url(), *lists]:
        assert _shows(client, url, title), url


def test_publishing_a_new_indicators_figures_turns_its_lists_only(client, site, editor, tmp_path):
    indicator = IndicatorFactory(
        observatory=site.observatory, code="NEWIND", slug="new-indicator", name="Youth NEET rate"
    )
    pages = site.detail_urls()
    landing = reverse("observatory:data_landing", args=[site.observatory.slug])
    lists = [landing, f"{reverse('portal:search')}?q=NEET"]
    _cache(client, pages + lists)
    published_import(tmp_path, indicator, _rows(["NEWIND"]), editor=editor, key="youth")
    _assert_only(client, pages, missed=[])
    for url in [*lists, indicator.get_absolute_url()]:
        assert _shows(client, url, "Youth NEET rate"), url


def test_approving_a_comment_turns_its_publications_page_only(client, site, editor):
    publication = site.publications[1]
    comment = PendingCommentFactory(publication=publication, text="The informal sector is larger in rural areas.")
    lists = [reverse("portal:home"), reverse("observatory:publication_list"), reverse("portal:news_list")]
    pages = site.detail_urls()
    _cache(client, pages + lists)
    observatory_services.approve_comment(comment=comment, moderator=editor)
    assert _still_cached(client, lists) == set(lists)
    _assert_only(client, pages, missed=[publication.get_absolute_url()])
    assert _shows(client, publication.get_absolute_url(), "larger in rural areas")


def test_a_registration_changes_nothing_cached_and_a_seat_taken_turns_its_event_only(client, site):
    event = OpenEventFactory(capacity=3)
    lists = [reverse("portal:home"), reverse("events:event_list")]
    pages = [*site.detail_urls(), event.get_absolute_url()]
    _cache(client, pages + lists)
    registration = event_services.register(event=event, participant=ParticipantFactory())  # pending
    assert _still_cached(client, pages + lists) == set(pages + lists)
    event_services.confirm(registration=registration)  # a seat taken: the event page says how many are left
    assert set(pages + lists) - _still_cached(client, pages + lists) == {event.get_absolute_url()}
    RegistrationFactory(event=event)
    assert _still_cached(client, pages + lists) == set(pages + lists)


def test_a_scheduled_news_item_goes_live_on_its_lists_and_related_pages_only(client, site, monkeypatch):
    title = "Embargoed: the joint statement of the trade ministers"
    scheduled = ScheduledNewsFactory(title=title)
    scheduled.topics.add(site.topics[2])
    pages = site.detail_urls()
    lists = [reverse("portal:home"), reverse("portal:news_list")]
    _cache(client, pages + lists)
    assert not _shows(client, reverse("portal:news_list"), title)
    # Time passes beyond the scheduled moment; nothing is saved.
    later = scheduled.published_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)  # not the cache's clock: entries keep
    sharing = [news.get_absolute_url() for news in site.news if site.topics[2] in news.topics.all()]
    _assert_only(client, pages, missed=sharing)
    for url in [*sharing, *lists]:
        assert _shows(client, url, title), url


def test_renaming_a_topic_turns_every_page(client, site):
    pages = site.detail_urls()[:6]
    _cache(client, pages)
    topic = site.topics[0]
    topic.name = "Maritime transport"
    topic.save()
    assert _still_cached(client, pages) == set()


def test_a_page_rendered_while_what_it_shows_changed_is_not_kept(client, site, monkeypatch):
    """A change committed between the page's queries and its storing: the page may show the
    content from before the change, so it is served once and not kept."""
    news = site.news[0]
    real_render = page_cache.page_tags

    def change_during_rendering(response):
        page_cache.bump({page_cache.item(news)})
        return real_render(response)

    monkeypatch.setattr(page_cache, "page_tags", change_during_rendering)
    assert client.get(news.get_absolute_url())["X-Cache"] == "miss"
    monkeypatch.setattr(page_cache, "page_tags", real_render)
    assert client.get(news.get_absolute_url())["X-Cache"] == "miss"
    assert client.get(news.get_absolute_url())["X-Cache"] == "hit"


def test_a_seat_taken_shows_at_once_in_the_events_api_and_a_pending_registration_keeps_it(client, content_cache):
    event, person = OpenEventFactory(capacity=3), ParticipantFactory()
    url = f"/api/v1/events/{event.slug}/"
    assert client.get(url).json()["seats_left"] == 3
    news_years = page_cache.remember("unrelated", lambda: "kept", "en")
    registration = event_services.register(event=event, participant=person)  # pending
    assert client.get(url).json()["seats_left"] == 3
    event_services.confirm(registration=registration)
    assert client.get(url).json()["seats_left"] == 2
    # The lists' data (news years, facets, search sections) is not recomputed for a seat.
    assert page_cache.remember("unrelated", lambda: "recomputed", "en") == news_years


# --- List pages: each declares the types it lists ------------------------------------------

#: When the events of the tests below start: the calendar's month is that one's.
SOON = 3


@pytest.fixture
def lists(site):
    """Every kind of list page, by name (an open consultation and an initiative listed too)."""
    OpenConsultationFactory()
    PublishedInitiativeFactory()
    # A news item of this year (the site's are of the last weeks): a publish now opens no new year.
    PublishedNewsFactory(published_at=timezone.now() - timedelta(seconds=1))
    news, library, events = (
        reverse("portal:news_list"),
        reverse("observatory:publication_list"),
        reverse("events:event_list"),
    )
    topic, other = site.topics[0], site.topics[5]
    start = in_days(SOON)
    return {
        "home": reverse("portal:home"),
        "news": news,
        "news of the topic": f"{news}?topic={topic.slug}",
        "news of another topic": f"{news}?topic={other.slug}",
        "news of Peru": f"{news}?country=PE",
        "library": library,
        "library of the topic": f"{library}?topic={topic.slug}",
        "events": events,
        "events in Peru": f"{events}?country=PE",
        "events in Chile": f"{events}?country=CL",
        "calendar": reverse("events:calendar_month", args=[start.year, start.month]),
        "observatories": reverse("observatory:observatory_list"),
        "observatory": site.observatory.get_absolute_url(),
        "data": reverse("observatory:data_landing", args=[site.observatory.slug]),
        "consultations": reverse("consultations:consultation_list"),
        "initiatives": reverse("integrity:initiative_list"),
        "search (declares nothing)": f"{reverse('portal:search')}?q=nothing",
    }


def _turned(client, lists) -> set[str]:
    """The names of the list pages that are not hits any more (each is a hit again after)."""
    return {name for name, url in lists.items() if client.get(url).get("X-Cache") != "hit"}


def test_publishing_a_news_item_turns_the_news_lists_only(client, site, lists, editor):
    title = "Trade ministers open the single window for exporters"
    draft = DraftNewsFactory(title=title)
    draft.topics.add(site.topics[0])
    draft.countries.add(site.members["PE"])
    _cache(client, lists.values())
    services.publish(item=draft, actor=editor)
    showing = {"home", "news", "news of the topic", "news of Peru"}
    assert _turned(client, lists) == showing | {"search (declares nothing)"}
    for name in showing:
        assert _shows(client, lists[name], title), name
    assert _shows(client, reverse("portal:news_feed"), title)  # never cached (not HTML): read each time


def test_publishing_a_publication_turns_the_library_its_observatory_and_the_home_only(client, site, lists, editor):
    title = "Women in the export sector of the Pacific Alliance"
    draft = DraftPublicationFactory(title=title, observatory=site.observatory)
    draft.topics.add(site.topics[0])
    _cache(client, lists.values())
    services.publish(item=draft, actor=editor)
    showing = {"home", "library", "library of the topic", "observatory"}
    # The observatories' cards count its publications.
    assert _turned(client, lists) == showing | {"observatories", "search (declares nothing)"}
    for name in showing:
        assert _shows(client, lists[name], title), name


def test_publishing_an_event_turns_the_event_lists_and_its_countrys_only(client, site, lists, editor):
    title = "Business roundtable on services exports"
    draft = DraftEventFactory(title=title, start=in_days(SOON), country=site.members["PE"])
    _cache(client, lists.values())
    services.publish(item=draft, actor=editor)
    showing = {"home", "events", "events in Peru", "calendar"}
    assert _turned(client, lists) == showing | {"search (declares nothing)"}
    for name in showing:
        assert _shows(client, lists[name], title), name


def test_a_page_that_declares_nothing_depends_on_every_types_lists(client, site, editor):
    tags = set(page_cache.page_tags(HttpResponse()))
    listed = (News, Publication, Event, Consultation, Initiative, Dataset)
    assert {page_cache.EVERY_PAGE, *map(page_cache.kind, listed)} <= tags
    assert page_cache.kind(Registration) not in tags  # a seat shows on its event's page only
    search = f"{reverse('portal:search')}?q=nothing"
    drafts = [DraftNewsFactory(), DraftPublicationFactory(observatory=site.observatory), DraftEventFactory()]
    for draft in drafts:
        _cache(client, [search])
        services.publish(item=draft, actor=editor)
        assert client.get(search)["X-Cache"] == "miss", type(draft)
    registration = event_services.register(event=OpenEventFactory(capacity=3), participant=ParticipantFactory())
    _cache(client, [search])
    event_services.confirm(registration=registration)  # a seat taken
    assert client.get(search)["X-Cache"] == "hit"


def test_turning_every_types_lists_leaves_the_detail_pages_and_the_term_lists_cached(client, site, lists):
    pages = site.detail_urls()
    _cache(client, [*pages, *lists.values()])
    page_cache.bump({page_cache.LISTS})
    # A list filtered by a term depends on that term's set (a change of one of its items turns
    # it); an observatory's page on its own row and the sets linked to it.
    narrower = {"news of the topic", "news of another topic", "news of Peru", "events in Peru", "events in Chile"}
    assert _turned(client, lists) == set(lists) - narrower - {"observatory"}
    assert _still_cached(client, pages) == set(pages)


def test_a_news_item_alone_in_its_year_turns_the_year_filter_of_every_filtered_list(client, site):
    url = f"{reverse('portal:news_list')}?topic={site.topics[5].slug}"
    _cache(client, [url])
    PublishedNewsFactory(published_at=site.news[0].published_at)  # of a year the filter offers, in no topic
    assert client.get(url)["X-Cache"] == "hit"
    years_ago = timezone.now() - timedelta(days=3 * 366)
    PublishedNewsFactory(published_at=years_ago)  # the first of its year: the filter offers it now
    assert _shows(client, url, f'value="{timezone.localtime(years_ago).year}"')
