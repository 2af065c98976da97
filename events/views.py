import calendar as month_calendar
import contextlib
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from events import calendar as ical
from events import certificate_pdf, door, links, services
from events.emails import participant_zone
from events.filters import EventFilter
from events.forms import SurveyForm
from events.models import Event, Registration, Session
from portal import cache as page_cache
from portal import services as workflow
from portal.http import keep_out_of_search_engines, keep_private
from portal.views import paginate

# --- Public pages -------------------------------------------------------------------------


@require_safe
def event_list(request):
    """/events/: upcoming events first (soonest first), then past ones (newest first)."""
    base = Event.objects.for_listing()
    filterset = EventFilter(request.GET or None, queryset=base)
    is_valid = filterset.is_valid() if filterset.is_bound else True
    # A bad filter value gets a message and the unfiltered list, never an error page.
    queryset = (filterset.qs if is_valid else base).upcoming_first()
    page = paginate(request, queryset, settings.EVENTS_PAGE_SIZE)
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    today = timezone.localdate()
    response = render(
        request,
        "events/event_list.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "events": page.object_list,
            "query_string": query_without_page.urlencode(),
            "calendar_url": reverse("events:calendar_month", kwargs={"year": today.year, "month": today.month}),
        },
    )
    # Filtered by a country or an organising body, it shows only that term's events.
    chosen = filterset.form.cleaned_data if filterset.is_bound and is_valid else {}
    terms = [chosen[key] for key in ("country", "body") if chosen.get(key)]
    if terms:
        return page_cache.shows(response, *(page_cache.related(Event, term) for term in terms))
    return page_cache.shows(response, page_cache.kind(Event))


def _detail_queryset():
    return (
        Event.objects.with_seats_taken()
        .select_related("country")
        .defer("search_document")
        .prefetch_related(
            "organising_bodies",
            "partners",
            "speakers",
            "documents",
            Prefetch("sessions", queryset=Session.objects.prefetch_related("speakers")),
        )
    )


def _outcome_documents(event):
    """The published publications that came out of a past event (its outcome documents).

    They live in the observatory app, which links to events; events reach them through that
    reverse relation only. An event still to come has none yet, so no query is spent on it.
    """
    try:
        event._meta.get_field("publications")
    except FieldDoesNotExist:
        return []
    if not event.is_past:
        return []
    return list(event.publications.published().order_by("-published_at"))


def _get_visible_event(request, slug, queryset=None):
    """The event at ``slug`` if the public may see it, or staff may preview it; else 404."""
    event = get_object_or_404(queryset if queryset is not None else Event.objects.all(), slug=slug)
    if not event.is_live and not workflow.can_preview(request.user, event):
        raise Http404(_("No event found at this address."))
    return event


@require_safe
def event_detail(request, slug):
    event = _get_visible_event(request, slug, _detail_queryset())
    is_preview = not event.is_live
    registration = None
    if request.user.is_authenticated:
        registration = (
            Registration.objects.filter(event=event, participant=request.user).with_waiting_list_position().first()
        )
        if registration is not None:
            registration.event = event
    context = {
        "event": event,
        "is_preview": is_preview,
        "admin_url": reverse("admin:events_event_change", args=[event.pk]) if is_preview else "",
        "registration": registration,
        "closed_reason": event.registration_closed_reason() if event.registration_enabled else None,
        "next_path": event.get_absolute_url(),
        "outcome_documents": _outcome_documents(event),
        "calendar_links": ical.calendar_links(event) if not (event.is_cancelled or event.is_past) else [],
    }
    if registration is not None and registration.is_active and not event.is_past:
        context["cancel_url"] = links.personal_path(registration, links.CANCEL)
        if registration.holds_seat and event.is_online and event.online_url and not event.is_past:
            context["join_url"] = links.personal_path(registration, links.JOIN)
    response = render(request, "events/event_detail.html", context)
    if is_preview or registration is not None:
        # A draft, or a page with someone's personal links, is never kept by a shared cache.
        keep_private(response, noindex=is_preview)
    # Its own item (with its parts and the seats taken) and the publications that came out of it.
    tags = [page_cache.item(event), *map(page_cache.item, context["outcome_documents"])]
    with contextlib.suppress(FieldDoesNotExist):
        tags.append(page_cache.related(event._meta.get_field("publications").related_model, event))
    return page_cache.shows(response, *tags)


