"""Pages of organisations for their members: create, find and ask to join, members, invitations.

Everything here is personal: responses are private and never cached. An organisation that
the visitor may not see is a 404, as one that does not exist.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.services import can_participate
from organisations import registry, services
from organisations.forms import InviteForm, JoinSearchForm, OrganisationForm
from organisations.models import Membership, Organisation
from portal.http import keep_private as private


def keep_private(response, *, noindex: bool = True):
    """Every page of an organisation is its members' own: portal.http.keep_private, never indexed."""
    return private(response, noindex=noindex)


def _visible_or_404(request, slug) -> Organisation:
    organisation = Organisation.objects.visible_to(request.user).filter(slug=slug).first()
    if organisation is None:
        raise Http404(_("No organisation found at this address."))
    return organisation


@login_required
@require_safe
def my_organisations(request):
    data = services.my_organisations_section(request.user)
    return keep_private(
        render(
            request,
            "organisations/organisation_list.html",
            {**data, "can_participate": can_participate(request.user)},
        ),
        noindex=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.create_organisation(creator=request.user, **form.cleaned_data)
        except services.OrganisationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("“%(name)s” is registered and you are its representative. Staff will verify it.")
                % {"name": organisation.name},
            )
            return redirect(organisation.get_absolute_url())
    return keep_private(
        render(
            request,
            "organisations/organisation_form.html",
            {"form": form, "can_participate": can_participate(request.user), "is_new": True},
        ),
        noindex=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request, slug):
    organisation = _visible_or_404(request, slug)
    if not services.is_representative(request.user, organisation):
        raise Http404(_("No organisation found at this address."))
    form = OrganisationForm(request.POST or None, initial=OrganisationForm.initial_for(organisation))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organisation(organisation=organisation, actor=request.user, changes=form.cleaned_data)
        except services.OrganisationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The organisation's details have been saved."))
            return redirect(organisation.get_absolute_url())
    return keep_private(
        render(
            request,
            "organisations/organisation_form.html",
            {"form": form, "organisation": organisation, "can_participate": True, "is_new": False},
        ),
        noindex=True,
    )


@login_required
@require_safe
def organisation_join(request):
    form = JoinSearchForm(request.GET or None)
    results = []
    if form.is_valid() and form.cleaned_data["q"]:
        results = list(services.search_to_join(form.cleaned_data["q"]))
    return keep_private(
        render(
            request,
            "organisations/organisation_join.html",
            {"form": form, "results": results, "can_participate": can_participate(request.user)},
        ),
        noindex=True,
    )


@login_required
@require_POST
def request_to_join(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    try:
        services.request_to_join(organisation=organisation, person=request.user)
    except services.OrganisationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("You have asked to join “%(name)s”. A representative will answer; you will see it here.")
            % {"name": organisation.name},
        )
    return redirect("organisations:my_organisations")


@login_required
@require_safe
def organisation_detail(request, slug):
    organisation = _visible_or_404(request, slug)
    membership = services.membership_of(request.user, organisation)
    is_representative = bool(membership and membership.role == Membership.Role.REPRESENTATIVE)
    memberships = list(
        organisation.memberships.filter(
            status__in=[Membership.Status.ACTIVE, Membership.Status.INVITED, Membership.Status.REQUESTED]
        )
        .select_related("person")
        .order_by("status", "-role", "pk")
    )
    sections = [
        {"section": section, "data": section.section_context(organisation, membership)}
        for section in registry.sections()
    ]
    return keep_private(
        render(
            request,
            "organisations/organisation_detail.html",
            {
                "organisation": organisation,
                "membership": membership,
                "is_representative": is_representative,
                "active": [m for m in memberships if m.status == Membership.Status.ACTIVE],
                "requested": [m for m in memberships if m.status == Membership.Status.REQUESTED],
                "invited": [m for m in memberships if m.status == Membership.Status.INVITED],
                "invite_form": InviteForm(),
                "sections": sections,
            },
        ),
        noindex=True,
    )


def _membership_or_404(request, slug, membership_id) -> Membership:
    organisation = _visible_or_404(request, slug)
    membership = organisation.memberships.filter(pk=membership_id).select_related("organisation").first()
    if membership is None:
        raise Http404(_("No such membership."))
    return membership


@login_required
@require_POST
def invite(request, slug):
    organisation = _visible_or_404(request, slug)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address and choose a role."))
        return redirect(organisation.get_absolute_url() + "#members")
    try:
        services.invite(organisation=organisation, actor=request.user, **form.cleaned_data)
    except services.OrganisationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("An invitation has been sent to %(email)s.") % {"email": form.cleaned_data["email"]}
        )
    return redirect(organisation.get_absolute_url() + "#members")


@login_required
@require_POST
def membership_action(request, slug, membership_id, action):
    membership = _membership_or_404(request, slug, membership_id)
    moves = {
        "approve": lambda: services.approve_request(membership=membership, actor=request.user),
        "decline": lambda: services.decline_request(membership=membership, actor=request.user),
        "remove": lambda: services.remove_member(membership=membership, actor=request.user),
        "make-representative": lambda: services.change_role(
            membership=membership, role=Membership.Role.REPRESENTATIVE, actor=request.user
        ),
        "make-member": lambda: services.change_role(
            membership=membership, role=Membership.Role.MEMBER, actor=request.user
        ),
    }
    if action not in moves:
        raise Http404(_("Unknown action."))
    try:
        moves[action]()
    except services.OrganisationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Done."))
    return redirect(membership.organisation.get_absolute_url() + "#members")


@login_required
@require_POST
def leave(request, slug):
    organisation = _visible_or_404(request, slug)
    try:
        services.leave(organisation=organisation, person=request.user)
    except services.OrganisationError as error:
        messages.error(request, str(error))
        return redirect(organisation.get_absolute_url())
    messages.success(request, _("You have left “%(name)s”.") % {"name": organisation.name})
    return redirect("organisations:my_organisations")


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """The link of an invitation email: sign in (or up) with the invited address, then join."""
    membership = services.invitation_from_token(token)
    if membership is None:
        return keep_private(render(request, "organisations/invitation_invalid.html", status=404), noindex=True)
    here = reverse("organisations:invitation", kwargs={"token": token})
    context = {
        "membership": membership,
        "organisation": membership.organisation,
        "login_url": f"{reverse('account_login')}?{urlencode({'next': here})}",
        "signup_url": f"{reverse('account_signup')}?{urlencode({'next': here})}",
        "is_for_this_account": request.user.is_authenticated
        and request.user.email.lower() == membership.invited_email.lower(),
        "can_participate": request.user.is_authenticated and can_participate(request.user),
    }
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(context["login_url"])
        try:
            services.accept_invitation(membership=membership, person=request.user)
        except services.OrganisationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Welcome: you are now a member of “%(name)s”.") % {"name": membership.organisation.name}
            )
            return redirect(membership.organisation.get_absolute_url())
    return keep_private(render(request, "organisations/invitation.html", context), noindex=True)
