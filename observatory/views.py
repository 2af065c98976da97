from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from iso3166 import countries_by_alpha2

from accounts.services import can_participate
from events.models import Event
from observatory import search, services
from observatory.figures import Figure, coverage_text, flag_labels, period_label
from observatory.filters import PublicationFilter
from observatory.forms import CommentForm, DataSelectionForm, ReportForm
from observatory.headlines import CARD_TAGS, with_headlines
from observatory.models import (
    Comment,
    Dataset,
    FocusArea,
    Indicator,
    IndicatorSummary,
    Observatory,
    Partner,
    Publication,
    PublicationFile,
)
from portal import cache as page_cache
from portal import services as workflow
from portal.charts import format_number, sparkline
from portal.http import client_address, keep_private
from portal.models import Country, News, Topic
from portal.views import paginate

LATEST_ON_OBSERVATORY = 6
NEWS_ON_PAGE = 4
EVENTS_ON_PAGE = 4
COMMENTS_ON_PAGE = 100


# --- Observatories ------------------------------------------------------------------------


@require_safe
def observatory_list(request):
    observatories = with_headlines(list(Observatory.objects.for_listing()))
    response = render(request, "observatory/observatory_list.html", {"observatories": observatories})
    return page_cache.shows(response, *CARD_TAGS)


@require_safe
def observatory_detail(request, slug):
    observatory = get_object_or_404(
        Observatory.objects.public()
        .select_related("body")
        .with_publication_count()
        .with_data()
        .prefetch_related("partners", "focus_areas", "topics"),
        slug=slug,
    )
    response = render(
        request,
        "observatory/observatory_detail.html",
        {
            "observatory": observatory,
            "publications": list(
                Publication.objects.of_observatory(observatory)
                .select_related("observatory")
                .defer("body", "search_document", "citation")
                .newest_first()[:LATEST_ON_OBSERVATORY]
            ),
            "news": list(
                News.objects.published()
                .filter(observatories=observatory)
                .newest_first()
                .defer("body", "search_document")[:NEWS_ON_PAGE]
            ),
            "events": list(
                observatory.events.published()
                .order_by("-start", "-pk")
                .defer("description", "search_document")[:EVENTS_ON_PAGE]
            ),
            "library_url": f"{reverse('observatory:publication_list')}?{urlencode({'observatory': observatory.slug})}",
        },
    )
    # Its own row and what is linked to it: its publications (and their count), news, events,
    # partners, focus areas, and its indicators (whether it has data).
    linked = (Publication, News, Event, Partner, FocusArea, Indicator)
    return page_cache.shows(
        response, page_cache.item(observatory), *(page_cache.related(model, observatory) for model in linked)
    )


# --- The library --------------------------------------------------------------------------


@require_safe
def publication_list(request):
    # Always bound, so that the default order applies to an empty query too.
    filterset = PublicationFilter(request.GET, queryset=Publication.objects.published())
    publications = filterset.qs.select_related("observatory").defer("body", "search_document", "citation")
    facets = filterset.facets()
    page = paginate(
        request,
        publications.prefetch_related("countries"),
        settings.OBSERVATORY_PAGE_SIZE,
        count=filterset.result_count(facets),
    )
    filterset.show_facets(facets)
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    only_common_words = bool(
        filterset.text and not page.paginator.count and not search.has_searchable_words(filterset.text)
    )
    suggestions = []
    if filterset.text and not page.paginator.count and not only_common_words:
        for phrase in filterset.suggestions():
            with_phrase = query_without_page.copy()
            with_phrase["q"] = phrase
            suggestions.append({"text": phrase, "url": f"{request.path}?{with_phrase.urlencode()}"})
    response = render(
        request,
        "observatory/publication_list.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "publications": page.object_list,
            "query_string": query_without_page.urlencode(),
            "search_text": filterset.text,
            "only_common_words": only_common_words,
            "suggestions": suggestions,
            "is_filtered": any(value for key, value in request.GET.items() if key not in {"page", "sort"}),
            "filtered_by": _filtered_by(filterset),
        },
    )
    # Filtered or not, its facets count the whole library (each facet without its own filter),
    # with the observatories' names.
    return page_cache.shows(response, page_cache.kind(Publication), page_cache.kind(Observatory))