@require_safe
def calendar_month(request, year, month):
    """A month grid; each event appears on the days it takes place in its own zone."""
    if not (1 <= month <= 12 and 1900 <= year <= 2200):
        raise Http404(_("No such month."))
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first_day, last_day = weeks[0][0], weeks[-1][-1]
    zone = timezone.get_default_timezone()
    # A day's margin each side: an event's local day may differ from the site's.
    window_start = datetime.combine(first_day - timedelta(days=1), datetime.min.time(), zone)
    window_end = datetime.combine(last_day + timedelta(days=2), datetime.min.time(), zone)
    events = list(
        Event.objects.published()
        .overlapping(window_start, window_end)
        .defer("description", "search_document", "online_url")
        .order_by("start", "pk")
    )
    by_day: dict[date, list] = {}
    for event in events:
        day = event.local_start.date()
        # An event ending at midnight does not take place on the following day.
        last = (event.local_end - timedelta(microseconds=1)).date()
        while day <= last:
            by_day.setdefault(day, []).append(event)
            day += timedelta(days=1)
    previous_month = date(year, month, 1) - timedelta(days=1)
    next_month = date(year, month, 28) + timedelta(days=7)
    response = render(
        request,
        "events/event_calendar.html",
        {
            "month": date(year, month, 1),
            "weeks": [
                [{"day": day, "events": by_day.get(day, []), "in_month": day.month == month} for day in week]
                for week in weeks
            ],  # fmt: skip
            "weekdays": [WEEKDAYS[index] for index in range(7)],  # translated; Monday first
            "previous_url": reverse(
                "events:calendar_month", kwargs={"year": previous_month.year, "month": previous_month.month}
            ),
            "next_url": reverse("events:calendar_month", kwargs={"year": next_month.year, "month": next_month.month}),
            "today": timezone.localdate(),
            "event_count": len(events),
        },
    )
    return page_cache.shows(response, page_cache.kind(Event))


@require_safe
def calendar_current(request):
    today = timezone.localdate()
    return redirect("events:calendar_month", year=today.year, month=today.month)


def _ics_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def event_ics(request, slug):
    event = get_object_or_404(Event.objects.published().select_related("country"), slug=slug)
    return _ics_response(ical.calendar_bytes([event], name=event.title), f"{event.slug}.ics")


FEED_SIZE = 500


@require_safe
def feed_ics(request):
    """Every published event (the newest FEED_SIZE), to subscribe to in a calendar app."""
    events = (
        Event.objects.published()
        .select_related("country")
        .defer("description", "search_document", "online_url")
        .order_by("-start")[:FEED_SIZE]
    )
    return _ics_response(
        ical.calendar_bytes(events, name=_("Pacific Alliance — Events")), "pacific-alliance-events.ics"
    )


# --- Registration -------------------------------------------------------------------------
#
# Pages reached through a personal link are private and not indexed (keep_private, noindex).
# The site's ``Referrer-Policy: same-origin`` already keeps the link's token from other sites;
# "no-referrer" on these pages would make browsers send ``Origin: null`` with the page's form,
# which the CSRF check rightly refuses.


