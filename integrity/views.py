"""Pages of the integrity app.

Public: the directory of initiatives, an initiative's page with its pledge and signatories,
and the aggregated dashboard. For an organisation's members (private, never cached): the
self-assessment (overview, a form per section that saves as you go, submit), its results
beside the benchmarks, its progress and its report (PDF). For staff: the detailed
dashboard and its XLSX export. Someone else's organisation or assessment is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from integrity import exports, results, services
from integrity.benchmarks import ANY, KINDS
from integrity.filters import InitiativeFilter
from integrity.forms import DashboardForm, WithdrawForm
from integrity.models import (
    OPEN_SOURCES_DISCLAIMER,
    AnswerAccess,
    Assessment,
    BenchmarkStat,
    Initiative,
    PledgeSignature,
    Questionnaire,
)
from organisations.models import Membership, Organisation
from organisations.services import membership_of
from portal import cache as page_cache
from portal import services as workflow
from portal.http import keep_private
from portal.views import paginate

INITIATIVES_PAGE_SIZE = 12


# --- Initiatives --------------------------------------------------------------------------


@require_safe
def initiative_list(request):
    filterset = InitiativeFilter(request.GET or None, queryset=Initiative.objects.for_listing())
    is_valid = filterset.is_valid() if filterset.is_bound else True
    queryset = filterset.qs if is_valid else Initiative.objects.for_listing()
    page = paginate(request, queryset, INITIATIVES_PAGE_SIZE)
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    response = render(
        request,
        "integrity/initiative_list.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "initiatives": page.object_list,
            "query_string": query_without_page.urlencode(),
            "is_filtered": any(value for key, value in request.GET.items() if key != "page"),
        },
    )
    # Filtered by a country or a topic, it shows only that term's initiatives.
    chosen = filterset.form.cleaned_data if filterset.is_bound and is_valid else {}
    terms = [chosen[key] for key in ("country", "topic") if chosen.get(key)]
    if terms:
        return page_cache.shows(response, *(page_cache.related(Initiative, term) for term in terms))
    return page_cache.shows(response, page_cache.kind(Initiative))


def _initiative_or_404(request, slug) -> Initiative:
    initiative = get_object_or_404(
        Initiative.objects.prefetch_related("partners", "sources", "countries", "topics").defer("search_document"),
        slug=slug,
    )
    if not initiative.is_live and not workflow.can_preview(request.user, initiative):
        raise Http404(_("No initiative found at this address."))
    return initiative


@require_safe
def initiative_detail(request, slug):
    initiative = _initiative_or_404(request, slug)
    signatures = list(
        PledgeSignature.objects.standing()
        .filter(initiative=initiative)
        .select_related("organisation", "version")
        .order_by("signed_at", "pk")
    )
    pledge = services.current_pledge(initiative)
    context = {
        "initiative": initiative,
        "is_preview": not initiative.is_live,
        "pledge": pledge,
        "signatures": signatures,
        "questionnaires": list(initiative.questionnaires.all()),
        "disclaimer": OPEN_SOURCES_DISCLAIMER if initiative.is_from_open_sources else "",
        "represented": [],
        "withdraw_form": WithdrawForm(),
    }
    if request.user.is_authenticated:
        signed = {signature.organisation_id: signature for signature in signatures}
        represented = Organisation.objects.filter(
            memberships__person=request.user,
            memberships__status=Membership.Status.ACTIVE,
            memberships__role=Membership.Role.REPRESENTATIVE,
        ).order_by("name")
        context["represented"] = [
            {"organisation": organisation, "signature": signed.get(organisation.pk)} for organisation in represented
        ]
    response = render(request, "integrity/initiative_detail.html", context)
    # A signed-in representative's page has their own forms; a preview is not public.
    if request.user.is_authenticated or context["is_preview"]:
        return keep_private(response, noindex=True)
    # Its parts (partners, sources, pledge texts, signatures) turn its own tag; its questionnaires' titles.
    return page_cache.shows(response, page_cache.item(initiative), *map(page_cache.item, context["questionnaires"]))


@login_required
@require_POST
def sign_pledge(request, slug):
    initiative = _initiative_or_404(request, slug)
    organisation = (
        Organisation.objects.of_member(request.user).filter(slug=request.POST.get("organisation", "")).first()
    )
    pledge = initiative.pledge_versions.filter(pk=request.POST.get("version") or 0).first()
    if organisation is None or pledge is None:
        messages.error(request, _("Choose an organisation you represent and the text you sign."))
        return redirect(initiative.get_absolute_url() + "#pledge")
    try:
        services.sign_pledge(initiative=initiative, organisation=organisation, actor=request.user, version=pledge)
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("“%(name)s” has signed the pledge. Thank you.") % {"name": organisation.name})
    return redirect(initiative.get_absolute_url() + "#pledge")


@login_required
@require_POST
def withdraw_pledge(request, slug, signature_id):
    initiative = _initiative_or_404(request, slug)
    signature = PledgeSignature.objects.filter(
        pk=signature_id, initiative=initiative, organisation__in=Organisation.objects.of_member(request.user)
    ).first()
    if signature is None:
        raise Http404(_("No such signature."))
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.withdraw_pledge(signature=signature, actor=request.user, reason=reason)
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The signature has been withdrawn; the withdrawal is recorded."))
    return redirect(initiative.get_absolute_url() + "#pledge")


# --- The organisation's section (organisations.registry) ------------------------------------


def assessment_section(organisation, membership) -> dict:
    """What the organisation page shows: each questionnaire, this cycle's assessment, earlier ones."""
    cycle = services.current_cycle()
    assessments = list(
        Assessment.objects.filter(organisation=organisation).select_related("questionnaire").order_by("-cycle")
    )
    questionnaires = list(
        Questionnaire.objects.filter(versions__status="published").select_related("initiative").distinct()
    )
    signatures = list(
        PledgeSignature.objects.filter(organisation=organisation).select_related("initiative").order_by("-signed_at")
    )
    rows = []
    for questionnaire in questionnaires:
        mine = [a for a in assessments if a.questionnaire_id == questionnaire.pk]
        rows.append(
            {
                "questionnaire": questionnaire,
                "current": next((a for a in mine if a.cycle == cycle), None),
                "earlier": [a for a in mine if a.cycle != cycle],
            }
        )
    return {
        "rows": rows,
        "cycle": cycle,
        "organisation": organisation,
        "is_representative": bool(membership and membership.role == Membership.Role.REPRESENTATIVE),
        "signatures": signatures,
        "accesses": list(
            AnswerAccess.objects.filter(organisation=organisation, is_staff_access=True)
            .select_related("assessment")
            .order_by("-created_at")[:10]
        ),
    }