def _filtered_by(filterset) -> list:
    """The country and topic the library is filtered by (each can be followed from here)."""
    chosen = getattr(filterset.form, "cleaned_data", {})  # the valid filters (a bad one is left out)
    found = []
    if chosen.get("country"):
        found.extend(Country.objects.filter(code=chosen["country"]))
    if chosen.get("topic"):
        found.extend(Topic.objects.filter(slug=chosen["topic"]))
    return found


def _publication_or_404(request, slug, queryset=None):
    queryset = queryset if queryset is not None else Publication.objects.all()
    publication = get_object_or_404(queryset, slug=slug)
    if not publication.is_live and not workflow.can_preview(request.user, publication):
        raise Http404(_("No publication found at this address."))
    return publication


def _come_back_after(url, publication):
    """Sign in (or up) and come back to the publication's comments."""
    return f"{url}?{urlencode({'next': publication.get_absolute_url() + '#comments'})}"


def _input_context(request, publication, form=None):
    """The "Comments and input" part of the publication page."""
    sectors = dict(Comment.Sector.choices)
    chosen_sector = request.GET.get("sector", "")
    if chosen_sector not in sectors:
        chosen_sector = ""
    counts = Comment.objects.filter(publication=publication).public().count_by_sector()
    comments = Comment.objects.filter(publication=publication).public()
    if chosen_sector:
        comments = comments.filter(author_sector=chosen_sector)
    user = request.user
    if not user.is_authenticated:
        participation = "sign_in"
    elif not can_participate(user):
        participation = "complete_profile"
    else:
        participation = "participant"
    own_pending = []
    if participation == "participant":
        own_pending = list(
            Comment.objects.filter(publication=publication, participant=user, status=Comment.Status.PENDING)
        )
    return {
        "sector_counts": [(value, label, counts[value]) for value, label in sectors.items() if value in counts],
        "comment_total": sum(counts.values()),
        "chosen_sector": chosen_sector,
        "chosen_sector_label": sectors.get(chosen_sector, ""),
        "comments": list(comments[:COMMENTS_ON_PAGE]),
        "participation": participation,
        "comment_form": form or CommentForm(),
        "own_pending": own_pending,
        "report_form": ReportForm(),
        "login_url": _come_back_after(reverse("account_login"), publication),
        "signup_url": _come_back_after(reverse("account_signup"), publication),
    }


def _render_publication(request, publication, *, form=None, status=200):
    is_preview = not publication.is_live
    related_news = list(publication.news.published().newest_first().defer("body", "search_document")[:NEWS_ON_PAGE])
    presented_at = list(
        publication.events.published().order_by("-start", "-pk").defer("description", "search_document")
    )
    indicators = list(publication.indicators.public().select_related("observatory").order_by("position", "code"))
    response = render(
        request,
        "observatory/publication_detail.html",
        {
            "publication": publication,
            "is_preview": is_preview,
            "admin_url": reverse("admin:observatory_publication_change", args=[publication.pk]) if is_preview else "",
            "related_news": related_news,
            "presented_at": presented_at,
            "indicators": indicators,
            **_input_context(request, publication, form),
        },
        status=status,
    )
    # A preview of unpublished content is never kept by a shared cache, nor indexed.
    if is_preview:
        return keep_private(response, noindex=True)
    # The files' download counts change with every download, not with a publish: the page cache
    # keeps this page a short while only, so a visitor sees a count at most that old.
    response.page_cache_seconds = services.DOWNLOAD_COUNTS_FRESH_SECONDS
    # Its own item (with its files, collaborators and approved comments), its observatory, and
    # the news, events and indicators linked to it.
    return page_cache.shows(
        response,
        page_cache.item(publication),
        page_cache.item(publication.observatory),
        *(page_cache.related(model, publication) for model in (News, Event, Indicator)),
        *map(page_cache.item, [*related_news, *presented_at, *indicators]),
        *{page_cache.item(indicator.observatory) for indicator in indicators},
    )