@login_required
@require_http_methods(["GET", "POST"])
def register(request, slug):
    event = _get_visible_event(request, slug)
    if request.method == "GET":  # back from signing in: the button is on the event page
        return redirect(event.get_absolute_url() + "#registration")
    try:
        services.register(event=event, participant=request.user, mode=request.POST.get("mode", ""))
    except services.CannotParticipate as error:
        messages.error(request, str(error))
        return redirect("accounts:my_account")
    except services.RegistrationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Almost there: we have sent you an email. Open the link in it to confirm your participation."),
        )
    return HttpResponseRedirect(event.get_absolute_url() + "#registration")


@login_required
@require_POST
def switch_mode(request, slug):
    """A hybrid event's participant switches between the room and online (while seats allow)."""
    event = _get_visible_event(request, slug)
    registration = get_object_or_404(Registration, event=event, participant=request.user)
    try:
        services.switch_mode(registration=registration, mode=request.POST.get("mode", ""))
    except services.RegistrationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Done: you now take part %(mode)s.") % {"mode": registration.get_mode_display().lower()}
        )
    return HttpResponseRedirect(event.get_absolute_url() + "#registration")


@login_required
@require_POST
def resend_confirmation(request, slug):
    event = _get_visible_event(request, slug)
    registration = Registration.objects.filter(event=event, participant=request.user).first()
    try:
        if registration is None:
            raise services.InvalidTransition(_("You are not registered for this event."))
        services.resend_confirmation(registration=registration)
    except services.RegistrationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("We have sent the confirmation link again."))
    return HttpResponseRedirect(event.get_absolute_url() + "#registration")


def _link_problem(request, event, error):
    status = 400
    if isinstance(error, services.NotYourLink):
        status = 403
    elif isinstance(error, services.TokenExpired):
        status = 410
    return keep_private(
        render(
            request,
            "events/link_problem.html",
            {"event": event, "message": str(error), "is_expired": isinstance(error, services.TokenExpired)},
            status=status,
        ),
        noindex=True,
    )


#: What a confirmation's JSON answers read of the event (services.closed_reason, the queue's choice).
NARROW_EVENT_FIELDS = ("id", "slug", "status", "published_at", "state", "start", "has_waiting_list")


def _event_for_link(slug, *, narrow: bool = False):
    """The event of a personal link; ``narrow``: only what the JSON answers read (no page is rendered)."""
    events = Event.objects.only(*NARROW_EVENT_FIELDS) if narrow else Event.objects.select_related("country")
    event = events.filter(slug=slug).first()
    if event is None:
        raise Http404(_("No event found at this address."))
    return event


def _confirm_outcome(request, event, registration):
    """The confirmation's outcome: confirmed, or on the waiting list with the position (and, when
    the quotas keep the free seats for others, which)."""
    if not getattr(registration, "waiting_reason", ""):
        registration.waiting_reason = services.quota_waiting_reason(registration)
    return keep_private(
        render(
            request,
            "events/registration_done.html",
            {
                "event": event,
                "registration": registration,
                "position": registration.waiting_list_position,
                "cancel_url": links.personal_path(registration, links.CANCEL),
            },
        ),
        noindex=True,
    )


def _confirm_queued(request, event, registration, token, *, status=200):
    """The confirmation is queued: the page says so and (static/js/confirmation.js) shows the
    outcome as soon as a worker has decided it; without script, a link asks again."""
    return keep_private(
        render(
            request,
            "events/registration_queued.html",
            {"event": event, "registration": registration, "status_url": _confirm_status_url(event, token)},
            status=status,
        ),
        noindex=True,
    )


def _confirm_status_url(event, token):
    return reverse("events:registration_confirm_status", args=[event.slug, token])


