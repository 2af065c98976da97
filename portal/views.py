from django import forms
from django.conf import settings
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal import cache as page_cache
from portal import registry, search, services, taxonomy, vocabulary
from portal.cache import remember
from portal.filters import NewsFilter
from portal.http import keep_private
from portal.models import Country, KeyFigure, News
from portal.sitemaps import SITEMAPS


def paginate(request, queryset, per_page, *, count=None):
    """A page of ``queryset``; a malformed or out-of-range ``page`` gives the nearest page.

    ``count``: the number of results when the caller already knows it (no COUNT query). A
    search's page is read in two steps (portal.search.SearchPaginator)."""
    paginator = search.SearchPaginator(queryset, per_page)
    if count is not None:
        paginator.count = count
    return paginator.get_page(request.GET.get("page"))


KEY_FIGURE_FIELDS = (
    "value", "label", "source", "as_of", "order", "source_news",
    "source_news__slug", "source_news__status", "source_news__published_at",
)  # fmt: skip


@require_safe
def home(request):
    latest = taxonomy.with_links(News.objects.cards()[:7], "countries", "topics")
    countries = taxonomy.rows(Country)
    blocks = registry.home_blocks()
    response = render(
        request,
        "portal/home.html",
        {
            "featured": latest[0] if latest else None,
            "latest_news": latest[1:],
            "members": [country for country in countries if country.status == Country.Status.MEMBER],
            "countries": countries,
            # Of its source, only what the link needs (not the news item's text in each language).
            "key_figures": KeyFigure.objects.filter(is_shown=True)
            .select_related("source_news")
            .only(*KEY_FIGURE_FIELDS),
            "blocks": [{"block": block, "data": block.block_context(request)} for block in blocks],
        },
    )
    # The news, the key figures (and the news they cite) and what each block lists.
    block_tags = [tag for block in blocks for tag in ((page_cache.LISTS,) if block.tags is None else block.tags)]
    return page_cache.shows(response, page_cache.kind(News), page_cache.kind(KeyFigure), *block_tags)


@require_safe
def news_list(request):
    filterset = NewsFilter(request.GET or None, queryset=News.objects.cards())
    is_valid = filterset.is_valid() if filterset.is_bound else True
    # A bad filter value gets a message and the unfiltered list, never an error page.
    queryset = filterset.qs if is_valid else News.objects.cards()
    page = paginate(request, queryset, settings.NEWS_PAGE_SIZE)
    page.object_list = taxonomy.with_links(page.object_list, "countries", "topics")
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    chosen = filterset.form.cleaned_data if filterset.is_bound and is_valid else {}
    terms = [chosen[key] for key in ("country", "body", "topic") if chosen.get(key)]
    response = render(
        request,
        "portal/news_list.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "news_list": page.object_list,
            "query_string": query_without_page.urlencode(),
            # The country, body and topic filtered by: each page of news about one can follow it.
            "filtered_by": terms,
        },
    )
    # Filtered by a term, it shows only that term's news (and the years of all news, in its
    # filter); else any news item may appear on it.
    if terms:
        return page_cache.shows(response, *(page_cache.related(News, term) for term in terms), page_cache.years(News))
    return page_cache.shows(response, page_cache.kind(News))


@require_safe
def news_detail(request, slug):
    news = get_object_or_404(
        News.objects.select_related("author")
        .defer("search_document")  # thousands of lexemes, parsed for nothing
        .prefetch_related("links"),
        slug=slug,
    )
    is_preview = not news.is_live
    if is_preview and not services.can_preview(request.user, news):
        raise Http404(_("No news item found at this address."))
    taxonomy.with_links([news], "countries", "bodies", "topics")
    related_news = taxonomy.with_links(News.objects.related_to(news), "countries", "topics")
    response = render(
        request,
        "portal/news_detail.html",
        {
            "news": news,
            "related_news": related_news,
            "is_preview": is_preview,
            "admin_url": reverse("admin:portal_news_change", args=[news.pk]) if is_preview else "",
        },
    )
    if is_preview:
        # A draft must never be kept by a shared cache or the browser.
        keep_private(response, noindex=True)
    # Its own item and the news that share a topic or a body with it (a new one may join them).
    terms = [*news.topics.all(), *news.bodies.all()]
    return page_cache.shows(
        response,
        page_cache.item(news),
        *(page_cache.related(News, term) for term in terms),
        *map(page_cache.item, related_news),
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search the portal"),
        max_length=search.MAX_QUERY_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


SEARCH_RESULTS_PER_SECTION = 10
#: A section counts at most this many matches, then says "more than …": counting every match of a
#: broad word reads every one of them, and nobody pages through thousands from here (the full,
#: filterable list does that).
SEARCH_COUNT_LIMIT = 1000


@require_safe
def site_search(request):
    """/search/: the best matches of every kind of content, each with a link to its full list."""
    form = SearchForm(request.GET or None)
    query = ""
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"].strip()
    sections = []
    suggestions = []
    if query:
        found = _search_everything_once(query)
        for provider in registry.search_providers():
            count, results = found.get(provider.key, (0, []))
            sections.append(
                {
                    "provider": provider,
                    "count": min(count, SEARCH_COUNT_LIMIT),
                    "is_capped": count > SEARCH_COUNT_LIMIT,
                    "results": results,
                    "more_url": provider.more_url(query) if provider.more_url else "",
                }
            )
        if not any(section["count"] for section in sections):
            phrases = vocabulary.suggestions(query, finds=_finds_anything)
            url = reverse("portal:search")
            suggestions = [{"text": phrase, "url": f"{url}?{urlencode({'q': phrase})}"} for phrase in phrases]
    return render(
        request,
        "portal/search.html",
        {
            "form": form,
            "query": query,
            "sections": sections,
            "total": sum(s["count"] for s in sections),
            "is_capped": any(s["is_capped"] for s in sections),
            "suggestions": suggestions,
        },
    )


def _search_everything_once(query: str) -> dict[str, tuple[int, list]]:
    """Counted and ranked once per content version for each text (portal.cache.remember)."""
    return remember("site-search", lambda: _search_everything(query), get_language(), query)


def _finds_anything(query: str) -> bool:
    """Whether any provider has a match: an EXISTS each (no ranking, no count), first match wins."""
    return any(provider.search(query).exists() for provider in registry.search_providers())


def _search_everything(query: str) -> dict[str, tuple[int, list]]:
    """Each provider's number of matches (up to SEARCH_COUNT_LIMIT + 1) and best few, by provider key."""
    found = {}
    for provider in registry.search_providers():
        results = provider.search(query)
        best = search.rows(results, 0, SEARCH_RESULTS_PER_SECTION)
        # Fewer than a section's worth is every match: no COUNT query for that provider. Otherwise
        # the count stops one past the limit (COUNT over a LIMIT-ed subquery of primary keys).
        if len(best) < SEARCH_RESULTS_PER_SECTION:
            count = len(best)
        else:
            count = results.order_by().values("pk")[: SEARCH_COUNT_LIMIT + 1].count()
        found[provider.key] = (count, best)
    return found


@require_safe
def sitemap_xml(request):
    return sitemap_view(request, sitemaps={**SITEMAPS, **registry.sitemaps()})


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        f"Sitemap: {request.build_absolute_uri(reverse('django.contrib.sitemaps.views.sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_safe
def healthz(request):
    """Liveness for load balancers, and the framework's own ceiling in the benchmark:
    no template, no database."""
    return HttpResponse("ok\n", content_type="text/plain")


@require_safe
def favicon(request):
    # Resolved per request: the hashed file name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