# --- The self-assessment --------------------------------------------------------------------


def _assessment_or_404(request, pk) -> tuple[Assessment, Membership | None]:
    """An assessment of an organisation the visitor is an active member of; else 404."""
    assessment = Assessment.objects.select_related("organisation", "questionnaire", "version").filter(pk=pk).first()
    membership = membership_of(request.user, assessment.organisation) if assessment else None
    if assessment is None or membership is None:
        raise Http404(_("No self-assessment found at this address."))
    return assessment, membership


@login_required
@require_POST
def start_assessment(request, slug, questionnaire_slug):
    organisation = Organisation.objects.of_member(request.user).filter(slug=slug).first()
    if organisation is None:
        raise Http404(_("No organisation found at this address."))
    questionnaire = get_object_or_404(Questionnaire, slug=questionnaire_slug)
    try:
        assessment = services.start_assessment(
            questionnaire=questionnaire, organisation=organisation, actor=request.user
        )
    except services.AssessmentError as error:
        messages.error(request, str(error))
        return redirect(organisation.get_absolute_url())
    return redirect(assessment.get_absolute_url())


@login_required
@require_safe
def assessment_detail(request, pk):
    assessment, membership = _assessment_or_404(request, pk)
    rows = services.progress(assessment)
    return keep_private(
        render(
            request,
            "integrity/assessment_detail.html",
            {
                "assessment": assessment,
                "organisation": assessment.organisation,
                "membership": membership,
                "is_representative": membership.role == Membership.Role.REPRESENTATIVE,
                "progress": rows,
                "required_left": sum(row["required_left"] for row in rows),
                "reopenings": list(assessment.reopenings.all()),
            },
        ),
        noindex=True,
    )