def _confirmation_state(event, registration) -> dict:
    """What the confirmation page and its status answer say: queued, confirmed, waitlisted, or
    why neither (pending again, cancelled, closed)."""
    status = registration.status
    if status == Registration.Status.PENDING and registration.confirm_requested_at is not None:
        return {
            "state": "queued",
            "message": _(
                "We have your confirmation. Seats are given in the order confirmations arrive: "
                "yours is being decided now."
            ),
        }
    if status in Registration.SEATED:
        return {
            "state": "confirmed",
            "message": _("Your participation is confirmed. We have emailed you the details with a calendar file."),
        }
    if status == Registration.Status.WAITLISTED:
        position = registration.waiting_list_position
        return {
            "state": "waitlisted",
            "position": position,
            "message": _(
                "You are on the waiting list: the event is full. Your position on the waiting list: "
                "%(position)s. If a seat becomes free, it is yours automatically and we will email you."
            )
            % {"position": position},
        }
    if status == Registration.Status.CANCELLED:
        return {"state": "cancelled", "message": _("This registration is cancelled.")}
    reason = services.closed_reason(event, timezone.now())
    if reason:
        return {"state": "closed", "message": reason}
    return {"state": "pending", "message": _("Your participation is not confirmed yet: confirm it on this page.")}


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@require_http_methods(["GET", "POST"])
def registration_confirm(request, slug, token):
    """The one-time link of the confirmation email. GET asks; POST confirms (so that mail
    scanners that open links confirm nothing). For an event with a waiting list the POST queues
    the confirmation (services.request_confirmation) and the page shows the outcome when a worker
    has decided it: asked with ``Accept: application/json`` (static/js/confirmation.js), the POST
    answers with the state instead of a page. Opened again later, the link shows the outcome."""
    answer_in_json = request.method == "POST" and _wants_json(request)
    event = _event_for_link(slug, narrow=answer_in_json)
    try:
        registration = links.read_token(token, links.CONFIRM, event=event, user=request.user, with_participant=False)
    except services.InvalidToken as error:
        if answer_in_json:
            return keep_private(JsonResponse({"state": "invalid", "message": str(error)}, status=400))
        return _link_problem(request, event, error)
    queued = registration.status == Registration.Status.PENDING and registration.confirm_requested_at is not None
    if request.method == "POST":
        if registration.status != Registration.Status.PENDING:
            error = services.link_used(registration)
            if answer_in_json:
                return keep_private(JsonResponse({"state": "used", "message": str(error)}, status=400))
            return _link_problem(request, event, error)
        try:
            registration = services.request_confirmation(registration=registration)
        except services.RegistrationError as error:
            if answer_in_json:
                return keep_private(JsonResponse({"state": "refused", "message": str(error)}, status=400))
            return _link_problem(request, event, error)
        if answer_in_json:
            answer = _confirmation_state(event, registration)
            answer["status_url"] = _confirm_status_url(event, token)
            answer["page_url"] = request.path
            return keep_private(JsonResponse(answer, status=202 if answer["state"] == "queued" else 200))
        if registration.status == Registration.Status.PENDING:
            return _confirm_queued(request, event, registration, token, status=202)
        return _confirm_outcome(request, event, registration)
    if queued:
        return _confirm_queued(request, event, registration, token)
    if registration.status in (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED):
        return _confirm_outcome(request, event, registration)
    if registration.status != Registration.Status.PENDING:
        error = services.link_used(registration)
        return _link_problem(request, event, error)
    return keep_private(
        render(
            request,
            "events/registration_confirm.html",
            {"event": event, "registration": registration},
        ),
        noindex=True,
    )


@require_safe
def registration_confirm_status(request, slug, token):
    """The state of a confirmation, as JSON, for the page that waits for it (one query for the
    event, one for the registration, one for a waiting-list position)."""
    event = Event.objects.only(*NARROW_EVENT_FIELDS).filter(slug=slug).first()
    if event is None:
        return keep_private(
            JsonResponse({"state": "invalid", "message": _("No event found at this address.")}, status=404)
        )
    try:
        registration = links.read_token(token, links.CONFIRM, event=event, user=request.user, with_participant=False)
    except services.InvalidToken as error:
        status = (
            403 if isinstance(error, services.NotYourLink) else 410 if isinstance(error, services.TokenExpired) else 400
        )
        return keep_private(JsonResponse({"state": "invalid", "message": str(error)}, status=status))
    answer = _confirmation_state(event, registration)
    answer["page_url"] = reverse("events:registration_confirm", args=[event.slug, token])
    return keep_private(JsonResponse(answer), noindex=True)


