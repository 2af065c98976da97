from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.services import can_participate
from observatory import search, services
from observatory.filters import PublicationFilter
from observatory.forms import CommentForm, ReportForm
from observatory.models import Comment, Observatory, Publication, PublicationFile
from portal import services as workflow
from portal.http import client_address, keep_private
from portal.models import News
from portal.views import paginate

LATEST_ON_OBSERVATORY = 6
NEWS_ON_PAGE = 4
EVENTS_ON_PAGE = 4
COMMENTS_ON_PAGE = 100


# --- Observatories ------------------------------------------------------------------------


@require_safe
def observatory_list(request):
    return render(request, "observatory/observatory_list.html", {"observatories": Observatory.objects.for_listing()})


@require_safe
def observatory_detail(request, slug):
    observatory = get_object_or_404(
        Observatory.objects.public()
        .select_related("body")
        .with_publication_count()
        .prefetch_related("partners", "focus_areas", "topics"),
        slug=slug,
    )
    return render(
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
    return render(
        request,
        "observatory/publication_list.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "publications": page.object_list,
            "query_string": query_without_page.urlencode(),
            "search_text": filterset.text,
            "only_common_words": only_common_words,
            "is_filtered": any(value for key, value in request.GET.items() if key not in {"page", "sort"}),
        },
    )


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
    response = render(
        request,
        "observatory/publication_detail.html",
        {
            "publication": publication,
            "is_preview": is_preview,
            "admin_url": reverse("admin:observatory_publication_change", args=[publication.pk]) if is_preview else "",
            "related_news": list(
                publication.news.published().newest_first().defer("body", "search_document")[:NEWS_ON_PAGE]
            ),
            "presented_at": list(
                publication.events.published().order_by("-start", "-pk").defer("description", "search_document")
            ),
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
    return response


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