@require_safe
def publication_detail(request, slug):
    publication = _publication_or_404(
        request,
        slug,
        Publication.objects.select_related("observatory", "observatory__body")
        .defer("search_document")
        .prefetch_related("countries", "topics", "bodies", "collaborators", "files"),
    )
    return _render_publication(request, publication)


@require_safe
def publication_file(request, slug, file_id):
    """Serve a file of a live publication and count the download (staff may fetch it in preview)."""
    file = get_object_or_404(PublicationFile.objects.select_related("publication"), pk=file_id, publication__slug=slug)
    publication = file.publication
    if not publication.is_live and not workflow.can_preview(request.user, publication):
        raise Http404(_("No file found at this address."))
    try:
        handle = file.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("This file is missing; the editors have been told.")) from None
    if publication.is_live and request.method == "GET":
        services.count_download(file=file)
    response = FileResponse(handle, as_attachment=True, filename=file.download_name, content_type=file.content_type)
    return keep_private(response, noindex=True) if not publication.is_live else response


# --- Stakeholder input --------------------------------------------------------------------


@require_POST
def post_comment(request, slug):
    publication = _publication_or_404(request, slug)
    if not request.user.is_authenticated:
        messages.info(request, _("Sign in to comment on this publication."))
        return HttpResponseRedirect(_come_back_after(reverse("account_login"), publication))
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.post_comment(publication=publication, participant=request.user, text=form.cleaned_data["text"])
        except services.NotAllowed as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(publication.get_absolute_url() + "#comments")
        except services.InputError as error:
            form.add_error("text", str(error))  # the text stays in the form, to send again
        else:
            messages.success(
                request, _("Thank you. Your comment will appear on this page once a moderator has approved it.")
            )
            return HttpResponseRedirect(publication.get_absolute_url() + "#comments")
    publication = (
        Publication.objects.select_related("observatory", "observatory__body")
        .prefetch_related("countries", "topics", "bodies", "collaborators", "files")
        .get(pk=publication.pk)
    )
    return _render_publication(request, publication, form=form, status=400)


@require_POST
def report_comment(request, slug, comment_id):
    publication = _publication_or_404(request, slug)
    comment = get_object_or_404(Comment.objects.public(), pk=comment_id, publication=publication)
    form = ReportForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.report_comment(
            comment=comment,
            reporter_key=services.reporter_key_for(request),
            reason=reason,
            user=request.user,
            client_address=client_address(request),
        )
    except services.InputError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, _("Thank you. A moderator will look at this comment."))
    return HttpResponseRedirect(publication.get_absolute_url() + "#comments")


# --- Indicator data -----------------------------------------------------------------------

DOWNLOAD_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}


def _country_names() -> tuple[dict[str, str], set[str]]:
    """Names of the countries in the taxonomy (in the active language) and the member codes: one query.

    Countries outside the taxonomy (comparisons) get their ISO 3166 name.
    """
    rows = Country.objects.only("code", "name", "status")
    names, members = {}, set()
    for country in rows:
        names[country.code] = country.name
        if country.status == Country.Status.MEMBER:
            members.add(country.code)
    return CountryNames(names), members


class CountryNames(dict):
    """Names by ISO code; a country outside the taxonomy gets its ISO 3166 name (or its code)."""

    def __missing__(self, code):
        country = countries_by_alpha2.get(code)
        return country.apolitical_name if country else code

    def get(self, code, default=None):
        return self[code]


