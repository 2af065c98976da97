from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from following import digests, registry, services, tokens
from following.forms import NewsletterForm, PreferencesForm
from following.models import Digest, Follow, Subscriber
from portal.http import client_address, keep_private


def _safe_next(request, fallback: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return fallback


@require_POST
def follow(request):
    """The Follow / Unfollow button of a page (following.templatetags)."""
    back = _safe_next(request, reverse("following:manage"))
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={back}")
    followable = registry.followable(request.POST.get("kind", ""))
    item = None
    if followable is not None and request.POST.get("id", "").isdigit():
        item = followable.choices().filter(pk=int(request.POST["id"])).first()
    if item is None:
        messages.error(request, _("This cannot be followed."))
        return HttpResponseRedirect(back)
    try:
        if request.POST.get("action") == "unfollow":
            services.unfollow(user=request.user, item=item)
            messages.success(request, _("You no longer follow “%(item)s”.") % {"item": item})
        else:
            services.follow(user=request.user, item=item)
            messages.success(
                request,
                _("You follow “%(item)s”: what is published about it comes in your digest.") % {"item": item},
            )
    except services.FollowingError as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def manage(request):
    """ "What I follow": the digest's frequency, everything or a choice, and the choice."""
    user = request.user
    subscriber = Subscriber.objects.filter(user=user).first()
    followed = {}
    for content_type_id, object_id in Follow.objects.filter(user=user).values_list("content_type_id", "object_id"):
        followed.setdefault(content_type_id, []).append(object_id)
    initial = {
        "frequency": subscriber.frequency if subscriber else Subscriber.Frequency.WEEKLY,
        "follows_everything": subscriber.follows_everything if subscriber else False,
    }
    for followable in registry.followables():
        initial[f"follow_{followable.key}"] = followed.get(ContentType.objects.get_for_model(followable.model).pk, [])
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_preferences(
                user=user,
                frequency=form.cleaned_data["frequency"],
                follows_everything=form.cleaned_data["follows_everything"],
            )
            for followable in form.followables:
                chosen = form.cleaned_data[f"follow_{followable.key}"]
                services.set_follows(user=user, followable=followable, ids=[item.pk for item in chosen])
        except services.FollowingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Saved: your digest follows your choice."))
            return redirect("following:manage")
    status = 400 if form.errors else 200
    return keep_private(
        render(request, "following/manage.html", {"form": form, "subscriber": subscriber}, status=status)
    )


@require_http_methods(["GET", "POST"])
def subscribe(request):
    """The newsletter without an account: an address, and a link to confirm it by email."""
    form = NewsletterForm(request.POST or None, initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        try:
            services.subscribe_newsletter(
                email=form.cleaned_data["email"],
                language=form.cleaned_data["language"],
                client_address=client_address(request),
            )
        except services.RateLimited as error:
            messages.error(request, str(error))
        else:
            # The same answer for every address: this page never tells whether one is subscribed.
            messages.success(
                request,
                _(
                    "Thank you. We have sent a message to %(email)s: open the link in it to confirm your "
                    "subscription (if the address is subscribed already, the message says so)."
                )
                % {"email": form.cleaned_data["email"]},
            )
        return redirect("following:subscribe")
    return render(request, "following/subscribe.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """Opening the link shows a button (mail scanners open links); pressing it subscribes."""
    if request.method == "POST":
        try:
            services.confirm_newsletter(token=token)
        except services.FollowingError as error:
            return keep_private(
                render(request, "following/link_result.html", {"problem": str(error)}, status=400), noindex=True
            )
        return keep_private(render(request, "following/link_result.html", {"confirmed": True}), noindex=True)
    try:
        email, _language = tokens.read_confirmation_token(token)
    except tokens.InvalidToken:
        return keep_private(
            render(
                request,
                "following/link_result.html",
                {
                    "problem": _(
                        "This confirmation link is not valid, or it has expired. Subscribe again to get a new one."
                    )
                },
                status=400,
            ),
            noindex=True,
        )
    return keep_private(render(request, "following/confirm.html", {"email": email}), noindex=True)


@csrf_exempt  # RFC 8058: the mail provider's one-click POST has no session; the signed token authenticates it
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    if request.method == "POST":
        try:
            outcome = services.unsubscribe(token=token)
        except services.FollowingError as error:
            return keep_private(
                render(request, "following/link_result.html", {"problem": str(error)}, status=400), noindex=True
            )
        return keep_private(render(request, "following/link_result.html", {"left": outcome}), noindex=True)
    try:
        subscriber = services.subscriber_from_token(token)
    except services.FollowingError as error:
        return keep_private(
            render(request, "following/link_result.html", {"problem": str(error)}, status=400), noindex=True
        )
    return keep_private(render(request, "following/unsubscribe.html", {"subscriber": subscriber}), noindex=True)


@require_safe
def digest_web(request, token):
    """The web version of a digest sent (its personal link)."""
    try:
        run_id, subscriber_id, secret = tokens.read_digest_token(token)
    except tokens.InvalidToken:
        raise Http404(_("This digest does not exist.")) from None
    digest = (
        Digest.objects.select_related("run", "subscriber")
        .filter(run_id=run_id, subscriber_id=subscriber_id, subscriber__secret=secret)
        .first()
    )
    if digest is None:
        raise Http404(_("This digest does not exist."))
    run = digest.run
    period = registry.Period(run.period_start, run.period_end, run.frequency)
    context = {
        "digest": digest,
        "sections": digests.web_sections(digest),
        "period_label": digests.period_label(period),
        "unsubscribe_url": reverse("following:unsubscribe", args=[tokens.subscriber_token(digest.subscriber)]),
    }
    return keep_private(render(request, "following/digest_web.html", context), noindex=True)