def _answers_from_post(post, section_questions=None) -> list[services.AnswerInput]:
    """The answers a form (or the autosave script) sent: ``q<id>`` = an option's id or ``na``,
    beside ``was<id>`` = the value shown when the page was built. Only what the person changed
    is saved, so two colleagues on the same section do not overwrite each other's answers."""
    answers = []
    for name, value in post.items():
        if not (name.startswith("q") and name[1:].isdigit()):
            continue
        question_id = int(name[1:])
        if "was" + name[1:] in post and post["was" + name[1:]] == value:
            continue
        if value == "na":
            answers.append(services.AnswerInput(question_id=question_id, not_applicable=True))
        elif value.isdigit():
            answers.append(services.AnswerInput(question_id=question_id, option_id=int(value)))
        elif value == "":
            answers.append(services.AnswerInput(question_id=question_id))
        else:
            raise services.InvalidAnswer(_("An answer was not understood."))
    return answers


@login_required
@require_http_methods(["GET", "POST"])
def assessment_section_form(request, pk, code):
    assessment, membership = _assessment_or_404(request, pk)
    section = assessment.version.sections.filter(code=code).first()
    if section is None:
        raise Http404(_("This questionnaire has no such section."))
    wants_json = request.headers.get("X-Requested-With") == "fetch"
    status = 200
    if request.method == "POST":
        try:
            changed = services.save_answers(
                assessment=assessment, actor=request.user, answers=_answers_from_post(request.POST)
            )
        except services.AssessmentError as error:
            if wants_json:
                return keep_private(JsonResponse({"saved": False, "message": str(error)}, status=400), noindex=True)
            messages.error(request, str(error))
            status = 400
        else:
            if wants_json:
                return keep_private(
                    JsonResponse({"saved": True, "changed": changed, "at": timezone.localtime().strftime("%H:%M")}),
                    noindex=True,
                )
            messages.success(request, _("Your answers are saved."))
            sections = list(assessment.version.sections.values_list("code", flat=True))
            following = sections[sections.index(code) + 1] if sections.index(code) + 1 < len(sections) else None
            if "next" in request.POST and following:
                return redirect("integrity:assessment_section", pk=assessment.pk, code=following)
            return redirect("integrity:assessment_detail", pk=assessment.pk)
    questions = list(section.questions.prefetch_related("options"))
    answers = {
        answer.question_id: answer
        for answer in assessment.answers.filter(question__section=section).select_related("answered_by")
    }
    sections = list(assessment.version.sections.all())
    index = [s.pk for s in sections].index(section.pk)
    return keep_private(
        render(
            request,
            "integrity/assessment_section.html",
            {
                "assessment": assessment,
                "organisation": assessment.organisation,
                "section": section,
                "sections": sections,
                "next_section": sections[index + 1] if index + 1 < len(sections) else None,
                "previous_section": sections[index - 1] if index > 0 else None,
                "rows": [
                    {
                        "question": question,
                        "answer": answers.get(question.pk),
                        "value": _value_of(answers.get(question.pk)),
                    }
                    for question in questions
                ],
                "is_locked": assessment.is_submitted,
            },
            status=status,
        ),
        noindex=True,
    )


def _value_of(answer) -> str:
    if answer is None:
        return ""
    return "na" if answer.is_not_applicable else str(answer.option_id)


@login_required
@require_POST
def submit_assessment(request, pk):
    assessment, _membership = _assessment_or_404(request, pk)
    try:
        services.submit_assessment(assessment=assessment, actor=request.user)
    except services.AssessmentError as error:
        messages.error(request, str(error))
        return redirect("integrity:assessment_detail", pk=assessment.pk)
    messages.success(request, _("The self-assessment is submitted. Here are your results."))
    return redirect("integrity:assessment_results", pk=assessment.pk)


def _chosen_kind(request):
    wanted = request.GET.get("group", "all")
    for kind, name in results.KIND_PARAMS.items():
        if name == wanted:
            return kind
    return ()


@login_required
@require_safe
def assessment_results(request, pk):
    assessment, _membership = _assessment_or_404(request, pk)
    if not assessment.is_submitted:
        messages.info(request, _("The results show once the self-assessment is submitted."))
        return redirect("integrity:assessment_detail", pk=assessment.pk)
    data = results.results_for(assessment, chosen_kind=_chosen_kind(request))
    return keep_private(
        render(
            request,
            "integrity/assessment_results.html",
            {
                "assessment": assessment,
                "organisation": assessment.organisation,
                "results": data,
                "kind_choices": [(results.KIND_PARAMS[kind], results.KIND_LABELS[kind]) for kind in KINDS],
                "chosen_param": results.KIND_PARAMS[data.chosen_kind],
                "chart": exports.progress_chart(data),
            },
        ),
        noindex=True,
    )