def _current_summaries():
    return IndicatorSummary.objects.filter(dataset__in=Dataset.objects.current()).select_related("dataset")


def _summary_for(request, indicator) -> tuple[IndicatorSummary | None, bool]:
    """The summary the page shows: the current version's, or a version staff preview (``?dataset=``)."""
    asked = request.GET.get("dataset", "")
    if asked.isdigit() and request.user.is_authenticated and request.user.is_staff:
        summary = (
            IndicatorSummary.objects.select_related("dataset")
            .filter(indicator=indicator, dataset_id=int(asked))
            .first()
        )
        if summary and workflow.can_preview(request.user, summary.dataset):
            return summary, not summary.dataset.is_live
    summary = _current_summaries().filter(indicator=indicator).order_by("-dataset__published_at", "-pk").first()
    return summary, False


def _indicator_or_404(slug, indicator):
    return get_object_or_404(
        Indicator.objects.select_related("observatory", "topic").filter(observatory__is_public=True),
        observatory__slug=slug,
        slug=indicator,
    )


@require_safe
def data_landing(request, slug):
    """/observatories/<slug>/data/: each indicator with its latest value per member country and trend."""
    observatory = get_object_or_404(Observatory.objects.public(), slug=slug)
    names, members = _country_names()
    summaries, seen = [], set()
    for summary in (
        _current_summaries()
        .filter(indicator__observatory=observatory)
        .select_related("indicator__observatory")
        .order_by("indicator__position", "indicator__code", "-dataset__published_at", "-pk")
    ):
        if summary.indicator_id not in seen:  # one dataset per indicator: the newest published
            seen.add(summary.indicator_id)
            summaries.append(summary)
    member_codes = sorted(members, key=lambda code: names[code])
    cards = [_card(summary, member_codes, names) for summary in summaries]
    response = render(
        request,
        "observatory/data_landing.html",
        {
            "observatory": observatory,
            "cards": cards,
            "has_demo": any(summary.dataset.is_demo for summary in summaries),
            # OCDS data has its own pages (the procurement app's, linked by URL name when it is installed).
            "has_ocds": any(summary.dataset.file_format == Dataset.Format.OCDS for summary in summaries),
            "sources": sorted({summary.dataset.source for summary in summaries if summary.dataset.source}),
        },
    )
    # Its indicators (a dataset version's publish turns those it has figures for) and the versions' sources.
    return page_cache.shows(
        response,
        page_cache.item(observatory),
        page_cache.related(Indicator, observatory),
        page_cache.kind(Dataset),
    )


def _card(summary, member_codes, names):
    indicator = summary.indicator
    periods = [date.fromisoformat(text) for text in summary.trend_periods]
    rows = []
    for code in member_codes:
        latest = summary.latest.get(code)
        trend = summary.trend.get(code, [])
        if latest is None:
            rows.append({"code": code, "name": names[code], "latest": None})
            continue
        period = date.fromisoformat(latest["period"])
        known = [(periods[i], value) for i, value in enumerate(trend) if value is not None]
        trend_label = ""
        if len(known) > 1:
            trend_label = _("%(start)s to %(end)s: from %(first)s to %(last)s") % {
                "start": period_label(summary.period_type, known[0][0]),
                "end": period_label(summary.period_type, known[-1][0]),
                "first": format_number(known[0][1], indicator.decimals),
                "last": format_number(known[-1][1], indicator.decimals),
            }
        rows.append(
            {
                "code": code,
                "name": names[code],
                "latest": format_number(latest["value"], indicator.decimals),
                "flag": flag_labels().get(latest["flag"], ""),
                "coverage": coverage_text(latest.get("coverage")),
                "period": period_label(summary.period_type, period),
                "period_iso": period.isoformat(),
                "sparkline": sparkline(trend, label=trend_label) if trend_label else "",
            }
        )
    return {"summary": summary, "indicator": indicator, "rows": rows}


