from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Profile
from accounts.services import can_participate
from consultations import services
from consultations.forms import CommentForm, ReportForm
from consultations.models import Comment, Consultation, Paragraph
from observatory.models import Observatory
from portal import cache as page_cache
from portal import services as workflow
from portal.cache import PAGE_TTL
from portal.http import client_address, keep_out_of_caches, keep_private
from portal.models import Country
from portal.views import paginate

COMMENTS_PER_PAGE = 50


def _unless_soon_stale(response, consultations):
    """A page that shows whether a consultation is open must not be kept in the shared page cache
    past the time it opens or closes (the cache knows only the content version): when that time
    is less than a cache lifetime away, the page is not stored."""
    now = timezone.now()
    for consultation in consultations:
        change = consultation.next_change
        if change is not None and (change - now).total_seconds() < PAGE_TTL:
            keep_out_of_caches(response)
            break
    return response


@require_safe
def consultation_list(request):
    page = paginate(
        request,
        Consultation.objects.for_listing().with_comment_count().select_related("observatory"),
        settings.CONSULTATIONS_PAGE_SIZE,
    )
    response = render(request, "consultations/consultation_list.html", {"page_obj": page, "consultations": page})
    # The consultations with their comment counts and their observatories' names.
    page_cache.shows(response, page_cache.kind(Consultation), page_cache.kind(Comment), page_cache.kind(Observatory))
    return _unless_soon_stale(response, page.object_list)


def _consultation_or_404(request, slug, queryset=None):
    queryset = queryset if queryset is not None else Consultation.objects.all()
    consultation = get_object_or_404(queryset, slug=slug)
    if not consultation.is_live and not workflow.can_preview(request.user, consultation):
        raise Http404(_("No consultation found at this address."))
    return consultation


def _full():
    return Consultation.objects.select_related("publication", "observatory").prefetch_related(
        "eligible_countries", "topics", "bodies", "countries"
    )


@dataclass
class ParagraphView:
    paragraph: Paragraph
    total: int = 0
    sectors: list = field(default_factory=list)  # (label, count), largest first
    form: CommentForm | None = None  # a failed post on this paragraph, with its errors


def _come_back_after(url, consultation):
    return f"{url}?{urlencode({'next': consultation.get_absolute_url()})}"


def _reading(request, consultation, *, failed_form=None, failed_key=None):
    """Everything the page shows, in a fixed number of queries whatever the number of paragraphs
    and comments: the paragraphs (1), the counts per paragraph and sector (1), the countries of
    the filter (1), a page of comments (2), and the visitor's own state (up to 4)."""
    sectors = dict(Comment.Sector.choices)
    sector = request.GET.get("sector", "")
    sector = sector if sector in sectors else ""
    countries = list(Country.objects.all())
    code = request.GET.get("country", "").upper()
    country = next((candidate for candidate in countries if candidate.code == code), None)
    public = Comment.objects.filter(consultation=consultation).public()
    chosen = public.filtered(sector=sector, country=country.code if country else "")
    counts = chosen.count_by_paragraph_and_sector()

    paragraphs = list(consultation.paragraphs.all())
    by_id = {paragraph.pk: paragraph for paragraph in paragraphs}
    views = []
    for paragraph in paragraphs:
        per_sector = counts.get(paragraph.pk, {})
        views.append(
            ParagraphView(
                paragraph=paragraph,
                total=sum(per_sector.values()),
                sectors=sorted(
                    ((sectors[value], total) for value, total in per_sector.items() if value in sectors),
                    key=lambda pair: -pair[1],
                ),
                form=failed_form if failed_key and paragraph.key == failed_key else None,
            )
        )
    whole = counts.get(None, {})

    wanted = request.GET.get("paragraph", "")
    focus = next((paragraph for paragraph in paragraphs if paragraph.key == wanted), None) if wanted else None
    listed = chosen.order_by("-created_at", "-pk")
    if focus is not None:
        listed = listed.filter(paragraph=focus)
    elif wanted == "whole":
        listed = listed.filter(paragraph__isnull=True)
    page = paginate(request, listed, COMMENTS_PER_PAGE)
    for comment in page.object_list:
        comment.paragraph = by_id.get(comment.paragraph_id)  # already read: no query per comment

    user = request.user
    refusal = ""
    if not user.is_authenticated:
        participation = "sign_in"
    elif not can_participate(user):
        participation = "complete_profile"
    else:
        refusal = services.eligibility_refusal(consultation, Profile.objects.filter(user=user).first())
        participation = "not_eligible" if refusal else "participant"
    own_pending = 0
    if participation == "participant":
        own_pending = Comment.objects.filter(consultation=consultation, participant=user, status="pending").count()
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "paragraphs": views,
        "numbered": [view for view in views if view.paragraph.number and not view.paragraph.is_removed],
        "removed": [view for view in views if view.paragraph.is_removed],
        "whole_total": sum(whole.values()),
        "comment_total": sum(sum(per.values()) for per in counts.values()),
        "sector_choices": list(sectors.items()),
        "country_choices": countries,
        "chosen_sector": sector,
        "chosen_sector_label": sectors.get(sector, ""),
        "chosen_country": country,
        "is_filtered": bool(sector or country),
        "focus": focus,
        "focus_whole": wanted == "whole",
        "page_obj": page,
        "comments": page.object_list,
        "query_string": query.urlencode(),
        "participation": participation,
        "refusal": refusal,
        "own_pending": own_pending,
        "comment_form": failed_form if failed_form is not None and not failed_key else CommentForm(),
        "report_form": ReportForm(),
        "login_url": _come_back_after(reverse("account_login"), consultation),
        "signup_url": _come_back_after(reverse("account_signup"), consultation),
    }