@require_http_methods(["GET", "POST"])
def registration_cancel(request, slug, token):
    event = _event_for_link(slug)
    try:
        registration = links.read_token(token, links.CANCEL, event=event, user=request.user)
    except services.InvalidToken as error:
        return _link_problem(request, event, error)
    if request.method == "POST":
        try:
            registration = services.cancel(registration=registration)
        except services.RegistrationError as error:
            return _link_problem(request, event, error)
        return keep_private(
            render(request, "events/registration_done.html", {"event": event, "registration": registration}),
            noindex=True,
        )
    if registration.status == Registration.Status.CANCELLED or registration.status == Registration.Status.ATTENDED:
        error = services.InvalidTransition(
            _("Your registration is %(status)s; there is nothing to cancel.")
            % {"status": registration.get_status_display().lower()}
        )
        return _link_problem(request, event, error)
    return keep_private(
        render(request, "events/registration_cancel.html", {"event": event, "registration": registration}), noindex=True
    )


@require_http_methods(["GET", "HEAD", "POST"])
def registration_join(request, slug, token):
    """The personal access link. Opening it (GET) records nothing and leads nowhere by itself:
    mail security scanners open the links in emails, and must not mark anyone as attending nor
    learn the meeting's address. Inside the window the page has a "Join now" button; pressing it
    (POST) records attendance and leads to the online access address. Before the window, the
    page says when it opens, in the participant's time."""
    event = _event_for_link(slug)
    try:
        registration = links.read_token(token, links.JOIN, event=event, user=request.user)
        if request.method == "POST":
            url = services.join(registration=registration)
        else:
            services.check_join(registration=registration)
    except services.JoinNotOpenYet as error:
        zone, country, _language = participant_zone(registration.participant)
        return keep_private(
            render(
                request,
                "events/join_wait.html",
                {"event": event, "opens_at": error.opens_at, "own_zone": zone, "own_country": country},
            ),
            noindex=True,
        )
    except services.RegistrationError as error:
        return _link_problem(request, event, error)
    if request.method != "POST":
        return keep_private(
            render(request, "events/join_now.html", {"event": event, "registration": registration}), noindex=True
        )
    response = keep_private(HttpResponseRedirect(url), noindex=True)
    response["Referrer-Policy"] = "no-referrer"  # the meeting platform is not told the personal link
    return response


# --- The door (check-in) and the door pass --------------------------------------------------


@login_required
@require_safe
def door_pass(request, slug):
    """/events/<slug>/pass.svg: the signed-in participant's own QR code for the door."""
    registration = (
        Registration.objects.select_related("event")
        .filter(event__slug=slug, participant=request.user)
        .exclude(status=Registration.Status.CANCELLED)
        .first()
    )
    if registration is None or not door.has_pass(registration):
        raise Http404
    return keep_private(HttpResponse(door.pass_svg(registration), content_type="image/svg+xml"), noindex=True)


@login_required
@require_http_methods(["GET", "POST"])
def door_check_in(request, slug):
    """/events/<slug>/door/: staff with the check-in permission check people in, by the QR
    code (the page's camera reader, static/js/door.js) or by the short code typed. Without
    JavaScript the form posts and the page shows the answer; with it, the answer comes as JSON."""
    event = get_object_or_404(
        Event.objects.only("pk", "slug", "title", "format", "state", "start", "end", "time_zone"), slug=slug
    )
    if not services.can_check_in(request.user):
        response = render(request, "events/door_refused.html", {"event": event}, status=403)
        return keep_private(response, noindex=True)
    result = error = None
    if request.method == "POST":
        try:
            result = services.check_in_at_door(
                event=event, actor=request.user, token=request.POST.get("token", ""), code=request.POST.get("code", "")
            )
        except services.RegistrationError as refused:
            error = str(refused)
        if "application/json" in request.headers.get("Accept", ""):
            answer = _door_answer(result, error, _door_counts(event))
            return keep_private(JsonResponse(answer, status=200 if result else 409), noindex=True)
    context = {"event": event, "result": result, "error": error, "count": _door_counts(event)}
    return keep_private(render(request, "events/door.html", context), noindex=True)