@login_required
@require_safe
def assessment_report(request, pk):
    assessment, _membership = _assessment_or_404(request, pk)
    if not assessment.is_submitted:
        raise Http404(_("The report exists once the self-assessment is submitted."))
    data = results.results_for(assessment)
    services.record_access(
        assessment=assessment, viewer=request.user, action=AnswerAccess.Action.EXPORTED_PDF, surface="report"
    )
    response = HttpResponse(exports.report_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="self-assessment-{assessment.organisation.slug}-{assessment.cycle}.pdf"'
    )
    return keep_private(response, noindex=True)


# --- Dashboards -----------------------------------------------------------------------------


def _questionnaire_for_dashboard(request):
    slug = request.GET.get("questionnaire")
    queryset = Questionnaire.objects.filter(versions__status="published").distinct().order_by("pk")
    questionnaire = queryset.filter(slug=slug).first() if slug else queryset.first()
    if questionnaire is None and slug:
        raise Http404(_("No such questionnaire."))
    return questionnaire


def _dashboard_context(request, *, staff):
    questionnaire = _questionnaire_for_dashboard(request)
    if questionnaire is None:
        return {"questionnaire": None}
    cycles = results.cycles_with_figures(questionnaire)
    cycle = cycles[0] if cycles else None
    metrics = None
    if staff:
        sections = questionnaire.current_version().sections.all() if questionnaire.current_version() else []
        metrics = [(BenchmarkStat.OVERALL, _("Overall score")), *[(s.code, s.title) for s in sections]]
    form = DashboardForm(request.GET or None, cycles=cycles, choices={"country": []}, metrics=metrics)
    key = (ANY, ANY, ANY)
    metric = BenchmarkStat.OVERALL
    if form.is_bound:
        if form.is_valid():
            cycle = form.cleaned_data.get("year") or cycle
            key = (form.cleaned_data["country"], form.cleaned_data["size_class"], form.cleaned_data["sector"])
            metric = form.cleaned_data.get("metric") or metric
        else:
            messages.error(request, _("Some filters were not understood; the whole cycle is shown."))
    choices = results.choices_for(questionnaire, cycle) if cycle else {"country": [], "size_class": [], "sector": []}
    form.fields["country"].widget.choices = [("", _("Any")), *choices["country"]]
    board = results.dashboard_for(questionnaire, cycle, key, metric=metric) if cycle else None
    return {
        "questionnaire": questionnaire,
        "form": form,
        "board": board,
        "metric": metric,
        "cycles": cycles,
        "sections": list(questionnaire.current_version().sections.all()) if questionnaire.current_version() else [],
    }


@require_safe
def dashboard(request):
    context = _dashboard_context(request, staff=False)
    # The benchmarks are rewritten in bulk, which turns every page; the questionnaires' titles.
    return page_cache.shows(render(request, "integrity/dashboard.html", context), page_cache.kind(Questionnaire))


def _require_staff_dashboard(request):
    if not (
        request.user.is_authenticated
        and request.user.is_staff
        and request.user.has_perm("integrity.view_benchmarkstat")
    ):
        raise PermissionDenied


@login_required
@require_safe
def staff_dashboard(request):
    _require_staff_dashboard(request)
    context = _dashboard_context(request, staff=True)
    if context.get("board"):
        context["all_groups"] = exports.all_groups(context["questionnaire"], context["board"].cycle, context["metric"])
    return keep_private(render(request, "integrity/staff_dashboard.html", {**context, "staff": True}), noindex=True)


@login_required
@require_safe
def staff_dashboard_export(request):
    _require_staff_dashboard(request)
    questionnaire = _questionnaire_for_dashboard(request)
    if questionnaire is None:
        raise Http404(_("No such questionnaire."))
    cycles = results.cycles_with_figures(questionnaire)
    try:
        cycle = int(request.GET.get("year") or (cycles[0] if cycles else 0))
    except ValueError:
        cycle = 0
    if cycle not in cycles:
        raise Http404(_("No figures for this year."))
    response = HttpResponse(
        exports.dashboard_xlsx(questionnaire, cycle),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="integrity-benchmarks-{questionnaire.slug}-{cycle}.xlsx"'
    return keep_private(response, noindex=True)