def _render(request, consultation, *, status=200, failed_form=None, failed_key=None):
    is_preview = not consultation.is_live
    response = render(
        request,
        "consultations/consultation_detail.html",
        {
            "consultation": consultation,
            "is_preview": is_preview,
            "admin_url": reverse("admin:consultations_consultation_change", args=[consultation.pk]),
            "phase": consultation.phase,
            "now": timezone.now(),
            **_reading(request, consultation, failed_form=failed_form, failed_key=failed_key),
        },
        status=status,
    )
    if is_preview:
        return keep_private(response, noindex=True)
    # Its text (paragraphs are part of it), its approved comments, the publication and observatory it belongs to.
    page_cache.shows(
        response,
        page_cache.item(consultation),
        page_cache.related(Comment, consultation),
        page_cache.item(consultation.publication),
        page_cache.item(consultation.observatory),
    )
    return _unless_soon_stale(response, [consultation])


@require_safe
def consultation_detail(request, slug):
    return _render(request, _consultation_or_404(request, slug, _full()))


@require_POST
def post_comment(request, slug):
    consultation = _consultation_or_404(request, slug)
    if not request.user.is_authenticated:
        messages.info(request, _("Sign in to comment on this consultation."))
        return HttpResponseRedirect(_come_back_after(reverse("account_login"), consultation))
    form = CommentForm(request.POST)
    key = request.POST.get("paragraph", "")[:16]
    back = consultation.get_absolute_url() + (f"#p-{key}" if key else "#comments")
    if form.is_valid():
        try:
            services.post_comment(
                consultation=consultation,
                participant=request.user,
                text=form.cleaned_data["text"],
                paragraph_key=form.cleaned_data["paragraph"],
            )
        except (services.NotAllowed, services.UnknownParagraph) as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(back)
        except services.InputError as error:
            form.add_error("text", str(error))  # the text stays in the form, to send again
        else:
            messages.success(
                request, _("Thank you. Your comment will appear on this page once a moderator has approved it.")
            )
            return HttpResponseRedirect(back)
    consultation = _full().get(pk=consultation.pk)
    return _render(request, consultation, status=400, failed_form=form, failed_key=key)


@require_POST
def report_comment(request, slug, comment_id):
    consultation = _consultation_or_404(request, slug)
    comment = get_object_or_404(Comment.objects.public(), pk=comment_id, consultation=consultation)
    form = ReportForm(request.POST)
    try:
        services.report_comment(
            comment=comment,
            reporter_key=services.reporter_key_for(request),
            reason=form.cleaned_data["reason"] if form.is_valid() else "",
            user=request.user,
            client_address=client_address(request),
        )
    except services.InputError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, _("Thank you. A moderator will look at this comment."))
    return HttpResponseRedirect(consultation.get_absolute_url() + "#comments")