def _door_counts(event) -> str:
    counts = Registration.objects.filter(event=event).aggregate(
        done=Count("pk", filter=Q(status=Registration.Status.ATTENDED, attendance=Registration.Attendance.IN_PERSON)),
        # Those who come to the door: a hybrid event's online seats are not counted.
        total=Count("pk", filter=Q(status__in=Registration.SEATED) & ~Q(mode=Registration.Attendance.ONLINE)),
    )
    return _("%(done)s of %(total)s confirmed participants checked in.") % counts


def _door_answer(result, error, count: str) -> dict:
    if result is None:
        return {"ok": False, "message": error, "count": count}
    message = (_("%(name)s was already checked in.") if result.already else _("%(name)s is checked in.")) % {
        "name": result.name
    }
    return {
        "ok": True, "already": result.already, "name": result.name, "mode": result.mode, "message": message,
        "count": count,
    }  # fmt: skip


# --- Attendance certificates ----------------------------------------------------------------


@login_required
@require_safe
def certificate_download(request, slug):
    """/events/<slug>/certificate.pdf: the participant's own certificate (issued on first download)."""
    registration = (
        Registration.objects.select_related("event", "participant")
        .filter(event__slug=slug, participant=request.user)
        .first()
    )
    if registration is None:
        raise Http404
    try:
        certificate = services.issue_certificate(registration=registration, actor=request.user)
    except services.CertificateRefused as refused:
        context = {"event": registration.event, "message": str(refused)}
        return keep_private(render(request, "events/certificate_unavailable.html", context, status=403), noindex=True)
    response = HttpResponse(certificate_pdf.render(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code_shown}.pdf"'
    return keep_private(response, noindex=True)


@require_safe
def certificate_lookup(request):
    """/certificates/: anyone types a verification code (``?code=``) and sees what it certifies."""
    code = request.GET.get("code", "").strip()[:40]
    if code:
        return redirect("events:certificate_verify", code=code)
    return render(request, "events/certificate_verify.html", {"code": "", "searched": False})


@require_safe
def certificate_verify(request, code):
    """/certificates/<code>/: the certificate's facts, or that it is revoked, or unknown."""
    certificate = services.find_certificate(code)
    context = {"code": code[:40], "searched": True, "certificate": certificate}
    response = render(request, "events/certificate_verify.html", context, status=200 if certificate else 404)
    return keep_out_of_search_engines(response)


# --- The survey after the event -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def registration_survey(request, slug, token):
    """/events/<slug>/survey/<token>/: the participant's own survey link, from the follow-up email."""
    event = _event_for_link(slug)
    try:
        registration = links.read_token(token, links.SURVEY, event=event, user=request.user)
    except services.InvalidToken as error:
        return _link_problem(request, event, error)
    refusal = services.survey_refusal(registration)
    questions = list(event.survey_questions.all())
    form = SurveyForm(request.POST or None, questions=questions)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            services.answer_survey(registration=registration, answers=form.answers())
        except services.SurveyRefused as refused:
            form.add_error(None, str(refused))
        else:
            return keep_private(render(request, "events/survey_done.html", {"event": event}), noindex=True)
    context = {"event": event, "form": form, "refusal": refusal}
    return keep_private(render(request, "events/survey.html", context, status=409 if refusal else 200), noindex=True)