def _figure(request, indicator):
    summary, is_preview = _summary_for(request, indicator)
    if summary is None:
        raise Http404(_("This indicator has no published data yet."))
    names, members = _country_names()
    figure = Figure.from_query(request.GET, indicator=indicator, summary=summary, country_names=names, members=members)
    return figure.load(), members, is_preview


@require_safe
def indicator_detail(request, slug, indicator):
    """/observatories/<slug>/data/<indicator>/: chart, table, definition and method, downloads."""
    indicator = _indicator_or_404(slug, indicator)
    figure, members, is_preview = _figure(request, indicator)
    dataset = figure.summary.dataset
    publications = list(
        indicator.publications.published()
        .select_related("observatory")
        .defer("body", "search_document")
        .newest_first()[:6]
    )
    events = list(
        Event.objects.published()
        .filter(publications__in=[publication.pk for publication in publications])
        .distinct()
        .order_by("-start", "-pk")
        .defer("description", "search_document")[:4]
    ) if publications else []  # fmt: skip
    news = list(indicator.news.published().newest_first().defer("body", "search_document")[:NEWS_ON_PAGE])
    query = figure.query_string()
    page_url = f"{settings.SITE_URL}{indicator.get_absolute_url()}?{query}"
    response = render(
        request,
        "observatory/indicator_detail.html",
        {
            "observatory": indicator.observatory,
            "indicator": indicator,
            "figure": figure,
            "dataset": dataset,
            "form": DataSelectionForm(figure, members=members),
            "table": figure.table(),
            "chart": figure.chart(is_demo=dataset.is_demo),
            "footnotes": figure.footnotes(),
            "flags": flag_labels(),
            "citation": figure.citation(page_url=page_url),
            "query": query,
            "download_kinds": [("csv", _("CSV")), ("xlsx", _("Excel (XLSX)")), ("json", _("JSON"))],
            "publications": publications,
            "events": events,
            "news": news,
            "is_preview": is_preview,
            "admin_url": reverse("admin:observatory_dataset_change", args=[dataset.pk]) if is_preview else "",
            "last_update": dataset.published_at or dataset.imported_at,
        },
    )
    if is_preview:
        return keep_private(response, noindex=True)
    # Its own item (a dataset version with its figures turns it) and observatory, the
    # publications, news and events linked to it and what those show.
    return page_cache.shows(
        response,
        page_cache.item(indicator),
        page_cache.item(indicator.observatory),
        page_cache.item(dataset),
        page_cache.related(Publication, indicator),
        page_cache.related(News, indicator),
        *(page_cache.related(Event, publication) for publication in publications),
        *map(page_cache.item, [*publications, *events, *news]),
        *{page_cache.item(publication.observatory) for publication in publications},
    )


@require_safe
def indicator_download(request, slug, indicator, kind):
    """The page's selection as CSV, XLSX or JSON, with the citation (and the demo notice)."""
    if kind not in DOWNLOAD_TYPES:
        messages.warning(request, _("Downloads are in CSV, XLSX or JSON: choose one of those."))
        target = reverse("observatory:indicator_detail", kwargs={"slug": slug, "indicator": indicator})
        return HttpResponseRedirect(f"{target}?{request.GET.urlencode()}" if request.GET else target)
    indicator = _indicator_or_404(slug, indicator)
    figure, _members, is_preview = _figure(request, indicator)
    page_url = f"{settings.SITE_URL}{indicator.get_absolute_url()}?{figure.query_string()}"
    is_demo = figure.summary.dataset.is_demo
    content = {
        "csv": figure.as_csv,
        "xlsx": figure.as_xlsx,
        "json": figure.as_json,
    }[kind](page_url=page_url, is_demo=is_demo)
    response = HttpResponse(content, content_type=DOWNLOAD_TYPES[kind])
    name = f"{indicator.slug}-{figure.first_year}-{figure.last_year}{'-demo' if is_demo else ''}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return keep_private(response, noindex=True) if is_preview else response
